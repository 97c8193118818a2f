//! Subscribing log groups to the indexer: select (by prefix and name), plan (read each group's filters,
//! decide), allow (one invoke permission for every group), apply (put the filters). Shared by
//! `apigw-logs subscribe`, `setup-logging` and the subscriber function's sweep and new-group events.
//! Idempotent: a rerun finds the filters it made and changes nothing.

use std::collections::BTreeSet;
use std::time::Instant;

use super::plan::{Decision, Selection, decide};
use super::policy::{STATEMENT_ID, allows_logs};
use crate::names::Indexer;
use crate::ports::{Created, Functions, LogGroups, OnboardError, OnboardResult, SubscriptionFilter};

/// What happened, or would happen, to one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The log group.
    pub group: String,
    /// What to do with it.
    pub decision: Decision,
    /// Why applying the decision failed, if it did (the other groups still proceed).
    pub failed: Option<String>,
}

/// A subscription run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// One entry per selected group, in name order.
    pub groups: Vec<Planned>,
    /// Listed names (or groups deleted meanwhile) that do not exist.
    pub missing: Vec<String>,
    /// Groups left for the next run because the deadline came first.
    pub unfinished: Vec<String>,
}

impl Plan {
    /// Groups with this decision.
    pub fn count(&self, kind: &str) -> usize {
        self.groups.iter().filter(|p| p.decision.as_str() == kind).count()
    }

    /// Groups whose subscription failed.
    pub fn failures(&self) -> usize {
        self.groups.iter().filter(|p| p.failed.is_some()).count()
    }

    /// Whether any group is to be subscribed.
    pub fn subscribes(&self) -> bool {
        self.groups.iter().any(|p| p.decision == Decision::Subscribe)
    }

    /// `subscribed=2 already_subscribed=1 …`: counts for one log line.
    pub fn summary(&self) -> String {
        let kinds = [
            "subscribe",
            "already_subscribed",
            "skipped_own_group",
            "skipped_excluded",
            "skipped_filter_limit",
            "skipped_name_taken",
        ];
        let mut parts: Vec<String> = kinds
            .iter()
            .map(|k| format!("{}={}", if *k == "subscribe" { "subscribed" } else { k }, self.count(k)))
            .collect();
        parts.push(format!("failed={}", self.failures()));
        parts.push(format!("missing={}", self.missing.len()));
        parts.push(format!("unfinished={}", self.unfinished.len()));
        parts.join(" ")
    }
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// The existing groups a selection names, in name order; listed names that do not exist are returned apart.
pub async fn select<L: LogGroups>(logs: &L, selection: &Selection) -> OnboardResult<(Vec<String>, Vec<String>)> {
    let mut found = BTreeSet::new();
    for prefix in &selection.prefixes {
        found.extend(logs.names_with_prefix(prefix).await?);
    }
    let mut missing = Vec::new();
    for name in &selection.names {
        if found.contains(name) {
            continue;
        }
        // An exact name is a prefix listing that must contain the name itself.
        if logs.names_with_prefix(name).await?.iter().any(|n| n == name) {
            found.insert(name.clone());
        } else {
            missing.push(name.clone());
        }
    }
    Ok((found.into_iter().collect(), missing))
}

/// Reads each group's filters and decides. A group that vanished is listed as missing.
pub async fn plan<L: LogGroups>(
    logs: &L,
    indexer: &Indexer,
    groups: Vec<String>,
    exclude: &[String],
    deadline: Option<Instant>,
) -> OnboardResult<Plan> {
    let mut out = Plan::default();
    let mut groups = groups.into_iter();
    for group in groups.by_ref() {
        if past(deadline) {
            out.unfinished.push(group);
            break;
        }
        // The own group is never touched, not even read.
        let filters = if group == indexer.log_group {
            Vec::new()
        } else {
            match logs.filters(&group).await {
                Ok(f) => f,
                Err(OnboardError::NotFound { .. }) => {
                    out.missing.push(group);
                    continue;
                }
                Err(e) => return Err(e),
            }
        };
        let decision = decide(&group, &filters, indexer, exclude);
        out.groups.push(Planned {
            group,
            decision,
            failed: None,
        });
    }
    out.unfinished.extend(groups);
    Ok(out)
}

/// Makes sure CloudWatch Logs may invoke the indexer for `groups`: when the function's policy covers them
/// already (the stack's account-wide permission, or an earlier run's), nothing is added; otherwise one
/// statement for every log group of the account and region ([`STATEMENT_ID`]).
pub(crate) async fn allow_invocations<F: Functions>(
    functions: &F,
    indexer: &Indexer,
    groups: &[&str],
) -> OnboardResult<Created> {
    let policy = functions.policy(&indexer.arn).await?.unwrap_or_default();
    let covered = groups.iter().all(|g| {
        indexer
            .group_source_arn(g)
            .is_some_and(|src| allows_logs(&policy, &src))
    });
    if covered {
        return Ok(Created::Existed);
    }
    let (Some(source), Some(account)) = (indexer.logs_source_arn(), indexer.account()) else {
        return Err(OnboardError::Precondition {
            problem: format!("{} is not a Lambda function ARN", indexer.arn),
            fix: "pass the indexer's full ARN with --function".into(),
        });
    };
    functions
        .allow_logs(&indexer.arn, STATEMENT_ID, &source, account)
        .await?;
    Ok(Created::New)
}

/// Puts the indexer's filter on every group planned for it. A failure is recorded on its group; the others
/// proceed. Groups left when the deadline passes move to `unfinished`.
pub(crate) async fn apply<L: LogGroups>(logs: &L, indexer: &Indexer, plan: &mut Plan, deadline: Option<Instant>) {
    let filter = SubscriptionFilter {
        name: indexer.name.clone(),
        destination_arn: indexer.arn.clone(),
    };
    let mut late = Vec::new();
    for p in plan.groups.iter_mut().filter(|p| p.decision == Decision::Subscribe) {
        if past(deadline) {
            late.push(p.group.clone());
            continue;
        }
        if let Err(e) = logs.put_filter(&p.group, &filter).await {
            p.failed = Some(e.to_string());
        }
    }
    plan.groups.retain(|p| !late.contains(&p.group));
    plan.unfinished.extend(late);
}

/// A member account's run: the same selection and plan, with filters that point at a central account's
/// CloudWatch Logs destination (`destination`: [`Indexer::from_destination`]). No permission step: the
/// destination's own policy names the accounts that may subscribe, and no role is passed (CloudWatch Logs
/// delivers to a cross-account destination under that policy).
pub async fn run_to_destination<L: LogGroups>(
    logs: &L,
    destination: &Indexer,
    selection: &Selection,
    dry_run: bool,
) -> OnboardResult<Plan> {
    let mut plan = selected_plan(logs, destination, selection).await?;
    if !dry_run && plan.subscribes() {
        apply(logs, destination, &mut plan, None).await;
    }
    Ok(plan)
}

/// Select, then plan, with the listed names that do not exist as missing.
async fn selected_plan<L: LogGroups>(logs: &L, target: &Indexer, selection: &Selection) -> OnboardResult<Plan> {
    let (groups, missing) = select(logs, selection).await?;
    let mut plan = plan(logs, target, groups, &selection.exclude, None).await?;
    plan.missing.extend(missing);
    Ok(plan)
}

/// The whole run for the CLI: select, plan, and unless `dry_run`, allow and apply.
pub async fn run<L: LogGroups, F: Functions>(
    logs: &L,
    functions: &F,
    indexer: &Indexer,
    selection: &Selection,
    dry_run: bool,
) -> OnboardResult<Plan> {
    let mut plan = selected_plan(logs, indexer, selection).await?;
    if !dry_run && plan.subscribes() {
        let targets: Vec<&str> = plan
            .groups
            .iter()
            .filter(|p| p.decision == Decision::Subscribe)
            .map(|p| p.group.as_str())
            .collect();
        allow_invocations(functions, indexer, &targets).await?;
        apply(logs, indexer, &mut plan, None).await;
    }
    Ok(plan)
}
