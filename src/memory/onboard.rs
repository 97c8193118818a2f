//! An in-memory account for the use cases' tests: API stages, log groups with their filters, functions with
//! their policies, queues. Behaves like the services where onboarding relies on it (two filters per group,
//! `NotFound` for what does not exist, idempotent creates).

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::names::function_name;
use crate::onboard::plan::MAX_FILTERS_PER_GROUP;
use crate::ports::{
    ApiStages, Created, Delivery, DeliveryDestination, DeliverySource, FunctionInfo, Functions, LogGroups,
    LoggingChange, OnboardError, OnboardResult, QueueDepth, Queues, StageConfig, StageFilter, SubscriptionFilter,
};

#[derive(Debug, Default)]
pub(crate) struct State {
    pub stages: Vec<StageConfig>,
    pub role: Option<String>,
    pub groups: BTreeMap<String, Vec<SubscriptionFilter>>,
    pub functions: Vec<FunctionInfo>,
    pub on_failure: BTreeMap<String, String>,
    pub policies: BTreeMap<String, Vec<String>>,
    /// Environment variables of every function, by name.
    pub variables: BTreeMap<String, String>,
    pub queues: BTreeMap<String, QueueDepth>,
    /// CloudWatch Logs deliveries (served by `super::delivery`).
    pub deliveries: DeliveryState,
    /// Every write, in order.
    pub writes: Vec<String>,
}

/// The account's CloudWatch Logs deliveries: sources, destinations and the deliveries pairing them.
#[derive(Debug, Default)]
pub(crate) struct DeliveryState {
    pub sources: Vec<DeliverySource>,
    pub destinations: Vec<DeliveryDestination>,
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Default)]
pub(crate) struct MemoryAws(pub Mutex<State>);

impl MemoryAws {
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn not_found(what: &'static str, name: &str) -> OnboardError {
    OnboardError::NotFound {
        what,
        name: name.into(),
    }
}

impl ApiStages for MemoryAws {
    async fn stages(&self, filter: &StageFilter) -> OnboardResult<Vec<StageConfig>> {
        Ok(self.with(|s| {
            s.stages
                .iter()
                .filter(|st| filter.api_id.as_ref().is_none_or(|a| *a == st.api_id))
                .filter(|st| filter.stage.as_ref().is_none_or(|n| *n == st.stage))
                .cloned()
                .collect()
        }))
    }

    async fn cloudwatch_role(&self) -> OnboardResult<Option<String>> {
        Ok(self.with(|s| s.role.clone()))
    }

    async fn update_logging(&self, stage: &StageConfig, change: &LoggingChange) -> OnboardResult<()> {
        self.with(|s| {
            let st = s
                .stages
                .iter_mut()
                .find(|st| st.api_id == stage.api_id && st.stage == stage.stage)
                .ok_or_else(|| not_found("stage", &stage.stage))?;
            if let Some(l) = change.level {
                st.logging_level = Some(l);
            }
            if let Some(d) = change.data_trace {
                st.data_trace = d;
            }
            if let Some(a) = &change.access_log {
                st.access_log = Some(a.clone());
            }
            s.writes
                .push(format!("update_logging {}/{}", stage.api_id, stage.stage));
            Ok(())
        })
    }
}

impl LogGroups for MemoryAws {
    async fn names_with_prefix(&self, prefix: &str) -> OnboardResult<Vec<String>> {
        Ok(self.with(|s| s.groups.keys().filter(|g| g.starts_with(prefix)).cloned().collect()))
    }

    async fn filters(&self, group: &str) -> OnboardResult<Vec<SubscriptionFilter>> {
        self.with(|s| {
            s.groups
                .get(group)
                .cloned()
                .ok_or_else(|| not_found("log group", group))
        })
    }

    async fn put_filter(&self, group: &str, filter: &SubscriptionFilter) -> OnboardResult<()> {
        self.with(|s| {
            let filters = s.groups.get_mut(group).ok_or_else(|| not_found("log group", group))?;
            filters.retain(|f| f.name != filter.name);
            if filters.len() >= MAX_FILTERS_PER_GROUP {
                return Err(OnboardError::Precondition {
                    problem: "Resource limit exceeded".into(),
                    fix: String::new(),
                });
            }
            filters.push(filter.clone());
            s.writes.push(format!("put_filter {group}"));
            Ok(())
        })
    }

    async fn create_group(&self, name: &str) -> OnboardResult<Created> {
        self.with(|s| {
            if s.groups.contains_key(name) {
                return Ok(Created::Existed);
            }
            s.groups.insert(name.into(), Vec::new());
            s.writes.push(format!("create_group {name}"));
            Ok(Created::New)
        })
    }
}

impl Functions for MemoryAws {
    async fn function(&self, name_or_arn: &str) -> OnboardResult<FunctionInfo> {
        let name = function_name(name_or_arn);
        self.with(|s| {
            s.functions
                .iter()
                .find(|f| f.name == name)
                .cloned()
                .ok_or_else(|| not_found("function", name_or_arn))
        })
    }

    async fn on_failure_destination(&self, function_arn: &str) -> OnboardResult<Option<String>> {
        Ok(self.with(|s| s.on_failure.get(function_arn).cloned()))
    }

    async fn variable(&self, _function_arn: &str, name: &str) -> OnboardResult<Option<String>> {
        Ok(self.with(|s| s.variables.get(name).cloned()))
    }

    async fn policy(&self, function_arn: &str) -> OnboardResult<Option<String>> {
        Ok(self.with(|s| {
            s.policies
                .get(function_arn)
                .map(|st| format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, st.join(",")))
        }))
    }

    async fn allow_logs(&self, function_arn: &str, sid: &str, source_arn: &str, account: &str) -> OnboardResult<()> {
        self.with(|s| {
            s.policies.entry(function_arn.into()).or_default().push(format!(
                r#"{{"Sid":"{sid}","Effect":"Allow","Principal":{{"Service":"logs.amazonaws.com"}},"Action":"lambda:InvokeFunction","Condition":{{"ArnLike":{{"AWS:SourceArn":"{source_arn}"}},"StringEquals":{{"AWS:SourceAccount":"{account}"}}}}}}"#
            ));
            s.writes.push(format!("allow_logs {function_arn}"));
            Ok(())
        })
    }
}

impl Queues for MemoryAws {
    async fn url_of(&self, queue_arn: &str) -> OnboardResult<String> {
        let name = queue_arn.rsplit(':').next().unwrap_or(queue_arn);
        Ok(format!("https://sqs.local/{name}"))
    }

    async fn depth(&self, url: &str) -> OnboardResult<QueueDepth> {
        self.with(|s| s.queues.get(url).copied().ok_or_else(|| not_found("queue", url)))
    }
}
