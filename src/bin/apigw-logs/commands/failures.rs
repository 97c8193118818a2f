//! `failures`: recent failed requests, newest first: one Query per day of the window (and page) on the
//! failures index, never a Scan. With `--follow`, new ones as they are indexed (`follow.rs`).

mod follow;

use apigw_log_indexer::FailureReason;
use apigw_log_indexer::index::query::{self, MAX_FAILURE_DAYS};
use apigw_log_indexer::ports::FailureFilter;
use clap::Args as ClapArgs;

use crate::api_filter::ApiFilter;
use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::window::{between, window};
use crate::{output, story};

/// Arguments of `failures`.
#[derive(ClapArgs)]
pub struct Args {
    /// How far back from --until to look: 30m, 6h, 7d (or an RFC 3339 time).
    #[arg(long, default_value = "24h")]
    since: String,
    /// End of the window: an RFC 3339 time such as 2023-10-30T13:00:00Z (default: now).
    #[arg(long, conflicts_with = "follow")]
    until: Option<String>,
    /// Keep printing new failed requests as they are indexed, oldest first, each once, until Ctrl-C.
    /// The first poll shows the --since window. A request is printed with what its first indexed
    /// fragment said; when a later batch refines its reason it is not printed again (`lookup ID` shows it).
    #[arg(long)]
    follow: bool,
    /// With --follow: time between polls (one Query on the failures index each).
    #[arg(long, default_value = "5s", requires = "follow")]
    interval: String,
    /// Only this failure reason (LambdaTimeout, Throttled, ...).
    #[arg(long)]
    reason: Option<String>,
    #[command(flatten)]
    filter: ApiFilter,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `failures`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let (since, until) = window(&a.since, a.until.as_deref())?;
    if (until - since) / 86_400_000 >= MAX_FAILURE_DAYS {
        return Err(CliError::Usage {
            option: "--since",
            problem: format!("the window is longer than {MAX_FAILURE_DAYS} days"),
        });
    }
    if let Some(r) = &a.reason
        && FailureReason::from_name(r).is_none()
    {
        let names: Vec<&str> = FailureReason::ALL.iter().map(|r| r.as_str()).collect();
        return Err(CliError::Usage {
            option: "--reason",
            problem: format!("{r:?} is not one of {}", names.join(", ")),
        });
    }
    let filter = FailureFilter {
        reason: a.reason.clone(),
        api_id: a.filter.api_id.clone(),
        stage: a.filter.stage.clone(),
    };
    if a.follow {
        let every = follow::interval(&a.interval)?;
        return follow::run(&a.aws, &filter, since, every, a.json);
    }
    let mut entries = Vec::new();
    runtime()?
        .block_on(async {
            let index = a.aws.index().await;
            query::list_failures(&index, since, until, &filter, |e| entries.push(e)).await
        })
        .map_err(|e| a.aws.store_error(None, e))?;
    if entries.is_empty() {
        return Ok(Outcome::NotFound(NotFound::Failures {
            table: a.aws.table().to_string(),
            window: between(since, until),
        }));
    }
    output::print(&story::failures(&entries, a.json))?;
    Ok(Outcome::Done)
}
