//! The API Gateway request a function's own log names: the join when the stage logs at ERROR or not at all
//! (`docs/log-formats.md` §6). Three conventions: a logged proxy event (`requestContext.requestId`, as JSON, as
//! JSON escaped inside a JSON log record, or as a Python dict), Powertools' `correlation_id` (set from
//! `requestContext.requestId`), and the `[APIG: <requestId>]` prefix of a mapping-template convention.
//!
//! What the function says is a hint, not an identity (§9): it makes a lookup by either ID reach the other,
//! labelled as the function's claim, and never changes the API request's evidence.

use memchr::memmem;

use crate::parse::text::is_uuid;

/// How far after `requestContext` its `requestId` may be (a proxy event's context is a few KB at most).
const MAX_CONTEXT_SPAN: usize = 4096;

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

/// The value of key `key` at `text[at..]`: `key` followed by its closing quote (`"`, `'` or `\"`), a colon
/// and the quoted value, in JSON, escaped JSON or a Python dict.
fn quoted_value_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let i = memmem::find(text.as_bytes(), key.as_bytes())?;
    let rest = &text[i + key.len()..];
    let rest = rest.strip_prefix("\\\"").or_else(|| rest.strip_prefix(['"', '\'']))?;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix("\\\"").or_else(|| rest.strip_prefix(['"', '\'']))?;
    let end = rest.find(['"', '\'', '\\'])?;
    Some(&rest[..end])
}

/// The API request ID a Lambda log line names, if it names one in a known convention.
pub(in crate::parse) fn api_request_id_hint(msg: &str) -> Option<&str> {
    let bytes = msg.as_bytes();
    if let Some(i) = memmem::find(bytes, b"[APIG: ") {
        let rest = &msg[i + "[APIG: ".len()..];
        let id = &rest[..rest.find(']')?];
        return api_request_id_shaped(id).then_some(id);
    }
    if let Some(id) = quoted_value_after(msg, "correlation_id").filter(|id| api_request_id_shaped(id)) {
        return Some(id);
    }
    let i = memmem::find(bytes, b"requestContext")?;
    let mut end = (i + MAX_CONTEXT_SPAN).min(msg.len());
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    quoted_value_after(&msg[i..end], "requestId").filter(|id| api_request_id_shaped(id))
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
        ] {
            assert_eq!(api_request_id_hint(line), None, "{line}");
        }
    }
}
