//! The metrics port: where a batch's metrics go, one request at a time, and its errors.

use std::future::Future;
use std::time::Instant;

use super::metric_data::{Datum, MetricSet};

/// What a publish did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// API calls made (`PutMetricData`), or documents written (EMF).
    pub calls: usize,
    /// Data points published.
    pub datums: usize,
}

/// Metrics could not all be published. The caller fails the invocation so Lambda retries it; the
/// per-batch marker keeps a retry from counting twice (`crate::metrics::marker::once`).
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The deadline passed with data points unpublished; every request sent was refused, so none of
    /// them is stored and a retry may send them again.
    #[error("metrics deadline passed with {unpublished} of {total} data points unpublished")]
    Deadline {
        /// Data points not published.
        unpublished: usize,
        /// Data points in all.
        total: usize,
    },
    /// The service refused the request (it was not applied), and retrying cannot help.
    #[error("publishing metrics failed with {unpublished} data points unpublished: {message}")]
    Service {
        /// Data points not published.
        unpublished: usize,
        /// One short sentence: what failed and the service's code and message.
        message: String,
        /// The service's error code (`Throttling`, ...), if it answered.
        code: Option<String>,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The request was sent and its answer was lost (connection reset, timeout): CloudWatch may or may
    /// not have stored it. `PutMetricData` has no idempotency token, so it is never sent again; its data
    /// points are counted as maybe lost.
    #[error("outcome of publishing {datums} data points unknown ({message}); not sent again")]
    OutcomeUnknown {
        /// Data points in the request.
        datums: usize,
        /// What happened, in a few words.
        message: String,
    },
    /// Writing EMF documents failed (some may have been written).
    #[error("writing EMF documents failed: {0}")]
    Emf(#[source] std::io::Error),
    /// Another attempt holds this batch's metrics marker and may still be publishing.
    #[error("another attempt is publishing this batch's metrics (its lease ends at epoch ms {until_ms}); retry later")]
    MarkerBusy {
        /// End of the other attempt's lease (epoch ms).
        until_ms: i64,
    },
    /// Another attempt took this batch's metrics over (this one outlived its lease).
    #[error("another attempt took over this batch's metrics")]
    Superseded,
}

impl MetricsError {
    /// Stable code (Lambda `error_type`, logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Deadline { .. } => "metrics_deadline",
            Self::Service { .. } => "metrics_service_error",
            Self::OutcomeUnknown { .. } => "metrics_outcome_unknown",
            Self::Emf(_) => "metrics_emf_write_failed",
            Self::MarkerBusy { .. } => "metrics_marker_busy",
            Self::Superseded => "metrics_superseded",
        }
    }

    /// Whether the failed request may have been applied (so it must not be sent again).
    pub(crate) const fn outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown { .. } | Self::Emf(_))
    }
}

/// Where a batch's metrics go: one or more requests, sent one at a time, so the per-batch marker can
/// record which are settled (`crate::metrics::marker::once`).
pub trait MetricsSink {
    /// The requests publishing `set` takes, in order. Deterministic for a given set, so a retry of the
    /// same batch resumes at the same request. Default: one request with every data point.
    fn requests(&self, set: &MetricSet) -> Vec<Vec<Datum>> {
        let datums = set.datums();
        if datums.is_empty() { Vec::new() } else { vec![datums] }
    }

    /// Sends one request. Fails with [`MetricsError::OutcomeUnknown`] when it may have been applied.
    fn send(
        &self,
        datums: &[Datum],
        deadline: Instant,
    ) -> impl Future<Output = Result<PublishReport, MetricsError>> + Send;

    /// Publishes every data point of `set` (all its requests, in order), without a marker.
    fn publish(
        &self,
        set: &MetricSet,
        deadline: Instant,
    ) -> impl Future<Output = Result<PublishReport, MetricsError>> + Send
    where
        Self: Sync,
    {
        let requests = self.requests(set);
        async move {
            let mut report = PublishReport::default();
            for r in &requests {
                let sent = self.send(r, deadline).await?;
                report.calls += sent.calls;
                report.datums += sent.datums;
            }
            Ok(report)
        }
    }

    /// Whether publishing does anything (when not, the per-batch marker is not written either).
    fn enabled(&self) -> bool {
        true
    }

    /// Whether a send cannot fail with an unknown outcome (a line written to the function's own log): the
    /// marker then takes two writes per batch, not five (`crate::metrics::marker::once`).
    fn unambiguous(&self) -> bool {
        false
    }

    /// The namespace metrics go to, if any (the indexer's self-metrics use it too).
    fn namespace(&self) -> Option<&str> {
        None
    }
}
