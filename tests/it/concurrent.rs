//! Several invocations at once in one Lambda log stream (Lambda Managed Instances), and the rule for lines
//! without a request ID: attributed by position only where the stream runs one invocation at a time;
//! otherwise counted (`lambda_unkeyed_concurrent`), never guessed.
//!
//! What the AWS Lambda Developer Guide says Managed Instances write: functions "always use the structured JSON
//! log format", in which every record carries its `requestId`, and "log interleaving … is normal in
//! multi-concurrent systems" ("Python runtime for Lambda Managed Instances", Logging); a runtime worker that
//! crashes ends its own invocation while the environment goes on with the other workers, an invocation that
//! times out fails alone, and only an extension crash ends the whole environment ("Understanding the Lambda
//! Managed Instances execution environment", Error handling and recovery). So each invocation's failure is
//! in its own `platform.report`; a crash's text without a request ID names none of the invocations it may
//! have ended. No public capture of a Managed Instances stream was found: the records below have the shapes
//! of "Configuring advanced logging controls for Lambda functions" and the Telemetry API schema reference.

use apigw_log_indexer::parse::SkipKind;

use crate::helpers::{event_of, parse_events};

const A: &str = "2b7e4c1a-5d3f-4e6a-9b8c-0d1e2f3a4b5c";
const B: &str = "7c9d1e2f-3a4b-4c5d-8e6f-a0b1c2d3e4f5";
const FUNCTION: &str = "/aws/lambda/orders-mi";

fn platform(kind: &str, id: &str, extra: &str) -> String {
    format!(r#"{{"time":"2026-11-20T09:00:00.000Z","type":"{kind}","record":{{"requestId":"{id}"{extra}}}}}"#)
}

fn report(id: &str, status: &str, error_type: Option<&str>) -> String {
    let error = error_type.map(|t| format!(r#","errorType":"{t}""#)).unwrap_or_default();
    platform(
        "platform.report",
        id,
        &format!(
            r#","status":"{status}"{error},"metrics":{{"durationMs":812.5,"billedDurationMs":813,"memorySizeMB":2048,"maxMemoryUsedMB":640}}"#
        ),
    )
}

fn app(id: &str, message: &str) -> String {
    format!(r#"{{"timestamp":"2026-11-20T09:00:00.100Z","level":"INFO","requestId":"{id}","message":"{message}"}}"#)
}

#[test]
fn interleaved_json_invocations_keep_their_own_lines_and_statuses() {
    let lines = [
        platform("platform.start", A, r#","version":"$LATEST""#),
        platform("platform.start", B, r#","version":"$LATEST""#),
        app(A, "loading order 42"),
        app(B, "streaming report 7"),
        // Without a request ID while A and B both run: a worker's crash text and plain output.
        "Runtime exited with error: signal: killed".to_string(),
        "cache warmed".to_string(),
        report(A, "error", Some("Runtime.ExitError")),
        app(B, "report 7 sent"),
        report(B, "success", None),
    ];
    let out = parse_events(&[event_of(FUNCTION, &lines)]);
    let (a, b) = (out.lambda(A), out.lambda(B));
    assert_eq!(
        (&a["status"], &a["failure_reason"], &a["error_type"]),
        (&"error".into(), &"LambdaError".into(), &"Runtime.ExitError".into()),
        "{a:#}"
    );
    assert_eq!(
        (&b["status"], &b["failure_reason"]),
        (&"success".into(), &None::<String>.into()),
        "{b:#}"
    );
    // A: its START, its line, its REPORT; B: its START, two lines, its REPORT. The crash text is neither's:
    // it would have made B a failure (or A out of memory) by position alone.
    assert_eq!((a["line_count"].as_u64(), b["line_count"].as_u64()), (Some(3), Some(4)));
    assert!(
        a["failure_detail"]
            .as_str()
            .is_some_and(|d| d.contains("platform.report")),
        "{a:#}"
    );
    assert_eq!(
        out.stats.skipped.get(&SkipKind::LambdaUnkeyedConcurrent),
        Some(&2),
        "{:#?}",
        out.stats
    );
    // Out of one-at-a-time order, read by their keys and counted: B's start while A runs, then A's line and
    // A's report while B is the one that started last.
    assert_eq!(out.stats.platform_order_ambiguous, 3, "{:#?}", out.stats);
}

/// After overlap is seen, the rule holds for the rest of the batch: a line without a request ID after both
/// reports (a crash text that would otherwise be late evidence of the invocation that just ended) is counted.
#[test]
fn after_overlap_a_late_unkeyed_line_is_not_the_last_invocation_s() {
    let lines = [
        platform("platform.start", A, ""),
        platform("platform.start", B, ""),
        report(B, "success", None),
        report(A, "success", None),
        "Runtime exited with error: signal: killed".to_string(),
    ];
    let out = parse_events(&[event_of(FUNCTION, &lines)]);
    assert_eq!(out.lambda(A)["failure_reason"], serde_json::Value::Null);
    assert_eq!(out.lambda(B)["failure_reason"], serde_json::Value::Null);
    assert_eq!(
        out.stats.skipped.get(&SkipKind::LambdaUnkeyedConcurrent),
        Some(&1),
        "{:#?}",
        out.stats
    );
}

/// A text-format stream runs one invocation at a time (Managed Instances always write JSON): there a line
/// without a request ID is the running invocation's, by position, and evidence right after its REPORT is
/// still its own.
#[test]
fn a_text_stream_attributes_unkeyed_lines_by_position() {
    let lines = [
        format!("START RequestId: {A} Version: $LATEST"),
        "cache warmed".to_string(),
        format!("END RequestId: {A}"),
        format!(
            "REPORT RequestId: {A}\tDuration: 812.50 ms\tBilled Duration: 813 ms\tMemory Size: 2048 MB\tMax Memory Used: 640 MB"
        ),
    ];
    let out = parse_events(&[event_of(FUNCTION, &lines)]);
    assert_eq!(out.lambda(A)["line_count"], 4, "{:#}", out.lambda(A));
    assert_eq!(out.stats.skipped_total(), 0, "{:#?}", out.stats);
}
