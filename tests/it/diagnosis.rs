//! `parse --json` diagnoses an integration timeout whose invocation ran on after API Gateway answered: joined
//! through the function's own log (Powertools' `correlation_id`), the record says how long it ran after the
//! 504, how it ended and what it cost; without that log line it says how the invocation could be found.

use std::process::Command;

use serde_json::Value;

use crate::cli::TempDir;
use crate::helpers::{EXEC_GROUP, event};

const RID: &str = "13b398ed-faba-4d50-a4a1-6cd39bda85e5";
const LRID: &str = "52fdfc07-2182-454f-963f-5f0f9a621d72";

/// The request's execution log: the line API Gateway writes after 29 s (re:Post knowledge center
/// api-gateway-504-errors), with no Lambda request ID anywhere.
fn exec() -> String {
    let lines = [
        format!("@0 ({RID}) HTTP Method: GET, Resource Path: /report"),
        format!("@29002 ({RID}) Execution failed due to a timeout error"),
        format!("@29002 ({RID}) Method completed with status: 504"),
    ];
    event(EXEC_GROUP, &lines.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The function's log (`events/fixtures/lambda-powertools-correlation.log`'s shape): it ran 60 s at 1024 MB and
/// succeeded; `correlate` names the request when true.
fn function_log(correlate: bool) -> String {
    let mut lines = vec![format!("@0 START RequestId: {LRID} Version: $LATEST")];
    if correlate {
        lines.push(format!(
            "@12 {{\"level\":\"INFO\",\"message\":\"Building report\",\"service\":\"reports\",\
             \"function_request_id\":\"{LRID}\",\"correlation_id\":\"{RID}\"}}"
        ));
    }
    lines.extend([
        format!("@60001 END RequestId: {LRID}"),
        format!(
            "@60001 REPORT RequestId: {LRID}\tDuration: 60000.00 ms\tBilled Duration: 60000 ms\tMemory Size: 1024 MB\tMax Memory Used: 301 MB"
        ),
    ]);
    event(
        "/aws/lambda/reports",
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    )
}

fn api_record(correlate: bool) -> Value {
    let dir = TempDir::new(&format!("diagnosis-{correlate}"));
    let files = [
        dir.file("exec.json", exec().as_bytes()),
        dir.file("lambda.json", function_log(correlate).as_bytes()),
    ];
    let o = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(["parse", "--json"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["kind"] == "api")
        .expect("the API record")
}

#[test]
fn an_integration_timeout_reports_how_long_its_invocation_ran_on_how_it_ended_and_its_cost() {
    let r = api_record(true);
    assert_eq!(
        (r["status"].as_u64(), r["failure_reason"].as_str()),
        (Some(504), Some("IntegrationTimeout"))
    );
    let d = &r["diagnosis"];
    let after = &d["after_response"];
    assert_eq!(after["lambda_request_id"], LRID);
    assert_eq!(after["joined_by"], "function_log");
    // No integration latency logged: API Gateway answered at its 29,000 ms default.
    assert_eq!(after["answered_after_ms"], 29_000);
    assert_eq!(after["ran_after_response_ms"], 31_000.0);
    assert_eq!(after["ended"], "success");
    // 60 s at 1 GB: 60 GB-s at USD 0.0000166667.
    let cost = after["cost_usd"].as_f64().unwrap();
    assert!((cost - 60.0 * 0.000_016_666_7).abs() < 1e-12, "{cost}");
    let cause = d["cause"].as_str().unwrap();
    assert!(
        cause.contains(
            "ran on for 31000 ms after the answer and then succeeded (billed 60000 ms at 1024 MB: USD 0.001000"
        ),
        "{cause}"
    );
    assert_eq!(d["next"], Value::Null);
}

#[test]
fn without_a_join_the_diagnosis_says_how_the_invocation_could_be_found() {
    let r = api_record(false);
    let d = &r["diagnosis"];
    assert_eq!(d["after_response"], Value::Null);
    assert!(d["next"].as_str().unwrap().contains("logs the API request ID"), "{d:#}");
    assert_eq!(d["facts"][0]["name"], "integration_timeout_ms");
    assert_eq!(d["facts"][0]["value"], 29_000);
}
