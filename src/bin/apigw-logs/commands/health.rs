//! `health`: how close successful traffic ran to each limit over a window — the near-miss metrics read back
//! with `GetMetricData`, the functions' `Timeout` and `MemorySize` read with `GetFunctionConfiguration` —
//! one line per limit at risk, with its fix. Exit 0 when none is, 1 when one is (as `doctor`).

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::aws::deployment::Deployment;
use apigw_log_indexer::aws::metric_query::{Dimensions, SeriesQuery};
use apigw_log_indexer::config::DEFAULT_NAMESPACE;
use apigw_log_indexer::health::{DEFAULT_THRESHOLD_PERCENT, FunctionLimits, FunctionReading, StageReading, at_risk};
use apigw_log_indexer::metrics::{UNKNOWN, names};
use apigw_log_indexer::ports::DeploymentFacts;
use clap::Args as ClapArgs;

use crate::api_filter::ApiFilter;
use crate::aws_args::{EndpointArgs, runtime};
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::output;
use crate::window::{between, window};

/// Arguments of `health`.
#[derive(ClapArgs)]
pub struct Args {
    /// CloudWatch namespace the indexer publishes into (default: the stack's, else ApiGatewayLogs).
    #[arg(long, env = "METRICS_NAMESPACE")]
    pub namespace: Option<String>,
    /// How far back from --until to look: 15m, 2h, 1d (or an RFC 3339 time).
    #[arg(long, default_value = "24h")]
    since: String,
    /// End of the window (RFC 3339); default now.
    #[arg(long)]
    until: Option<String>,
    /// Warn from this percentage of a limit.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD_PERCENT)]
    threshold: f64,
    #[command(flatten)]
    filter: ApiFilter,
    /// One JSON object per limit at risk.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
}

/// What was read: per function its maxima and (when readable) its limits; per stage its maxima.
struct Readings {
    functions: Vec<(FunctionReading, Option<FunctionLimits>)>,
    stages: Vec<StageReading>,
}

/// `health`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    if !(a.threshold > 0.0 && a.threshold <= 100.0) {
        return Err(CliError::Usage {
            option: "--threshold",
            problem: format!("{} is not a percentage above 0 and at most 100", a.threshold),
        });
    }
    let namespace = a.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let (since, until) = window(&a.since, a.until.as_deref())?;
    let readings = runtime()?.block_on(read(a, namespace, since, until))?;
    let found = at_risk(&readings.functions, &readings.stages, a.threshold);
    let mut out = String::new();
    for r in &found {
        if a.json {
            out.push_str(&serde_json::to_string(r).unwrap_or_default());
        } else {
            out.push_str(&r.line());
        }
        out.push('\n');
    }
    output::print(&out)?;
    if readings.functions.is_empty() && readings.stages.is_empty() {
        return Ok(Outcome::NotFound(NotFound::NoDataPoints {
            namespace: namespace.to_string(),
            window: between(since, until),
            shown: false,
        }));
    }
    output::warn(format!(
        "{} at or above {}% ({}, {}, {})",
        counted(found.len(), "limit"),
        a.threshold,
        counted(readings.functions.len(), "function"),
        counted(readings.stages.len(), "stage"),
        between(since, until)
    ));
    Ok(if found.is_empty() {
        Outcome::Done
    } else {
        Outcome::NotFound(NotFound::Findings)
    })
}

/// The function metrics (`FunctionName`) and the stage metrics (`ApiId`, `Stage`) `health` reads.
const FUNCTION_METRICS: [&str; 4] = [
    names::LAMBDA_DURATION,
    names::LAMBDA_DURATION_OF_TIMEOUT,
    names::LAMBDA_MEMORY_OF_SIZE,
    names::LAMBDA_INIT_DURATION,
];
const STAGE_METRICS: [&str; 2] = [names::INTEGRATION_LATENCY_OF_TIMEOUT, names::INTEGRATION_LATENCY];

async fn read(a: &Args, namespace: &str, since: i64, until: i64) -> Result<Readings, CliError> {
    let sdk = a.endpoint.sdk().await;
    let metrics = CloudWatchMetrics::new(aws_sdk_cloudwatch::Client::new(&sdk), namespace);
    let failed = |source| CliError::Metrics {
        context: format!("namespace {namespace}"),
        source: Box::new(source),
    };
    let mut queries = Vec::new();
    let wanted = |dims: &Dimensions, keys: &[&str]| {
        dims.len() == keys.len() && dims.iter().all(|(k, _)| keys.contains(&k.as_str()))
    };
    for name in FUNCTION_METRICS.into_iter().chain(STAGE_METRICS) {
        let keys: &[&str] = if FUNCTION_METRICS.contains(&name) {
            &["FunctionName"]
        } else {
            &["ApiId", "Stage"]
        };
        for dims in metrics.dimension_sets(name).await.map_err(failed)? {
            let get = |k: &str| dims.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            let chosen = |k: &str, want: &Option<String>| want.as_deref().is_none_or(|w| get(k) == Some(w));
            if wanted(&dims, keys) && chosen("ApiId", &a.filter.api_id) && chosen("Stage", &a.filter.stage) {
                queries.push(SeriesQuery {
                    name: name.to_string(),
                    dimensions: dims,
                    stat: "Maximum",
                });
            }
        }
    }
    // One period over the whole window: each series answers with its maximum.
    let period = (((until - since) / 1_000 + 59) / 60 * 60).clamp(60, i64::from(i32::MAX)) as i32;
    let series = metrics.series(&queries, since, until, period).await.map_err(failed)?;
    let mut readings = Readings {
        functions: Vec::new(),
        stages: Vec::new(),
    };
    let deployment = Deployment::new(aws_sdk_lambda::Client::new(&sdk), aws_sdk_apigateway::Client::new(&sdk));
    for (q, values) in queries.iter().zip(series) {
        let Some(max) = values.iter().map(|(_, v)| *v).reduce(f64::max) else {
            continue;
        };
        let get = |k: &str| {
            q.dimensions
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        if FUNCTION_METRICS.contains(&q.name.as_str()) {
            let name = get("FunctionName");
            let at = match readings.functions.iter().position(|(f, _)| f.name == name) {
                Some(i) => i,
                None => {
                    let limits = configured(&deployment, &name).await;
                    readings.functions.push((
                        FunctionReading {
                            name,
                            ..FunctionReading::default()
                        },
                        limits,
                    ));
                    readings.functions.len() - 1
                }
            };
            let f = &mut readings.functions[at].0;
            let slot = match q.name.as_str() {
                names::LAMBDA_DURATION => &mut f.max_duration_ms,
                names::LAMBDA_DURATION_OF_TIMEOUT => &mut f.max_duration_of_timeout,
                names::LAMBDA_MEMORY_OF_SIZE => &mut f.max_memory_of_size,
                _ => &mut f.max_init_ms,
            };
            *slot = Some(max);
        } else {
            let (api_id, stage) = (get("ApiId"), get("Stage"));
            let at = match readings
                .stages
                .iter()
                .position(|s| s.api_id == api_id && s.stage == stage)
            {
                Some(i) => i,
                None => {
                    readings.stages.push(StageReading {
                        api_id,
                        stage,
                        ..StageReading::default()
                    });
                    readings.stages.len() - 1
                }
            };
            let s = &mut readings.stages[at];
            if q.name == names::INTEGRATION_LATENCY {
                s.max_integration_latency_ms = Some(max);
            } else {
                s.max_integration_of_timeout = Some(max);
            }
        }
    }
    Ok(readings)
}

/// A function's configured limits, or `None` (with a warning) when they cannot be read: the metrics alone
/// still judge memory, init and — where the logs showed it — the timeout.
async fn configured(deployment: &Deployment, name: &str) -> Option<FunctionLimits> {
    if name == UNKNOWN {
        return None;
    }
    match deployment.function_limits(name).await {
        Ok(l) => Some(l),
        Err(e) => {
            output::warn(format!(
                "function {name}: configuration not read ({e}); judged from the logs alone"
            ));
            None
        }
    }
}

/// `1 limit`, `2 limits`.
pub fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
