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

pub mod chunk;
pub mod emf;
pub mod ledger;
pub mod once;
pub mod sink;

use std::collections::BTreeMap;

use crate::classify::{classify_api, classify_lambda};
use crate::parse::ParsedBatch;
use crate::parse::text::is_uuid;
use crate::reason::FailureReason;
use crate::record::LineSource;

/// Metric names (`interfaces.md`).
pub mod names {
    /// Requests completed.
    pub const REQUESTS: &str = "Requests";
    /// Failed requests (by reason, and over all reasons).
    pub const FAILURES: &str = "Failures";
    /// Integration latency.
    pub const INTEGRATION_LATENCY: &str = "IntegrationLatency";
    /// Latency minus integration latency.
    pub const GATEWAY_OVERHEAD: &str = "GatewayOverhead";
    /// Lambda invocations that timed out.
    pub const LAMBDA_TIMEOUTS: &str = "LambdaTimeouts";
    /// Lambda invocations killed for running out of memory.
    pub const LAMBDA_OUT_OF_MEMORY: &str = "LambdaOutOfMemory";
    /// Lambda invocations that paid for an init phase.
    pub const LAMBDA_COLD_STARTS: &str = "LambdaColdStarts";
    /// Init durations of cold starts.
    pub const LAMBDA_INIT_DURATION: &str = "LambdaInitDuration";
    /// The indexer's own: data points whose publish outcome is unknown, so they may be missing from the
    /// metrics above (no dimensions; emitted as EMF in the function's log, whatever the sink).
    pub const METRICS_MAYBE_LOST: &str = "MetricsMaybeLost";
}

/// Dimension value used when a bounded dimension is unknown (e.g. an access log without `apiId`).
pub const UNKNOWN: &str = "unknown";

/// CloudWatch refuses data points older than two weeks (`PutMetricData`: "up to two weeks in the past"):
/// one such datum fails the whole call, so they are left out and counted instead.
pub const MAX_DATUM_AGE_MS: i64 = 14 * 24 * 3_600_000 - 3_600_000;
/// … and more than two hours in the future.
pub const MAX_DATUM_FUTURE_MS: i64 = 2 * 3_600_000 - 300_000;

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

    fn counts(self, source: LineSource, request_id: &str, reason: Option<FailureReason>) -> bool {
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

/// CloudWatch units used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// A count.
    Count,
    /// Milliseconds.
    Milliseconds,
}

impl Unit {
    /// CloudWatch's name for the unit.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

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
    pub dimensions: Vec<(&'static str, String)>,
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
    fn count(&mut self, key: MetricKey, n: u64) {
        match self.acc.entry(key).or_insert(Acc::Count(0)) {
            Acc::Count(c) => *c += n,
            Acc::Values(_) => {}
        }
    }

    fn value(&mut self, key: MetricKey, v: f64) {
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

    /// Adds one batch's metrics. `now_ms` bounds the timestamps CloudWatch accepts.
    pub fn add_batch(&mut self, batch: &ParsedBatch<'_>, options: &MetricsOptions, now_ms: i64) {
        let in_range = |t: i64| t >= now_ms - MAX_DATUM_AGE_MS && t <= now_ms + MAX_DATUM_FUTURE_MS;
        for api in &batch.api {
            // API Gateway's answer: the completion line or access record, or, where none is ever logged, the
            // `Unauthorized request:` / `Gateway response type: … with status code: N` lines (execution log).
            let answered_early =
                api.gateway_response_status.is_some() || api.evidence.contains(FailureReason::Unauthorized);
            let source = match api.completed_by.filter(|_| api.complete) {
                Some(source) => source,
                None if answered_early => LineSource::Execution,
                None => continue,
            };
            let r = classify_api(api, None);
            if !options.count_from.counts(source, &api.request_id, r.failure_reason) {
                continue;
            }
            let Some(at) = api.completed_ms.or(api.last_timestamp_ms) else {
                continue;
            };
            if !in_range(at) {
                self.out_of_range += 1;
                continue;
            }
            let minute_ms = at.div_euclid(60_000) * 60_000;
            let base = vec![
                ("ApiId", r.api_id.as_deref().unwrap_or(UNKNOWN).to_string()),
                ("Stage", r.stage.as_deref().unwrap_or(UNKNOWN).to_string()),
            ];
            let mut dim_sets = vec![base.clone()];
            if options.detailed {
                let mut d = base;
                d.push(("Resource", r.resource_path.as_deref().unwrap_or(UNKNOWN).to_string()));
                d.push(("Method", r.method.as_deref().unwrap_or(UNKNOWN).to_string()));
                dim_sets.push(d);
            }
            self.requests_counted += 1;
            if let Some(reason) = r.failure_reason {
                *self.failures_counted.entry(reason).or_default() += 1;
            }
            let key = |name, unit, dims: &Vec<(&'static str, String)>| MetricKey {
                name,
                unit,
                minute_ms,
                dimensions: dims.clone(),
            };
            for dims in &dim_sets {
                self.count(key(names::REQUESTS, Unit::Count, dims), 1);
                // Zero as well as one: an alarm on failures should see 0, not missing data, in a quiet minute.
                self.count(
                    key(names::FAILURES, Unit::Count, dims),
                    u64::from(r.failure_reason.is_some()),
                );
                if let Some(reason) = r.failure_reason {
                    let mut with_reason = dims.clone();
                    with_reason.push(("FailureReason", reason.as_str().to_string()));
                    self.count(key(names::FAILURES, Unit::Count, &with_reason), 1);
                }
                if let Some(il) = r.integration_latency_ms {
                    self.value(key(names::INTEGRATION_LATENCY, Unit::Milliseconds, dims), il as f64);
                    if let Some(l) = r.latency_ms.filter(|l| *l >= il) {
                        self.value(key(names::GATEWAY_OVERHEAD, Unit::Milliseconds, dims), (l - il) as f64);
                    }
                }
            }
        }
        for l in &batch.lambda {
            let Some(report) = &l.report else { continue };
            let Some(at) = l.last_timestamp_ms else { continue };
            if !in_range(at) {
                self.out_of_range += 1;
                continue;
            }
            let r = classify_lambda(l, None);
            let minute_ms = at.div_euclid(60_000) * 60_000;
            let dims = vec![(
                "FunctionName",
                r.function_name.as_deref().unwrap_or(UNKNOWN).to_string(),
            )];
            let key = |name, unit| MetricKey {
                name,
                unit,
                minute_ms,
                dimensions: dims.clone(),
            };
            self.count(
                key(names::LAMBDA_TIMEOUTS, Unit::Count),
                u64::from(r.status == Some("timeout")),
            );
            let oom = r.failure_reason == Some(FailureReason::LambdaOutOfMemory);
            self.count(key(names::LAMBDA_OUT_OF_MEMORY, Unit::Count), u64::from(oom));
            self.count(
                key(names::LAMBDA_COLD_STARTS, Unit::Count),
                u64::from(report.init_duration_ms.is_some()),
            );
            if let Some(init) = report.init_duration_ms {
                self.value(key(names::LAMBDA_INIT_DURATION, Unit::Milliseconds), init);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ApiState, LambdaState, Report};

    const NOW: i64 = 1_763_726_400_000;

    fn api(id: &str, at: i64, f: impl FnOnce(&mut ApiState<'static>)) -> ApiState<'static> {
        let mut s = ApiState::new(id.to_string());
        s.api_id = Some("a1b2c3d4e5".into());
        s.stage = Some("dev".into());
        s.touch(at);
        s.complete = true;
        s.completed_ms = Some(at);
        s.completed_by = Some(LineSource::Execution);
        s.status = Some(200);
        f(&mut s);
        s
    }

    fn count_of(set: &MetricSet, name: &str, dims: &[(&str, &str)]) -> f64 {
        set.datums()
            .iter()
            .filter(|d| {
                d.key.name == name
                    && d.key
                        .dimensions
                        .iter()
                        .map(|(k, v)| (*k, v.as_str()))
                        .eq(dims.iter().copied())
            })
            .map(|d| d.values[0].0)
            .sum()
    }

    const UUID1: &str = "2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e51";
    const UUID2: &str = "2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e52";

    #[test]
    fn requests_and_failures_are_bucketed_by_the_minute_of_their_completion() {
        let batch = ParsedBatch {
            api: vec![
                api(UUID1, NOW + 1_000, |s| s.status = Some(200)),
                api(UUID2, NOW + 61_000, |s| {
                    s.status = Some(502);
                    s.add_evidence(FailureReason::LambdaTimeout, NOW, "Task timed out after".into());
                }),
            ],
            ..ParsedBatch::default()
        };
        let mut set = MetricSet::default();
        set.add_batch(&batch, &MetricsOptions::default(), NOW);
        let datums = set.datums();
        let minutes: std::collections::BTreeSet<i64> = datums.iter().map(|d| d.key.minute_ms).collect();
        assert_eq!(minutes.len(), 2);
        let base = [("ApiId", "a1b2c3d4e5"), ("Stage", "dev")];
        assert_eq!(count_of(&set, "Requests", &base), 2.0);
        assert_eq!(count_of(&set, "Failures", &base), 1.0);
        assert_eq!(
            count_of(
                &set,
                "Failures",
                &[base[0], base[1], ("FailureReason", "LambdaTimeout")]
            ),
            1.0
        );
        assert_eq!(set.failures_counted.get(&FailureReason::LambdaTimeout), Some(&1));
        // The all-reasons series has an explicit zero in the first minute.
        assert!(
            datums
                .iter()
                .any(|d| d.key.name == "Failures" && d.key.dimensions.len() == 2 && d.values == vec![(0.0, 1.0)])
        );
    }

    #[test]
    fn each_request_counts_once_whichever_logs_are_subscribed() {
        let exec = api(UUID1, NOW, |s| s.status = Some(502));
        let access = api(UUID1, NOW, |s| {
            s.status = Some(502);
            s.completed_by = Some(LineSource::Access);
        });
        let http_api = api("KyDfdgZ9oAMEYpA=", NOW, |s| s.completed_by = Some(LineSource::Access));
        let waf = api(UUID2, NOW, |s| {
            s.status = Some(403);
            s.completed_by = Some(LineSource::Access);
            s.add_evidence(FailureReason::WafBlocked, NOW, "WAF_FILTERED".into());
        });
        let cases = [
            (CountFrom::Auto, 3), // exec REST + HTTP API + WAF rejection; the REST access record is not counted
            (CountFrom::Execution, 1),
            (CountFrom::Access, 3),
        ];
        for (count_from, want) in cases {
            let mut set = MetricSet::default();
            let options = MetricsOptions {
                detailed: false,
                count_from,
            };
            for a in [&exec, &access, &http_api, &waf] {
                set.add_batch(
                    &ParsedBatch {
                        api: vec![a.clone()],
                        ..ParsedBatch::default()
                    },
                    &options,
                    NOW,
                );
            }
            assert_eq!(set.requests_counted, want, "{count_from:?}");
        }
    }

    #[test]
    fn incomplete_fragments_and_out_of_range_timestamps_are_not_counted() {
        let partial = api(UUID1, NOW, |s| s.complete = false);
        let old = api(UUID2, NOW - MAX_DATUM_AGE_MS - 1, |_| {});
        let mut set = MetricSet::default();
        set.add_batch(
            &ParsedBatch {
                api: vec![partial, old],
                ..ParsedBatch::default()
            },
            &MetricsOptions::default(),
            NOW,
        );
        assert_eq!((set.requests_counted, set.out_of_range), (0, 1));
        assert!(set.is_empty());
    }

    #[test]
    fn latencies_are_distributions_and_overhead_is_latency_minus_integration() {
        let mk = |id: &str, il: u64, total: i64| {
            api(id, NOW, |s| {
                s.integration_latency_ms = Some(il);
                s.started_ms = Some(NOW - total);
            })
        };
        let batch = ParsedBatch {
            api: vec![mk(UUID1, 100, 130), mk(UUID2, 100, 140)],
            ..ParsedBatch::default()
        };
        let mut set = MetricSet::default();
        set.add_batch(&batch, &MetricsOptions::default(), NOW);
        let d = set.datums();
        let il = d.iter().find(|d| d.key.name == "IntegrationLatency").unwrap();
        assert_eq!(il.values, vec![(100.0, 2.0)]);
        let go = d.iter().find(|d| d.key.name == "GatewayOverhead").unwrap();
        assert_eq!(go.values, vec![(30.0, 1.0), (40.0, 1.0)]);
        assert_eq!(go.key.unit, Unit::Milliseconds);
    }

    #[test]
    fn detailed_metrics_add_resource_and_method_and_nothing_unbounded() {
        let batch = ParsedBatch {
            api: vec![api(UUID1, NOW, |s| {
                s.method = Some("GET".into());
                s.resource_path = Some("/items/{id}".into());
            })],
            ..ParsedBatch::default()
        };
        let mut set = MetricSet::default();
        set.add_batch(
            &batch,
            &MetricsOptions {
                detailed: true,
                count_from: CountFrom::Auto,
            },
            NOW,
        );
        let d = set.datums();
        assert!(
            d.iter()
                .any(|d| d.key.name == "Requests" && d.key.dimensions.len() == 4)
        );
        let allowed = ["ApiId", "Stage", "Resource", "Method", "FailureReason", "FunctionName"];
        for datum in &d {
            for (name, value) in &datum.key.dimensions {
                assert!(allowed.contains(name), "{name}");
                assert_ne!(value, UUID1, "a request ID is never a dimension value");
            }
        }
    }

    #[test]
    fn lambda_metrics_come_from_reports() {
        let mut l = LambdaState::new("l");
        l.function_name = Some("fn".into());
        l.touch(NOW);
        l.report = Some(Report {
            init_duration_ms: Some(127.02),
            status: Some("timeout".into()),
            ..Report::default()
        });
        l.add_evidence(FailureReason::LambdaTimeout, NOW, "x".into());
        let no_report = LambdaState::new("m");
        let mut set = MetricSet::default();
        set.add_batch(
            &ParsedBatch {
                lambda: vec![l, no_report],
                ..ParsedBatch::default()
            },
            &MetricsOptions::default(),
            NOW,
        );
        let f = [("FunctionName", "fn")];
        assert_eq!(count_of(&set, "LambdaTimeouts", &f), 1.0);
        assert_eq!(count_of(&set, "LambdaColdStarts", &f), 1.0);
        assert_eq!(count_of(&set, "LambdaOutOfMemory", &f), 0.0);
        let init = set
            .datums()
            .into_iter()
            .find(|d| d.key.name == "LambdaInitDuration")
            .unwrap();
        assert_eq!(init.values, vec![(127.02, 1.0)]);
    }
}
