//! One account for many: a member account's deliveries reach the indexer through a CloudWatch Logs
//! destination and a Kinesis stream, with the member's account in the payload's `owner`. Its fragments are
//! indexed with that account; the indexer's own account's fragments are stored exactly as before.

use std::time::{SystemTime, UNIX_EPOCH};

use apigw_log_indexer::encode::{self, EXAMPLE_ACCOUNT};
use apigw_log_indexer::index::{SuccessPolicy, SuccessStorage};
use apigw_log_indexer::lambda;
use apigw_log_indexer::memory::{MemoryIndex, RecordingMetrics};
use apigw_log_indexer::pipeline::{Services, source_account};
use apigw_log_indexer::ports::item::IndexItem;
use apigw_log_indexer::ports::schema::attr;
use base64::Engine as _;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::value::RawValue;

use crate::helpers::{EXEC_GROUP, LAMBDA_GROUP};

const MEMBER: &str = "210987654321";
const MEMBER_API: &str = "6a0e7c2d-1111-4222-8333-444455556666";
const MEMBER_LAMBDA: &str = "9f8e7d6c-1111-4222-8333-444455556666";
const OWN_API: &str = "2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f";
const OK_API: &str = "0b1c2d3e-1111-4222-8333-444455556666";

fn services(success: SuccessPolicy) -> Services<MemoryIndex, RecordingMetrics, MemoryIndex> {
    let mut s = crate::helpers::services(
        MemoryIndex::new(),
        RecordingMetrics::default(),
        MemoryIndex::new(),
        None,
    );
    s.config.own_account = Some(EXAMPLE_ACCOUNT.into());
    s.config.success = success;
    s
}

/// A Kinesis record as CloudWatch Logs puts it into a destination's stream: the gzip payload itself.
fn record(seq: &str, owner: &str, group: &str, lines: &[&str]) -> serde_json::Value {
    let mut payload = encode::data_payload(
        group,
        "2026/12/07/[$LATEST]0123456789abcdef",
        1_700_000_000_000,
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as i64, (*l).to_string()))
            .collect(),
    );
    payload.owner = owner.into();
    let data = encode::gzip(serde_json::to_string(&payload).unwrap().as_bytes());
    serde_json::json!({
        "eventSource": "aws:kinesis", "eventID": format!("shardId-000000000000:{seq}"), "awsRegion": "us-east-1",
        "eventName": "aws:kinesis:record", "eventVersion": "1.0",
        "invokeIdentityArn": format!("arn:aws:iam::{EXAMPLE_ACCOUNT}:role/indexer"),
        "eventSourceARN": format!("arn:aws:kinesis:us-east-1:{EXAMPLE_ACCOUNT}:stream/central"),
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": seq,
                    "data": base64::engine::general_purpose::STANDARD.encode(data),
                    "approximateArrivalTimestamp": 1_700_000_000.0}
    })
}

async fn handle(s: &Services<MemoryIndex, RecordingMetrics, MemoryIndex>, records: Vec<serde_json::Value>) {
    let mut context = Context::default();
    context.deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64 + 30_000;
    let raw = serde_json::json!({ "Records": records }).to_string();
    let out = lambda::handle(s, LambdaEvent::new(RawValue::from_string(raw).unwrap(), context))
        .await
        .unwrap();
    assert_eq!(out["batchItemFailures"].as_array().map(Vec::len), Some(0), "{out}");
}

fn items_of<'a>(items: &'a [IndexItem], pk: &str) -> Vec<&'a IndexItem> {
    items.iter().filter(|i| i.pk == pk).collect()
}

#[tokio::test]
async fn a_kinesis_batch_from_another_accounts_destination_is_indexed_with_its_account() {
    let s = services(SuccessPolicy::FULL);
    let member_exec = format!("({MEMBER_API}) Method completed with status: 502");
    let member_lambda = format!(
        "REPORT RequestId: {MEMBER_LAMBDA}\tDuration: 29000.00 ms\tBilled Duration: 29000 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t"
    );
    let own_exec = format!("({OWN_API}) Method completed with status: 502");
    handle(
        &s,
        vec![
            record("1", MEMBER, EXEC_GROUP, &[&member_exec]),
            record("2", MEMBER, LAMBDA_GROUP, &[&member_lambda]),
            record("3", EXAMPLE_ACCOUNT, EXEC_GROUP, &[&own_exec]),
        ],
    )
    .await;
    let items = s.writer.dump();
    for id in [MEMBER_API, MEMBER_LAMBDA] {
        let mine = items_of(&items, id);
        assert!(!mine.is_empty(), "{id} indexed: {items:?}");
        assert!(
            mine.iter()
                .all(|i| i.s(attr::SOURCE_ACCOUNT) == Some(MEMBER) || i.sk.contains("#p")),
            "{id}'s items name the member account: {mine:?}"
        );
    }
    let own = items_of(&items, OWN_API);
    assert!(!own.is_empty());
    assert!(
        own.iter().all(|i| i.get(attr::SOURCE_ACCOUNT).is_none()),
        "the indexer's own account's items are unchanged: {own:?}"
    );
}

#[tokio::test]
async fn a_summarized_success_from_another_account_keeps_its_account() {
    let s = services(SuccessPolicy {
        storage: SuccessStorage::Summary,
        ..SuccessPolicy::default()
    });
    let lines = [
        format!("({OK_API}) Method request path: {{}}"),
        format!("({OK_API}) HTTP Method: GET, Resource Path: /orders"),
        format!("({OK_API}) Method completed with status: 200"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    handle(&s, vec![record("1", MEMBER, EXEC_GROUP, &lines)]).await;
    let items = s.writer.dump();
    let summary = items_of(&items, OK_API);
    assert_eq!(summary.len(), 1, "one summary item: {items:?}");
    assert_eq!(summary[0].s(attr::SOURCE_ACCOUNT), Some(MEMBER));
}

#[test]
fn only_another_accounts_id_is_kept_and_only_when_the_indexer_knows_its_own() {
    for (owner, own, kept) in [
        (MEMBER, Some(EXAMPLE_ACCOUNT), Some(MEMBER)),
        (EXAMPLE_ACCOUNT, Some(EXAMPLE_ACCOUNT), None),
        (MEMBER, None, None),
        // CONTROL_MESSAGE's owner, and anything that is not 12 digits, is not an account.
        ("CloudwatchLogs", Some(EXAMPLE_ACCOUNT), None),
        ("21098765432", Some(EXAMPLE_ACCOUNT), None),
        ("2109876543210", Some(EXAMPLE_ACCOUNT), None),
        ("21098765432x", Some(EXAMPLE_ACCOUNT), None),
        ("", Some(EXAMPLE_ACCOUNT), None),
    ] {
        assert_eq!(source_account(owner, own).as_deref(), kept, "{owner:?} {own:?}");
    }
}
