//! `coverage`: what the indexer never saw. API Gateway's own `Count`, 4xx and 5xx per stage and minute
//! (`AWS/ApiGateway`) against the indexer's `Requests` metric for the same stage and minute, one line per
//! stage, the minutes with requests missing, and their likely cause — from the gaps' shape and `doctor`'s
//! findings for the stage. Exit 0 when every stage is covered, 1 when requests are missing (as `doctor`).
//!
//! The indexer's side is its metric, not the index: `GetMetricData` costs the same whatever the traffic
//! (4 series per stage), while counting requests in the index per minute would need a Scan of every item.

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::aws::metric_query::SeriesQuery;
use apigw_log_indexer::config::DEFAULT_NAMESPACE;
use apigw_log_indexer::coverage::{GATEWAY_NAMESPACE, StageCoverage, gateway_metrics, minutes, reconcile};
use apigw_log_indexer::metrics::names;
use apigw_log_indexer::onboard::doctor::Finding;
use apigw_log_indexer::ports::{StageConfig, StageFilter};
use apigw_log_indexer::timefmt::rfc3339_ms;
use clap::Args as ClapArgs;
use serde_json::json;

use super::doctor::examine;
use super::health::counted;
use crate::aws_args::runtime;
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::output;
use crate::stack::IndexerArgs;
use crate::window::{between, window};

/// Deliveries reach the index seconds, at worst minutes, after API Gateway counted the request: a window
/// ending now ends this much earlier, so requests still in flight are not reported missing.
const DELIVERY_LAG_MS: i64 = 5 * 60_000;

/// Arguments of `coverage`.
#[derive(ClapArgs)]
pub struct Args {
    /// CloudWatch namespace the indexer publishes into (default: the stack's, else ApiGatewayLogs).
    #[arg(long, env = "METRICS_NAMESPACE")]
    pub namespace: Option<String>,
    /// How far back from --until to look: 15m, 2h, 1d (or an RFC 3339 time).
    #[arg(long, default_value = "24h")]
    since: String,
    /// End of the window (RFC 3339); default five minutes ago (deliveries still in flight are not gaps).
    #[arg(long)]
    until: Option<String>,
    /// Only this API (REST or HTTP); default: every API in the region.
    #[arg(long = "api")]
    api_id: Option<String>,
    /// Only this stage of --api.
    #[arg(long, requires = "api_id")]
    stage: Option<String>,
    /// One JSON object per stage.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub indexer: IndexerArgs,
}

/// `coverage`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let namespace = a.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let (mut since, mut until) = window(&a.since, a.until.as_deref())?;
    if a.until.is_none() {
        (since, until) = (since - DELIVERY_LAG_MS, until - DELIVERY_LAG_MS);
    }
    // Whole minutes: CloudWatch rounds a recent start down to the minute anyway, and each one-minute period
    // then is one minute of both sides.
    (since, until) = (
        since.div_euclid(60_000) * 60_000,
        (until + 59_999).div_euclid(60_000) * 60_000,
    );
    let filter = StageFilter {
        api_id: a.api_id.clone(),
        stage: a.stage.clone(),
    };
    let (covered, findings) = runtime()?.block_on(read(a, &filter, namespace, since, until))?;
    let mut out = String::new();
    for (stage, c) in &covered {
        let own: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                f.api_id.is_none() || (f.api_id.as_deref() == Some(&c.api_id) && f.stage.as_deref() == Some(&c.stage))
            })
            .collect();
        if a.json {
            let o = json!({"api_type": stage.api_type.as_str(), "api_id": c.api_id, "stage": c.stage,
                "gateway": c.gateway, "indexed": c.indexed, "missing": c.missing, "shape": c.shape,
                "likely_cause": c.shape.map(|s| s.likely_cause()), "since": c.since_ms.map(rfc3339_ms),
                "gap_minutes": c.gap_minutes,
                "doctor": own.iter().map(|f| json!({"check": f.check, "message": f.message, "fix": f.fix})).collect::<Vec<_>>()});
            out.push_str(&format!("{o}\n"));
        } else {
            out.push_str(&text(stage, c, &own));
        }
    }
    output::print(&out)?;
    let gaps = covered.iter().filter(|(_, c)| c.missing > 0.0).count();
    if covered.is_empty() {
        return Ok(Outcome::NotFound(NotFound::NoDataPoints {
            namespace: GATEWAY_NAMESPACE.to_string(),
            window: between(since, until),
            shown: false,
        }));
    }
    output::warn(format!(
        "{gaps} of {} with requests never indexed, {}",
        counted(covered.len(), "stage"),
        between(since, until)
    ));
    Ok(if gaps > 0 {
        Outcome::NotFound(NotFound::Findings)
    } else {
        Outcome::Done
    })
}

/// A stage's lines: the totals, the likely cause, `doctor`'s findings, and the minutes with gaps.
fn text(stage: &StageConfig, c: &StageCoverage, findings: &[&Finding]) -> String {
    let subject = format!("{} {}/{}", stage.api_type.as_str(), c.api_id, c.stage);
    let mut out = format!("{subject}: {} requests, {} indexed", c.gateway, c.indexed);
    let Some(shape) = c.shape else {
        out.push('\n');
        return out;
    };
    let minutes = counted(c.gap_minutes.len(), "minute");
    out.push_str(&format!(", {} missing in {minutes}", c.missing));
    if let Some(t) = c.since_ms {
        out.push_str(&format!(" (nothing since {})", rfc3339_ms(t)));
    }
    out.push_str(&format!(": {}\n", shape.likely_cause()));
    for f in findings {
        out.push_str(&format!("  doctor: {} → {}\n", f.message, f.fix));
    }
    for m in &c.gap_minutes {
        out.push_str(&format!(
            "  {}  {} requests ({} 4xx, {} 5xx), {} indexed\n",
            rfc3339_ms(m.minute_ms),
            m.gateway,
            m.client_errors,
            m.server_errors,
            m.indexed
        ));
    }
    out
}

/// Each REST and HTTP stage with requests in the window, reconciled; and `doctor`'s findings.
async fn read(
    a: &Args,
    filter: &StageFilter,
    namespace: &str,
    since: i64,
    until: i64,
) -> Result<(Vec<(StageConfig, StageCoverage)>, Vec<Finding>), CliError> {
    let exam = examine(&a.indexer, filter).await?;
    let sdk = a.indexer.endpoint.sdk().await;
    let client = aws_sdk_cloudwatch::Client::new(&sdk);
    let gateway = CloudWatchMetrics::new(client.clone(), GATEWAY_NAMESPACE);
    let indexer = CloudWatchMetrics::new(client, namespace);
    let (mut gateway_queries, mut indexer_queries, mut stages) = (Vec::new(), Vec::new(), Vec::new());
    for s in exam.stages {
        let Some(g) = gateway_metrics(s.api_type) else { continue };
        let api = match g.api_dimension {
            "ApiName" => s.api_name.clone(),
            _ => s.api_id.clone(),
        };
        let dims = vec![
            (g.api_dimension.to_string(), api),
            ("Stage".to_string(), s.stage.clone()),
        ];
        for name in [g.count, g.client_errors, g.server_errors] {
            gateway_queries.push(SeriesQuery {
                name: name.to_string(),
                dimensions: dims.clone(),
                stat: "Sum",
            });
        }
        indexer_queries.push(SeriesQuery {
            name: names::REQUESTS.to_string(),
            dimensions: vec![("ApiId".into(), s.api_id.clone()), ("Stage".into(), s.stage.clone())],
            stat: "Sum",
        });
        stages.push(s);
    }
    let failed = |namespace: &str| {
        let context = format!("namespace {namespace}");
        move |source| CliError::Metrics {
            context,
            source: Box::new(source),
        }
    };
    let g = gateway
        .series(&gateway_queries, since, until, 60)
        .await
        .map_err(failed(GATEWAY_NAMESPACE))?;
    let own = indexer
        .series(&indexer_queries, since, until, 60)
        .await
        .map_err(failed(namespace))?;
    let mut out = Vec::new();
    for (i, s) in stages.into_iter().enumerate() {
        let m = minutes(&g[3 * i], &g[3 * i + 1], &g[3 * i + 2], &own[i]);
        if m.iter().all(|m| m.gateway == 0.0) {
            continue;
        }
        let c = reconcile(&s.api_id, &s.stage, &m);
        out.push((s, c));
    }
    Ok((out, exam.findings))
}
