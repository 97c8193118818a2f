//! API Gateway access-log records: any JSON format built from `$context` variables (keys matched by their
//! common spellings; `"-"` means null; numbers arrive as strings) and the CLF preset.
//!
//! Access logs carry evidence execution logs never show (WAF blocks, missing authentication tokens) and a
//! completion status for every request, and, for streamed responses, how the stream ended (`stream.rs`).

mod stream;
pub use stream::MAX_STREAM_MS;

use std::borrow::Cow;

use serde_json::Value;

use super::Builder;
use super::text::{is_uuid, status_code, trace_id};
use crate::decode::LogEvent;
use crate::evidence;
use crate::fragment::{ApiFragment, LineSource};
use crate::reason::{EvidenceSet, FailureReason};

/// What a line turned out to be.
pub(super) enum Outcome {
    /// An access-log record, applied.
    Parsed,
    /// Shaped like an access-log record but without a request ID.
    NoRequestId,
    /// Not an access-log record.
    NotAccessLog,
}

/// The `$context` variables this parser uses, each with the key spellings seen in real formats. Keys are
/// compared after dropping everything but ASCII letters and digits and lowercasing (`error.responseType`,
/// `error_responseType` and `errorResponseType` are one key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    RequestId,
    ExtendedRequestId,
    ApiId,
    Stage,
    Method,
    ResourcePath,
    RouteKey,
    ConnectionId,
    EventType,
    Status,
    IntegrationLatency,
    ResponseLatency,
    LambdaRequestId,
    BackendStatus,
    IntegrationServiceStatus,
    ErrorResponseType,
    ErrorMessage,
    IntegrationError,
    AuthorizerError,
    WafResponseCode,
    XrayTraceId,
    ResponseTransferMode,
    TimeToAllHeaders,
    TimeToFirstContent,
}

fn field_of(raw_key: &str) -> Option<Field> {
    // `$context.integration.status` (the function's own status) and `$context.integrationStatus` (the Lambda
    // service's) collapse to the same letters; the dotted/underscored spelling names the former.
    let lower = raw_key.to_ascii_lowercase();
    if matches!(lower.as_str(), "integration.status" | "integration_status") {
        return Some(Field::BackendStatus);
    }
    let key: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    let key = key.strip_prefix("context").unwrap_or(&key);
    Some(match key {
        "requestid" | "reqid" => Field::RequestId,
        "extendedrequestid" | "apigwrequestid" => Field::ExtendedRequestId,
        "apiid" | "restapiid" => Field::ApiId,
        "stage" | "stagename" => Field::Stage,
        "httpmethod" | "method" => Field::Method,
        "resourcepath" | "resource" => Field::ResourcePath,
        "routekey" | "route" => Field::RouteKey,
        "connectionid" => Field::ConnectionId,
        "eventtype" => Field::EventType,
        "status" | "statuscode" | "httpstatus" | "httpstatuscode" | "responsestatus" => Field::Status,
        "integrationlatency" => Field::IntegrationLatency,
        "responselatency" | "latency" => Field::ResponseLatency,
        "integrationrequestid" | "awsendpointrequestid" | "lambdarequestid" => Field::LambdaRequestId,
        "integrationintegrationstatus" | "integrationstatus" => Field::IntegrationServiceStatus,
        "errorresponsetype" | "responsetype" | "gatewayresponsetype" => Field::ErrorResponseType,
        "errormessage" | "errormessagestring" | "error" => Field::ErrorMessage,
        "integrationerror" | "integrationerrormessage" => Field::IntegrationError,
        "authorizererror" | "authorizeerror" | "authenticateerror" => Field::AuthorizerError,
        "wafresponsecode" => Field::WafResponseCode,
        "xraytraceid" | "traceid" => Field::XrayTraceId,
        "integrationresponsetransfermode" | "responsetransfermode" => Field::ResponseTransferMode,
        "integrationtimetoallheaders" | "timetoallheaders" => Field::TimeToAllHeaders,
        "integrationtimetofirstcontent" | "timetofirstcontent" => Field::TimeToFirstContent,
        _ => return None,
    })
}

impl Field {
    /// Stable name, for [`field_read_from_key`].
    const fn name(self) -> &'static str {
        match self {
            Self::RequestId => "request_id",
            Self::ExtendedRequestId => "extended_request_id",
            Self::ApiId => "api_id",
            Self::Stage => "stage",
            Self::Method => "method",
            Self::ResourcePath => "resource_path",
            Self::RouteKey => "route_key",
            Self::ConnectionId => "connection_id",
            Self::EventType => "event_type",
            Self::Status => "status",
            Self::IntegrationLatency => "integration_latency",
            Self::ResponseLatency => "response_latency",
            Self::LambdaRequestId => "lambda_request_id",
            Self::BackendStatus => "backend_status",
            Self::IntegrationServiceStatus => "integration_service_status",
            Self::ErrorResponseType => "error_response_type",
            Self::ErrorMessage => "error_message",
            Self::IntegrationError => "integration_error",
            Self::AuthorizerError => "authorizer_error",
            Self::WafResponseCode => "waf_response_code",
            Self::XrayTraceId => "xray_trace_id",
            Self::ResponseTransferMode => "response_transfer_mode",
            Self::TimeToAllHeaders => "time_to_all_headers",
            Self::TimeToFirstContent => "time_to_first_content",
        }
    }
}

/// What the parser reads a JSON access-log key as (`"integration.requestId"` → `Some("lambda_request_id")`),
/// `None` for keys it ignores. `doctor` judges a stage's access-log format by these very rules.
pub fn field_read_from_key(key: &str) -> Option<&'static str> {
    field_of(key).map(Field::name)
}

/// A JSON value as text; `"-"`, empty strings and nulls are unknown.
fn text_of(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) if s != "-" && !s.is_empty() => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// Applies one line if it is an access-log record.
pub(super) fn parse_event<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) -> Outcome {
    if msg.starts_with('{') {
        let map = serde_json::from_str::<serde_json::Map<String, Value>>(msg)
            .ok()
            .or_else(|| serde_json::from_str(&quote_bare_dashes(msg)?).ok());
        return match map {
            Some(map) => apply_json(b, ev, msg, &map),
            None => Outcome::NotAccessLog,
        };
    }
    match clf(msg) {
        Some(rec) => {
            let i = begin(b, ev, msg, rec.request_id);
            let redactor = b.redactor;
            let s = &mut b.out.api[i];
            s.method.get_or_insert_with(|| redactor.redact(rec.method));
            s.resource_path.get_or_insert_with(|| redactor.redact(rec.path));
            complete(s, rec.status, ev.timestamp);
            Outcome::Parsed
        }
        None => Outcome::NotAccessLog,
    }
}

fn begin<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str, id: &'a str) -> usize {
    b.out.stats.access_lines += 1;
    // Access records are redacted by names and shapes.
    let line = b.line(ev, LineSource::Access, || b.redact(msg));
    let i = b.api(id);
    let s = &mut b.out.api[i];
    s.core.touch(ev.timestamp);
    if let Some(line) = line {
        s.core.push_line(line);
    }
    i
}

fn complete(s: &mut ApiFragment<'_>, status: Option<u16>, ts: i64) {
    if let Some(st) = status {
        s.status = Some(st);
        s.complete = true;
        s.completed_ms.get_or_insert(ts);
        s.completed_by.get_or_insert(LineSource::Access);
    }
}

fn apply_json<'a>(
    b: &mut Builder<'a, '_>,
    ev: &'a LogEvent<'_>,
    msg: &'a str,
    map: &serde_json::Map<String, Value>,
) -> Outcome {
    let mut fields: Vec<(Field, Cow<'_, str>)> = Vec::with_capacity(map.len());
    for (k, v) in map {
        if let Value::Object(inner) = v {
            // Nested formats (`{"error":{"message":…},"integration":{"requestId":…}}`): `outer.inner`, or the
            // inner key alone where it repeats the outer name (`"error":{"errorMessage":…}`), never an inner
            // key of another context (`"authorizer":{"requestId":…}` is not the request's ID).
            for (ik, iv) in inner {
                let f = field_of(&format!("{k}.{ik}")).or_else(|| {
                    let repeats = ik.to_ascii_lowercase().starts_with(&k.to_ascii_lowercase());
                    field_of(ik).filter(|_| repeats)
                });
                if let (Some(f), Some(t)) = (f, text_of(iv)) {
                    fields.push((f, t));
                }
            }
        } else if let (Some(f), Some(t)) = (field_of(k), text_of(v)) {
            fields.push((f, t));
        }
    }
    let get = |f: Field| fields.iter().find(|(g, _)| *g == f).map(|(_, t)| t.as_ref());
    // The batch's maps are keyed by slices of the message, so find the ID's bytes in it (IDs need no escaping).
    let id = get(Field::RequestId)
        .filter(|id| *id != "UUID_REPLACED_INVALID_REQUEST_ID")
        .or_else(|| get(Field::ExtendedRequestId))
        .and_then(|id| memchr::memmem::find(msg.as_bytes(), id.as_bytes()).map(|i| &msg[i..i + id.len()]));
    let Some(id) = id else {
        return if get(Field::Status).is_some() {
            Outcome::NoRequestId
        } else {
            Outcome::NotAccessLog
        };
    };
    let ts = ev.timestamp;
    let i = begin(b, ev, msg, id);
    let redactor = b.redactor;
    let s = &mut b.out.api[i];
    let owned = |f: Field| get(f).map(|t| redactor.redact(t).into_owned());
    if s.extended_request_id.is_none() {
        s.extended_request_id = owned(Field::ExtendedRequestId).filter(|e| e != id);
    }
    fill(&mut s.api_id, owned(Field::ApiId));
    fill(&mut s.stage, owned(Field::Stage));
    fill(&mut s.method, owned(Field::Method));
    fill(&mut s.resource_path, owned(Field::ResourcePath));
    fill(&mut s.route_key, owned(Field::RouteKey));
    fill(&mut s.connection_id, owned(Field::ConnectionId));
    fill(&mut s.event_type, owned(Field::EventType));
    if s.resource_path.is_none() {
        // HTTP API route keys are `GET /items/{id}`; WebSocket ones (`$connect`, `sendMessage`) are routes.
        match get(Field::RouteKey).map(|r| r.split_once(' ')) {
            Some(Some((m, p))) => {
                fill(&mut s.method, Some(redactor.redact(m).into_owned()));
                s.resource_path = Some(redactor.redact(p).into_owned());
            }
            Some(None) => s.resource_path = owned(Field::RouteKey),
            None => {}
        }
    }
    fill(
        &mut s.integration_latency_ms,
        get(Field::IntegrationLatency).and_then(|v| v.parse().ok()),
    );
    fill(
        &mut s.response_latency_ms,
        get(Field::ResponseLatency).and_then(|v| v.parse().ok()),
    );
    if let Some(l) = get(Field::LambdaRequestId).filter(|l| is_uuid(l)) {
        s.lambda_request_id.get_or_insert(Cow::Owned(l.to_string()));
    }
    // HTTP APIs quote the function's failure (`The Lambda function returned the following error: RequestId:
    // <uuid> Error: …`), but what follows `error: ` is the function's error message, which can spell any ID:
    // only `integration.requestId` joins.
    fill(&mut s.backend_status, get(Field::BackendStatus).and_then(status_code));
    fill(
        &mut s.integration_status,
        get(Field::IntegrationServiceStatus).and_then(status_code),
    );
    if let Some(t) = get(Field::XrayTraceId).and_then(trace_id) {
        s.xray_trace_id.get_or_insert_with(|| redactor.redact(t).into_owned());
    }
    let streamed = get(Field::ResponseTransferMode).and_then(stream::is_streamed);
    fill(&mut s.streamed, streamed);
    let ms = |f: Field| get(f).and_then(|v| v.parse::<u64>().ok());
    fill(&mut s.time_to_all_headers_ms, ms(Field::TimeToAllHeaders));
    fill(&mut s.time_to_first_content_ms, ms(Field::TimeToFirstContent));
    let status = get(Field::Status).and_then(status_code);
    complete(s, status, ts);

    // Evidence: the gateway response type, WAF's verdict, and the failure text the execution log would show.
    let mut found = EvidenceSet::default();
    if let Some(r) = get(Field::ErrorResponseType).and_then(FailureReason::from_gateway_response_type) {
        found.insert(r);
    }
    if get(Field::WafResponseCode) == Some("WAF_BLOCK") {
        found.insert(FailureReason::WafBlocked);
    }
    for f in [Field::ErrorMessage, Field::IntegrationError, Field::AuthorizerError] {
        if let Some(t) = get(f) {
            evidence::scan(t, |p| {
                if let Some(r) = evidence::resolve(p, false) {
                    found.insert(r);
                }
            });
        }
    }
    if streamed == Some(true) {
        stream::refine(
            &mut found,
            stream::Timing::of(&get, status),
            stream::failure_logged(&get),
        );
    }
    if !found.is_empty() {
        // The detail is the failure text itself (what the execution log would have said), not the whole record;
        // a streamed record's timings say when the stream ended.
        let stream_parts = if streamed == Some(true) { stream::DETAIL } else { &[] };
        let parts: Vec<String> = [
            (Field::ErrorResponseType, "error.responseType"),
            (Field::ErrorMessage, "error.message"),
            (Field::IntegrationError, "integration.error"),
            (Field::AuthorizerError, "authorizer.error"),
            (Field::WafResponseCode, "wafResponseCode"),
        ]
        .iter()
        .chain(stream_parts)
        .filter_map(|(f, name)| get(*f).map(|v| format!("{name}={v}")))
        .collect();
        let detail = redactor.redact_owned(parts.join("; "));
        for r in found.iter() {
            s.core.add_evidence(r, ts, detail.clone());
        }
    }
    Outcome::Parsed
}

/// Formats that leave numbers unquoted (`"status":$context.status`, as some vendors recommend) print a
/// bare `-` where a value is missing, which is not JSON. Returns the record with those dashes quoted, or
/// `None` when there are none.
fn quote_bare_dashes(msg: &str) -> Option<String> {
    let mut out = String::with_capacity(msg.len() + 8);
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    let bytes = msg.as_bytes();
    for (i, c) in msg.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            out.push(c);
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == '-' {
            let prev = msg[..i].trim_end().bytes().last();
            let next = msg[i + 1..].trim_start().bytes().next();
            let digit_follows = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if matches!(prev, Some(b':' | b'[' | b',')) && matches!(next, Some(b',' | b'}' | b']')) && !digit_follows {
                out.push_str("\"-\"");
                changed = true;
                continue;
            }
        }
        out.push(c);
    }
    changed.then_some(out)
}

fn fill<T>(slot: &mut Option<T>, v: Option<T>) {
    if slot.is_none() {
        *slot = v;
    }
}

/// A CLF-preset record: `ip caller user [time] "METHOD path protocol" status length requestId`.
struct Clf<'a> {
    method: &'a str,
    path: &'a str,
    status: Option<u16>,
    request_id: &'a str,
}

fn clf(msg: &str) -> Option<Clf<'_>> {
    let open = msg.find(" [")?;
    let close = open + msg[open..].find("] \"")?;
    let rest = &msg[close + 3..];
    let quote = rest.find('"')?;
    let mut req = rest[..quote].split(' ');
    let (method, path) = (req.next()?, req.next()?);
    let mut tail = rest[quote + 1..].split_ascii_whitespace();
    let status = tail.next().and_then(status_code);
    let _length = tail.next()?;
    let request_id = tail.next()?;
    let plausible_method = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
    let plausible_id = request_id.len() <= 64
        && request_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'=' | b'_' | b'+' | b'/'));
    (plausible_method && plausible_id && status.is_some()).then_some(Clf {
        method,
        path,
        status,
        request_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_spellings_map_to_the_same_variable() {
        for k in [
            "error.responseType",
            "error_responseType",
            "errorResponseType",
            "responseType",
        ] {
            assert_eq!(field_of(k), Some(Field::ErrorResponseType), "{k}");
        }
        assert_eq!(field_of("integration.status"), Some(Field::BackendStatus));
        assert_eq!(field_of("integrationStatus"), Some(Field::IntegrationServiceStatus));
        assert_eq!(
            field_of("integration.integrationStatus"),
            Some(Field::IntegrationServiceStatus)
        );
        assert_eq!(field_of("awsEndpointRequestId"), Some(Field::LambdaRequestId));
        assert_eq!(field_of("ip"), None);
    }

    #[test]
    fn clf_preset_records_parse() {
        let line = r#"203.0.113.9 - - [21/Nov/2025:12:00:01 +0000] "GET /generate-data HTTP/1.1" 502 36 0d4a1b8e-3c2f-4e5a-9b7c-1d2e3f4a5b6c"#;
        let r = clf(line).unwrap();
        assert_eq!((r.method, r.path, r.status), ("GET", "/generate-data", Some(502)));
        assert_eq!(r.request_id, "0d4a1b8e-3c2f-4e5a-9b7c-1d2e3f4a5b6c");
        assert!(clf("just some text [x] \"y\"").is_none());
    }
}
