//! `doctor`'s checks: a pure function from a snapshot of the account's configuration to findings, each
//! with the command that fixes it. The snapshot is gathered by [`super::collect`].

use std::collections::{BTreeMap, BTreeSet};

mod delivered;
pub use delivered::DeliveryFacts;

use super::format::{self, FormatCheck};
use super::plan::{Decision, decide};
use super::policy::{STATEMENT_ID, allows_logs};
use super::shell::shell_word;
use crate::names::{Indexer, log_group_of_arn};
use crate::ports::{ApiType, Integration, LogLevel, QueueDepth, StageConfig, SubscriptionFilter};

/// What the account looked like when `doctor` ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The indexer the subscriptions should deliver to.
    pub indexer: Indexer,
    /// Its resource-based policy (JSON), `None` when it has none.
    pub indexer_policy: Option<String>,
    /// The account's API Gateway CloudWatch Logs role.
    pub cloudwatch_role: Option<String>,
    /// The stages checked.
    pub stages: Vec<StageConfig>,
    /// Every relevant log group: its subscription filters, or `None` when it does not exist.
    pub groups: BTreeMap<String, Option<Vec<SubscriptionFilter>>>,
    /// Each integrated function (by ARN): its log group, or `None` when the function does not exist.
    pub functions: BTreeMap<String, Option<String>>,
    /// The on-failure queue, when known.
    pub queue: Option<(String, QueueDepth)>,
    /// Where stages deliver their execution logs, and what the indexer declares.
    pub deliveries: DeliveryFacts,
}

/// The role of a log group for a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum GroupRole {
    /// Execution logs.
    Execution,
    /// Access logs.
    Access,
    /// An integrated Lambda function's logs.
    Lambda,
}

/// The log groups a stage's logs go to: the execution group(s) when execution logging is on (a WebSocket
/// stage has two candidate names), the access log group, and the integrated functions' groups.
pub(crate) fn stage_groups(
    stage: &StageConfig,
    functions: &BTreeMap<String, Option<String>>,
) -> Vec<(GroupRole, String)> {
    let mut out = Vec::new();
    if stage.logging_level.is_some_and(|l| l != LogLevel::Off) {
        for g in crate::names::execution_groups(stage.api_type, &stage.api_id, &stage.stage) {
            out.push((GroupRole::Execution, g));
        }
    }
    if let Some(g) = stage
        .access_log
        .as_ref()
        .and_then(|a| log_group_of_arn(&a.destination_arn))
    {
        out.push((GroupRole::Access, g.to_string()));
    }
    for i in &stage.integrations {
        if let Integration::Lambda(arn) = i
            && let Some(Some(g)) = functions.get(arn)
        {
            out.push((GroupRole::Lambda, g.clone()));
        }
    }
    out
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something to fix: the indexer misses logs or evidence (exit 1).
    Fix,
    /// Worth knowing, possibly a deliberate choice (cost): does not change the exit code.
    Note,
}

/// One thing `doctor` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// Stable name of the check (JSON output).
    pub check: &'static str,
    /// What it is about: `REST abc123/dev`, `log group …`, `account`, `indexer`.
    pub subject: String,
    /// The stage's API, when about a stage.
    pub api_id: Option<String>,
    /// The stage, when about a stage.
    pub stage: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The command (or step) that fixes it.
    pub fix: String,
}

/// How fix commands name the indexer and the region (`--stack S`, `--function ARN --region R`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixContext {
    /// Appended to every `apigw-logs` fix command.
    pub args: String,
}

struct Out<'a> {
    fix: &'a FixContext,
    findings: Vec<Finding>,
}

impl Out<'_> {
    fn setup(&self, s: &StageConfig, extra: &str) -> String {
        format!(
            "apigw-logs setup-logging --api {} --stage {}{extra} {}",
            shell_word(&s.api_id),
            shell_word(&s.stage),
            self.fix.args
        )
        .trim_end()
        .to_string()
    }

    fn stage(&mut self, severity: Severity, check: &'static str, s: &StageConfig, message: String, fix: String) {
        self.findings.push(Finding {
            severity,
            check,
            subject: format!("{} {}/{}", s.api_type.as_str(), s.api_id, s.stage),
            api_id: Some(s.api_id.clone()),
            stage: Some(s.stage.clone()),
            message,
            fix,
        });
    }

    fn other(&mut self, severity: Severity, check: &'static str, subject: String, message: String, fix: String) {
        self.findings.push(Finding {
            severity,
            check,
            subject,
            api_id: None,
            stage: None,
            message,
            fix,
        });
    }
}

/// Every finding, account-wide first, then by stage in the snapshot's order.
pub fn check(snap: &Snapshot, fix: &FixContext) -> Vec<Finding> {
    let mut out = Out {
        fix,
        findings: Vec::new(),
    };
    let idx = &snap.indexer;
    if snap.cloudwatch_role.is_none() && snap.stages.iter().any(|s| s.api_type.has_execution_logs()) {
        out.other(
            Severity::Fix,
            "cloudwatch_role_missing",
            "account".into(),
            "API Gateway has no CloudWatch Logs role in this region, so no REST or WebSocket stage can write \
             execution logs"
                .into(),
            "aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=<ROLE_ARN> \
             (a role trusting apigateway.amazonaws.com with AmazonAPIGatewayPushToCloudWatchLogs; or deploy the \
             stack with CreateApiGatewayAccountRole=true)"
                .into(),
        );
    }
    if let Some(Some(filters)) = snap.groups.get(&idx.log_group) {
        for f in filters.iter().filter(|f| idx.is_destination(&f.destination_arn)) {
            out.other(
                Severity::Fix,
                "own_group_subscribed",
                format!("log group {}", idx.log_group),
                "the indexer's own log group is subscribed to the indexer: every invocation feeds the next".into(),
                format!(
                    "aws logs delete-subscription-filter --log-group-name {} --filter-name {}",
                    shell_word(&idx.log_group),
                    shell_word(&f.name)
                ),
            );
        }
    }
    if let Some((url, depth)) = &snap.queue
        && depth.visible + depth.in_flight > 0
    {
        out.other(
            Severity::Fix,
            "failed_batches_waiting",
            "on-failure queue".into(),
            format!(
                "{} failed batches wait in {url} ({} being received): their logs are not indexed",
                depth.visible + depth.in_flight,
                depth.in_flight
            ),
            format!(
                "replay them as docs/deploy.md \"Failed batches and replay\" shows: aws sqs receive-message \
                 --queue-url {url} ..., then apigw-logs replay FILE..."
            ),
        );
    }
    delivered::account(&mut out, snap);
    if snap.stages.is_empty() {
        out.other(
            Severity::Note,
            "no_stages",
            "account".into(),
            "no API Gateway stage to check in this region".into(),
            "deploy an API, or pass --region".into(),
        );
    }
    let mut seen_groups = BTreeSet::new();
    let mut unpermitted = Vec::new();
    for s in &snap.stages {
        stage_settings(&mut out, s, snap.deliveries.delivers(s));
        delivered::stage(&mut out, s, snap);
        stage_functions(&mut out, s, snap);
        let groups = stage_groups(s, &snap.functions);
        let exec: Vec<&String> = groups
            .iter()
            .filter(|(r, _)| *r == GroupRole::Execution)
            .map(|(_, g)| g)
            .collect();
        let exec_exists = exec.iter().any(|g| matches!(snap.groups.get(*g), Some(Some(_))));
        for (role, group) in &groups {
            let state = snap.groups.get(group).cloned().flatten();
            if *role == GroupRole::Execution && s.api_type == ApiType::WebSocket {
                // Two candidate names: only the one that exists matters, and until the first message
                // neither may exist (setup-logging cannot know which one API Gateway will create).
                if state.is_none() {
                    if !exec_exists && group == exec[0] {
                        out.stage(
                            Severity::Note,
                            "execution_group_not_created",
                            s,
                            format!("no execution log group yet ({} or {}): API Gateway creates it at the first logged message", exec[0], exec.get(1).map_or("", |g| g.as_str())),
                            "auto-subscription subscribes it when it appears; or rerun setup-logging then".into(),
                        );
                    }
                    continue;
                }
            }
            if !seen_groups.insert(group.clone()) {
                continue;
            }
            let Some(filters) = state else {
                let creator = if *role == GroupRole::Lambda {
                    "Lambda creates it at the first invocation"
                } else {
                    "API Gateway creates it at the first logged request"
                };
                out.stage(
                    Severity::Fix,
                    "log_group_missing",
                    s,
                    format!(
                        "{} log group {group} does not exist yet ({creator}), so it is not subscribed",
                        role_name(*role)
                    ),
                    out.setup(s, ""),
                );
                continue;
            };
            match decide(group, &filters, idx, &[]) {
                Decision::Subscribe => out.stage(
                    Severity::Fix,
                    "not_subscribed",
                    s,
                    format!(
                        "{} log group {group} is not subscribed to the indexer {}",
                        role_name(*role),
                        idx.name
                    ),
                    out.setup(s, ""),
                ),
                Decision::AlreadySubscribed { .. } => {
                    let allowed = idx
                        .group_source_arn(group)
                        .is_some_and(|src| allows_logs(snap.indexer_policy.as_deref().unwrap_or(""), &src));
                    if !allowed {
                        unpermitted.push(group.clone());
                    }
                }
                d @ (Decision::FilterLimit { .. } | Decision::NameTaken { .. }) => {
                    let first = match &d {
                        Decision::FilterLimit { filters } => filters.first().map(|f| f.name.clone()),
                        _ => Some(idx.name.clone()),
                    };
                    out.stage(
                        Severity::Fix,
                        "subscription_blocked",
                        s,
                        d.describe(group, false),
                        format!(
                            "aws logs delete-subscription-filter --log-group-name {} --filter-name {}, then {}",
                            shell_word(group),
                            shell_word(&first.unwrap_or_default()),
                            out.setup(s, "")
                        ),
                    );
                }
                Decision::OwnGroup | Decision::Excluded => {}
            }
        }
    }
    if !unpermitted.is_empty() {
        out.other(
            Severity::Fix,
            "invoke_permission_missing",
            format!("indexer {}", idx.name),
            format!(
                "CloudWatch Logs may not invoke the indexer for {} subscribed log group(s) ({}): nothing is delivered",
                unpermitted.len(),
                unpermitted.join(", ")
            ),
            format!(
                "aws lambda add-permission --function-name {} --statement-id {STATEMENT_ID} --action lambda:InvokeFunction \
                 --principal logs.amazonaws.com --source-arn {} --source-account {}",
                idx.arn,
                idx.logs_source_arn().unwrap_or_default(),
                idx.account().unwrap_or_default()
            ),
        );
    }
    out.findings
}

fn role_name(role: GroupRole) -> &'static str {
    match role {
        GroupRole::Execution => "execution",
        GroupRole::Access => "access",
        GroupRole::Lambda => "Lambda",
    }
}

/// Logging level (a stage that delivers its execution logs does log), full data, access log and format.
fn stage_settings(out: &mut Out<'_>, s: &StageConfig, delivers: bool) {
    match s.logging_level {
        Some(LogLevel::Off) if !delivers => out.stage(
            Severity::Fix,
            "execution_logging_off",
            s,
            "execution logging is OFF: the indexer reads most failure evidence from execution logs".into(),
            out.setup(s, " --logging-profile lean"),
        ),
        // `ERROR` with the access log is the lean profile, the recommended one: nothing to say.
        Some(LogLevel::Info) => out.stage(
            Severity::Note,
            if s.data_trace {
                "execution_logging_full"
            } else {
                "execution_logging_info"
            },
            s,
            format!(
                "execution logging is at INFO{}: the lean profile (ERROR and the access log) keeps the failure \
                 evidence for about a ninth of the log bytes (docs/cost.md); keep INFO only to see {}",
                if s.data_trace {
                    " with full request/response data"
                } else {
                    ""
                },
                if s.data_trace {
                    "bodies (which AWS advises against logging in production)"
                } else {
                    "the trace"
                }
            ),
            out.setup(s, " --logging-profile lean"),
        ),
        _ => {}
    }
    let Some(access) = &s.access_log else {
        let why = if s.api_type == ApiType::Http {
            "an HTTP API's only log"
        } else {
            "it carries the gateway response type and completes requests the execution log does not"
        };
        out.stage(
            Severity::Fix,
            "access_log_missing",
            s,
            format!("no access log ({why})"),
            out.setup(s, ""),
        );
        return;
    };
    if log_group_of_arn(&access.destination_arn).is_none() {
        out.stage(
            Severity::Fix,
            "access_log_not_cloudwatch",
            s,
            format!(
                "access logs go to {}, not to CloudWatch Logs, where the indexer subscribes",
                access.destination_arn
            ),
            out.setup(s, ""),
        );
    }
    match format::check(&access.format) {
        FormatCheck::Complete => {}
        FormatCheck::NotJson => out.stage(
            Severity::Fix,
            "access_log_format_not_json",
            s,
            "the access-log format is not JSON: from CLF the parser reads only request ID, method, path and status"
                .into(),
            out.setup(s, ""),
        ),
        FormatCheck::Missing(missing) => {
            let list: Vec<String> = missing.iter().map(|n| format!("{} ({})", n.variable, n.why)).collect();
            out.stage(
                Severity::Fix,
                "access_log_format_fields",
                s,
                format!("the access-log format lacks {}", list.join(", ")),
                out.setup(s, ""),
            );
        }
    }
}

/// Integrations whose function cannot be known or does not exist.
fn stage_functions(out: &mut Out<'_>, s: &StageConfig, snap: &Snapshot) {
    for i in &s.integrations {
        match i {
            Integration::Unresolved(uri) => out.stage(
                Severity::Note,
                "integration_unresolved",
                s,
                format!("a Lambda integration picks its function at run time ({uri}): its log group is not checked"),
                "subscribe that function's log group with apigw-logs subscribe --prefix /aws/lambda/NAME".into(),
            ),
            Integration::Lambda(arn) if matches!(snap.functions.get(arn), Some(None)) => out.stage(
                Severity::Note,
                "function_not_found",
                s,
                format!("an integration calls {arn}, which does not exist"),
                "fix the integration's URI".into(),
            ),
            Integration::Lambda(_) => {}
        }
    }
}
