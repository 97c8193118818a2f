//! The diagnosis of each failure as the commands show it: a `diagnosis` field in JSON records, `cause`,
//! `fix` and `next` rows in `lookup`'s text, one line per failure in `failures --explain`. Computed at read
//! time by the library's pure rules (`apigw_log_indexer::diagnose`); every text value goes through
//! [`cell`], the one escaping writer.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use apigw_log_indexer::FailureReason;
use apigw_log_indexer::aws::deployment::Deployment;
use apigw_log_indexer::diagnose::{self, Configuration, Diagnosis, Evidence};
use apigw_log_indexer::index::query::FailureEntry;
use apigw_log_indexer::ports::DeploymentFacts;
use apigw_log_indexer::timefmt::rfc3339_ms;
use serde::Serialize;

use crate::aws_args::AwsArgs;
use crate::output;
use crate::terminal::cell;

/// A record or entry with its diagnosis appended (`null` for a success), fields in the record's order.
#[derive(Serialize)]
pub struct Diagnosed<'r, T: Serialize> {
    /// The record, its fields first.
    #[serde(flatten)]
    pub record: &'r T,
    /// The diagnosis, last.
    pub diagnosis: Option<Diagnosis>,
}

/// One JSON object: `value` with its diagnosis.
pub fn json<T: Serialize>(record: &T, diagnosis: Option<Diagnosis>) -> String {
    serde_json::to_string(&Diagnosed { record, diagnosis }).unwrap_or_default()
}

/// The `cause`, `fix` and `next` rows of a diagnosis, in `lookup`'s row format.
pub fn rows(out: &mut String, d: &Diagnosis) {
    let _ = writeln!(out, "  {:<9} {}", "cause", cell(&d.cause));
    let _ = writeln!(out, "  {:<9} {}", "fix", cell(&d.fix));
    if let Some(n) = &d.next {
        let _ = writeln!(out, "  {:<9} {}", "next", cell(n));
    }
}

/// What a failures-index entry says, as evidence: its reason, status and evidence line (`lookup` adds the
/// invocation and the latencies).
pub fn of_entry(e: &FailureEntry, cfg: &Configuration) -> Option<Diagnosis> {
    let evidence = Evidence {
        reason: e.failure_reason.as_deref().and_then(FailureReason::from_name),
        status: e.status.and_then(|s| u16::try_from(s).ok()),
        detail: e.failure_detail.as_deref(),
        ..Evidence::default()
    };
    diagnose::diagnose(&evidence, cfg)
}

/// A REST method: `(api_id, resource_path, method)`.
pub type Method = (String, String, String);

/// The integration timeouts `failures --explain` read, by REST method.
pub type IntegrationTimeouts = BTreeMap<Method, u64>;

/// At most this many REST integrations are read for one `failures --explain` (each one `GetResources` listing
/// and one `GetIntegration`): a window of failures is long, and the rest are diagnosed from the logs.
pub const MAX_INTEGRATIONS_READ: usize = 5;

/// The REST method an entry's integration timeout came from, when the entry names one.
fn timed_out_method(e: &FailureEntry) -> Option<Method> {
    (e.failure_reason.as_deref() == Some(FailureReason::IntegrationTimeout.as_str())).then_some(())?;
    Some((e.api_id.clone()?, e.resource_path.clone()?, e.method.clone()?))
}

/// The deployment-facts adapter over the endpoint options.
pub async fn deployment(aws: &AwsArgs) -> Deployment {
    let sdk = aws.sdk().await;
    Deployment::new(aws_sdk_lambda::Client::new(&sdk), aws_sdk_apigateway::Client::new(&sdk))
}

/// Says, once, which configuration reads failed.
pub fn warn_not_read(problems: &[String]) {
    if !problems.is_empty() {
        output::warn(format_args!("configuration not read: {}", problems.join("; ")));
    }
}

/// The integration timeouts of the REST methods the entries' integration timeouts came from (at most
/// [`MAX_INTEGRATIONS_READ`]); a failed read is said once and the entry is diagnosed from the logs.
pub async fn integration_timeouts(aws: &AwsArgs, entries: &[FailureEntry]) -> IntegrationTimeouts {
    let methods: BTreeSet<Method> = entries.iter().filter_map(timed_out_method).collect();
    let mut read = IntegrationTimeouts::new();
    if methods.is_empty() {
        return read;
    }
    let d = deployment(aws).await;
    let mut problems = Vec::new();
    for m in methods.iter().take(MAX_INTEGRATIONS_READ) {
        match d.integration_timeout_ms(&m.0, &m.1, &m.2).await {
            Ok(Some(t)) => {
                read.insert(m.clone(), t);
            }
            Ok(None) => {}
            Err(e) => problems.push(e.to_string()),
        }
    }
    if methods.len() > MAX_INTEGRATIONS_READ {
        problems.push(format!(
            "{} more integrations (at most {MAX_INTEGRATIONS_READ} are read)",
            methods.len() - MAX_INTEGRATIONS_READ
        ));
    }
    warn_not_read(&problems);
    read
}

/// `failures --explain`: one line per failure, its time, status, reason and request ID, then its cause and
/// fix; as JSON, each entry with its `diagnosis`. `timeouts` are the integration timeouts read.
pub fn explain(entries: &[FailureEntry], json_out: bool, timeouts: &IntegrationTimeouts) -> String {
    let mut out = String::new();
    for e in entries {
        let cfg = Configuration {
            integration_timeout_ms: timed_out_method(e).and_then(|m| timeouts.get(&m).copied()),
            ..Configuration::default()
        };
        let d = of_entry(e, &cfg);
        if json_out {
            out.push_str(&json(e, d));
            out.push('\n');
            continue;
        }
        let (cause, fix) = d.as_ref().map_or(("-", "-"), |d| (d.cause.as_str(), d.fix.as_str()));
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  cause: {}  fix: {}",
            e.first_timestamp_ms.map_or("-".into(), rfc3339_ms),
            e.status.map_or("-".into(), |s| s.to_string()),
            cell(e.failure_reason.as_deref().unwrap_or("-")),
            cell(&e.request_id),
            cell(cause),
            cell(fix),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(reason: &str, detail: &str) -> FailureEntry {
        FailureEntry {
            request_id: "r-1".into(),
            first_timestamp_ms: Some(1_698_670_710_123),
            status: Some(429),
            failure_reason: Some(reason.into()),
            failure_detail: Some(detail.into()),
            api_id: None,
            stage: None,
            method: None,
            resource_path: None,
            lambda_request_id: None,
        }
    }

    #[test]
    fn explain_prints_one_line_per_failure_with_cause_and_fix() {
        // re:Post knowledge center api-gateway-429-limit (usage-plan throttle).
        let e = entry(
            "Throttled",
            "API Key ****F0yrv6 exceeded throttle limit for API Stage rohkz08x02/dev: Key throttle limit exceeded \
             for Usage Plan ID nnpegc, RestApi rohkz08x02, Stage dev, Resource f646q2, HttpMethod GET. Limit: 5.00 Burst: 10",
        );
        let text = explain(&[e.clone(), e.clone()], false, &IntegrationTimeouts::new());
        assert_eq!(text.lines().count(), 2);
        let line = text.lines().next().unwrap();
        assert!(
            line.starts_with("2023-10-30T12:58:30.123Z  429  Throttled  r-1  cause: "),
            "{line}"
        );
        assert!(
            line.contains("usage plan nnpegc's throttle of 5 requests per second (burst 10)"),
            "{line}"
        );
        assert!(
            line.contains("  fix: raise usage plan nnpegc's rate or burst"),
            "{line}"
        );
        let json: serde_json::Value =
            serde_json::from_str(explain(&[e], true, &IntegrationTimeouts::new()).trim()).unwrap();
        assert_eq!(json["request_id"], "r-1");
        assert_eq!(json["diagnosis"]["facts"][0]["name"], "usage_plan_id");
    }

    #[test]
    fn an_unknown_reason_name_has_no_diagnosis_and_a_hostile_detail_stays_on_its_line() {
        let mut e = entry("NotAReason", "x");
        assert!(of_entry(&e, &Configuration::default()).is_none());
        e.failure_reason = Some("Throttled".into());
        e.failure_detail = Some("Usage Plan ID evil\u{1b}[2J\u{202e}\rx Limit: 1 Burst: 2".into());
        let text = explain(&[e], false, &IntegrationTimeouts::new());
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("usage plan evil\\u001b[2J\\u202e's throttle"), "{text}");
        assert!(!text.contains(['\u{1b}', '\u{202e}', '\r']), "{text}");
    }
}
