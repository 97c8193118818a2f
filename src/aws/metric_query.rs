//! Reading metrics back: which dimension sets a metric has (`ListMetrics`) and one statistic per period for
//! many series at once (`GetMetricData`), for `health` and `coverage`. SDK types stay in here.

use std::collections::BTreeSet;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_smithy_types::DateTime;

use super::cloudwatch::{CloudWatchMetrics, read_error};
use crate::ports::MetricsError;

/// `GetMetricData` takes at most 500 queries per call (API reference, `MetricDataQueries`).
pub const MAX_QUERIES_PER_CALL: usize = 500;

/// Dimensions as name/value pairs, sorted by name.
pub type Dimensions = Vec<(String, String)>;

/// One series to read: a metric of the reader's namespace, its dimensions, and the statistic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesQuery {
    /// Metric name.
    pub name: String,
    /// Its exact dimension set.
    pub dimensions: Dimensions,
    /// `Maximum`, `Sum`, `SampleCount`, ...
    pub stat: &'static str,
}

/// A series' values: `(period start epoch ms, value)`, oldest first.
pub type Series = Vec<(i64, f64)>;

impl CloudWatchMetrics {
    /// Every dimension set `name` has in this namespace (each once, sorted).
    pub async fn dimension_sets(&self, name: &str) -> Result<Vec<Dimensions>, MetricsError> {
        let mut sets = BTreeSet::new();
        let mut next = None;
        loop {
            let page = self
                .client()
                .list_metrics()
                .namespace(self.namespace_name())
                .metric_name(name)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(read_error)?;
            for m in page.metrics() {
                let mut dims: Dimensions = m
                    .dimensions()
                    .iter()
                    .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
                    .collect();
                dims.sort();
                sets.insert(dims);
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(sets.into_iter().collect())
    }

    /// One statistic per `period_s` between `since_ms` and `until_ms` for each query, in the queries' order.
    pub async fn series(
        &self,
        queries: &[SeriesQuery],
        since_ms: i64,
        until_ms: i64,
        period_s: i32,
    ) -> Result<Vec<Series>, MetricsError> {
        let mut out = vec![Series::new(); queries.len()];
        for (chunk_no, chunk) in queries.chunks(MAX_QUERIES_PER_CALL).enumerate() {
            let base = chunk_no * MAX_QUERIES_PER_CALL;
            let data: Vec<MetricDataQuery> = chunk
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let metric = Metric::builder()
                        .namespace(self.namespace_name())
                        .metric_name(&q.name)
                        .set_dimensions(Some(
                            q.dimensions
                                .iter()
                                .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                                .collect(),
                        ))
                        .build();
                    MetricDataQuery::builder()
                        .id(format!("q{}", base + i))
                        .metric_stat(
                            MetricStat::builder()
                                .metric(metric)
                                .period(period_s)
                                .stat(q.stat)
                                .build(),
                        )
                        .return_data(true)
                        .build()
                })
                .collect();
            let mut next = None;
            loop {
                let page = self
                    .client()
                    .get_metric_data()
                    .set_metric_data_queries(Some(data.clone()))
                    .start_time(DateTime::from_millis(since_ms))
                    .end_time(DateTime::from_millis(until_ms))
                    .scan_by(ScanBy::TimestampAscending)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(read_error)?;
                for r in page.metric_data_results() {
                    let Some(i) = r.id().and_then(|id| id.strip_prefix('q')?.parse::<usize>().ok()) else {
                        continue;
                    };
                    let Some(series) = out.get_mut(i) else { continue };
                    for (t, v) in r.timestamps().iter().zip(r.values()) {
                        series.push((t.to_millis().unwrap_or_default(), *v));
                    }
                }
                match page.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => break,
                }
            }
        }
        for s in &mut out {
            s.sort_by_key(|(t, _)| *t);
        }
        Ok(out)
    }
}
