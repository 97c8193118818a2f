//! CloudWatch adapter: `PutMetricData` in as few calls as the API allows, within the caller's deadline.
//! The only module that touches `aws_sdk_cloudwatch` types.

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::config::retry::RetryConfig;
use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit, Statistic};
use aws_smithy_types::DateTime;

use crate::aws::outcome::{Applied, applied, short_message};
use crate::aws::retry::Backoff;
use crate::metrics::chunk;
use crate::metrics::{Datum, MetricSet, Unit, names};
use crate::ports::{MetricsError, MetricsSink, PublishReport};

/// Publishes to CloudWatch with `PutMetricData`, one request per call of `chunk::calls`.
///
/// `PutMetricData` has no idempotency token, so a request whose outcome is unknown (the connection was
/// reset or timed out after the request was sent) is never sent again: the SDK's own retries are off for
/// it, and this adapter retries only what provably was not applied — an error answer (throttling,
/// `InternalServiceError`, 503) or a connection that was never made — with full-jitter backoff until the
/// deadline. Request bodies are gzip-compressed by the SDK once they pass its minimum size.
#[derive(Debug, Clone)]
pub struct CloudWatchMetrics {
    client: Client,
    namespace: String,
    backoff: Backoff,
}

impl CloudWatchMetrics {
    /// A publisher into `namespace`.
    pub fn new(client: Client, namespace: impl Into<String>) -> Self {
        Self {
            client,
            namespace: namespace.into(),
            backoff: Backoff::default(),
        }
    }

    #[cfg(feature = "cli")]
    pub(crate) const fn client(&self) -> &Client {
        &self.client
    }

    #[cfg(feature = "cli")]
    pub(crate) fn namespace_name(&self) -> &str {
        &self.namespace
    }

    /// Replaces the retry pacing (tests use a fast one).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    async fn put(&self, call: &[Datum]) -> Result<(), (Applied, MetricsError)> {
        let data: Vec<MetricDatum> = call.iter().map(to_sdk).collect();
        let result = self
            .client
            .put_metric_data()
            .namespace(&self.namespace)
            .set_metric_data(Some(data))
            .customize()
            // The SDK would retry a reset or a timeout too, which may store the data points twice.
            .config_override(aws_sdk_cloudwatch::config::Builder::default().retry_config(RetryConfig::disabled()))
            .send()
            .await;
        let e = match result {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let message = short_message("PutMetricData", &e);
        match applied(&e) {
            Applied::Yes => Ok(()),
            Applied::Unknown => Err((
                Applied::Unknown,
                MetricsError::OutcomeUnknown {
                    datums: call.len(),
                    message,
                },
            )),
            no => Err((
                no,
                MetricsError::Service {
                    unpublished: call.len(),
                    message,
                    code: e.as_service_error().and_then(|s| s.code()).map(str::to_string),
                    source: Box::new(e),
                },
            )),
        }
    }
}

fn to_sdk(d: &Datum) -> MetricDatum {
    let unit = match d.key.unit {
        Unit::Count => StandardUnit::Count,
        Unit::Milliseconds => StandardUnit::Milliseconds,
        Unit::Percent => StandardUnit::Percent,
    };
    let mut b = MetricDatum::builder()
        .metric_name(d.key.name)
        .unit(unit)
        .timestamp(DateTime::from_millis(d.key.minute_ms))
        .set_dimensions(Some(
            d.key
                .dimensions
                .iter()
                .map(|(k, v)| Dimension::builder().name(*k).value(v.as_str()).build())
                .collect(),
        ));
    if let [(value, count)] = d.values[..]
        && count == 1.0
    {
        b = b.value(value);
    } else {
        b = b
            .set_values(Some(d.values.iter().map(|(v, _)| *v).collect()))
            .set_counts(Some(d.values.iter().map(|(_, c)| *c).collect()));
    }
    b.build()
}

impl MetricsSink for CloudWatchMetrics {
    fn requests(&self, set: &MetricSet) -> Vec<Vec<Datum>> {
        let datums = chunk::split_values(set.datums());
        chunk::calls(&datums).into_iter().map(<[Datum]>::to_vec).collect()
    }

    async fn send(&self, datums: &[Datum], deadline: Instant) -> Result<PublishReport, MetricsError> {
        let mut calls = 0;
        loop {
            calls += 1;
            let err = match tokio::time::timeout_at(deadline.into(), self.put(datums)).await {
                Ok(Ok(())) => {
                    return Ok(PublishReport {
                        calls,
                        datums: datums.len(),
                    });
                }
                Ok(Err((Applied::No { retryable: true }, e))) => e,
                Ok(Err((_, e))) => return Err(e),
                Err(_elapsed) => {
                    return Err(MetricsError::OutcomeUnknown {
                        datums: datums.len(),
                        message: "PutMetricData: the deadline passed while the request was in flight".into(),
                    });
                }
            };
            // Not applied: pause and send again while the deadline allows.
            let pause = self.backoff.delay(calls as u32);
            if Instant::now() + pause >= deadline {
                tracing::debug!(error = %err, "metrics deadline");
                return Err(MetricsError::Deadline {
                    unpublished: datums.len(),
                    total: datums.len(),
                });
            }
            tokio::time::sleep(pause).await;
        }
    }

    fn namespace(&self) -> Option<&str> {
        Some(&self.namespace)
    }
}

/// Totals read back from CloudWatch for one API stage (or all), over a time window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// `Requests` per `ApiId`/`Stage`.
    pub requests: BTreeMap<(String, String), f64>,
    /// `Failures` per `ApiId`/`Stage`/`FailureReason`.
    pub failures: BTreeMap<(String, String, String), f64>,
    /// Lambda metrics per metric name and `FunctionName`.
    pub lambda: BTreeMap<(String, String), f64>,
    /// `ListMetrics` and `GetMetricStatistics` calls made.
    pub calls: usize,
}

/// `GetMetricStatistics` returns at most 1,440 data points per call (API reference).
const MAX_DATAPOINTS: i64 = 1440;

impl CloudWatchMetrics {
    /// Sums of the counters this tool publishes, between `since_ms` and `until_ms`, optionally for one API
    /// and stage: what `apigw-logs metrics` prints.
    pub async fn totals(
        &self,
        since_ms: i64,
        until_ms: i64,
        api_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<Totals, MetricsError> {
        let mut totals = Totals::default();
        let window_s = ((until_ms - since_ms) / 1000).max(60);
        // Periods are multiples of 60 s; pick the smallest that keeps the window within one call.
        let period = (((window_s + MAX_DATAPOINTS - 1) / MAX_DATAPOINTS + 59) / 60 * 60).max(60) as i32;
        let names = [
            names::REQUESTS,
            names::FAILURES,
            names::LAMBDA_TIMEOUTS,
            names::LAMBDA_OUT_OF_MEMORY,
            names::LAMBDA_COLD_STARTS,
        ];
        let mut seen = std::collections::HashSet::new();
        for name in names {
            let mut next = None;
            loop {
                let page = self
                    .client
                    .list_metrics()
                    .namespace(&self.namespace)
                    .metric_name(name)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(read_error)?;
                totals.calls += 1;
                for metric in page.metrics() {
                    // A metric is listed once per distinct dimension set; some endpoints list it again per
                    // data point, which must not multiply the sums.
                    let mut identity: Vec<(String, String)> = metric
                        .dimensions()
                        .iter()
                        .map(|d| {
                            (
                                d.name().unwrap_or_default().to_string(),
                                d.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect();
                    identity.sort();
                    if !seen.insert((name, identity)) {
                        continue;
                    }
                    let dims: BTreeMap<&str, &str> = metric
                        .dimensions()
                        .iter()
                        .filter_map(|d| Some((d.name()?, d.value()?)))
                        .collect();
                    let wanted = |k: &str, v: Option<&str>| v.is_none_or(|v| dims.get(k) == Some(&v));
                    let key_dims = match name {
                        names::REQUESTS => dims.len() == 2,
                        names::FAILURES => dims.len() == 3 && dims.contains_key("FailureReason"),
                        _ => dims.len() == 1 && dims.contains_key("FunctionName"),
                    };
                    let is_api = matches!(name, names::REQUESTS | names::FAILURES);
                    if !key_dims || (is_api && !(wanted("ApiId", api_id) && wanted("Stage", stage))) {
                        continue;
                    }
                    let stats = self
                        .client
                        .get_metric_statistics()
                        .namespace(&self.namespace)
                        .metric_name(name)
                        .set_dimensions(Some(metric.dimensions().to_vec()))
                        .start_time(DateTime::from_millis(since_ms))
                        .end_time(DateTime::from_millis(until_ms))
                        .period(period)
                        .statistics(Statistic::Sum)
                        .send()
                        .await
                        .map_err(read_error)?;
                    totals.calls += 1;
                    let sum: f64 = stats.datapoints().iter().filter_map(|d| d.sum()).sum();
                    let get = |k: &str| dims.get(k).copied().unwrap_or_default().to_string();
                    match name {
                        names::REQUESTS => *totals.requests.entry((get("ApiId"), get("Stage"))).or_default() += sum,
                        names::FAILURES => {
                            *totals
                                .failures
                                .entry((get("ApiId"), get("Stage"), get("FailureReason")))
                                .or_default() += sum
                        }
                        _ => {
                            *totals
                                .lambda
                                .entry((name.to_string(), get("FunctionName")))
                                .or_default() += sum
                        }
                    }
                }
                match page.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => break,
                }
            }
        }
        Ok(totals)
    }
}

pub(crate) fn read_error<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    e: SdkError<E>,
) -> MetricsError {
    MetricsError::Service {
        unpublished: 0,
        message: short_message("reading metrics", &e),
        code: e.as_service_error().and_then(|s| s.code()).map(str::to_string),
        source: Box::new(e),
    }
}
