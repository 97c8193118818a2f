//! Counted once per batch: a small marker per delivered batch, claimed with a conditional put before its
//! metrics are published, so a retried invocation of the same batch does not count again.
//!
//! Order: claim → publish → (on failure) release. A retry after a failed publish finds no marker and
//! publishes; a retry after a successful one finds the marker and skips. The remaining window: if the
//! process dies between the claim and the end of the publish (a crash, or Lambda killing it at its
//! timeout despite the deadline margin), the marker stays and that batch's metrics are lost rather than
//! doubled. Markers expire with the index's retention.

use crate::decode::LogsPayload;

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
