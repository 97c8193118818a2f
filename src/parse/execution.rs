//! API Gateway execution-log lines: `(<requestId>) <text>`, REST (UUID prefix) and WebSocket (extended-ID
//! style prefix). Lines of one request may come in any order, with some missing (ERROR-level logging,
//! partial batches) and cut at 1024 bytes.

use std::borrow::Cow;
use std::cell::OnceCell;

use super::Builder;
use super::text::{after, find, is_uuid, leading_u64, status_code, token, trace_id};
use crate::decode::LogEvent;
use crate::evidence;
use crate::fragment::{ApiFragment, LineSource};
use crate::reason::{EvidenceSet, FailureReason};
use crate::redact::{Redacted, Redactor, lambda_phrases};

/// Execution lines of a request at INFO level with a Lambda proxy integration (`docs/log-formats.md` §3):
/// about twenty, what a request's list of kept lines grows to at once (`FragmentCore::push_line_of`).
const EXECUTION_LINES_PER_REQUEST: usize = 24;

/// The longest request ID accepted in a prefix (UUIDs are 36; WebSocket IDs ~16).
const MAX_REQUEST_ID_LEN: usize = 64;

/// Bytes a request ID may contain: ASCII letters and digits, `-`, `=`, `+`, `/` and `_` (a table, because
/// this runs on every line).
static ID_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'=' | b'+' | b'/' | b'_');
        b += 1;
    }
    t
};

/// Splits `(<id>) <text>`; `None` if the message does not start with a plausible request-ID prefix.
pub(super) fn split_prefix(msg: &str) -> Option<(&str, &str)> {
    let rest = msg.strip_prefix('(')?;
    let head = &rest.as_bytes()[..rest.len().min(MAX_REQUEST_ID_LEN + 1)];
    let close = memchr::memchr(b')', head)?;
    let id = &rest[..close];
    // Without a branch per byte: most IDs are read whole (every line has one).
    if id.is_empty() || !id.bytes().fold(true, |ok, b| ok & ID_BYTES[usize::from(b)]) {
        return None;
    }
    // The format is exactly `(<id>) <text>`; `(<id>)text` is something else (a copy, a fake) and not trusted.
    let text = rest[close + 1..].strip_prefix(' ')?;
    Some((id, text))
}

/// An execution-log line's text (after the request-ID prefix) and its stored form
/// ([`Redactor::execution_line`]), made at most once: the kept line and every failure detail taken from the
/// line share it (a `Received response` or failure line is both).
pub(super) struct ExecutionText<'a, 'r> {
    text: &'a str,
    redactor: &'r Redactor,
    stored: OnceCell<Redacted<'a>>,
}

impl<'a, 'r> ExecutionText<'a, 'r> {
    pub(super) fn new(text: &'a str, redactor: &'r Redactor) -> Self {
        Self {
            text,
            redactor,
            stored: OnceCell::new(),
        }
    }

    /// The line as stored and printed: the allow-list by kind of line, then redaction.
    fn stored(&self) -> Redacted<'a> {
        self.stored
            .get_or_init(|| self.redactor.execution_line(self.text))
            .clone()
    }

    /// [`stored`](Self::stored) for its last use, the kept line: the form made for a failure detail moves
    /// into it instead of being copied (a copy of every changed line was 2% of `parse`).
    fn into_stored(self) -> Redacted<'a> {
        let Self { text, redactor, stored } = self;
        stored.into_inner().unwrap_or_else(|| redactor.execution_line(text))
    }
}

/// Applies one execution-log event; `false` if it has no request-ID prefix.
pub(super) fn parse_event<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) -> bool {
    let Some((id, text)) = split_prefix(msg) else {
        return false;
    };
    b.out.stats.execution_lines += 1;
    let i = b.api(id);
    let text = ExecutionText::new(text, b.redactor);
    let mut in_authorizer = b.in_authorizer[i];
    let state = &mut b.out.api[i];
    state.core.touch(ev.timestamp);
    // Evidence lines are kept in their stored form (a body as its size, hash and what was read from it).
    apply(state, &text, ev.timestamp, &mut in_authorizer);
    b.in_authorizer[i] = in_authorizer;
    // Execution lines keep what their kind allows (bodies as size and hash, allowed headers).
    if let Some(line) = b.line(ev, LineSource::Execution, || text.into_stored()) {
        b.out.api[i].core.push_line_of(EXECUTION_LINES_PER_REQUEST, line);
    }
    true
}

/// Updates `s` with what one line of execution-log text says.
pub(super) fn apply<'a>(s: &mut ApiFragment<'a>, line: &ExecutionText<'a, '_>, ts: i64, in_authorizer: &mut bool) {
    let (text, r) = (line.text, line.redactor);
    // Lines that carry request or response payloads (headers, bodies, URIs) are never scanned for failure
    // phrases: a body may quote any text (`{"errorMessage": "... Task timed out ..."}`).
    if let Some(rest) = text.strip_prefix("Endpoint response ") {
        // An authorizer's own endpoint (a Lambda authorizer) says nothing about the request's integration.
        if !*in_authorizer {
            endpoint_response(s, line, rest, ts);
        }
        return;
    }
    if text.starts_with("Method request ")
        || text.starts_with("Method response ")
        || text.starts_with("Endpoint request headers")
        || text.starts_with("Endpoint request body")
    {
        return;
    }
    if let Some(uri) = text
        .strip_prefix("Endpoint request URI: ")
        .or_else(|| text.strip_prefix("Sending request to "))
    {
        if !*in_authorizer {
            integration_uri(s, uri);
        }
        return;
    }
    if let Some(v) = text.strip_prefix("Extended Request Id: ") {
        s.extended_request_id = Some(r.redact(token(v)));
        s.started_ms = Some(s.started_ms.map_or(ts, |t| t.min(ts)));
        return;
    }
    if text.starts_with("Starting execution for request") || text.starts_with("Verifying Usage Plan for request") {
        s.started_ms = Some(s.started_ms.map_or(ts, |t| t.min(ts)));
        *in_authorizer = false;
        return;
    }
    // API Gateway's messages for a request that passed its API key and usage plan checks name no failure; the
    // method and path they quote are not scanned for phrases either (a path can spell one).
    if text.starts_with("API Key authorized because method ") || text.starts_with("Usage Plan check succeeded for ") {
        return;
    }
    if let Some(v) = text.strip_prefix("HTTP Method: ") {
        // `find` rather than `split_once`, whose searcher is built anew on every call.
        const PATH: &str = ", Resource Path: ";
        if let Some(at) = find(v.as_bytes(), PATH.as_bytes()) {
            let (method, rest) = (&v[..at], &v[at + PATH.len()..]);
            s.method = Some(r.redact(method.trim()));
            s.resource_path = Some(r.redact(rest.trim()));
        }
        return;
    }
    if let Some(v) = text.strip_prefix("Method completed with status: ") {
        // A completion line whose status does not parse is not a completion.
        if let Some(status) = status_code(v) {
            s.status = Some(status);
            s.completed_ms = Some(ts);
            s.complete = true;
            s.completed_by = Some(LineSource::Execution);
        }
        return;
    }
    if let Some(route) = text.strip_prefix("WebSocket Request Route: [") {
        // WebSocket APIs have routes (`$connect`, `sendMessage`) instead of resource paths.
        if let Some(route) = route.strip_suffix(']') {
            s.resource_path.get_or_insert_with(|| r.redact(route));
            s.route_key.get_or_insert_with(|| r.redact(route));
        }
        return;
    }
    if let Some(v) = text.strip_prefix("Received response. ") {
        if let Some(st) = v.strip_prefix("Status: ") {
            s.integration_status = status_code(st);
            // Recorded whatever the integration type (the URI line may come later or not at all); it is only
            // shown if classification decides the backend answered with this error.
            if let Some(code) = s.integration_status {
                backend_detail(s, code, ts, line.stored());
            }
        }
        if let Some(lat) = after(v, "Integration latency: ") {
            s.integration_latency_ms = leading_u64(lat);
        }
        return;
    }
    if let Some(v) = text.strip_prefix("AWS Integration Endpoint RequestId : ") {
        // Every AWS integration logs this; only a Lambda's is a Lambda request ID.
        if s.lambda_integration != Some(false) {
            set_lambda_id(s, v);
        }
        return;
    }
    if let Some(v) = text.strip_prefix("X-ray Tracing ID : ") {
        s.xray_trace_id = trace_id(v).map(|t| r.redact(t));
        return;
    }
    if text.starts_with("Starting authorizer") {
        *in_authorizer = true;
        return;
    }
    if text.starts_with("Successfully completed authorizer") {
        *in_authorizer = false;
        return;
    }
    if let Some(v) = text.strip_prefix("Gateway response type: ") {
        let kind = token(v);
        s.gateway_response_status = after(v, "with status code: ").and_then(status_code);
        match FailureReason::from_gateway_response_type(kind) {
            Some(reason) => s.core.add_evidence(reason, ts, line.stored()),
            // A generic response type (`DEFAULT_5XX`) names no reason, but it is the line worth studying
            // when the request ends up as `Other5XX`/`Other4XX`.
            None => match s.gateway_response_status {
                Some(st) if st >= 500 => s.core.add_detail(FailureReason::Other5XX, ts, line.stored()),
                Some(st) if st >= 400 => s.core.add_detail(FailureReason::Other4XX, ts, line.stored()),
                _ => {}
            },
        }
        return;
    }
    if let Some(id) = lambda_id_suffix(text) {
        s.lambda_request_id = Some(Cow::Borrowed(id));
    }
    let authorizer = *in_authorizer;
    let mut found = EvidenceSet::default();
    evidence::scan(text, |p| {
        if let Some(r) = evidence::resolve(p, authorizer) {
            found.insert(r);
        }
    });
    if !found.is_empty() {
        for r in found.iter() {
            s.core.add_evidence(r, ts, line.stored());
        }
    }
}

/// `Endpoint response headers: {...}` and `Endpoint response body before transformations: ...`.
fn endpoint_response<'a>(s: &mut ApiFragment<'a>, line: &ExecutionText<'a, '_>, rest: &'a str, ts: i64) {
    if let Some(headers) = rest.strip_prefix("headers: ") {
        if s.lambda_integration != Some(false)
            && let Some(id) = header_request_id(headers)
        {
            s.lambda_request_id = Some(Cow::Borrowed(id));
        }
        // The older throttling form: a Malformed Lambda proxy response whose endpoint response headers
        // carry Lambda's TooManyRequestsException.
        if after(headers, "x-amzn-ErrorType=TooManyRequestsException").is_some() {
            s.core.add_evidence(FailureReason::LambdaThrottled, ts, line.stored());
        }
    } else if let Some(body) = rest.strip_prefix("body before transformations: ") {
        if s.lambda_integration == Some(false) {
            return;
        }
        lambda_service_body(s, line, body, ts);
        // A Lambda proxy response names the status the function chose; that is the backend's answer.
        if body.trim_start().starts_with('{')
            && let Some(code) = after(body, "\"statusCode\"")
        {
            let code = code.trim_start().strip_prefix(':').unwrap_or(code);
            if let Some(st) = status_code(code.trim_start().trim_start_matches('"')) {
                s.backend_status = Some(st);
                backend_detail(s, st, ts, line.stored());
            }
        }
    }
}

/// What Lambda itself answered, logged as the endpoint response body (only with full data tracing): the
/// real cause behind an older `Malformed Lambda proxy response`. Bodies are never scanned for phrases, so
/// only these exact shapes count.
fn lambda_service_body<'a>(s: &mut ApiFragment<'a>, line: &ExecutionText<'a, '_>, body: &'a str, ts: i64) {
    // A crash or out-of-memory kill of an old runtime: `{"errorMessage": "RequestId: <id> Process exited
    // before completing request"}`. The ID in it is not a join key: a function can return that body, and
    // the failure line's `Lambda request id:` suffix names the invocation anyway.
    let [exited, throttled] = lambda_phrases(body);
    if exited {
        s.core.add_evidence(FailureReason::LambdaError, ts, line.stored());
    }
    // Reserved concurrency exhausted: `{"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", …}`.
    if throttled {
        s.core.add_evidence(FailureReason::LambdaThrottled, ts, line.stored());
    }
}

/// The line that showed a backend error status is the `Backend*` reason's evidence, if that is the verdict.
fn backend_detail<'a>(s: &mut ApiFragment<'a>, status: u16, ts: i64, line: Redacted<'a>) {
    match status {
        500..=599 => s.core.add_detail(FailureReason::Backend5XX, ts, line),
        400..=499 => s.core.add_detail(FailureReason::Backend4XX, ts, line),
        _ => {}
    }
}

/// The integration's endpoint: a Lambda function's invoke URL, or anything else (HTTP, Step Functions, SQS,
/// …), whose `x-amzn-RequestId` is that service's and never joins a Lambda invocation.
fn integration_uri(s: &mut ApiFragment<'_>, uri: &str) {
    let has = |key: &str| find(uri.as_bytes(), key.as_bytes()).is_some();
    let lambda = has("/functions/") && has(":lambda:");
    s.lambda_integration = Some(lambda);
    if !lambda {
        s.lambda_request_id = None;
    }
}

/// The suffix API Gateway appends to a failed Lambda call, `… Lambda request id: <uuid>`, only as the very
/// end of the line: the text before it quotes the function's error message, which may spell the same
/// words with another ID (`log-formats.md` §9), so an occurrence anywhere else names nothing.
pub(super) fn lambda_id_suffix(text: &str) -> Option<&str> {
    const SUFFIX: &str = "Lambda request id: ";
    let text = text.trim_end();
    let id = text.get(text.len().checked_sub(36)?..)?;
    let head = &text[..text.len() - 36];
    // The suffix first: most lines end in no UUID, and the compare is cheaper.
    (head.ends_with(SUFFIX) && is_uuid(id)).then_some(id)
}

/// `x-amzn-RequestId` in an endpoint response's header map (`{Date=…, x-amzn-RequestId=<uuid>, …}`), read
/// only as an entry of the map: at its start or after `, `, its value the whole entry. Two different
/// values (one spelt inside another header's value) name no invocation: which is Lambda's cannot be told.
pub(super) fn header_request_id(headers: &str) -> Option<&str> {
    const KEY: &str = "x-amzn-RequestId=";
    let map = headers.trim_end();
    let map = map.strip_prefix('{').and_then(|m| m.strip_suffix('}')).unwrap_or(map);
    let mut found: Option<&str> = None;
    let mut at = 0;
    while let Some(i) = after_from(map, at, KEY) {
        at = i + KEY.len();
        let boundary = i == 0 || map[..i].ends_with(", ");
        // The entry's value is its text up to the next `, `: a UUID holds none, so the value is a UUID when
        // its first 36 bytes are one and the map or the entry ends right after them.
        let value = &map[at..];
        let id = value.get(..36).unwrap_or(value);
        if boundary && is_uuid(id) && (value.len() == 36 || value[36..].starts_with(", ")) {
            if found.is_some_and(|f| f != id) {
                return None;
            }
            found = Some(id);
        }
    }
    found
}

/// The index of `key` in `text` at or after `from`.
fn after_from(text: &str, from: usize, key: &str) -> Option<usize> {
    text.get(from..)
        .and_then(|t| super::text::find(t.as_bytes(), key.as_bytes()))
        .map(|i| from + i)
}

fn set_lambda_id<'a>(s: &mut ApiFragment<'a>, v: &'a str) {
    let id = token(v.trim_start());
    if is_uuid(id) {
        s.lambda_request_id = Some(Cow::Borrowed(id));
    }
}
