//! The subscriber: the same binary as the indexer, deployed as a second function (its own role, allowed
//! to write subscription filters and nothing else). EventBridge invokes it for CloudTrail's `CreateLogGroup`
//! events (subscribe that group when selected), on a schedule and after each deploy (sweep every selected
//! group). Its configuration is read once; its presence is what makes the binary run as the subscriber.

use std::time::Instant;

use serde_json::Value;

use super::plan::{Selection, split_list};
use super::subscribe::{Plan, apply, plan, select};
use crate::config::{AWS_LAMBDA_LOG_GROUP_NAME, ConfigError};
use crate::names::Indexer;
use crate::ports::{LogGroups, OnboardResult};

/// The indexer's ARN: the subscriptions' destination. Set only on the subscriber function.
pub const SUBSCRIBE_DESTINATION_ARN: &str = "SUBSCRIBE_DESTINATION_ARN";
/// The indexer's own log group (never subscribed); default `/aws/lambda/{function name}`.
pub const SUBSCRIBE_DESTINATION_LOG_GROUP: &str = "SUBSCRIBE_DESTINATION_LOG_GROUP";
/// Comma-separated name prefixes to subscribe.
pub const SUBSCRIBE_PREFIXES: &str = "SUBSCRIBE_PREFIXES";
/// Comma-separated exact log group names to subscribe (the template's listed groups, any number).
pub const SUBSCRIBE_LOG_GROUPS: &str = "SUBSCRIBE_LOG_GROUPS";
/// Comma-separated names never to subscribe (the stack's other functions' groups).
pub const SUBSCRIBE_EXCLUDE: &str = "SUBSCRIBE_EXCLUDE";

/// The subscriber's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberConfig {
    /// Where subscriptions deliver.
    pub indexer: Indexer,
    /// Which groups to subscribe; its exclusions include the subscriber's own log group.
    pub selection: Selection,
}

impl SubscriberConfig {
    /// `None` when [`SUBSCRIBE_DESTINATION_ARN`] is not set: the binary is the indexer.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let Some(arn) = get(SUBSCRIBE_DESTINATION_ARN) else {
            return Ok(None);
        };
        if !(arn.starts_with("arn:") && arn.contains(":lambda:") && arn.contains(":function:")) {
            return Err(ConfigError::Invalid {
                name: SUBSCRIBE_DESTINATION_ARN,
                value: arn,
                allowed: "a Lambda function ARN",
            });
        }
        let indexer = Indexer::from_arn(&arn, get(SUBSCRIBE_DESTINATION_LOG_GROUP).as_deref());
        let mut exclude = split_list(&get(SUBSCRIBE_EXCLUDE).unwrap_or_default());
        exclude.extend(get(AWS_LAMBDA_LOG_GROUP_NAME));
        Ok(Some(Self {
            indexer,
            selection: Selection {
                prefixes: split_list(&get(SUBSCRIBE_PREFIXES).unwrap_or_default()),
                names: split_list(&get(SUBSCRIBE_LOG_GROUPS).unwrap_or_default()),
                exclude,
            },
        }))
    }
}

/// What an EventBridge event asks of the subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriberEvent {
    /// CloudTrail recorded a `CreateLogGroup` (`detail.requestParameters.logGroupName`).
    NewLogGroup(String),
    /// Subscribe every selected group: `"schedule"` or `"deploy"` (the stack finished creating or updating).
    Sweep(&'static str),
    /// Nothing to do, and why.
    Ignored(String),
}

/// Reads an EventBridge event ("AWS API Call via CloudTrail", "Scheduled Event", "CloudFormation Stack
/// Status Change"). Unknown shapes are ignored with a reason, never an error: EventBridge would only retry.
pub fn read_event(raw: &str) -> SubscriberEvent {
    let Ok(ev) = serde_json::from_str::<Value>(raw) else {
        return SubscriberEvent::Ignored("not JSON".into());
    };
    let detail = &ev["detail"];
    match ev["detail-type"].as_str().unwrap_or_default() {
        "AWS API Call via CloudTrail" => {
            if detail["eventName"] != "CreateLogGroup" {
                return SubscriberEvent::Ignored(format!("CloudTrail event {}", detail["eventName"]));
            }
            // A failed call created nothing, except when the group existed already.
            if let Some(code) = detail["errorCode"]
                .as_str()
                .filter(|c| *c != "ResourceAlreadyExistsException")
            {
                return SubscriberEvent::Ignored(format!("CreateLogGroup failed with {code}"));
            }
            match detail["requestParameters"]["logGroupName"].as_str() {
                Some(name) if !name.is_empty() => SubscriberEvent::NewLogGroup(name.to_string()),
                _ => SubscriberEvent::Ignored("CreateLogGroup without requestParameters.logGroupName".into()),
            }
        }
        "Scheduled Event" => SubscriberEvent::Sweep("schedule"),
        "CloudFormation Stack Status Change" => match detail["status-details"]["status"].as_str() {
            Some("CREATE_COMPLETE" | "UPDATE_COMPLETE") => SubscriberEvent::Sweep("deploy"),
            other => SubscriberEvent::Ignored(format!("stack status {}", other.unwrap_or("unknown"))),
        },
        other => SubscriberEvent::Ignored(format!("detail-type {other:?}")),
    }
}

/// Handles one event: subscribes the new group when selected, or sweeps. Groups the deadline leaves are
/// reported as unfinished (the next sweep takes them).
pub async fn handle<L: LogGroups>(
    logs: &L,
    config: &SubscriberConfig,
    event: &SubscriberEvent,
    deadline: Instant,
) -> OnboardResult<Plan> {
    let (groups, missing) = match event {
        SubscriberEvent::NewLogGroup(name) if config.selection.matches(name) => (vec![name.clone()], Vec::new()),
        SubscriberEvent::NewLogGroup(_) | SubscriberEvent::Ignored(_) => return Ok(Plan::default()),
        SubscriberEvent::Sweep(_) => select(logs, &config.selection).await?,
    };
    let mut p = plan(logs, &config.indexer, groups, &config.selection.exclude, Some(deadline)).await?;
    p.missing.extend(missing);
    apply(logs, &config.indexer, &mut p, Some(deadline)).await;
    Ok(p)
}
