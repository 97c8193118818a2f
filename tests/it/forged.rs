//! "Never forged", as properties over generated structures (`docs/threat-model.md`): what a function prints
//! into its own log, in any shape — platform records of either log format, runtime-formatted lines keyed
//! with another invocation, access records, execution-log lines, join keys spelt in messages, bodies and
//! header values — never creates an invocation, changes another invocation's status, adds a failure or moves
//! a join; error messages and bodies that spell other request IDs never change an API request's join. In a
//! text-format stream (one invocation at a time) that holds for made-up invocation IDs too; in a JSON-format
//! stream, which Lambda Managed Instances interleave, an out-of-order platform record is kept and counted.

use proptest::prelude::*;
use serde_json::Value;

use crate::helpers::{EXEC_GROUP, Out, event_of, parse_events};

/// The API request, and the two invocations of one function that ran in one environment (A served it).
const API: &str = "9a8b7c6d-1111-4222-8333-444455556666";
const OTHER_API: &str = "11112222-3333-4444-8555-666677778888";
const A: &str = "0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd";
const B: &str = "1a2b3c4d-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const FUNCTION: &str = "/aws/lambda/orders-api";
const ACCESS: &str = "/aws/apigateway/orders-access";

fn report(id: &str, status: &str) -> String {
    format!(
        "REPORT RequestId: {id}\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: {status}"
    )
}

fn api_side(message: &str) -> String {
    event_of(
        EXEC_GROUP,
        &[
            format!("({API}) HTTP Method: GET, Resource Path: /orders"),
            format!(
                "({API}) Endpoint response headers: {{Date=Fri, 21 Nov 2025 12:00:00 GMT, Content-Type=application/json, x-amzn-RequestId={A}, X-Amz-Function-Error=Unhandled}}"
            ),
            format!("({API}) Endpoint response body before transformations: {message}"),
            format!(
                "({API}) Lambda execution failed with status 200 due to customer function error: {message}. Lambda request id: {A}"
            ),
            format!("({API}) Method completed with status: 502"),
        ],
    )
}

/// A's stream: A fails, then B runs (and prints `output` while it runs) and succeeds.
fn function_side(output: &[String]) -> String {
    let mut lines = vec![
        format!("START RequestId: {A} Version: $LATEST"),
        format!(
            "2025-11-21T12:00:00.100Z\t{A}\tERROR\tInvoke Error \t{{\"errorType\":\"Error\",\"errorMessage\":\"boom\"}}"
        ),
        format!("END RequestId: {A}"),
        report(A, "error"),
        format!("START RequestId: {B} Version: $LATEST"),
    ];
    lines.extend(output.iter().cloned());
    lines.extend([format!("END RequestId: {B}"), report(B, "success")]);
    event_of(FUNCTION, &lines)
}

/// What must never change: the records that exist, each one's status and reason, and every join.
fn verdict(out: &Out) -> Vec<(String, Value, Value, Value, Value)> {
    let mut v: Vec<_> = out
        .api
        .iter()
        .map(|r| {
            (
                format!("api {}", r["request_id"]),
                r["status"].clone(),
                r["failure_reason"].clone(),
                r["lambda_request_id"].clone(),
                Value::Null,
            )
        })
        .chain(out.lambda.iter().map(|r| {
            (
                format!("lambda {} {}", r["request_id"], r["function_name"]),
                r["status"].clone(),
                r["failure_reason"].clone(),
                r["api_request_id"].clone(),
                r["error_type"].clone(),
            )
        }))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Another invocation's ID as the function can know it: A ran before it in its environment.
fn other_id() -> impl Strategy<Value = String> {
    Just(A.to_string())
}

/// An invocation ID the function made up: one that never ran.
fn made_up_id() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
}

/// Any ID, for the join properties: the one the function knows or a made-up one.
fn any_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(A.to_string()),
        Just("5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f".to_string()),
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}",
    ]
}

/// One line of function output shaped like something else, naming an invocation the function knows.
fn forged_line() -> impl Strategy<Value = String> {
    forged_line_naming(other_id())
}

/// One line of function output shaped like something else, naming `x` drawn from `ids`.
fn forged_line_naming(ids: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let status = prop::sample::select(vec!["timeout", "error", "failure", "success"]);
    (ids, status, 0usize..21, 0usize..4).prop_map(|(x, status, shape, escapes)| match shape {
        0 => format!("START RequestId: {x} Version: $LATEST"),
        1 => format!("END RequestId: {x}"),
        2 => format!("{}\tError Type: Runtime.OutOfMemory", report(&x, status)),
        3 => format!("RequestId: {x} Error: Runtime exited with error: signal: killed"),
        4 => format!("2025-11-21T12:00:01.000Z {x} Task timed out after 1.00 seconds"),
        5 => format!("2025-11-21T12:00:01.000Z\t{x}\tERROR\tInvoke Error \t{{\"errorType\":\"Forged\"}}"),
        6 => format!("[ERROR]\t2025-11-21T12:00:01.000Z\t{x}\tTask timed out after 1.00 seconds"),
        7 => format!(r#"{{"time":"2025-11-21T12:00:01.000Z","type":"platform.report","record":{{"requestId":"{x}","status":"{status}","errorType":"Runtime.OutOfMemory","metrics":{{"durationMs":1.0}}}}}}"#),
        8 => format!(r#"{{"time":"2025-11-21T12:00:01.000Z","type":"platform.start","record":{{"requestId":"{x}","version":"$LATEST"}}}}"#),
        9 => format!(r#"{{"time":"2025-11-21T12:00:01.000Z","type":"platform.runtimeDone","record":{{"requestId":"{x}","status":"{status}"}}}}"#),
        10 => r#"{"time":"2025-11-21T12:00:01.000Z","type":"platform.initStart","record":{"initializationType":"on-demand"}}"#.to_string(),
        11 => format!(r#"{{"time":"2025-11-21T12:00:01.000Z","type":"platform.initReport","record":{{"status":"{status}","errorType":"Runtime.Unknown"}}}}"#),
        12 => format!(r#"{{"timestamp":"2025-11-21T12:00:01.000Z","level":"ERROR","requestId":"{x}","message":"Invoke Error","errorType":"Forged"}}"#),
        13 => "INIT_START Runtime Version: python:3.12.v1\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:x".to_string(),
        14 => format!("INIT_REPORT Init Duration: 1.00 ms\tPhase: init\tStatus: {status}\tError Type: Runtime.Unknown"),
        // An access record and execution-log lines printed into the function's own log.
        15 => format!(r#"{{"requestId":"{OTHER_API}","status":"502","integration.requestId":"{x}","errorMessage":"Internal server error","integrationErrorMessage":"Lambda timed out"}}"#),
        16 => format!("({OTHER_API}) Method completed with status: 500"),
        17 => format!("({API}) Lambda execution failed with status 200 due to customer function error: x. Lambda request id: {x}"),
        // Join keys spelt inside values of a logged event (a header, a body), and in a message's text.
        18 => format!(
            "2025-11-21T12:00:01.000Z\t{B}\tINFO\t{{\"headers\":{{\"x-note\":\"\\\"requestContext\\\": {{\\\"requestId\\\": \\\"{OTHER_API}\\\"}}\"}},\"body\":\"{{\\\"correlation_id\\\":\\\"{OTHER_API}\\\"}}\"}}"
        ),
        // A logged event whose requestContext sits inside a string value, escaped 0 to 3 times.
        19 => {
            let mut inner = format!("{{\"requestContext\":{{\"requestId\":\"{OTHER_API}\"}}}}");
            for _ in 0..=escapes {
                inner = serde_json::json!({ "body": inner }).to_string();
            }
            format!("2025-11-21T12:00:01.000Z\t{B}\tINFO\t{inner}")
        }
        _ => format!("2025-11-21T12:00:01.000Z\t{B}\tINFO\tcalled with [APIG: {OTHER_API}] Lambda request id: {x} RequestId: {x}"),
    })
}

/// Text a function controls in its error message or response body, spelling other request IDs.
fn message_spelling_ids() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any_id().prop_map(|x| format!("Lambda request id: {x}")),
        any_id().prop_map(|x| format!("RequestId: {x}")),
        any_id().prop_map(|x| format!("x-amzn-RequestId={x}")),
        any_id().prop_map(|x| format!("AWS Integration Endpoint RequestId : {x}")),
        any_id()
            .prop_map(|x| format!("{{\"errorMessage\": \"RequestId: {x} Process exited before completing request\"}}")),
        // Other spellings and cases, and the event structure, escaped 0 to 3 times.
        any_id().prop_map(|x| format!("LAMBDA REQUEST ID: {x}")),
        any_id().prop_map(|x| format!("lambda request id:{x}")),
        any_id().prop_map(|x| format!("x-amzn-RequestId: {x}")),
        any_id().prop_map(|x| format!("Lambda request id: {x}\n")),
        (any_id(), 0usize..4).prop_map(|(x, escapes)| {
            let mut text = format!("{{\"requestContext\":{{\"requestId\":\"{x}\"}}}}");
            for _ in 0..escapes {
                text = serde_json::json!({ "body": text }).to_string();
            }
            text
        }),
        Just("boom".to_string()),
        Just(". ".to_string()),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Function output of any generated shape, printed while B runs: the same records, statuses, reasons,
    /// error types and joins as without it, and every such line counted.
    #[test]
    fn function_output_never_forges_platform_records(output in prop::collection::vec(forged_line(), 1..6)) {
        let clean = parse_events(&[api_side("boom"), function_side(&[])]);
        let forged = parse_events(&[api_side("boom"), function_side(&output)]);
        prop_assert_eq!(verdict(&forged), verdict(&clean));
        prop_assert_eq!(forged.api(API)["lambda_request_id"].as_str(), Some(A));
        prop_assert_eq!(forged.lambda(B)["status"].as_str(), Some("success"));
    }

    /// In a text-format stream one environment runs one invocation at a time, so START, END, REPORT, keyed
    /// runtime lines and JSON platform records naming made-up invocations, printed while B runs, are B's
    /// output: no invocation is created, none changes, and nothing is read as the platform's out of order.
    #[test]
    fn made_up_invocations_in_a_text_stream_are_never_created(
        output in prop::collection::vec(forged_line_naming(made_up_id()), 1..6),
    ) {
        let clean = parse_events(&[api_side("boom"), function_side(&[])]);
        let forged = parse_events(&[api_side("boom"), function_side(&output)]);
        prop_assert_eq!(verdict(&forged), verdict(&clean));
        prop_assert_eq!(forged.lambda.len(), 2, "A and B only");
        prop_assert_eq!(forged.lambda(B)["status"].as_str(), Some("success"));
        prop_assert_eq!(forged.stats.platform_order_ambiguous, 0);
        let platform_shaped = output
            .iter()
            .filter(|l| ["START ", "END ", "REPORT "].iter().any(|p| l.starts_with(p)))
            .count() as u64;
        prop_assert!(forged.stats.platform_shaped_output >= platform_shaped, "{:#?}", forged.stats);
    }

    /// Error messages and bodies that spell other request IDs never move the API request's join.
    #[test]
    fn messages_and_bodies_never_move_a_join(message in message_spelling_ids()) {
        let out = parse_events(&[api_side(&message), function_side(&[])]);
        prop_assert_eq!(out.api(API)["lambda_request_id"].as_str(), Some(A));
        prop_assert_eq!(out.lambda(A)["api_request_id"].as_str(), Some(API));
    }

    /// An HTTP API's access record quotes the function's error; only `integration.requestId` joins.
    #[test]
    fn access_error_messages_never_supply_a_join(message in message_spelling_ids()) {
        let record = serde_json::json!({
            "requestId": OTHER_API,
            "status": "502",
            "integration.requestId": "-",
            "integrationErrorMessage": format!("The Lambda function returned the following error: {message}"),
            "errorMessage": format!("The Lambda function returned the following error: RequestId: {message}"),
        });
        let out = parse_events(&[event_of(ACCESS, &[record.to_string()])]);
        prop_assert!(out.api(OTHER_API)["lambda_request_id"].is_null());
    }
}

/// Every forged line is kept as B's output and counted, never silently trusted.
#[test]
fn forged_platform_records_are_counted_as_the_running_invocations_output() {
    let output = [
        format!("START RequestId: {A} Version: $LATEST"),
        report(A, "timeout"),
        format!("END RequestId: {A}"),
    ];
    let out = parse_events(&[function_side(&output)]);
    assert_eq!(out.stats.platform_shaped_output, 3, "{:#?}", out.stats);
    assert_eq!(out.lambda(A)["failure_reason"], "LambdaError");
    assert_eq!(
        out.lambda(B)["line_count"],
        3 + 3,
        "START, the three lines, END, REPORT"
    );
}

/// An access record printed by a function into its own log is its output, not an API request.
#[test]
fn access_records_count_only_in_access_log_groups() {
    let record = format!(r#"{{"requestId":"{OTHER_API}","status":"502","integration.requestId":"{A}"}}"#);
    let out = parse_events(&[function_side(std::slice::from_ref(&record))]);
    assert!(out.api.is_empty(), "{:#?}", out.api);
    let out = parse_events(&[event_of(ACCESS, &[record])]);
    assert_eq!(out.api(OTHER_API)["lambda_request_id"], A);
}

/// A made-up invocation's START/END/REPORT printed while B runs in a text-format stream: the function's
/// output, counted, never an invocation; A, B and the API request are as without it.
#[test]
fn a_made_up_invocation_in_a_text_stream_is_output() {
    const MADE_UP: &str = "5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f";
    let output = [
        format!("START RequestId: {MADE_UP} Version: $LATEST"),
        format!("END RequestId: {MADE_UP}"),
        report(MADE_UP, "timeout"),
    ];
    let clean = parse_events(&[api_side("boom"), function_side(&[])]);
    let out = parse_events(&[api_side("boom"), function_side(&output)]);
    assert_eq!(out.stats.platform_shaped_output, 3, "{:#?}", out.stats);
    assert_eq!(out.stats.platform_order_ambiguous, 0, "{:#?}", out.stats);
    assert_eq!(verdict(&out), verdict(&clean));
    assert_eq!(
        out.lambda(B)["line_count"],
        3 + 3,
        "START, the three lines, END, REPORT"
    );
}

/// JSON platform records of two invocations interleaved in one stream, as a Lambda Managed Instances
/// environment writes them (several invocations at once, always the JSON format): the platform's view is
/// kept, each invocation keeps its own status, and the out-of-order START is counted
/// (`platform_order_ambiguous`), the limit `docs/threat-model.md` names for JSON-format streams.
#[test]
fn interleaved_invocations_in_a_json_stream_are_kept_and_counted() {
    let record = |kind: &str, id: &str, extra: &str| {
        format!(r#"{{"time":"2025-11-21T12:00:00.000Z","type":"{kind}","record":{{"requestId":"{id}"{extra}}}}}"#)
    };
    let report = |id: &str, status: &str| {
        record(
            "platform.report",
            id,
            &format!(
                r#","status":"{status}","metrics":{{"durationMs":10.0,"billedDurationMs":10,"memorySizeMB":128,"maxMemoryUsedMB":60}}"#
            ),
        )
    };
    let lines = [
        record("platform.start", A, r#","version":"$LATEST""#),
        record("platform.start", B, r#","version":"$LATEST""#),
        report(B, "success"),
        report(A, "timeout"),
    ];
    let out = parse_events(&[event_of(FUNCTION, &lines)]);
    assert_eq!(out.stats.platform_order_ambiguous, 1, "{:#?}", out.stats);
    assert_eq!(out.stats.platform_shaped_output, 0, "{:#?}", out.stats);
    assert_eq!(out.lambda(A)["status"], "timeout");
    assert_eq!(out.lambda(B)["status"], "success");
}

/// The same interleaving in a text-format stream is not the platform's: B's START while A runs is output,
/// so B is never created from it (its END and REPORT, naming another invocation while A runs, too).
#[test]
fn interleaved_invocations_in_a_text_stream_are_output() {
    let lines = [
        format!("START RequestId: {A} Version: $LATEST"),
        format!("START RequestId: {B} Version: $LATEST"),
        format!("END RequestId: {B}"),
        report(B, "success"),
        format!("END RequestId: {A}"),
        report(A, "timeout"),
    ];
    let out = parse_events(&[event_of(FUNCTION, &lines)]);
    assert_eq!(out.stats.platform_shaped_output, 3, "{:#?}", out.stats);
    assert_eq!(out.stats.platform_order_ambiguous, 0, "{:#?}", out.stats);
    assert_eq!(out.lambda.len(), 1, "{:#?}", out.lambda);
    assert_eq!(out.lambda(A)["status"], "timeout");
}
