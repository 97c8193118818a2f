//! `failures`: recent failed requests, newest first: one Query per day of the window (and page) on the
//! failures index, never a Scan. With `--follow`, new ones as they are indexed (`follow.rs`).

mod follow;

use apigw_log_indexer::FailureReason;
use apigw_log_indexer::index::query::{self, FailureEntry, MAX_FAILURE_DAYS};
use apigw_log_indexer::ports::FailureFilter;
use clap::Args as ClapArgs;

use crate::api_filter::ApiFilter;
use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::window::{between, window};
use crate::{diagnosis, output, story};

/// How far back `failures` looks by default (the MCP tool too).
pub const DEFAULT_SINCE: &str = "24h";

/// Arguments of `failures`.
#[derive(ClapArgs)]
pub struct Args {
    /// How far back from --until to look: 30m, 6h, 7d (or an RFC 3339 time).
    #[arg(long, default_value = DEFAULT_SINCE)]
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
    /// One line per failure with its cause and fix (with --json: each entry with its `diagnosis`), from what
    /// the failures index holds; `lookup ID` adds the invocation's figures.
    #[arg(long, conflicts_with = "follow")]
    explain: bool,
    /// With --explain: diagnose from the logs alone, without reading REST integrations' timeouts (API
    /// Gateway GetResources, GetIntegration; at most 5 are read).
    #[arg(long, requires = "explain")]
    logs_only: bool,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `failures`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let q = Query::checked(&a.since, a.until.as_deref(), a.reason.as_deref(), &a.filter)?;
    if a.follow {
        let every = follow::interval(&a.interval)?;
        return follow::run(&a.aws, &q.filter, q.since, every, a.json);
    }
    let rt = runtime()?;
    let entries = rt.block_on(q.list(&a.aws))?;
    if entries.is_empty() {
        return Ok(Outcome::NotFound(q.none_found(&a.aws)));
    }
    let text = if a.explain {
        let timeouts = if a.logs_only {
            diagnosis::IntegrationTimeouts::new()
        } else {
            rt.block_on(diagnosis::integration_timeouts(&a.aws, &entries))
        };
        diagnosis::explain(&entries, a.json, &timeouts)
    } else {
        story::failures(&entries, a.json)
    };
    output::print(&text)?;
    Ok(Outcome::Done)
}

/// A checked `failures` query: its window (epoch ms) and filter.
pub struct Query {
    /// Start of the window.
    pub since: i64,
    /// End of the window.
    pub until: i64,
    /// Reason, API and stage.
    pub filter: FailureFilter,
}

impl Query {
    /// The window of `--since`/`--until` (at most [`MAX_FAILURE_DAYS`]) and a known `--reason`.
    pub fn checked(since: &str, until: Option<&str>, reason: Option<&str>, api: &ApiFilter) -> Result<Self, CliError> {
        let (since, until) = window(since, until)?;
        if (until - since) / 86_400_000 >= MAX_FAILURE_DAYS {
            return Err(CliError::Usage {
                option: "--since",
                problem: format!("the window is longer than {MAX_FAILURE_DAYS} days"),
            });
        }
        if let Some(r) = reason
            && FailureReason::from_name(r).is_none()
        {
            let names: Vec<&str> = FailureReason::ALL.iter().map(|r| r.as_str()).collect();
            return Err(CliError::Usage {
                option: "--reason",
                problem: format!("{r:?} is not one of {}", names.join(", ")),
            });
        }
        let filter = FailureFilter {
            reason: reason.map(str::to_string),
            api_id: api.api_id.clone(),
            stage: api.stage.clone(),
        };
        Ok(Self { since, until, filter })
    }

    /// The failed requests of the window, newest first.
    pub async fn list(&self, aws: &AwsArgs) -> Result<Vec<FailureEntry>, CliError> {
        let mut entries = Vec::new();
        let index = aws.index().await;
        query::list_failures(&index, self.since, self.until, &self.filter, |e| entries.push(e))
            .await
            .map_err(|e| aws.store_error(None, e))?;
        Ok(entries)
    }

    /// What an empty result says: the table and the window searched.
    pub fn none_found(&self, aws: &AwsArgs) -> NotFound {
        NotFound::Failures {
            table: aws.table().to_string(),
            window: between(self.since, self.until),
        }
    }
}
