//! The Lambda handler with in-memory adapters: CloudWatch Logs and Kinesis deliveries, partial batch
//! failures, the recursion guard, and Diagnostics with stable error types.

use std::time::{SystemTime, UNIX_EPOCH};

use apigw_log_indexer::encode;
use apigw_log_indexer::lambda;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::memory::RecordingMetrics;
use apigw_log_indexer::pipeline::Services;
use base64::Engine as _;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::value::RawValue;

use crate::helpers::{EXEC_GROUP, event};

const OWN_GROUP: &str = "/aws/lambda/apigw-log-indexer";

fn services() -> Services<MemoryIndex, RecordingMetrics, MemoryIndex> {
    crate::helpers::services(
        MemoryIndex::new(),
        RecordingMetrics::default(),
        MemoryIndex::new(),
        Some(OWN_GROUP),
    )
}

fn invocation(payload: String) -> LambdaEvent<Box<RawValue>> {
    let mut context = Context::default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    context.deadline = now + 30_000;
    LambdaEvent::new(RawValue::from_string(payload).unwrap(), context)
}

const LINE: &str = "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: 502";

#[tokio::test]
async fn a_cloudwatch_logs_delivery_is_indexed_and_answered_with_null() {
    let s = services();
    let out = lambda::handle(&s, invocation(event(EXEC_GROUP, &[LINE])))
        .await
        .unwrap();
    assert_eq!(out, serde_json::Value::Null);
    assert!(
        s.writer
            .dump()
            .iter()
            .any(|i| i.pk == "2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f")
    );
}

#[tokio::test]
async fn an_undecodable_delivery_fails_with_a_stable_error_type() {
    let s = services();
    let err = lambda::handle(&s, invocation(r#"{"awslogs":{"data":"bm90IGd6aXA="}}"#.into()))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "bad_gzip");
    assert!(err.error_message.contains("gzip"), "{}", err.error_message);
    let err = lambda::handle(&s, invocation(r#"{"source":"aws.events"}"#.into()))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "unsupported_event");
}

#[tokio::test]
async fn the_functions_own_log_group_is_skipped() {
    let s = services();
    let own = encode::lambda_event(&encode::data_payload(
        OWN_GROUP,
        "2025/11/21/[$LATEST]x",
        1_700_000_000_000,
        vec![(0, LINE.into())],
    ));
    lambda::handle(&s, invocation(own)).await.unwrap();
    assert!(
        s.writer.dump().is_empty(),
        "nothing indexed from the indexer's own logs"
    );
}

#[tokio::test]
async fn kinesis_records_are_processed_one_by_one_with_partial_batch_failures() {
    let s = services();
    let good = encode::gzip(
        serde_json::to_string(&encode::data_payload(
            EXEC_GROUP,
            "s",
            1_700_000_000_000,
            vec![(0, LINE.into())],
        ))
        .unwrap()
        .as_bytes(),
    );
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let record = |seq: &str, data: &[u8]| {
        serde_json::json!({
            "eventSource": "aws:kinesis", "eventID": format!("shardId-000000000000:{seq}"), "awsRegion": "us-east-1",
            "eventName": "aws:kinesis:record", "eventVersion": "1.0",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/logs",
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": seq,
                        "data": b64(data), "approximateArrivalTimestamp": 1_700_000_000.0}
        })
    };
    let kinesis = serde_json::json!({"Records": [record("1", &good), record("2", b"not gzip at all")]}).to_string();
    let out = lambda::handle(&s, invocation(kinesis)).await.unwrap();
    let failures = out["batchItemFailures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{out}");
    assert_eq!(failures[0]["itemIdentifier"], "2");
    assert!(
        s.writer
            .dump()
            .iter()
            .any(|i| i.pk == "2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f"),
        "the good record was indexed"
    );
}
