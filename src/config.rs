//! The function's configuration, read once at start-up from environment variables into one typed struct.
//! An invalid value stops the start-up with a message naming the variable and the allowed values.
//! Nothing below `main` reads the environment.

use crate::decode::DEFAULT_MAX_DECODED_BYTES;
use crate::metrics::{CountFrom, MetricsOptions};
use crate::redact::{Redactor, RedactorError};

/// DynamoDB table name (required).
pub const INDEX_TABLE: &str = "INDEX_TABLE";
/// CloudWatch namespace.
pub const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";
/// `cloudwatch`, `emf` or `off`.
pub const METRICS_SINK: &str = "METRICS_SINK";
/// Also emit API metrics per resource and method.
pub const DETAILED_METRICS: &str = "DETAILED_METRICS";
/// TTL of index items, in days.
pub const RETENTION_DAYS: &str = "RETENTION_DAYS";
/// Extra header names whose values are masked.
pub const REDACT_HEADERS: &str = "REDACT_HEADERS";
/// Cap on a delivery's decompressed size, in bytes.
pub const MAX_DECODED_BYTES: &str = "MAX_DECODED_BYTES";
/// Which completions count a request: `auto`, `execution` or `access`.
pub const COUNT_FROM: &str = "COUNT_FROM";
/// Set by the Lambda runtime: the function's own log group, never to be indexed (recursion guard).
pub const AWS_LAMBDA_LOG_GROUP_NAME: &str = "AWS_LAMBDA_LOG_GROUP_NAME";

/// Default namespace (`interfaces.md`).
pub const DEFAULT_NAMESPACE: &str = "ApiGatewayLogs";
/// Default retention (`interfaces.md`).
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// DynamoDB TTL and CloudWatch both reason in days; ten years is past any sensible retention.
const MAX_RETENTION_DAYS: u32 = 3650;

/// Where metrics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsSinkKind {
    /// `PutMetricData`.
    CloudWatch,
    /// Embedded Metric Format on stdout.
    Emf,
    /// Not published.
    Off,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table.
    pub table_name: String,
    /// CloudWatch namespace.
    pub metrics_namespace: String,
    /// Metrics destination.
    pub metrics_sink: MetricsSinkKind,
    /// What metrics to emit and how requests are counted.
    pub metrics: MetricsOptions,
    /// TTL of index items.
    pub retention_days: u32,
    /// Header masking, built from the built-in list plus `REDACT_HEADERS`.
    pub redactor: Redactor,
    /// Cap on decompressed size.
    pub max_decoded_bytes: usize,
    /// The function's own log group (recursion guard), when running in Lambda.
    pub own_log_group: Option<String>,
}

/// A configuration value is missing or invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("missing required environment variable {0}")]
    Missing(&'static str),
    /// A variable has a value outside its allowed set.
    #[error("invalid value {value:?} for {name}: allowed values are {allowed}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What it was set to.
        value: String,
        /// What it may be.
        allowed: &'static str,
    },
    /// `REDACT_HEADERS` cannot be compiled.
    #[error(transparent)]
    Redact(#[from] RedactorError),
}

impl ConfigError {
    /// Stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "config_missing",
            Self::Invalid { .. } | Self::Redact(_) => "config_invalid",
        }
    }
}

impl Config {
    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From any lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let invalid = |name, value: String, allowed| ConfigError::Invalid { name, value, allowed };
        let table_name = get(INDEX_TABLE).ok_or(ConfigError::Missing(INDEX_TABLE))?;
        let metrics_namespace = get(METRICS_NAMESPACE).unwrap_or_else(|| DEFAULT_NAMESPACE.into());
        if metrics_namespace.len() > 255 || metrics_namespace.starts_with(':') || metrics_namespace.starts_with("AWS/")
        {
            return Err(invalid(
                METRICS_NAMESPACE,
                metrics_namespace,
                "1-255 characters, not starting with ':' or 'AWS/'",
            ));
        }
        let metrics_sink = match get(METRICS_SINK).as_deref().unwrap_or("cloudwatch") {
            "cloudwatch" => MetricsSinkKind::CloudWatch,
            "emf" => MetricsSinkKind::Emf,
            "off" => MetricsSinkKind::Off,
            other => return Err(invalid(METRICS_SINK, other.into(), "cloudwatch, emf, off")),
        };
        let detailed = match get(DETAILED_METRICS).as_deref().unwrap_or("false") {
            "true" => true,
            "false" => false,
            other => return Err(invalid(DETAILED_METRICS, other.into(), "true, false")),
        };
        let count_from = match get(COUNT_FROM) {
            None => CountFrom::Auto,
            Some(v) => CountFrom::from_name(&v).ok_or_else(|| invalid(COUNT_FROM, v, "auto, execution, access"))?,
        };
        let retention_days = match get(RETENTION_DAYS) {
            None => DEFAULT_RETENTION_DAYS,
            Some(v) => v
                .parse()
                .ok()
                .filter(|d| (1..=MAX_RETENTION_DAYS).contains(d))
                .ok_or_else(|| invalid(RETENTION_DAYS, v, "a whole number of days from 1 to 3650"))?,
        };
        let max_decoded_bytes = match get(MAX_DECODED_BYTES) {
            None => DEFAULT_MAX_DECODED_BYTES,
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| *n >= 1024)
                .ok_or_else(|| invalid(MAX_DECODED_BYTES, v, "a number of bytes, at least 1024"))?,
        };
        let extra = get(REDACT_HEADERS).unwrap_or_default();
        let redactor = Redactor::new(extra.split(',').map(str::trim).filter(|s| !s.is_empty()))?;
        Ok(Self {
            table_name,
            metrics_namespace,
            metrics_sink,
            metrics: MetricsOptions { detailed, count_from },
            retention_days,
            redactor,
            max_decoded_bytes,
            own_log_group: get(AWS_LAMBDA_LOG_GROUP_NAME),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_those_of_the_interface() {
        let c = config(&[(INDEX_TABLE, "t")]).unwrap();
        assert_eq!(c.table_name, "t");
        assert_eq!(c.metrics_namespace, "ApiGatewayLogs");
        assert_eq!(c.metrics_sink, MetricsSinkKind::CloudWatch);
        assert!(!c.metrics.detailed);
        assert_eq!(c.retention_days, 30);
        assert_eq!(c.max_decoded_bytes, DEFAULT_MAX_DECODED_BYTES);
        assert_eq!(c.own_log_group, None);
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_allowed_values() {
        assert_eq!(
            config(&[]).unwrap_err().to_string(),
            "missing required environment variable INDEX_TABLE"
        );
        let cases = [
            (METRICS_SINK, "kinesis", "cloudwatch, emf, off"),
            (DETAILED_METRICS, "yes", "true, false"),
            (RETENTION_DAYS, "0", "1 to 3650"),
            (RETENTION_DAYS, "thirty", "1 to 3650"),
            (COUNT_FROM, "both", "auto, execution, access"),
            (METRICS_NAMESPACE, "AWS/ApiGateway", "not starting with"),
            (MAX_DECODED_BYTES, "-1", "at least 1024"),
        ];
        for (name, value, allowed) in cases {
            let e = config(&[(INDEX_TABLE, "t"), (name, value)]).unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(value) && e.contains(allowed), "{e}");
        }
    }

    #[test]
    fn extra_redacted_headers_are_used() {
        let c = config(&[(INDEX_TABLE, "t"), (REDACT_HEADERS, "X-Session, X-Other ")]).unwrap();
        assert_eq!(c.redactor.redact("{X-Other=v}"), "{X-Other=****}");
    }
}
