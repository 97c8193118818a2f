//! The API Gateway request a function's own log names: the join when the stage logs at ERROR or not at all
//! (`docs/log-formats.md` §6). Three conventions: a logged proxy event (`requestContext.requestId`, as JSON, as
//! JSON inside a JSON log record's message, or as a Python dict), Powertools' `correlation_id` (set from
//! `requestContext.requestId`), and the `[APIG: <requestId>]` prefix of a mapping-template convention.
//!
//! Each is read from the structure it is written in, never found as a substring: the event is parsed, and
//! only its own top-level `requestContext.requestId` counts, so a header or body value that spells
//! `"requestContext": {"requestId": …}` is a string inside the event and names nothing.
//!
//! What the function says is a hint, not an identity (§9): it makes a lookup by either ID reach the other,
//! labelled as the function's claim, and never changes the API request's evidence.

use memchr::memmem;
use serde_json::Value;

use super::fields::node_fields;
use super::text::python_fields;
use crate::parse::text::is_uuid;

/// A logged event longer than this is not parsed for its request ID (a proxy event is a few KB; its body
/// is at most API Gateway's 10 MB payload, which is not worth parsing for a hint).
const MAX_EVENT_BYTES: usize = 64 * 1024;

/// A value API Gateway uses as `$context.requestId`: a UUID (REST) or the 16-character base64 form of HTTP
/// and WebSocket APIs (`KyDfdgZ9oAMEYpA=`).
fn api_request_id_shaped(id: &str) -> bool {
    is_uuid(id)
        || (id.len() == 16
            && id.ends_with('=')
            && id[..15]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/')))
}

/// The application message of a line: after the runtime's prefix (Node.js, Python), or the line itself.
fn app_message(msg: &str) -> &str {
    node_fields(msg)
        .or_else(|| python_fields(msg))
        .map_or(msg, |(_, rest)| rest)
}

/// The logged event in `text`: the JSON (or Python dict) object that starts at its first `{` and ends the
/// text (`event={…}`, `Received event: {…}`), parsed; `None` unless all of it parses.
fn event_object(text: &str) -> Option<Value> {
    let text = text.trim_end();
    let start = text.find('{')?;
    let object = &text[start..];
    if object.len() > MAX_EVENT_BYTES || !object.ends_with('}') {
        return None;
    }
    serde_json::from_str(object)
        .ok()
        .or_else(|| serde_json::from_str(&python_to_json(object)?).ok())
        .filter(Value::is_object)
}

/// `requestContext.requestId` of an event object, at its top level only.
fn context_request_id(event: &Value) -> Option<&str> {
    event.get("requestContext")?.get("requestId")?.as_str()
}

/// `id` as a slice of `msg` (the batch's maps key by borrowed text); IDs need no JSON unescaping.
fn in_line<'a>(msg: &'a str, id: &str) -> Option<&'a str> {
    if !api_request_id_shaped(id) {
        return None;
    }
    memmem::find(msg.as_bytes(), id.as_bytes()).map(|i| &msg[i..i + id.len()])
}

/// The API request ID a Lambda log line names, if it names one in a known convention.
pub(in crate::parse) fn api_request_id_hint(msg: &str) -> Option<&str> {
    let bytes = msg.as_bytes();
    let context = memmem::find(bytes, b"requestContext").is_some();
    let correlation = memmem::find(bytes, b"correlation_id").is_some();
    let apig = memmem::find(bytes, b"[APIG: ").is_some();
    if !(context || correlation || apig) {
        return None;
    }
    // A JSON log record: Powertools' top-level `correlation_id`, or an event as its message (an object, or
    // a string holding the event's JSON).
    if msg.starts_with('{')
        && let Ok(Value::Object(record)) = serde_json::from_str::<Value>(msg)
    {
        if let Some(id) = record.get("correlation_id").and_then(Value::as_str) {
            return in_line(msg, id);
        }
        let id = match record.get("message") {
            Some(Value::String(m)) => m
                .strip_prefix("[APIG: ")
                .and_then(|r| r.split_once(']'))
                .map(|(id, _)| id.to_string())
                .or_else(|| {
                    event_object(m)
                        .as_ref()
                        .and_then(context_request_id)
                        .map(str::to_string)
                }),
            Some(m @ Value::Object(_)) => context_request_id(m).map(str::to_string),
            _ => None,
        };
        return id.and_then(|id| in_line(msg, &id));
    }
    let text = app_message(msg);
    if let Some(rest) = text.strip_prefix("[APIG: ") {
        return in_line(msg, &rest[..rest.find(']')?]);
    }
    let event = event_object(text)?;
    in_line(msg, context_request_id(&event)?)
}

/// A Python `repr` of a dict (`{'a': 'b', 'c': True, 'd': None}`) as JSON text, for `serde_json`; `None`
/// for anything it cannot be (an unterminated string).
fn python_to_json(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut value = String::new();
                loop {
                    let (_, ch) = chars.next()?;
                    match ch {
                        '\\' => {
                            let (_, esc) = chars.next()?;
                            value.push(match esc {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => other,
                            });
                        }
                        ch if ch == c => break,
                        ch => value.push(ch),
                    }
                }
                out.push_str(&serde_json::to_string(&value).ok()?);
            }
            _ if c.is_ascii_alphabetic() => {
                let word_end = text[i..]
                    .find(|ch: char| !ch.is_ascii_alphanumeric())
                    .map_or(text.len(), |e| i + e);
                let word = &text[i..word_end];
                out.push_str(match word {
                    "True" => "true",
                    "False" => "false",
                    "None" => "null",
                    other => other,
                });
                while chars.peek().is_some_and(|&(j, _)| j < word_end) {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_convention_names_the_api_request() {
        let cases = [
            // Powertools for AWS Lambda (Python), correlation_id_path=API_GATEWAY_REST: its PR's demo output
            (
                r#"{ "level":"INFO", "location":"handler:450", "message":"My message", "timestamp":"2021-03-09 15:12:32,652", "service":"81shAbHB2IPQTex", "cold_start":true, "function_name":"test", "function_request_id":"52fdfc07-2182-154f-163f-5f0f9a621d72", "correlation_id":"13B398ED-FABA-4D50-A4A1-6CD39BDA85E5" }"#,
                "13B398ED-FABA-4D50-A4A1-6CD39BDA85E5",
            ),
            // A Python function printing an HTTP API (payload v2) event (a 2020 issue's CloudWatch paste)
            (
                "[INFO]\t2020-09-10T08:42:44.869Z\t5aa80e1f-25fb-4d7b-b142-33474c527a74\tevent={'version': '2.0', 'routeKey': 'GET /echo-test', 'requestContext': {'accountId': '342872205792', 'apiId': '66j88og9x3', 'authorizer': {'lambda': {'exampleKey': 'exampleValue'}}, 'requestId': 'SpEIxi9MoAMEMXw=', 'routeKey': 'GET /echo-test', 'stage': 'dev'}, 'isBase64Encoded': False}",
                "SpEIxi9MoAMEMXw=",
            ),
            // A REST proxy event logged as JSON by Node.js (console.log(JSON.stringify(event)))
            (
                "2025-11-21T12:00:00.100Z\t0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd\tINFO\t{\"resource\":\"/orders\",\"requestContext\":{\"resourceId\":\"abc123\",\"extendedRequestId\":\"IFdKeFotgEO7LkJ=\",\"requestId\":\"9a8b7c6d-1111-4222-8333-444455556666\",\"apiId\":\"a1b2c3d4e5\"}}",
                "9a8b7c6d-1111-4222-8333-444455556666",
            ),
            // The same event inside a JSON-format log record's message (escaped)
            (
                r#"{"timestamp":"2025-11-21T12:00:00.100Z","level":"INFO","requestId":"0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd","message":"{\"requestContext\":{\"requestId\":\"9a8b7c6d-1111-4222-8333-444455556666\"}}"}"#,
                "9a8b7c6d-1111-4222-8333-444455556666",
            ),
            // "Tracing API Gateway requests through Lambda in AWS" (2017): '[APIG: {}] {}'.format(request_id, msg)
            (
                "[DEBUG]\t2017-06-05T13:57:47.369Z\t0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd\t[APIG: 9a8b7c6d-1111-4222-8333-444455556666] fetching order",
                "9a8b7c6d-1111-4222-8333-444455556666",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(api_request_id_hint(line), Some(want), "{line}");
        }
    }

    #[test]
    fn other_ids_are_not_taken_for_an_api_request() {
        for line in [
            // An ALB correlation path gives a trace ID, not a request ID
            r#"{"level":"INFO","message":"x","correlation_id":"Root=1-5f59e704-ef643d104323e541d43af53f"}"#,
            // extendedRequestId is not requestId
            r#"{"requestContext":{"extendedRequestId":"IFdKeFotgEO7LkJ="}}"#,
            "[APIG: not-an-id] hello",
            "START RequestId: 0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd Version: $LATEST",
            // Text that spells the convention inside a value of the event names nothing.
            r#"2025-11-21T12:00:00.100Z	0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd	INFO	{"headers":{"x-note":"\"requestContext\": {\"requestId\": \"9a8b7c6d-1111-4222-8333-444455556666\"}"}}"#,
            r#"[INFO]	2020-09-10T08:42:44.869Z	5aa80e1f-25fb-4d7b-b142-33474c527a74	{'body': "{'requestContext': {'requestId': 'SpEIxi9MoAMEMXw='}}"}"#,
            r#"{"level":"INFO","requestId":"0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd","message":"hello","detail":{"correlation_id_was":"13B398ED-FABA-4D50-A4A1-6CD39BDA85E5"}}"#,
            "[INFO]\t2017-06-05T13:57:47.369Z\t0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd\tfetching [APIG: 9a8b7c6d-1111-4222-8333-444455556666]",
        ] {
            assert_eq!(api_request_id_hint(line), None, "{line}");
        }
    }
}
