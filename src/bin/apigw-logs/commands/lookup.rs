//! `lookup ID`: the whole story of one request, by API Gateway request ID or Lambda request ID.

use apigw_log_indexer::index::query;
use clap::Args as ClapArgs;

use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::{output, story, terminal};

/// Arguments of `lookup`.
#[derive(ClapArgs)]
pub struct Args {
    /// An API Gateway request ID or a Lambda request ID.
    id: String,
    /// The API record, then its Lambda record(s), one JSON object per line, each with its lines.
    #[arg(long)]
    json: bool,
    /// Also print how many items and Query calls the lookup took (stderr).
    #[arg(long, short)]
    verbose: bool,
    /// No colour (also when NO_COLOR is set; colour is only ever used on a terminal).
    #[arg(long = "no-color", env = "NO_COLOR", num_args = 0..=1, default_missing_value = "1", value_name = "ANY")]
    no_color: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `lookup ID`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let id = a.id.trim();
    if id.is_empty() {
        return Err(CliError::Usage {
            option: "ID",
            problem: "is empty".into(),
        });
    }
    let story = runtime()?
        .block_on(async { query::fetch_story(&a.aws.index().await, id).await })
        .map_err(|e| a.aws.store_error(None, e))?;
    if a.verbose {
        output::warn(format_args!(
            "{} items from {} request IDs in {} Query calls",
            story.items.len(),
            story.queried.len(),
            story.calls
        ));
    }
    if story.items.is_empty() {
        return Ok(Outcome::NotFound(NotFound::Request {
            id: id.to_string(),
            table: a.aws.table().to_string(),
        }));
    }
    let rendered = story::render(&story, a.json);
    for w in &rendered.warnings {
        output::warn(w);
    }
    let Some(text) = rendered.text else {
        return Ok(Outcome::NotFound(NotFound::Unreadable));
    };
    let colour = !a.json && terminal::colour_stdout(a.no_color.as_deref());
    output::print_story(&text, colour)?;
    Ok(Outcome::Done)
}
