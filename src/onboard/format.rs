//! The recommended access-log format of each API type, defined once (used by `setup-logging`, the demo
//! stage in `template.yaml` and `docs/deploy.md`, which tests compare with these), and the check `doctor`
//! runs on a stage's own format: does every field the parser needs arrive under a key the parser reads?
//!
//! Key spellings are the parser's (`src/parse/access.rs`); the variables are API Gateway's `$context`
//! variables for each API type (developer guide: "Variables for access logging" for REST, "Customize HTTP
//! API access logs", "Configure logging for WebSocket APIs"; `docs/log-formats.md` §4).

use crate::parse::field_read_from_key;
use crate::ports::ApiType;

/// REST APIs: the demo stage's format. Execution logs carry most evidence; the access log adds the gateway
/// response type, WAF's verdict and the completion of requests that never reach the execution log.
pub const REST_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","#,
    r#""apiId":"$context.apiId","stage":"$context.stage","httpMethod":"$context.httpMethod","#,
    r#""resourcePath":"$context.resourcePath","status":"$context.status","#,
    r#""integrationLatency":"$context.integration.latency","responseLatency":"$context.responseLatency","#,
    r#""integration.requestId":"$context.integration.requestId","integration.status":"$context.integration.status","#,
    r#""integrationStatus":"$context.integrationStatus","error.message":"$context.error.message","#,
    r#""error.responseType":"$context.error.responseType","integrationErrorMessage":"$context.integrationErrorMessage","#,
    r#""xrayTraceId":"$context.xrayTraceId","wafResponseCode":"$context.wafResponseCode","#,
    r#""requestTime":"$context.requestTime","requestTimeEpoch":"$context.requestTimeEpoch"}"#,
);

/// HTTP APIs write no execution log: this record is all the indexer sees. The console's JSON preset has no
/// error fields; `integrationErrorMessage` and `integration.error` are what AWS's troubleshooting guide adds.
pub const HTTP_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","apiId":"$context.apiId","stage":"$context.stage","#,
    r#""routeKey":"$context.routeKey","status":"$context.status","responseLatency":"$context.responseLatency","#,
    r#""integrationLatency":"$context.integration.latency","integration.requestId":"$context.integration.requestId","#,
    r#""integration.status":"$context.integration.status","#,
    r#""integration.integrationStatus":"$context.integration.integrationStatus","#,
    r#""integration.error":"$context.integration.error","integrationErrorMessage":"$context.integrationErrorMessage","#,
    r#""error.message":"$context.error.message","error.responseType":"$context.error.responseType","#,
    r#""requestTime":"$context.requestTime","requestTimeEpoch":"$context.requestTimeEpoch"}"#,
);

/// WebSocket APIs: `requestId` equals `extendedRequestId`; `connectionId`, `eventType` and `routeKey`
/// identify the call (kept for readers of the log; the parser does not need them).
pub const WEBSOCKET_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","apiId":"$context.apiId","stage":"$context.stage","#,
    r#""routeKey":"$context.routeKey","eventType":"$context.eventType","connectionId":"$context.connectionId","#,
    r#""status":"$context.status","integrationLatency":"$context.integration.latency","#,
    r#""integration.requestId":"$context.integration.requestId","integration.status":"$context.integration.status","#,
    r#""integrationStatus":"$context.integrationStatus","integrationErrorMessage":"$context.integrationErrorMessage","#,
    r#""error.message":"$context.error.message","error.responseType":"$context.error.responseType","#,
    r#""requestTimeEpoch":"$context.requestTimeEpoch"}"#,
);

/// The recommended format for an API type.
pub const fn recommended(api_type: ApiType) -> &'static str {
    match api_type {
        ApiType::Rest => REST_FORMAT,
        ApiType::Http => HTTP_FORMAT,
        ApiType::WebSocket => WEBSOCKET_FORMAT,
    }
}

/// A field the indexer needs from the access log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The parser's name for it ([`field_read_from_key`]).
    pub field: &'static str,
    /// The `$context` variable that provides it.
    pub variable: &'static str,
    /// What the indexer does with it.
    pub why: &'static str,
}

const NEEDS: [Need; 7] = [
    Need {
        field: "request_id",
        variable: "$context.requestId",
        why: "the index key",
    },
    Need {
        field: "status",
        variable: "$context.status",
        why: "the request's completion",
    },
    Need {
        field: "api_id",
        variable: "$context.apiId",
        why: "the ApiId metric dimension",
    },
    Need {
        field: "stage",
        variable: "$context.stage",
        why: "the Stage metric dimension",
    },
    Need {
        field: "lambda_request_id",
        variable: "$context.integration.requestId",
        why: "the join to the Lambda invocation",
    },
    Need {
        field: "error_response_type",
        variable: "$context.error.responseType",
        why: "the gateway response type",
    },
    Need {
        field: "integration_error",
        variable: "$context.integrationErrorMessage",
        why: "the integration's failure text",
    },
];

/// What a stage's access-log format lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatCheck {
    /// Every needed field arrives under a key the parser reads.
    Complete,
    /// A JSON format without these fields (or with them under keys the parser does not read).
    Missing(Vec<Need>),
    /// Not a JSON object (CLF, XML, or custom text): the parser reads only request ID, method, path and
    /// status from the CLF preset.
    NotJson,
}

/// Checks a format against what the indexer needs (the same for every API type: the error fields are where
/// the failure reason comes from when execution logs are off or absent).
pub fn check(format: &str) -> FormatCheck {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&render(format)) else {
        return FormatCheck::NotJson;
    };
    let read: Vec<&str> = map.keys().filter_map(|k| field_read_from_key(k)).collect();
    let missing: Vec<Need> = NEEDS.iter().filter(|n| !read.contains(&n.field)).copied().collect();
    if missing.is_empty() {
        FormatCheck::Complete
    } else {
        FormatCheck::Missing(missing)
    }
}

/// The format as one record would look: every `$context.x` replaced by `0`, which is valid JSON whether
/// the variable stands inside quotes or, for numbers, without them.
fn render(format: &str) -> String {
    const VAR: &str = "$context.";
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(i) = rest.find(VAR) {
        out.push_str(&rest[..i]);
        let after = &rest[i + VAR.len()..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(after.len());
        // A trailing dot is punctuation, not part of the variable.
        let len = after[..len].trim_end_matches('.').len();
        out.push('0');
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recommended_format_is_complete() {
        for t in [ApiType::Rest, ApiType::Http, ApiType::WebSocket] {
            assert_eq!(check(recommended(t)), FormatCheck::Complete, "{t:?}");
            assert!(recommended(t).starts_with('{') && recommended(t).ends_with('}'));
        }
    }

    #[test]
    fn formats_are_judged_by_the_keys_the_parser_reads() {
        // The HTTP console's JSON preset (no error fields, no integration request ID).
        let preset = r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#;
        let FormatCheck::Missing(missing) = check(preset) else {
            panic!("the preset lacks fields")
        };
        let vars: Vec<&str> = missing.iter().map(|n| n.variable).collect();
        assert_eq!(
            vars,
            [
                "$context.apiId",
                "$context.stage",
                "$context.integration.requestId",
                "$context.error.responseType",
                "$context.integrationErrorMessage"
            ]
        );
        // Unquoted numbers and other spellings of the same keys.
        let spelled = r#"{"reqId":"$context.requestId","statusCode":$context.status,"restApiId":"$context.apiId","stageName":"$context.stage","awsEndpointRequestId":"$context.awsEndpointRequestId","responseType":"$context.error.responseType","integrationError":"$context.integration.error"}"#;
        assert_eq!(check(spelled), FormatCheck::Complete);
        let clf = r#"$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId"#;
        assert_eq!(check(clf), FormatCheck::NotJson);
    }
}
