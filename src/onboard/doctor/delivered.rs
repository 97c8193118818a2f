//! `doctor` and deliveries: a REST stage may deliver its execution logs (CloudWatch Logs deliveries, events up
//! to 1 MB) to a log group, an S3 bucket or a Firehose stream of its choosing. The indexer reads such a
//! destination only when its `EXECUTION_LOG_GROUPS` declares it for that stage (`group=api/stage`,
//! `s3://bucket/prefix=api/stage`), and a delivered group only once it is subscribed. Pure, over what
//! [`super::super::collect`] read.

use std::collections::BTreeMap;

use super::{Out, Severity, Snapshot};
use crate::config::EXECUTION_LOG_GROUPS;
use crate::names::log_group_of_arn;
use crate::onboard::plan::{Decision, decide};
use crate::onboard::shell::shell_word;
use crate::parse::delivered::ExecutionLogGroup;
use crate::ports::{
    ApiType, Delivery, DeliveryDestination, DeliverySource, DestinationKind, EXECUTION_LOGS, LogLevel, StageConfig,
};
use crate::s3_delivery::declared_source;

/// Where stages deliver their execution logs, and what the indexer declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFacts {
    /// Each delivering stage (API ID, stage) → the resource ARNs its deliveries write to.
    pub by_stage: BTreeMap<(String, String), Vec<String>>,
    /// The indexer's `EXECUTION_LOG_GROUPS` entries.
    pub declared: Vec<ExecutionLogGroup>,
    /// Why the deliveries could not be read (a permission the caller lacks), when they could not.
    pub unread: Option<String>,
}

/// `(api, stage)` of a delivery source's resource: `arn:…:apigateway:…:/restapis/API/stages/STAGE`.
fn stage_of(resource_arn: &str) -> Option<(String, String)> {
    if resource_arn.split(':').nth(2) != Some("apigateway") {
        return None;
    }
    let (_, rest) = resource_arn.split_once("/restapis/")?;
    let (api, stage) = rest.split_once("/stages/")?;
    (!api.is_empty() && !stage.is_empty() && !stage.contains('/')).then(|| (api.to_string(), stage.to_string()))
}

impl DeliveryFacts {
    /// From the account's delivery lists and the indexer's `EXECUTION_LOG_GROUPS` value.
    pub fn of(
        sources: &[DeliverySource],
        destinations: &[DeliveryDestination],
        deliveries: &[Delivery],
        declared: &str,
    ) -> Self {
        let mut by_stage: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for source in sources.iter().filter(|s| s.log_type == EXECUTION_LOGS) {
            let Some(stage) = source.resource_arns.iter().find_map(|r| stage_of(r)) else {
                continue;
            };
            for d in deliveries.iter().filter(|d| d.source_name == source.name) {
                if let Some(dest) = destinations.iter().find(|x| x.arn == d.destination_arn) {
                    by_stage
                        .entry(stage.clone())
                        .or_default()
                        .push(dest.resource_arn.clone());
                }
            }
        }
        Self {
            by_stage,
            declared: declared.split(',').filter_map(ExecutionLogGroup::parse).collect(),
            unread: None,
        }
    }

    fn of_stage(&self, s: &StageConfig) -> &[String] {
        self.by_stage
            .get(&(s.api_id.clone(), s.stage.clone()))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the stage delivers its execution logs somewhere (then it logs, whatever its level says).
    pub(crate) fn delivers(&self, s: &StageConfig) -> bool {
        s.api_type == ApiType::Rest && !self.of_stage(s).is_empty()
    }

    /// The log groups deliveries write to (their subscriptions are checked).
    pub(crate) fn log_groups(&self) -> Vec<String> {
        self.by_stage
            .values()
            .flatten()
            .filter_map(|arn| log_group_of_arn(arn))
            .map(str::to_string)
            .collect()
    }
}

/// Account-wide: deliveries that could not be read.
pub(super) fn account(out: &mut Out<'_>, snap: &Snapshot) {
    if let Some(why) = &snap.deliveries.unread {
        out.other(
            Severity::Note,
            "deliveries_unread",
            "account".into(),
            format!(
                "CloudWatch Logs deliveries could not be read ({why}), so delivered execution logs are not checked"
            ),
            "allow logs:DescribeDeliverySources, logs:DescribeDeliveryDestinations and logs:DescribeDeliveries".into(),
        );
    }
}

/// One stage's deliveries: each readable destination declared for it, each delivered group subscribed.
pub(super) fn stage(out: &mut Out<'_>, s: &StageConfig, snap: &Snapshot) {
    if s.api_type != ApiType::Rest {
        return;
    }
    let facts = &snap.deliveries;
    // The fix keeps the stage's level; a delivery needs one that logs.
    let level = match s.logging_level {
        Some(LogLevel::Info) => " --level INFO",
        _ => " --level ERROR",
    };
    for resource in facts.of_stage(s) {
        let (declared, option, entry) = match DestinationKind::of(resource) {
            DestinationKind::LogGroup => {
                let Some(group) = log_group_of_arn(resource) else {
                    continue;
                };
                let declared = facts
                    .declared
                    .iter()
                    .any(|g| g.group == group && g.api_id == s.api_id && g.stage == s.stage);
                if declared {
                    subscribed(out, s, snap, group, level);
                }
                let option = format!(" --delivery log-group --delivery-log-group {}", shell_word(group));
                (declared, option, format!("{group}={}/{}", s.api_id, s.stage))
            }
            DestinationKind::S3 => {
                let Some(path) = resource.split_once(":::").map(|(_, p)| p) else {
                    continue;
                };
                let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
                let declared = declared_source(&facts.declared, bucket, prefix)
                    .is_some_and(|g| g.api_id == s.api_id && g.stage == s.stage);
                let option = format!(
                    " --delivery s3 --bucket {} --prefix {}",
                    shell_word(bucket),
                    shell_word(prefix)
                );
                (
                    declared,
                    option,
                    format!("s3://{bucket}/{prefix}={}/{}", s.api_id, s.stage),
                )
            }
            DestinationKind::Firehose | DestinationKind::Other => {
                out.stage(
                    Severity::Note,
                    "delivery_not_readable",
                    s,
                    format!("execution logs are also delivered to {resource}, which the indexer does not read"),
                    format!(
                        "deliver through S3 instead (a Firehose stream to S3 is read as S3): {}",
                        out.setup(s, &format!("{level} --delivery s3 --bucket BUCKET"))
                    ),
                );
                continue;
            }
        };
        if !declared {
            out.stage(
                Severity::Fix,
                "delivery_not_declared",
                s,
                format!(
                    "execution logs are delivered to {resource}, which the indexer's {EXECUTION_LOG_GROUPS} does not \
                     declare for this stage: they are not read as its execution logs"
                ),
                format!(
                    "{}, then add {entry} to the stack's DeliveredExecutionLogs parameter and redeploy",
                    out.setup(s, &format!("{level}{option}"))
                ),
            );
        }
    }
}

/// A declared delivered group is subscribed to the indexer.
fn subscribed(out: &mut Out<'_>, s: &StageConfig, snap: &Snapshot, group: &str, level: &str) {
    let filters = snap.groups.get(group).cloned().flatten().unwrap_or_default();
    if decide(group, &filters, &snap.indexer, &[]) == Decision::Subscribe {
        out.stage(
            Severity::Fix,
            "not_subscribed",
            s,
            format!(
                "delivered execution log group {group} is not subscribed to the indexer {}",
                snap.indexer.name
            ),
            out.setup(
                s,
                &format!(
                    "{level} --delivery log-group --delivery-log-group {}",
                    shell_word(group)
                ),
            ),
        );
    }
}
