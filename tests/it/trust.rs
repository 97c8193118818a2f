//! Trust boundaries (`docs/security.md`, "Trust"; issue "Hostile input"): a line is evidence only for the source it
//! arrived from. Execution-log syntax counts only in execution-log groups; a Lambda log line speaks only
//! for invocations of its own function; an ID another source names is a hint, not an identity.

use std::time::{Duration, Instant};

use apigw_log_indexer::index::query::fetch_story;
use apigw_log_indexer::index::read::Fragments;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::pipeline::{self, PipelineConfig};
use apigw_log_indexer::redact::Redactor;

use crate::helpers::{EXEC_GROUP, event_of as event, parse_events};

const API: &str = "9a8b7c6d-1111-4222-8333-444455556666";
const LID: &str = "0f1e2d3c-aaaa-4bbb-8ccc-dddddddddddd";
const VICTIM: &str = "/aws/lambda/orders-api";
const ATTACKER: &str = "/aws/lambda/attackerfn";

fn api_side() -> String {
    event(
        EXEC_GROUP,
        &[
            format!(
                "({API}) Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: {LID}"
            ),
            format!("({API}) Method completed with status: 502"),
        ],
    )
}

fn victim() -> String {
    event(
        VICTIM,
        &[
            format!("START RequestId: {LID} Version: $LATEST"),
            format!(
                "2025-11-21T12:00:00.100Z\t{LID}\tERROR\tInvoke Error \t{{\"errorType\":\"Error\",\"errorMessage\":\"boom\"}}"
            ),
            format!("END RequestId: {LID}"),
            format!(
                "REPORT RequestId: {LID}\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: error\tError Type: Error"
            ),
        ],
    )
}

/// Any function can print the victim's request ID with out-of-memory and timeout evidence.
fn attacker() -> String {
    event(
        ATTACKER,
        &[
            format!("RequestId: {LID} Error: Runtime exited with error: signal: killed"),
            format!("2025-11-21T12:00:00.200Z {LID} Task timed out after 1.00 seconds"),
        ],
    )
}

#[test]
fn execution_log_syntax_in_another_group_is_not_an_api_request() {
    let lines = [
        format!("({API}) Method completed with status: 502"),
        format!("({API}) Execution failed due to a timeout error"),
    ];
    let out = parse_events(&[event("/my/app", &lines)]);
    assert!(out.api.is_empty(), "{:#?}", out.api);
    assert_eq!(out.stats.skipped_total(), 2, "counted, never silent");
}

#[test]
fn another_function_logging_an_invocation_id_stays_its_own_record() {
    let out = parse_events(&[api_side(), victim(), attacker()]);
    let mine: Vec<_> = out.lambda.iter().filter(|r| r["request_id"] == LID).collect();
    assert_eq!(mine.len(), 2, "two functions, two records: {mine:#?}");
    let by_fn = |f: &str| mine.iter().find(|r| r["function_name"] == f).unwrap();
    let real = by_fn("orders-api");
    assert_eq!(
        (real["status"].as_str(), real["failure_reason"].as_str()),
        (Some("error"), Some("LambdaError"))
    );
    let fake = by_fn("attackerfn");
    assert_eq!(
        fake["failure_reason"], "LambdaOutOfMemory",
        "recorded, but only for its own function"
    );
    // The API request's own logs name LID, which two functions claim: no Lambda-side evidence is taken.
    let api = out.api(API);
    assert_eq!(api["failure_reason"], "LambdaError", "{api:#}");
}

#[test]
fn the_api_request_still_takes_its_own_functions_evidence() {
    let out = parse_events(&[api_side(), victim()]);
    let lambda = out.lambda(LID);
    assert_eq!(lambda["api_request_id"], API);
    assert_eq!(out.api(API)["failure_reason"], "LambdaError");
}

/// Through the index, as `lookup` reads it: both Lambda records are there, each with its function name,
/// and the attacker's evidence reaches neither the real invocation nor the API request.
#[tokio::test]
async fn lookup_shows_both_functions_labelled_and_the_real_verdict() {
    let index = MemoryIndex::new();
    let cfg = PipelineConfig {
        access_log_groups: Vec::new(),
        execution_log_groups: Vec::new(),
        own_account: None,
        max_decoded_bytes: 1 << 26,
        retention_days: 30,
        success: apigw_log_indexer::index::SuccessPolicy::FULL,
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    for e in [api_side(), victim(), attacker()] {
        pipeline::process(e.as_bytes(), &Redactor::builtin(), &cfg, &index, deadline)
            .await
            .unwrap();
    }
    let story = fetch_story(&index, API).await.unwrap();
    let fragments = Fragments::decode(&story.items);
    let (joined, problems) = fragments.joined();
    assert!(problems.is_empty(), "{problems:?}");
    let (api, lambda) = joined.records();
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].failure_reason.map(|r| r.as_str()), Some("LambdaError"));
    let mut functions: Vec<_> = lambda
        .iter()
        .map(|l| l.function_name.as_deref().unwrap_or(""))
        .collect();
    functions.sort_unstable();
    assert_eq!(functions, ["attackerfn", "orders-api"]);
}
