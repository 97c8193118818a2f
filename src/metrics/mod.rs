//! Failure-reason metrics, aggregated purely from one batch's fragments: per minute of the log events' own
//! time, with dimensions from bounded sets only (API ID, stage, failure reason, function name, and with
//! `DETAILED_METRICS` the resource template and method). Latencies are value/count distributions, not one
//! datum per request. Publishing is elsewhere (`crate::aws::cloudwatch`, [`emf`]).
//!
//! **Counting rule.** An API request is counted in the batch that holds API Gateway's answer — its
//! `Method completed` line or access-log record, or where API Gateway logs no completion (authorizer
//! rejections), its `Unauthorized request:` or `Gateway response type: … with status code: N` line — from
//! one source only ([`CountFrom`]), so subscribing both execution and access logs never counts it twice. A
//! Lambda invocation is counted in the batch that holds its REPORT (written exactly once per invocation).
//! Remaining window: a request whose gateway-response line and completion line straddle two batches is
//! counted in both.

mod aggregate;
pub mod chunk;
pub mod emf;
pub mod marker;
pub mod near_miss;

use crate::fragment::LineSource;
use crate::parse::text::is_uuid;
use crate::reason::FailureReason;

/// Metric names (`docs/reference.md`).
pub mod names {
    /// Requests completed.
    pub const REQUESTS: &str = "Requests";
    /// Failed requests (by reason, and over all reasons).
    pub(crate) const FAILURES: &str = "Failures";
    /// Integration latency.
    pub const INTEGRATION_LATENCY: &str = "IntegrationLatency";
    /// Latency minus integration latency.
    pub(crate) const GATEWAY_OVERHEAD: &str = "GatewayOverhead";
    /// Lambda invocations that timed out.
    pub(crate) const LAMBDA_TIMEOUTS: &str = "LambdaTimeouts";
    /// Lambda invocations killed for running out of memory.
    pub(crate) const LAMBDA_OUT_OF_MEMORY: &str = "LambdaOutOfMemory";
    /// Lambda invocations that paid for an init phase.
    pub(crate) const LAMBDA_COLD_STARTS: &str = "LambdaColdStarts";
    /// Init durations of cold starts.
    pub const LAMBDA_INIT_DURATION: &str = "LambdaInitDuration";
    /// Near miss: durations of invocations that did not hit a limit.
    pub const LAMBDA_DURATION: &str = "LambdaDuration";
    /// Near miss: an invocation's duration as a percentage of its function's timeout, where the batch shows
    /// the timeout.
    pub const LAMBDA_DURATION_OF_TIMEOUT: &str = "LambdaDurationOfTimeout";
    /// Near miss: `Max Memory Used` as a percentage of `Memory Size`.
    pub const LAMBDA_MEMORY_OF_SIZE: &str = "LambdaMemoryOfSize";
    /// Near miss: integration latency as a percentage of the default integration timeout of the API's type.
    pub const INTEGRATION_LATENCY_OF_TIMEOUT: &str = "IntegrationLatencyOfTimeout";
    /// The indexer's own: data points whose publish outcome is unknown, so they may be missing from the
    /// metrics above (no dimensions; emitted as EMF in the function's log, whatever the sink).
    pub(crate) const METRICS_MAYBE_LOST: &str = "MetricsMaybeLost";
}

/// Dimension value used when a bounded dimension is unknown (e.g. an access log without `apiId`).
pub const UNKNOWN: &str = "unknown";

/// CloudWatch refuses data points older than two weeks (`PutMetricData`: "up to two weeks in the past"):
/// one such datum fails the whole call, so they are left out and counted instead.
pub(crate) const MAX_DATUM_AGE_MS: i64 = 14 * 24 * 3_600_000 - 3_600_000;
/// … and more than two hours in the future.
pub(crate) const MAX_DATUM_FUTURE_MS: i64 = 2 * 3_600_000 - 300_000;

/// Which log's completions count an API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CountFrom {
    /// Execution-log completions; access-log records only where execution logs cannot exist: non-UUID
    /// request IDs (HTTP APIs have no execution logs) and rejections API Gateway makes before execution
    /// logging starts (`WafBlocked`, `MissingAuthenticationToken`).
    #[default]
    Auto,
    /// Execution-log completions only.
    Execution,
    /// Access-log records only (REST APIs that subscribe access logs and not execution logs).
    Access,
}

impl CountFrom {
    /// Parses `auto`, `execution` or `access`.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Self::Auto),
            "execution" => Some(Self::Execution),
            "access" => Some(Self::Access),
            _ => None,
        }
    }

    pub(super) fn counts(self, source: LineSource, request_id: &str, reason: Option<FailureReason>) -> bool {
        match (self, source) {
            (Self::Execution, LineSource::Execution) | (Self::Access, LineSource::Access) => true,
            (Self::Auto, LineSource::Execution) => true,
            (Self::Auto, LineSource::Access) => {
                !is_uuid(request_id)
                    || matches!(
                        reason,
                        Some(FailureReason::WafBlocked | FailureReason::MissingAuthenticationToken)
                    )
            }
            _ => false,
        }
    }
}

/// What to emit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetricsOptions {
    /// Also emit API metrics with `Resource` and `Method` dimensions.
    pub detailed: bool,
    /// Which completions count.
    pub count_from: CountFrom,
}

// The data the metrics port carries is the port's own (`crate::ports::metric_data`); this layer fills it.
pub use crate::ports::metric_data::{Datum, Dimension, MetricKey, MetricSet, Unit};
