//! Counted once per batch: a small marker per delivered batch, claimed with a conditional put before its
//! metrics are published, so a retried invocation of the same batch does not count again.
//!
//! Order: claim → publish → (on failure) release. A retry after a failed publish finds no marker and
//! publishes; a retry after a successful one finds the marker and skips. The remaining window: if the
//! process dies between the claim and the end of the publish (a crash, or Lambda killing it at its
//! timeout despite the deadline margin), the marker stays and that batch's metrics are lost rather than
//! doubled. Markers expire with the index's retention.

use std::future::Future;

use crate::decode::LogsPayload;
use crate::index::StoreError;

/// Whether this invocation may publish the batch's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Nobody published this batch's metrics yet: publish now.
    Claimed,
    /// An earlier invocation did: skip.
    AlreadyCounted,
}

/// Stores the per-batch markers.
pub trait BatchLedger {
    /// Creates the marker `key` unless it exists (a conditional put).
    fn claim(&self, key: &str, expires_at: i64) -> impl Future<Output = Result<Claim, StoreError>> + Send;
    /// Deletes the marker, so a retry publishes (after a failed publish).
    fn release(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The partition key of a batch's marker. A batch is one log stream's events; its first and last event
/// IDs (unique within the log group) and its size identify it across redeliveries.
pub fn batch_key(payload: &LogsPayload<'_>) -> String {
    let first = payload.log_events.first().map_or("", |e| &*e.id);
    let last = payload.log_events.last().map_or("", |e| &*e.id);
    format!(
        "metrics#{}#{}#{first}#{last}#{}",
        payload.log_group,
        payload.log_stream,
        payload.log_events.len()
    )
}
