//! `setup-logging`: turns on, for one stage, everything `doctor` checks — the execution logging level, an
//! access log in CloudWatch Logs with a format carrying every field the parser needs (in a log group it
//! creates when needed), the log groups that do not exist yet, and their subscriptions. Idempotent: each
//! setting is changed only when it differs, and a rerun reports that nothing changed.

use super::collect::{integrated_functions, stages};
use super::doctor::{GroupRole, stage_groups};
use super::format::{self, FormatCheck};
use super::subscribe::{Plan, allow_invocations, apply, plan};
use crate::names::{Indexer, default_access_group, log_group_of_arn};
use crate::ports::{
    AccessLogSetting, ApiStages, ApiType, Created, Functions, LogGroups, LogLevel, LoggingChange, OnboardError,
    OnboardResult, StageFilter,
};

/// What to set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupRequest {
    /// API ID.
    pub api_id: String,
    /// Stage name.
    pub stage: String,
    /// Execution logging level (REST and WebSocket; ignored for HTTP APIs, which have none).
    pub level: LogLevel,
    /// Full request/response data; `None` leaves it as it is.
    pub data_trace: Option<bool>,
    /// The access log group; default: the stage's current one, else [`default_access_group`].
    pub access_log_group: Option<String>,
}

/// What `setup-logging` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupReport {
    /// One line per change made (or found already made).
    pub changes: Vec<String>,
    /// The subscriptions.
    pub subscriptions: Plan,
}

/// Applies the request. Fails before changing anything when the stage does not exist, or when execution
/// logging is asked for and the account has no API Gateway CloudWatch role.
pub async fn setup_logging<A, L, F>(
    apis: &A,
    logs: &L,
    functions: &F,
    indexer: &Indexer,
    req: &SetupRequest,
) -> OnboardResult<SetupReport>
where
    A: ApiStages,
    L: LogGroups,
    F: Functions,
{
    let filter = StageFilter {
        api_id: Some(req.api_id.clone()),
        stage: Some(req.stage.clone()),
    };
    let mut stage = stages(apis, &filter)
        .await?
        .into_iter()
        .find(|s| s.stage == req.stage)
        .ok_or_else(|| OnboardError::NotFound {
            what: "stage",
            name: format!("{}/{}", req.api_id, req.stage),
        })?;
    let execution = stage.api_type.has_execution_logs();
    if execution && req.level != LogLevel::Off && apis.cloudwatch_role().await?.is_none() {
        return Err(OnboardError::Precondition {
            problem: "API Gateway has no CloudWatch Logs role in this region, which execution logging needs".into(),
            fix: "aws apigateway update-account --patch-operations \
                  op=replace,path=/cloudwatchRoleArn,value=<ROLE_ARN> (or deploy the stack with \
                  CreateApiGatewayAccountRole=true), or pass --level OFF"
                .into(),
        });
    }
    let mut report = SetupReport::default();

    // The access log: its group first, so the destination exists when the stage starts writing.
    let current_group = stage
        .access_log
        .as_ref()
        .and_then(|a| log_group_of_arn(&a.destination_arn))
        .map(str::to_string);
    let group = req
        .access_log_group
        .clone()
        .or(current_group)
        .unwrap_or_else(|| default_access_group(&stage.api_id, &stage.stage));
    if logs.create_group(&group).await? == Created::New {
        report.changes.push(format!("created access log group {group}"));
    }
    let destination_arn = indexer.group_arn(&group).ok_or_else(|| OnboardError::Precondition {
        problem: format!("{} is not a Lambda function ARN", indexer.arn),
        fix: "pass the indexer's full ARN with --function".into(),
    })?;
    let format = match &stage.access_log {
        Some(a) if format::check(&a.format) == FormatCheck::Complete => a.format.clone(),
        _ => format::recommended(stage.api_type).to_string(),
    };
    let access = AccessLogSetting {
        destination_arn,
        format,
    };
    let mut change = LoggingChange::default();
    if stage.access_log.as_ref() != Some(&access) {
        report.changes.push(match &stage.access_log {
            None => format!("access log on: {group}, recommended {} format", stage.api_type.as_str()),
            Some(old) if old.format != access.format => {
                format!(
                    "access log: {group}, format replaced by the recommended {} one",
                    stage.api_type.as_str()
                )
            }
            Some(old) => format!("access log destination {} → {group}", old.destination_arn),
        });
        change.access_log = Some(access.clone());
    }
    if execution {
        let old = stage.logging_level.unwrap_or(LogLevel::Off);
        if old != req.level {
            report
                .changes
                .push(format!("execution logging {} → {}", old.as_str(), req.level.as_str()));
            change.level = Some(req.level);
        }
        if let Some(dt) = req.data_trace.filter(|dt| *dt != stage.data_trace) {
            report
                .changes
                .push(format!("full request/response data {}", if dt { "on" } else { "off" }));
            change.data_trace = Some(dt);
        }
    }
    if !change.is_empty() {
        apis.update_logging(&stage, &change).await?;
        stage.access_log = Some(access);
        stage.logging_level = change.level.or(stage.logging_level);
    }

    // The groups the stage now writes to. REST execution and Lambda groups are created here, as API Gateway
    // and Lambda name them, so they can be subscribed before the first request. A WebSocket stage's execution
    // group has two possible names: it is subscribed once API Gateway has created one.
    let fns = integrated_functions(functions, std::slice::from_ref(&stage)).await?;
    let mut targets = Vec::new();
    for (role, g) in stage_groups(&stage, &fns) {
        if role == GroupRole::Execution && stage.api_type == ApiType::WebSocket {
            if logs.names_with_prefix(&g).await?.contains(&g) {
                targets.push(g);
            }
            continue;
        }
        if logs.create_group(&g).await? == Created::New {
            report.changes.push(format!("created log group {g}"));
        }
        targets.push(g);
    }
    targets.sort();
    targets.dedup();
    report.subscriptions = subscribe_targets(logs, functions, indexer, targets, &mut report.changes).await?;
    Ok(report)
}

/// Subscribes `targets` to the indexer, letting CloudWatch Logs invoke it first when it may not yet (a line in
/// `changes` then); shared by the stage's groups here and a delivered group (`super::delivery`).
pub(crate) async fn subscribe_targets<L: LogGroups, F: Functions>(
    logs: &L,
    functions: &F,
    indexer: &Indexer,
    targets: Vec<String>,
    changes: &mut Vec<String>,
) -> OnboardResult<Plan> {
    let mut subs = plan(logs, indexer, targets, &[], None).await?;
    let to_subscribe: Vec<&str> = subs
        .groups
        .iter()
        .filter(|p| p.decision == super::plan::Decision::Subscribe)
        .map(|p| p.group.as_str())
        .collect();
    if !to_subscribe.is_empty() {
        if allow_invocations(functions, indexer, &to_subscribe).await? == Created::New {
            changes.push(format!(
                "allowed CloudWatch Logs to invoke {} for this account's log groups",
                indexer.name
            ));
        }
        apply(logs, indexer, &mut subs, None).await;
    }
    Ok(subs)
}
