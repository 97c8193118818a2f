//! Aggregation: one classified batch → the data points of its minute buckets, by the counting rule of
//! `metrics` (each API request in the batch that holds API Gateway's answer, from one source only; each
//! Lambda invocation in the batch that holds its REPORT). Pure.

use crate::classify::ClassifiedBatch;
use crate::fragment::LineSource;
use crate::reason::FailureReason;
use crate::record::LambdaStatus;
use crate::redact::Redacted;

use super::near_miss::{Key, timeouts_in};
use super::{
    Dimension, MAX_DATUM_AGE_MS, MAX_DATUM_FUTURE_MS, MetricKey, MetricSet, MetricsOptions, UNKNOWN, Unit, names,
};

/// A dimension value read from log text: only ever a record's [`Redacted`] field, or [`UNKNOWN`].
fn dimension(value: Option<&Redacted<'_>>) -> Redacted<'static> {
    value.map_or(Redacted::ours(UNKNOWN), |v| v.clone().into_owned())
}

impl MetricSet {
    /// Adds one batch's metrics. `now_ms` bounds the timestamps CloudWatch accepts.
    pub fn add_batch(&mut self, batch: &ClassifiedBatch<'_>, options: &MetricsOptions, now_ms: i64) {
        let in_range = |t: i64| t >= now_ms - MAX_DATUM_AGE_MS && t <= now_ms + MAX_DATUM_FUTURE_MS;
        for c in &batch.api {
            let (api, r) = (&c.fragment, &c.record);
            // API Gateway's answer: the completion line or access record, or, where none is ever logged, the
            // `Unauthorized request:` / `Gateway response type: … with status code: N` lines (execution log).
            let answered_early =
                api.gateway_response_status.is_some() || api.core.evidence().contains(FailureReason::Unauthorized);
            let source = match api.completed_by.filter(|_| api.complete) {
                Some(source) => source,
                None if answered_early => LineSource::Execution,
                None => continue,
            };
            if !options.count_from.counts(source, &api.request_id, r.failure_reason) {
                continue;
            }
            let Some(at) = api.completed_ms.or(api.core.last_timestamp_ms()) else {
                continue;
            };
            if !in_range(at) {
                self.out_of_range += 1;
                continue;
            }
            let minute_ms = at.div_euclid(60_000) * 60_000;
            let base = vec![
                ("ApiId", dimension(r.api_id.as_ref())),
                ("Stage", dimension(r.stage.as_ref())),
            ];
            let mut dim_sets = vec![base.clone()];
            if options.detailed {
                let mut d = base;
                d.push(("Resource", dimension(r.resource_path.as_ref())));
                d.push(("Method", dimension(r.method.as_ref())));
                dim_sets.push(d);
            }
            self.requests_counted += 1;
            if let Some(reason) = r.failure_reason {
                *self.failures_counted.entry(reason).or_default() += 1;
            }
            let key = |name, unit, dims: &Vec<Dimension>| MetricKey {
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
                    with_reason.push(("FailureReason", Redacted::ours(reason.as_str())));
                    self.count(key(names::FAILURES, Unit::Count, &with_reason), 1);
                }
                if let Some(il) = r.integration_latency_ms {
                    self.value(key(names::INTEGRATION_LATENCY, Unit::Milliseconds, dims), il as f64);
                    if let Some(l) = r.latency_ms.filter(|l| *l >= il) {
                        self.value(key(names::GATEWAY_OVERHEAD, Unit::Milliseconds, dims), (l - il) as f64);
                    }
                }
                self.api_near_miss(
                    api,
                    r.failure_reason,
                    &Key {
                        minute_ms,
                        dimensions: dims,
                    },
                );
            }
        }
        let timeouts = timeouts_in(&batch.lambda);
        for c in &batch.lambda {
            let (l, r) = (&c.fragment, &c.record);
            let Some(report) = &l.report else { continue };
            let Some(at) = l.core.last_timestamp_ms() else { continue };
            if !in_range(at) {
                self.out_of_range += 1;
                continue;
            }
            let minute_ms = at.div_euclid(60_000) * 60_000;
            let dims = vec![("FunctionName", dimension(r.function_name.as_ref()))];
            let key = |name, unit| MetricKey {
                name,
                unit,
                minute_ms,
                dimensions: dims.clone(),
            };
            self.count(
                key(names::LAMBDA_TIMEOUTS, Unit::Count),
                u64::from(r.status == Some(LambdaStatus::Timeout)),
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
            let timeout = r.function_name.as_deref().and_then(|f| timeouts.get(f)).copied();
            let hit_limit = r.status == Some(LambdaStatus::Timeout) || oom;
            self.lambda_near_miss(
                report,
                timeout,
                hit_limit,
                &Key {
                    minute_ms,
                    dimensions: &dims,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify_batch;
    use crate::fragment::{ApiFragment, LambdaFragment, Report, ReportStatus};
    use crate::metrics::CountFrom;
    use crate::parse::ParsedBatch;

    const NOW: i64 = 1_763_726_400_000;

    fn api(id: &str, at: i64, f: impl FnOnce(&mut ApiFragment<'static>)) -> ApiFragment<'static> {
        let mut s = ApiFragment::new(id.to_string());
        s.api_id = Some("a1b2c3d4e5".into());
        s.stage = Some("dev".into());
        s.core.touch(at);
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
        let batch = classify_batch(ParsedBatch {
            api: vec![
                api(UUID1, NOW + 1_000, |s| s.status = Some(200)),
                api(UUID2, NOW + 61_000, |s| {
                    s.status = Some(502);
                    s.core
                        .add_evidence(FailureReason::LambdaTimeout, NOW, "Task timed out after".into());
                }),
            ],
            ..ParsedBatch::default()
        });
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
            s.core
                .add_evidence(FailureReason::WafBlocked, NOW, "WAF_FILTERED".into());
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
                    &classify_batch(ParsedBatch {
                        api: vec![a.clone()],
                        ..ParsedBatch::default()
                    }),
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
            &classify_batch(ParsedBatch {
                api: vec![partial, old],
                ..ParsedBatch::default()
            }),
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
        let batch = classify_batch(ParsedBatch {
            api: vec![mk(UUID1, 100, 130), mk(UUID2, 100, 140)],
            ..ParsedBatch::default()
        });
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
        let batch = classify_batch(ParsedBatch {
            api: vec![api(UUID1, NOW, |s| {
                s.method = Some("GET".into());
                s.resource_path = Some("/items/{id}".into());
            })],
            ..ParsedBatch::default()
        });
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
        let mut l = LambdaFragment::new("l");
        l.function_name = Some("fn".into());
        l.core.touch(NOW);
        l.report = Some(Report {
            init_duration_ms: Some(127.02),
            status: Some(ReportStatus::Timeout),
            ..Report::default()
        });
        l.core.add_evidence(FailureReason::LambdaTimeout, NOW, "x".into());
        let no_report = LambdaFragment::new("m");
        let mut set = MetricSet::default();
        set.add_batch(
            &classify_batch(ParsedBatch {
                lambda: vec![l, no_report],
                ..ParsedBatch::default()
            }),
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
