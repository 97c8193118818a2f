//! The fault-injection suite over the wire: the generator's traffic (crate `apigw-traffic`)
//! through the real DynamoDB and CloudWatch adapters, with the loopback proxy of [`proxy`] in front of
//! moto injecting throttling, server faults, partial `BatchWriteItem`s, resets before and after the
//! request reached moto and answers held past the SDK's attempt timeout (seeded); and [`kills`]: the real
//! `apigw-logs replay` killed mid-batch. Each run asserts the index identical to a clean run's and exact
//! per-reason metric sums against the generator's ground truth. Every seed prints its fault counts and
//! results (`cargo test --test it faults -- --nocapture`).

mod http;
mod kills;
mod proxy;
mod sums;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::aws::dynamodb::DynamoIndex;
use apigw_log_indexer::aws::retry::Backoff;
use apigw_log_indexer::metrics::MetricSet;
use apigw_log_indexer::metrics::marker::item::{MARKER_SK, unsettled_markers};
use apigw_log_indexer::pipeline::{self, Delivery, NoLedger, process_delivery};
use apigw_log_indexer::ports::MetricsSink;
use apigw_log_indexer::ports::schema;
use apigw_log_indexer::sinks::EmfWriter;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

use crate::helpers::services;
use crate::moto;
use proxy::{Fault, Proxy};
use sums::Sums;

/// The SDK's attempt timeout for the clients under test; the proxy holds answers longer than this.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// The attempt timeout of the tests' own reads of what reached moto.
const READ_BACK_TIMEOUT: Duration = Duration::from_secs(30);
const HOLD: Duration = Duration::from_millis(2600);
/// The generator's API and stage.
const API: (&str, &str) = ("a1b2c3d4e5", "dev");
const SEEDS: [u64; 3] = [1, 2, 3];

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// One seed's traffic: 6 execution-log and 6 Lambda-log batches of about 120 KB, an hour old.
pub struct Traffic {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub truth: Sums,
}

pub fn traffic(name: &str, seed: u64) -> Traffic {
    let dir = std::env::temp_dir().join(format!("apigw-faults-{name}-{seed}-{}", std::process::id()));
    let spec = crate::helpers::traffic(6, 120_000, seed, Some(now_ms() - 3_600_000));
    let files = crate::helpers::generate(&dir, &spec);
    let sets: Vec<MetricSet> = files.iter().map(|f| plan(f).1).collect();
    let truth = sums::expected(&dir, &sets);
    Traffic { dir, files, truth }
}

/// A delivery's marker key and metrics, as the pipeline plans them.
pub fn plan(file: &Path) -> (String, MetricSet) {
    let plan = crate::helpers::plan(&std::fs::read(file).unwrap(), now_ms());
    (plan.marker.unwrap().0, plan.metrics)
}

fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "fault-suite")
}

/// Clients as the function's, but with a short attempt timeout and fast SDK retries, through `endpoint`.
fn dynamodb(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(Duration::from_secs(8))
        .build();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(20)))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

pub fn cloudwatch(endpoint: &str) -> aws_sdk_cloudwatch::Client {
    cloudwatch_timing_out_after(endpoint, ATTEMPT_TIMEOUT)
}

/// The read-back's client: straight to moto, no fault in the way, so its timeout only has to outlast a busy
/// machine (the 2 s of the clients under test once timed out a read-back while the whole suite ran).
pub fn read_back_cloudwatch() -> aws_sdk_cloudwatch::Client {
    cloudwatch_timing_out_after(moto::endpoint(), READ_BACK_TIMEOUT)
}

fn cloudwatch_timing_out_after(endpoint: &str, attempt: Duration) -> aws_sdk_cloudwatch::Client {
    use aws_sdk_cloudwatch::config::timeout::TimeoutConfig;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(attempt)
        .build();
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "fault-suite",
        ))
        .timeout_config(timeouts)
        .build();
    aws_sdk_cloudwatch::Client::from_conf(config)
}

const FAST: Backoff = Backoff {
    base: Duration::from_millis(20),
    cap: Duration::from_millis(400),
};

/// The index items of `table`, markers left out (their tokens differ from run to run).
pub async fn index_items(table: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let marker_sk = format!("{:?}", aws_sdk_dynamodb::types::AttributeValue::S(MARKER_SK.into()));
    let mut items = moto::dump(table).await;
    items.retain(|i| i.get(schema::SORT_KEY) != Some(&marker_sk));
    items
}

/// The index a clean run (no faults, no metrics) writes.
pub async fn clean_index(t: &Traffic) -> Vec<std::collections::BTreeMap<String, String>> {
    let index = moto::new_index("clean").await;
    let s = services(index.clone(), apigw_log_indexer::sinks::NoMetrics, NoLedger, None);
    for f in &t.files {
        let event = std::fs::read(f).unwrap();
        pipeline::process_delivery(&s, Delivery::Event(&event), Instant::now() + Duration::from_secs(30))
            .await
            .unwrap();
    }
    index_items(index.table()).await
}

/// What the function writes to stdout with `METRICS_SINK=emf`, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What one faulty run did.
struct Run {
    deliveries: usize,
    retried: usize,
    maybe_lost: u64,
    taken_over: usize,
}

/// Every delivery through `proxy` (faults drawn from `seed`), retried as Lambda retries a failed
/// invocation; then two batches delivered again (Lambda's at-least-once delivery).
async fn deliver<M: MetricsSink + Sync>(t: &Traffic, index: &DynamoIndex, sink: M, proxy: &Proxy, seed: u64) -> Run {
    let s = services(index.clone(), sink, index.clone(), None);
    let mut run = Run {
        deliveries: 0,
        retried: 0,
        maybe_lost: 0,
        taken_over: 0,
    };
    proxy.random(seed);
    let again = [t.files[0].clone(), t.files[3].clone()];
    for f in t.files.iter().chain(&again) {
        let event = std::fs::read(f).unwrap();
        run.deliveries += 1;
        let mut attempt = 0;
        let outcome = loop {
            attempt += 1;
            match process_delivery(&s, Delivery::Event(&event), Instant::now() + Duration::from_secs(12)).await {
                Ok(o) => break o,
                Err(e) if attempt < 12 => {
                    run.retried += 1;
                    eprintln!("faults seed {seed}: {} attempt {attempt}: {e}", f.display());
                }
                Err(e) => panic!("{}: still failing after {attempt} attempts: {e}", f.display()),
            }
        };
        run.maybe_lost += outcome.metrics_maybe_lost;
        run.taken_over += usize::from(outcome.metrics_taken_over);
    }
    proxy.pass();
    run
}

fn injected(proxy: &Proxy) -> String {
    let parts: Vec<String> = proxy
        .counts()
        .iter()
        .map(|((op, f), n)| format!("{op}:{f:?}={n}"))
        .collect();
    format!(
        "{} faults [{}]",
        proxy.counts().values().sum::<usize>(),
        parts.join(" ")
    )
}

/// One seed with `METRICS_SINK=emf`: faults on every DynamoDB call. EMF cannot fail ambiguously, so the
/// sums must be exact and nothing reported lost.
async fn emf_seed(seed: u64, t: &Traffic, clean: &[std::collections::BTreeMap<String, String>]) {
    let proxy = Proxy::start(moto::endpoint(), HOLD);
    let table = moto::new_index("faults-emf").await;
    let index = DynamoIndex::new(dynamodb(&proxy.url), table.table()).with_backoff(FAST);
    let out = Captured::default();
    let run = deliver(t, &index, EmfWriter::new("NS", out.clone()), &proxy, seed).await;
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let got = sums::emf(&text);
    let listed = unsettled_markers(&table, now_ms() - 3_600_000, now_ms() + 60_000)
        .await
        .unwrap();
    eprintln!(
        "faults seed {seed} emf: {}; {} deliveries, {} retried, {} taken over; maybe lost {}; requests {} of {}, \
         failures {:?} of {:?}, lambda {:?} of {:?}",
        injected(&proxy),
        run.deliveries,
        run.retried,
        run.taken_over,
        run.maybe_lost,
        got.requests,
        t.truth.requests,
        got.failures,
        t.truth.failures,
        got.lambda,
        t.truth.lambda
    );
    assert_eq!(
        got, t.truth,
        "seed {seed}: EMF sums per reason equal the truth (0 lost, 0 doubled)"
    );
    assert_eq!(run.maybe_lost, 0, "seed {seed}: nothing may be lost");
    assert!(listed.is_empty(), "seed {seed}: every batch settled: {listed:?}");
    assert!(
        index_items(table.table()).await == clean,
        "seed {seed}: the index equals a clean run's"
    );
}

/// One seed with `METRICS_SINK=cloudwatch`: faults on every call, `PutMetricData` included. A request
/// reset before it reached moto is truly lost; every other one is stored exactly once. Every request
/// with an unknown outcome is reported (summary and marker listing) and never sent again.
async fn cloudwatch_seed(seed: u64, t: &Traffic, clean: &[std::collections::BTreeMap<String, String>]) {
    let proxy = Proxy::start(moto::endpoint(), HOLD);
    let table = moto::new_index("faults-cw").await;
    let namespace = moto::table_name("faults-ns");
    let index = DynamoIndex::new(dynamodb(&proxy.url), table.table()).with_backoff(FAST);
    let sink = CloudWatchMetrics::new(cloudwatch(&proxy.url), &namespace).with_backoff(FAST);
    let run = deliver(t, &index, sink, &proxy, seed + 1000).await;
    let log = proxy.log();
    let pmd = log.iter().filter(|r| r.op == "PutMetricData");
    let mut dropped = Sums::default();
    let mut ambiguous_datums = 0;
    for r in pmd.clone() {
        if matches!(r.fault, Fault::ResetBefore | Fault::ResetAfter | Fault::Hold) {
            ambiguous_datums += r.body.matches(".MetricName=").count() as u64;
        }
        if r.fault == Fault::ResetBefore && !r.forwarded {
            dropped.add(&sums::put_metric_data(&r.body));
        }
    }
    let direct = CloudWatchMetrics::new(read_back_cloudwatch(), &namespace);
    let totals = direct
        .totals(now_ms() - 3 * 3_600_000, now_ms() + 600_000, Some(API.0), Some(API.1))
        .await
        .unwrap();
    let got = sums::read_back(&totals);
    let listed = unsettled_markers(&table, now_ms() - 3_600_000, now_ms() + 60_000)
        .await
        .unwrap();
    let listed_lost: u64 = listed.iter().map(|m| m.marker.lost_datums).sum();
    let expected = t.truth.minus(&dropped);
    eprintln!(
        "faults seed {seed} cloudwatch: {}; {} PutMetricData calls; {} deliveries, {} retried, {} taken over; \
         reported maybe lost {} data points ({} in requests with an injected unknown outcome), {} listed; \
         not applied (reset before reaching moto) {:?}; read back {:?}; truth minus not applied {:?}",
        injected(&proxy),
        pmd.count(),
        run.deliveries,
        run.retried,
        run.taken_over,
        run.maybe_lost,
        ambiguous_datums,
        listed_lost,
        dropped,
        got,
        expected
    );
    assert_eq!(
        got, expected,
        "seed {seed}: stored exactly once, except what never reached moto"
    );
    assert!(
        run.maybe_lost >= ambiguous_datums,
        "seed {seed}: every unknown outcome reported"
    );
    assert_eq!(
        listed_lost, run.maybe_lost,
        "seed {seed}: the listing shows what the summary reported"
    );
    assert!(
        index_items(table.table()).await == clean,
        "seed {seed}: the index equals a clean run's"
    );
}

async fn one_seed(seed: u64) {
    let t = traffic("wire", seed);
    let clean = clean_index(&t).await;
    emf_seed(seed, &t, &clean).await;
    cloudwatch_seed(seed, &t, &clean).await;
    let _ = std::fs::remove_dir_all(&t.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_injected_faults_metrics_are_counted_once_and_the_index_equals_a_clean_run() {
    let started = Instant::now();
    let runs: Vec<_> = SEEDS.iter().map(|&s| tokio::spawn(one_seed(s))).collect();
    for r in runs {
        r.await.unwrap();
    }
    eprintln!(
        "faults: {} seeds in {:.1} s",
        SEEDS.len(),
        started.elapsed().as_secs_f64()
    );
}
