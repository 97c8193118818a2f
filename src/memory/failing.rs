//! Doubles that fail the way the real services do, for the retry and counted-once tests: a metrics sink
//! whose first sends fail, and a ledger whose claim answers are lost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use super::{MemoryIndex, RecordingMetrics};
use crate::metrics::Datum;
use crate::ports::{BatchLedger, Expect, Marker, MetricsError, MetricsSink, PublishReport, StoreError, Write};

/// How a [`FailingMetrics`] fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SendFailure {
    /// The answer is lost after sending (`MetricsError::OutcomeUnknown`): the data may have been published.
    #[default]
    OutcomeUnknown,
    /// Nothing was published before the deadline (`MetricsError::Deadline`).
    Deadline,
}

/// Records what it is sent; its first `failures` sends fail as `failure` says. `sends` counts every call.
#[derive(Debug, Default)]
pub struct FailingMetrics {
    /// Sends still to fail.
    pub failures: AtomicUsize,
    /// Every send, failed or not.
    pub sends: AtomicUsize,
    /// How they fail.
    pub failure: SendFailure,
    /// What was published.
    pub inner: RecordingMetrics,
}

impl MetricsSink for FailingMetrics {
    async fn send(&self, datums: &[Datum], deadline: Instant) -> Result<PublishReport, MetricsError> {
        self.sends.fetch_add(1, Ordering::SeqCst);
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(match self.failure {
                SendFailure::OutcomeUnknown => MetricsError::OutcomeUnknown {
                    datums: datums.len(),
                    message: "connection reset after sending".into(),
                },
                SendFailure::Deadline => MetricsError::Deadline {
                    unpublished: datums.len(),
                    total: datums.len(),
                },
            });
        }
        self.inner.send(datums, deadline).await
    }
}

/// An in-memory ledger whose claims are applied but answered as DynamoDB answers the SDK's retry of a
/// claim whose first answer was lost: a failed condition, returning the marker (our own).
#[derive(Debug, Default)]
pub struct LostClaimAnswer(pub MemoryIndex);

impl BatchLedger for LostClaimAnswer {
    async fn create(&self, key: &str, m: &Marker, l: bool, exp: i64, d: Instant) -> Result<Write, StoreError> {
        self.0.create(key, m, l, exp, d).await?;
        self.0.create(key, m, l, exp, d).await
    }
    async fn replace(&self, key: &str, e: &Expect, m: &Marker, d: Instant) -> Result<Write, StoreError> {
        self.0.replace(key, e, m, d).await
    }
}
