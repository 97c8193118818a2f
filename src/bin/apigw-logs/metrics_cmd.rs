//! `metrics`: the failure-reason metrics read back from CloudWatch, summed over a window. Answers "how many
//! requests failed, and why" without opening the console.

use std::fmt::Write as _;

use apigw_log_indexer::aws::cloudwatch::{CloudWatchMetrics, Totals};
use apigw_log_indexer::config::DEFAULT_NAMESPACE;
use apigw_log_indexer::timefmt::rfc3339_ms;
use clap::Args;
use serde_json::json;

use crate::index_cmds::{EndpointArgs, window};
use crate::{EXIT_AWS, EXIT_NOT_FOUND, EXIT_OK, input_error};

/// Arguments of `metrics`.
#[derive(Args)]
pub struct MetricsArgs {
    /// CloudWatch namespace the indexer publishes into (default: the stack's, else ApiGatewayLogs).
    #[arg(long, env = "METRICS_NAMESPACE")]
    pub(crate) namespace: Option<String>,
    /// How far back from --until to look: 15m, 2h, 1d (or an RFC 3339 time).
    #[arg(long, default_value = "1h")]
    since: String,
    /// End of the window (RFC 3339); default now.
    #[arg(long)]
    until: Option<String>,
    /// Only this API ID.
    #[arg(long = "api")]
    api_id: Option<String>,
    /// Only this stage.
    #[arg(long)]
    stage: Option<String>,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub(crate) endpoint: EndpointArgs,
}

/// `metrics`.
pub fn metrics(a: &MetricsArgs) -> u8 {
    let (since, until) = match window(&a.since, a.until.as_deref()) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let namespace = a.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return input_error("runtime", &e),
    };
    let totals = rt.block_on(async {
        let sdk = a.endpoint.sdk().await;
        CloudWatchMetrics::new(aws_sdk_cloudwatch::Client::new(&sdk), namespace)
            .totals(since, until, a.api_id.as_deref(), a.stage.as_deref())
            .await
    });
    let totals = match totals {
        Ok(t) => t,
        Err(e) => {
            eprintln!("apigw-logs: namespace {namespace}: {e}");
            return EXIT_AWS;
        }
    };
    let text = if a.json {
        as_json(&totals)
    } else {
        as_table(&totals, namespace, since, until)
    };
    print!("{text}");
    if totals.requests.is_empty() && totals.failures.is_empty() && totals.lambda.is_empty() {
        EXIT_NOT_FOUND
    } else {
        EXIT_OK
    }
}

fn as_json(t: &Totals) -> String {
    let mut out = String::new();
    for ((api, stage), n) in &t.requests {
        let _ = writeln!(
            out,
            "{}",
            json!({"metric": "Requests", "api_id": api, "stage": stage, "sum": n})
        );
    }
    for ((api, stage, reason), n) in &t.failures {
        let _ = writeln!(
            out,
            "{}",
            json!({"metric": "Failures", "api_id": api, "stage": stage, "failure_reason": reason, "sum": n})
        );
    }
    for ((metric, function), n) in &t.lambda {
        let _ = writeln!(
            out,
            "{}",
            json!({"metric": metric, "function_name": function, "sum": n})
        );
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
        let failed: f64 = reasons.iter().map(|(_, n)| **n).sum();
        let _ = writeln!(out, "{api}/{stage}: {requests} requests, {failed} failed");
        for (reason, n) in reasons {
            let _ = writeln!(out, "  {reason:<28} {n}");
        }
    }
    for ((metric, function), n) in &t.lambda {
        let _ = writeln!(out, "{function}: {metric} {n}");
    }
    if t.requests.is_empty() && t.failures.is_empty() && t.lambda.is_empty() {
        out.push_str("no data points in this window\n");
    }
    out
}
