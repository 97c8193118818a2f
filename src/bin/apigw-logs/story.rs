//! Renders `lookup` (a request's story: summary, Lambda REPORT figures, then every line in time order) and
//! `failures` (one line per failed request), as text or JSON. Pure: the subcommands print what it returns.

use std::fmt::Write as _;

use apigw_log_indexer::diagnose::configure::Wanted;
use apigw_log_indexer::diagnose::{self, Configuration, Diagnosis};
use apigw_log_indexer::fragment::Line;
use apigw_log_indexer::index::query::{FailureEntry, Story};
use apigw_log_indexer::index::read::Fragments;
use apigw_log_indexer::index::success::where_lines_are;
use apigw_log_indexer::ports::schema::attr;
use apigw_log_indexer::record::{ApiRecord, LambdaRecord};
use apigw_log_indexer::timefmt::rfc3339_ms;

use crate::diagnosis;
use crate::terminal::cell;

fn sorted<'a>(lines: impl IntoIterator<Item = &'a Line<'a>>) -> Vec<&'a Line<'a>> {
    let mut v: Vec<&Line<'_>> = lines.into_iter().collect();
    v.sort_by_key(|l| l.timestamp_ms);
    v
}

/// One entry of a record's `lines`, in `docs/reference.md` order. A struct, not `json!`: a `serde_json::Value`
/// orders keys alphabetically unless some crate in the build enables serde_json's `preserve_order`, so the
/// shipped binary and the tested one would disagree.
#[derive(serde::Serialize)]
struct LineJson<'a> {
    timestamp_ms: i64,
    source: &'static str,
    message: &'a str,
}

fn lines_json(lines: &[&Line<'_>]) -> String {
    let lines: Vec<LineJson<'_>> = lines
        .iter()
        .map(|l| LineJson {
            timestamp_ms: l.timestamp_ms,
            source: l.source.as_str(),
            message: &l.message,
        })
        .collect();
    serde_json::to_string(&lines).unwrap_or_default()
}

/// The record's JSON (fields in `docs/reference.md` order, `diagnosis` last) with `"source_account"` and
/// `"lines"` appended.
fn with_lines(record_json: String, account: Option<&str>, lines: &[&Line<'_>]) -> String {
    let mut text = record_json;
    if text.ends_with('}') {
        text.pop();
        let sep = if text.ends_with('{') { "" } else { "," };
        let account = serde_json::to_string(&account).unwrap_or_else(|_| "null".into());
        text.push_str(&format!(
            "{sep}\"source_account\":{account},\"lines\":{}}}",
            lines_json(lines)
        ));
    }
    text.push('\n');
    text
}

/// A rendered story: the text to print (none when no item could be read into a record) and a warning per
/// item that could not be read or link that was not followed.
pub struct Rendered {
    /// Output, when there is a record to show.
    pub text: Option<String>,
    /// One line each, for stderr.
    pub warnings: Vec<String>,
}

/// The configuration facts the story's diagnoses can use (`lookup` reads them before rendering).
pub fn wanted(story: &Story) -> Wanted {
    let fragments = Fragments::decode(&story.items);
    let (joined, _) = fragments.joined();
    let (api, lambda) = joined.records();
    Wanted::of(&api, &lambda)
}

/// Renders the story of one lookup, each failure with its diagnosis (from the logs and `cfg`).
pub fn render(story: &Story, json: bool, cfg: &Configuration) -> Rendered {
    let fragments = Fragments::decode(&story.items);
    let (joined, problems) = fragments.joined();
    let mut warnings: Vec<String> = fragments
        .problems
        .iter()
        .chain(&problems)
        .map(|p| format!("warning: an index item could not be read: {p}"))
        .collect();
    warnings.extend(
        story
            .not_followed
            .iter()
            .map(|id| format!("warning: linked request {id} not read (too many links)")),
    );
    let (api, lambda) = joined.classified();
    let api: Vec<_> = api.into_iter().map(|(r, f)| (r, sorted(f.core.lines()))).collect();
    let lambda: Vec<_> = lambda.into_iter().map(|(r, f)| (r, sorted(f.core.lines()))).collect();
    if api.is_empty() && lambda.is_empty() {
        return Rendered { text: None, warnings };
    }
    let records: Vec<LambdaRecord<'_>> = lambda.iter().map(|(r, _)| r.clone()).collect();
    let api_diagnoses: Vec<_> = api.iter().map(|(r, _)| diagnose::of_api(r, &records, cfg)).collect();
    let lambda_diagnoses: Vec<_> = records.iter().map(|r| diagnose::of_lambda(r, cfg)).collect();
    let mut out = String::new();
    if json {
        for ((r, lines), d) in api.iter().zip(api_diagnoses) {
            let account = source_account(story, &r.request_id);
            out.push_str(&with_lines(diagnosis::json(r, d), account, lines));
        }
        for ((r, lines), d) in lambda.iter().zip(lambda_diagnoses) {
            let account = source_account(story, &r.request_id);
            out.push_str(&with_lines(diagnosis::json(r, d), account, lines));
        }
    } else {
        for ((r, _), d) in api.iter().zip(&api_diagnoses) {
            api_text(&mut out, r, d.as_ref());
            // Lines another account sent (through a central destination) say whose they are.
            if let Some(account) = source_account(story, &r.request_id) {
                row(&mut out, "account", account);
            }
        }
        // A summarized success has no lines here: say where they are (`lookup --fetch-lines` reads them).
        for place in story.items.iter().filter_map(where_lines_are) {
            row(&mut out, "lines", place);
        }
        for ((r, _), d) in lambda.iter().zip(&lambda_diagnoses) {
            lambda_text(&mut out, r, d.as_ref());
            if let Some(account) = source_account(story, &r.request_id) {
                row(&mut out, "account", account);
            }
        }
        for (r, _) in &api {
            let served = lambda
                .iter()
                .map(|(l, _)| l)
                .find(|l| r.lambda_request_id.as_deref() == Some(&*l.request_id));
            time_went(&mut out, r, served);
        }
        let api_lines = api.iter().flat_map(|(_, l)| l.iter().copied());
        let all = sorted(api_lines.chain(lambda.iter().flat_map(|(_, l)| l.iter().copied())));
        timeline(&mut out, &all);
    }
    Rendered {
        text: Some(out),
        warnings,
    }
}

/// The account other than the indexer's own that sent what is stored under `request_id`
/// (`attr::SOURCE_ACCOUNT`); `None` for the indexer's own account.
fn source_account<'s>(story: &'s Story, request_id: &str) -> Option<&'s str> {
    story
        .items
        .iter()
        .filter(|i| i.pk == request_id)
        .find_map(|i| i.s(attr::SOURCE_ACCOUNT))
}

/// One labelled row; the value is escaped as a [`cell`] whatever it is made of.
fn row(out: &mut String, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "  {label:<9} {}", cell(&value.to_string()));
}

/// `method path` of a request, escaped.
fn route_of(method: Option<&str>, path: Option<&str>) -> String {
    [method, path]
        .into_iter()
        .flatten()
        .map(cell)
        .collect::<Vec<_>>()
        .join(" ")
}

fn span(first: Option<i64>, last: Option<i64>) -> String {
    match (first, last) {
        (Some(f), Some(l)) if f != l => format!("{} … {}", rfc3339_ms(f), rfc3339_ms(l)),
        (Some(f), _) => rfc3339_ms(f),
        _ => "-".into(),
    }
}

pub(crate) fn api_text(out: &mut String, r: &ApiRecord<'_>, diagnosis: Option<&Diagnosis>) {
    let route = route_of(r.method.as_deref(), r.resource_path.as_deref());
    let outcome = match (r.status, r.failure_reason) {
        (Some(s), Some(reason)) => format!("{s} {reason}"),
        (Some(s), None) => s.to_string(),
        (None, Some(reason)) => format!("no status seen, {reason}"),
        (None, None) => "no status seen".into(),
    };
    let _ = writeln!(out, "API request {}  {route}  →  {outcome}", cell(&r.request_id));
    if let (Some(api), stage) = (&r.api_id, &r.stage) {
        row(out, "api", format!("{api} / {}", stage.as_deref().unwrap_or("-")));
    }
    if let Some(reason) = r.failure_reason {
        row(
            out,
            "reason",
            format!("{reason}: {}", r.failure_detail.as_deref().unwrap_or("-")),
        );
    }
    if let Some(d) = diagnosis {
        diagnosis::rows(out, d);
    }
    match (r.latency_ms, r.integration_latency_ms) {
        (None, None) => {}
        (Some(l), Some(i)) => row(
            out,
            "latency",
            format!(
                "{l} ms total, {i} ms integration, {} ms gateway overhead",
                i128::from(l) - i128::from(i)
            ),
        ),
        (l, i) => row(
            out,
            "latency",
            format!(
                "{} total, {} integration",
                l.map_or("-".into(), |v| format!("{v} ms")),
                i.map_or("-".into(), |v| format!("{v} ms"))
            ),
        ),
    }
    let completion = if r.complete {
        "completion seen"
    } else {
        "no completion line"
    };
    row(
        out,
        "seen",
        format!(
            "{}  ({} lines, {completion})",
            span(r.first_timestamp_ms, r.last_timestamp_ms),
            r.line_count
        ),
    );
    if let Some(l) = &r.lambda_request_id {
        row(out, "lambda", l);
    }
    if let Some(t) = &r.xray_trace_id {
        row(out, "trace", t);
    }
    out.push('\n');
}

pub(crate) fn lambda_text(out: &mut String, r: &LambdaRecord<'_>, diagnosis: Option<&Diagnosis>) {
    let outcome = match (r.status, r.failure_reason) {
        (Some(s), Some(reason)) => format!("{s} {reason}"),
        (Some(s), None) => s.to_string(),
        (None, Some(reason)) => format!("no REPORT seen, {reason}"),
        (None, None) => "no REPORT seen".into(),
    };
    let function = cell(r.function_name.as_deref().unwrap_or(""));
    let _ = writeln!(
        out,
        "Lambda invocation {}  {function}  →  {outcome}",
        cell(&r.request_id)
    );
    let mut report = Vec::new();
    if let Some(d) = r.duration_ms {
        report.push(format!("duration {d:.2} ms"));
    }
    if let Some(b) = r.billed_duration_ms {
        report.push(format!("billed {b} ms"));
    }
    match (r.max_memory_used_mb, r.memory_size_mb) {
        (Some(u), Some(s)) => report.push(format!("memory {u} of {s} MB")),
        (None, Some(s)) => report.push(format!("memory size {s} MB")),
        _ => {}
    }
    if let Some(i) = r.init_duration_ms {
        report.push(format!("init {i:.2} ms (cold start)"));
    }
    if !report.is_empty() {
        row(out, "REPORT", report.join(", "));
    }
    if let Some(e) = &r.error_type {
        row(out, "error", e);
    }
    if let Some(reason) = r.failure_reason {
        row(
            out,
            "reason",
            format!("{reason}: {}", r.failure_detail.as_deref().unwrap_or("-")),
        );
    }
    if let Some(d) = diagnosis {
        diagnosis::rows(out, d);
    }
    row(
        out,
        "seen",
        format!(
            "{}  ({} lines)",
            span(r.first_timestamp_ms, r.last_timestamp_ms),
            r.line_count
        ),
    );
    if let Some(a) = &r.api_request_id {
        row(out, "api req.", a);
    }
    out.push('\n');
}

/// Where the time of a request went, the way X-Ray draws it: received, the integration call, the
/// function's init (cold start) and run, the response; offsets from the first line, one event a line.
/// The integration call is placed `integration latency` before the response (within a few ms of the
/// execution log's "Sending request" line); nothing is printed without both latencies.
fn time_went(out: &mut String, r: &ApiRecord<'_>, lambda: Option<&LambdaRecord<'_>>) {
    let ms = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok());
    let (Some(t0), Some(latency), Some(integration)) =
        (r.first_timestamp_ms, ms(r.latency_ms), ms(r.integration_latency_ms))
    else {
        return;
    };
    let overhead = latency - integration;
    let _ = writeln!(
        out,
        "Where the time went: {latency} ms = {integration} ms integration + {overhead} ms gateway overhead"
    );
    let at = |t: i64| format!("{:>+8} ms", t - t0);
    let route = route_of(r.method.as_deref(), r.resource_path.as_deref());
    let _ = writeln!(out, "  {}  API Gateway received {route}", at(t0));
    let _ = writeln!(
        out,
        "  {}  integration call ({integration} ms)",
        at(t0 + latency - integration)
    );
    if let Some(l) = lambda
        && let Some(start) = l.first_timestamp_ms
    {
        let start_text = match l.init_duration_ms {
            Some(init) => format!("Lambda started, after {init:.2} ms init (cold start)"),
            None => "Lambda started (warm)".to_string(),
        };
        let _ = writeln!(out, "  {}  {start_text}", at(start));
        if let (Some(end), Some(d)) = (l.last_timestamp_ms, l.duration_ms) {
            let outcome = l.status.map_or("no status".into(), |s| s.to_string());
            let _ = writeln!(out, "  {}  Lambda ended: {outcome} after {d:.2} ms", at(end));
        }
    }
    let status = r.status.map_or("-".into(), |s| s.to_string());
    let _ = writeln!(out, "  {}  response {status}", at(t0 + latency));
    out.push('\n');
}

pub(crate) fn timeline(out: &mut String, lines: &[&Line<'_>]) {
    let _ = writeln!(out, "Timeline ({} lines)", lines.len());
    let Some(t0) = lines.first().map(|l| l.timestamp_ms) else {
        return;
    };
    for l in lines {
        let prefix = format!(
            "  {}  {:>+8} ms  {:<9}  ",
            rfc3339_ms(l.timestamp_ms),
            l.timestamp_ms - t0,
            l.source.as_str()
        );
        // One row per line, whatever the message holds: a line break inside it is escaped like any
        // other, so a message cannot print a row shaped like a heading or another line of the timeline.
        let _ = writeln!(out, "{prefix}{}", cell(l.message.trim_end_matches(['\n', '\r'])));
    }
}

/// The failures list: one JSON object per line, or a table with a header (nothing at all for no entries).
pub fn failures(entries: &[FailureEntry], json: bool) -> String {
    failure_rows(entries, json, !entries.is_empty())
}

/// Failures as lines: JSON objects, or table rows under a header when `header` (`--follow` prints the
/// header once, then rows as they come).
pub fn failure_rows(entries: &[FailureEntry], json: bool, header: bool) -> String {
    let mut out = String::new();
    if json {
        for e in entries {
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
            out.push('\n');
        }
        return out;
    }
    if header {
        let _ = writeln!(
            out,
            "{:<24}  {:>3}  {:<26}  {:<20}  {:<36}  {:<36}  ROUTE",
            "FIRST LINE", "ST", "REASON", "API/STAGE", "REQUEST ID", "LAMBDA REQUEST"
        );
    }
    let dash = |v: &Option<String>| v.as_deref().map_or_else(|| "-".into(), |v| cell(v).into_owned());
    for e in entries {
        let route = route_of(e.method.as_deref(), e.resource_path.as_deref());
        let _ = writeln!(
            out,
            "{:<24}  {:>3}  {:<26}  {:<20}  {:<36}  {:<36}  {}",
            e.first_timestamp_ms.map_or("-".into(), rfc3339_ms),
            e.status.map_or("-".into(), |s| s.to_string()),
            dash(&e.failure_reason),
            format!("{}/{}", dash(&e.api_id), dash(&e.stage)),
            cell(&e.request_id),
            dash(&e.lambda_request_id),
            if route.is_empty() { "-".into() } else { route },
        );
    }
    out
}
