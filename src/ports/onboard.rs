//! The ports onboarding talks to AWS through, the plain types they exchange, and their error. Adapters:
//! `crate::aws::{apigateway, apigatewayv2, logs, lambda, sqs, cloudformation}`; tests script them in memory.

use std::collections::BTreeMap;
use std::future::Future;

use super::BoxError;

/// Why an onboarding call failed.
#[derive(Debug, thiserror::Error)]
pub enum OnboardError {
    /// The thing named does not exist (an API, a stage, a function, a log group, a stack).
    #[error("{what} {name} does not exist")]
    NotFound {
        /// What kind of thing (`API`, `stage`, `function`, `log group`, `stack`).
        what: &'static str,
        /// Its name or ID.
        name: String,
    },
    /// The endpoint could not be reached or did not answer (connection, DNS, TLS, timeout).
    #[error("cannot reach {service}: {message}")]
    Unreachable {
        /// The service (`API Gateway`, `CloudWatch Logs`, ...).
        service: &'static str,
        /// The cause, on one line.
        message: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The service refused the call (credentials, permissions, validation, a limit).
    #[error("{service} refused {operation}: {message}")]
    Rejected {
        /// The service.
        service: &'static str,
        /// The operation (`PutSubscriptionFilter`, ...).
        operation: &'static str,
        /// The service's error code, when it gave one.
        code: Option<String>,
        /// The code and message, on one line.
        message: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// Something onboarding needs is not in place, and this command does not create it.
    #[error("{problem} (fix: {fix})")]
    Precondition {
        /// What is missing.
        problem: String,
        /// The command that puts it in place.
        fix: String,
    },
    /// A CloudFormation stack lacks an output this command needs.
    #[error("stack {stack} has no output {output} (is it an apigw-log-indexer stack?)")]
    MissingOutput {
        /// The stack.
        stack: String,
        /// The output key.
        output: &'static str,
    },
}

impl OnboardError {
    /// Stable, low-cardinality code (Lambda `error_type`, logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "onboard_not_found",
            Self::Unreachable { .. } => "onboard_unreachable",
            Self::Rejected { .. } => "onboard_rejected",
            Self::Precondition { .. } => "onboard_precondition",
            Self::MissingOutput { .. } => "onboard_missing_output",
        }
    }
}

/// Result of an onboarding call.
pub type OnboardResult<T> = Result<T, OnboardError>;

/// The kind of API Gateway API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiType {
    /// API Gateway v1 (REST).
    Rest,
    /// API Gateway v2, protocol HTTP.
    Http,
    /// API Gateway v2, protocol WEBSOCKET.
    WebSocket,
}

impl ApiType {
    /// Stable name (JSON output).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "REST",
            Self::Http => "HTTP",
            Self::WebSocket => "WebSocket",
        }
    }

    /// Whether the API type writes execution logs (HTTP APIs write access logs only).
    pub(crate) const fn has_execution_logs(self) -> bool {
        !matches!(self, Self::Http)
    }
}

/// Execution logging level of a stage (`loggingLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// No execution logs.
    Off,
    /// Errors only: most of the evidence the classifier reads is logged at INFO.
    Error,
    /// Everything.
    Info,
}

impl LogLevel {
    /// The API's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Off => "OFF",
            Self::Error => "ERROR",
            Self::Info => "INFO",
        }
    }

    /// Parses the API's spelling (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "OFF" => Some(Self::Off),
            "ERROR" => Some(Self::Error),
            "INFO" => Some(Self::Info),
            _ => None,
        }
    }
}

/// Where and how a stage writes its access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogSetting {
    /// Destination ARN: a log group (`arn:aws:logs:…:log-group:NAME`) or a Firehose stream.
    pub destination_arn: String,
    /// The `$context` template.
    pub format: String,
}

impl AccessLogSetting {
    /// From a stage's settings as API Gateway reports them: none without a destination.
    pub fn reported(destination_arn: Option<&str>, format: Option<&str>) -> Option<Self> {
        Some(Self {
            destination_arn: destination_arn.filter(|d| !d.is_empty())?.to_string(),
            format: format.unwrap_or_default().to_string(),
        })
    }
}

/// What an integration calls.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Integration {
    /// A Lambda function, by ARN.
    Lambda(String),
    /// A Lambda integration whose function is chosen at run time (`${stageVariables.x}`): the URI as written.
    Unresolved(String),
}

/// One stage's logging configuration, as API Gateway reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageConfig {
    /// The API's kind.
    pub api_type: ApiType,
    /// API ID.
    pub api_id: String,
    /// The API's name.
    pub api_name: String,
    /// Stage name.
    pub stage: String,
    /// Execution logging level (`None` for HTTP APIs, which have none; `Off` when unset).
    pub logging_level: Option<LogLevel>,
    /// Full request/response data in execution logs.
    pub data_trace: bool,
    /// The access log, when configured.
    pub access_log: Option<AccessLogSetting>,
    /// The API's Lambda integrations (deduplicated).
    pub integrations: Vec<Integration>,
}

/// Which stages to look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageFilter {
    /// Only this API ID.
    pub api_id: Option<String>,
    /// Only this stage (with `api_id`).
    pub stage: Option<String>,
}

/// A change to a stage's logging; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoggingChange {
    /// Execution logging level (REST and WebSocket).
    pub level: Option<LogLevel>,
    /// Full request/response data (REST and WebSocket).
    pub data_trace: Option<bool>,
    /// The access log's destination and format.
    pub access_log: Option<AccessLogSetting>,
}

impl LoggingChange {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.level.is_none() && self.data_trace.is_none() && self.access_log.is_none()
    }
}

/// API Gateway (v1 and v2), as onboarding uses it.
pub trait ApiStages {
    /// The stages the filter selects, with their APIs' Lambda integrations. An API ID that does not exist
    /// yields no stages (the caller decides whether that is an error).
    fn stages(&self, filter: &StageFilter) -> impl Future<Output = OnboardResult<Vec<StageConfig>>> + Send;
    /// The account's API Gateway CloudWatch Logs role (`cloudwatchRoleArn`), which execution logging of REST
    /// and WebSocket stages needs.
    fn cloudwatch_role(&self) -> impl Future<Output = OnboardResult<Option<String>>> + Send;
    /// Applies a logging change to one stage.
    fn update_logging(
        &self,
        stage: &StageConfig,
        change: &LoggingChange,
    ) -> impl Future<Output = OnboardResult<()>> + Send;
}

/// A subscription filter on a log group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SubscriptionFilter {
    /// The filter's name (unique within its group).
    pub name: String,
    /// Where it sends events (a Lambda ARN, a Kinesis or Firehose ARN, a logical destination).
    pub destination_arn: String,
}

/// Whether a create call made something new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// Created now.
    New,
    /// It existed already (a retried or repeated run).
    Existed,
}

/// CloudWatch Logs, as onboarding uses it.
pub trait LogGroups {
    /// Names of the log groups starting with `prefix`, all pages, in name order.
    fn names_with_prefix(&self, prefix: &str) -> impl Future<Output = OnboardResult<Vec<String>>> + Send;
    /// The group's subscription filters; `NotFound` when the group does not exist.
    fn filters(&self, group: &str) -> impl Future<Output = OnboardResult<Vec<SubscriptionFilter>>> + Send;
    /// Creates or replaces the filter `filter.name` on `group`, sending every event (`filterPattern ""`).
    fn put_filter(&self, group: &str, filter: &SubscriptionFilter) -> impl Future<Output = OnboardResult<()>> + Send;
    /// Creates a log group unless it exists.
    fn create_group(&self, name: &str) -> impl Future<Output = OnboardResult<Created>> + Send;
}

/// A Lambda function, as onboarding needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Unqualified function ARN.
    pub arn: String,
    /// Function name.
    pub name: String,
    /// Its log group (`LoggingConfig.LogGroup`, else `/aws/lambda/{name}`).
    pub log_group: String,
}

/// Lambda, as onboarding uses it.
pub trait Functions {
    /// The function, by name or ARN.
    fn function(&self, name_or_arn: &str) -> impl Future<Output = OnboardResult<FunctionInfo>> + Send;
    /// Where the function's failed asynchronous invocations go (the on-failure destination's ARN), if set.
    fn on_failure_destination(&self, function_arn: &str) -> impl Future<Output = OnboardResult<Option<String>>> + Send;
    /// One environment variable of the function (`None` when unset): only the variable named is read, never
    /// the others (they may hold secrets).
    fn variable(&self, function_arn: &str, name: &str) -> impl Future<Output = OnboardResult<Option<String>>> + Send;
    /// The function's resource-based policy (JSON), `None` when it has none.
    fn policy(&self, function_arn: &str) -> impl Future<Output = OnboardResult<Option<String>>> + Send;
    /// Adds a statement letting CloudWatch Logs invoke the function for log groups matching `source_arn`.
    fn allow_logs(
        &self,
        function_arn: &str,
        statement_id: &str,
        source_arn: &str,
        source_account: &str,
    ) -> impl Future<Output = OnboardResult<()>> + Send;
}

/// How many messages wait in a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// `ApproximateNumberOfMessages`.
    pub visible: u64,
    /// `ApproximateNumberOfMessagesNotVisible` (received, not yet deleted).
    pub in_flight: u64,
}

/// SQS, as onboarding uses it.
pub trait Queues {
    /// The queue's URL, from its ARN.
    fn url_of(&self, queue_arn: &str) -> impl Future<Output = OnboardResult<String>> + Send;
    /// Messages waiting in the queue at `url`.
    fn depth(&self, url: &str) -> impl Future<Output = OnboardResult<QueueDepth>> + Send;
}

/// CloudFormation stack outputs.
pub trait StackOutputs {
    /// Output key → value of the stack.
    fn outputs(&self, stack: &str) -> impl Future<Output = OnboardResult<BTreeMap<String, String>>> + Send;
}
