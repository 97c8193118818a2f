//! A metrics sink that records what it was given (tests, offline runs).

use std::sync::Mutex;
use std::time::Instant;

use crate::metrics::Datum;
use crate::ports::{MetricsError, MetricsSink, PublishReport};

/// Records what would have been published (tests, offline runs).
#[derive(Debug, Default)]
pub struct RecordingMetrics {
    published: Mutex<Vec<Datum>>,
}

impl RecordingMetrics {
    /// Everything published so far.
    pub fn published(&self) -> Vec<Datum> {
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl MetricsSink for RecordingMetrics {
    async fn send(&self, datums: &[Datum], _deadline: Instant) -> Result<PublishReport, MetricsError> {
        let n = datums.len();
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(datums);
        Ok(PublishReport {
            calls: usize::from(n > 0),
            datums: n,
        })
    }
}
