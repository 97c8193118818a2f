//! `subscribe`: every existing log group whose name starts with a prefix, subscribed to the indexer (never
//! its own group, never replacing another filter), or with `--destination`, to a central account's
//! CloudWatch Logs destination (a member account's set-up); `--dry-run` lists what it would do.

use apigw_log_indexer::names::{DEFAULT_PREFIXES, Indexer};
use apigw_log_indexer::onboard::plan::{Decision, Selection};
use apigw_log_indexer::onboard::subscribe::{Plan, run as subscribe, run_to_destination};
use clap::Args as ClapArgs;
use serde_json::json;

use crate::aws_args::runtime;
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::output;
use crate::stack::IndexerArgs;

/// Arguments of `subscribe`.
#[derive(ClapArgs)]
pub struct Args {
    /// Log group name prefix (repeatable; default: API-Gateway-Execution-Logs_ and /aws/apigateway/).
    #[arg(long = "prefix")]
    prefixes: Vec<String>,
    /// An exact log group name (repeatable).
    #[arg(long = "log-group")]
    log_groups: Vec<String>,
    /// List what would be subscribed; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// One JSON object per log group.
    #[arg(long)]
    json: bool,
    /// A central account's CloudWatch Logs destination ARN (its stack's CentralDestinationArn output): the
    /// filters point there instead of at an indexer in this account.
    #[arg(long, value_name = "ARN", conflicts_with = "function")]
    destination: Option<String>,
    #[command(flatten)]
    indexer: IndexerArgs,
}

/// `subscribe`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let destination = match a.destination.as_deref() {
        Some(arn) => Some(Indexer::from_destination(arn).ok_or_else(|| CliError::Usage {
            option: "--destination",
            problem: format!(
                "{arn:?} is not a CloudWatch Logs destination ARN (arn:aws:logs:REGION:ACCOUNT:destination:NAME)"
            ),
        })?),
        None => {
            a.indexer.require()?;
            None
        }
    };
    let mut prefixes = a.prefixes.clone();
    if prefixes.is_empty() && a.log_groups.is_empty() {
        prefixes = DEFAULT_PREFIXES.iter().map(|p| p.to_string()).collect();
    }
    let selection = Selection {
        prefixes,
        names: a.log_groups.clone(),
        exclude: Vec::new(),
    };
    let plan = runtime()?
        .block_on(async {
            let aws = a.indexer.connect().await?;
            if let Some(destination) = &destination {
                return run_to_destination(&aws.logs, destination, &selection, a.dry_run).await;
            }
            let indexer = Indexer::from_function(&aws.indexer(a.indexer.function.as_deref()).await?);
            subscribe(&aws.logs, &aws.functions, &indexer, &selection, a.dry_run).await
        })
        .map_err(CliError::onboard("subscribe"))?;
    print(&plan, a.dry_run, a.json)?;
    output::warn(format_args!(
        "{}{}",
        plan.summary(),
        if a.dry_run { " (dry run: nothing changed)" } else { "" }
    ));
    if plan.failures() > 0 {
        Err(CliError::Partial {
            context: "subscribe",
            failed: plan.failures(),
        })
    } else if plan.groups.is_empty() {
        Ok(Outcome::NotFound(NotFound::NoLogGroups))
    } else {
        Ok(Outcome::Done)
    }
}

/// One line (or JSON object) per group, through the one terminal-safe writer.
pub fn print(plan: &Plan, dry_run: bool, as_json: bool) -> Result<(), CliError> {
    let mut out = String::new();
    for p in &plan.groups {
        let action = match (&p.decision, dry_run, &p.failed) {
            (_, _, Some(_)) => "failed",
            (Decision::Subscribe, true, _) => "would_subscribe",
            (Decision::Subscribe, false, _) => "subscribed",
            (d, _, _) => d.as_str(),
        };
        let line = if as_json {
            json!({"log_group": p.group, "action": action, "detail": p.decision.describe(&p.group, dry_run), "error": p.failed})
                .to_string()
        } else if let Some(e) = &p.failed {
            format!("failed to subscribe {}: {e}", p.group)
        } else {
            p.decision.describe(&p.group, dry_run)
        };
        out.push_str(&line);
        out.push('\n');
    }
    for g in &plan.missing {
        let line = if as_json {
            json!({"log_group": g, "action": "missing", "detail": "no such log group", "error": null}).to_string()
        } else {
            format!("no log group {g}")
        };
        out.push_str(&line);
        out.push('\n');
    }
    output::print(&out)
}
