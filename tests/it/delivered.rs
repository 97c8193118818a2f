//! Delivered execution logs: a stage's execution logs sent by a CloudWatch Logs delivery to a log group the
//! operator names and declares (`EXECUTION_LOG_GROUPS`), in JSON or plain text. The same requests, delivered,
//! give the same records as their standard form in `API-Gateway-Execution-Logs_{api}/{stage}`.
//!
//! The standard lines are the project's real-capture fixtures (`events/fixtures/*.log`, sources in
//! events/README.md). No real delivered record was found in public: the JSON form below (`requestId`,
//! `message`, a timestamp, the stage's ARN) is the tolerant reader's minimum, as docs/log-formats.md says.

use std::path::Path;

use apigw_log_indexer::decode::{self, LogsPayload};
use apigw_log_indexer::encode;
use apigw_log_indexer::join::Joined;
use apigw_log_indexer::parse::delivered::{self, ExecutionLogGroup};
use apigw_log_indexer::parse::{ParseOptions, SkipKind, Sources, parse_batch_from};
use apigw_log_indexer::redact::Redactor;
use serde_json::{Value, json};

use crate::helpers::EXEC_GROUP;

const DELIVERED: &str = "/delivered/orders-api/dev-execution";
pub(crate) const START_MS: i64 = 1_763_726_400_000;

fn declared() -> Vec<ExecutionLogGroup> {
    vec![ExecutionLogGroup::parse(&format!("{DELIVERED}=a1b2c3d4e5/dev")).expect("declaration")]
}

/// The records of one batch of `group`, read as the function reads it with `groups` declared.
pub(crate) fn records(group: &str, events: Vec<(i64, String)>, groups: &[ExecutionLogGroup]) -> (Vec<Value>, Value) {
    let raw = encode::data_payload(group, "a1b2c3d4e5-dev-stream", START_MS, events);
    let bytes = serde_json::to_vec(&raw).expect("serializes");
    let payload = decode::parse_payload(&bytes).expect("payload");
    records_of(&payload, groups)
}

/// The records of one decoded payload, and the parser's counts.
pub(crate) fn records_of(payload: &LogsPayload<'_>, groups: &[ExecutionLogGroup]) -> (Vec<Value>, Value) {
    let standard = delivered::normalize(payload, groups);
    let sources = Sources {
        access_groups: &[],
        execution_groups: groups,
    };
    let batch = parse_batch_from(
        standard.as_ref().unwrap_or(payload),
        &Redactor::builtin(),
        ParseOptions { keep_lines: true },
        sources,
    );
    let stats = json!({
        "skipped": batch.stats.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
        "execution_lines": batch.stats.execution_lines,
    });
    let mut joined = Joined::default();
    joined.add_batch(batch);
    let (api, _) = joined.records();
    (
        api.iter()
            .map(|r| serde_json::to_value(r).expect("serializes"))
            .collect(),
        stats,
    )
}

pub(crate) fn fixture(name: &str) -> Vec<(i64, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("events/fixtures").join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    encode::read_fixture(&text, false).expect("fixture lines")
}

/// `(id) text` → a delivered JSON record of the same line.
fn as_json((offset, line): &(i64, String)) -> (i64, String) {
    let (id, text) = line[1..].split_once(") ").expect("standard line");
    let record = json!({
        "timestamp": "2025-11-21T12:00:00.000Z",
        "resourceArn": "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev",
        "requestId": id,
        "message": text,
    });
    (*offset, record.to_string())
}

/// The real-capture fixtures every delivered form is checked against (their standard form is the reference).
pub(crate) const REAL_CAPTURES: [&str; 4] = [
    "workshop-exec.log",
    "reason-integration-timeout.log",
    "reason-lambda-throttled.log",
    "reason-authorizer-error.log",
];

#[test]
fn a_delivered_batch_gives_the_records_of_its_standard_form() {
    for name in REAL_CAPTURES {
        let lines = fixture(name);
        let (standard, standard_stats) = records(EXEC_GROUP, lines.clone(), &[]);
        assert!(!standard.is_empty(), "{name}");
        let (plain, plain_stats) = records(DELIVERED, lines.clone(), &declared());
        assert_eq!(plain, standard, "{name}: plain text");
        assert_eq!(plain_stats, standard_stats, "{name}: plain text");
        let (json_records, json_stats) = records(DELIVERED, lines.iter().map(as_json).collect(), &declared());
        assert_eq!(json_records, standard, "{name}: JSON");
        assert_eq!(json_stats, standard_stats, "{name}: JSON");
    }
}

/// The group's name says nothing: undeclared, a delivered group is no source (its lines are counted as
/// `unknown_source`), however execution-log-like its lines are.
#[test]
fn an_undeclared_group_is_read_by_no_parser() {
    let (api, stats) = records(DELIVERED, fixture("reason-integration-timeout.log"), &[]);
    assert!(api.is_empty(), "{api:?}");
    assert!(
        stats["skipped"]["unknown_source"].as_u64().is_some_and(|n| n > 0),
        "{stats}"
    );
}

/// Delivered events go up to 1 MB where standard ones stop at 1 KB: a long line is read whole, and a JSON
/// record's fields the reader does not know stay on the line.
#[test]
fn long_delivered_records_are_read_whole() {
    let id = "0d4a1b8e-3c2f-4e5a-9b7c-1d2e3f4a5b6c";
    let body = "x".repeat(200_000);
    let lines = vec![
        (
            0,
            json!({"requestId": id, "message": format!("Endpoint response body before transformations: {body}")})
                .to_string(),
        ),
        (
            1,
            json!({"requestId": id, "message": "Execution failed due to a timeout error", "deliveryVersion": "2"})
                .to_string(),
        ),
        (
            2,
            json!({"requestId": id, "message": "Method completed with status: 504"}).to_string(),
        ),
        (3, json!({"message": "a record without a request ID"}).to_string()),
    ];
    let (api, stats) = records(DELIVERED, lines, &declared());
    assert_eq!(api.len(), 1, "{api:?}");
    assert_eq!(
        (&api[0]["status"], &api[0]["failure_reason"]),
        (&json!(504), &json!("IntegrationTimeout"))
    );
    assert_eq!(
        (&api[0]["api_id"], &api[0]["stage"]),
        (&json!("a1b2c3d4e5"), &json!("dev"))
    );
    assert!(
        api[0]["failure_detail"]
            .as_str()
            .is_some_and(|d| d.contains("deliveryVersion")),
        "{}",
        api[0]
    );
    assert_eq!(stats["skipped"][SkipKind::NoRequestId.as_str()], 1, "{stats}");
}

/// Through the function's own path (decode, the declared groups of its configuration, parse, classify,
/// lay out): a delivered JSON event is indexed and counted as its standard form is.
#[test]
fn the_pipeline_reads_a_declared_group_as_its_stage_s_execution_log() {
    use apigw_log_indexer::pipeline::{Delivery, PipelineConfig, plan_delivery};
    let cfg = PipelineConfig {
        max_decoded_bytes: apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES,
        retention_days: 30,
        access_log_groups: Vec::new(),
        execution_log_groups: declared(),
        own_account: None,
        success: apigw_log_indexer::index::SuccessPolicy::FULL,
    };
    let lines = fixture("reason-integration-timeout.log");
    let event = |group: &str, events: Vec<(i64, String)>| {
        encode::lambda_event(&encode::data_payload(group, "a1b2c3d4e5-dev-stream", START_MS, events))
    };
    let plan = |event: &str| {
        let s = crate::helpers::services((), (), (), None);
        let now = START_MS + 60_000;
        plan_delivery(
            Delivery::Event(event.as_bytes()),
            &s.redactor,
            &cfg,
            &s.metrics_options,
            None,
            now,
        )
        .expect("a valid event")
    };
    let standard = plan(&event(EXEC_GROUP, lines.clone()));
    let delivered = plan(&event(DELIVERED, lines.iter().map(as_json).collect()));
    assert_eq!(standard.outcome.api_fragments, 2);
    assert_eq!(delivered.outcome.api_fragments, standard.outcome.api_fragments);
    assert_eq!(
        delivered.outcome.failures_by_reason(),
        standard.outcome.failures_by_reason()
    );
    assert_eq!(delivered.outcome.failures_by_reason(), "IntegrationTimeout=2");
    assert_eq!(delivered.outcome.lines_skipped, 0);
}
