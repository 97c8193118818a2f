//! The index over the wire, against the project's moto server: replay then lookup both ways, a request
//! split across batches, idempotent rewrites, the failures index, and create-table. Each test has its
//! own table.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::dynamodb::{DynamoIndex, TableStatus};
use apigw_log_indexer::index::query::{FailureEntry, fetch_story, list_failures};
use apigw_log_indexer::index::read::Fragments;
use apigw_log_indexer::pipeline::{self, Outcome, PipelineConfig};
use apigw_log_indexer::ports::FailureFilter;
use apigw_log_indexer::ports::schema;
use apigw_log_indexer::redact::Redactor;
use aws_sdk_dynamodb::types::{ProjectionType, TimeToLiveStatus};
use serde_json::Value;

use crate::helpers::parse_events;
use crate::moto;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("events").join(name)).unwrap()
}

const CFG: PipelineConfig = PipelineConfig {
    access_log_groups: Vec::new(),
    execution_log_groups: Vec::new(),
    own_account: None,
    max_decoded_bytes: apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES,
    retention_days: 30,
    success: apigw_log_indexer::index::SuccessPolicy::FULL,
};

async fn replay(index: &DynamoIndex, names: &[&str]) -> Vec<Outcome> {
    let mut out = Vec::new();
    for name in names {
        let deadline = Instant::now() + Duration::from_secs(60);
        let o = pipeline::process(read(name).as_bytes(), &Redactor::builtin(), &CFG, index, deadline)
            .await
            .unwrap();
        out.push(o);
    }
    out
}

/// What a lookup shows: the API and Lambda records (as `lookup --json` without lines), the messages in
/// time order, and the Query calls made.
async fn lookup(index: &DynamoIndex, id: &str) -> (Vec<Value>, Vec<Value>, Vec<String>, usize) {
    let story = fetch_story(index, id).await.unwrap();
    let fragments = Fragments::decode(&story.items);
    let (joined, problems) = fragments.joined();
    assert!(
        fragments.problems.is_empty() && problems.is_empty(),
        "{:?} {problems:?}",
        fragments.problems
    );
    let (api, lambda) = joined.records();
    let mut lines: Vec<_> = joined
        .api_states()
        .iter()
        .flat_map(|a| a.core.lines())
        .chain(joined.lambda_states().iter().flat_map(|l| l.core.lines()))
        .collect();
    lines.sort_by_key(|l| l.timestamp_ms);
    (
        api.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
        lambda.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
        lines.iter().map(|l| l.message.to_string()).collect(),
        story.calls,
    )
}

#[tokio::test]
async fn replay_then_lookup_by_api_or_lambda_request_id_tells_the_same_story() {
    let index = moto::new_index("both-ways").await;
    let files = ["workshop-exec.json", "workshop-lambda.json"];
    replay(&index, &files).await;
    let offline = parse_events(&files.map(read));
    let timeouts: Vec<&Value> = offline.api.iter().filter(|r| r["status"] == 502).collect();
    assert_eq!(timeouts.len(), 7);
    for t in timeouts {
        let api_id = t["request_id"].as_str().unwrap();
        let lambda_id = t["lambda_request_id"].as_str().unwrap();
        for id in [api_id, lambda_id] {
            let (api, lambda, lines, calls) = lookup(&index, id).await;
            assert_eq!(api, vec![offline.api(api_id).clone()], "lookup {id}");
            assert_eq!(lambda, vec![offline.lambda(lambda_id).clone()], "lookup {id}");
            assert_eq!(api[0]["failure_reason"], "LambdaTimeout");
            assert_eq!(lambda[0]["status"], "timeout");
            let want = t["line_count"].as_u64().unwrap() + lambda[0]["line_count"].as_u64().unwrap();
            assert_eq!(lines.len() as u64, want);
            assert!(lines.iter().any(|l| l.contains("Task timed out after")));
            assert!(lines.iter().any(|l| l.starts_with("REPORT RequestId: ")));
            assert_eq!(calls, 2, "one Query for the ID, one for the linked ID");
        }
    }
}

#[tokio::test]
async fn a_request_split_across_two_batches_is_merged_at_read_time() {
    let index = moto::new_index("split").await;
    let files = ["split-request-1.json", "split-request-2.json"];
    replay(&index, &files).await;
    let offline = parse_events(&files.map(read));
    assert_eq!(offline.api.len(), 3);
    let mut by_status = Vec::new();
    for want in &offline.api {
        let id = want["request_id"].as_str().unwrap();
        let (api, _, lines, _) = lookup(&index, id).await;
        assert_eq!(&api[0], want, "{id}");
        assert!(lines.len() as u64 >= want["line_count"].as_u64().unwrap());
        by_status.push((want["status"].clone(), want["failure_reason"].clone()));
    }
    by_status.sort_by_key(|(s, _)| s.to_string());
    assert_eq!(
        by_status,
        vec![
            (Value::from(200), Value::Null),
            (Value::from(401), Value::from("Unauthorized")),
            (Value::from(502), Value::from("LambdaTimeout")),
        ]
    );
}

#[tokio::test]
async fn processing_the_same_batches_again_or_in_another_order_leaves_the_same_table() {
    let files = [
        "workshop-exec.json",
        "workshop-lambda.json",
        "split-request-1.json",
        "split-request-2.json",
    ];
    let once = moto::new_index("idem-a").await;
    replay(&once, &files).await;
    let first = moto::dump(once.table()).await;
    assert!(first.len() > 60, "{}", first.len());
    // Lambda retries an asynchronous invocation with the same event: here, two of them, twice.
    replay(&once, &["split-request-1.json", "workshop-exec.json"]).await;
    replay(&once, &["split-request-1.json"]).await;
    assert_eq!(moto::dump(once.table()).await, first);

    let reversed = moto::new_index("idem-b").await;
    let mut backwards = files;
    backwards.reverse();
    replay(&reversed, &backwards).await;
    let other: Vec<_> = moto::dump(reversed.table()).await;
    assert_eq!(other, first, "items do not depend on the order batches arrive in");
}

async fn failures(index: &DynamoIndex, since: i64, until: i64, filter: FailureFilter) -> Vec<FailureEntry> {
    let mut out = Vec::new();
    list_failures(index, since, until, &filter, |e| out.push(e))
        .await
        .unwrap();
    out
}

#[tokio::test]
async fn failures_are_listed_newest_first_once_each_and_filtered() {
    let index = moto::new_index("failures").await;
    let files = [
        "workshop-exec.json",
        "reason-lambda-timeout.json",
        "reason-throttled.json",
        "reason-unauthorized.json",
        "reason-other-5xx.json",
        "websocket-exec.json",
    ];
    replay(&index, &files).await;
    // The same request delivered twice more must still be listed once.
    replay(&index, &["reason-throttled.json"]).await;
    let mut expected = BTreeSet::new();
    for f in files {
        for r in parse_events(&[read(f)]).api {
            if !r["failure_reason"].is_null() {
                expected.insert(r["request_id"].as_str().unwrap().to_string());
            }
        }
    }
    let day = 86_400_000;
    let (t0, t1) = (1_763_683_200_000, 1_763_769_600_000); // 2025-11-21 .. 2025-11-22 UTC
    let all = failures(&index, t0 - day, t1 + day, FailureFilter::default()).await;
    let ids: BTreeSet<String> = all.iter().map(|e| e.request_id.clone()).collect();
    assert_eq!(ids, expected);
    assert_eq!(ids.len(), all.len(), "each request once");
    assert!(
        all.windows(2)
            .all(|w| w[0].first_timestamp_ms >= w[1].first_timestamp_ms),
        "newest first"
    );

    let timeouts = failures(
        &index,
        t0,
        t1,
        FailureFilter {
            reason: Some("LambdaTimeout".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(
        timeouts.len() >= 9
            && timeouts
                .iter()
                .all(|e| e.failure_reason.as_deref() == Some("LambdaTimeout"))
    );
    let ws = failures(
        &index,
        t0,
        t1,
        FailureFilter {
            api_id: Some("w7x8y9z0ab".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(!ws.is_empty() && ws.iter().all(|e| e.api_id.as_deref() == Some("w7x8y9z0ab")));
    let prod = failures(
        &index,
        t0,
        t1,
        FailureFilter {
            stage: Some("production".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(prod, ws);
    let none = failures(
        &index,
        t0,
        t1,
        FailureFilter {
            stage: Some("nope".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(none.is_empty());

    // A window: only entries inside it, whatever day partition they are in.
    let mid = all[all.len() / 2].first_timestamp_ms.unwrap();
    let newer = failures(&index, mid, t1 + day, FailureFilter::default()).await;
    assert!(!newer.is_empty() && newer.len() < all.len());
    assert!(newer.iter().all(|e| e.first_timestamp_ms.unwrap() >= mid));
    assert_eq!(newer[..], all[..newer.len()]);
}

#[tokio::test]
async fn create_table_is_idempotent_and_builds_the_schema() {
    let index = moto::new_index("schema").await;
    assert_eq!(index.create_table().await.unwrap(), TableStatus::Existed);
    let client = moto::client();
    let d = client.describe_table().table_name(index.table()).send().await.unwrap();
    let t = d.table().unwrap();
    let keys: Vec<_> = t
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(keys, [(schema::PARTITION_KEY, "HASH"), (schema::SORT_KEY, "RANGE")]);
    assert_eq!(
        t.billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|m| m.as_str()),
        Some("PAY_PER_REQUEST")
    );
    let gsi = &t.global_secondary_indexes()[0];
    assert_eq!(gsi.index_name(), Some(schema::FAILURES_INDEX));
    let p = gsi.projection().unwrap();
    assert_eq!(p.projection_type(), Some(&ProjectionType::Include));
    assert_eq!(p.non_key_attributes(), schema::FAILURES_PROJECTED);
    assert!(t.sse_description().is_some(), "server-side encryption is requested");
    let ttl = client
        .describe_time_to_live()
        .table_name(index.table())
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some(schema::TTL_ATTRIBUTE));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}
