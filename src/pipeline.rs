//! The use case shared by the Lambda and `apigw-logs replay`: one subscription event → decode → parse
//! (keeping redacted lines) → index items → write, within the caller's deadline.
//!
//! Generic over the [`IndexWriter`] port; knows no SDK type. A bad batch (undecodable) is a permanent
//! error; a failed write is retryable, and retrying the whole event is safe because writes are idempotent.

use std::time::Instant;

use crate::decode::{self, DecodeError, MessageType};
use crate::index::layout::naive_write_units;
use crate::index::{BatchItems, IndexWriter, ItemOptions, StoreError, WriteReport, items_for_batch};
use crate::parse::{ParseOptions, ParseStats, parse_batch};
use crate::redact::Redactor;

/// Settings of the pipeline (from `Config` in the Lambda, from flags in the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineConfig {
    /// Largest decompressed payload accepted (`MAX_DECODED_BYTES`).
    pub max_decoded_bytes: usize,
    /// TTL of index items in days after their last line (`RETENTION_DAYS`).
    pub retention_days: u32,
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
}

impl PipelineError {
    /// Stable code (Lambda `error_type`, logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }
}

/// Decodes, parses and lays out one event's items, writing nothing. Pure.
pub fn plan(event: &[u8], redactor: &Redactor, cfg: &PipelineConfig) -> Result<(BatchItems, Outcome), DecodeError> {
    let bytes = decode::decode_event(event, cfg.max_decoded_bytes)?;
    let payload = decode::parse_payload(&bytes)?;
    if payload.kind()? == MessageType::Control {
        return Ok((
            BatchItems::default(),
            Outcome {
                control: true,
                ..Outcome::default()
            },
        ));
    }
    let batch = parse_batch(&payload, redactor, ParseOptions { keep_lines: true });
    let items = items_for_batch(
        &batch,
        &ItemOptions {
            retention_days: cfg.retention_days,
        },
    );
    let outcome = Outcome {
        control: false,
        events: batch.stats.events,
        api_fragments: items.api_fragments,
        lambda_fragments: items.lambda_fragments,
        failures: items.failures,
        lines_skipped: batch.stats.skipped_total(),
        fragments_skipped: items.skipped_fragments,
        items: items.items.len(),
        write_units: items.write_units(),
        naive_write_units: naive_write_units(&batch),
        write: WriteReport::default(),
        stats: batch.stats,
    };
    Ok((items, outcome))
}

/// Indexes one event: everything [`plan`] does, then writes the items before `deadline`.
pub async fn process<W: IndexWriter>(
    event: &[u8],
    redactor: &Redactor,
    cfg: &PipelineConfig,
    writer: &W,
    deadline: Instant,
) -> Result<Outcome, PipelineError> {
    let (items, mut outcome) = plan(event, redactor, cfg)?;
    if !items.items.is_empty() {
        outcome.write = writer.write(items.items, deadline).await?;
    }
    Ok(outcome)
}
