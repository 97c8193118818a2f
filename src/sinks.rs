//! Metrics sinks that need no AWS SDK: Embedded Metric Format documents on a writer (stdout in Lambda,
//! where CloudWatch Logs turns them into metrics), and `off`. The CloudWatch adapter is
//! `crate::aws::cloudwatch`; the recording double is `crate::memory::RecordingMetrics`.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use crate::metrics::{Datum, emf};
use crate::ports::{MetricsError, MetricsSink, PublishReport};

/// `METRICS_SINK=off`: nothing is published.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMetrics;

impl MetricsSink for NoMetrics {
    async fn send(&self, _datums: &[Datum], _deadline: Instant) -> Result<PublishReport, MetricsError> {
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
    async fn send(&self, datums: &[Datum], _deadline: Instant) -> Result<PublishReport, MetricsError> {
        let docs = emf::documents(&self.namespace, datums);
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

    /// A line write either happens or fails; a process killed mid-line leaves a line CloudWatch Logs
    /// does not read as EMF.
    fn unambiguous(&self) -> bool {
        true
    }

    fn namespace(&self) -> Option<&str> {
        Some(&self.namespace)
    }
}
