//! Wiring: the ports' real adapters built once from the configuration, shared by the Lambda binary and
//! `apigw-logs replay` so both run exactly the same path.

use std::io::Stdout;
use std::time::Instant;

use aws_config::SdkConfig;

use crate::aws::cloudwatch::CloudWatchMetrics;
use crate::aws::dynamodb::DynamoIndex;
use crate::config::{Config, MetricsSinkKind};
use crate::metrics::{Datum, MetricSet};
use crate::pipeline::{PipelineConfig, Services};
use crate::ports::{MetricsError, MetricsSink, PublishReport};
use crate::sinks::{EmfWriter, NoMetrics};

/// The metrics destination chosen by `METRICS_SINK`.
#[derive(Debug)]
pub enum AnySink {
    /// `PutMetricData`.
    CloudWatch(CloudWatchMetrics),
    /// Embedded Metric Format on stdout.
    Emf(EmfWriter<Stdout>),
    /// Nothing.
    Off(NoMetrics),
}

impl MetricsSink for AnySink {
    fn requests(&self, set: &MetricSet) -> Vec<Vec<Datum>> {
        match self {
            Self::CloudWatch(s) => s.requests(set),
            Self::Emf(s) => s.requests(set),
            Self::Off(s) => s.requests(set),
        }
    }

    async fn send(&self, datums: &[Datum], deadline: Instant) -> Result<PublishReport, MetricsError> {
        match self {
            Self::CloudWatch(s) => s.send(datums, deadline).await,
            Self::Emf(s) => s.send(datums, deadline).await,
            Self::Off(s) => s.send(datums, deadline).await,
        }
    }

    fn enabled(&self) -> bool {
        !matches!(self, Self::Off(_))
    }

    fn unambiguous(&self) -> bool {
        match self {
            Self::CloudWatch(s) => s.unambiguous(),
            Self::Emf(s) => s.unambiguous(),
            Self::Off(s) => s.unambiguous(),
        }
    }

    fn namespace(&self) -> Option<&str> {
        match self {
            Self::CloudWatch(s) => s.namespace(),
            Self::Emf(s) => s.namespace(),
            Self::Off(s) => s.namespace(),
        }
    }
}

/// The production services: DynamoDB for the index and the metrics markers, the configured metrics sink.
pub(crate) type AwsServices = Services<DynamoIndex, AnySink, DynamoIndex>;

/// Builds the services once (SDK clients are reused across invocations).
pub fn aws_services(config: &Config, sdk: &SdkConfig) -> AwsServices {
    let index = DynamoIndex::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name);
    let metrics = match config.metrics_sink {
        MetricsSinkKind::CloudWatch => AnySink::CloudWatch(CloudWatchMetrics::new(
            aws_sdk_cloudwatch::Client::new(sdk),
            &config.metrics_namespace,
        )),
        MetricsSinkKind::Emf => AnySink::Emf(EmfWriter::new(&config.metrics_namespace, std::io::stdout())),
        MetricsSinkKind::Off => AnySink::Off(NoMetrics),
    };
    services_with(config, index.clone(), metrics, index)
}

/// The services over any adapters, with everything else taken from the configuration: the one wiring of
/// configuration to the pipeline (the function and `replay`, live or `--dry-run`, all go through it).
pub fn services_with<W, M, L>(config: &Config, writer: W, metrics: M, ledger: L) -> Services<W, M, L> {
    Services {
        config: PipelineConfig {
            access_log_groups: config.access_log_groups.clone(),
            execution_log_groups: config.execution_log_groups.clone(),
            max_decoded_bytes: config.max_decoded_bytes,
            retention_days: config.retention_days,
            success: config.success,
            own_account: config.own_account.clone(),
        },
        redactor: config.redactor.clone(),
        metrics_options: config.metrics.clone(),
        own_log_group: config.own_log_group.clone(),
        writer,
        metrics,
        ledger,
    }
}
