//! The function's configuration, read once at start-up from environment variables into one typed struct.
//! An invalid value stops the start-up with a message naming the variable and the allowed values.
//! Nothing below `main` reads the environment.

use crate::decode::DEFAULT_MAX_DECODED_BYTES;
use crate::index::{SuccessPolicy, SuccessStorage};
use crate::metrics::{CountFrom, MetricsOptions};
use crate::parse::delivered::ExecutionLogGroup;
use crate::redact::{Redactor, RedactorError};

mod sources;
pub use sources::check_execution_log_groups;
use sources::{execution_log_groups, log_group_name_ok};

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
/// How successful requests are kept: `full`, `summary` (one item each) or `off` (metrics only).
pub const SUCCESS_STORAGE: &str = "SUCCESS_STORAGE";
/// TTL of a summarized success, in days.
pub const SUCCESS_TTL_DAYS: &str = "SUCCESS_TTL_DAYS";
/// Extra header names whose values are masked.
pub const REDACT_HEADERS: &str = "REDACT_HEADERS";
/// Extra field names (JSON keys, query parameters, `name=value` pairs) whose values are masked.
pub(crate) const REDACT_FIELDS: &str = "REDACT_FIELDS";
/// Keep request and response bodies (redacted) instead of their size and hash: `true` or `false` (default).
pub const STORE_BODIES: &str = "STORE_BODIES";
/// Cap on a delivery's decompressed size, in bytes.
pub const MAX_DECODED_BYTES: &str = "MAX_DECODED_BYTES";
/// Which completions count a request: `auto`, `execution` or `access`.
pub const COUNT_FROM: &str = "COUNT_FROM";
/// Comma-separated names of log groups holding access logs, besides `/aws/apigateway/{name}`: only these
/// groups' lines are read as access records (`docs/threat-model.md`).
pub const ACCESS_LOG_GROUPS: &str = "ACCESS_LOG_GROUPS";
/// Comma-separated `group=api/stage` declarations: log groups that hold a REST stage's delivered execution
/// logs (a CloudWatch Logs delivery to a group the operator names), read as that stage's execution logs; an
/// entry `s3://bucket/prefix=api/stage` declares the objects under that bucket and key prefix instead
/// (a delivery to S3, read from its object-created notifications: `crate::s3_delivery`).
pub const EXECUTION_LOG_GROUPS: &str = "EXECUTION_LOG_GROUPS";
/// The indexer's own AWS account ID (the template sets it): deliveries from other accounts are marked.
pub const INDEXER_ACCOUNT_ID: &str = "INDEXER_ACCOUNT_ID";
/// Set by the Lambda runtime: the function's own log group, never to be indexed (recursion guard).
pub const AWS_LAMBDA_LOG_GROUP_NAME: &str = "AWS_LAMBDA_LOG_GROUP_NAME";

/// Default namespace (`docs/reference.md`).
pub const DEFAULT_NAMESPACE: &str = "ApiGatewayLogs";
/// Default retention (`docs/reference.md`).
pub(crate) const DEFAULT_RETENTION_DAYS: u32 = 30;
/// DynamoDB TTL and CloudWatch both reason in days; ten years is past any sensible retention.
pub(crate) const MAX_RETENTION_DAYS: u32 = 3650;
/// Smallest `MAX_DECODED_BYTES`: below it no real delivery fits.
pub(crate) const MIN_MAX_DECODED_BYTES: usize = 1024;
/// Largest `MAX_DECODED_BYTES`: 1 GiB, a tenth of the largest Lambda memory size (10,240 MB) and far past
/// what a 1 MB delivery decompresses to; a larger cap only lets a gzip bomb take the function down.
pub(crate) const MAX_MAX_DECODED_BYTES: usize = 1 << 30;

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
    /// How successful requests are kept.
    pub success: SuccessPolicy,
    /// Masking, built from the built-in names plus `REDACT_HEADERS` and `REDACT_FIELDS`.
    pub redactor: Redactor,
    /// Cap on decompressed size.
    pub max_decoded_bytes: usize,
    /// The function's own log group (recursion guard), when running in Lambda.
    pub own_log_group: Option<String>,
    /// Access-log groups the operator names (`ACCESS_LOG_GROUPS`).
    pub access_log_groups: Vec<String>,
    /// Delivered execution-log groups the operator declares (`EXECUTION_LOG_GROUPS`).
    pub execution_log_groups: Vec<ExecutionLogGroup>,
    /// The indexer's own account (`INDEXER_ACCOUNT_ID`).
    pub own_account: Option<String>,
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
    /// `REDACT_HEADERS` / `REDACT_FIELDS` cannot be compiled.
    #[error("invalid value for {name}: {source}")]
    Redact {
        /// The variable.
        name: &'static str,
        /// Why.
        #[source]
        source: RedactorError,
    },
}

impl ConfigError {
    /// Stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "config_missing",
            Self::Invalid { .. } | Self::Redact { .. } => "config_invalid",
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
        let store_bodies = match get(STORE_BODIES).as_deref().unwrap_or("false") {
            "true" => true,
            "false" => false,
            other => return Err(invalid(STORE_BODIES, other.into(), "true, false")),
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
        let storage = match get(SUCCESS_STORAGE) {
            None => SuccessStorage::default(),
            Some(v) => {
                SuccessStorage::from_name(&v).ok_or_else(|| invalid(SUCCESS_STORAGE, v, "full, summary, off"))?
            }
        };
        let success_ttl_days = match get(SUCCESS_TTL_DAYS) {
            None => SuccessPolicy::default().ttl_days,
            Some(v) => v
                .parse()
                .ok()
                .filter(|d| (1..=MAX_RETENTION_DAYS).contains(d))
                .ok_or_else(|| invalid(SUCCESS_TTL_DAYS, v, "a whole number of days from 1 to 3650"))?,
        };
        let max_decoded_bytes = match get(MAX_DECODED_BYTES) {
            None => DEFAULT_MAX_DECODED_BYTES,
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (MIN_MAX_DECODED_BYTES..=MAX_MAX_DECODED_BYTES).contains(n))
                .ok_or_else(|| {
                    invalid(
                        MAX_DECODED_BYTES,
                        v,
                        "a whole number of bytes from 1024 to 1073741824 (1 GiB)",
                    )
                })?,
        };
        let names = |var| {
            let list = get(var).unwrap_or_default();
            let names: Vec<String> = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            // Each list alone, so that the message names the variable holding the bad name.
            Redactor::new(&names)
                .map(|_| names)
                .map_err(|source| ConfigError::Redact { name: var, source })
        };
        let (headers, fields) = (names(REDACT_HEADERS)?, names(REDACT_FIELDS)?);
        let access_log_groups: Vec<String> = get(ACCESS_LOG_GROUPS)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        if let Some(bad) = access_log_groups.iter().find(|g| !log_group_name_ok(g)) {
            return Err(invalid(
                ACCESS_LOG_GROUPS,
                bad.clone(),
                "log group names (1-512 of A-Z a-z 0-9 . - _ / #), separated by commas",
            ));
        }
        let execution_log_groups = execution_log_groups(get(EXECUTION_LOG_GROUPS), &access_log_groups)?;
        let own_account = get(INDEXER_ACCOUNT_ID).filter(|s| !s.is_empty());
        if let Some(bad) = own_account.as_ref().filter(|a| !crate::names::is_account_id(a)) {
            return Err(invalid(INDEXER_ACCOUNT_ID, bad.clone(), "a 12-digit AWS account ID"));
        }
        let redactor = Redactor::new(headers.iter().chain(&fields))
            .map_err(|source| ConfigError::Redact {
                name: REDACT_FIELDS,
                source,
            })?
            .keeping_bodies(store_bodies);
        Ok(Self {
            table_name,
            metrics_namespace,
            metrics_sink,
            metrics: MetricsOptions { detailed, count_from },
            retention_days,
            success: SuccessPolicy {
                storage,
                ttl_days: success_ttl_days,
            },
            redactor,
            max_decoded_bytes,
            own_log_group: get(AWS_LAMBDA_LOG_GROUP_NAME),
            access_log_groups,
            execution_log_groups,
            own_account,
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
        assert_eq!(c.success.storage, SuccessStorage::Summary);
        assert_eq!(c.success.ttl_days, 7);
        let c = config(&[(INDEX_TABLE, "t"), (SUCCESS_STORAGE, "full"), (SUCCESS_TTL_DAYS, "3")]).unwrap();
        assert_eq!((c.success.storage, c.success.ttl_days), (SuccessStorage::Full, 3));
        assert_eq!(c.max_decoded_bytes, DEFAULT_MAX_DECODED_BYTES);
        assert_eq!(c.own_log_group, None);
        assert!(c.access_log_groups.is_empty());
        let c = config(&[(INDEX_TABLE, "t"), (ACCESS_LOG_GROUPS, " /a/access , /b#2,")]).unwrap();
        assert_eq!(c.access_log_groups, ["/a/access", "/b#2"]);
    }

    #[test]
    fn execution_log_groups_are_declared_with_their_stage() {
        let c = config(&[(INDEX_TABLE, "t")]).unwrap();
        assert!(c.execution_log_groups.is_empty());
        let c = config(&[
            (INDEX_TABLE, "t"),
            (
                EXECUTION_LOG_GROUPS,
                "/d/orders=a1b2c3/dev, /d/pay=x9/prod_1, s3://exec-logs/AWSLogs/=a1b2c3/prod",
            ),
        ])
        .unwrap();
        let got: Vec<(&str, &str, &str)> = c
            .execution_log_groups
            .iter()
            .map(|g| (g.group.as_str(), g.api_id.as_str(), g.stage.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("/d/orders", "a1b2c3", "dev"),
                ("/d/pay", "x9", "prod_1"),
                ("s3://exec-logs/AWSLogs/", "a1b2c3", "prod")
            ]
        );
        for (value, access) in [
            ("s3://Upper_Case/p=a1/dev", ""),
            ("s3://b/p=a1/dev", ""),
            ("/d/orders", ""),
            ("/not ok=a1/dev", ""),
            ("/d/a=a1/dev,/d/a=b2/prod", ""),
            ("/d/a=a1/dev", "/d/a"),
        ] {
            let err = config(&[
                (INDEX_TABLE, "t"),
                (EXECUTION_LOG_GROUPS, value),
                (ACCESS_LOG_GROUPS, access),
            ])
            .unwrap_err()
            .to_string();
            assert!(err.contains(EXECUTION_LOG_GROUPS), "{value}: {err}");
        }
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_allowed_values() {
        assert_eq!(
            config(&[]).unwrap_err().to_string(),
            "missing required environment variable INDEX_TABLE"
        );
        let cases = [
            (METRICS_SINK, "kinesis", "cloudwatch, emf, off"),
            (INDEXER_ACCOUNT_ID, "12345", "a 12-digit AWS account ID"),
            (DETAILED_METRICS, "yes", "true, false"),
            (RETENTION_DAYS, "0", "1 to 3650"),
            (RETENTION_DAYS, "thirty", "1 to 3650"),
            (COUNT_FROM, "both", "auto, execution, access"),
            (METRICS_NAMESPACE, "AWS/ApiGateway", "not starting with"),
            (MAX_DECODED_BYTES, "-1", "from 1024 to 1073741824"),
            (MAX_DECODED_BYTES, "1023", "from 1024 to 1073741824"),
            (MAX_DECODED_BYTES, "18446744073709551615", "from 1024 to 1073741824"),
            (MAX_DECODED_BYTES, "1073741825", "from 1024 to 1073741824"),
            (RETENTION_DAYS, "3651", "1 to 3650"),
            (RETENTION_DAYS, "4294967296", "1 to 3650"),
            (ACCESS_LOG_GROUPS, "/not ok", "separated by commas"),
            (SUCCESS_STORAGE, "some", "full, summary, off"),
            (SUCCESS_TTL_DAYS, "0", "1 to 3650"),
        ];
        for (name, value, allowed) in cases {
            let e = config(&[(INDEX_TABLE, "t"), (name, value)]).unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(value) && e.contains(allowed), "{e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        for (name, value) in [(REDACT_HEADERS, "X-Ok, bad name"), (REDACT_FIELDS, "k=v")] {
            let e = config(&[(INDEX_TABLE, "t"), (name, value)]).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("invalid value for {name}: ")) && e.contains("is not a name"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_bounds_themselves_are_accepted() {
        for (name, value) in [
            (MAX_DECODED_BYTES, "1024"),
            (MAX_DECODED_BYTES, "1073741824"),
            (RETENTION_DAYS, "1"),
            (RETENTION_DAYS, "3650"),
        ] {
            assert!(config(&[(INDEX_TABLE, "t"), (name, value)]).is_ok(), "{name}={value}");
        }
    }

    #[test]
    fn extra_redacted_headers_and_fields_are_used() {
        let c = config(&[
            (INDEX_TABLE, "t"),
            (REDACT_HEADERS, "X-Session, X-Other "),
            (REDACT_FIELDS, "ssn,dob"),
        ])
        .unwrap();
        assert_eq!(c.redactor.redact("{X-Other=v}"), "{X-Other=****}");
        assert_eq!(
            c.redactor.redact(r#"{"ssn":"123","dob":"1990","ok":1}"#),
            r#"{"ssn":"****","dob":"****","ok":1}"#
        );
    }
}
