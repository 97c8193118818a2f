//! Limits at risk: the near-miss metrics read back over a window, judged against each limit (from the
//! configuration where it could be read, else from what the logs said), one finding per limit at or above a
//! threshold, each with its fix. Pure: `apigw-logs health` reads the metrics and the configuration.

use serde::Serialize;

use crate::metrics::near_miss::{HTTP_INTEGRATION_TIMEOUT_MS, REST_INTEGRATION_TIMEOUT_MS};

/// The on-demand init phase is limited to 10 seconds ("The Init phase is limited to 10 seconds. If all three
/// tasks do not complete within 10 seconds, Lambda retries the Init phase at the time of the first function
/// invocation with the configured function timeout":
/// <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html>).
pub const INIT_PHASE_LIMIT_MS: f64 = 10_000.0;

/// The share of a limit at which `health` warns by default.
pub const DEFAULT_THRESHOLD_PERCENT: f64 = 80.0;

/// What the metrics say about one function over the window (each a maximum, when it had data).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionReading {
    /// The `FunctionName` dimension.
    pub name: String,
    /// `LambdaDuration` maximum, ms.
    pub max_duration_ms: Option<f64>,
    /// `LambdaDurationOfTimeout` maximum, % (where the logs showed the timeout).
    pub max_duration_of_timeout: Option<f64>,
    /// `LambdaMemoryOfSize` maximum, %.
    pub max_memory_of_size: Option<f64>,
    /// `LambdaInitDuration` maximum, ms.
    pub max_init_ms: Option<f64>,
}

/// A function's configured limits: the deployment-facts port's, read by the same adapter as `lookup`'s.
pub use crate::ports::FunctionLimits;

/// What the metrics say about one API stage over the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageReading {
    /// `ApiId`.
    pub api_id: String,
    /// `Stage`.
    pub stage: String,
    /// `IntegrationLatencyOfTimeout` maximum, % of the API type's default integration timeout.
    pub max_integration_of_timeout: Option<f64>,
    /// `IntegrationLatency` maximum, ms.
    pub max_integration_latency_ms: Option<f64>,
}

/// One limit at risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRisk {
    /// `function` or `stage`.
    pub kind: &'static str,
    /// The function name, or `api_id/stage`.
    pub name: String,
    /// `timeout`, `memory`, `init`, `integration_timeout`.
    pub limit: &'static str,
    /// How close the worst call came, % of the limit.
    pub percent: f64,
    /// The worst value, in `unit` (absent when only the percentage is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The limit, in `unit` (absent when only the percentage is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_value: Option<f64>,
    /// `ms` or `MB`.
    pub unit: &'static str,
    /// Where the limit came from: `configuration`, `logs` or `default`.
    pub source: &'static str,
    /// What to change.
    pub fix: &'static str,
}

impl AtRisk {
    /// The one line `health` prints.
    pub fn line(&self) -> String {
        let (what, whose, limit) = match self.limit {
            "timeout" => ("max duration", "its", "timeout"),
            "memory" => ("max memory used", "its", "memory size"),
            "init" => ("max init duration", "the", "init phase limit"),
            _ => ("max integration latency", "the", "integration timeout"),
        };
        let p = self.percent;
        let amount = match (self.max, self.limit_value) {
            (Some(m), Some(l)) => {
                let u = self.unit;
                format!(
                    "{what} {} {u} of {whose} {} {u} {limit} ({p:.0}%)",
                    grouped(m),
                    grouped(l)
                )
            }
            _ => format!("{what} at {p:.0}% of {whose} {limit}"),
        };
        format!("{} {}: {amount}; {}", self.kind, self.name, self.fix)
    }
}

/// `2840.5` → `2,841`.
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const TIMEOUT_FIX: &str = "raise Timeout or look at the slow calls";
const MEMORY_FIX: &str = "raise MemorySize (it also buys CPU)";
const INIT_FIX: &str = "load less at start (lazy imports, fewer clients), or use provisioned concurrency or SnapStart";
const INTEGRATION_FIX: &str =
    "make the work faster or asynchronous, or raise the integration timeout (Regional and private REST APIs only)";

/// Every limit at or above `threshold` percent, worst first.
pub fn at_risk(
    functions: &[(FunctionReading, Option<FunctionLimits>)],
    stages: &[StageReading],
    threshold: f64,
) -> Vec<AtRisk> {
    let mut out = Vec::new();
    for (f, limits) in functions {
        let function = |limit, percent, max, limit_value, unit, source, fix| AtRisk {
            kind: "function",
            name: f.name.clone(),
            limit,
            percent,
            max,
            limit_value,
            unit,
            source,
            fix,
        };
        // Duration: against the configured timeout when read, else what the logs showed.
        let configured = limits
            .and_then(|l| l.timeout_s)
            .map(|t| t as f64 * 1_000.0)
            .filter(|t| *t > 0.0);
        match (f.max_duration_ms, configured) {
            (Some(d), Some(t)) => out.push(function(
                "timeout",
                d * 100.0 / t,
                Some(d),
                Some(t),
                "ms",
                "configuration",
                TIMEOUT_FIX,
            )),
            _ => {
                // The logs give the percentage only: the maximum duration may come from a batch that
                // showed no timeout.
                if let Some(p) = f.max_duration_of_timeout {
                    out.push(function("timeout", p, None, None, "ms", "logs", TIMEOUT_FIX));
                }
            }
        }
        if let Some(p) = f.max_memory_of_size {
            let size = limits.and_then(|l| l.memory_mb).map(|m| m as f64).filter(|m| *m > 0.0);
            let used = size.map(|s| s * p / 100.0);
            out.push(function("memory", p, used, size, "MB", "logs", MEMORY_FIX));
        }
        if let Some(i) = f.max_init_ms {
            out.push(function(
                "init",
                i * 100.0 / INIT_PHASE_LIMIT_MS,
                Some(i),
                Some(INIT_PHASE_LIMIT_MS),
                "ms",
                "default",
                INIT_FIX,
            ));
        }
    }
    for s in stages {
        if let Some(p) = s.max_integration_of_timeout {
            // A stage is one API type, so its slowest call has its highest percentage: the ratio names the
            // default timeout it was measured against.
            let timeout = s.max_integration_latency_ms.filter(|_| p > 0.0).map(|l| {
                let t = l * 100.0 / p;
                if (t - REST_INTEGRATION_TIMEOUT_MS).abs() < (t - HTTP_INTEGRATION_TIMEOUT_MS).abs() {
                    REST_INTEGRATION_TIMEOUT_MS
                } else {
                    HTTP_INTEGRATION_TIMEOUT_MS
                }
            });
            out.push(AtRisk {
                kind: "stage",
                name: format!("{}/{}", s.api_id, s.stage),
                limit: "integration_timeout",
                percent: p,
                max: s.max_integration_latency_ms.filter(|_| timeout.is_some()),
                limit_value: timeout,
                unit: "ms",
                source: "default",
                fix: INTEGRATION_FIX,
            });
        }
    }
    out.retain(|r| r.percent >= threshold);
    out.sort_by(|a, b| b.percent.total_cmp(&a.percent).then_with(|| a.name.cmp(&b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str) -> FunctionReading {
        FunctionReading {
            name: name.into(),
            ..FunctionReading::default()
        }
    }

    #[test]
    fn each_limit_is_judged_against_the_best_source_and_only_those_at_risk_are_listed() {
        let slow = FunctionReading {
            max_duration_ms: Some(2_840.0),
            max_duration_of_timeout: Some(50.0), // ignored: the configuration is read
            max_memory_of_size: Some(62.5),
            max_init_ms: Some(180.0),
            ..function("slow")
        };
        let from_logs = FunctionReading {
            max_duration_ms: Some(950.0),
            max_duration_of_timeout: Some(95.0),
            max_memory_of_size: Some(93.75),
            ..function("logs-only")
        };
        let stage = StageReading {
            api_id: "a1b2c3d4e5".into(),
            stage: "dev".into(),
            max_integration_of_timeout: Some(90.0),
            max_integration_latency_ms: Some(26_100.0),
        };
        let limits = FunctionLimits {
            timeout_s: Some(3),
            memory_mb: Some(128),
        };
        let found = at_risk(&[(slow, Some(limits)), (from_logs, None)], &[stage], 80.0);
        let lines: Vec<String> = found.iter().map(AtRisk::line).collect();
        assert_eq!(
            lines,
            [
                "function logs-only: max duration at 95% of its timeout; raise Timeout or look at the slow calls",
                "function slow: max duration 2,840 ms of its 3,000 ms timeout (95%); raise Timeout or look at the slow calls",
                "function logs-only: max memory used at 94% of its memory size; raise MemorySize (it also buys CPU)",
                "stage a1b2c3d4e5/dev: max integration latency 26,100 ms of the 29,000 ms integration timeout (90%); make the work faster or asynchronous, or raise the integration timeout (Regional and private REST APIs only)",
            ]
        );
        assert_eq!(found[1].source, "configuration");
        assert_eq!(found[0].source, "logs");
    }

    #[test]
    fn nothing_is_at_risk_below_the_threshold_or_without_data() {
        let idle = function("idle");
        let fast = FunctionReading {
            max_duration_ms: Some(100.0),
            max_init_ms: Some(9_000.0),
            ..function("fast")
        };
        let limits = Some(FunctionLimits {
            timeout_s: Some(3),
            memory_mb: Some(128),
        });
        let found = at_risk(&[(idle, limits), (fast, limits)], &[], 80.0);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].limit, "init");
        assert_eq!(grouped(1_234_567.4), "1,234,567");
        assert_eq!(grouped(12.0), "12");
    }
}
