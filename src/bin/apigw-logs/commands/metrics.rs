//! `metrics`: the failure-reason metrics read back from CloudWatch, summed over a window. Answers "how many
//! requests failed, and why" without opening the console.

use std::fmt::Write as _;

use apigw_log_indexer::aws::cloudwatch::{CloudWatchMetrics, Totals};
use apigw_log_indexer::config::DEFAULT_NAMESPACE;
use apigw_log_indexer::timefmt::rfc3339_ms;
use clap::Args as ClapArgs;

use crate::api_filter::ApiFilter;
use crate::aws_args::{EndpointArgs, runtime};
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::output;
use crate::window::{between, window};

/// How far back `metrics` looks by default (the MCP tool too).
pub const DEFAULT_SINCE: &str = "1h";

/// Arguments of `metrics`.
#[derive(ClapArgs)]
pub struct Args {
    /// CloudWatch namespace the indexer publishes into (default: the stack's, else ApiGatewayLogs).
    #[arg(long, env = "METRICS_NAMESPACE")]
    pub namespace: Option<String>,
    /// How far back from --until to look: 15m, 2h, 1d (or an RFC 3339 time).
    #[arg(long, default_value = DEFAULT_SINCE)]
    since: String,
    /// End of the window (RFC 3339); default now.
    #[arg(long)]
    until: Option<String>,
    #[command(flatten)]
    filter: ApiFilter,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
}

/// `metrics`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let namespace = a.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let (since, until) = window(&a.since, a.until.as_deref())?;
    let totals = runtime()?.block_on(totals(&a.endpoint, namespace, since, until, &a.filter))?;
    output::print(&if a.json {
        as_json(&totals)
    } else {
        as_table(&totals, namespace, since, until)
    })?;
    if is_empty(&totals) {
        return Ok(Outcome::NotFound(NotFound::NoDataPoints {
            namespace: namespace.to_string(),
            window: between(since, until),
            shown: !a.json,
        }));
    }
    Ok(Outcome::Done)
}

/// The sums of the window `since..until` (epoch ms) in `namespace`, for the API and stage of `filter`.
pub async fn totals(
    endpoint: &EndpointArgs,
    namespace: &str,
    since: i64,
    until: i64,
    filter: &ApiFilter,
) -> Result<Totals, CliError> {
    let sdk = endpoint.sdk().await;
    CloudWatchMetrics::new(aws_sdk_cloudwatch::Client::new(&sdk), namespace)
        .totals(since, until, filter.api_id.as_deref(), filter.stage.as_deref())
        .await
        .map_err(|source| CliError::Metrics {
            context: format!("namespace {namespace}"),
            source: Box::new(source),
        })
}

/// Whether the window had no data point at all.
pub fn is_empty(t: &Totals) -> bool {
    t.requests.is_empty() && t.failures.is_empty() && t.lambda.is_empty()
}

/// One `--json` line: a metric's sum for one set of dimensions. A struct, not `json!`, so the keys keep this
/// order whatever serde_json features the build enables.
#[derive(serde::Serialize)]
struct Sum<'a> {
    metric: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    function_name: Option<&'a str>,
    sum: f64,
}

/// The `--json` lines: requests, then failures by reason, then the Lambda counters.
pub fn as_json(t: &Totals) -> String {
    let requests = t.requests.iter().map(|((api, stage), n)| Sum {
        metric: "Requests",
        api_id: Some(api),
        stage: Some(stage),
        failure_reason: None,
        function_name: None,
        sum: *n,
    });
    let failures = t.failures.iter().map(|((api, stage, reason), n)| Sum {
        metric: "Failures",
        api_id: Some(api),
        stage: Some(stage),
        failure_reason: Some(reason),
        function_name: None,
        sum: *n,
    });
    let lambda = t.lambda.iter().map(|((metric, function), n)| Sum {
        metric,
        api_id: None,
        stage: None,
        failure_reason: None,
        function_name: Some(function),
        sum: *n,
    });
    let mut out = String::new();
    for sum in requests.chain(failures).chain(lambda) {
        out.push_str(&serde_json::to_string(&sum).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn as_table(t: &Totals, namespace: &str, since: i64, until: i64) -> String {
    let mut out = format!("{namespace}, {} … {}\n", rfc3339_ms(since), rfc3339_ms(until));
    for ((api, stage), requests) in &t.requests {
        let reasons: Vec<(&String, &f64)> = t
            .failures
            .iter()
            .filter(|((a, s, _), _)| a == api && s == stage)
            .map(|((_, _, r), n)| (r, n))
            .collect();
        // + 0.0: an empty f64 sum is -0.0, which prints as "-0".
        let failed: f64 = reasons.iter().map(|(_, n)| **n).sum::<f64>() + 0.0;
        let noun = if *requests == 1.0 { "request" } else { "requests" };
        let _ = writeln!(out, "{api}/{stage}: {requests} {noun}, {failed} failed");
        for (reason, n) in reasons {
            let _ = writeln!(out, "  {reason:<28} {n}");
        }
    }
    for ((metric, function), n) in &t.lambda {
        let _ = writeln!(out, "{function}: {metric} {n}");
    }
    if is_empty(t) {
        let _ = writeln!(out, "no data points {} in namespace {namespace}", between(since, until));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_keep_their_key_order() {
        let mut t = Totals::default();
        t.requests.insert(("a1".into(), "dev".into()), 3.0);
        t.failures
            .insert(("a1".into(), "dev".into(), "LambdaTimeout".into()), 1.0);
        t.lambda.insert(("LambdaColdStarts".into(), "fn".into()), 2.0);
        assert_eq!(
            as_json(&t),
            "{\"metric\":\"Requests\",\"api_id\":\"a1\",\"stage\":\"dev\",\"sum\":3.0}\n\
             {\"metric\":\"Failures\",\"api_id\":\"a1\",\"stage\":\"dev\",\"failure_reason\":\"LambdaTimeout\",\"sum\":1.0}\n\
             {\"metric\":\"LambdaColdStarts\",\"function_name\":\"fn\",\"sum\":2.0}\n"
        );
    }

    #[test]
    fn one_request_is_singular() {
        let mut t = Totals::default();
        t.requests.insert(("a1".into(), "dev".into()), 1.0);
        let table = as_table(&t, "ns", 0, 1);
        assert!(table.contains("a1/dev: 1 request, 0 failed"), "{table}");
        t.requests.insert(("a1".into(), "dev".into()), 2.0);
        assert!(as_table(&t, "ns", 0, 1).contains("a1/dev: 2 requests, 0 failed"));
    }
}
