//! Joins without execution logs (`docs/log-formats.md` §6): many stages log at ERROR or not at all, so the
//! access log's `integration.requestId` and the function's own log are the only links between an API
//! request and its Lambda invocation. A lookup by either ID must reach the other; a function's claim is
//! labelled as such and never changes the API request's evidence.

use std::time::{Duration, Instant};

use apigw_log_indexer::index::query::fetch_story;
use apigw_log_indexer::index::read::Fragments;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::pipeline::{self, PipelineConfig};
use apigw_log_indexer::redact::Redactor;
use serde_json::Value;

use crate::helpers::event_of as event;

const HTTP_API_ID: &str = "KyDfdgZ9oAMEYpA=";
const REST_ID: &str = "9a8b7c6d-1111-4222-8333-444455556666";
const LID: &str = "88d54618-b7bc-445e-9bd2-d2eb1e8a2045";
const FN_GROUP: &str = "/aws/lambda/orders-api";

/// The function's invocation: killed for memory.
fn invocation(extra: &str) -> String {
    event(
        FN_GROUP,
        &[
            format!("START RequestId: {LID} Version: $LATEST"),
            extra.to_string(),
            format!("RequestId: {LID} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"),
            format!("END RequestId: {LID}"),
            format!(
                "REPORT RequestId: {LID}\tDuration: 812.33 ms\tBilled Duration: 813 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB"
            ),
        ],
    )
}

/// Writes the events through the Lambda's pipeline, then reads the story of `id` as `lookup` does.
async fn lookup(events: &[String], id: &str) -> (Vec<Value>, Vec<Value>) {
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
    for e in events {
        pipeline::process(e.as_bytes(), &Redactor::builtin(), &cfg, &index, deadline)
            .await
            .unwrap();
    }
    let story = fetch_story(&index, id).await.unwrap();
    let fragments = Fragments::decode(&story.items);
    let (joined, problems) = fragments.joined();
    assert!(problems.is_empty(), "{problems:?}");
    let (api, lambda) = joined.records();
    (
        api.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
        lambda.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
    )
}

/// HTTP API access log with `$context.integration.requestId` (a real record's fields, issue
/// DataBiosphere/azul-style formats; see docs on customizing HTTP API access logs).
fn http_access(integration_request_id: &str, status: &str, error: &str) -> String {
    event(
        "/aws/apigateway/orders-http-api-access-logs",
        &[format!(
            r#"{{"requestId":"{HTTP_API_ID}","apiId":"x1y2z3","stage":"$default","routeKey":"GET /orders","status":"{status}","integrationRequestId":"{integration_request_id}","integrationErrorMessage":"{error}","responseLatency":"830","integrationLatency":"815"}}"#
        )],
    )
}

#[tokio::test]
async fn access_log_integration_request_id_joins_both_ways_and_upgrades_the_reason() {
    let events = [
        http_access(
            LID,
            "500",
            "The Lambda function returned the following error: RequestId: 88d54618-b7bc-445e-9bd2-d2eb1e8a2045 Error: Runtime exited with error: signal: killed. Check your Lambda function code and try again.",
        ),
        invocation("2025-11-21T12:00:00.100Z\t88d54618-b7bc-445e-9bd2-d2eb1e8a2045\tINFO\tloading"),
    ];
    for id in [HTTP_API_ID, LID] {
        let (api, lambda) = lookup(&events, id).await;
        assert_eq!(api.len(), 1, "lookup {id}: {api:#?}");
        assert_eq!(lambda.len(), 1, "lookup {id}: {lambda:#?}");
        assert_eq!(api[0]["failure_reason"], "LambdaOutOfMemory", "lookup {id}");
        assert_eq!(api[0]["lambda_request_id"], LID);
        assert_eq!(lambda[0]["api_request_id"], HTTP_API_ID);
        assert_eq!(lambda[0]["api_request_id_source"], "api_gateway");
    }
}

#[tokio::test]
async fn a_powertools_correlation_id_reaches_the_invocation_from_the_api_id() {
    // Powertools for AWS Lambda (Python) with correlation_id_path=API_GATEWAY_REST: its documented output.
    let powertools = format!(
        r#"{{"level":"INFO","location":"handler:45","message":"Collecting payment","timestamp":"2025-11-21 12:00:00,100+0000","service":"payment","cold_start":true,"function_name":"orders-api","function_request_id":"{LID}","correlation_id":"{REST_ID}"}}"#
    );
    let events = [invocation(&powertools)];
    for id in [REST_ID, LID] {
        let (api, lambda) = lookup(&events, id).await;
        assert!(api.is_empty(), "no API Gateway log at all: {api:#?}");
        assert_eq!(lambda.len(), 1, "lookup {id} reaches the invocation");
        assert_eq!(lambda[0]["api_request_id"], REST_ID);
        assert_eq!(lambda[0]["api_request_id_source"], "function_log");
        assert_eq!(lambda[0]["failure_reason"], "LambdaOutOfMemory");
    }
}

#[tokio::test]
async fn a_function_claim_never_changes_the_api_requests_evidence() {
    // The access log shows a 502 from an unnamed integration; the function claims the request via [APIG: id].
    let access = event(
        "/aws/apigateway/rest-access",
        &[format!(
            r#"{{"requestId":"{REST_ID}","status":"502","integrationRequestId":"-","errorResponseType":"INTEGRATION_FAILURE","errorMessage":"Internal server error"}}"#
        )],
    );
    let claim = format!("[INFO]\t2025-11-21T12:00:00.100Z\t{LID}\t[APIG: {REST_ID}] fetching order");
    let (api, lambda) = lookup(&[access, invocation(&claim)], REST_ID).await;
    assert_eq!(lambda.len(), 1, "the lookup shows the claimed invocation");
    assert_eq!(lambda[0]["api_request_id_source"], "function_log");
    assert_eq!(api.len(), 1);
    assert_ne!(api[0]["failure_reason"], "LambdaOutOfMemory", "{:#}", api[0]);
    assert_eq!(api[0]["lambda_request_id"], Value::Null);
}

#[test]
fn an_integration_timeout_stays_unjoined() {
    // A real REST access record of a timeout: awsEndpointRequestId is "-" (DataBiosphere/azul#6284).
    let access = event(
        "/aws/apigateway/rest-access",
        &[format!(
            r#"{{"requestId":"{REST_ID}","status":"504","error_message":"Endpoint request timed out","error_responseType":"INTEGRATION_TIMEOUT","awsEndpointRequestId":"-"}}"#
        )],
    );
    let out = crate::helpers::parse_events(&[access]);
    let r = out.api(REST_ID);
    assert_eq!(
        (r["failure_reason"].as_str(), r["lambda_request_id"].as_str()),
        (Some("IntegrationTimeout"), None)
    );
}
