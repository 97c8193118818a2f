//! `apigw-logs coverage` over the wire: API Gateway's own `Count`/`4XXError`/`5XXError` put into moto's
//! `AWS/ApiGateway`, fewer of the stage's requests indexed through the pipeline into the stack's namespace;
//! `coverage` reports the stage, the minute with requests missing, and its likely cause with `doctor`'s
//! findings.

use std::time::{Duration, Instant};

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::encode;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::pipeline::{Delivery, process_delivery};
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use aws_smithy_types::DateTime;
use serde_json::Value;

use crate::helpers::services;
use crate::onboard_moto::{cli, rest_api, sdk, stack, text};

const REGION: &str = "sa-east-1";

/// An execution-log delivery of `n` completed requests of `api`/dev in the minute starting at `minute_ms`.
fn completed_requests(api: &str, minute_ms: i64, n: usize, seed: usize) -> String {
    let mut events = Vec::new();
    for i in 0..n {
        let id = format!("{:08x}-0000-4000-8000-{:012x}", seed, i);
        events.push((
            (i * 1_000) as i64,
            format!("({id}) Starting execution for request: {id}"),
        ));
        events.push((
            (i * 1_000 + 500) as i64,
            format!("({id}) Method completed with status: 200"),
        ));
    }
    encode::lambda_event(&encode::data_payload(
        &format!("API-Gateway-Execution-Logs_{api}/dev"),
        "stream-0",
        minute_ms,
        events,
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn coverage_reports_the_stage_whose_requests_stopped_reaching_the_index() {
    let s = stack(REGION, "cov").await;
    let api = rest_api(REGION, &s.name, &s.function_arn(&s.backend), "dev").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let first = (now / 60_000 - 20) * 60_000;
    let minute = |i: i64| first + i * 60_000;

    // API Gateway counted 10, 8 and 6 requests in three minutes (one 5xx in the first).
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(REGION).await);
    let datum = |name: &str, at: i64, v: f64| {
        MetricDatum::builder()
            .metric_name(name)
            .dimensions(Dimension::builder().name("ApiName").value(&s.name).build())
            .dimensions(Dimension::builder().name("Stage").value("dev").build())
            .timestamp(DateTime::from_millis(at))
            .value(v)
            .unit(StandardUnit::Count)
            .build()
    };
    let data = vec![
        datum("Count", minute(0), 10.0),
        datum("5XXError", minute(0), 1.0),
        datum("4XXError", minute(0), 0.0),
        datum("Count", minute(1), 8.0),
        datum("Count", minute(2), 6.0),
    ];
    cw.put_metric_data()
        .namespace("AWS/ApiGateway")
        .set_metric_data(Some(data))
        .send()
        .await
        .unwrap();
    // The indexer saw the first two minutes only.
    let sink = CloudWatchMetrics::new(cw, &s.namespace);
    let pipeline = services(MemoryIndex::new(), sink, MemoryIndex::new(), None);
    for (i, n) in [(0, 10), (1, 8)] {
        let event = completed_requests(&api, minute(i), n, i as usize);
        let deadline = Instant::now() + Duration::from_secs(30);
        let o = process_delivery(&pipeline, Delivery::Event(event.as_bytes()), deadline)
            .await
            .unwrap();
        assert!(o.metrics.datums > 0);
    }

    let o = cli(
        REGION,
        &["coverage", "--api", &api, "--stack", &s.name, "--since", "1h", "--json"],
    );
    assert_eq!(o.status.code(), Some(1), "requests missing: {}", text(&o.stderr));
    let v: Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(
        (
            v["api_id"].as_str(),
            v["gateway"].as_f64(),
            v["indexed"].as_f64(),
            v["missing"].as_f64()
        ),
        (Some(api.as_str()), Some(24.0), Some(18.0), Some(6.0))
    );
    assert_eq!(v["shape"], "stopped_at");
    assert_eq!(v["gap_minutes"].as_array().unwrap().len(), 1);
    assert_eq!(v["gap_minutes"][0]["minute_ms"].as_i64(), Some(minute(2)));
    let checks: Vec<&str> = v["doctor"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["check"].as_str())
        .collect();
    assert!(
        checks.contains(&"execution_logging_off"),
        "doctor names what to fix: {checks:?}"
    );

    let o = cli(
        REGION,
        &["coverage", "--api", &api, "--stack", &s.name, "--since", "1h"],
    );
    let out = text(&o.stdout);
    let first_line = out.lines().next().unwrap();
    assert!(
        first_line.starts_with(&format!(
            "REST {api}/dev: 24 requests, 18 indexed, 6 missing in 1 minute (nothing since "
        )),
        "{out}"
    );
    assert!(first_line.contains("indexing stopped"), "{first_line}");
    assert!(out.contains("  doctor: "), "{out}");
    assert!(
        text(&o.stderr).contains("1 of 1 stage with requests never indexed"),
        "{}",
        text(&o.stderr)
    );

    // doctor points at coverage.
    let o = cli(REGION, &["doctor", "--api", &api, "--stack", &s.name]);
    assert!(
        text(&o.stderr).contains(&format!("apigw-logs coverage --stack {}", s.name)),
        "{}",
        text(&o.stderr)
    );
}
