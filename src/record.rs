//! The public records: one per API request (`kind: "api"`) and one per Lambda invocation
//! (`kind: "lambda"`), as `docs/reference.md` names their fields. Classification (`classify.rs`) makes them;
//! the index, the metrics and the CLI read them. Fields that are not known are `null`.

use std::borrow::Cow;

use serde::Serialize;

use crate::reason::FailureReason;
use crate::redact::Redacted;

/// How a Lambda invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LambdaStatus {
    /// It returned.
    Success,
    /// It failed: an unhandled error, a crash, an init failure.
    Error,
    /// It ran out of time.
    Timeout,
}

impl LambdaStatus {
    /// The public name (`status` in `kind: "lambda"` records).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Error => "error",
            Self::Timeout => "timeout",
        }
    }
}

impl std::fmt::Display for LambdaStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One API Gateway request, as printed by `parse --json` and `lookup --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiRecord<'a> {
    /// Always `"api"`.
    pub kind: &'static str,
    /// API Gateway request ID.
    pub request_id: Cow<'a, str>,
    /// Extended request ID.
    pub extended_request_id: Option<Redacted<'a>>,
    /// API ID.
    pub api_id: Option<Redacted<'a>>,
    /// Stage.
    pub stage: Option<Redacted<'a>>,
    /// HTTP method.
    pub method: Option<Redacted<'a>>,
    /// Resource path.
    pub resource_path: Option<Redacted<'a>>,
    /// Route key (HTTP and WebSocket APIs).
    pub route_key: Option<Redacted<'a>>,
    /// WebSocket connection ID.
    pub connection_id: Option<Redacted<'a>>,
    /// WebSocket event type (`CONNECT`, `MESSAGE`, `DISCONNECT`).
    pub event_type: Option<Redacted<'a>>,
    /// Status sent to the client (seen, or implied by evidence when no completion line was seen).
    pub status: Option<u16>,
    /// Why it failed; `null` for a success.
    pub failure_reason: Option<FailureReason>,
    /// The evidence line, redacted.
    pub failure_detail: Option<Redacted<'a>>,
    /// Total latency, when derivable.
    pub latency_ms: Option<u64>,
    /// Integration latency.
    pub integration_latency_ms: Option<u64>,
    /// The integrated Lambda's request ID.
    pub lambda_request_id: Option<Cow<'a, str>>,
    /// X-Ray trace ID.
    pub xray_trace_id: Option<Redacted<'a>>,
    /// Earliest line.
    pub first_timestamp_ms: Option<i64>,
    /// Latest line.
    pub last_timestamp_ms: Option<i64>,
    /// Whether the completion was seen.
    pub complete: bool,
    /// Lines seen.
    pub line_count: u64,
}

/// One Lambda invocation, as printed by `parse --json` and `lookup --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambdaRecord<'a> {
    /// Always `"lambda"`.
    pub kind: &'static str,
    /// Lambda request ID.
    pub request_id: Cow<'a, str>,
    /// Function name.
    pub function_name: Option<Redacted<'a>>,
    /// `success`, `error`, `timeout`, or `null` when the REPORT line was not seen.
    pub status: Option<LambdaStatus>,
    /// Error type (`Runtime.OutOfMemory`, `TypeError`, ...).
    pub error_type: Option<Redacted<'a>>,
    /// REPORT `Duration`.
    pub duration_ms: Option<f64>,
    /// REPORT `Billed Duration`.
    pub billed_duration_ms: Option<u64>,
    /// REPORT `Memory Size`.
    pub memory_size_mb: Option<u64>,
    /// REPORT `Max Memory Used`.
    pub max_memory_used_mb: Option<u64>,
    /// REPORT `Init Duration` (cold start).
    pub init_duration_ms: Option<f64>,
    /// X-Ray trace ID.
    pub xray_trace_id: Option<Redacted<'a>>,
    /// The API Gateway request it served, when joined.
    pub api_request_id: Option<Cow<'a, str>>,
    /// Who says so: `"api_gateway"` (the API request's own logs name this invocation) or
    /// `"function_log"` (the function logged the API request ID: a hint, which never changes the API
    /// request's evidence); `null` when not joined.
    pub api_request_id_source: Option<&'static str>,
    /// Lambda-side failure reason (`LambdaTimeout`, `LambdaOutOfMemory`, `LambdaError`), recorded even when
    /// no API request is known.
    pub failure_reason: Option<FailureReason>,
    /// The evidence line.
    pub failure_detail: Option<Redacted<'a>>,
    /// Earliest line.
    pub first_timestamp_ms: Option<i64>,
    /// Latest line.
    pub last_timestamp_ms: Option<i64>,
    /// Lines seen.
    pub line_count: u64,
}
