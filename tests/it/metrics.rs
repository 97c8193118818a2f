//! Failure-reason metrics: over the wire against moto (generated traffic vs its truth, and a replay that
//! must not count again), the marker's release when publishing fails, and throttling until the deadline
//! with scripted SDK responses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::aws::retry::Backoff;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::memory::failing::{FailingMetrics, SendFailure};
use apigw_log_indexer::pipeline::{Delivery, PipelineError, process_delivery};
use apigw_log_indexer::ports::MetricsSink;
use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatch::operation::put_metric_data::PutMetricDataError;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use serde_json::Value;

use crate::helpers::{recent_event, services};
use crate::moto;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn cloudwatch() -> aws_sdk_cloudwatch::Client {
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto::endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto-tests"))
        .build();
    aws_sdk_cloudwatch::Client::from_conf(config)
}

/// Generator traffic that starts `ago_ms` before now (CloudWatch keeps two weeks of data points).
fn traffic(name: &str, ago_ms: i64) -> (PathBuf, Vec<PathBuf>) {
    let dir = std::env::temp_dir().join(format!("apigw-metrics-{name}-{}", std::process::id()));
    let spec = crate::helpers::traffic(3, 300_000, 11, Some(now_ms() - ago_ms));
    let files = crate::helpers::generate(&dir, &spec);
    (dir, files)
}

fn truth(dir: &Path) -> (f64, BTreeMap<String, f64>) {
    let mut by_reason = BTreeMap::new();
    let mut n = 0.0;
    for l in std::fs::read_to_string(dir.join("truth.jsonl")).unwrap().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        n += 1.0;
        if let Some(r) = v["failure_reason"].as_str() {
            *by_reason.entry(r.to_string()).or_insert(0.0) += 1.0;
        }
    }
    (n, by_reason)
}

#[tokio::test]
async fn failures_per_reason_read_back_from_cloudwatch_match_the_truth_and_a_replay_changes_nothing() {
    let (dir, files) = traffic("wire", 2 * 3_600_000);
    let index = moto::new_index("metrics").await;
    let namespace = moto::table_name("ns");
    let sink = CloudWatchMetrics::new(cloudwatch(), &namespace);
    let s = services(index.clone(), sink.clone(), index.clone(), None);
    let deadline = || Instant::now() + Duration::from_secs(60);
    let mut calls = 0;
    for f in &files {
        let o = process_delivery(&s, Delivery::Event(&std::fs::read(f).unwrap()), deadline())
            .await
            .unwrap();
        assert!(!o.metrics_already_counted);
        assert_eq!(o.metrics_out_of_range, 0);
        calls += o.metrics.calls;
    }
    assert!(
        calls <= files.len(),
        "one PutMetricData per batch at most here: {calls}"
    );

    let (requests, by_reason) = truth(&dir);
    let window = (now_ms() - 3 * 3_600_000, now_ms() + 60_000);
    let read = || async {
        sink.totals(window.0, window.1, Some("a1b2c3d4e5"), Some("dev"))
            .await
            .unwrap()
    };
    let totals = read().await;
    let got: BTreeMap<String, f64> = totals.failures.iter().map(|((_, _, r), n)| (r.clone(), *n)).collect();
    let got_requests: f64 = totals.requests.values().sum();
    assert_eq!(got_requests, requests, "every request counted once");
    assert_eq!(got, by_reason, "Failures per FailureReason");

    // The same deliveries again (Lambda's retry): the index is rewritten identically and nothing counts twice.
    for f in &files {
        let o = process_delivery(&s, Delivery::Event(&std::fs::read(f).unwrap()), deadline())
            .await
            .unwrap();
        assert!(o.metrics_already_counted || o.counted_requests == 0, "{f:?}");
        assert_eq!(o.metrics.calls, 0);
    }
    assert_eq!(read().await.failures, totals.failures);
    assert_eq!(read().await.requests, totals.requests);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_failed_publish_fails_the_invocation_and_its_retry_counts_exactly_once() {
    let event = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("events/workshop-exec.json")).unwrap();
    let index = MemoryIndex::new();
    let sink = FailingMetrics {
        failures: 1.into(),
        failure: SendFailure::Deadline,
        ..FailingMetrics::default()
    };
    let s = services(MemoryIndex::new(), sink, index, None);
    let deadline = Instant::now() + Duration::from_secs(10);
    // The committed events are from 2025: planned with "now" at their time, all 20 requests count.
    let plan_now = crate::helpers::plan(&event, 1_763_726_400_000);
    assert_eq!(plan_now.outcome.counted_requests, 20, "the workshop's 20 requests");

    // Old timestamps publish nothing and claim no marker; use fresh ones to exercise the marker.
    let fresh = recent_event("(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: 502");
    let err = process_delivery(&s, Delivery::Event(fresh.as_bytes()), deadline)
        .await
        .unwrap_err();
    assert!(matches!(err, PipelineError::Metrics(_)), "{err}");
    assert_eq!(err.code(), "metrics_deadline");
    let retry = process_delivery(&s, Delivery::Event(fresh.as_bytes()), deadline)
        .await
        .unwrap();
    assert!(!retry.metrics_already_counted, "the failed attempt released its marker");
    assert_eq!(retry.counted_requests, 1);
    let again = process_delivery(&s, Delivery::Event(fresh.as_bytes()), deadline)
        .await
        .unwrap();
    assert!(
        again.metrics_already_counted,
        "a third delivery of the same batch is not counted"
    );
    let published = s.metrics.inner.published();
    let requests: f64 = published
        .iter()
        .filter(|d| d.key.name == "Requests")
        .map(|d| d.values[0].0)
        .sum();
    assert_eq!(requests, 1.0);
}

#[tokio::test]
async fn persistent_throttling_of_put_metric_data_ends_at_the_deadline_with_what_is_left() {
    let rule = mock!(aws_sdk_cloudwatch::Client::put_metric_data).then_error(|| {
        PutMetricDataError::generic(
            aws_sdk_cloudwatch::error::ErrorMetadata::builder()
                .code("Throttling")
                .message("Rate exceeded")
                .build(),
        )
    });
    // The SDK's own retries are off: the adapter's deadline-bounded retry loop is what is under test.
    let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[&rule], |c| c
        .retry_config(aws_sdk_cloudwatch::config::retry::RetryConfig::disabled()));
    let fast = Backoff {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(40),
    };
    let sink = CloudWatchMetrics::new(client, "NS").with_backoff(fast);
    let fresh = recent_event("(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: 200");
    let s = services(MemoryIndex::new(), sink, MemoryIndex::new(), None);
    let started = Instant::now();
    let err = process_delivery(
        &s,
        Delivery::Event(fresh.as_bytes()),
        started + Duration::from_millis(500),
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up at the deadline: {:?}",
        started.elapsed()
    );
    assert!(rule.num_calls() > 1, "throttling was retried: {}", rule.num_calls());
    assert_eq!(err.code(), "metrics_deadline", "{err}");
    assert!(err.to_string().contains("data points unpublished"), "{err}");
}

#[tokio::test]
async fn a_refused_put_metric_data_is_not_retried() {
    let rule = mock!(aws_sdk_cloudwatch::Client::put_metric_data).then_error(|| {
        PutMetricDataError::generic(
            aws_sdk_cloudwatch::error::ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[&rule], |c| c
        .retry_config(aws_sdk_cloudwatch::config::retry::RetryConfig::disabled()));
    let sink = CloudWatchMetrics::new(client, "NS");
    let fresh = recent_event("(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: 200");
    let plan = crate::helpers::plan(fresh.as_bytes(), now_ms());
    let set = plan.metrics;
    assert!(!set.is_empty());
    let err = sink
        .publish(&set, Instant::now() + Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(err.code(), "metrics_service_error");
    assert!(err.to_string().contains("AccessDenied"), "{err}");
}
