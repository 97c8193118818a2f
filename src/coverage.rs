//! What was never seen: API Gateway's own request counts per stage and minute (`AWS/ApiGateway` `Count`,
//! `4XXError`/`4xx`, `5XXError`/`5xx`) against the requests the indexer counted (its `Requests` metric, same
//! stage and minute), the gaps, and their likely cause from their shape. Pure: `apigw-logs coverage` reads the
//! metrics and names the cause with `doctor`'s findings.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ports::ApiType;

/// API Gateway's metrics namespace.
pub const GATEWAY_NAMESPACE: &str = "AWS/ApiGateway";

/// API Gateway's metric names and the dimension naming the API, per API type. REST APIs: `Count`,
/// `4XXError`, `5XXError` by `ApiName` and `Stage`
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html>);
/// HTTP APIs: `Count`, `4xx`, `5xx` by `ApiId` and `Stage`
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html>).
pub const fn gateway_metrics(api_type: ApiType) -> Option<GatewayMetrics> {
    match api_type {
        ApiType::Rest => Some(GatewayMetrics {
            api_dimension: "ApiName",
            count: "Count",
            client_errors: "4XXError",
            server_errors: "5XXError",
        }),
        ApiType::Http => Some(GatewayMetrics {
            api_dimension: "ApiId",
            count: "Count",
            client_errors: "4xx",
            server_errors: "5xx",
        }),
        // WebSocket APIs count messages and connections, not requests: nothing to reconcile.
        ApiType::WebSocket => None,
    }
}

/// Which `AWS/ApiGateway` metrics an API type has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayMetrics {
    /// `ApiName` (REST) or `ApiId` (HTTP).
    pub api_dimension: &'static str,
    /// Requests.
    pub count: &'static str,
    /// 4xx answers.
    pub client_errors: &'static str,
    /// 5xx answers.
    pub server_errors: &'static str,
}

/// One minute of one stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Minute {
    /// Start of the minute, epoch ms.
    pub minute_ms: i64,
    /// API Gateway's `Count`.
    pub gateway: f64,
    /// Its 4xx answers.
    pub client_errors: f64,
    /// Its 5xx answers.
    pub server_errors: f64,
    /// The indexer's `Requests`.
    pub indexed: f64,
}

impl Minute {
    fn missing(&self) -> f64 {
        (self.gateway - self.indexed).max(0.0)
    }
}

/// The minutes of one stage, from per-minute series `(minute_ms, value)`.
pub fn minutes(
    count: &[(i64, f64)],
    client_errors: &[(i64, f64)],
    server_errors: &[(i64, f64)],
    indexed: &[(i64, f64)],
) -> Vec<Minute> {
    let mut by_minute: BTreeMap<i64, Minute> = BTreeMap::new();
    let mut add = |series: &[(i64, f64)], set: fn(&mut Minute, f64)| {
        for (t, v) in series {
            let minute_ms = t.div_euclid(60_000) * 60_000;
            let m = by_minute.entry(minute_ms).or_insert(Minute {
                minute_ms,
                ..Minute::default()
            });
            set(m, *v);
        }
    };
    add(count, |m, v| m.gateway += v);
    add(client_errors, |m, v| m.client_errors += v);
    add(server_errors, |m, v| m.server_errors += v);
    add(indexed, |m, v| m.indexed += v);
    by_minute.into_values().collect()
}

/// Why requests are missing, as far as the shape of the gaps tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// Nothing of the stage was indexed.
    NothingIndexed,
    /// Indexing stopped: every minute from some point on is missing.
    StoppedAt,
    /// Only successful requests are missing (errors were all seen).
    SuccessesOnly,
    /// No more missing per minute than API Gateway's 4xx answers.
    ClientErrorsOnly,
    /// Scattered.
    Scattered,
}

impl Shape {
    /// What the shape suggests, in one sentence.
    pub const fn likely_cause(self) -> &'static str {
        match self {
            Self::NothingIndexed => {
                "none of its requests reached the index: execution/access logging off, or its log groups not subscribed"
            }
            Self::StoppedAt => {
                "indexing stopped: a subscription CloudWatch Logs disabled after delivery errors, a removed filter, or the indexer failing (its errors, the on-failure queue)"
            }
            Self::SuccessesOnly => {
                "only successful requests are missing: execution logging at ERROR level logs errors only"
            }
            Self::ClientErrorsOnly => {
                "4xx answers API Gateway gives before logging anything (413 request too large, some 400s and 403s): never in any log"
            }
            Self::Scattered => {
                "scattered gaps: deliveries still in flight, batches the indexer failed (on-failure queue), or lines it skipped (its summary lines)"
            }
        }
    }
}

/// One stage's reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageCoverage {
    /// API ID.
    pub api_id: String,
    /// Stage.
    pub stage: String,
    /// API Gateway's `Count` over the window.
    pub gateway: f64,
    /// The indexer's `Requests` over the window.
    pub indexed: f64,
    /// Requests missing (gateway − indexed, when positive).
    pub missing: f64,
    /// The minutes with requests missing.
    pub gap_minutes: Vec<Minute>,
    /// The first minute missing, for `StoppedAt`.
    pub since_ms: Option<i64>,
    /// The gaps' shape, when any are missing.
    pub shape: Option<Shape>,
}

/// Reconciles one stage's minutes. A request counted by API Gateway in one minute and by the indexer in the
/// next (it arrived at :59 and completed after) nets out over the window: a stage is covered when nothing
/// is missing in total, whatever single minutes show.
pub fn reconcile(api_id: &str, stage: &str, minutes: &[Minute]) -> StageCoverage {
    let gateway: f64 = minutes.iter().map(|m| m.gateway).sum();
    let indexed: f64 = minutes.iter().map(|m| m.indexed).sum();
    let missing = (gateway - indexed).max(0.0);
    let gaps: Vec<Minute> = if missing > 0.0 {
        minutes.iter().filter(|m| m.missing() > 0.0).copied().collect()
    } else {
        Vec::new()
    };
    let busy: Vec<&Minute> = minutes.iter().filter(|m| m.gateway > 0.0).collect();
    // The first minute of the trailing run of busy minutes with nothing indexed.
    let stopped = busy
        .iter()
        .rev()
        .take_while(|m| m.indexed == 0.0)
        .last()
        .map(|m| m.minute_ms);
    let shape = (missing > 0.0).then(|| {
        if indexed == 0.0 {
            Shape::NothingIndexed
        } else if stopped.is_some_and(|t| {
            minutes
                .iter()
                .filter(|m| m.minute_ms >= t)
                .map(Minute::missing)
                .sum::<f64>()
                >= missing
        }) {
            Shape::StoppedAt
        } else if gaps.iter().all(|g| g.missing() <= g.client_errors) {
            // Checked before "successes only": a few missing requests that 4xx answers can explain are those.
            Shape::ClientErrorsOnly
        } else if gaps.iter().all(|g| {
            g.missing() <= g.gateway - g.client_errors - g.server_errors
                && g.indexed >= g.client_errors + g.server_errors
        }) {
            Shape::SuccessesOnly
        } else {
            Shape::Scattered
        }
    });
    StageCoverage {
        api_id: api_id.to_string(),
        stage: stage.to_string(),
        gateway,
        indexed,
        missing,
        since_ms: stopped.filter(|_| shape == Some(Shape::StoppedAt)),
        gap_minutes: gaps,
        shape,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_765_000_800_000; // a minute boundary

    fn m(i: i64, gateway: f64, c4: f64, c5: f64, indexed: f64) -> Minute {
        Minute {
            minute_ms: T0 + i * 60_000,
            gateway,
            client_errors: c4,
            server_errors: c5,
            indexed,
        }
    }

    #[test]
    fn series_become_minutes() {
        let got = minutes(
            &[(T0, 5.0), (T0 + 60_000, 3.0)],
            &[(T0, 1.0)],
            &[],
            &[(T0 + 60_000, 3.0)],
        );
        assert_eq!(got, vec![m(0, 5.0, 1.0, 0.0, 0.0), m(1, 3.0, 0.0, 0.0, 3.0)]);
    }

    #[test]
    fn each_gap_shape_names_its_likely_cause() {
        let cases = [
            (
                "covered, one request completing in the next minute",
                vec![m(0, 5.0, 0.0, 0.0, 4.0), m(1, 5.0, 0.0, 0.0, 6.0)],
                None,
            ),
            (
                "nothing indexed",
                vec![m(0, 5.0, 1.0, 0.0, 0.0), m(1, 2.0, 0.0, 0.0, 0.0)],
                Some(Shape::NothingIndexed),
            ),
            (
                "stopped",
                vec![
                    m(0, 5.0, 0.0, 0.0, 5.0),
                    m(1, 4.0, 0.0, 0.0, 0.0),
                    m(2, 3.0, 0.0, 0.0, 0.0),
                ],
                Some(Shape::StoppedAt),
            ),
            (
                "successes only",
                vec![m(0, 10.0, 1.0, 2.0, 3.0), m(1, 4.0, 0.0, 1.0, 1.0)],
                Some(Shape::SuccessesOnly),
            ),
            (
                "4xx only",
                vec![m(0, 10.0, 2.0, 0.0, 8.0), m(1, 4.0, 0.0, 0.0, 4.0)],
                Some(Shape::ClientErrorsOnly),
            ),
            (
                "scattered",
                vec![m(0, 10.0, 0.0, 5.0, 4.0), m(1, 4.0, 0.0, 0.0, 4.0)],
                Some(Shape::Scattered),
            ),
        ];
        for (name, minutes, want) in cases {
            let c = reconcile("a1", "dev", &minutes);
            assert_eq!(c.shape, want, "{name}");
            assert_eq!(c.missing == 0.0, want.is_none(), "{name}");
            assert_eq!(c.gap_minutes.is_empty(), want.is_none(), "{name}");
        }
        let stopped = reconcile("a1", "dev", &[m(0, 5.0, 0.0, 0.0, 5.0), m(1, 4.0, 0.0, 0.0, 0.0)]);
        assert_eq!((stopped.since_ms, stopped.missing), (Some(T0 + 60_000), 4.0));
        assert!(Shape::SuccessesOnly.likely_cause().contains("ERROR level"));
    }
}
