//! The counted-once protocol (`metrics::marker::once`) case by case, with in-memory adapters and scripted
//! failures: a lost claim answer, an unknown publish outcome, a crashed attempt's marker (open, or caught
//! sending), a live attempt's marker; and the CloudWatch adapter's retry policy (a refused connection is
//! retried, `InternalServiceError` is retried, a refusal is one short sentence). The same faults over the
//! wire are in `faults`.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::aws::retry::Backoff;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::memory::failing::{FailingMetrics, LostClaimAnswer};
use apigw_log_indexer::metrics::marker::item::unsettled_markers;
use apigw_log_indexer::pipeline::{Delivery, Outcome, PipelineError, process_delivery};
use apigw_log_indexer::ports::{BatchLedger, IndexWriter, Marker, MetricsSink, State};
use aws_sdk_cloudwatch::operation::put_metric_data::{PutMetricDataError, PutMetricDataOutput};
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use crate::helpers::{recent_event, services};

const LINE: &str = "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: 502";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn deadline(s: u64) -> Instant {
    Instant::now() + Duration::from_secs(s)
}

fn marker_key(event: &str) -> (String, usize) {
    let plan = crate::helpers::plan(event.as_bytes(), now_ms());
    (plan.marker.unwrap().0, plan.metrics.datums().len())
}

/// A marker left by another attempt.
fn left_behind(state: State, lease_until_ms: i64) -> Marker {
    Marker {
        token: "another-attempt".into(),
        state,
        next: 0,
        requests: 1,
        lost_requests: 0,
        lost_datums: 0,
        claimed_at_ms: now_ms() - 60_000,
        lease_until_ms,
    }
}

async fn deliver<W: IndexWriter + Sync, M: MetricsSink + Sync, L: BatchLedger + Sync>(
    s: &apigw_log_indexer::pipeline::Services<W, M, L>,
    event: &str,
    secs: u64,
) -> Result<Outcome, PipelineError> {
    process_delivery(s, Delivery::Event(event.as_bytes()), deadline(secs)).await
}

#[tokio::test]
async fn a_claim_whose_answer_was_lost_is_recognised_as_our_own_and_published_once() {
    let s = services(
        MemoryIndex::new(),
        FailingMetrics::default(),
        LostClaimAnswer::default(),
        None,
    );
    let event = recent_event(LINE);
    let o = deliver(&s, &event, 5).await.unwrap();
    assert!(!o.metrics_already_counted, "our own claim, not someone else's");
    assert_eq!((o.metrics.calls, s.metrics.sends.load(Ordering::SeqCst)), (1, 1));
    assert!(deliver(&s, &event, 5).await.unwrap().metrics_already_counted);
    assert_eq!(s.metrics.sends.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unknown_outcome_is_counted_as_maybe_lost_reported_listed_and_never_sent_again() {
    let sink = FailingMetrics {
        failures: 1.into(),
        ..FailingMetrics::default()
    };
    let ledger = MemoryIndex::new();
    let s = services(MemoryIndex::new(), sink, ledger, None);
    let event = recent_event(LINE);
    let (key, datums) = marker_key(&event);
    let o = deliver(&s, &event, 5).await.unwrap();
    assert_eq!(o.metrics_maybe_lost, datums as u64, "reported in the summary");
    let again = deliver(&s, &event, 5).await.unwrap();
    assert!(again.metrics_already_counted);
    assert_eq!(s.metrics.sends.load(Ordering::SeqCst), 1, "never sent again");
    let listed = unsettled_markers(&s.ledger, now_ms() - 60_000, now_ms() + 60_000)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, key);
    assert_eq!(
        (listed[0].marker.state, listed[0].marker.lost_datums),
        (State::Done, datums as u64)
    );
}

#[tokio::test]
async fn a_gone_attempts_open_claim_is_taken_over_and_published_without_loss() {
    let s = services(MemoryIndex::new(), FailingMetrics::default(), MemoryIndex::new(), None);
    let event = recent_event(LINE);
    let (key, _) = marker_key(&event);
    let m = left_behind(State::Open, now_ms() - 1);
    s.ledger.create(&key, &m, true, i64::MAX, deadline(1)).await.unwrap();
    let o = deliver(&s, &event, 5).await.unwrap();
    assert!(o.metrics_taken_over);
    assert_eq!((o.metrics_maybe_lost, s.metrics.sends.load(Ordering::SeqCst)), (0, 1));
    assert!(
        unsettled_markers(&s.ledger, now_ms() - 120_000, now_ms())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_gone_attempt_caught_sending_is_counted_as_maybe_lost_and_its_request_never_resent() {
    let s = services(MemoryIndex::new(), FailingMetrics::default(), MemoryIndex::new(), None);
    let event = recent_event(LINE);
    let (key, datums) = marker_key(&event);
    s.ledger
        .create(
            &key,
            &left_behind(State::Sending, now_ms() - 1),
            true,
            i64::MAX,
            deadline(1),
        )
        .await
        .unwrap();
    let o = deliver(&s, &event, 5).await.unwrap();
    assert!(o.metrics_taken_over);
    assert_eq!(o.metrics_maybe_lost, datums as u64);
    assert_eq!(
        s.metrics.sends.load(Ordering::SeqCst),
        0,
        "it may have been published: never again"
    );
}

#[tokio::test]
async fn a_live_attempts_marker_is_waited_for_when_its_lease_ends_in_time_else_the_retry_fails_busy() {
    let s = services(MemoryIndex::new(), FailingMetrics::default(), MemoryIndex::new(), None);
    let event = recent_event(LINE);
    let (key, _) = marker_key(&event);
    s.ledger
        .create(
            &key,
            &left_behind(State::Sending, now_ms() + 60_000),
            true,
            i64::MAX,
            deadline(1),
        )
        .await
        .unwrap();
    let err = deliver(&s, &event, 2).await.unwrap_err();
    assert_eq!(err.code(), "metrics_marker_busy", "{err}");
    assert_eq!(s.metrics.sends.load(Ordering::SeqCst), 0);

    let event = recent_event("(3f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: 200");
    let (key, _) = marker_key(&event);
    s.ledger
        .create(
            &key,
            &left_behind(State::Open, now_ms() + 700),
            true,
            i64::MAX,
            deadline(1),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let o = deliver(&s, &event, 5).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(600), "waited for the lease");
    assert!(o.metrics_taken_over && o.metrics_maybe_lost == 0);
    assert_eq!(s.metrics.sends.load(Ordering::SeqCst), 1);
}

const FAST: Backoff = Backoff {
    base: Duration::from_millis(5),
    cap: Duration::from_millis(50),
};

fn one_datum_set() -> apigw_log_indexer::metrics::MetricSet {
    crate::helpers::plan(recent_event(LINE).as_bytes(), now_ms()).metrics
}

#[tokio::test]
async fn a_refused_connection_is_classified_as_never_sent_and_so_retried() {
    use apigw_log_indexer::aws::outcome::{Applied, applied, short_message};
    // A socket bound to a port but not listening: connecting is refused, so no byte of the request left,
    // and no other test can take the port meanwhile.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into())
        .unwrap();
    let port = socket.local_addr().unwrap().as_socket().unwrap().port();
    let client = crate::faults::cloudwatch(&format!("http://127.0.0.1:{port}"));
    let err = client
        .put_metric_data()
        .namespace("NS")
        .customize()
        .config_override(
            aws_sdk_cloudwatch::config::Builder::default()
                .retry_config(aws_sdk_cloudwatch::config::retry::RetryConfig::disabled()),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(applied(&err), Applied::No { retryable: true }, "{err:?}");
    let message = short_message("PutMetricData", &err);
    assert!(message.len() < 200 && !message.contains('\n'), "{message}");
}

#[tokio::test]
async fn internal_service_error_is_retried_and_a_refusal_is_one_short_sentence() {
    let fault = || {
        PutMetricDataError::generic(
            aws_sdk_cloudwatch::error::ErrorMetadata::builder()
                .code("InternalServiceError")
                .message("Internal service error")
                .build(),
        )
    };
    let rule = mock!(aws_sdk_cloudwatch::Client::put_metric_data)
        .sequence()
        .error(fault)
        .output(|| PutMetricDataOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[&rule]);
    let report = CloudWatchMetrics::new(client, "NS")
        .with_backoff(FAST)
        .publish(&one_datum_set(), deadline(5))
        .await
        .unwrap();
    assert_eq!((report.calls, rule.num_calls()), (2, 2));

    let refused = mock!(aws_sdk_cloudwatch::Client::put_metric_data).then_error(|| {
        PutMetricDataError::generic(
            aws_sdk_cloudwatch::error::ErrorMetadata::builder()
                .code("InvalidParameterValue")
                .message("The value for parameter MetricData.member.1.Timestamp is invalid.")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[&refused]);
    let err = CloudWatchMetrics::new(client, "NS")
        .publish(&one_datum_set(), deadline(5))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.len() < 250 && !err.contains('\n'), "{} chars: {err}", err.len());
    assert!(
        err.contains("PutMetricData: InvalidParameterValue: The value for parameter"),
        "{err}"
    );
}

/// Issue 11: a marker key built from a long stream name and long event IDs used to pass DynamoDB's 2,048-byte
/// key limit, failing the batch after its index was written. Over the wire, against moto.
#[tokio::test]
async fn a_batch_with_a_long_stream_name_and_long_event_ids_gets_a_marker_dynamodb_accepts() {
    use apigw_log_indexer::encode;
    let stream = "s".repeat(512);
    let mut payload = encode::data_payload(
        crate::helpers::EXEC_GROUP,
        &stream,
        now_ms() - 60_000,
        vec![(0, LINE.to_string()), (1, LINE.to_string())],
    );
    for (i, e) in payload.log_events.iter_mut().enumerate() {
        e.id = format!("{i}{}", "7".repeat(1500));
    }
    let event = encode::lambda_event(&payload);
    let index = crate::moto::new_index("long-key").await;
    let s = services(index.clone(), FailingMetrics::default(), index.clone(), None);
    let (key, _) = marker_key(&event);
    assert!(key.len() <= 2048, "{} bytes", key.len());
    let o = deliver(&s, &event, 20).await.unwrap();
    assert_eq!((o.metrics.calls, o.metrics_maybe_lost), (1, 0));
    assert!(
        deliver(&s, &event, 20).await.unwrap().metrics_already_counted,
        "the marker is there"
    );
}

/// A ledger that counts the write units its marker writes take on the index table: one per item write (a
/// marker is well under 1 KB), plus one for each `failures` index entry written or removed (the marker's
/// own attributes are not projected there, so other updates of a listed marker write no index entry).
#[derive(Default)]
struct Counting {
    inner: MemoryIndex,
    units: std::sync::atomic::AtomicU64,
}

impl Counting {
    fn listed(&self, key: &str) -> bool {
        self.inner.dump().iter().any(|i| {
            i.pk == key
                && i.get(apigw_log_indexer::ports::schema::FAILURES_PARTITION_KEY)
                    .is_some()
        })
    }
}

impl BatchLedger for Counting {
    async fn create(
        &self,
        key: &str,
        m: &Marker,
        listed: bool,
        expires_at: i64,
        d: Instant,
    ) -> Result<apigw_log_indexer::ports::Write, apigw_log_indexer::ports::StoreError> {
        let w = self.inner.create(key, m, listed, expires_at, d).await?;
        let index_entry = u64::from(self.listed(key));
        self.units.fetch_add(1 + index_entry, Ordering::SeqCst);
        Ok(w)
    }
    async fn replace(
        &self,
        key: &str,
        e: &apigw_log_indexer::ports::Expect,
        m: &Marker,
        d: Instant,
    ) -> Result<apigw_log_indexer::ports::Write, apigw_log_indexer::ports::StoreError> {
        let before = self.listed(key);
        let w = self.inner.replace(key, e, m, d).await?;
        self.units
            .fetch_add(1 + u64::from(before != self.listed(key)), Ordering::SeqCst);
        Ok(w)
    }
}

/// The marker's write units per batch of one request, which `docs/cost.md` and `docs/metrics.md` price:
/// 2 with EMF (a claim made `sending`, then `done`), 5 with `PutMetricData` (claim and its listing entry,
/// `sending`, `done` and its listing exit). A retried batch already settled costs one more: the claim that
/// finds it `done`.
#[test]
fn the_marker_takes_two_write_units_with_emf_and_five_with_put_metric_data() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let event = recent_event(LINE);
    let emf = services(
        MemoryIndex::new(),
        apigw_log_indexer::sinks::EmfWriter::new("NS", Vec::<u8>::new()),
        Counting::default(),
        None,
    );
    let o = rt.block_on(deliver(&emf, &event, 5)).unwrap();
    assert_eq!((o.metrics.datums > 0, o.metrics_maybe_lost), (true, 0));
    assert_eq!(
        emf.ledger.units.load(Ordering::SeqCst),
        crate::sink_cost::MARKER_WRUS_EMF as u64
    );
    assert!(!emf.ledger.listed(&marker_key(&event).0), "settled cleanly, unlisted");
    let o = rt.block_on(deliver(&emf, &event, 5)).unwrap();
    assert!(o.metrics_already_counted);
    assert_eq!(
        emf.ledger.units.load(Ordering::SeqCst),
        crate::sink_cost::MARKER_WRUS_EMF as u64 + 1
    );

    let cw = services(
        MemoryIndex::new(),
        apigw_log_indexer::memory::RecordingMetrics::default(),
        Counting::default(),
        None,
    );
    rt.block_on(deliver(&cw, &event, 5)).unwrap();
    assert_eq!(
        cw.ledger.units.load(Ordering::SeqCst),
        crate::sink_cost::MARKER_WRUS as u64
    );
}

/// An EMF batch whose owner died after its claim (`sending`, unlisted): the retry takes it over, counts
/// it maybe lost, never writes its lines again, and lists it for the operator.
#[test]
fn an_emf_claim_left_behind_is_taken_over_counted_and_listed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let event = recent_event(LINE);
    let (key, datums) = marker_key(&event);
    let s = services(
        MemoryIndex::new(),
        apigw_log_indexer::sinks::EmfWriter::new("NS", Vec::<u8>::new()),
        MemoryIndex::new(),
        None,
    );
    rt.block_on(async {
        let gone = left_behind(State::Sending, now_ms() - 1);
        s.ledger
            .create(&key, &gone, false, i64::MAX, deadline(1))
            .await
            .unwrap();
        assert!(
            unsettled_markers(&s.ledger, now_ms() - 120_000, now_ms())
                .await
                .unwrap()
                .is_empty()
        );
        let o = deliver(&s, &event, 5).await.unwrap();
        assert!(o.metrics_taken_over);
        assert_eq!((o.metrics_maybe_lost, o.metrics.datums), (datums as u64, 0));
        let listed = unsettled_markers(&s.ledger, now_ms() - 120_000, now_ms())
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "listed once something may be lost");
    });
}
