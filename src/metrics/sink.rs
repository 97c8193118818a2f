//! Where metrics go: the port the pipeline publishes through, its error, and the adapters that need no
//! AWS SDK (EMF on a writer, off, and a recording double for tests). The CloudWatch adapter is
//! `crate::aws::cloudwatch`.

use std::future::Future;
use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use super::{Datum, MetricSet, emf};

/// What a publish did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// API calls made (`PutMetricData`), or documents written (EMF).
    pub calls: usize,
    /// Data points published.
    pub datums: usize,
}

/// Metrics could not all be published. The caller fails the invocation so Lambda retries it; the
/// per-batch marker keeps a retry from counting twice.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The deadline passed with data points unpublished.
    #[error("metrics deadline passed with {unpublished} of {total} data points unpublished")]
    Deadline {
        /// Data points not published.
        unpublished: usize,
        /// Data points in all.
        total: usize,
    },
    /// The service refused or failed (after the SDK's own retries).
    #[error("publishing metrics failed with {unpublished} data points unpublished: {message}")]
    Service {
        /// Data points not published.
        unpublished: usize,
        /// The service's explanation, rendered with its error context.
        message: String,
        /// The service's error code (`Throttling`, ...), if it answered.
        code: Option<String>,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Writing EMF documents failed.
    #[error("writing EMF documents failed: {0}")]
    Emf(#[source] std::io::Error),
}

impl MetricsError {
    /// Stable code (Lambda `error_type`, logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Deadline { .. } => "metrics_deadline",
            Self::Service { .. } => "metrics_service_error",
            Self::Emf(_) => "metrics_emf_write_failed",
        }
    }
}

/// Publishes a batch's metrics before a deadline.
pub trait MetricsSink {
    /// Publishes every data point of `set`, or fails saying how many are left.
    fn publish(
        &self,
        set: &MetricSet,
        deadline: Instant,
    ) -> impl Future<Output = Result<PublishReport, MetricsError>> + Send;

    /// Whether publishing does anything (when not, the per-batch marker is not written either).
    fn enabled(&self) -> bool {
        true
    }
}

/// `METRICS_SINK=off`: nothing is published.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMetrics;

impl MetricsSink for NoMetrics {
    async fn publish(&self, _set: &MetricSet, _deadline: Instant) -> Result<PublishReport, MetricsError> {
        Ok(PublishReport::default())
    }

    fn enabled(&self) -> bool {
        false
    }
}

/// `METRICS_SINK=emf`: Embedded Metric Format documents, one per line, on a writer (stdout in Lambda).
#[derive(Debug)]
pub struct EmfWriter<W> {
    namespace: String,
    out: Mutex<W>,
}

impl<W: Write + Send> EmfWriter<W> {
    /// EMF documents for `namespace` written to `out`.
    pub fn new(namespace: impl Into<String>, out: W) -> Self {
        Self {
            namespace: namespace.into(),
            out: Mutex::new(out),
        }
    }

    /// The writer back (tests read what was written).
    pub fn into_inner(self) -> W {
        self.out.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<W: Write + Send> MetricsSink for EmfWriter<W> {
    async fn publish(&self, set: &MetricSet, _deadline: Instant) -> Result<PublishReport, MetricsError> {
        let datums = set.datums();
        let docs = emf::documents(&self.namespace, &datums);
        let mut out = self.out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for d in &docs {
            writeln!(out, "{d}").map_err(MetricsError::Emf)?;
        }
        out.flush().map_err(MetricsError::Emf)?;
        Ok(PublishReport {
            calls: docs.len(),
            datums: datums.len(),
        })
    }
}

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
    async fn publish(&self, set: &MetricSet, _deadline: Instant) -> Result<PublishReport, MetricsError> {
        let datums = set.datums();
        let n = datums.len();
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(datums);
        Ok(PublishReport {
            calls: usize::from(n > 0),
            datums: n,
        })
    }
}
