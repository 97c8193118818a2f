//! What the parser learns about each API request and each Lambda invocation: mergeable evidence.
//!
//! A request's lines can arrive in several batches and from several log groups, in any order. So parsing
//! produces *fragments* (one per ID per batch) that [`ApiState::merge`] and [`LambdaState::merge`] combine,
//! and classification (`classify.rs`) is a function of the merged evidence, never of line order.
//! Strings borrow from the decoded batch (`Cow::Borrowed`) until something needs to keep them.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::reason::{EvidenceSet, FailureReason};

/// Which log a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineSource {
    /// API Gateway execution log.
    Execution,
    /// API Gateway access log.
    Access,
    /// The integrated Lambda function's own log.
    Lambda,
}

impl LineSource {
    /// The public name (`lines[].source` in `lookup --json`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Execution => "execution",
            Self::Access => "access",
            Self::Lambda => "lambda",
        }
    }
}

/// One log line kept for the index, already redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line<'a> {
    /// The CloudWatch event's timestamp.
    pub timestamp_ms: i64,
    /// The CloudWatch event ID (stable across redeliveries: the basis of idempotent keys).
    #[serde(borrow)]
    pub event_id: Cow<'a, str>,
    /// Where it came from.
    pub source: LineSource,
    /// The message without the `(requestId) ` prefix and trailing newline, with sensitive values masked.
    #[serde(borrow)]
    pub message: Cow<'a, str>,
}

/// Evidence text for one reason: the first line (by time) that showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail<'a> {
    /// The reason this line is evidence for.
    pub reason: FailureReason,
    /// When the line was logged.
    pub timestamp_ms: i64,
    /// The redacted line.
    #[serde(borrow)]
    pub message: Cow<'a, str>,
}

/// Keeps, per reason, the earliest evidence line. Order-independent: merging in any order gives the same set.
fn add_detail<'a>(details: &mut Vec<Detail<'a>>, new: Detail<'a>) {
    match details.iter_mut().find(|d| d.reason == new.reason) {
        Some(d) if (new.timestamp_ms, &new.message) < (d.timestamp_ms, &d.message) => *d = new,
        Some(_) => {}
        None => details.push(new),
    }
}

/// Merges `other`'s optional field into `mine`: the first known value wins; merging is symmetric whenever
/// both fragments agree, which they do for facts about one request.
fn fill<T>(mine: &mut Option<T>, other: Option<T>) {
    if mine.is_none() {
        *mine = other;
    }
}

fn earliest(mine: &mut Option<i64>, other: Option<i64>) {
    *mine = match (*mine, other) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

/// The fields every fragment has, API request or Lambda invocation, borrowed together so that recording
/// evidence, noting a line's time and merging are written once for both kinds.
struct Common<'s, 'a> {
    evidence: &'s mut EvidenceSet,
    details: &'s mut Vec<Detail<'a>>,
    first_timestamp_ms: &'s mut Option<i64>,
    last_timestamp_ms: &'s mut Option<i64>,
    line_count: &'s mut u64,
    lines: &'s mut Vec<Line<'a>>,
}

/// Borrows the [`Common`] fields of an `ApiState` or a `LambdaState` (same names in both).
macro_rules! common_of {
    ($state:expr) => {
        Common {
            evidence: &mut $state.evidence,
            details: &mut $state.details,
            first_timestamp_ms: &mut $state.first_timestamp_ms,
            last_timestamp_ms: &mut $state.last_timestamp_ms,
            line_count: &mut $state.line_count,
            lines: &mut $state.lines,
        }
    };
}

impl<'a> Common<'_, 'a> {
    fn add_evidence(self, reason: FailureReason, timestamp_ms: i64, message: Cow<'a, str>) {
        self.evidence.insert(reason);
        add_detail(
            self.details,
            Detail {
                reason,
                timestamp_ms,
                message,
            },
        );
    }

    fn touch(self, timestamp_ms: i64) {
        earliest(self.first_timestamp_ms, Some(timestamp_ms));
        *self.last_timestamp_ms = (*self.last_timestamp_ms).max(Some(timestamp_ms));
        *self.line_count += 1;
    }

    /// Takes `other`'s shared fields into these (leaving `other`'s empty).
    fn absorb(self, other: Common<'_, 'a>) {
        self.evidence.union(*other.evidence);
        for d in std::mem::take(other.details) {
            add_detail(self.details, d);
        }
        earliest(self.first_timestamp_ms, *other.first_timestamp_ms);
        *self.last_timestamp_ms = (*self.last_timestamp_ms).max(*other.last_timestamp_ms);
        *self.line_count += *other.line_count;
        self.lines.append(other.lines);
    }
}

/// Everything known about one API Gateway request (a fragment, or fragments merged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiState<'a> {
    /// `$context.requestId` (UUID for REST; the extended-ID style value for WebSocket and HTTP APIs).
    #[serde(borrow)]
    pub request_id: Cow<'a, str>,
    /// `$context.extendedRequestId`.
    #[serde(borrow)]
    pub extended_request_id: Option<Cow<'a, str>>,
    /// API ID (from the execution log group name, or an access-log field).
    #[serde(borrow)]
    pub api_id: Option<Cow<'a, str>>,
    /// Stage name.
    #[serde(borrow)]
    pub stage: Option<Cow<'a, str>>,
    /// HTTP method.
    #[serde(borrow)]
    pub method: Option<Cow<'a, str>>,
    /// Resource path (the route template, e.g. `/items/{id}`).
    #[serde(borrow)]
    pub resource_path: Option<Cow<'a, str>>,
    /// Status from the completion line (`Method completed with status:`) or the access log.
    pub status: Option<u16>,
    /// Status stated by a `Gateway response type: X with status code: N` line.
    pub gateway_response_status: Option<u16>,
    /// Integration latency in ms.
    pub integration_latency_ms: Option<u64>,
    /// Total latency in ms as logged (`$context.responseLatency`).
    pub response_latency_ms: Option<u64>,
    /// Timestamp of the request's first execution-log line (`Extended Request Id` / `Starting execution`).
    pub started_ms: Option<i64>,
    /// Timestamp of the `Method completed with status` line.
    pub completed_ms: Option<i64>,
    /// Status of the integration call itself (`Received response. Status: N`; for Lambda, the Invoke API's).
    pub integration_status: Option<u16>,
    /// Status the backend answered with (a Lambda proxy response's `statusCode`, an HTTP backend's status).
    pub backend_status: Option<u16>,
    /// Whether the integration is a Lambda function (from the endpoint URI), when known.
    pub lambda_integration: Option<bool>,
    /// The integrated Lambda's request ID.
    #[serde(borrow)]
    pub lambda_request_id: Option<Cow<'a, str>>,
    /// X-Ray trace ID (`1-xxxxxxxx-...`, without `Root=`).
    #[serde(borrow)]
    pub xray_trace_id: Option<Cow<'a, str>>,
    /// Reasons with evidence on the API Gateway side.
    #[serde(with = "evidence_serde")]
    pub evidence: EvidenceSet,
    /// The evidence line for each reason.
    #[serde(borrow)]
    pub details: Vec<Detail<'a>>,
    /// Earliest line timestamp.
    pub first_timestamp_ms: Option<i64>,
    /// Latest line timestamp.
    pub last_timestamp_ms: Option<i64>,
    /// Whether a completion was seen (the `Method completed` line, or an access-log record).
    pub complete: bool,
    /// Which log showed the completion: metrics count a request from one source only (see `metrics`).
    #[serde(default)]
    pub completed_by: Option<LineSource>,
    /// Number of log lines seen.
    pub line_count: u64,
    /// The lines themselves (empty when only the summary was kept).
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line<'a>>,
}

impl<'a> ApiState<'a> {
    /// An empty state for `request_id`.
    pub fn new(request_id: impl Into<Cow<'a, str>>) -> Self {
        Self {
            request_id: request_id.into(),
            ..Self::default()
        }
    }

    fn common(&mut self) -> Common<'_, 'a> {
        common_of!(self)
    }

    /// Records evidence for `reason` with the line that shows it.
    pub fn add_evidence(&mut self, reason: FailureReason, timestamp_ms: i64, message: Cow<'a, str>) {
        self.common().add_evidence(reason, timestamp_ms, message);
    }

    /// Keeps a line as the detail of `reason` without claiming evidence for it: for generic reasons
    /// (`Backend*`, `Other*`), which only classification can decide.
    pub fn add_detail(&mut self, reason: FailureReason, timestamp_ms: i64, message: Cow<'a, str>) {
        add_detail(
            &mut self.details,
            Detail {
                reason,
                timestamp_ms,
                message,
            },
        );
    }

    /// Notes a line's time.
    pub fn touch(&mut self, timestamp_ms: i64) {
        self.common().touch(timestamp_ms);
    }

    /// Combines another fragment of the same request into this one.
    pub fn merge(&mut self, mut other: ApiState<'a>) {
        self.common().absorb(other.common());
        fill(&mut self.extended_request_id, other.extended_request_id);
        fill(&mut self.api_id, other.api_id);
        fill(&mut self.stage, other.stage);
        fill(&mut self.method, other.method);
        fill(&mut self.resource_path, other.resource_path);
        fill(&mut self.status, other.status);
        fill(&mut self.gateway_response_status, other.gateway_response_status);
        fill(&mut self.integration_latency_ms, other.integration_latency_ms);
        fill(&mut self.response_latency_ms, other.response_latency_ms);
        earliest(&mut self.started_ms, other.started_ms);
        fill(&mut self.completed_ms, other.completed_ms);
        fill(&mut self.integration_status, other.integration_status);
        fill(&mut self.backend_status, other.backend_status);
        fill(&mut self.lambda_integration, other.lambda_integration);
        fill(&mut self.lambda_request_id, other.lambda_request_id);
        fill(&mut self.xray_trace_id, other.xray_trace_id);
        self.complete |= other.complete;
        fill(&mut self.completed_by, other.completed_by);
    }
}

/// The figures of a Lambda `REPORT` line (or a JSON `platform.report` record).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report<'a> {
    /// `Duration`.
    pub duration_ms: Option<f64>,
    /// `Billed Duration`.
    pub billed_duration_ms: Option<u64>,
    /// `Memory Size`.
    pub memory_size_mb: Option<u64>,
    /// `Max Memory Used`.
    pub max_memory_used_mb: Option<u64>,
    /// `Init Duration` (present on cold starts).
    pub init_duration_ms: Option<f64>,
    /// `Status` as written (`timeout`, `error`, `success`, `failure`), when the line carries one.
    #[serde(borrow)]
    pub status: Option<Cow<'a, str>>,
    /// `Error Type`.
    #[serde(borrow)]
    pub error_type: Option<Cow<'a, str>>,
}

/// Everything known about one Lambda invocation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaState<'a> {
    /// The Lambda request ID.
    #[serde(borrow)]
    pub request_id: Cow<'a, str>,
    /// From the log group `/aws/lambda/<name>` (or the stream of a custom log group).
    #[serde(borrow)]
    pub function_name: Option<Cow<'a, str>>,
    /// The REPORT figures, when the REPORT line was seen.
    #[serde(borrow)]
    pub report: Option<Report<'a>>,
    /// Error type from other lines (`Invoke Error` payloads, `Runtime.ExitError`).
    #[serde(borrow)]
    pub error_type: Option<Cow<'a, str>>,
    /// X-Ray trace ID from the REPORT trailer.
    #[serde(borrow)]
    pub xray_trace_id: Option<Cow<'a, str>>,
    /// The API Gateway request this invocation served, when joined.
    #[serde(borrow)]
    pub api_request_id: Option<Cow<'a, str>>,
    /// Lambda-side reasons with evidence (`LambdaTimeout`, `LambdaOutOfMemory`, `LambdaError`).
    #[serde(with = "evidence_serde")]
    pub evidence: EvidenceSet,
    /// The evidence line for each reason.
    #[serde(borrow)]
    pub details: Vec<Detail<'a>>,
    /// Earliest line timestamp.
    pub first_timestamp_ms: Option<i64>,
    /// Latest line timestamp.
    pub last_timestamp_ms: Option<i64>,
    /// Number of log lines seen.
    pub line_count: u64,
    /// The lines themselves.
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line<'a>>,
}

impl<'a> LambdaState<'a> {
    /// An empty state for `request_id`.
    pub fn new(request_id: impl Into<Cow<'a, str>>) -> Self {
        Self {
            request_id: request_id.into(),
            ..Self::default()
        }
    }

    fn common(&mut self) -> Common<'_, 'a> {
        common_of!(self)
    }

    /// Records Lambda-side evidence.
    pub fn add_evidence(&mut self, reason: FailureReason, timestamp_ms: i64, message: Cow<'a, str>) {
        self.common().add_evidence(reason, timestamp_ms, message);
    }

    /// Notes a line's time.
    pub fn touch(&mut self, timestamp_ms: i64) {
        self.common().touch(timestamp_ms);
    }

    /// Combines another fragment of the same invocation into this one.
    pub fn merge(&mut self, mut other: LambdaState<'a>) {
        self.common().absorb(other.common());
        fill(&mut self.function_name, other.function_name);
        fill(&mut self.report, other.report);
        fill(&mut self.error_type, other.error_type);
        fill(&mut self.xray_trace_id, other.xray_trace_id);
        fill(&mut self.api_request_id, other.api_request_id);
    }
}

/// Evidence sets serialize as the list of reason names, so stored fragments stay readable.
mod evidence_serde {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(set: &EvidenceSet, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(set.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EvidenceSet, D::Error> {
        let mut set = EvidenceSet::default();
        for r in Vec::<FailureReason>::deserialize(d)? {
            set.insert(r);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(id: &str, ts: i64, f: impl FnOnce(&mut ApiState<'static>)) -> ApiState<'static> {
        let mut s = ApiState::new(id.to_string());
        s.touch(ts);
        f(&mut s);
        s
    }

    #[test]
    fn merging_fragments_is_order_independent() {
        let a = fragment("r", 20, |s| {
            s.status = Some(502);
            s.complete = true;
            s.add_evidence(FailureReason::MalformedProxyResponse, 20, "Malformed".into());
        });
        let b = fragment("r", 10, |s| {
            s.method = Some("GET".into());
            s.add_evidence(FailureReason::LambdaThrottled, 10, "Rate Exceeded.".into());
        });
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b;
        ba.merge(a);
        ab.details.sort_by_key(|d| d.reason);
        ba.details.sort_by_key(|d| d.reason);
        assert_eq!(ab, ba);
        assert_eq!(ab.first_timestamp_ms, Some(10));
        assert_eq!(ab.last_timestamp_ms, Some(20));
        assert_eq!(ab.line_count, 2);
        assert_eq!(ab.evidence.winner(), Some(FailureReason::LambdaThrottled));
    }

    #[test]
    fn the_earliest_evidence_line_is_kept_per_reason() {
        let mut s = ApiState::new("r");
        s.add_evidence(FailureReason::Throttled, 5, "later".into());
        s.add_evidence(FailureReason::Throttled, 1, "first".into());
        assert_eq!(s.details.len(), 1);
        assert_eq!(s.details[0].message, "first");
    }

    #[test]
    fn states_round_trip_through_json() {
        let s = fragment("r", 1, |s| s.add_evidence(FailureReason::LambdaTimeout, 1, "x".into()));
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""evidence":["LambdaTimeout"]"#), "{json}");
        let back: ApiState<'_> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
