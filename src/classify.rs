//! Joins API requests to Lambda invocations and turns merged evidence into the public records
//! (`kind: "api"` / `kind: "lambda"` of `interfaces.md`), applying `failure-reasons.md`.
//!
//! Classification depends only on the merged evidence set, the statuses and the join, never on the order
//! lines arrived in. Pure.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use crate::parse::ParsedBatch;
use crate::reason::{EvidenceSet, FailureReason};
use crate::record::{ApiState, Detail, LambdaState};

/// One API Gateway request, as printed by `parse --json` and `lookup --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiRecord<'a> {
    /// Always `"api"`.
    pub kind: &'static str,
    /// API Gateway request ID.
    pub request_id: Cow<'a, str>,
    /// Extended request ID.
    pub extended_request_id: Option<Cow<'a, str>>,
    /// API ID.
    pub api_id: Option<Cow<'a, str>>,
    /// Stage.
    pub stage: Option<Cow<'a, str>>,
    /// HTTP method.
    pub method: Option<Cow<'a, str>>,
    /// Resource path.
    pub resource_path: Option<Cow<'a, str>>,
    /// Status sent to the client (seen, or implied by evidence when no completion line was seen).
    pub status: Option<u16>,
    /// Why it failed; `null` for a success.
    pub failure_reason: Option<FailureReason>,
    /// The evidence line, redacted.
    pub failure_detail: Option<Cow<'a, str>>,
    /// Total latency, when derivable.
    pub latency_ms: Option<u64>,
    /// Integration latency.
    pub integration_latency_ms: Option<u64>,
    /// The integrated Lambda's request ID.
    pub lambda_request_id: Option<Cow<'a, str>>,
    /// X-Ray trace ID.
    pub xray_trace_id: Option<Cow<'a, str>>,
    /// Earliest line.
    pub first_timestamp_ms: Option<i64>,
    /// Latest line.
    pub last_timestamp_ms: Option<i64>,
    /// Whether the completion was seen.
    pub complete: bool,
    /// Lines seen.
    pub line_count: u64,
}

/// One Lambda invocation, as printed by `parse --json` and `lookup --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambdaRecord<'a> {
    /// Always `"lambda"`.
    pub kind: &'static str,
    /// Lambda request ID.
    pub request_id: Cow<'a, str>,
    /// Function name.
    pub function_name: Option<Cow<'a, str>>,
    /// `success`, `error`, `timeout`, or `null` when the REPORT line was not seen.
    pub status: Option<&'static str>,
    /// Error type (`Runtime.OutOfMemory`, `TypeError`, ...).
    pub error_type: Option<Cow<'a, str>>,
    /// REPORT `Duration`.
    pub duration_ms: Option<f64>,
    /// REPORT `Billed Duration`.
    pub billed_duration_ms: Option<u64>,
    /// REPORT `Memory Size`.
    pub memory_size_mb: Option<u64>,
    /// REPORT `Max Memory Used`.
    pub max_memory_used_mb: Option<u64>,
    /// REPORT `Init Duration` (cold start).
    pub init_duration_ms: Option<f64>,
    /// X-Ray trace ID.
    pub xray_trace_id: Option<Cow<'a, str>>,
    /// The API Gateway request it served, when joined.
    pub api_request_id: Option<Cow<'a, str>>,
    /// Lambda-side failure reason (`LambdaTimeout`, `LambdaOutOfMemory`, `LambdaError`), recorded even when
    /// no API request is known.
    pub failure_reason: Option<FailureReason>,
    /// The evidence line.
    pub failure_detail: Option<Cow<'a, str>>,
    /// Earliest line.
    pub first_timestamp_ms: Option<i64>,
    /// Latest line.
    pub last_timestamp_ms: Option<i64>,
    /// Lines seen.
    pub line_count: u64,
}

fn detail_for<'a>(details: &[Detail<'a>], reason: FailureReason) -> Option<Cow<'a, str>> {
    details.iter().find(|d| d.reason == reason).map(|d| d.message.clone())
}

/// The status and reason of an API request, given the Lambda invocation it was joined to (if any).
pub fn classify_api<'a>(api: &ApiState<'a>, lambda: Option<&LambdaState<'a>>) -> ApiRecord<'a> {
    let mut evidence = api.evidence;
    // Lambda's Invoke API answering 429 to API Gateway is throttling, whatever text came with it (an HTTP
    // backend's own 429 reaches the client as 429, not as a 5XX).
    if api.integration_status == Some(429)
        && api.lambda_integration != Some(false)
        && api.status.is_some_and(|s| s >= 500)
    {
        evidence.insert(FailureReason::LambdaThrottled);
    }
    if let Some(l) = lambda {
        // Lambda-side detail joins the API side's: a timeout seen only in the function's log, or an
        // out-of-memory crash that upgrades API Gateway's generic customer function error.
        evidence.union(l.evidence);
    }
    let status = api
        .status
        .or(api.gateway_response_status)
        .or_else(|| evidence.winner().and_then(FailureReason::implied_status));
    let (failure_reason, failure_detail) = match reason_for(status, evidence, api) {
        Some(r) => {
            let detail = detail_for(&api.details, r)
                .or_else(|| lambda.and_then(|l| detail_for(&l.details, r)))
                .or_else(|| {
                    (r == FailureReason::LambdaThrottled)
                        .then(|| detail_for(&api.details, FailureReason::MalformedProxyResponse))
                        .flatten()
                });
            (Some(r), detail)
        }
        None => (None, None),
    };
    let derived_latency = match (api.started_ms, api.completed_ms) {
        (Some(s), Some(c)) if c >= s => Some((c - s) as u64),
        _ => None,
    };
    ApiRecord {
        kind: "api",
        request_id: api.request_id.clone(),
        extended_request_id: api.extended_request_id.clone(),
        api_id: api.api_id.clone(),
        stage: api.stage.clone(),
        method: api.method.clone(),
        resource_path: api.resource_path.clone(),
        status,
        failure_reason,
        failure_detail,
        latency_ms: api.response_latency_ms.or(derived_latency),
        integration_latency_ms: api.integration_latency_ms,
        lambda_request_id: api.lambda_request_id.clone(),
        xray_trace_id: api
            .xray_trace_id
            .clone()
            .or_else(|| lambda.and_then(|l| l.xray_trace_id.clone())),
        first_timestamp_ms: api.first_timestamp_ms,
        last_timestamp_ms: api.last_timestamp_ms,
        complete: api.complete,
        line_count: api.line_count,
    }
}

fn reason_for(status: Option<u16>, evidence: EvidenceSet, api: &ApiState<'_>) -> Option<FailureReason> {
    match status {
        // API Gateway answered with a success: whatever went wrong on the way, the request did not fail.
        Some(s) if s < 400 => None,
        Some(s) => Some(evidence.winner().unwrap_or_else(|| generic_reason(s, api))),
        None => evidence.winner(),
    }
}

/// `Backend*` when the integration itself answered with the same class of status, else `Other*`.
fn generic_reason(status: u16, api: &ApiState<'_>) -> FailureReason {
    let backend = api.backend_status.or(match api.lambda_integration {
        Some(false) => api.integration_status,
        _ => None,
    });
    let class = status / 100;
    match (class, backend.map(|b| b / 100)) {
        (5, Some(5)) => FailureReason::Backend5XX,
        (4, Some(4)) => FailureReason::Backend4XX,
        (5, _) => FailureReason::Other5XX,
        _ => FailureReason::Other4XX,
    }
}

/// The record of a Lambda invocation.
pub fn classify_lambda<'a>(l: &LambdaState<'a>, api_request_id: Option<Cow<'a, str>>) -> LambdaRecord<'a> {
    let report = l.report.as_ref();
    let status = report.map(|r| match r.status.as_deref() {
        Some("timeout") => "timeout",
        Some("error" | "failure") => "error",
        Some(_) | None if l.evidence.contains(FailureReason::LambdaTimeout) => "timeout",
        Some(_) | None if !l.evidence.is_empty() => "error",
        _ => "success",
    });
    let failure_reason = l.evidence.winner();
    LambdaRecord {
        kind: "lambda",
        request_id: l.request_id.clone(),
        function_name: l.function_name.clone(),
        status,
        error_type: report
            .and_then(|r| r.error_type.clone())
            .or_else(|| l.error_type.clone()),
        duration_ms: report.and_then(|r| r.duration_ms),
        billed_duration_ms: report.and_then(|r| r.billed_duration_ms),
        memory_size_mb: report.and_then(|r| r.memory_size_mb),
        max_memory_used_mb: report.and_then(|r| r.max_memory_used_mb),
        init_duration_ms: report.and_then(|r| r.init_duration_ms),
        xray_trace_id: l.xray_trace_id.clone(),
        api_request_id: api_request_id.or_else(|| l.api_request_id.clone()),
        failure_reason,
        failure_detail: failure_reason.and_then(|r| detail_for(&l.details, r)),
        first_timestamp_ms: l.first_timestamp_ms,
        last_timestamp_ms: l.last_timestamp_ms,
        line_count: l.line_count,
    }
}

/// Fragments from any number of batches, merged by request ID and joined API ↔ Lambda.
#[derive(Debug, Default)]
pub struct Joined<'a> {
    api: Vec<ApiState<'a>>,
    lambda: Vec<LambdaState<'a>>,
    api_index: HashMap<Cow<'a, str>, usize>,
    lambda_index: HashMap<Cow<'a, str>, usize>,
}

impl<'a> Joined<'a> {
    /// Adds one batch's fragments.
    pub fn add_batch(&mut self, batch: ParsedBatch<'a>) {
        for s in batch.api {
            self.add_api(s);
        }
        for s in batch.lambda {
            self.add_lambda(s);
        }
    }

    /// Adds (merges) one API fragment.
    pub fn add_api(&mut self, s: ApiState<'a>) {
        match self.api_index.get(&s.request_id) {
            Some(&i) => self.api[i].merge(s),
            None => {
                self.api_index.insert(s.request_id.clone(), self.api.len());
                self.api.push(s);
            }
        }
    }

    /// Adds (merges) one Lambda fragment.
    pub fn add_lambda(&mut self, s: LambdaState<'a>) {
        match self.lambda_index.get(&s.request_id) {
            Some(&i) => self.lambda[i].merge(s),
            None => {
                self.lambda_index.insert(s.request_id.clone(), self.lambda.len());
                self.lambda.push(s);
            }
        }
    }

    /// The merged API states.
    pub fn api_states(&self) -> &[ApiState<'a>] {
        &self.api
    }

    /// The merged Lambda states.
    pub fn lambda_states(&self) -> &[LambdaState<'a>] {
        &self.lambda
    }

    /// The Lambda invocation joined to `api`, if its logs are here.
    pub fn lambda_of(&self, api: &ApiState<'a>) -> Option<&LambdaState<'a>> {
        api.lambda_request_id
            .as_ref()
            .and_then(|id| self.lambda_index.get(id))
            .map(|&i| &self.lambda[i])
    }

    /// Classified records, API requests then Lambda invocations, each in time order.
    pub fn records(&self) -> (Vec<ApiRecord<'a>>, Vec<LambdaRecord<'a>>) {
        let mut api: Vec<ApiRecord<'a>> = self.api.iter().map(|a| classify_api(a, self.lambda_of(a))).collect();
        api.sort_by(|a, b| (a.first_timestamp_ms, &a.request_id).cmp(&(b.first_timestamp_ms, &b.request_id)));
        let served_by: HashMap<&str, &Cow<'a, str>> = self
            .api
            .iter()
            .filter_map(|a| a.lambda_request_id.as_deref().map(|l| (l, &a.request_id)))
            .collect();
        let mut lambda: Vec<LambdaRecord<'a>> = self
            .lambda
            .iter()
            .map(|l| classify_lambda(l, served_by.get(&*l.request_id).map(|c| (*c).clone())))
            .collect();
        lambda.sort_by(|a, b| (a.first_timestamp_ms, &a.request_id).cmp(&(b.first_timestamp_ms, &b.request_id)));
        (api, lambda)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Report;

    fn api(f: impl FnOnce(&mut ApiState<'static>)) -> ApiState<'static> {
        let mut s = ApiState::new("r");
        s.touch(1);
        f(&mut s);
        s
    }

    #[test]
    fn success_has_no_reason_even_with_stray_evidence() {
        let r = classify_api(&api(|s| s.status = Some(200)), None);
        assert_eq!((r.status, r.failure_reason), (Some(200), None));
        let r = classify_api(
            &api(|s| {
                s.status = Some(200);
                s.add_evidence(FailureReason::LambdaError, 1, "x".into());
            }),
            None,
        );
        assert_eq!(r.failure_reason, None);
    }

    #[test]
    fn generic_reasons_depend_on_the_backend() {
        let cases = [
            (502, None, None, FailureReason::Other5XX),
            (404, None, None, FailureReason::Other4XX),
            (500, Some(503), None, FailureReason::Backend5XX),
            (404, Some(404), None, FailureReason::Backend4XX),
            (503, None, Some((false, 503)), FailureReason::Backend5XX),
            (502, None, Some((true, 200)), FailureReason::Other5XX),
        ];
        for (status, backend, integration, want) in cases {
            let r = classify_api(
                &api(|s| {
                    s.status = Some(status);
                    s.backend_status = backend;
                    if let Some((lambda, st)) = integration {
                        s.lambda_integration = Some(lambda);
                        s.integration_status = Some(st);
                    }
                }),
                None,
            );
            assert_eq!(r.failure_reason, Some(want), "{status} {backend:?} {integration:?}");
        }
    }

    #[test]
    fn evidence_implies_a_status_when_no_completion_line_was_seen() {
        let r = classify_api(
            &api(|s| s.add_evidence(FailureReason::Unauthorized, 1, "Unauthorized request: r".into())),
            None,
        );
        assert_eq!(
            (r.status, r.failure_reason, r.complete),
            (Some(401), Some(FailureReason::Unauthorized), false)
        );
        let r = classify_api(
            &api(|s| {
                s.gateway_response_status = Some(500);
                s.add_evidence(
                    FailureReason::AuthorizerError,
                    1,
                    "Gateway response type: AUTHORIZER_FAILURE".into(),
                );
            }),
            None,
        );
        assert_eq!(r.status, Some(500));
    }

    #[test]
    fn joined_out_of_memory_upgrades_a_function_error() {
        let a = api(|s| {
            s.status = Some(502);
            s.lambda_request_id = Some("l".into());
            s.add_evidence(FailureReason::LambdaError, 1, "customer function error".into());
        });
        let mut l = LambdaState::new("l");
        l.add_evidence(FailureReason::LambdaOutOfMemory, 2, "signal: killed".into());
        l.report = Some(Report {
            status: Some("error".into()),
            ..Report::default()
        });
        let r = classify_api(&a, Some(&l));
        assert_eq!(r.failure_reason, Some(FailureReason::LambdaOutOfMemory));
        assert_eq!(r.failure_detail.as_deref(), Some("signal: killed"));
        assert_eq!(classify_api(&a, None).failure_reason, Some(FailureReason::LambdaError));
        let lr = classify_lambda(&l, None);
        assert_eq!(
            (lr.status, lr.failure_reason),
            (Some("error"), Some(FailureReason::LambdaOutOfMemory))
        );
    }

    #[test]
    fn lambda_status_is_null_without_a_report() {
        let mut l = LambdaState::new("l");
        l.add_evidence(
            FailureReason::LambdaTimeout,
            1,
            "Task timed out after 1.00 seconds".into(),
        );
        assert_eq!(classify_lambda(&l, None).status, None);
        l.report = Some(Report::default());
        assert_eq!(classify_lambda(&l, None).status, Some("timeout"));
    }
}
