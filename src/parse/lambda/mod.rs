//! Lambda function log lines: platform lines (START/END/REPORT, INIT_*, extensions), timeouts and crashes,
//! application lines of every runtime, and the JSON log format (`json.rs`; text forms in `text.rs`).
//!
//! One log stream belongs to one execution environment, which runs one invocation at a time (outside Lambda
//! Managed Instances, whose streams are always in the JSON format), so a line without a request ID belongs to
//! the invocation between its START and END; init-phase lines belong to the invocation whose START follows
//! them (it paid for the cold start).

mod correlate;
mod fields;
mod json;
mod loose;
mod text;

use std::borrow::Cow;
use std::collections::HashSet;

use super::{Builder, SkipKind};
use crate::decode::LogEvent;
use crate::fragment::{FragmentCore, LambdaFragment, LineSource, Report, ReportStatus};
use crate::reason::FailureReason;
use crate::redact::Redactor;

use loose::Loose;

/// Where the stream is between lines of one batch.
#[derive(Debug, Default)]
pub(super) struct StreamState<'a> {
    /// The invocation between START and END, if any.
    current: Option<&'a str>,
    /// The invocation that ended last: evidence logged after its END/REPORT (a `Task timed out`, an
    /// `Unknown application error occurred`) is still its own, since the environment runs one at a time.
    last: Option<&'a str>,
    /// Inside an init phase (after INIT_START, an INIT_REPORT or a RESTORE line, before START).
    in_init: bool,
    /// Init-phase lines waiting for the START they belong to, with the evidence each carries.
    pending: Vec<(&'a LogEvent<'a>, &'a str, Option<Loose<'a>>)>,
    /// The last request that logged `RequestId: … Error:` (its `Runtime.ExitError` line follows).
    last_error: Option<&'a str>,
    /// The stream's log format, as the first platform record read as the platform's showed it: the platform
    /// writes one format per function configuration, and a configuration change starts new environments
    /// (new streams), so a platform record of the other format is the function's output.
    format: Option<Format>,
    /// The format of the runtime-keyed line that showed which invocation runs at the start of a batch
    /// ([`keyed_by_runtime`]), when no platform record has shown the stream's format yet.
    current_format: Option<Format>,
    /// The stream showed invocations overlapping (a JSON-format record out of one-at-a-time order, read as
    /// the platform's): from then on a line without a request ID belongs to no invocation by position.
    overlapping: bool,
    /// Invocations this batch saw start, end (END or REPORT) and report: the platform writes each record
    /// once, and nothing naming an invocation after its REPORT.
    started: HashSet<&'a str>,
    ended: HashSet<&'a str>,
    reported: HashSet<&'a str>,
}

/// A Lambda log format (the function's `LoggingConfig.LogFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// Plain text: `START RequestId: …`, `END …`, `REPORT …`, and the runtimes' text lines.
    Text,
    /// JSON: `platform.start` … `platform.report` records, and the runtimes' JSON loggers.
    Json,
}

/// What the stream's order says about a platform-shaped record. The platform writes START, the
/// function's output, END, REPORT (`platform.start` … `platform.report` in the JSON format), each once,
/// and one environment runs one invocation at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    /// Where the platform writes such a record.
    Expected,
    /// Not where the platform writes it when one environment runs one invocation at a time (a START while
    /// another invocation runs, a record naming an invocation other than the running one). In a text-format
    /// stream that is always so, and the record is the function's output; a JSON-format stream may be a
    /// Lambda Managed Instances environment's, which runs several invocations at once and interleaves their
    /// records: there the platform's reading is kept, and counted.
    Ambiguous,
    /// Never the platform's: a second START, END or REPORT of one invocation, anything naming an
    /// invocation after its REPORT, an init record while an invocation runs.
    Impossible,
}

impl StreamState<'_> {
    /// A record naming invocation `id` (its END, its runtime's keyed lines, `RequestId: … Error`).
    pub(super) fn naming(&self, id: &str) -> Order {
        if self.reported.contains(id) {
            Order::Impossible
        } else if self.current.is_some_and(|c| c != id) {
            Order::Ambiguous
        } else {
            Order::Expected
        }
    }

    /// An END or REPORT of `id`.
    pub(super) fn ending(&self, id: &str, report: bool) -> Order {
        if (!report && self.ended.contains(id)) || self.reported.contains(id) {
            Order::Impossible
        } else {
            self.naming(id)
        }
    }

    /// A START of `id`.
    pub(super) fn starting(&self, id: &str) -> Order {
        if self.started.contains(id) || self.ended.contains(id) || self.reported.contains(id) {
            Order::Impossible
        } else if self.current.is_some() {
            Order::Ambiguous
        } else {
            Order::Expected
        }
    }

    /// The platform's `<ts> <id> Task timed out after …` line, which real streams also show right after
    /// the invocation's REPORT: in order there (no invocation started since), impossible any later.
    pub(super) fn timing_out(&self, id: &str) -> Order {
        if !self.reported.contains(id) {
            self.naming(id)
        } else if self.current.is_none() && self.last == Some(id) {
            Order::Expected
        } else {
            Order::Impossible
        }
    }

    /// An init-phase record (INIT_START, INIT_REPORT, `platform.init*`): never while an invocation runs.
    pub(super) fn initialising(&self) -> Order {
        if self.current.is_some() {
            Order::Impossible
        } else {
            Order::Expected
        }
    }
}

/// Whether a record of `format` is read as the platform's (`platform`: a platform record) or as the
/// runtime's keying of the invocation it names. In order: yes. Out of order ([`Order::Ambiguous`]): only in a
/// JSON-format stream, which may interleave invocations (Lambda Managed Instances), where the platform's view
/// wins and is counted (`ParseStats::platform_order_ambiguous`); in a text-format stream one environment runs
/// one invocation at a time, so the record is the function's output. Impossible, or a platform record of the
/// other format than the stream's: no. The stream's format is the one its platform records showed, else the
/// one of the line that showed the running invocation, else the record's own.
pub(super) fn admit(
    b: &mut Builder<'_, '_>,
    format: Format,
    platform: bool,
    order: impl FnOnce(&StreamState<'_>) -> Order,
) -> bool {
    let s = &b.lambda_stream;
    let order = if platform && s.format.is_some_and(|f| f != format) {
        Order::Impossible
    } else {
        order(s)
    };
    let interleaving = s.format.or(s.current_format).unwrap_or(format) == Format::Json;
    match order {
        Order::Expected => {}
        Order::Ambiguous if interleaving => {
            b.out.stats.platform_order_ambiguous += 1;
            b.lambda_stream.overlapping = true;
        }
        Order::Ambiguous | Order::Impossible => return false,
    }
    if platform {
        b.lambda_stream.format.get_or_insert(format);
    }
    true
}

/// A line the runtime keyed with invocation `id`. At the start of a batch, before any platform record,
/// it shows which invocation runs (CloudWatch Logs cuts a stream into deliveries anywhere), so that the
/// stream's order rules out records naming others from then on.
pub(super) fn keyed_by_runtime<'a>(b: &mut Builder<'a, '_>, id: &'a str, format: Format) {
    let s = &mut b.lambda_stream;
    if s.current.is_none() && s.last.is_none() && !s.in_init && s.pending.is_empty() {
        s.current = Some(id);
        s.current_format = Some(format);
    }
}

/// A line shaped like a platform record where the platform cannot have written one ([`Order::Impossible`],
/// or not in the record's exact form): the function's own output, carrying no evidence, and counted
/// (`ParseStats::platform_shaped_output`).
pub(super) fn platform_shaped_output<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) {
    b.out.stats.platform_shaped_output += 1;
    attach_unkeyed(b, ev, msg, None);
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
        && let Some(line) = json::parse_line(msg)
    {
        json::apply(b, ev, msg, line);
        return;
    }
    text::apply(b, ev, msg);
}

/// Attributes a line to invocation `id` and returns its state.
pub(super) fn attach<'a, 'b>(
    b: &'b mut Builder<'a, '_>,
    ev: &'a LogEvent<'_>,
    id: &'a str,
    msg: &'a str,
) -> &'b mut LambdaFragment<'a> {
    b.out.stats.lambda_lines += 1;
    // A function's own lines are redacted by names and shapes.
    let line = b.line(ev, LineSource::Lambda, || b.redact(msg));
    let s = b.lambda(id);
    s.core.touch(ev.timestamp);
    if let Some(line) = line {
        s.core.push_line(line);
    }
    if s.api_request_id.is_none()
        && let Some(api_id) = correlate::api_request_id_hint(msg)
    {
        s.api_request_id = Some(Cow::Borrowed(api_id));
    }
    s
}

/// A line with no request ID: the current invocation's, an init-phase line (held for the START that
/// follows), late evidence of the invocation that just ended, or unattributable (counted). `loose` is the
/// failure evidence the line carries on its own.
pub(super) fn attach_unkeyed<'a>(
    b: &mut Builder<'a, '_>,
    ev: &'a LogEvent<'_>,
    msg: &'a str,
    loose: Option<Loose<'a>>,
) -> Option<&'a str> {
    // Position names an invocation only where one runs at a time. A JSON-format stream that has shown
    // invocations overlapping (Lambda Managed Instances) runs several: there the line is counted, never guessed.
    if b.lambda_stream.overlapping {
        b.out.stats.skip(SkipKind::LambdaUnkeyedConcurrent, &ev.id);
        return None;
    }
    if let Some(id) = b.lambda_stream.current {
        let r = b.redactor;
        apply_loose(r, attach(b, ev, id, msg), ev.timestamp, msg, loose);
        return Some(id);
    }
    // Before any invocation of the batch (which may start after INIT_START), a line that only init output
    // looks like (failure evidence, Python's empty or Node's `undefined` request-ID field) is the next
    // invocation's; held lines with no START after them are counted as skipped at the end.
    let init_shaped = || loose.is_some() || text::init_shaped(msg);
    if b.lambda_stream.in_init || (b.lambda_stream.last.is_none() && init_shaped()) {
        b.lambda_stream.pending.push((upcast(ev), msg, loose));
        return None;
    }
    if let (Some(id), Some(_)) = (b.lambda_stream.last, &loose) {
        let r = b.redactor;
        apply_loose(r, attach(b, ev, id, msg), ev.timestamp, msg, loose);
        return Some(id);
    }
    b.out.stats.skip(SkipKind::LambdaOutsideInvocation, &ev.id);
    None
}

/// Records what a line without a request ID showed on the invocation it was attributed to.
fn apply_loose<'a>(r: &Redactor, s: &mut LambdaFragment<'a>, ts: i64, msg: &'a str, loose: Option<Loose<'a>>) {
    if let Some(l) = loose {
        s.core.add_evidence(l.reason, ts, r.redact(msg));
        if let Some(t) = l.error_type {
            s.error_type.get_or_insert_with(|| r.redact_cow(t));
        }
    }
}

/// The stream enters an init phase: lines until the next START are that invocation's cold start.
pub(super) fn begin_init(b: &mut Builder<'_, '_>) {
    b.lambda_stream.in_init = true;
    b.lambda_stream.current = None;
}

/// `LogEvent<'x>` is covariant; this just names the lifetime the stream state stores.
fn upcast<'a>(ev: &'a LogEvent<'_>) -> &'a LogEvent<'a> {
    // A `&'a LogEvent<'p>` with 'p: 'a coerces to `&'a LogEvent<'a>` by covariance.
    ev
}

pub(super) fn start<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, id: &'a str, msg: &'a str) {
    let pending = std::mem::take(&mut b.lambda_stream.pending);
    let r = b.redactor;
    for (pev, pmsg, loose) in pending {
        apply_loose(r, attach(b, pev, id, pmsg), pev.timestamp, pmsg, loose);
    }
    attach(b, ev, id, msg);
    b.lambda_stream.current = Some(id);
    b.lambda_stream.started.insert(id);
    b.lambda_stream.in_init = false;
}

/// After an END (text) or a REPORT (`report`, either format) of `id`.
pub(super) fn end_of<'a>(b: &mut Builder<'a, '_>, id: &'a str, report: bool) {
    if b.lambda_stream.current == Some(id) {
        b.lambda_stream.current = None;
    }
    b.lambda_stream.last = Some(id);
    b.lambda_stream.ended.insert(id);
    if report {
        b.lambda_stream.reported.insert(id);
    }
}

/// Evidence a Lambda-stated status carries: `timeout` and `error`/`failure` are failures, and an
/// `Error Type: Runtime.OutOfMemory` names the kind. Goes through the core, so each reason keeps one line.
fn status_evidence<'a>(
    r: &Redactor,
    core: &mut FragmentCore<'a>,
    status: Option<ReportStatus>,
    error_type: Option<&str>,
    ts: i64,
    msg: &'a str,
) {
    match status {
        Some(ReportStatus::Timeout) => core.add_evidence(FailureReason::LambdaTimeout, ts, r.redact(msg)),
        Some(ReportStatus::Error | ReportStatus::Failure) => {
            core.add_evidence(FailureReason::LambdaError, ts, r.redact(msg));
        }
        Some(ReportStatus::Success) | None => {}
    }
    if error_type == Some("Runtime.OutOfMemory") {
        core.add_evidence(FailureReason::LambdaOutOfMemory, ts, r.redact(msg));
    }
    // An error type is error evidence even where no status is stated (`docs/failure-reasons.md`: an invocation
    // with runtime-error evidence is never a success).
    if error_type.is_some() && status.is_none() {
        core.add_evidence(FailureReason::LambdaError, ts, r.redact(msg));
    }
}

/// Records a REPORT (text or JSON) and the evidence its status carries.
fn apply_report<'a>(r: &Redactor, s: &mut LambdaFragment<'a>, report: Report<'a>, ts: i64, msg: &'a str) {
    status_evidence(r, &mut s.core, report.status, report.error_type.as_deref(), ts, msg);
    s.report = Some(report);
}

/// At the end of a batch, init-phase lines with no START after them cannot be attributed: count them.
/// Also records which invocations the batch holds whole: started and reported here.
pub(super) fn finish(b: &mut Builder<'_, '_>) {
    for (ev, _, _) in std::mem::take(&mut b.lambda_stream.pending) {
        b.out.stats.skip(SkipKind::LambdaOutsideInvocation, &ev.id);
    }
    let s = &b.lambda_stream;
    b.out.whole_invocations = s.started.intersection(&s.reported).copied().collect();
}

#[cfg(test)]
mod tests {
    use super::*;

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
