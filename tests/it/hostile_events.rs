//! Hostile input against moto, one class per test: a number DynamoDB cannot store (a poison batch before),
//! an item DynamoDB refuses anyway (isolated, the rest written), events that cannot be used (skipped and
//! counted, the rest indexed), and configuration outside its documented range (refused in one line).

use std::process::Command;
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::dynamodb::DynamoIndex;
use apigw_log_indexer::encode;
use apigw_log_indexer::index::{AttrValue, IndexItem};
use apigw_log_indexer::lambda;
use apigw_log_indexer::pipeline::{self, Outcome, PipelineConfig};
use apigw_log_indexer::ports::{IndexWriter, StoreError};
use apigw_log_indexer::redact::Redactor;
use base64::Engine as _;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::value::RawValue;

use crate::helpers::{EXEC_GROUP, LAMBDA_GROUP};
use crate::moto;

const CFG: PipelineConfig = PipelineConfig {
    access_log_groups: Vec::new(),
    execution_log_groups: Vec::new(),
    own_account: None,
    max_decoded_bytes: apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES,
    retention_days: 30,
    success: apigw_log_indexer::index::SuccessPolicy::FULL,
};
const IDS: [&str; 3] = [
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
];

async fn replay(index: &DynamoIndex, event: &[u8]) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(60);
    pipeline::process(event, &Redactor::builtin(), &CFG, index, deadline)
        .await
        .unwrap()
}

fn partition<'i>(items: &'i [IndexItem], id: &str) -> Vec<&'i IndexItem> {
    items.iter().filter(|i| i.pk == id).collect()
}

/// Any function can print a REPORT-shaped line: `Duration: 0.000…1` (200 zeros) underflows DynamoDB's numbers
/// and a 200-digit one overflows them. Such a number is left out and counted, and the other invocations of
/// the same write are indexed.
#[tokio::test]
async fn a_number_dynamodb_cannot_store_is_dropped_and_counted() {
    let zeros = "0".repeat(200);
    let digits = "9".repeat(200);
    let report = |id: &str, d: &str, init: &str| {
        format!(
            "REPORT RequestId: {id}\tDuration: {d} ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: {init} ms"
        )
    };
    let lines = [
        format!("START RequestId: {} Version: $LATEST", IDS[0]),
        report(IDS[0], &format!("0.{zeros}1"), "1.5"),
        format!("START RequestId: {} Version: $LATEST", IDS[1]),
        report(IDS[1], &digits, &digits),
        format!("START RequestId: {} Version: $LATEST", IDS[2]),
        report(IDS[2], "3.25", "2.5"),
    ];
    let event = encode::lambda_event(&encode::data_payload(
        LAMBDA_GROUP,
        "2024/01/29/[$LATEST]abc",
        1_700_000_000_000,
        lines.into_iter().enumerate().map(|(i, l)| (i as i64, l)).collect(),
    ));
    let index = moto::new_index("poison-number").await;
    let outcome = replay(&index, event.as_bytes()).await;
    assert_eq!(outcome.numbers_dropped, 3, "{outcome:?}");
    assert_eq!(outcome.write.rejected, 0);
    let items = moto::items(index.table()).await;
    for (id, want) in [(IDS[0], None), (IDS[1], None), (IDS[2], Some("3.25"))] {
        let got = partition(&items, id);
        assert_eq!(got.len(), 1, "{id}: {items:?}");
        assert_eq!(got[0].get("duration_ms").and_then(AttrValue::as_n), want, "{id}");
        assert!(got[0].get("data").is_some(), "{id}: the lines are stored");
    }
    assert_eq!(
        partition(&items, IDS[0])[0]
            .get("init_duration_ms")
            .and_then(AttrValue::as_n),
        Some("1.5")
    );
}

fn raw_items(bad_at: usize, n: usize) -> Vec<IndexItem> {
    (0..n)
        .map(|i| {
            let v = if i == bad_at {
                AttrValue::N("1e200".into())
            } else {
                AttrValue::int(i as i64)
            };
            IndexItem::new(format!("req-{i}"), "api#1").with("v", v)
        })
        .collect()
}

/// If DynamoDB still refuses an item (here one the layout would never build), the call is split until the
/// item is alone: the others are written, the refused one is counted, and the write succeeds. Every item
/// refused is the table's problem, and an error.
#[tokio::test]
async fn an_item_dynamodb_refuses_is_isolated_and_the_rest_written() {
    let index = moto::new_index("refused-item").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = index.write(raw_items(17, 30), deadline).await.unwrap();
    assert_eq!((report.items, report.rejected), (29, 1), "{report:?}");
    let stored: Vec<String> = moto::items(index.table()).await.into_iter().map(|i| i.pk).collect();
    assert_eq!(stored.len(), 29);
    assert!(!stored.contains(&"req-17".to_string()));

    let err = index.write(raw_items(0, 1), deadline).await.unwrap_err();
    assert!(matches!(err, StoreError::Rejected { remaining: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("ValidationException"), "{err}");
}

/// A delivery of execution-log events, some unusable: a timestamp of `"abc"`, `null` or none, a lone
/// `\udcff` escape, raw invalid UTF-8. Built by hand, since no encoder writes such JSON.
fn hostile_delivery() -> (Vec<u8>, String) {
    let ok = |i: usize, id: &str, text: &str| {
        format!(
            r#"{{"id":"{i:056}","timestamp":{},"message":"({id}) {text}"}}"#,
            1_700_000_000_000 + i
        )
    };
    let mut events: Vec<Vec<u8>> = Vec::new();
    for (i, id) in IDS.iter().enumerate() {
        events.push(ok(i * 10, id, "Starting execution for request: x").into_bytes());
        events.push(ok(i * 10 + 1, id, "Method completed with status: 200").into_bytes());
    }
    let bad = IDS[0];
    events.push(
        format!(
            r#"{{"id":"{:056}","timestamp":"abc","message":"({bad}) Method completed with status: 502"}}"#,
            91
        )
        .into_bytes(),
    );
    events.push(format!(r#"{{"id":"{:056}","timestamp":null,"message":"({bad}) x"}}"#, 92).into_bytes());
    events.push(format!(r#"{{"id":"{:056}","message":"({bad}) x"}}"#, 93).into_bytes());
    events.push(
        format!(
            r#"{{"id":"{:056}","timestamp":1700000000094,"message":"({bad}) lone \udcff"}}"#,
            94
        )
        .into_bytes(),
    );
    let mut utf8 = format!(
        r#"{{"id":"{:056}","timestamp":1700000000095,"message":"({bad}) raw "#,
        95
    )
    .into_bytes();
    utf8.extend_from_slice(b"\xff\xfe\"}");
    events.push(utf8);
    let mut json = format!(
        r#"{{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"{EXEC_GROUP}","logStream":"s","subscriptionFilters":["f"],"logEvents":["#
    )
    .into_bytes();
    json.extend_from_slice(&events.join(&b","[..]));
    json.extend_from_slice(b"]}");
    let data = base64::engine::general_purpose::STANDARD.encode(encode::gzip(&json));
    (json, format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#))
}

const SKIPPED: [(&str, u64); 3] = [("invalid_timestamp", 3), ("invalid_escape", 1), ("invalid_utf8", 1)];

/// One hostile event no longer rejects the delivery: every other request is indexed, and the function's
/// summary line, the pipeline's outcome and `parse`'s stderr count what was skipped and why.
#[tokio::test]
async fn unusable_events_are_skipped_and_counted_and_the_rest_indexed() {
    let (_, event) = hostile_delivery();
    let index = moto::new_index("hostile-events").await;
    let outcome = replay(&index, event.as_bytes()).await;
    let skipped: Vec<(&str, u64)> = outcome.stats.skipped.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    assert_eq!(skipped, SKIPPED);
    assert_eq!((outcome.events, outcome.api_fragments), (11, 3));
    let items = moto::items(index.table()).await;
    for id in IDS {
        let summary = partition(&items, id);
        assert_eq!(summary.len(), 1, "{id}");
        assert_eq!(
            summary[0].int("status"),
            Some(200),
            "{id}: the 502 line with a bad timestamp is not used"
        );
    }

    // The function's own summary line.
    let (log, _guard) = crate::hostile::capture_log();
    let services = crate::hostile::memory_services();
    let mut context = Context::default();
    context.deadline = 600_000;
    let invocation = LambdaEvent::new(RawValue::from_string(event.clone()).unwrap(), context);
    lambda::handle(&services, invocation).await.unwrap();
    let summary = log.text();
    assert!(
        summary.contains("batch indexed")
            && summary.contains("skipped=invalid_timestamp=3 invalid_escape=1 invalid_utf8=1")
            && summary.contains("lines_skipped=5"),
        "{summary}"
    );

    // `apigw-logs parse`: the records of the valid events, the skips on stderr.
    let file = std::env::temp_dir().join(format!("hostile-events-{}.json", std::process::id()));
    std::fs::write(&file, &event).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(["parse", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    for (kind, n) in SKIPPED {
        assert!(stderr.contains(&format!("{kind}: {n}")), "{stderr}");
    }
}
