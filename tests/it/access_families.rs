//! Access-log records as real formats write them: HTTP API (the console preset and "all variables"
//! formats), WebSocket, nested JSON, vendor formats with unquoted numbers, and REST failure fields. Key
//! spellings vary per format; the reason comes from the error fields, the status from the record, the
//! Lambda join from `integration.requestId` (or the Lambda request ID HTTP APIs quote in the error).

use crate::helpers::parse;

const GROUP: &str = "/aws/apigateway/orders-http-api-access-logs";

struct Case {
    source: &'static str,
    record: &'static str,
    id: &'static str,
    /// (status, failure reason or "null", Lambda request ID)
    want: (u64, &'static str, Option<&'static str>),
    /// (route key, event type, connection ID) where the record has them
    route: Option<(&'static str, Option<&'static str>, Option<&'static str>)>,
}

const CASES: &[Case] = &[
    Case {
        source: "an HTTP API authorizer proof of concept (2020-09-10), with its function's START/REPORT",
        record: r#"{"requestId": "SpEIxi9MoAMEMXw=", "ip": "165.73.110.75", "requestTime": "10/Sep/2020:08:42:44 +0000", "httpMethod": "GET", "routeKey": "GET /echo-test", "status": "200", "protocol": "HTTP/1.1", "responseLength": "20", "authzLatency": "-", "integrationLatency": "25", "integrationRequestId": "5aa80e1f-25fb-4d7b-b142-33474c527a74"}"#,
        id: "SpEIxi9MoAMEMXw=",
        want: (200, "null", Some("5aa80e1f-25fb-4d7b-b142-33474c527a74")),
        route: Some(("GET /echo-test", None, None)),
    },
    Case {
        source: "an HTTP API 'all variables' record (2025-05-18): the backend answered 401, no gateway error",
        record: r#"{"accountId": "825765427811", "apiId": "qi9k0zm7z8", "authorizer_error": "-", "awsEndpointRequestId": "88d54618-b7bc-445e-9bd2-d2eb1e8a2045", "error_message": "-", "error_messageString": "-", "error_responseType": "-", "extendedRequestId": "KyDfdgZ9oAMEYpA=", "httpMethod": "GET", "integration_error": "-", "integration_integrationStatus": "200", "integration_latency": "39", "integration_status": "401", "integrationErrorMessage": "-", "requestId": "KyDfdgZ9oAMEYpA=", "requestTimeEpoch": "1747602530", "responseLatency": "71", "routeKey": "GET /api/v1/users/me", "stage": "$default", "status": "401"}"#,
        id: "KyDfdgZ9oAMEYpA=",
        want: (401, "Backend4XX", Some("88d54618-b7bc-445e-9bd2-d2eb1e8a2045")),
        route: Some(("GET /api/v1/users/me", None, None)),
    },
    Case {
        source: "Dynatrace's API Gateway logs page: an HTTP API Lambda timeout (HTTP 500), quoted in integrationErrorMessage",
        record: r#"{"requestId": "Dzfa6gNrrks42Tw=", "httpMethod": "GET", "routeKey": "ANY /", "path": "/getStuff", "status": "500", "responseLatency": "5012", "integrationLatency": "5004", "errorMessage": "Internal Server Error", "integrationErrorMessage": "The Lambda function returned the following error: RequestId: 01fe3839-4974-40d5-960a-173fcb5ec786 Error: Task timed out after 5.00 seconds. Check your Lambda function code and try again."}"#,
        id: "Dzfa6gNrrks42Tw=",
        // The quoted `RequestId` follows `error: `, where a function's own error message goes: it joins
        // nothing (`docs/threat-model.md`); the record has no `integration.requestId`.
        want: (500, "LambdaTimeout", None),
        route: Some(("ANY /", None, None)),
    },
    Case {
        source: "a 2022 workshop's Logs Insights results (/aws/api_gw/evidence_api): an HTTP API function error",
        record: r#"{"httpMethod":"GET","integrationErrorMessage":"The Lambda function returned the following error: argument should be a bytes-like object or ASCII string, not 'NoneType'. Check your Lambda function code and try again.","protocol":"HTTP/1.1","requestId":"Vdn1pgs-oAMEVaA=","resourcePath":"-","routeKey":"ANY /","status":"500"}"#,
        id: "Vdn1pgs-oAMEVaA=",
        want: (500, "LambdaError", None),
        route: Some(("ANY /", None, None)),
    },
    Case {
        source: "elastic/integrations apigateway websocket test fixture (CONNECT answered 500)",
        record: r#"{"requestId":"Iq9gwFDNoAMFo1A=","ip":"1.128.0.0","caller":"-","user":"-","requestTime":"26/Jul/2023:12:20:46 +0000","eventType":"CONNECT","routeKey":"$connect","status":"500","connectionId":"Iq8gj1UmIAMCKpA=","apiId":"z1ctxygne5","stage":"production","domainName":"z1ctxygne5.execute-api.us-east-1.amazonaws.com"}"#,
        id: "Iq9gwFDNoAMFo1A=",
        want: (500, "Other5XX", None),
        route: Some(("$connect", Some("CONNECT"), Some("Iq8gj1UmIAMCKpA="))),
    },
    Case {
        source: "same fixture: a rejection before routing (UUID request ID, every WebSocket field '-')",
        record: r#"{"requestId": "177a5660-9b20-4614-b620-51dd4d56fb4c","ip": "1.128.0.0","caller": "-","user": "-","requestTime": "19/Jul/2023:16:17:17 +0000","eventType": "-","routeKey": "-","status": "403","connectionId": "-"}"#,
        id: "177a5660-9b20-4614-b620-51dd4d56fb4c",
        want: (403, "Other4XX", None),
        route: None,
    },
    Case {
        source: "Sumo Logic's sample access log message: TLS failure to an HTTP backend, logged as DEFAULT_5XX",
        record: r#"{"requestId": "bf04adbf-eacc-4601-8c14-94605f242e1a", "extendedRequestId": "Sca3bFUQgi0EYeA=", "status": "500", "routeKey": "-", "apiId": "9iljix61i7", "authorizeError": "-", "authorizerError": "-", "authenticateError": "-", "connectionId": "-", "errorMessage": "Internal server error", "errorResponseType": "DEFAULT_5XX", "eventType": "-", "integrationError": "Execution failed due to configuration error: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target", "integrationIntegrationStatus": "-", "integrationLatency": "258", "integrationRequestId": "-", "integrationStatus": "-", "requestTimeEpoch": "1706770069673", "stage": "test", "wafStatus": "200"}"#,
        id: "bf04adbf-eacc-4601-8c14-94605f242e1a",
        want: (500, "IntegrationNetworkError", None),
        route: None,
    },
    Case {
        source: "a rest-api-access-logs-transformer test (nested error/authorizer objects, httpStatusCode)",
        record: r#"{"requestId":"9be82ea4-d723-11ed-a76f-263563b74b58","accountId":"123456789012","httpStatusCode":"200","apiId":"yb628s4k9t","extendedRequestId":"Fkb1_JtoKANExCk=","httpMethod":"GET","resourcePath":"/v1/booking-service","stage":"main","responseLatency":"23","authorizer":{"principalId":"eca065fa-d723-11ed-96c7-263563b74b58","error":"-","latency":"0","requestId":"-","status":"200"},"authorize":{"error":"-","latency":"0","status":"200"},"error":{"errorMessage":"-","errorResponseType":"-"}}"#,
        id: "9be82ea4-d723-11ed-a76f-263563b74b58",
        want: (200, "null", None),
        route: None,
    },
    Case {
        source: "a nested format's failure: the error object names the gateway response",
        record: r#"{"requestId":"9be82ea4-d723-11ed-a76f-263563b74b59","httpStatusCode":"429","apiId":"yb628s4k9t","stage":"main","error":{"errorMessage":"Too Many Requests","errorResponseType":"THROTTLED"},"integration":{"requestId":"-","status":"-"}}"#,
        id: "9be82ea4-d723-11ed-a76f-263563b74b59",
        want: (429, "Throttled", None),
        route: None,
    },
    Case {
        source: "Datadog's recommended format (unquoted numbers, so a missing value is a bare '-')",
        record: r#"{"apiId":"a1b2c3d4e5","stage":"prod","requestId":"2c0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f","httpMethod":"GET","resourcePath":"/orders","status":504,"responseLatency":29012,"integrationLatency":-,"errorMessage":"Endpoint request timed out","errorResponseType":"INTEGRATION_TIMEOUT"}"#,
        id: "2c0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f",
        want: (504, "IntegrationTimeout", None),
        route: None,
    },
    Case {
        source: "DataBiosphere/azul PR #6624: INTEGRATION_FAILURE is Lambda throttling when integration.error says so",
        record: r#"{"requestId":"4d1e8a3b-0c2f-4e5a-9b7c-1d2e3f4a5b6c","apiId":"ccp122p730","stage":"prod","status":"500","error_message":"Internal server error","error_responseType":"INTEGRATION_FAILURE","integration_error":"Execution failed due to configuration error: Rate Exceeded.","awsEndpointRequestId":"-"}"#,
        id: "4d1e8a3b-0c2f-4e5a-9b7c-1d2e3f4a5b6c",
        want: (500, "LambdaThrottled", None),
        route: None,
    },
];

#[test]
fn every_access_log_family_gets_its_status_reason_join_and_route() {
    for case in CASES {
        let out = parse(GROUP, &[case.record]);
        let r = out.api(case.id);
        let got = (
            r["status"].as_u64().unwrap_or(0),
            r["failure_reason"].as_str().unwrap_or("null"),
            r["lambda_request_id"].as_str(),
        );
        assert_eq!(got, case.want, "{}: {r:#}", case.source);
        if let Some((route, event_type, connection)) = case.route {
            assert_eq!(
                (
                    r["route_key"].as_str(),
                    r["event_type"].as_str(),
                    r["connection_id"].as_str()
                ),
                (Some(route), event_type, connection),
                "{}",
                case.source
            );
        }
    }
}
