//! From verdict to remedy: the cause of a failed request or invocation, the change that fixes it, the numbers
//! behind both, and what to look at next when the logs do not say. `docs/diagnosis.md` describes every rule
//! and cites AWS's troubleshooting article it follows.
//!
//! Computed at read time from the classified records (`record.rs`), never stored: a diagnosis is a pure,
//! deterministic function of stored evidence (REPORT figures, the evidence line, the integration latency)
//! and of the configuration facts the caller could read. So a better rule applies to every indexed request
//! without a rewrite, and the stored items do not grow.
//!
//! Never invent: every number in a diagnosis is one the evidence or the read configuration holds, or a named
//! AWS constant with its source. One file per family of reasons; [`diagnose`] matches on the reason without a
//! wildcard, so a new reason does not compile until it has a rule. Pure.

mod access;
mod after;
pub mod configure;
mod generic;
mod integration;
mod lambda;
mod read;
mod stream;

use serde::Serialize;

pub use after::{AfterResponse, LAMBDA_PRICE_PER_GB_SECOND_USD};

use crate::reason::FailureReason;
use crate::record::{ApiRecord, LambdaRecord, LambdaStatus};

/// API Gateway's default integration timeout for REST, HTTP and WebSocket APIs: 29 seconds (Amazon API
/// Gateway Developer Guide, "Amazon API Gateway quotas": "Integration timeout … 50 milliseconds - 29 seconds
/// for all integration types"; HTTP APIs allow up to 30 seconds). Regional and private REST APIs can raise it
/// by a quota request.
pub const DEFAULT_INTEGRATION_TIMEOUT_MS: u64 = 29_000;

/// What a failed request's or invocation's logs say, gathered from its records: the input of every rule.
#[derive(Debug, Clone, Default)]
pub struct Evidence<'r> {
    /// The reason the classifier gave.
    pub reason: Option<FailureReason>,
    /// The status the client got (API requests).
    pub status: Option<u16>,
    /// The evidence line, redacted.
    pub detail: Option<&'r str>,
    /// `$context.integrationLatency` or the execution log's `Integration latency`.
    pub integration_latency_ms: Option<u64>,
    /// The request's or invocation's X-Ray trace ID.
    pub xray_trace_id: Option<&'r str>,
    /// The Lambda request ID the request's logs name, joined or not.
    pub lambda_request_id: Option<&'r str>,
    /// The Lambda invocation (the record itself, or the one the API request was joined to).
    pub invocation: Option<Invocation<'r>>,
}

/// The figures of one Lambda invocation.
#[derive(Debug, Clone, Default)]
pub struct Invocation<'r> {
    /// Lambda request ID.
    pub request_id: &'r str,
    /// Function name.
    pub function_name: Option<&'r str>,
    /// How it ended (REPORT).
    pub status: Option<LambdaStatus>,
    /// Error type.
    pub error_type: Option<&'r str>,
    /// The invocation's own evidence line (`Task timed out after …`, an error message).
    pub detail: Option<&'r str>,
    /// REPORT `Duration`.
    pub duration_ms: Option<f64>,
    /// REPORT `Billed Duration`.
    pub billed_duration_ms: Option<u64>,
    /// REPORT `Memory Size`.
    pub memory_size_mb: Option<u64>,
    /// REPORT `Max Memory Used`.
    pub max_memory_used_mb: Option<u64>,
    /// REPORT `Init Duration`.
    pub init_duration_ms: Option<f64>,
    /// How it was joined to the API request: `api_gateway` or `function_log` (a hint).
    pub joined_by: Option<&'static str>,
}

impl<'r> Evidence<'r> {
    /// An API request's evidence, with the invocation it was joined to. `None` for a success.
    pub fn of_api(r: &'r ApiRecord<'_>, lambda: Option<&'r LambdaRecord<'_>>) -> Option<Self> {
        r.failure_reason?;
        Some(Self {
            reason: r.failure_reason,
            status: r.status,
            detail: r.failure_detail.as_deref(),
            integration_latency_ms: r.integration_latency_ms,
            xray_trace_id: r.xray_trace_id.as_deref(),
            lambda_request_id: r.lambda_request_id.as_deref(),
            invocation: lambda.map(Invocation::of),
        })
    }

    /// A Lambda invocation's evidence. `None` for a success.
    pub fn of_lambda(r: &'r LambdaRecord<'_>) -> Option<Self> {
        r.failure_reason?;
        Some(Self {
            reason: r.failure_reason,
            status: None,
            detail: r.failure_detail.as_deref(),
            integration_latency_ms: None,
            xray_trace_id: r.xray_trace_id.as_deref(),
            lambda_request_id: Some(&r.request_id),
            invocation: Some(Invocation::of(r)),
        })
    }

    /// The evidence lines to read numbers from: the request's, then the invocation's.
    fn lines(&self) -> impl Iterator<Item = &'r str> + '_ {
        self.detail
            .into_iter()
            .chain(self.invocation.as_ref().and_then(|i| i.detail))
    }
}

impl<'r> Invocation<'r> {
    /// The figures of a Lambda record.
    pub fn of(r: &'r LambdaRecord<'_>) -> Self {
        Self {
            request_id: &r.request_id,
            function_name: r.function_name.as_deref(),
            status: r.status,
            error_type: r.error_type.as_deref(),
            detail: r.failure_detail.as_deref(),
            duration_ms: r.duration_ms,
            billed_duration_ms: r.billed_duration_ms,
            memory_size_mb: r.memory_size_mb,
            max_memory_used_mb: r.max_memory_used_mb,
            init_duration_ms: r.init_duration_ms,
            joined_by: r.api_request_id_source,
        }
    }
}

/// Configuration facts the caller could read (Lambda `GetFunctionConfiguration`, API Gateway
/// `GetIntegration`); every field is optional, and a rule uses one only when it is there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Configuration {
    /// The function's `Timeout`, in seconds.
    pub function_timeout_s: Option<u64>,
    /// The function's `MemorySize`, in MB.
    pub function_memory_mb: Option<u64>,
    /// The integration's `timeoutInMillis`.
    pub integration_timeout_ms: Option<u64>,
}

/// One number behind a diagnosis and where it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// What it is (`duration_ms`, `timeout_ms`, `max_memory_used_mb`, …).
    pub name: &'static str,
    /// The value.
    pub value: FactValue,
    /// Where it was read: `REPORT Duration`, `evidence line`, `GetFunctionConfiguration Timeout`, or the
    /// named constant.
    pub source: &'static str,
}

/// A fact's value: a number as the evidence states it, or a short text (an error type, a role ARN).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    /// A whole number.
    Int(u64),
    /// A decimal number.
    Float(f64),
    /// Text from the (redacted) evidence.
    Text(String),
}

/// The diagnosis of one failure: `diagnosis` in `lookup --json` and `parse --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// What went wrong, with the numbers that show it.
    pub cause: String,
    /// The change that fixes it.
    pub fix: String,
    /// The numbers the cause and fix rest on.
    pub facts: Vec<Fact>,
    /// What to look at when the logs do not say enough, and why; `null` when they do.
    pub next: Option<String>,
    /// For an integration timeout joined to its invocation: what the function did after API Gateway
    /// answered the client.
    pub after_response: Option<AfterResponse>,
    /// The AWS troubleshooting article the rule follows.
    pub reference: &'static str,
}

impl Diagnosis {
    fn new(cause: impl Into<String>, fix: impl Into<String>, reference: &'static str) -> Self {
        Self {
            cause: cause.into(),
            fix: fix.into(),
            facts: Vec::new(),
            next: None,
            after_response: None,
            reference,
        }
    }

    fn fact(mut self, name: &'static str, value: FactValue, source: &'static str) -> Self {
        self.facts.push(Fact { name, value, source });
        self
    }

    fn next(mut self, next: impl Into<String>) -> Self {
        self.next = Some(next.into());
        self
    }
}

/// The diagnosis of a failure; `None` when the evidence names no failure reason (a success).
pub fn diagnose(e: &Evidence<'_>, cfg: &Configuration) -> Option<Diagnosis> {
    use FailureReason as R;
    let d = match e.reason? {
        R::LambdaOutOfMemory => lambda::out_of_memory(e, cfg),
        R::LambdaTimeout => lambda::timeout(e, cfg),
        R::LambdaThrottled => lambda::throttled(e),
        R::LambdaError => lambda::error(e),
        R::MalformedProxyResponse => lambda::malformed(e),
        R::StreamInterrupted => stream::interrupted(e),
        R::StreamTimeout => stream::timeout(e),
        R::StreamIdleTimeout => stream::idle_timeout(e),
        R::IntegrationTimeout => integration::timeout(e, cfg),
        R::IntegrationNetworkError => integration::network(e),
        R::IntegrationPermissionError => integration::permission(e),
        R::MappingTemplateError => integration::mapping(e),
        R::AuthorizerError => access::authorizer_error(e),
        R::WafBlocked => access::waf(e),
        R::InvalidApiKey => access::invalid_api_key(e),
        R::QuotaExceeded => access::quota(e),
        R::Throttled => access::throttled(e),
        R::Unauthorized => access::unauthorized(e),
        R::AccessDenied => access::access_denied(e),
        R::MissingAuthenticationToken => access::missing_token(e),
        R::RequestValidationFailed => access::validation(e),
        R::Backend5XX => generic::backend_5xx(e),
        R::Backend4XX => generic::backend_4xx(e),
        R::Other5XX => generic::other_5xx(e),
        R::Other4XX => generic::other_4xx(e),
    };
    Some(d)
}

/// The invocation among `lambdas` that an API request was joined to: the one its own logs name; for an
/// integration timeout, whose logs name none, the one invocation whose function logged this request's ID
/// (a hint, reported as `joined_by: function_log`; two such invocations name none).
pub fn joined_invocation<'l, 'a>(api: &ApiRecord<'_>, lambdas: &'l [LambdaRecord<'a>]) -> Option<&'l LambdaRecord<'a>> {
    if let Some(id) = api.lambda_request_id.as_deref() {
        return lambdas.iter().find(|l| l.request_id == id);
    }
    if api.failure_reason != Some(FailureReason::IntegrationTimeout) {
        return None;
    }
    let mut hinted = lambdas
        .iter()
        .filter(|l| l.api_request_id.as_deref() == Some(&*api.request_id));
    match (hinted.next(), hinted.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// The diagnosis of an API record, joined to its invocation among `lambdas`; `None` for a success.
pub fn of_api(api: &ApiRecord<'_>, lambdas: &[LambdaRecord<'_>], cfg: &Configuration) -> Option<Diagnosis> {
    diagnose(&Evidence::of_api(api, joined_invocation(api, lambdas))?, cfg)
}

/// The diagnosis of a Lambda record; `None` for a success.
pub fn of_lambda(lambda: &LambdaRecord<'_>, cfg: &Configuration) -> Option<Diagnosis> {
    diagnose(&Evidence::of_lambda(lambda)?, cfg)
}

#[cfg(test)]
mod tests;
