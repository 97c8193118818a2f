//! What the parser learns about each API request and each Lambda invocation from one batch: a fragment.
//!
//! A request's lines can arrive in several batches and from several log groups, in any order. So parsing
//! produces fragments (one per ID per batch) that merge, and classification (`classify.rs`) is a function
//! of the merged evidence, never of line order. Both kinds embed one [`FragmentCore`]: the evidence, one
//! detail line per reason, line times and counts, and the lines. Its fields are private, so the rules
//! (the earliest line per reason is kept; merging is order-independent) hold whoever records evidence.
//! Strings borrow from the decoded batch until something needs to keep them; every string taken from log text
//! is [`Redacted`] (only the redactor makes one), request IDs excepted (`docs/threat-model.md`). Pure.
//!
//! The stored form of a fragment is the index's business (`index::state`), not these structs'.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::reason::{EvidenceSet, FailureReason};
use crate::redact::Redacted;

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
    pub message: Redacted<'a>,
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
    pub message: Redacted<'a>,
}

/// What every fragment has, API request or Lambda invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FragmentCore<'a> {
    evidence: EvidenceSet,
    details: Vec<Detail<'a>>,
    first_timestamp_ms: Option<i64>,
    last_timestamp_ms: Option<i64>,
    line_count: u64,
    lines: Vec<Line<'a>>,
}

impl<'a> FragmentCore<'a> {
    /// A core rebuilt from stored parts (the index's read side). Details go through the one-per-reason rule.
    pub(crate) fn restore(
        evidence: EvidenceSet,
        details: Vec<Detail<'a>>,
        first_timestamp_ms: Option<i64>,
        last_timestamp_ms: Option<i64>,
        line_count: u64,
    ) -> Self {
        let mut core = Self {
            evidence,
            first_timestamp_ms,
            last_timestamp_ms,
            line_count,
            ..Self::default()
        };
        for d in details {
            core.keep_detail(d);
        }
        core
    }

    /// Reasons with evidence.
    pub const fn evidence(&self) -> EvidenceSet {
        self.evidence
    }

    /// The evidence line of each reason (at most one per reason).
    pub fn details(&self) -> &[Detail<'a>] {
        &self.details
    }

    /// The evidence line kept for `reason`.
    pub fn detail(&self, reason: FailureReason) -> Option<&Redacted<'a>> {
        self.details.iter().find(|d| d.reason == reason).map(|d| &d.message)
    }

    /// Earliest line timestamp.
    pub const fn first_timestamp_ms(&self) -> Option<i64> {
        self.first_timestamp_ms
    }

    /// Latest line timestamp.
    pub const fn last_timestamp_ms(&self) -> Option<i64> {
        self.last_timestamp_ms
    }

    /// Number of log lines seen (kept or not).
    pub const fn line_count(&self) -> u64 {
        self.line_count
    }

    /// The kept lines, in arrival order (empty when only a summary was wanted).
    pub fn lines(&self) -> &[Line<'a>] {
        &self.lines
    }

    /// Records evidence for `reason` with the line that shows it.
    pub fn add_evidence(&mut self, reason: FailureReason, timestamp_ms: i64, message: Redacted<'a>) {
        self.evidence.insert(reason);
        self.add_detail(reason, timestamp_ms, message);
    }

    /// Keeps a line as the detail of `reason` without claiming evidence for it: for generic reasons
    /// (`Backend*`, `Other*`), which only classification can decide.
    pub(crate) fn add_detail(&mut self, reason: FailureReason, timestamp_ms: i64, message: Redacted<'a>) {
        self.keep_detail(Detail {
            reason,
            timestamp_ms,
            message,
        });
    }

    /// Keeps, per reason, the earliest evidence line. Order-independent: merging in any order gives the
    /// same set.
    fn keep_detail(&mut self, new: Detail<'a>) {
        match self.details.iter_mut().find(|d| d.reason == new.reason) {
            Some(d) if (new.timestamp_ms, &new.message) < (d.timestamp_ms, &d.message) => *d = new,
            Some(_) => {}
            None => self.details.push(new),
        }
    }

    /// Notes a line's time (every line of the fragment, kept or not).
    pub fn touch(&mut self, timestamp_ms: i64) {
        self.first_timestamp_ms = earliest(self.first_timestamp_ms, Some(timestamp_ms));
        self.last_timestamp_ms = self.last_timestamp_ms.max(Some(timestamp_ms));
        self.line_count += 1;
    }

    /// Keeps a line (already [`touch`](Self::touch)ed).
    pub(crate) fn push_line(&mut self, line: Line<'a>) {
        self.lines.push(line);
    }

    /// Keeps a line, making room for `expected` once the list's second room (eight) is full: a fragment whose
    /// lines come many to a batch (an API request's) grows three times, not four, and no fragment takes more
    /// room per line than doubling gives a one-line one (four lines' room).
    pub(crate) fn push_line_of(&mut self, expected: usize, line: Line<'a>) {
        // A `Vec` of lines has room for 4, then 8 (`alloc::raw_vec`'s `MIN_NON_ZERO_CAP`, then doubling).
        if self.lines.len() == 8 && self.lines.capacity() == 8 {
            self.lines.reserve_exact(expected.saturating_sub(8));
        }
        self.lines.push(line);
    }

    /// Replaces the kept lines (the index's read side, where lines are stored apart from the core).
    pub(crate) fn set_lines(&mut self, lines: Vec<Line<'a>>) {
        self.lines = lines;
    }

    /// Takes `other`'s evidence, details, times, counts and lines into this one.
    pub(crate) fn merge(&mut self, other: FragmentCore<'a>) {
        self.evidence.union(other.evidence);
        for d in other.details {
            self.keep_detail(d);
        }
        self.first_timestamp_ms = earliest(self.first_timestamp_ms, other.first_timestamp_ms);
        self.last_timestamp_ms = self.last_timestamp_ms.max(other.last_timestamp_ms);
        self.line_count += other.line_count;
        let mut lines = other.lines;
        self.lines.append(&mut lines);
    }
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Merges `other`'s optional field into `mine`: the first known value wins; merging is symmetric whenever
/// both fragments agree, which they do for facts about one request.
fn fill<T>(mine: &mut Option<T>, other: Option<T>) {
    if mine.is_none() {
        *mine = other;
    }
}

/// Every field of [`ApiFragment`] but `core`, named once and grouped by what it is: `key` (the request ID),
/// `text` (strings from log lines), `id` (another request's ID), `fact` (numbers, flags, sources), and the
/// two merge rules that are not first-known-wins (`earliest`, `any`). `merge`, the stored state and its
/// bounds (`index::state`, `index::bounds`) expand from this list, and each takes its struct apart whole,
/// so a new field does not compile until it is listed here.
macro_rules! api_fields {
    ($then:ident) => {
        $then! {
            key: request_id;
            text: extended_request_id, api_id, stage, method, resource_path, route_key, connection_id, event_type,
                xray_trace_id;
            id: lambda_request_id;
            fact: status, gateway_response_status, integration_latency_ms, response_latency_ms, completed_ms,
                integration_status, backend_status, lambda_integration, completed_by, streamed, time_to_all_headers_ms,
                time_to_first_content_ms;
            earliest: started_ms;
            any: complete;
        }
    };
}
pub(crate) use api_fields;

/// Every field of [`LambdaFragment`] but `core`, named once (as [`api_fields`]): `report` holds the REPORT
/// line's figures.
macro_rules! lambda_fields {
    ($then:ident) => {
        $then! {
            key: request_id;
            text: function_name, error_type, xray_trace_id;
            id: api_request_id;
            report: report;
        }
    };
}
pub(crate) use lambda_fields;

/// Everything one batch (or several, merged) says about one API Gateway request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiFragment<'a> {
    /// `$context.requestId` (UUID for REST; the extended-ID style value for WebSocket and HTTP APIs).
    pub request_id: Cow<'a, str>,
    /// `$context.extendedRequestId`.
    pub extended_request_id: Option<Redacted<'a>>,
    /// API ID (from the execution log group name, or an access-log field).
    pub api_id: Option<Redacted<'a>>,
    /// Stage name.
    pub stage: Option<Redacted<'a>>,
    /// HTTP method.
    pub method: Option<Redacted<'a>>,
    /// Resource path (the route template, e.g. `/items/{id}`).
    pub resource_path: Option<Redacted<'a>>,
    /// HTTP and WebSocket APIs' `$context.routeKey` (`GET /items/{id}`, `$connect`, `sendMessage`).
    pub route_key: Option<Redacted<'a>>,
    /// WebSocket `$context.connectionId`.
    pub connection_id: Option<Redacted<'a>>,
    /// WebSocket `$context.eventType`: `CONNECT`, `MESSAGE` or `DISCONNECT`.
    pub event_type: Option<Redacted<'a>>,
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
    pub lambda_request_id: Option<Cow<'a, str>>,
    /// X-Ray trace ID (`1-xxxxxxxx-...`, without `Root=`).
    pub xray_trace_id: Option<Redacted<'a>>,
    /// Whether a completion was seen (the `Method completed` line, or an access-log record).
    pub complete: bool,
    /// Which log showed the completion: metrics count a request from one source only (see `metrics`).
    pub completed_by: Option<LineSource>,
    /// `$context.integration.responseTransferMode`: `Some(true)` for `STREAMED`, `Some(false)` for `BUFFERED`.
    pub streamed: Option<bool>,
    /// `$context.integration.timeToAllHeaders`: ms from the integration connection to all response headers.
    pub time_to_all_headers_ms: Option<u64>,
    /// `$context.integration.timeToFirstContent`: ms from the integration connection to the first body byte.
    pub time_to_first_content_ms: Option<u64>,
    /// Evidence, details, line times and lines.
    pub core: FragmentCore<'a>,
}

impl<'a> ApiFragment<'a> {
    /// An empty fragment for `request_id`.
    pub fn new(request_id: impl Into<Cow<'a, str>>) -> Self {
        Self {
            request_id: request_id.into(),
            ..Self::default()
        }
    }

    /// Combines another fragment of the same request into this one, field by field as [`api_fields`] groups
    /// them; `other` is taken apart whole, so a field missing from that list does not compile.
    pub(crate) fn merge(&mut self, other: ApiFragment<'a>) {
        macro_rules! merge {
            (key: $key:ident; text: $($t:ident),*; id: $($i:ident),*; fact: $($f:ident),*;
             earliest: $($e:ident),*; any: $($a:ident),*;) => {{
                let ApiFragment { $key: _, $($t,)* $($i,)* $($f,)* $($e,)* $($a,)* core } = other;
                self.core.merge(core);
                $(fill(&mut self.$t, $t);)*
                $(fill(&mut self.$i, $i);)*
                $(fill(&mut self.$f, $f);)*
                $(self.$e = earliest(self.$e, $e);)*
                $(self.$a |= $a;)*
            }};
        }
        api_fields!(merge);
    }
}

/// The `Status:` a Lambda REPORT line (or a JSON `platform.report` / `platform.runtimeDone` record) states,
/// as Lambda writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    /// `success`.
    Success,
    /// `error`.
    Error,
    /// `failure` (JSON records: the runtime or platform failed the invocation).
    Failure,
    /// `timeout`.
    Timeout,
}

impl ReportStatus {
    /// Parses Lambda's spelling; anything else is not a status.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "error" => Some(Self::Error),
            "failure" => Some(Self::Failure),
            "timeout" => Some(Self::Timeout),
            _ => None,
        }
    }
}

/// Every field of [`Report`], named once: its stored form (`index::state`) converts both ways over it.
macro_rules! report_fields {
    ($then:ident) => {
        $then!(
            duration_ms,
            billed_duration_ms,
            memory_size_mb,
            max_memory_used_mb,
            init_duration_ms,
            status,
            error_type
        )
    };
}
pub(crate) use report_fields;

/// The figures of a Lambda `REPORT` line (or a JSON `platform.report` record).
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// `Status`, when the line carries one.
    pub status: Option<ReportStatus>,
    /// `Error Type`.
    pub error_type: Option<Redacted<'a>>,
}

/// Everything one batch (or several, merged) says about one Lambda invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LambdaFragment<'a> {
    /// The Lambda request ID.
    pub request_id: Cow<'a, str>,
    /// From the log group `/aws/lambda/<name>` (or the stream of a custom log group).
    pub function_name: Option<Redacted<'a>>,
    /// The REPORT figures, when the REPORT line was seen.
    pub report: Option<Report<'a>>,
    /// Error type from other lines (`Invoke Error` payloads, `Runtime.ExitError`).
    pub error_type: Option<Redacted<'a>>,
    /// X-Ray trace ID from the REPORT trailer.
    pub xray_trace_id: Option<Redacted<'a>>,
    /// The API Gateway request this invocation served, when joined.
    pub api_request_id: Option<Cow<'a, str>>,
    /// Lambda-side evidence (`LambdaTimeout`, `LambdaOutOfMemory`, `LambdaError`), details, times, lines.
    pub core: FragmentCore<'a>,
}

impl<'a> LambdaFragment<'a> {
    /// An empty fragment for `request_id`.
    pub fn new(request_id: impl Into<Cow<'a, str>>) -> Self {
        Self {
            request_id: request_id.into(),
            ..Self::default()
        }
    }

    /// Combines another fragment of the same invocation into this one, as [`lambda_fields`] groups the
    /// fields (every one of them first-known-wins); `other` is taken apart whole.
    pub(crate) fn merge(&mut self, other: LambdaFragment<'a>) {
        macro_rules! merge {
            (key: $key:ident; text: $($t:ident),*; id: $($i:ident),*; report: $r:ident;) => {{
                let LambdaFragment { $key: _, $($t,)* $($i,)* $r, core } = other;
                self.core.merge(core);
                $(fill(&mut self.$t, $t);)*
                $(fill(&mut self.$i, $i);)*
                fill(&mut self.$r, $r);
            }};
        }
        lambda_fields!(merge);
    }
}

#[cfg(test)]
mod tests;
