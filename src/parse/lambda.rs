//! Lambda function log lines: platform lines (START/END/REPORT, INIT_*, extensions), timeouts and crashes,
//! Node.js and Python application lines, and the JSON log format.
//!
//! One log stream belongs to one execution environment, which runs one invocation at a time, so a line
//! without a request ID belongs to the invocation between its START and END; init-phase lines belong to the
//! invocation whose START follows them (it paid for the cold start).

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::text::{after, is_uuid, leading_f64, leading_u64, token, trace_id};
use super::{Builder, SkipKind};
use crate::decode::LogEvent;
use crate::reason::FailureReason;
use crate::record::{LambdaState, LineSource, Report};

/// Where the stream is between lines of one batch.
#[derive(Debug, Default)]
pub(super) struct StreamState<'a> {
    /// The invocation between START and END, if any.
    current: Option<&'a str>,
    /// Inside an init phase (after INIT_START, before START).
    in_init: bool,
    /// Init-phase lines waiting for the START they belong to.
    pending: Vec<(&'a LogEvent<'a>, &'a str)>,
    /// The last request that logged `Runtime exited with error` (its `Runtime.ExitError` line follows).
    last_error: Option<&'a str>,
}

impl StreamState<'_> {
    pub(super) fn in_invocation(&self) -> bool {
        self.current.is_some() || self.in_init
    }
}

/// Whether a line of an unknown log group is a Lambda log line.
pub(super) fn looks_like_lambda(msg: &str) -> bool {
    const PREFIXES: [&str; 10] = [
        "START RequestId: ",
        "END RequestId: ",
        "REPORT RequestId: ",
        "INIT_START ",
        "INIT_REPORT ",
        "RequestId: ",
        "LAMBDA_WARNING: ",
        "EXTENSION Name: ",
        "LOGS Name: ",
        "TELEMETRY Name: ",
    ];
    PREFIXES.iter().any(|p| msg.starts_with(p))
        || (msg.starts_with('{')
            && (msg.contains("\"platform.") || (msg.contains("\"requestId\"") && msg.contains("\"level\""))))
        || node_fields(msg).is_some()
        || python_fields(msg).is_some()
}

/// With advanced logging controls a custom log group's streams are `YYYY/MM/DD/<function>[<version>]<guid>`.
pub(super) fn function_from_custom_stream(stream: &str) -> Option<&str> {
    let mut parts = stream.splitn(4, '/');
    let (y, m, d, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let numeric = |s: &str, n| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(numeric(y, 4) && numeric(m, 2) && numeric(d, 2)) {
        return None;
    }
    let name = &rest[..rest.find('[')?];
    (!name.is_empty()).then_some(name)
}

/// Applies one Lambda log event.
pub(super) fn parse_event<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) {
    if msg.starts_with('{')
        && let Some(line) = json_line(msg)
    {
        apply_json(b, ev, msg, line);
        return;
    }
    apply_text(b, ev, msg);
}

/// Attributes a line to invocation `id` and returns its state.
fn attach<'a, 'b>(
    b: &'b mut Builder<'a, '_>,
    ev: &'a LogEvent<'_>,
    id: &'a str,
    msg: &'a str,
) -> &'b mut LambdaState<'a> {
    b.out.stats.lambda_lines += 1;
    let line = b.line(ev, LineSource::Lambda, msg);
    let s = b.lambda(id);
    s.touch(ev.timestamp);
    if let Some(line) = line {
        s.lines.push(line);
    }
    s
}

/// A line with no request ID: the current invocation's, an init-phase line, or unattributable.
fn attach_to_current<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) -> Option<&'a str> {
    if let Some(id) = b.lambda_stream.current {
        attach(b, ev, id, msg);
        return Some(id);
    }
    if b.lambda_stream.in_init {
        // SAFETY of lifetimes: `ev` borrows the payload for 'a like everything else in the builder.
        b.lambda_stream.pending.push((upcast(ev), msg));
    } else {
        b.out.stats.skip(SkipKind::LambdaOutsideInvocation, &ev.id);
    }
    None
}

/// `LogEvent<'x>` is covariant; this just names the lifetime the stream state stores.
fn upcast<'a>(ev: &'a LogEvent<'_>) -> &'a LogEvent<'a> {
    // A `&'a LogEvent<'p>` with 'p: 'a coerces to `&'a LogEvent<'a>` by covariance.
    ev
}

fn start<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, id: &'a str, msg: &'a str) {
    let pending = std::mem::take(&mut b.lambda_stream.pending);
    for (pev, pmsg) in pending {
        attach(b, pev, id, pmsg);
    }
    attach(b, ev, id, msg);
    b.lambda_stream.current = Some(id);
    b.lambda_stream.in_init = false;
}

fn end_of(b: &mut Builder<'_, '_>, id: &str) {
    if b.lambda_stream.current == Some(id) {
        b.lambda_stream.current = None;
    }
}

fn apply_text<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) {
    let ts = ev.timestamp;
    if let Some(rest) = msg.strip_prefix("START RequestId: ") {
        let id = token(rest);
        if is_uuid(id) {
            start(b, ev, id, msg);
            return;
        }
    } else if let Some(rest) = msg.strip_prefix("END RequestId: ") {
        let id = token(rest);
        if is_uuid(id) {
            attach(b, ev, id, msg);
            end_of(b, id);
            return;
        }
    } else if let Some(rest) = msg.strip_prefix("REPORT RequestId: ") {
        let id = token(rest);
        if is_uuid(id) {
            let report = parse_report(rest);
            let trace = after(rest, "XRAY TraceId: ").and_then(trace_id);
            let s = attach(b, ev, id, msg);
            apply_report(s, report, ts, msg);
            if let Some(t) = trace {
                s.xray_trace_id = Some(Cow::Borrowed(t));
            }
            end_of(b, id);
            return;
        }
    } else if msg.starts_with("INIT_START") {
        b.lambda_stream.in_init = true;
        b.lambda_stream.current = None;
    } else if let Some(rest) = msg.strip_prefix("RequestId: ") {
        let id = token(rest);
        if is_uuid(id) {
            let s = attach(b, ev, id, msg);
            runtime_exit(s, msg, ts);
            b.lambda_stream.last_error = Some(id);
            return;
        }
    } else if msg.starts_with("Runtime.") && !msg.contains(' ') {
        // The `Runtime.ExitError` line that follows `Runtime exited with error` names no request.
        if let Some(id) = b.lambda_stream.last_error.or(b.lambda_stream.current) {
            let s = attach(b, ev, id, msg);
            s.error_type.get_or_insert(Cow::Borrowed(msg.trim()));
            return;
        }
    } else if let Some((id, rest)) = node_fields(msg).or_else(|| timeout_fields(msg)) {
        let s = attach(b, ev, id, msg);
        app_evidence(s, rest, ts, msg);
        return;
    } else if let Some((id, rest)) = python_fields(msg)
        && !id.is_empty()
    {
        let s = attach(b, ev, id, msg);
        app_evidence(s, rest, ts, msg);
        return;
    }
    // Python's runtime reports an unhandled exception as `[ERROR] Type: message` (space, not tab, and no
    // request ID), right after a `LAMBDA_WARNING: Unhandled exception` line.
    let python_unhandled = msg
        .strip_prefix("[ERROR] ")
        .map(|rest| token(rest.split(':').next().unwrap_or("")));
    let init_failed = msg.starts_with("INIT_REPORT") && msg.contains("Status: error");
    if let Some(id) = attach_to_current(b, ev, msg)
        && (python_unhandled.is_some() || init_failed)
    {
        let s = b.lambda(id);
        s.add_evidence(FailureReason::LambdaError, ts, Cow::Borrowed(msg));
        if let Some(t) = python_unhandled.filter(|t| !t.is_empty()) {
            s.error_type.get_or_insert(Cow::Borrowed(t));
        }
    }
}

/// `RequestId: <id> Error: Runtime exited with error: signal: killed` (OOM) or another exit.
fn runtime_exit<'a>(s: &mut LambdaState<'a>, msg: &'a str, ts: i64) {
    if let Some(err) = after(msg, "Error: Runtime exited") {
        let reason = if err.contains("signal: killed") {
            FailureReason::LambdaOutOfMemory
        } else {
            FailureReason::LambdaError
        };
        s.add_evidence(reason, ts, Cow::Borrowed(msg));
        s.error_type.get_or_insert(Cow::Borrowed("Runtime.ExitError"));
    } else if after(msg, "Task timed out after").is_some() {
        s.add_evidence(FailureReason::LambdaTimeout, ts, Cow::Borrowed(msg));
    }
}

/// Evidence in application lines: timeouts, unhandled errors.
fn app_evidence<'a>(s: &mut LambdaState<'a>, rest: &'a str, ts: i64, msg: &'a str) {
    if rest.starts_with("Task timed out after") {
        s.add_evidence(FailureReason::LambdaTimeout, ts, Cow::Borrowed(msg));
    } else if memmem::find(rest.as_bytes(), b"Invoke Error").is_some() {
        s.add_evidence(FailureReason::LambdaError, ts, Cow::Borrowed(msg));
        if let Some(t) = after(rest, "\"errorType\":").map(|v| token(v.trim_start().trim_start_matches('"')))
            && !t.is_empty()
        {
            s.error_type.get_or_insert(Cow::Borrowed(t));
        }
    }
}

/// Node.js: `<ISO-ts>\t<requestId>\t<LEVEL>\t<message>` → (id, message).
fn node_fields(msg: &str) -> Option<(&str, &str)> {
    let mut f = msg.splitn(4, '\t');
    let (ts, id, _level) = (f.next()?, f.next()?, f.next()?);
    (looks_like_iso_ts(ts) && is_uuid(id)).then(|| (id, f.next().unwrap_or("")))
}

/// `<ISO-ts> <requestId> Task timed out after N seconds` (space separated) → (id, rest).
fn timeout_fields(msg: &str) -> Option<(&str, &str)> {
    let mut f = msg.splitn(3, ' ');
    let (ts, id, rest) = (f.next()?, f.next()?, f.next()?);
    (looks_like_iso_ts(ts) && is_uuid(id)).then_some((id, rest))
}

/// Python: `[LEVEL]\t<ISO-ts>\t<requestId>\t<message>` → (id, message); the ID is empty during init.
fn python_fields(msg: &str) -> Option<(&str, &str)> {
    let mut f = msg.splitn(4, '\t');
    let (level, ts, id) = (f.next()?, f.next()?, f.next()?);
    let level_ok = level.starts_with('[') && level.ends_with(']') && level.len() <= 10;
    (level_ok && looks_like_iso_ts(ts) && (id.is_empty() || is_uuid(id))).then(|| (id, f.next().unwrap_or("")))
}

fn looks_like_iso_ts(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[..4].iter().all(u8::is_ascii_digit)
}

/// The fields of a text REPORT line, tab- or space-separated (`Duration` must not match `Billed Duration`).
pub fn parse_report(text: &str) -> Report<'_> {
    Report {
        duration_ms: field(text, "Duration: ").and_then(leading_f64),
        billed_duration_ms: field(text, "Billed Duration: ").and_then(leading_u64),
        memory_size_mb: field(text, "Memory Size: ").and_then(leading_u64),
        max_memory_used_mb: field(text, "Max Memory Used: ").and_then(leading_u64),
        init_duration_ms: field(text, "Init Duration: ").and_then(leading_f64),
        status: field(text, "Status: ")
            .map(token)
            .filter(|t| !t.is_empty())
            .map(Cow::Borrowed),
        error_type: field(text, "Error Type: ")
            .map(token)
            .filter(|t| !t.is_empty())
            .map(Cow::Borrowed),
    }
}

/// The value after `key`, where `key` starts a field (not inside a longer key such as `Billed Duration: `).
fn field<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    memmem::find_iter(text.as_bytes(), key.as_bytes())
        .find(|&i| {
            let before = &text[..i];
            let boundary = before.is_empty() || before.ends_with(['\t', ' ', '\n']);
            boundary && !before.ends_with("Billed ") && !before.ends_with("Init ") && !before.ends_with("Max Memory ")
                || (key != "Duration: " && key != "Used: " && boundary)
        })
        .map(|i| &text[i + key.len()..])
}

fn apply_report<'a>(s: &mut LambdaState<'a>, report: Report<'a>, ts: i64, msg: &'a str) {
    match report.status.as_deref() {
        Some("timeout") => s.add_evidence(FailureReason::LambdaTimeout, ts, Cow::Borrowed(msg)),
        Some("error" | "failure") => s.add_evidence(FailureReason::LambdaError, ts, Cow::Borrowed(msg)),
        _ => {}
    }
    if report.error_type.as_deref() == Some("Runtime.OutOfMemory") {
        s.add_evidence(FailureReason::LambdaOutOfMemory, ts, Cow::Borrowed(msg));
    }
    s.report = Some(report);
}

/// The parts of a JSON-format Lambda log record this parser reads.
#[derive(Deserialize)]
struct JsonLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    record: Option<serde_json::Value>,
    #[serde(rename = "requestId", borrow)]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(rename = "errorType", borrow)]
    error_type: Option<Cow<'a, str>>,
}

fn json_line(msg: &str) -> Option<JsonLine<'_>> {
    let line: JsonLine<'_> = serde_json::from_str(msg).ok()?;
    let platform = line.kind.as_deref().is_some_and(|k| k.starts_with("platform."));
    (platform || line.request_id.is_some()).then_some(line)
}

fn apply_json<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str, line: JsonLine<'a>) {
    let ts = ev.timestamp;
    let record = line.record.as_ref();
    let record_str = |k: &str| record.and_then(|r| r.get(k)).and_then(|v| v.as_str());
    // IDs must borrow from the message to key the batch's maps; UUIDs never need JSON unescaping.
    let borrowed = |c: Option<Cow<'a, str>>| match c {
        Some(Cow::Borrowed(s)) if is_uuid(s) => Some(s),
        _ => None,
    };
    let record_id = record_str("requestId")
        .and_then(|id| memmem::find(msg.as_bytes(), id.as_bytes()).map(|i| &msg[i..i + id.len()]));
    match line.kind.as_deref() {
        Some("platform.start") => {
            if let Some(id) = record_id.filter(|id| is_uuid(id)) {
                start(b, ev, id, msg);
                return;
            }
        }
        Some(k @ ("platform.report" | "platform.runtimeDone")) => {
            if let Some(id) = record_id.filter(|id| is_uuid(id)) {
                let status = record_str("status").map(str::to_owned);
                let error_type = record_str("errorType").map(str::to_owned);
                let report = (k == "platform.report").then(|| json_report(record, status.clone(), error_type.clone()));
                let trace = record
                    .and_then(|r| r.pointer("/tracing/value"))
                    .and_then(|v| v.as_str())
                    .and_then(trace_id)
                    .map(str::to_owned);
                let s = attach(b, ev, id, msg);
                match report {
                    Some(r) => apply_report(s, r, ts, msg),
                    None => {
                        if let Some(st) = status.filter(|st| st != "success") {
                            let r = Report {
                                status: Some(Cow::Owned(st)),
                                error_type: error_type.map(Cow::Owned),
                                ..Report::default()
                            };
                            let mut tmp = LambdaState::default();
                            apply_report(&mut tmp, r, ts, msg);
                            s.evidence.union(tmp.evidence);
                            s.details.extend(tmp.details);
                        }
                    }
                }
                if let Some(t) = trace {
                    s.xray_trace_id.get_or_insert(Cow::Owned(t));
                }
                if k == "platform.report" {
                    end_of(b, id);
                }
                return;
            }
        }
        Some("platform.initStart") => {
            b.lambda_stream.in_init = true;
            b.lambda_stream.current = None;
        }
        _ => {}
    }
    if let Some(id) = borrowed(line.request_id) {
        let s = attach(b, ev, id, msg);
        if line.message.as_deref().is_some_and(|m| m.contains("Invoke Error")) {
            s.add_evidence(FailureReason::LambdaError, ts, Cow::Borrowed(msg));
            if let Some(t) = line.error_type {
                s.error_type.get_or_insert(Cow::Owned(t.into_owned()));
            }
        }
        return;
    }
    attach_to_current(b, ev, msg);
}

fn json_report<'a>(
    record: Option<&serde_json::Value>,
    status: Option<String>,
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
        status: status.map(Cow::Owned),
        error_type: error_type.map(Cow::Owned),
    }
}

/// At the end of a batch, init-phase lines with no START after them cannot be attributed: count them.
pub(super) fn finish(b: &mut Builder<'_, '_>) {
    for (ev, _) in std::mem::take(&mut b.lambda_stream.pending) {
        b.out.stats.skip(SkipKind::LambdaOutsideInvocation, &ev.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_fields_in_tab_and_space_forms() {
        let tab = "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 3003.16 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB\tInit Duration: 127.02 ms\tStatus: error\tError Type: Runtime.OutOfMemory\t\nXRAY TraceId: 1-5c7674f4-aaaabbbbccccddddeeeeffff\tSegmentId: 1\tSampled: true\t";
        let space = "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff Duration: 3003.16 ms Billed Duration: 3000 ms \tMemory Size: 128 MB Max Memory Used: 48 MB";
        let r = parse_report(tab);
        assert_eq!(r.duration_ms, Some(3003.16));
        assert_eq!(r.billed_duration_ms, Some(3000));
        assert_eq!(r.memory_size_mb, Some(128));
        assert_eq!(r.max_memory_used_mb, Some(48));
        assert_eq!(r.init_duration_ms, Some(127.02));
        assert_eq!(r.status.as_deref(), Some("error"));
        assert_eq!(r.error_type.as_deref(), Some("Runtime.OutOfMemory"));
        let r = parse_report(space);
        assert_eq!(
            (
                r.duration_ms,
                r.billed_duration_ms,
                r.memory_size_mb,
                r.max_memory_used_mb
            ),
            (Some(3003.16), Some(3000), Some(128), Some(48))
        );
        assert_eq!((r.init_duration_ms, r.status), (None, None));
    }

    #[test]
    fn custom_log_group_streams_name_the_function() {
        assert_eq!(
            function_from_custom_stream("2024/01/29/my-fn[$LATEST]0123456789abcdef"),
            Some("my-fn")
        );
        assert_eq!(
            function_from_custom_stream("2019/03/13/[$LATEST]94fa867e5374431291a7fc14e2f56ae7"),
            None
        );
        assert_eq!(function_from_custom_stream("e369853df766fa44e1ed0ff613f563bd"), None);
    }
}
