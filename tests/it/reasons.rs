//! Every failure reason of `docs/failure-reasons.md`, from its evidence, with its status; precedence; order.

use apigw_log_indexer::FailureReason;
use serde_json::{Value, json};

use crate::helpers::{ACCESS_GROUP, EXEC_GROUP, LAMBDA_GROUP, event, parse, parse_events};

const RID: &str = "0d4a1b8e-3c2f-4e5a-9b7c-1d2e3f4a5b6c";
const LID: &str = "9c8b7a6f-5e4d-4c3b-a2a1-0f9e8d7c6b5a";

mod table;
use table::table;

#[test]
fn every_reason_is_recognised_from_its_evidence_in_any_line_order() {
    let table = table();
    let covered: std::collections::BTreeSet<&str> = table.iter().map(|r| r.0).collect();
    let lambda_side_only = ["LambdaOutOfMemory"]; // needs a join: see the test below
    for r in FailureReason::ALL {
        assert!(
            covered.contains(r.as_str()) || lambda_side_only.contains(&r.as_str()),
            "{r} has no row"
        );
    }
    for (reason, group, lines, status) in table {
        let lines: Vec<String> = lines.iter().map(|l| subst(l)).collect();
        let forward: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut backward = forward.clone();
        backward.reverse();
        for order in [forward, backward] {
            let out = parse(group, &order);
            let r = out.api(RID);
            assert_eq!(r["failure_reason"], reason, "{reason} from {order:?}: {r:#}");
            assert_eq!(r["status"], status, "{reason} from {order:?}");
            // Every row but the bare `Other*` completions has a line worth keeping as the detail.
            let bare = reason.starts_with("Other") && order.len() == 1;
            assert_eq!(
                r["failure_detail"] == Value::Null,
                bare,
                "{reason}: the evidence line is the detail: {order:?}"
            );
        }
    }
}

/// Replaces the placeholders `(R)`, `"R"`, `: R` and ` L` with real IDs.
fn subst(line: &str) -> String {
    line.replace("(R)", &format!("({RID})"))
        .replace("\"R\"", &format!("\"{RID}\""))
        .replace("request: R", &format!("request: {RID}"))
        .replace(" L ", &format!(" {LID} "))
        .replace("id: L", &format!("id: {LID}"))
        .replace("RequestId=L", &format!("RequestId={LID}"))
}

#[test]
fn generic_reasons_keep_their_detail_null_but_their_lines() {
    let out = parse(EXEC_GROUP, &[&format!("({RID}) Method completed with status: 502")]);
    assert_eq!(out.api(RID)["failure_reason"], "Other5XX");
    assert_eq!(out.api(RID)["line_count"], 1);
}

#[test]
fn out_of_memory_upgrades_lambda_error_once_joined_whatever_the_batch_order() {
    let exec = event(
        EXEC_GROUP,
        &[
            &format!(
                "({RID}) Lambda execution failed with status 200 due to customer function error: RequestId: {LID} Error: Runtime exited with error: signal: killed. Lambda request id: {LID}"
            ),
            &format!("({RID}) Method completed with status: 502"),
        ],
    );
    let lambda = event(
        LAMBDA_GROUP,
        &[
            &format!("START RequestId: {LID} Version: $LATEST"),
            &format!("RequestId: {LID} Error: Runtime exited with error: signal: killed"),
            "Runtime.ExitError",
            &format!("END RequestId: {LID}"),
            &format!(
                "REPORT RequestId: {LID}\tDuration: 900.00 ms\tBilled Duration: 900 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory"
            ),
        ],
    );
    assert_eq!(
        parse_events(std::slice::from_ref(&exec)).api(RID)["failure_reason"],
        "LambdaError"
    );
    for events in [[exec.clone(), lambda.clone()], [lambda.clone(), exec.clone()]] {
        let out = parse_events(&events);
        assert_eq!(out.api(RID)["failure_reason"], "LambdaOutOfMemory");
        assert_eq!(out.lambda(LID)["failure_reason"], "LambdaOutOfMemory");
    }
    // Without its API request, the invocation still records its own reason.
    assert_eq!(
        parse_events(&[lambda]).lambda(LID)["failure_reason"],
        "LambdaOutOfMemory"
    );
}

#[test]
fn precedence_across_batches_does_not_depend_on_arrival() {
    // The older throttling form split over two batches: neither alone is the whole truth.
    let a = event(
        EXEC_GROUP,
        &[
            &format!("({RID}) Execution failed due to configuration error: Malformed Lambda proxy response"),
            &format!("({RID}) Method completed with status: 502"),
        ],
    );
    let b = event(
        EXEC_GROUP,
        &[&format!(
            "({RID}) Endpoint response headers: {{x-amzn-ErrorType=TooManyRequestsException}}"
        )],
    );
    for events in [[a.clone(), b.clone()], [b, a]] {
        let out = parse_events(&events);
        assert_eq!(out.api(RID)["failure_reason"], "LambdaThrottled");
        assert_eq!(out.api(RID)["status"], 502);
    }
}

#[test]
fn success_has_null_reason_not_a_string() {
    let out = parse(EXEC_GROUP, &[&format!("({RID}) Method completed with status: 200")]);
    assert_eq!(out.api(RID)["failure_reason"], Value::Null);
    assert_eq!(out.api(RID)["failure_detail"], Value::Null);
    assert_eq!(out.api(RID)["status"], json!(200));
}
