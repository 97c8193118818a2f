//! `lookup ID`: the whole story of one request, by API Gateway request ID or Lambda request ID.

use apigw_log_indexer::diagnose::Configuration;
use apigw_log_indexer::diagnose::configure::Wanted;
use apigw_log_indexer::index::query::{self, Story};
use clap::Args as ClapArgs;

use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::{diagnosis, lines, output, story, terminal};

/// Arguments of `lookup`.
#[derive(ClapArgs)]
pub struct Args {
    /// An API Gateway request ID or a Lambda request ID.
    id: String,
    /// The API record, then its Lambda record(s), one JSON object per line, each with its lines.
    #[arg(long)]
    json: bool,
    /// Diagnose from the logs alone: do not read the function's configuration (Lambda
    /// GetFunctionConfiguration) or the integration timeout (API Gateway GetIntegration).
    #[arg(long)]
    logs_only: bool,
    /// Also print how many items and Query calls the lookup took (stderr).
    #[arg(long, short)]
    verbose: bool,
    /// No colour (also when NO_COLOR is set; colour is only ever used on a terminal).
    #[arg(long = "no-color", env = "NO_COLOR", num_args = 0..=1, default_missing_value = "1", value_name = "ANY")]
    no_color: Option<String>,
    #[command(flatten)]
    fetch: lines::FetchArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `lookup ID`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let id = checked_id(&a.id)?;
    let rt = runtime()?;
    let story = rt.block_on(fetch(&a.aws, id))?;
    let cfg = if a.logs_only {
        Configuration::default()
    } else {
        rt.block_on(configuration(&a.aws, &story::wanted(&story)))
    };
    if a.verbose {
        output::warn(format_args!(
            "{} items from {} request IDs in {} Query calls",
            story.items.len(),
            story.queried.len(),
            story.calls
        ));
    }
    // Nothing stored (`SUCCESS_STORAGE=off`, or expired) is no obstacle to reading lines back by hand.
    let fetched = match a.fetch.fetch_lines {
        true if !a.json => {
            let queries = lines::queries(&story, id, &a.fetch)?;
            Some(rt.block_on(lines::fetch_text(&a.aws, &queries))?)
        }
        true => {
            return Err(CliError::Usage {
                option: "--fetch-lines",
                problem: "prints text: leave out --json".into(),
            });
        }
        false => None,
    };
    let mut text = match (render(&story, id, &a.aws, a.json, &cfg), &fetched) {
        (Ok(rendered), _) => {
            for w in &rendered.warnings {
                output::warn(w);
            }
            for note in lines::not_indexed_notes(&story, id)
                .iter()
                .filter(|_| fetched.is_none())
            {
                output::warn(note);
            }
            if fetched.is_none() && lines::unlinked_invocation(&story) {
                output::warn(format_args!(
                    "note: no API request is linked to {id} in the index (a summarized success is stored under its \
                     API request ID only): `apigw-logs lookup {id} --fetch-lines --log-group <access log group> \
                     --since <window>` reads the access record that names it"
                ));
            }
            rendered.text.unwrap_or_default()
        }
        (Err(_), Some(_)) => format!("{id}: nothing in the index\n"),
        (Err(nothing), None) => {
            if matches!(nothing, NotFound::Request { .. }) {
                output::warn(lines::nothing_stored_note(id));
            }
            return Ok(Outcome::NotFound(nothing));
        }
    };
    text.push_str(fetched.as_deref().unwrap_or_default());
    let colour = !a.json && terminal::colour_stdout(a.no_color.as_deref());
    output::print_story(&text, colour)?;
    Ok(Outcome::Done)
}

/// The ID, trimmed; a usage error when it is empty.
pub fn checked_id(raw: &str) -> Result<&str, CliError> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(CliError::Usage {
            option: "ID",
            problem: "is empty".into(),
        });
    }
    Ok(id)
}

/// The configuration facts `wanted` names, read with the endpoint options; a failed read is said once on
/// stderr (`configuration not read: …`) and the diagnosis rests on the logs.
pub async fn configuration(aws: &AwsArgs, wanted: &Wanted) -> Configuration {
    if wanted.is_empty() {
        return Configuration::default();
    }
    let read = wanted.read(&diagnosis::deployment(aws).await).await;
    diagnosis::warn_not_read(&read.problems);
    read.cfg
}

/// Everything stored under `id` (either ID) and the partitions it links to.
pub async fn fetch(aws: &AwsArgs, id: &str) -> Result<Story, CliError> {
    query::fetch_story(&aws.index().await, id)
        .await
        .map_err(|e| aws.store_error(None, e))
}

/// The story as `lookup` prints it (`text` is always set), or what was not found.
pub fn render(
    story: &Story,
    id: &str,
    aws: &AwsArgs,
    json: bool,
    cfg: &Configuration,
) -> Result<story::Rendered, NotFound> {
    if story.items.is_empty() {
        return Err(NotFound::Request {
            id: id.to_string(),
            table: aws.table().to_string(),
        });
    }
    let rendered = story::render(story, json, cfg);
    if rendered.text.is_none() {
        for w in &rendered.warnings {
            output::warn(w);
        }
        return Err(NotFound::Unreadable);
    }
    Ok(rendered)
}
