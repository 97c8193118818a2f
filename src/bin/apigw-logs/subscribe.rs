//! `subscribe`: every existing log group whose name starts with a prefix, subscribed to the indexer (never
//! its own group, never replacing another filter); `--dry-run` lists what it would do.

use apigw_log_indexer::onboard::names::{DEFAULT_PREFIXES, Indexer};
use apigw_log_indexer::onboard::plan::{Decision, Selection};
use apigw_log_indexer::onboard::subscribe::{Plan, run};
use clap::Args;
use serde_json::json;

use crate::runtime;
use crate::stack::{IndexerArgs, onboard_fail};
use crate::{EXIT_AWS, EXIT_NOT_FOUND, EXIT_OK};

/// Arguments of `subscribe`.
#[derive(Args)]
pub struct SubscribeArgs {
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
    #[command(flatten)]
    indexer: IndexerArgs,
}

/// `subscribe`.
pub fn subscribe(a: &SubscribeArgs) -> u8 {
    if let Err(code) = a.indexer.require() {
        return code;
    }
    let Some(rt) = runtime() else { return EXIT_AWS };
    let mut prefixes = a.prefixes.clone();
    if prefixes.is_empty() && a.log_groups.is_empty() {
        prefixes = DEFAULT_PREFIXES.iter().map(|p| p.to_string()).collect();
    }
    let selection = Selection {
        prefixes,
        names: a.log_groups.clone(),
        exclude: Vec::new(),
    };
    let outcome = rt.block_on(async {
        let aws = a.indexer.connect().await?;
        let indexer = Indexer::from_function(&aws.indexer(a.indexer.function.as_deref()).await?);
        run(&aws.logs, &aws.functions, &indexer, &selection, a.dry_run).await
    });
    let plan = match outcome {
        Ok(p) => p,
        Err(e) => return onboard_fail("subscribe", &e),
    };
    print(&plan, a.dry_run, a.json);
    eprintln!(
        "apigw-logs: {}{}",
        plan.summary(),
        if a.dry_run { " (dry run: nothing changed)" } else { "" }
    );
    if plan.failures() > 0 {
        EXIT_AWS
    } else if plan.groups.is_empty() {
        EXIT_NOT_FOUND
    } else {
        EXIT_OK
    }
}

/// One line (or JSON object) per group.
pub fn print(plan: &Plan, dry_run: bool, as_json: bool) {
    for p in &plan.groups {
        let action = match (&p.decision, dry_run, &p.failed) {
            (_, _, Some(_)) => "failed",
            (Decision::Subscribe, true, _) => "would_subscribe",
            (Decision::Subscribe, false, _) => "subscribed",
            (d, _, _) => d.as_str(),
        };
        if as_json {
            println!(
                "{}",
                json!({"log_group": p.group, "action": action, "detail": p.decision.describe(&p.group, dry_run), "error": p.failed})
            );
        } else if let Some(e) = &p.failed {
            println!("failed to subscribe {}: {e}", p.group);
        } else {
            println!("{}", p.decision.describe(&p.group, dry_run));
        }
    }
    for g in &plan.missing {
        if as_json {
            println!(
                "{}",
                json!({"log_group": g, "action": "missing", "detail": "no such log group", "error": null})
            );
        } else {
            println!("no log group {g}");
        }
    }
}
