//! Text-format Lambda lines: platform lines, runtime exits and timeouts, and the Node.js / Python
//! application line shapes.

use memchr::memmem;

use super::fields::{field, looks_like_iso_ts, node_fields};
use super::{
    Format, admit, apply_report, attach, attach_unkeyed, begin_init, end_of, keyed_by_runtime, loose,
    platform_shaped_output, start,
};
use crate::decode::LogEvent;
use crate::fragment::{LambdaFragment, Report, ReportStatus};
use crate::parse::Builder;
use crate::parse::text::{after, is_uuid, leading_f64, leading_u64, token, trace_id};
use crate::reason::FailureReason;
use crate::redact::Redactor;

/// The platform's text records in their exact forms (Lambda developer guide, "Working with Lambda function
/// logs" / "Lambda Telemetry API" text format): `START RequestId: <id> Version: <version>`,
/// `END RequestId: <id>`, `REPORT RequestId: <id>\tDuration: …` (tab- or space-separated fields). A line
/// that starts like one but is not in that form, or that the stream's order says the platform cannot have
/// written now (in a text-format stream: anything naming another invocation while one runs), is the
/// function's output (`platform_shaped_output`).
pub(super) fn apply<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) {
    let ts = ev.timestamp;
    let may_name = |b: &mut Builder<'a, '_>, id: &str| admit(b, Format::Text, false, |s| s.naming(id));
    if let Some(rest) = msg.strip_prefix("START RequestId: ") {
        let id = token(rest);
        if is_uuid(id) && rest[id.len()..].starts_with(" Version: ") && admit(b, Format::Text, true, |s| s.starting(id))
        {
            start(b, ev, id, msg);
            return;
        }
        return platform_shaped_output(b, ev, msg);
    } else if let Some(rest) = msg.strip_prefix("END RequestId: ") {
        let id = token(rest);
        if is_uuid(id) && rest[id.len()..].trim().is_empty() && admit(b, Format::Text, true, |s| s.ending(id, false)) {
            attach(b, ev, id, msg);
            end_of(b, id, false);
            return;
        }
        return platform_shaped_output(b, ev, msg);
    } else if let Some(rest) = msg.strip_prefix("REPORT RequestId: ") {
        let id = token(rest);
        let fields = rest[id.len()..].trim_start_matches([' ', '\t']);
        if is_uuid(id) && fields.starts_with("Duration: ") && admit(b, Format::Text, true, |s| s.ending(id, true)) {
            let r = b.redactor;
            let report = parse_report(r, rest);
            let trace = after(rest, "XRAY TraceId: ").and_then(trace_id);
            let s = attach(b, ev, id, msg);
            apply_report(r, s, report, ts, msg);
            if let Some(t) = trace {
                s.xray_trace_id = Some(r.redact(t));
            }
            end_of(b, id, true);
            return;
        }
        return platform_shaped_output(b, ev, msg);
    } else if msg.starts_with("INIT_START") {
        if !admit(b, Format::Text, true, |s| s.initialising()) {
            return platform_shaped_output(b, ev, msg);
        }
        begin_init(b);
    } else if let Some(rest) = msg.strip_prefix("RequestId: ") {
        let id = token(rest);
        if is_uuid(id) && !may_name(b, id) {
            return platform_shaped_output(b, ev, msg);
        }
        if is_uuid(id) {
            let r = b.redactor;
            let s = attach(b, ev, id, msg);
            runtime_exit(r, s, msg, ts);
            b.lambda_stream.last_error = Some(id);
            return;
        }
    } else if msg.starts_with("Runtime.") && !msg.contains(' ') {
        // The `Runtime.ExitError` line that follows `RequestId: … Error: …` names no request.
        // The running invocation's, if one runs (a line naming no one cannot reach another invocation).
        if let Some(id) = b.lambda_stream.current.or(b.lambda_stream.last_error) {
            let r = b.redactor;
            let s = attach(b, ev, id, msg);
            s.core.add_evidence(FailureReason::LambdaError, ts, r.redact(msg));
            s.error_type.get_or_insert_with(|| r.redact(msg.trim()));
            return;
        }
    } else if [
        "INIT_REPORT",
        "RESTORE_",
        "EXTENSION Name: ",
        "TELEMETRY Name: ",
        "LOGS Name: ",
    ]
    .iter()
    .any(|p| msg.starts_with(p))
    {
        if !admit(b, Format::Text, true, |s| s.initialising()) {
            return platform_shaped_output(b, ev, msg);
        }
        // Init-phase platform lines (INIT_REPORT may come without an INIT_START in the batch, and a
        // suppressed init's `Phase: invoke` report precedes its START): they belong to the next START.
        begin_init(b);
    } else if let Some((id, rest, timeout)) = node_fields(msg)
        .map(|(id, rest)| (id, rest, false))
        .or_else(|| timeout_fields(msg).map(|(id, rest)| (id, rest, true)))
    {
        // The runtime keys a line with the running invocation's ID; a line keyed with another is printed.
        let admitted = if timeout {
            admit(b, Format::Text, false, |s| s.timing_out(id))
        } else {
            may_name(b, id)
        };
        if !admitted {
            return platform_shaped_output(b, ev, msg);
        }
        keyed_by_runtime(b, id, Format::Text);
        let r = b.redactor;
        let s = attach(b, ev, id, msg);
        app_evidence(r, s, rest, ts, msg);
        return;
    } else if let Some((id, rest)) = python_fields(msg)
        && !id.is_empty()
    {
        if !may_name(b, id) {
            return platform_shaped_output(b, ev, msg);
        }
        keyed_by_runtime(b, id, Format::Text);
        let r = b.redactor;
        let s = attach(b, ev, id, msg);
        app_evidence(r, s, rest, ts, msg);
        return;
    }
    attach_unkeyed(b, ev, msg, loose::evidence(msg));
}

/// `RequestId: <id> Error: Runtime exited with error: signal: killed` (OOM) or another exit.
fn runtime_exit<'a>(r: &Redactor, s: &mut LambdaFragment<'a>, msg: &'a str, ts: i64) {
    if let Some(err) = after(msg, "Error: Runtime exited") {
        let reason = if err.contains("signal: killed") {
            FailureReason::LambdaOutOfMemory
        } else {
            FailureReason::LambdaError
        };
        s.core.add_evidence(reason, ts, r.redact(msg));
        s.error_type.get_or_insert_with(|| r.redact("Runtime.ExitError"));
    } else if after(msg, "Task timed out after").is_some() {
        s.core.add_evidence(FailureReason::LambdaTimeout, ts, r.redact(msg));
    } else if after(msg, " Error: ").is_some() {
        // `RequestId: <id> Error: fork/exec /var/task/bootstrap: exec format error`, `… Error: Couldn't find
        // valid bootstrap(s)`: the runtime could not run the invocation (its type follows on the next line).
        s.core.add_evidence(FailureReason::LambdaError, ts, r.redact(msg));
        if let Some(t) = msg
            .rsplit('\n')
            .next()
            .filter(|l| l.starts_with("Runtime.") && !l.contains(' '))
        {
            s.error_type.get_or_insert_with(|| r.redact(t.trim()));
        }
    }
}

/// Evidence in application lines: timeouts, unhandled errors.
fn app_evidence<'a>(r: &Redactor, s: &mut LambdaFragment<'a>, rest: &'a str, ts: i64, msg: &'a str) {
    if rest.starts_with("Task timed out after") {
        s.core.add_evidence(FailureReason::LambdaTimeout, ts, r.redact(msg));
    } else if memmem::find(rest.as_bytes(), b"Invoke Error").is_some() {
        s.core.add_evidence(FailureReason::LambdaError, ts, r.redact(msg));
        if let Some(t) = loose::json_error_type(rest) {
            s.error_type.get_or_insert_with(|| r.redact(t));
        }
    }
}

/// `<ISO-ts> <requestId> Task timed out after N seconds` (space separated) → (id, rest).
fn timeout_fields(msg: &str) -> Option<(&str, &str)> {
    let mut f = msg.splitn(3, ' ');
    let (ts, id, rest) = (f.next()?, f.next()?, f.next()?);
    (looks_like_iso_ts(ts) && is_uuid(id)).then_some((id, rest))
}

/// Python: `[LEVEL]\t<ISO-ts>\t<requestId>\t<message>` → (id, message); the ID is empty during init.
pub(super) fn python_fields(msg: &str) -> Option<(&str, &str)> {
    let mut f = msg.splitn(4, '\t');
    let (level, ts, id) = (f.next()?, f.next()?, f.next()?);
    let level_ok = level.starts_with('[') && level.ends_with(']') && level.len() <= 10;
    (level_ok && looks_like_iso_ts(ts) && (id.is_empty() || is_uuid(id))).then(|| (id, f.next().unwrap_or("")))
}

/// A line only the init phase writes: Python's logging with an empty request-ID field, Node's console with
/// `undefined` for it.
pub(super) fn init_shaped(msg: &str) -> bool {
    python_fields(msg).is_some_and(|(id, _)| id.is_empty()) || {
        let mut f = msg.splitn(3, '\t');
        let (ts, id) = (f.next().unwrap_or(""), f.next());
        looks_like_iso_ts(ts) && id == Some("undefined")
    }
}

/// The fields of a text REPORT line, tab- or space-separated (`Duration` must not match `Billed Duration`).
pub(super) fn parse_report<'a>(r: &Redactor, text: &'a str) -> Report<'a> {
    Report {
        duration_ms: field(text, "Duration: ").and_then(leading_f64),
        billed_duration_ms: field(text, "Billed Duration: ").and_then(leading_u64),
        memory_size_mb: field(text, "Memory Size: ").and_then(leading_u64),
        max_memory_used_mb: field(text, "Max Memory Used: ").and_then(leading_u64),
        init_duration_ms: field(text, "Init Duration: ").and_then(leading_f64),
        status: field(text, "Status: ").map(token).and_then(ReportStatus::from_name),
        error_type: field(text, "Error Type: ")
            .map(token)
            .filter(|t| !t.is_empty())
            .map(|t| r.redact(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_fields_in_tab_and_space_forms() {
        let tab = "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 3003.16 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB\tInit Duration: 127.02 ms\tStatus: error\tError Type: Runtime.OutOfMemory\t\nXRAY TraceId: 1-5c7674f4-aaaabbbbccccddddeeeeffff\tSegmentId: 1\tSampled: true\t";
        let space = "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff Duration: 3003.16 ms Billed Duration: 3000 ms \tMemory Size: 128 MB Max Memory Used: 48 MB";
        let r = parse_report(&Redactor::builtin(), tab);
        assert_eq!(r.duration_ms, Some(3003.16));
        assert_eq!(r.billed_duration_ms, Some(3000));
        assert_eq!(r.memory_size_mb, Some(128));
        assert_eq!(r.max_memory_used_mb, Some(48));
        assert_eq!(r.init_duration_ms, Some(127.02));
        assert_eq!(r.status, Some(ReportStatus::Error));
        assert_eq!(r.error_type.as_deref(), Some("Runtime.OutOfMemory"));
        let r = parse_report(&Redactor::builtin(), space);
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
}
