//! The lean logging profile of the same requests: execution logging at `ERROR` (only the lines that report
//! a failure) and one access-log record per request in the indexer's recommended REST format, which carries
//! the status, latencies, the Lambda request ID and the gateway's error fields for every request.
//!
//! Which execution-log lines survive at `ERROR` is this generator's model, not a transcript: the failure lines
//! (`Execution failed due to …`, `Lambda execution failed with status …`, `Lambda invocation failed with
//! status …`), which name the Lambda request ID where there is one; the INFO trace (headers, bodies,
//! `Method completed`) and the authorizer and usage-plan lines are left out. The access-log values per outcome
//! are the `$context` variables' documented meanings (API Gateway developer guide, "Variables for access
//! logging for API Gateway"; gateway response types, "Gateway response types for API Gateway").

use crate::json::{self, Value};
use crate::request::Mode;
use crate::shape::{API_ID, STAGE};
use crate::traffic::{Event, Request};

/// Which logs the generator writes for the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Execution logs at `INFO` with full request/response data, no access log (the generator's default).
    #[default]
    Full,
    /// Execution logs at `ERROR` and the access log.
    Lean,
}

/// The access log group (`/aws/apigateway/…` is read as an access log by convention).
pub const ACCESS_GROUP: &str = "/aws/apigateway/access-logs-dev";

/// Whether API Gateway writes `message` at `ERROR` level (this generator's model).
pub fn error_level(message: &str) -> bool {
    let text = message.split_once(") ").map_or(message, |(_, t)| t);
    [
        "Execution failed due to",
        "Lambda execution failed with status",
        "Lambda invocation failed with status",
    ]
    .iter()
    .any(|p| text.starts_with(p))
}

/// The request's access-log event: after its last execution-log line, its ID the last line's with another
/// leading digit pair (unique, since execution-log IDs are).
pub fn access_event(request: &Request) -> Event {
    let last = request
        .exec
        .iter()
        .max_by_key(|e| e.timestamp)
        .expect("every request logs a line");
    let latency = |needle: &str| {
        request.exec.iter().find_map(|e| {
            let rest = &e.message[e.message.find(needle)? + needle.len()..];
            rest.split(' ').next().map(str::to_string)
        })
    };
    let t = &request.truth;
    let (response_type, message) = match request.mode {
        Mode::Ok => ("-", "-"),
        Mode::KeyThrottle => ("THROTTLED", "Too Many Requests"),
        Mode::Unauthorized => ("UNAUTHORIZED", "Unauthorized"),
        Mode::IntegrationTimeout => ("INTEGRATION_TIMEOUT", "Endpoint request timed out"),
        Mode::Timeout | Mode::Malformed | Mode::Error | Mode::ThrottledLambda => {
            ("DEFAULT_5XX", "Internal server error")
        }
    };
    let (lambda_status, service_status) = match request.mode {
        Mode::ThrottledLambda => ("-", "429"),
        _ if t.lambda_request_id.is_some() => ("200", "200"),
        _ => ("-", "-"),
    };
    let status = t.status.to_string();
    let integration_latency = latency("Integration latency: ").unwrap_or_else(|| "-".into());
    let response_latency = (last.timestamp - request.start_ms).to_string();
    let epoch = request.start_ms.to_string();
    let mut out = String::with_capacity(640);
    json::object(
        &mut out,
        &[
            ("requestId", Value::Str(&t.request_id)),
            ("apiId", Value::Str(API_ID)),
            ("stage", Value::Str(STAGE)),
            ("httpMethod", Value::Str("GET")),
            ("resourcePath", Value::Str("/generate-data")),
            ("status", Value::Str(&status)),
            ("integrationLatency", Value::Str(&integration_latency)),
            ("responseLatency", Value::Str(&response_latency)),
            (
                "integration.requestId",
                Value::Str(t.lambda_request_id.as_deref().unwrap_or("-")),
            ),
            ("integration.status", Value::Str(lambda_status)),
            ("integrationStatus", Value::Str(service_status)),
            ("error.message", Value::Str(message)),
            ("error.responseType", Value::Str(response_type)),
            ("requestTimeEpoch", Value::Str(&epoch)),
        ],
    );
    Event {
        id: format!("37{}", &last.id[2..]),
        timestamp: last.timestamp,
        message: out,
    }
}
