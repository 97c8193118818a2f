//! The data the metrics port carries: data points keyed by name, unit, minute and bounded dimensions, and the
//! set one batch accumulates. The port owns them so that `ports` imports no layer that implements or uses it;
//! `crate::metrics` fills a set, the sinks publish it.

use std::collections::BTreeMap;

use crate::reason::FailureReason;
use crate::redact::Redacted;

/// CloudWatch units used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// A count.
    Count,
    /// Milliseconds.
    Milliseconds,
    /// A percentage (0–100) of a limit (near-miss metrics).
    Percent,
}

impl Unit {
    /// CloudWatch's name for the unit.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
            Self::Percent => "Percent",
        }
    }
}

/// One dimension: its name (ours) and its value, which only the redactor builds ([`Redacted`]): a value read
/// from log text cannot become a dimension without passing the choke point.
///
/// ```compile_fail,E0308
/// let d: apigw_log_indexer::metrics::Dimension = ("ApiId", String::from("read from a log line"));
/// ```
pub type Dimension = (&'static str, Redacted<'static>);

/// A metric's identity within one minute: name, unit, minute and dimensions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricKey {
    /// Metric name.
    pub name: &'static str,
    /// Unit.
    pub unit: Unit,
    /// Start of the minute, epoch ms.
    pub minute_ms: i64,
    /// Dimensions, in a fixed order.
    pub dimensions: Vec<Dimension>,
}

/// One data point to publish: a count, or a distribution of values with their counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    /// Identity.
    pub key: MetricKey,
    /// `(value, count)` pairs; a count metric has exactly one pair `(n, 1)`.
    pub values: Vec<(f64, f64)>,
}

/// Values are kept in hundredths so they can key an ordered map (durations have two decimals at most).
type Hundredths = i64;

#[derive(Debug, Clone, PartialEq)]
enum Acc {
    Count(u64),
    Values(BTreeMap<Hundredths, u64>),
}

/// The metrics of one or more batches, before publishing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSet {
    acc: BTreeMap<MetricKey, Acc>,
    /// Data points left out because CloudWatch would refuse their timestamps.
    pub out_of_range: u64,
    /// API requests counted.
    pub requests_counted: u64,
    /// Failed API requests counted, by reason.
    pub failures_counted: BTreeMap<FailureReason, u64>,
}

impl MetricSet {
    pub(crate) fn count(&mut self, key: MetricKey, n: u64) {
        match self.acc.entry(key).or_insert(Acc::Count(0)) {
            Acc::Count(c) => *c += n,
            Acc::Values(_) => {}
        }
    }

    pub(crate) fn value(&mut self, key: MetricKey, v: f64) {
        if !v.is_finite() || v < 0.0 {
            return;
        }
        if let Acc::Values(m) = self.acc.entry(key).or_insert_with(|| Acc::Values(BTreeMap::new())) {
            *m.entry((v * 100.0).round() as Hundredths).or_default() += 1;
        }
    }

    /// Whether nothing would be published.
    pub fn is_empty(&self) -> bool {
        self.acc.is_empty()
    }

    /// The data points, in a deterministic order.
    pub fn datums(&self) -> Vec<Datum> {
        self.acc
            .iter()
            .map(|(k, acc)| Datum {
                key: k.clone(),
                values: match acc {
                    Acc::Count(n) => vec![(*n as f64, 1.0)],
                    Acc::Values(m) => m.iter().map(|(v, c)| (*v as f64 / 100.0, *c as f64)).collect(),
                },
            })
            .collect()
    }
}
