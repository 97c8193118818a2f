//! The Lambda JSON log format (advanced logging controls): platform records (`platform.start`,
//! `platform.runtimeDone`, `platform.report`, `platform.initStart`, ...) and application records of the
//! runtimes' built-in JSON loggers.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::loose::Loose;
use super::{
    Format, Order, admit, apply_report, attach, attach_unkeyed, begin_init, end_of, keyed_by_runtime,
    platform_shaped_output, start, status_evidence,
};
use crate::decode::LogEvent;
use crate::fragment::{Report, ReportStatus};
use crate::parse::Builder;
use crate::parse::text::{is_uuid, trace_id};
use crate::reason::FailureReason;
use crate::redact::Redactor;

/// A JSON string that borrows from the line when it has no escapes. (serde borrows a `Cow` only where it is
/// the field's own type; inside an `Option` it always allocates, which made every ID look unusable.)
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// The parts of a JSON-format Lambda log record this parser reads.
#[derive(Deserialize)]
pub(super) struct JsonLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    record: Option<serde_json::Value>,
    /// `requestId` (built-in loggers), `AWSRequestId` (Java), `function_request_id` (Powertools).
    #[serde(rename = "requestId", alias = "AWSRequestId", alias = "function_request_id", borrow)]
    request_id: Option<Text<'a>>,
    /// Any JSON: a string for the built-in loggers, an object for structured application logs.
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(rename = "errorType", borrow)]
    error_type: Option<Text<'a>>,
    /// Present in every application record of the runtimes' JSON loggers, never in a platform record.
    #[serde(borrow)]
    level: Option<&'a RawValue>,
}

impl<'a> JsonLine<'a> {
    /// The platform record's type (`platform.start`, …), when the record has the platform's structure:
    /// `time`, `type` and an object `record`, and none of an application record's keys (`level`,
    /// `requestId`, `message`: Lambda developer guide, "Log-level filtering" / Telemetry API schema). A
    /// function's logger that logs an object with a `type` of `platform.…` writes an application record.
    fn kind(&self) -> Option<&str> {
        let platform_shaped = self.record.as_ref().is_some_and(serde_json::Value::is_object)
            && self.level.is_none()
            && self.request_id.is_none()
            && self.message.is_none();
        self.kind.as_ref().map(|t| &*t.0).filter(|_| platform_shaped)
    }

    /// The request ID as a slice of the line itself (it keys the batch's maps), when it is a UUID and the
    /// record has an application record's structure: the runtimes' JSON loggers always write `level`
    /// beside `requestId`, so a JSON object printed with a `requestId` key alone (an access record, an
    /// event) names no invocation.
    fn request_id(&self) -> Option<&'a str> {
        self.level?;
        match self.request_id.as_ref().map(|t| &t.0) {
            Some(Cow::Borrowed(id)) if is_uuid(id) => Some(id),
            _ => None,
        }
    }
}

/// A JSON log record of a known shape, or `None` (then the line is read as text).
pub(super) fn parse_line(msg: &str) -> Option<JsonLine<'_>> {
    let line: JsonLine<'_> = serde_json::from_str(msg).ok()?;
    let platform = line.kind().is_some_and(|k| k.starts_with("platform."));
    (platform || line.request_id.is_some()).then_some(line)
}

/// Applies one JSON record.
pub(super) fn apply<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str, line: JsonLine<'a>) {
    let ts = ev.timestamp;
    let record = line.record.as_ref();
    let record_str = |k: &str| record.and_then(|r| r.get(k)).and_then(|v| v.as_str());
    // The ID must borrow from the message; a UUID never needs JSON unescaping, so it is found verbatim.
    let record_id = record_str("requestId")
        .filter(|id| is_uuid(id))
        .and_then(|id| memmem::find(msg.as_bytes(), id.as_bytes()).map(|i| &msg[i..i + id.len()]));
    let stream = &b.lambda_stream;
    let order = match (line.kind(), record_id) {
        (Some("platform.start"), Some(id)) => stream.starting(id),
        (Some("platform.report"), Some(id)) => stream.ending(id, true),
        (Some("platform.runtimeDone"), Some(id)) => stream.naming(id),
        (Some(k), _) if k.starts_with("platform.init") || k == "platform.restoreReport" => stream.initialising(),
        _ => Order::Expected,
    };
    let platform = line.kind().is_some_and(|k| k.starts_with("platform."));
    let admitted = admit(b, Format::Json, platform, |_| order);
    match (line.kind(), record_id) {
        (Some("platform.start"), Some(id)) if admitted => {
            start(b, ev, id, msg);
            return;
        }
        (Some(k @ ("platform.report" | "platform.runtimeDone")), Some(id)) if admitted => {
            let status = record_str("status").and_then(ReportStatus::from_name);
            let error_type = record_str("errorType").map(str::to_owned);
            let trace = record
                .and_then(|r| r.pointer("/tracing/value"))
                .and_then(|v| v.as_str())
                .and_then(trace_id)
                .map(str::to_owned);
            let r = b.redactor;
            let s = attach(b, ev, id, msg);
            if k == "platform.report" {
                apply_report(r, s, json_report(r, record, status, error_type), ts, msg);
            } else {
                status_evidence(r, &mut s.core, status, error_type.as_deref(), ts, msg);
            }
            if let Some(t) = trace {
                s.xray_trace_id.get_or_insert_with(|| r.redact_owned(t));
            }
            if k == "platform.report" {
                end_of(b, id, true);
            }
            return;
        }
        (Some("platform.initStart"), _) if admitted => begin_init(b),
        (Some("platform.initReport" | "platform.initRuntimeDone" | "platform.restoreReport"), _) if admitted => {
            // The init (or restore) of the invocation that follows; a failed or timed-out one is its failure.
            begin_init(b);
            let loose = init_evidence(record_str("status"), record_str("errorType"));
            attach_unkeyed(b, ev, msg, loose);
            return;
        }
        (
            Some(
                "platform.start"
                | "platform.report"
                | "platform.runtimeDone"
                | "platform.initStart"
                | "platform.initReport"
                | "platform.initRuntimeDone"
                | "platform.restoreReport",
            ),
            _,
        ) => {
            // A platform record the stream's order rules out, or one naming no invocation.
            return platform_shaped_output(b, ev, msg);
        }
        _ => {}
    }
    if let Some(id) = line.request_id() {
        if !admit(b, Format::Json, false, |s| s.naming(id)) {
            // The runtime's logger writes the running invocation's ID; another one was printed.
            return platform_shaped_output(b, ev, msg);
        }
        keyed_by_runtime(b, id, Format::Json);
        let r = b.redactor;
        let s = attach(b, ev, id, msg);
        let invoke_error = line.message.is_some_and(|m| m.get().contains("Invoke Error"));
        if invoke_error {
            s.core.add_evidence(FailureReason::LambdaError, ts, r.redact(msg));
            if let Some(t) = line.error_type {
                s.error_type.get_or_insert_with(|| r.redact_owned(t.0.into_owned()));
            }
        }
        return;
    }
    attach_unkeyed(b, ev, msg, None);
}

/// What a JSON init or restore record says about the invocation that follows.
fn init_evidence<'a>(status: Option<&str>, error_type: Option<&str>) -> Option<Loose<'a>> {
    let error_type = error_type.map(|t| Cow::Owned(t.to_owned()));
    let reason = match status.and_then(ReportStatus::from_name)? {
        ReportStatus::Timeout => FailureReason::LambdaTimeout,
        ReportStatus::Error | ReportStatus::Failure => FailureReason::LambdaError,
        ReportStatus::Success => return None,
    };
    Some(Loose { reason, error_type })
}

fn json_report<'a>(
    r: &Redactor,
    record: Option<&serde_json::Value>,
    status: Option<ReportStatus>,
    error_type: Option<String>,
) -> Report<'a> {
    let metric = |k: &str| {
        record
            .and_then(|r| r.pointer(&format!("/metrics/{k}")))
            .and_then(|v| v.as_f64())
    };
    Report {
        duration_ms: metric("durationMs"),
        billed_duration_ms: metric("billedDurationMs").map(|v| v as u64),
        memory_size_mb: metric("memorySizeMB").map(|v| v as u64),
        max_memory_used_mb: metric("maxMemoryUsedMB").map(|v| v as u64),
        init_duration_ms: metric("initDurationMs"),
        status,
        error_type: error_type.map(|t| r.redact_owned(t)),
    }
}
