//! Near-miss metrics: how close traffic that did *not* hit a limit runs to it, so a warning comes before the
//! first failure. Per function (from REPORT lines): duration, duration as a percentage of the timeout (where
//! the batch shows the timeout: a `Task timed out after N seconds` line of the same function), memory used as
//! a percentage of the memory size. Per API and stage (and route with `DETAILED_METRICS`): integration latency
//! as a percentage of the default integration timeout of the API's type. Invocations and requests that hit
//! the limit are left out: `LambdaTimeouts`, `LambdaOutOfMemory` and `Failures` count those. Pure.

use std::collections::BTreeMap;

use crate::classify::ClassifiedLambda;
use crate::fragment::{ApiFragment, Report};
use crate::parse::text::is_uuid;
use crate::reason::FailureReason;

use super::{Dimension, MetricKey, MetricSet, Unit, names};

/// REST APIs: API Gateway waits at most 29 seconds for an integration by default ("Integration timeout:
/// 50 milliseconds - 29 seconds for all integration types", raisable for Regional and private REST APIs:
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html>).
pub const REST_INTEGRATION_TIMEOUT_MS: f64 = 29_000.0;
/// HTTP APIs: "Maximum integration timeout: 30 seconds", not raisable
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html>).
pub const HTTP_INTEGRATION_TIMEOUT_MS: f64 = 30_000.0;

/// The default integration timeout of a request's API type. REST request IDs are UUIDs; HTTP API request IDs
/// (`KyDfdgZ9oAMEYpA=`) are not — the same test `CountFrom` makes.
pub fn default_integration_timeout_ms(request_id: &str) -> f64 {
    if is_uuid(request_id) {
        REST_INTEGRATION_TIMEOUT_MS
    } else {
        HTTP_INTEGRATION_TIMEOUT_MS
    }
}

/// The timeout a `Task timed out after 3.00 seconds` line states, in ms.
pub fn timeout_ms_from_line(line: &str) -> Option<f64> {
    const MARK: &str = "Task timed out after ";
    let at = line.find(MARK)? + MARK.len();
    let seconds: f64 = line[at..].split(' ').next()?.parse().ok()?;
    (seconds.is_finite() && seconds > 0.0).then_some(seconds * 1_000.0)
}

/// The timeout of each function that timed out in this batch (its timeout line shows it).
pub fn timeouts_in<'b>(lambda: &'b [ClassifiedLambda<'_>]) -> BTreeMap<&'b str, f64> {
    lambda
        .iter()
        .filter_map(|c| {
            let line = c.fragment.core.detail(FailureReason::LambdaTimeout)?;
            Some((c.fragment.function_name.as_deref()?, timeout_ms_from_line(line)?))
        })
        .collect()
}

/// A percentage, when both numbers make one.
fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0 && part.is_finite()).then(|| part * 100.0 / whole)
}

impl MetricSet {
    /// One invocation's near-miss values, unless it hit a limit (`hit_limit`).
    pub(super) fn lambda_near_miss(&mut self, report: &Report<'_>, timeout_ms: Option<f64>, hit_limit: bool, at: &Key) {
        if hit_limit {
            return;
        }
        if let Some(d) = report.duration_ms {
            self.value(at.key(names::LAMBDA_DURATION, Unit::Milliseconds), d);
            if let Some(p) = timeout_ms.and_then(|t| percent(d, t)) {
                self.value(at.key(names::LAMBDA_DURATION_OF_TIMEOUT, Unit::Percent), p);
            }
        }
        if let (Some(used), Some(size)) = (report.max_memory_used_mb, report.memory_size_mb)
            && let Some(p) = percent(used as f64, size as f64)
        {
            self.value(at.key(names::LAMBDA_MEMORY_OF_SIZE, Unit::Percent), p);
        }
    }

    /// One request's near-miss values, unless it timed out at the integration.
    pub(super) fn api_near_miss(&mut self, api: &ApiFragment<'_>, reason: Option<FailureReason>, at: &Key) {
        if reason == Some(FailureReason::IntegrationTimeout) {
            return;
        }
        if let Some(il) = api.integration_latency_ms
            && let Some(p) = percent(il as f64, default_integration_timeout_ms(&api.request_id))
        {
            self.value(at.key(names::INTEGRATION_LATENCY_OF_TIMEOUT, Unit::Percent), p);
        }
    }
}

/// The minute and dimensions a fragment's data points go under.
pub(super) struct Key<'d> {
    pub minute_ms: i64,
    pub dimensions: &'d [Dimension],
}

impl Key<'_> {
    fn key(&self, name: &'static str, unit: Unit) -> MetricKey {
        MetricKey {
            name,
            unit,
            minute_ms: self.minute_ms,
            dimensions: self.dimensions.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_is_read_from_the_platform_line_in_either_format() {
        // Text format (Lambda's own line, as in `parse::lambda`'s samples) and the JSON-format message.
        for (line, want) in [
            (
                "2023-10-30T12:58:42.123Z 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f Task timed out after 3.00 seconds",
                Some(3_000.0),
            ),
            ("Task timed out after 10.06 seconds", Some(10_060.0)),
            ("Task timed out after soon", None),
            ("Task timed out after 0 seconds", None),
            ("nothing here", None),
        ] {
            assert_eq!(timeout_ms_from_line(line), want, "{line}");
        }
    }

    #[test]
    fn a_request_is_measured_against_its_api_types_timeout_unless_it_hit_it() {
        let dims = [("ApiId", "a1".into()), ("Stage", "dev".into())];
        let at = Key {
            minute_ms: 0,
            dimensions: &dims,
        };
        let request = |id: &str, il| {
            let mut a = ApiFragment::new(id.to_string());
            a.integration_latency_ms = Some(il);
            a
        };
        let mut set = MetricSet::default();
        set.api_near_miss(&request("2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e51", 14_500), None, &at);
        set.api_near_miss(&request("KyDfdgZ9oAMEYpA=", 27_000), None, &at);
        set.api_near_miss(
            &request("2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e52", 29_002),
            Some(FailureReason::IntegrationTimeout),
            &at,
        );
        let d = set.datums();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key.name, names::INTEGRATION_LATENCY_OF_TIMEOUT);
        assert_eq!(d[0].key.unit, Unit::Percent);
        assert_eq!(d[0].values, vec![(50.0, 1.0), (90.0, 1.0)]);
    }

    #[test]
    fn an_invocation_that_hit_a_limit_is_no_near_miss() {
        let dims = [("FunctionName", "fn".into())];
        let at = Key {
            minute_ms: 0,
            dimensions: &dims,
        };
        let report = Report {
            duration_ms: Some(750.0),
            memory_size_mb: Some(128),
            max_memory_used_mb: Some(96),
            ..Report::default()
        };
        let mut set = MetricSet::default();
        set.lambda_near_miss(&report, Some(1_000.0), true, &at);
        assert!(set.is_empty());
        set.lambda_near_miss(&report, Some(1_000.0), false, &at);
        set.lambda_near_miss(&report, None, false, &at);
        let by_name: Vec<(&str, Vec<(f64, f64)>)> = set.datums().into_iter().map(|d| (d.key.name, d.values)).collect();
        assert_eq!(
            by_name,
            [
                (names::LAMBDA_DURATION, vec![(750.0, 2.0)]),
                (names::LAMBDA_DURATION_OF_TIMEOUT, vec![(75.0, 1.0)]),
                (names::LAMBDA_MEMORY_OF_SIZE, vec![(75.0, 2.0)]),
            ]
        );
    }

    #[test]
    fn the_integration_timeout_follows_the_api_type() {
        assert_eq!(
            default_integration_timeout_ms("2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e51"),
            REST_INTEGRATION_TIMEOUT_MS
        );
        assert_eq!(
            default_integration_timeout_ms("KyDfdgZ9oAMEYpA="),
            HTTP_INTEGRATION_TIMEOUT_MS
        );
        assert_eq!(percent(2_900.0, REST_INTEGRATION_TIMEOUT_MS), Some(10.0));
        assert_eq!(percent(1.0, 0.0), None);
    }
}
