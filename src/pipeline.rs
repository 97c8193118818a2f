//! The use case shared by the Lambda and `apigw-logs replay`: one subscription delivery → decode → parse
//! (keeping redacted lines) → classify, once → index items and metrics (both from the classified batch) →
//! write the items, then publish the metrics once per batch, within the caller's deadline.
//!
//! Generic over the ports ([`IndexWriter`], [`MetricsSink`], [`BatchLedger`]); knows no SDK type. A bad
//! batch (undecodable) is a permanent error; a failed write or publish is retryable, and retrying the
//! whole event is safe: writes are idempotent and the per-batch marker keeps metrics from counting twice.

use std::time::Instant;

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::classify::classify_batch;
use crate::decode::{self, DecodeError, LogsPayload, MessageType};
use crate::index::layout::naive_write_units;
use crate::index::{BatchItems, ItemOptions, LogLocation, SuccessPolicy, items_for_batch};
use crate::metrics::marker::key::batch_key;
use crate::metrics::marker::once::{self, OnceError};
use crate::metrics::{MetricSet, MetricsOptions};
use crate::parse::delivered::{self, ExecutionLogGroup};
use crate::parse::{ParseOptions, ParseStats, Sources, parse_batch_from};
use crate::ports::{
    BatchLedger, Expect, IndexWriter, Marker, MetricsError, MetricsSink, PublishReport, StoreError, Write, WriteReport,
};
use crate::reason::FailureReason;
use crate::redact::Redactor;

mod object;

pub use object::{ObjectOutcome, process_object};

/// Settings of the pipeline (from `Config` in the Lambda, from flags in the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineConfig {
    /// Largest decompressed payload accepted (`MAX_DECODED_BYTES`).
    pub max_decoded_bytes: usize,
    /// TTL of index items in days after their last line (`RETENTION_DAYS`).
    pub retention_days: u32,
    /// Access-log groups named by the operator (`ACCESS_LOG_GROUPS`), besides `/aws/apigateway/{name}`.
    pub access_log_groups: Vec<String>,
    /// How successful requests are kept (`SUCCESS_STORAGE`, `SUCCESS_TTL_DAYS`).
    pub success: SuccessPolicy,
    /// Log groups the operator declared as a stage's delivered execution logs (`EXECUTION_LOG_GROUPS`).
    pub execution_log_groups: Vec<ExecutionLogGroup>,
    /// The indexer's own account (`INDEXER_ACCOUNT_ID`): a delivery whose `owner` is another account (a
    /// central account's member) has its items marked with that account. `None`: nothing is marked.
    pub own_account: Option<String>,
}

/// What one event produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The event was a `CONTROL_MESSAGE` (nothing to index).
    pub control: bool,
    /// Log events read.
    pub events: u64,
    /// API request fragments indexed.
    pub api_fragments: usize,
    /// Lambda invocation fragments indexed.
    pub lambda_fragments: usize,
    /// API fragments that show a failure.
    pub failures: usize,
    /// Lines not attributed to any request (counted by kind in `stats`).
    pub lines_skipped: u64,
    /// Fragments not indexed because their request ID is empty or absurdly long.
    pub fragments_skipped: usize,
    /// Numbers left out of index items because DynamoDB cannot store them.
    pub numbers_dropped: usize,
    /// Items left out because they are past DynamoDB's key or item size limits.
    pub items_dropped: usize,
    /// Items written.
    pub items: usize,
    /// Write units of a first write of those items (failures index included).
    pub write_units: u64,
    /// Write units the same lines would cost as one item per line (for comparison).
    pub naive_write_units: u64,
    /// What the writer did.
    pub write: WriteReport,
    /// Parse counts.
    pub stats: ParseStats,
    /// The batch came from the indexer's own log group and was skipped (recursion guard).
    pub recursion_skipped: bool,
    /// Requests counted in metrics, by failure reason.
    pub counted_failures: BTreeMap<FailureReason, u64>,
    /// Requests counted in metrics.
    pub counted_requests: u64,
    /// Data points left out because CloudWatch would refuse their timestamps.
    pub metrics_out_of_range: u64,
    /// What publishing did.
    pub metrics: PublishReport,
    /// An earlier invocation already published this batch's metrics (a retry): not counted again.
    pub metrics_already_counted: bool,
    /// This invocation took the batch's metrics over from an attempt that is gone (crashed, timed out).
    pub metrics_taken_over: bool,
    /// Data points whose publish outcome is unknown (an answer lost after sending, or a crash while
    /// sending): counted when the batch is settled, never sent again.
    pub metrics_maybe_lost: u64,
}

impl Outcome {
    /// `LambdaTimeout=3 Other5XX=1`, for the summary line.
    pub fn failures_by_reason(&self) -> String {
        let parts: Vec<String> = self.counted_failures.iter().map(|(r, n)| format!("{r}={n}")).collect();
        parts.join(" ")
    }

    /// `invalid_timestamp=1 no_request_id=2`: what was skipped and why, for the summary line.
    pub(crate) fn skipped_by_kind(&self) -> String {
        let parts: Vec<String> = self
            .stats
            .skipped
            .iter()
            .map(|(k, n)| format!("{}={n}", k.as_str()))
            .collect();
        parts.join(" ")
    }
}

/// Why an event was not (fully) indexed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The event is not a valid subscription delivery. Permanent: retrying cannot help.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Items could not all be written. Retryable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Metrics could not be published before the deadline. Retryable; nothing is double-counted.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// The per-batch metrics marker could not be read or written. Retryable.
    #[error("metrics marker: {0}")]
    Ledger(#[source] StoreError),
}

impl From<OnceError> for PipelineError {
    fn from(e: OnceError) -> Self {
        match e {
            OnceError::Ledger(e) => Self::Ledger(e),
            OnceError::Metrics(e) => Self::Metrics(e),
        }
    }
}

impl PipelineError {
    /// Stable code (Lambda `error_type`, logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.code(),
            Self::Store(e) => e.code(),
            Self::Metrics(e) => e.code(),
            Self::Ledger(_) => "metrics_marker_failed",
        }
    }
}

/// How a delivery arrives.
#[derive(Debug, Clone, Copy)]
pub enum Delivery<'a> {
    /// A whole Lambda event from a subscription: `{"awslogs":{"data": base64(gzip(JSON))}}`.
    Event(&'a [u8]),
    /// The gzip payload itself (a Kinesis record's data, already base64-decoded by the event source).
    Compressed(&'a [u8]),
}

/// Everything the use case needs besides the delivery: settings and the three ports.
#[derive(Debug)]
pub struct Services<W, M, L> {
    /// Decoding limits and item retention.
    pub config: PipelineConfig,
    /// Header masking.
    pub redactor: Redactor,
    /// What metrics to emit.
    pub metrics_options: MetricsOptions,
    /// The indexer's own log group (recursion guard).
    pub own_log_group: Option<String>,
    /// The index.
    pub writer: W,
    /// The metrics destination.
    pub metrics: M,
    /// The per-batch metrics markers.
    pub ledger: L,
}

/// The settled work for one delivery: items to write, metrics to publish, and the marker key.
#[derive(Debug, Default)]
pub struct Plan {
    /// Index items.
    pub items: BatchItems,
    /// Metrics of the batch.
    pub metrics: MetricSet,
    /// The batch's metrics marker (partition key) and its expiry.
    pub marker: Option<(String, i64)>,
    /// Counts so far.
    pub outcome: Outcome,
}

/// Decodes, parses and lays out one delivery, writing nothing. Pure but for `now_ms`, which bounds the
/// metric timestamps CloudWatch accepts.
pub fn plan_delivery(
    delivery: Delivery<'_>,
    redactor: &Redactor,
    cfg: &PipelineConfig,
    metrics_options: &MetricsOptions,
    own_log_group: Option<&str>,
    now_ms: i64,
) -> Result<Plan, DecodeError> {
    let bytes = match delivery {
        Delivery::Event(event) => decode::decode_event(event, cfg.max_decoded_bytes)?,
        Delivery::Compressed(gz) => decode::gunzip_capped(gz, cfg.max_decoded_bytes)?,
    };
    let payload = decode::parse_payload(&bytes)?;
    if payload.kind()? == MessageType::Control {
        return Ok(Plan {
            outcome: Outcome {
                control: true,
                ..Outcome::default()
            },
            ..Plan::default()
        });
    }
    Ok(plan_payload(
        &payload,
        redactor,
        cfg,
        metrics_options,
        own_log_group,
        now_ms,
    ))
}

/// Parses and lays out one decoded data payload (a subscription's, or an S3 object's lines), writing
/// nothing.
pub fn plan_payload(
    payload: &LogsPayload<'_>,
    redactor: &Redactor,
    cfg: &PipelineConfig,
    metrics_options: &MetricsOptions,
    own_log_group: Option<&str>,
    now_ms: i64,
) -> Plan {
    if own_log_group.is_some_and(|own| own == payload.log_group) {
        let outcome = Outcome {
            recursion_skipped: true,
            events: payload.log_events.len() as u64,
            ..Outcome::default()
        };
        return Plan {
            outcome,
            ..Plan::default()
        };
    }
    // A declared group's delivered JSON records, in the standard form (same event IDs and times).
    let standard = delivered::normalize(payload, &cfg.execution_log_groups);
    let batch = classify_batch(parse_batch_from(
        standard.as_ref().unwrap_or(payload),
        redactor,
        ParseOptions { keep_lines: true },
        Sources {
            access_groups: &cfg.access_log_groups,
            execution_groups: &cfg.execution_log_groups,
        },
    ));
    let items = items_for_batch(
        &batch,
        &ItemOptions {
            retention_days: cfg.retention_days,
            success: cfg.success,
            location: Some(LogLocation {
                group: payload.log_group.to_string(),
                stream: payload.log_stream.to_string(),
                account: source_account(&payload.owner, cfg.own_account.as_deref()),
            }),
        },
    );
    let mut metrics = MetricSet::default();
    metrics.add_batch(&batch, metrics_options, now_ms);
    let outcome = Outcome {
        events: batch.stats.events,
        api_fragments: items.api_fragments,
        lambda_fragments: items.lambda_fragments,
        failures: items.failures,
        lines_skipped: batch.stats.skipped_total(),
        fragments_skipped: items.skipped_fragments,
        numbers_dropped: items.numbers_dropped,
        items_dropped: items.items_dropped,
        items: items.items.len(),
        write_units: items.write_units(),
        naive_write_units: naive_write_units(&batch),
        stats: batch.stats.clone(),
        counted_failures: metrics.failures_counted.clone(),
        counted_requests: metrics.requests_counted,
        metrics_out_of_range: metrics.out_of_range,
        ..Outcome::default()
    };
    let marker = Some((batch_key(payload), marker_expiry(payload, cfg.retention_days)));
    Plan {
        items,
        metrics,
        marker,
        outcome,
    }
}

/// The delivery's `owner` when it is another account than `own`. Only a 12-digit account ID counts: the
/// field is CloudWatch Logs' own, and anything else in it is not stored.
pub fn source_account(owner: &str, own: Option<&str>) -> Option<String> {
    let own = own?;
    (crate::names::is_account_id(owner) && owner != own).then(|| owner.to_string())
}

/// Markers live as long as the index items of the batch: log time plus retention, so rewrites match.
fn marker_expiry(payload: &LogsPayload<'_>, retention_days: u32) -> i64 {
    let last = payload.log_events.iter().map(|e| e.timestamp).max().unwrap_or(0);
    last.div_euclid(1000) + i64::from(retention_days) * 86_400
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Processes one delivery: plan, write the items, then publish the metrics once per batch.
pub async fn process_delivery<W, M, L>(
    services: &Services<W, M, L>,
    delivery: Delivery<'_>,
    deadline: Instant,
) -> Result<Outcome, PipelineError>
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
{
    let plan = plan_delivery(
        delivery,
        &services.redactor,
        &services.config,
        &services.metrics_options,
        services.own_log_group.as_deref(),
        now_ms(),
    )?;
    execute(services, plan, deadline).await
}

/// Writes a plan's items, then publishes its metrics once per batch.
async fn execute<W, M, L>(services: &Services<W, M, L>, plan: Plan, deadline: Instant) -> Result<Outcome, PipelineError>
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
{
    let Plan {
        items,
        metrics,
        marker,
        mut outcome,
    } = plan;
    if !items.items.is_empty() {
        outcome.write = services.writer.write(items.items, deadline).await?;
    }
    if metrics.is_empty() || !services.metrics.enabled() {
        return Ok(outcome);
    }
    let Some((key, expires_at)) = marker else {
        return Ok(outcome);
    };
    // Exactly once per batch, whatever the retries and faults (`crate::metrics::marker::once`).
    let counted = once::publish_once(
        &services.ledger,
        &services.metrics,
        &key,
        expires_at,
        &metrics,
        deadline,
    )
    .await?;
    outcome.metrics = counted.report;
    outcome.metrics_already_counted = counted.already_counted;
    outcome.metrics_taken_over = counted.taken_over;
    outcome.metrics_maybe_lost = counted.maybe_lost;
    Ok(outcome)
}

/// A ledger that never remembers (when nothing is published, or for one-off offline runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLedger;

impl BatchLedger for NoLedger {
    async fn create(
        &self,
        _key: &str,
        _marker: &Marker,
        _listed: bool,
        _expires_at: i64,
        _deadline: Instant,
    ) -> Result<Write, StoreError> {
        Ok(Write::Applied)
    }
    async fn replace(
        &self,
        _key: &str,
        _expect: &Expect,
        _marker: &Marker,
        _deadline: Instant,
    ) -> Result<Write, StoreError> {
        Ok(Write::Applied)
    }
}

/// Indexes one event without metrics (the index-only path of `replay` and the index tests).
pub async fn process<W: IndexWriter>(
    event: &[u8],
    redactor: &Redactor,
    cfg: &PipelineConfig,
    writer: &W,
    deadline: Instant,
) -> Result<Outcome, PipelineError> {
    let plan = plan_delivery(
        Delivery::Event(event),
        redactor,
        cfg,
        &MetricsOptions::default(),
        None,
        now_ms(),
    )?;
    let mut outcome = plan.outcome;
    if !plan.items.items.is_empty() {
        outcome.write = writer.write(plan.items.items, deadline).await?;
    }
    Ok(outcome)
}
