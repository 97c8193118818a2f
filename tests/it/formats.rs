//! Every line form of `docs/log-formats.md`, as a table: group, lines, and what the records must say.

use serde_json::{Value, json};

use crate::helpers::{ACCESS_GROUP, EXEC_GROUP, LAMBDA_GROUP, Out, parse};

const RID: &str = "2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f";
const LID: &str = "5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f";

mod cases;
use cases::cases;

struct Case {
    name: &'static str,
    group: &'static str,
    lines: Vec<String>,
    check: fn(&Out),
}

fn field(r: &Value, k: &str) -> Value {
    assert!(
        r.get(k).is_some(),
        "field {k} must be present (null when unknown): {r:#}"
    );
    r[k].clone()
}

fn x(lines: &[&str]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.replace("{RID}", RID).replace("{LID}", LID))
        .collect()
}

#[test]
fn every_line_form_yields_its_fields() {
    for case in cases() {
        let lines: Vec<&str> = case.lines.iter().map(String::as_str).collect();
        let out = parse(case.group, &lines);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (case.check)(&out)));
        if let Err(e) = result {
            panic!(
                "case {:?} failed: {}",
                case.name,
                e.downcast_ref::<String>().cloned().unwrap_or_default()
            );
        }
    }
}

#[test]
fn a_lambda_record_is_joined_to_its_api_request_in_both_directions() {
    let exec = crate::helpers::event(
        EXEC_GROUP,
        &x(&["({RID}) Lambda execution failed with status 200 due to customer function error: 2023-10-30T12:58:42.123Z {LID} Task timed out after 1.00 seconds. Lambda request id: {LID}", "({RID}) Method completed with status: 502"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let lambda = crate::helpers::event(
        LAMBDA_GROUP,
        &x(&["START RequestId: {LID} Version: $LATEST", "REPORT RequestId: {LID}\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    // Either order of batches gives the same records.
    let a = crate::helpers::parse_events(&[exec.clone(), lambda.clone()]);
    let b = crate::helpers::parse_events(&[lambda, exec]);
    assert_eq!(a.api, b.api);
    assert_eq!(a.lambda, b.lambda);
    assert_eq!(a.lambda(LID)["api_request_id"], RID);
    assert_eq!(a.api(RID)["lambda_request_id"], LID);
    assert_eq!(a.api(RID)["failure_reason"], "LambdaTimeout");
}

#[test]
fn sensitive_header_values_never_reach_a_record_or_line() {
    let exec = crate::helpers::event(
        EXEC_GROUP,
        &x(&[
            "({RID}) Method request headers: {Authorization=Bearer SECRET1, Cookie=session=SECRET2, x-api-key=SECRET3}",
            "({RID}) Execution failed due to configuration error: Unable to transform request {X-Amz-Security-Token=SECRET4}",
            "({RID}) Method completed with status: 500",
        ])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    let bytes = apigw_log_indexer::decode::decode_event(exec.as_bytes(), 1 << 20).unwrap();
    let payload = apigw_log_indexer::decode::parse_payload(&bytes).unwrap();
    let batch = apigw_log_indexer::parse_batch(
        &payload,
        &apigw_log_indexer::Redactor::builtin(),
        apigw_log_indexer::ParseOptions { keep_lines: true },
    );
    // Every field, detail and kept line of every fragment.
    let everything = format!("{:?}", batch.api);
    assert!(!everything.contains("SECRET"), "{everything}");
    let out = crate::helpers::parse_events(&[exec]);
    assert!(!serde_json::to_string(&out.api).unwrap().contains("SECRET"));
    assert_eq!(out.api(RID)["failure_reason"], "MappingTemplateError");
}
