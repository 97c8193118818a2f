//! CloudWatch adapter: `PutMetricData` in as few calls as the API allows, within the caller's deadline.
//! The only module that touches `aws_sdk_cloudwatch` types.

use std::time::Instant;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::metrics::chunk;
use crate::metrics::sink::{MetricsError, MetricsSink, PublishReport};
use crate::metrics::{Datum, MetricSet, Unit};

/// Publishes to CloudWatch with `PutMetricData`. Throttling and 5XX answers are retried by the SDK's
/// standard retry strategy (exponential backoff with jitter); the deadline bounds the whole publish.
/// Request bodies are gzip-compressed by the SDK (`PutMetricData` supports request compression) once
/// they pass its minimum size.
#[derive(Debug, Clone)]
pub struct CloudWatchMetrics {
    client: Client,
    namespace: String,
}

impl CloudWatchMetrics {
    /// A publisher into `namespace`.
    pub fn new(client: Client, namespace: impl Into<String>) -> Self {
        Self {
            client,
            namespace: namespace.into(),
        }
    }

    async fn put(&self, call: &[Datum]) -> Result<(), MetricsError> {
        let data: Vec<MetricDatum> = call.iter().map(to_sdk).collect();
        self.client
            .put_metric_data()
            .namespace(&self.namespace)
            .set_metric_data(Some(data))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| MetricsError::Service {
                unpublished: call.len(),
                message: DisplayErrorContext(&e).to_string(),
                source: Box::new(e),
            })
    }
}

fn to_sdk(d: &Datum) -> MetricDatum {
    let unit = match d.key.unit {
        Unit::Count => StandardUnit::Count,
        Unit::Milliseconds => StandardUnit::Milliseconds,
    };
    let mut b = MetricDatum::builder()
        .metric_name(d.key.name)
        .unit(unit)
        .timestamp(DateTime::from_millis(d.key.minute_ms))
        .set_dimensions(Some(
            d.key
                .dimensions
                .iter()
                .map(|(k, v)| Dimension::builder().name(*k).value(v).build())
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
    async fn publish(&self, set: &MetricSet, deadline: Instant) -> Result<PublishReport, MetricsError> {
        let datums = chunk::split_values(set.datums());
        let total = datums.len();
        let calls = chunk::calls(&datums);
        let mut done = 0;
        for call in &calls {
            let unpublished = total - done;
            match tokio::time::timeout_at(deadline.into(), self.put(call)).await {
                Ok(Ok(())) => done += call.len(),
                Ok(Err(MetricsError::Service { message, source, .. })) => {
                    return Err(MetricsError::Service {
                        unpublished,
                        message,
                        source,
                    });
                }
                Ok(Err(e)) => return Err(e),
                Err(_elapsed) => return Err(MetricsError::Deadline { unpublished, total }),
            }
        }
        Ok(PublishReport {
            calls: calls.len(),
            datums: total,
        })
    }
}
