//! `parse`'s renderings of records: an aligned table, or one JSON object per line.

use std::fmt::Write as _;

use apigw_log_indexer::diagnose::{self, Configuration};
use apigw_log_indexer::parse::ParseStats;
use apigw_log_indexer::record::{ApiRecord, LambdaRecord};
use apigw_log_indexer::timefmt::rfc3339_ms;

use crate::diagnosis;
use crate::terminal::cell;

/// One JSON object per line: API records, then Lambda records, each with its `diagnosis` (offline: from
/// the logs alone).
pub fn records_json(api: &[ApiRecord<'_>], lambda: &[LambdaRecord<'_>]) -> String {
    let cfg = Configuration::default();
    let mut out = String::new();
    for r in api {
        out.push_str(&diagnosis::json(r, diagnose::of_api(r, lambda, &cfg)));
        out.push('\n');
    }
    for r in lambda {
        out.push_str(&diagnosis::json(r, diagnose::of_lambda(r, &cfg)));
        out.push('\n');
    }
    out
}

/// A column's value, escaped as a [`cell`], or `-`.
fn or_dash<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| cell(&v.to_string()).into_owned())
}

/// An aligned table: one line per API request, then one per Lambda invocation.
pub fn records_table(api: &[ApiRecord<'_>], lambda: &[LambdaRecord<'_>]) -> String {
    let mut out = String::new();
    if !api.is_empty() {
        let _ = writeln!(
            out,
            "{:<24}  {:<36}  {:<6}  {:<24}  {:>3}  {:<26}  {:>8}  {:>8}  LAMBDA REQUEST",
            "API REQUESTS (first line)", "REQUEST ID", "METHOD", "RESOURCE", "ST", "REASON", "LATENCY", "INTEGR."
        );
    }
    for r in api {
        let _ = writeln!(
            out,
            "{:<24}  {:<36}  {:<6}  {:<24}  {:>3}  {:<26}  {:>8}  {:>8}  {}",
            or_dash(r.first_timestamp_ms.map(rfc3339_ms)),
            cell(&r.request_id),
            or_dash(r.method.as_deref()),
            or_dash(r.resource_path.as_deref()),
            or_dash(r.status),
            or_dash(r.failure_reason),
            or_dash(r.latency_ms.map(|l| format!("{l} ms"))),
            or_dash(r.integration_latency_ms.map(|l| format!("{l} ms"))),
            or_dash(r.lambda_request_id.as_deref()),
        );
    }
    if !lambda.is_empty() {
        if !api.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{:<24}  {:<36}  {:<7}  {:>10}  {:>8}  {:>9}  {:>10}  {:<26}  API REQUEST",
            "LAMBDA INVOCATIONS", "REQUEST ID", "STATUS", "DURATION", "BILLED", "MEMORY", "INIT", "REASON"
        );
    }
    for r in lambda {
        let memory = match (r.max_memory_used_mb, r.memory_size_mb) {
            (Some(u), Some(s)) => format!("{u}/{s} MB"),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<24}  {:<36}  {:<7}  {:>10}  {:>8}  {:>9}  {:>10}  {:<26}  {}",
            or_dash(r.first_timestamp_ms.map(rfc3339_ms)),
            cell(&r.request_id),
            or_dash(r.status),
            or_dash(r.duration_ms.map(|d| format!("{d:.2} ms"))),
            or_dash(r.billed_duration_ms.map(|d| format!("{d} ms"))),
            memory,
            or_dash(r.init_duration_ms.map(|d| format!("{d:.2} ms"))),
            or_dash(r.failure_reason),
            or_dash(r.api_request_id.as_deref()),
        );
    }
    out
}

/// `skipped 3 lines (no_request_id: 2, empty: 1; first event IDs: ...)`.
pub fn skipped_summary(stats: &ParseStats) -> String {
    let kinds: Vec<String> = stats
        .skipped
        .iter()
        .map(|(k, n)| format!("{}: {n}", k.as_str()))
        .collect();
    let ids: Vec<_> = stats.skipped_examples.iter().map(|(_, id)| cell(id)).collect();
    format!(
        "skipped {} of {} lines ({}; first event IDs: {})",
        stats.skipped_total(),
        stats.events,
        kinds.join(", "),
        ids.join(", ")
    )
}
