//! The table of line forms: group, lines, and what the records must say.

use super::*;

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "full REST + Lambda proxy sequence, 2020+ Received response form",
            group: EXEC_GROUP,
            lines: x(&[
                "@0 ({RID}) Extended Request Id: NvWWKEZbliAFliA=",
                "({RID}) Verifying Usage Plan for request: {RID}. API Key:  API Stage: a1b2c3d4e5/dev",
                "({RID}) Starting execution for request: {RID}",
                "({RID}) HTTP Method: GET, Resource Path: /generate-data",
                "({RID}) Method request headers: {Accept=*/*, Authorization=Bearer secret-token, X-Forwarded-For=1.2.3.4, 5.6.7.8}",
                "({RID}) Endpoint request URI: https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations",
                "({RID}) Endpoint request headers: {x-amzn-lambda-integration-tag={RID}, X-Amz-Security-Token=IQoJb3JpZ2luX2VjEBAaCWV1}",
                "({RID}) Sending request to https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations",
                "@612 ({RID}) Received response. Status: 200, Integration latency: 609 ms",
                "({RID}) Endpoint response headers: {Date=Mon, 30 Oct 2023 12:58:31 GMT, x-amzn-RequestId={LID}, X-Amzn-Trace-Id=root=1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f;sampled=1}",
                "({RID}) Endpoint response body before transformations: {\"statusCode\": 200, \"body\": \"ok\"}",
                "({RID}) Method response body after transformations: ok",
                "({RID}) Successfully completed execution",
                "@613 ({RID}) Method completed with status: 200",
                "({RID}) AWS Integration Endpoint RequestId : {LID}",
                "({RID}) X-ray Tracing ID : Root=1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f",
            ]),
            check: |o| {
                let r = o.api(RID);
                assert_eq!(field(r, "extended_request_id"), "NvWWKEZbliAFliA=");
                assert_eq!(field(r, "api_id"), "a1b2c3d4e5");
                assert_eq!(field(r, "stage"), "dev");
                assert_eq!(field(r, "method"), "GET");
                assert_eq!(field(r, "resource_path"), "/generate-data");
                assert_eq!(field(r, "status"), 200);
                assert_eq!(field(r, "failure_reason"), Value::Null);
                assert_eq!(field(r, "integration_latency_ms"), 609);
                assert_eq!(field(r, "latency_ms"), 613);
                assert_eq!(field(r, "lambda_request_id"), LID);
                assert_eq!(field(r, "xray_trace_id"), "1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f");
                assert_eq!(field(r, "complete"), true);
                assert_eq!(field(r, "line_count"), 16);
                assert_eq!(
                    (field(r, "first_timestamp_ms"), field(r, "last_timestamp_ms")),
                    (json!(1_700_000_000_000i64), json!(1_700_000_000_613i64))
                );
            },
        },
        Case {
            name: "2019 Received response form and Lambda ID from the failure line only (ERROR-level logging)",
            group: EXEC_GROUP,
            lines: x(&[
                "({RID}) Received response. Integration latency: 1030 ms",
                "({RID}) Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: {LID}",
                "({RID}) Method completed with status: 502",
            ]),
            check: |o| {
                let r = o.api(RID);
                assert_eq!(field(r, "integration_latency_ms"), 1030);
                assert_eq!(field(r, "lambda_request_id"), LID);
                assert_eq!(
                    field(r, "latency_ms"),
                    Value::Null,
                    "no start line: latency not derivable"
                );
                assert_eq!(field(r, "method"), Value::Null);
            },
        },
        Case {
            name: "2019 X-ray line without Root= and lines in reverse order",
            group: EXEC_GROUP,
            lines: x(&[
                "({RID}) X-ray Tracing ID : 1-5c7674f4-aaaabbbbccccddddeeeeffff",
                "({RID}) Method completed with status: 200",
                "({RID}) HTTP Method: POST, Resource Path: /items/{id}",
            ]),
            check: |o| {
                let r = o.api(RID);
                assert_eq!(field(r, "xray_trace_id"), "1-5c7674f4-aaaabbbbccccddddeeeeffff");
                assert_eq!(field(r, "resource_path"), "/items/{id}");
                assert_eq!(field(r, "method"), "POST");
            },
        },
        Case {
            name: "interleaved requests, time-based UUIDs, a [TRUNCATED] line that still names the Lambda",
            group: EXEC_GROUP,
            lines: x(&[
                "(8a699106-8d59-11e8-905d-b3747276ed60) HTTP Method: GET, Resource Path: /a",
                "({RID}) HTTP Method: GET, Resource Path: /b",
                "({RID}) Endpoint response headers: {Date=Mon, x-amzn-RequestId={LID}, Connection=keep-alive, X-Amz-Executed-Version=$LATEST, X-Amzn-Trace-Id=ro [TRUNCATED]",
                "(8a699106-8d59-11e8-905d-b3747276ed60) Method completed with status: 200",
                "({RID}) Method completed with status: 200",
            ]),
            check: |o| {
                assert_eq!(o.api.len(), 2);
                assert_eq!(
                    field(o.api("8a699106-8d59-11e8-905d-b3747276ed60"), "resource_path"),
                    "/a"
                );
                assert_eq!(field(o.api(RID), "lambda_request_id"), LID);
                assert_eq!(o.stats.truncated_lines, 1);
            },
        },
        Case {
            name: "WebSocket execution log: extended-ID style prefix",
            group: "/aws/apigateway/abcdef1234/production",
            lines: x(&[
                "(PDS1PEC4oAMFpyA=) Extended Request Id: PDS1PEC4oAMFpyA=",
                "(PDS1PEC4oAMFpyA=) Method completed with status: 200",
            ]),
            check: |o| {
                let r = o.api("PDS1PEC4oAMFpyA=");
                assert_eq!(field(r, "status"), 200);
                assert_eq!(
                    (field(r, "api_id"), field(r, "stage")),
                    (json!("abcdef1234"), json!("production"))
                );
            },
        },
        Case {
            name: "an access log in a /aws/apigateway/{x}/{y} group is recognised by shape, without that group's API ID",
            group: "/aws/apigateway/my-api/access",
            lines: x(&[r#"{"requestId":"{RID}","httpMethod":"GET","resourcePath":"/generate-data","status":"200"}"#]),
            check: |o| {
                let r = o.api(RID);
                assert_eq!(
                    (field(r, "status"), field(r, "api_id"), field(r, "stage")),
                    (json!(200), Value::Null, Value::Null)
                );
                assert_eq!(o.stats.skipped_total(), 0);
            },
        },
        Case {
            name: "multi-line event is one line; lines without a prefix are counted, not dropped silently",
            group: EXEC_GROUP,
            lines: x(&[
                "({RID}) Method request body before transformations: {\\",
                "  \"a\": 1\\",
                "}",
                "garbage without prefix",
                "({RID}) Method completed with status: 200",
            ]),
            check: |o| {
                assert_eq!(field(o.api(RID), "line_count"), 2);
                assert_eq!(o.stats.skipped_total(), 1);
            },
        },
        Case {
            name: "access log: the console's REST JSON preset",
            group: ACCESS_GROUP,
            lines: x(&[
                r#"{ "requestId":"{RID}", "ip": "203.0.113.9", "caller":"-", "user":"-","requestTime":"21/Nov/2025:12:00:01 +0000", "httpMethod":"GET","resourcePath":"/generate-data", "status":"200","protocol":"HTTP/1.1", "responseLength":"36" }"#,
            ]),
            check: |o| {
                let r = o.api(RID);
                assert_eq!(
                    (field(r, "status"), field(r, "method"), field(r, "resource_path")),
                    (json!(200), json!("GET"), json!("/generate-data"))
                );
                assert_eq!(field(r, "complete"), true);
                assert_eq!(field(r, "api_id"), Value::Null);
            },
        },
        Case {
            name: "access log: custom $context JSON, dotted and underscored keys, \"-\" as null, numbers as strings",
            group: ACCESS_GROUP,
            lines: x(&[
                r#"{"requestId":"{RID}","extendedRequestId":"NvWWKEZbliAFliA=","apiId":"a1b2c3d4e5","stage":"dev","httpMethod":"GET","resourcePath":"/generate-data","status":"502","integration.latency":"1002","responseLatency":"1043","integration.requestId":"{LID}","integration.status":"-","integrationStatus":"200","error.message":"Internal server error","error_responseType":"DEFAULT_5XX","integrationErrorMessage":"Lambda Customer Function Error:'boom'","xrayTraceId":"1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f","wafResponseCode":"-"}"#,
            ]),
            check: |o| {
                let r = o.api(RID);
                assert_eq!(field(r, "status"), 502);
                assert_eq!(field(r, "integration_latency_ms"), 1002);
                assert_eq!(field(r, "latency_ms"), 1043);
                assert_eq!(field(r, "lambda_request_id"), LID);
                assert_eq!(field(r, "extended_request_id"), "NvWWKEZbliAFliA=");
                assert_eq!(
                    (field(r, "api_id"), field(r, "stage")),
                    (json!("a1b2c3d4e5"), json!("dev"))
                );
                assert_eq!(field(r, "failure_reason"), "LambdaError");
                assert_eq!(field(r, "xray_trace_id"), "1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f");
            },
        },
        Case {
            name: "access log: HTTP API preset with routeKey and a non-UUID request ID",
            group: ACCESS_GROUP,
            lines: x(&[
                r#"{"requestId":"KyDfdgZ9oAMEYpA=","ip":"203.0.113.9","requestTime":"18/May/2025:21:08:50 +0000","httpMethod":"GET","routeKey":"GET /items/{id}","status":"404","protocol":"HTTP/1.1","responseLength":"23","requestTimeEpoch":"1747602530"}"#,
            ]),
            check: |o| {
                let r = o.api("KyDfdgZ9oAMEYpA=");
                assert_eq!(
                    (field(r, "method"), field(r, "resource_path"), field(r, "status")),
                    (json!("GET"), json!("/items/{id}"), json!(404))
                );
                assert_eq!(field(r, "failure_reason"), "Other4XX");
            },
        },
        Case {
            name: "access log: CLF preset",
            group: ACCESS_GROUP,
            lines: x(&[r#"203.0.113.9 - - [21/Nov/2025:12:00:01 +0000] "GET /generate-data HTTP/1.1" 504 41 {RID}"#]),
            check: |o| {
                let r = o.api(RID);
                assert_eq!(
                    (field(r, "method"), field(r, "status"), field(r, "failure_reason")),
                    (json!("GET"), json!(504), json!("Other5XX"))
                );
            },
        },
        Case {
            name: "Lambda: START/END/REPORT tab form with XRAY trailer, Init Duration and Status",
            group: LAMBDA_GROUP,
            lines: x(&[
                "@0 INIT_START Runtime Version: nodejs:20.v22\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:abc",
                "@130 START RequestId: {LID} Version: $LATEST",
                "@200 2023-10-30T12:58:31.500Z\t{LID}\tINFO\tsleeping 1200 ms",
                "@1130 2023-10-30T12:58:32.130Z {LID} Task timed out after 1.00 seconds",
                "END RequestId: {LID}",
                "REPORT RequestId: {LID}\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 127.02 ms\tStatus: timeout\\",
                "XRAY TraceId: 1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f\tSegmentId: 0c1d2e3f4a5b6c7d\tSampled: true\t",
            ]),
            check: |o| {
                let r = o.lambda(LID);
                assert_eq!(
                    field(r, "function_name"),
                    "module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ"
                );
                assert_eq!(field(r, "status"), "timeout");
                assert_eq!(field(r, "failure_reason"), "LambdaTimeout");
                assert_eq!(field(r, "duration_ms"), 1000.0);
                assert_eq!(field(r, "billed_duration_ms"), 1000);
                assert_eq!(field(r, "memory_size_mb"), 128);
                assert_eq!(field(r, "max_memory_used_mb"), 71);
                assert_eq!(field(r, "init_duration_ms"), 127.02);
                assert_eq!(field(r, "xray_trace_id"), "1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f");
                assert_eq!(
                    field(r, "line_count"),
                    6,
                    "INIT_START belongs to the invocation that paid for it"
                );
                assert_eq!(o.stats.skipped_total(), 0);
            },
        },
        Case {
            name: "Lambda: space-separated REPORT (space before the tab after Billed Duration), pre-2024 timeout after REPORT",
            group: LAMBDA_GROUP,
            lines: x(&[
                "START RequestId: {LID} Version: $LATEST",
                "END RequestId: {LID}",
                "REPORT RequestId: {LID} Duration: 3003.16 ms Billed Duration: 3000 ms \tMemory Size: 128 MB Max Memory Used: 48 MB",
                "2019-03-13T20:47:23.110Z {LID} Task timed out after 3.00 seconds",
            ]),
            check: |o| {
                let r = o.lambda(LID);
                assert_eq!(
                    (field(r, "status"), field(r, "failure_reason")),
                    (json!("timeout"), json!("LambdaTimeout"))
                );
                assert_eq!(
                    (field(r, "duration_ms"), field(r, "billed_duration_ms")),
                    (json!(3003.16), json!(3000))
                );
                assert_eq!(field(r, "init_duration_ms"), Value::Null);
            },
        },
        Case {
            name: "Lambda: Runtime exited with signal: killed, the Runtime.ExitError line, REPORT Error Type OOM",
            group: LAMBDA_GROUP,
            lines: x(&[
                "START RequestId: {LID} Version: $LATEST",
                "RequestId: {LID} Error: Runtime exited with error: signal: killed",
                "Runtime.ExitError",
                "END RequestId: {LID}",
                "REPORT RequestId: {LID}\tDuration: 812.33 ms\tBilled Duration: 813 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory",
            ]),
            check: |o| {
                let r = o.lambda(LID);
                assert_eq!(
                    (field(r, "status"), field(r, "failure_reason")),
                    (json!("error"), json!("LambdaOutOfMemory"))
                );
                assert_eq!(field(r, "error_type"), "Runtime.OutOfMemory");
                assert_eq!(field(r, "line_count"), 5);
            },
        },
        Case {
            name: "Lambda: Node.js Invoke Error and Python lines (request ID second or third field, empty during init)",
            group: LAMBDA_GROUP,
            lines: x(&[
                "[WARNING]\t2024-01-29T16:40:40.116Z\t\tMatplotlib created a temporary cache directory",
                "START RequestId: {LID} Version: $LATEST",
                "2023-10-30T12:58:31.500Z\t{LID}\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined\"}",
                "[INFO]\t2024-01-29T16:40:41.000Z\t{LID}\thandled",
                "a print() line with no prefix",
                "END RequestId: {LID}",
                "REPORT RequestId: {LID}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t",
            ]),
            check: |o| {
                let r = o.lambda(LID);
                assert_eq!(
                    (field(r, "status"), field(r, "failure_reason")),
                    (json!("error"), json!("LambdaError"))
                );
                assert_eq!(field(r, "error_type"), "TypeError");
                // The init-phase Python warning (empty request-ID field) belongs to the START that follows;
                // the unprefixed print() line inside the invocation is its own.
                assert_eq!(field(r, "line_count"), 7);
                assert_eq!(o.stats.skipped_total(), 0);
            },
        },
        Case {
            name: "Lambda: Python unhandled exception with LAMBDA_WARNING and a traceback in one event",
            group: LAMBDA_GROUP,
            lines: x(&[
                "START RequestId: {LID} Version: $LATEST",
                "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.",
                "[ERROR] ZeroDivisionError: division by zero\\",
                "Traceback (most recent call last):\\",
                "  File \"/var/task/app.py\", line 3, in handler",
                "END RequestId: {LID}",
            ]),
            check: |o| {
                let r = o.lambda(LID);
                assert_eq!(field(r, "failure_reason"), "LambdaError");
                assert_eq!(field(r, "status"), Value::Null, "no REPORT seen");
                assert_eq!(field(r, "line_count"), 4);
            },
        },
        Case {
            name: "Lambda: JSON log format platform records and application records",
            group: LAMBDA_GROUP,
            lines: x(&[
                r#"{"time":"2024-05-01T10:00:00.000Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init"}}"#,
                r#"{"time":"2024-05-01T10:00:00.200Z","type":"platform.start","record":{"requestId":"{LID}","version":"$LATEST"}}"#,
                r#"{"timestamp":"2024-05-01T10:00:00.300Z","level":"INFO","requestId":"{LID}","message":"hello"}"#,
                r#"{"time":"2024-05-01T10:00:01.200Z","type":"platform.runtimeDone","record":{"requestId":"{LID}","status":"timeout"}}"#,
                r#"{"time":"2024-05-01T10:00:01.201Z","type":"platform.report","record":{"requestId":"{LID}","metrics":{"durationMs":1000.5,"billedDurationMs":1001,"memorySizeMB":128,"maxMemoryUsedMB":70,"initDurationMs":180.2},"status":"timeout","tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f;Parent=1;Sampled=1"}}}"#,
            ]),
            check: |o| {
                let r = o.lambda(LID);
                assert_eq!(
                    (field(r, "status"), field(r, "failure_reason")),
                    (json!("timeout"), json!("LambdaTimeout"))
                );
                assert_eq!(
                    (field(r, "duration_ms"), field(r, "init_duration_ms")),
                    (json!(1000.5), json!(180.2))
                );
                assert_eq!(field(r, "xray_trace_id"), "1-6540a6a7-1a2b3c4d5e6f7a8b9c0d1e2f");
                assert_eq!(field(r, "line_count"), 5);
            },
        },
    ]
}
