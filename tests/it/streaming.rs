//! REST response streaming (November 2025) in access logs: the new variables
//! (`$context.integration.responseTransferMode`, `timeToAllHeaders`, `timeToFirstContent`), a stream that
//! failed after its success status was sent, and the streaming timeouts told apart from the 29-second one.
//!
//! No real capture of a streamed request's access-log record was found (searched: AWS documentation,
//! public repositories and pages). Each record below is built from the variables and limits the API Gateway
//! Developer Guide documents ("Troubleshoot issues with response streaming in API Gateway": the variables
//! and `BUFFERED`/`STREAMED`; "Stream the integration response for your proxy integrations": 15 minutes,
//! idle timeouts of 5 minutes regional and 30 seconds edge-optimized), in the JSON format the guide's access
//! logging page recommends. The failure texts are the ones API Gateway logs for buffered requests
//! (docs/failure-reasons.md), since no streamed failure text is documented.

use crate::helpers::{event, parse_events};

const ACCESS: &str = "/aws/apigateway/chat-api-access";
const LAMBDA: &str = "/aws/lambda/chat-stream";

struct Case {
    what: &'static str,
    record: &'static str,
    /// (status, failure reason or "null")
    want: (u64, &'static str),
}

const CASES: &[Case] = &[
    Case {
        what: "a stream that completed: the variables are read, no reason",
        record: r#"{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a51","httpMethod":"POST","resourcePath":"/chat","status":"200","integration.responseTransferMode":"STREAMED","integration.timeToAllHeaders":"212","integration.timeToFirstContent":"388","integration.latency":"48120","error.message":"-","integration.error":"-"}"#,
        want: (200, "null"),
    },
    Case {
        what: "failed after its headers: the 200 was sent, then the integration failed",
        record: r#"{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a52","httpMethod":"POST","resourcePath":"/chat","status":"200","integration":{"responseTransferMode":"STREAMED","timeToAllHeaders":"190","timeToFirstContent":"402","latency":"9050","error":"Execution failed due to a network error"},"error":{"message":"Internal server error"}}"#,
        want: (200, "StreamInterrupted"),
    },
    Case {
        what: "no headers within the streaming integration timeout (10 minutes, beyond the 29-second limit)",
        record: r#"{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a53","httpMethod":"POST","resourcePath":"/report","status":"504","responseTransferMode":"STREAMED","timeToAllHeaders":"-","timeToFirstContent":"-","integrationLatency":"600012","error.responseType":"INTEGRATION_TIMEOUT","error.message":"Endpoint request timed out"}"#,
        want: (504, "StreamTimeout"),
    },
    Case {
        what: "headers sent, then nothing for the idle timeout (5 minutes, regional endpoint)",
        record: r#"{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a54","httpMethod":"GET","resourcePath":"/events","status":"200","responseTransferMode":"STREAMED","timeToAllHeaders":"95","timeToFirstContent":"130","integrationLatency":"312400","integration.error":"Execution failed due to a timeout error"}"#,
        want: (200, "StreamIdleTimeout"),
    },
    Case {
        what: "headers sent, streamed to the 15-minute limit",
        record: r#"{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a55","httpMethod":"GET","resourcePath":"/video","status":"200","responseTransferMode":"STREAMED","timeToAllHeaders":"80","timeToFirstContent":"81","integrationLatency":"900000","integration.error":"Execution failed due to a timeout error"}"#,
        want: (200, "StreamTimeout"),
    },
    Case {
        what: "the same timeout on a buffered integration stays the 29-second IntegrationTimeout",
        record: r#"{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a56","httpMethod":"GET","resourcePath":"/slow","status":"504","responseTransferMode":"BUFFERED","integrationLatency":"29001","error.responseType":"INTEGRATION_TIMEOUT","error.message":"Endpoint request timed out"}"#,
        want: (504, "IntegrationTimeout"),
    },
    Case {
        what: "a buffered success with error text keeps no reason (success has none)",
        record: r#"{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a57","httpMethod":"GET","resourcePath":"/ok","status":"200","responseTransferMode":"BUFFERED","integrationLatency":"31","error.message":"Internal server error"}"#,
        want: (200, "null"),
    },
];

#[test]
fn every_streamed_end_gets_its_status_and_reason() {
    for case in CASES {
        let out = parse_events(&[event(ACCESS, &[case.record])]);
        assert_eq!(out.api.len(), 1, "{}", case.what);
        let r = &out.api[0];
        let got = (
            r["status"].as_u64().unwrap_or(0),
            r["failure_reason"].as_str().unwrap_or("null"),
        );
        assert_eq!(got, case.want, "{}: {r}", case.what);
    }
}

#[test]
fn a_streamed_failure_says_when_the_stream_ended() {
    let out = parse_events(&[event(ACCESS, &[CASES[3].record])]);
    let detail = out.api[0]["failure_detail"].as_str().unwrap_or_default();
    for part in [
        "integration.error=Execution failed due to a timeout error",
        "integration.timeToAllHeaders=95",
        "integration.latency=312400",
    ] {
        assert!(detail.contains(part), "{part} in {detail}");
    }
}

/// The function timed out mid-stream (its REPORT says so) after API Gateway had sent the 200: the request
/// is a cut stream, and the function's own line is the detail. The same function on a buffered integration
/// would have made API Gateway answer 502; a buffered 200 keeps no reason.
#[test]
fn a_function_that_failed_mid_stream_cuts_the_joined_request() {
    let lambda_id = "5d1c9a8e-7b6f-4e3d-8c2b-1a0f9e8d7c6b";
    let access = |mode: &str| {
        format!(
            r#"{{"requestId":"8b0e2f6a-1c3d-4e5f-9a7b-0c1d2e3f4a58","status":"200","integration.requestId":"{lambda_id}","responseTransferMode":"{mode}","timeToAllHeaders":"120","integrationLatency":"30050"}}"#
        )
    };
    let function = [
        format!("START RequestId: {lambda_id} Version: $LATEST"),
        format!("{lambda_id} Task timed out after 30.03 seconds"),
        format!("END RequestId: {lambda_id}"),
        format!(
            "REPORT RequestId: {lambda_id}\tDuration: 30030.00 ms\tBilled Duration: 30000 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tStatus: timeout"
        ),
    ];
    let function: Vec<&str> = function.iter().map(String::as_str).collect();
    for (mode, want) in [("STREAMED", "StreamInterrupted"), ("BUFFERED", "null")] {
        let record = access(mode);
        let out = parse_events(&[event(ACCESS, &[&record]), event(LAMBDA, &function)]);
        let r = &out.api[0];
        assert_eq!(r["failure_reason"].as_str().unwrap_or("null"), want, "{mode}: {r}");
        assert_eq!(out.lambda[0]["failure_reason"], "LambdaTimeout", "{mode}");
        if mode == "STREAMED" {
            assert_eq!(r["failure_detail"], out.lambda[0]["failure_detail"], "{r}");
            assert!(
                r["failure_detail"].as_str().is_some_and(|d| d.contains("timeout")),
                "{r}"
            );
        }
    }
}
