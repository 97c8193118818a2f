//! The Lambda JSON log format (advanced logging controls, `LogFormat: JSON`): platform records and the
//! runtimes' built-in JSON application records.
//!
//! Record shapes: "Configuring advanced logging controls for Lambda functions" and "Lambda Telemetry API
//! schema reference" (AWS Lambda Developer Guide); `events/fixtures/lambda-json-format.log`.

use crate::helpers::{LAMBDA_GROUP, parse};

const LID: &str = "60c90148-fad1-4735-8978-adb7461181e7";

/// Node.js's JSON logger writes an unhandled error as an ERROR record whose `message` starts with `Invoke
/// Error` and carries the error object escaped inside the string. Its request ID must still key the line
/// (a `requestId` deserialized through `Option<Cow>` was always owned, so this record used to be dropped
/// from the invocation and the failure lost).
#[test]
fn a_json_invoke_error_record_is_a_lambda_error_with_its_type() {
    let lines = [
        format!(
            r#"@0 {{"time":"2025-11-21T13:05:04.730Z","type":"platform.start","record":{{"requestId":"{LID}","version":"$LATEST"}}}}"#
        ),
        format!(
            r#"@41 {{"timestamp":"2025-11-21T13:05:04.771Z","level":"ERROR","requestId":"{LID}","message":"Invoke Error {{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\",\"stack\":[\"TypeError: Cannot read properties of undefined (reading 'id')\"]}}","errorType":"TypeError"}}"#
        ),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let out = parse(LAMBDA_GROUP, &lines);
    let l = out.lambda(LID);
    assert_eq!(l["failure_reason"], "LambdaError", "{l:#}");
    assert_eq!(l["error_type"], "TypeError");
    assert_eq!(l["line_count"], 2);
}

/// `platform.runtimeDone` and `platform.report` both state `status: error`: the invocation keeps one
/// evidence line for `LambdaError`, whichever comes first (it used to append a second one after a report).
#[test]
fn runtime_done_after_report_keeps_one_detail_per_reason() {
    let report = format!(
        r#"@42 {{"time":"2025-11-21T13:05:04.772Z","type":"platform.report","record":{{"requestId":"{LID}","metrics":{{"durationMs":41.27,"billedDurationMs":42,"memorySizeMB":256,"maxMemoryUsedMB":83}},"status":"error","errorType":"ValidationError"}}}}"#
    );
    let done = format!(
        r#"@42 {{"time":"2025-11-21T13:05:04.772Z","type":"platform.runtimeDone","record":{{"requestId":"{LID}","status":"error","errorType":"ValidationError"}}}}"#
    );
    for lines in [[&report, &done], [&done, &report]] {
        let lines: Vec<&str> = lines.iter().map(|s| s.as_str()).collect();
        let event = crate::helpers::event(LAMBDA_GROUP, &lines);
        let bytes = apigw_log_indexer::decode::decode_event(event.as_bytes(), 1 << 20).unwrap();
        let payload = apigw_log_indexer::decode::parse_payload(&bytes).unwrap();
        let batch = apigw_log_indexer::parse_batch(
            &payload,
            &apigw_log_indexer::Redactor::builtin(),
            apigw_log_indexer::ParseOptions { keep_lines: false },
        );
        let details = batch.lambda[0].core.details();
        assert_eq!(details.len(), 1, "{details:#?}");
        assert_eq!(details[0].reason, apigw_log_indexer::FailureReason::LambdaError);
    }
}
