//! The Lambda edge: the only module that knows `lambda_runtime` and `aws_lambda_events`. It recognises the
//! delivery (a CloudWatch Logs subscription event, Kinesis records carrying the same payloads, or an S3
//! notification of delivered execution logs, `s3`), gives the pipeline a deadline derived from the
//! invocation's remaining time, logs one summary line per batch,
//! and turns failures into a `Diagnostic` with a stable `error_type`. The same binary runs as the subscriber
//! function when configured so ([`handle_subscriber`]: EventBridge events, see `crate::onboard::subscriber`).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::streams::{KinesisBatchItemFailure, KinesisEventResponse};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::metrics::marker::once::maybe_lost_report;
use crate::onboard::subscriber::{self, SubscriberConfig};
use crate::pipeline::{Delivery, Outcome, PipelineError, Services, process_delivery};
use crate::ports::objects::{ObjectError, ObjectReader};
use crate::ports::{BatchLedger, IndexWriter, LogGroups, MetricsSink, OnboardError};

/// Time kept back from the invocation's deadline: enough to log the summary and return an error
/// (so Lambda retries with a reason) instead of being killed mid-write.
pub(crate) const DEADLINE_MARGIN: Duration = Duration::from_millis(1500);

/// What kind of event arrived, told by its top-level key (no trial deserialization).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// `{"awslogs": {"data": ...}}`.
    CloudWatchLogs,
    /// `{"Records": [{"kinesis": {"data": ...}}, ...]}`.
    Kinesis,
    /// `{"detail-type": ..., "detail": ...}`: EventBridge, for the subscriber function.
    EventBridge,
}

/// Why an event was refused before processing.
#[derive(Debug, thiserror::Error)]
#[error(
    "unsupported event: expected a CloudWatch Logs subscription event (awslogs), a Kinesis event (Records) or, \
     for the subscriber, an EventBridge event (detail-type)"
)]
pub(crate) struct UnsupportedEvent;

/// Reads only the top-level keys of the event.
pub(crate) fn event_kind(raw: &str) -> Result<EventKind, UnsupportedEvent> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Option<EventKind>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut kind = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match &*key {
                    "awslogs" => kind = kind.or(Some(EventKind::CloudWatchLogs)),
                    "Records" => kind = kind.or(Some(EventKind::Kinesis)),
                    "detail-type" => kind = kind.or(Some(EventKind::EventBridge)),
                    _ => {}
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(kind)
        }
    }
    let mut de = serde_json::Deserializer::from_str(raw);
    serde::Deserializer::deserialize_map(&mut de, Keys)
        .ok()
        .flatten()
        .ok_or(UnsupportedEvent)
}

/// Lambda sends the deadline as epoch milliseconds; anything below this (2001-09-09) is not one.
const EPOCH_MS_FLOOR: u64 = 1_000_000_000_000;

/// The instant to finish by: the invocation's deadline minus [`DEADLINE_MARGIN`].
///
/// cargo-lambda's emulator (1.9) sends the function timeout (e.g. `600000`) instead of an epoch time;
/// such a value is taken as milliseconds from now, so local runs get their budget instead of none.
pub(crate) fn deadline_from(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let left_ms = if deadline_ms < EPOCH_MS_FLOOR {
        deadline_ms
    } else {
        deadline_ms.saturating_sub(now_ms)
    };
    Instant::now() + Duration::from_millis(left_ms).saturating_sub(DEADLINE_MARGIN)
}

/// Every way an invocation fails. Lambda reports it as a [`Diagnostic`]: the `error_type` is the stable
/// code, the message the `Display` text; built in one place, the `From` impl below.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FunctionError {
    /// No top-level key says what the event is.
    #[error(transparent)]
    Unsupported(#[from] UnsupportedEvent),
    /// `Records` that are not a Kinesis event.
    #[error("Kinesis event: {0}")]
    Kinesis(serde_json::Error),
    /// An EventBridge event sent to the indexer.
    #[error(
        "an EventBridge event reached the indexer: it is for the subscriber function (configured with \
         SUBSCRIBE_DESTINATION_ARN)"
    )]
    EventBridgeAtIndexer,
    /// A log delivery (or anything but EventBridge) sent to the subscriber.
    #[error("the subscriber takes EventBridge events (detail-type); log deliveries go to the indexer")]
    NotForSubscriber,
    /// The batch failed (the pipeline's own code).
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The subscriber could not list or subscribe (the onboarding error's own code).
    #[error(transparent)]
    Subscriber(#[from] OnboardError),
    /// Some subscriptions failed; Lambda retries (subscribing is idempotent).
    #[error("{failed} of {attempted} subscriptions failed")]
    SubscriptionsFailed {
        /// How many failed.
        failed: usize,
        /// How many were attempted.
        attempted: usize,
    },
    /// `Records` of S3 that are not an S3 event.
    #[error("S3 event: {0}")]
    S3(serde_json::Error),
    /// An S3 object could not be read, for a reason a retry may cure (Lambda retries the event).
    #[error("s3://{bucket}/{key}: {source}")]
    ObjectUnread {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// What failed.
        #[source]
        source: ObjectError,
    },
    /// The Kinesis batch response could not be written.
    #[error("{0}")]
    ResponseNotSerializable(serde_json::Error),
}

impl FunctionError {
    /// The stable `error_type`.
    pub(crate) const fn code(&self) -> &'static str {
        match self {
            Self::Unsupported(_)
            | Self::Kinesis(_)
            | Self::S3(_)
            | Self::EventBridgeAtIndexer
            | Self::NotForSubscriber => "unsupported_event",
            Self::Pipeline(e) => e.code(),
            Self::Subscriber(e) => e.code(),
            Self::SubscriptionsFailed { .. } => "subscription_failed",
            Self::ObjectUnread { source, .. } => source.code(),
            Self::ResponseNotSerializable(_) => "response_not_serializable",
        }
    }
}

impl From<FunctionError> for Diagnostic {
    fn from(e: FunctionError) -> Self {
        Self {
            error_type: e.code().to_string(),
            error_message: e.to_string(),
        }
    }
}

mod s3;

pub use s3::NoObjects;
use s3::{handle_s3, records_are_s3};

/// Handles one invocation of a function that reads no S3 object (an S3 notification is refused).
pub async fn handle<W, M, L>(
    services: &Services<W, M, L>,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<serde_json::Value, Diagnostic>
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
{
    handle_with(services, &NoObjects, event).await
}

/// Handles one invocation; the objects an S3 notification names are read with `objects`.
pub async fn handle_with<W, M, L, O>(
    services: &Services<W, M, L>,
    objects: &O,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<serde_json::Value, Diagnostic>
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
    O: ObjectReader + Sync,
{
    let deadline = deadline_from(event.context.deadline);
    tracing::debug!(
        context_deadline_ms = event.context.deadline,
        budget_ms = deadline.saturating_duration_since(Instant::now()).as_millis() as u64,
        "invocation"
    );
    let raw = event.payload.get();
    let kind = event_kind(raw).map_err(FunctionError::from)?;
    if kind == EventKind::Kinesis && records_are_s3(raw) {
        return Ok(handle_s3(services, objects, raw, deadline).await?);
    }
    match kind {
        EventKind::CloudWatchLogs => {
            let started = Instant::now();
            let result = process_delivery(services, Delivery::Event(raw.as_bytes()), deadline).await;
            log_summary(&result, started);
            report_maybe_lost(&services.metrics, &result);
            Ok(result.map(|_| serde_json::Value::Null).map_err(FunctionError::from)?)
        }
        EventKind::Kinesis => {
            let kinesis: KinesisEvent = serde_json::from_str(raw).map_err(FunctionError::Kinesis)?;
            let mut response = KinesisEventResponse::default();
            for record in &kinesis.records {
                let started = Instant::now();
                let result = process_delivery(services, Delivery::Compressed(&record.kinesis.data.0), deadline).await;
                log_summary(&result, started);
                report_maybe_lost(&services.metrics, &result);
                // A permanently bad record is reported too: the event source mapping's retry policy and
                // on-failure destination decide what happens to it, and the rest of the batch proceeds.
                if result.is_err() {
                    let mut failure = KinesisBatchItemFailure::default();
                    failure.item_identifier = Some(record.kinesis.sequence_number.clone());
                    response.batch_item_failures.push(failure);
                }
            }
            Ok(serde_json::to_value(response).map_err(FunctionError::ResponseNotSerializable)?)
        }
        EventKind::EventBridge => Err(FunctionError::EventBridgeAtIndexer.into()),
    }
}

/// Handles one invocation of the subscriber: one summary line (counts only), and an error when a
/// subscription failed, so Lambda retries (subscribing is idempotent; the next sweep catches the rest).
pub async fn handle_subscriber<L: LogGroups + Sync>(
    logs: &L,
    config: &SubscriberConfig,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<serde_json::Value, Diagnostic> {
    let deadline = deadline_from(event.context.deadline);
    let raw = event.payload.get();
    if event_kind(raw).ok() != Some(EventKind::EventBridge) {
        return Err(FunctionError::NotForSubscriber.into());
    }
    let request = subscriber::read_event(raw);
    let started = Instant::now();
    let plan = subscriber::handle(logs, config, &request, deadline)
        .await
        .map_err(|e| {
            tracing::error!(error_type = e.code(), error = %e, event = ?request, "subscriber failed");
            FunctionError::from(e)
        })?;
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(event = ?request, counts = %plan.summary(), duration_ms = ms, "subscriptions");
    for p in plan.groups.iter().filter(|p| p.failed.is_some()) {
        tracing::error!(log_group = %p.group, error = p.failed.as_deref().unwrap_or(""), "subscription failed");
    }
    if plan.failures() > 0 {
        return Err(FunctionError::SubscriptionsFailed {
            failed: plan.failures(),
            attempted: plan.count("subscribe"),
        }
        .into());
    }
    Ok(serde_json::json!({ "counts": plan.summary() }))
}

/// One line per batch: counts only, never a log message (the function must not feed its own log group
/// with customer data).
fn log_summary(result: &Result<Outcome, PipelineError>, started: Instant) {
    let ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(o) => tracing::info!(
            control = o.control,
            recursion_skipped = o.recursion_skipped,
            events = o.events,
            api_requests = o.api_fragments,
            lambda_invocations = o.lambda_fragments,
            failures_by_reason = %o.failures_by_reason(),
            lines_skipped = o.lines_skipped,
            skipped = %o.skipped_by_kind(),
            platform_shaped_output = o.stats.platform_shaped_output,
            numbers_dropped = o.numbers_dropped,
            items_dropped = o.items_dropped,
            items_written = o.write.items,
            items_rejected = o.write.rejected,
            write_units = o.write_units,
            metric_calls = o.metrics.calls,
            metrics_out_of_range = o.metrics_out_of_range,
            metrics_already_counted = o.metrics_already_counted,
            metrics_taken_over = o.metrics_taken_over,
            metrics_maybe_lost = o.metrics_maybe_lost,
            duration_ms = ms,
            "batch indexed"
        ),
        Err(e) => tracing::error!(error_type = e.code(), error = %e, duration_ms = ms, "batch failed"),
    }
}

/// Data points that may be lost are a self-metric too (EMF on stdout, the function's own log), so an
/// alarm can watch for them.
fn report_maybe_lost<M: MetricsSink>(sink: &M, result: &Result<Outcome, PipelineError>) {
    let (Ok(o), Some(namespace)) = (result, sink.namespace()) else {
        return;
    };
    if o.metrics_maybe_lost > 0 {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        for doc in maybe_lost_report(namespace, o.metrics_maybe_lost, now_ms) {
            println!("{doc}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_are_told_by_their_top_level_key() {
        assert_eq!(
            event_kind(r#"{"awslogs":{"data":"H4sI"}}"#).unwrap(),
            EventKind::CloudWatchLogs
        );
        assert_eq!(
            event_kind(r#"{"Records":[{"kinesis":{"data":"x"}}]}"#).unwrap(),
            EventKind::Kinesis
        );
        assert_eq!(event_kind(r#"{"detail-type":"x"}"#).unwrap(), EventKind::EventBridge);
        assert!(event_kind(r#"{"detail":{}}"#).is_err());
        assert!(event_kind("[1,2]").is_err());
        assert!(event_kind("not json").is_err());
    }

    #[test]
    fn the_deadline_keeps_a_margin_and_never_goes_negative() {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let d = deadline_from(now_ms + 10_000);
        let left = d.saturating_duration_since(Instant::now());
        assert!(
            left <= Duration::from_millis(8_500) && left >= Duration::from_millis(8_000),
            "{left:?}"
        );
        assert!(
            deadline_from(now_ms - 5) <= Instant::now() + Duration::from_millis(1),
            "a past deadline leaves nothing"
        );
        let relative = deadline_from(600_000).saturating_duration_since(Instant::now());
        assert!(
            relative > Duration::from_secs(590),
            "an emulator's timeout is a budget from now: {relative:?}"
        );
    }
}
