//! Classification: merged evidence → the public records (`kind: "api"` / `kind: "lambda"` of
//! `docs/reference.md`), applying `docs/failure-reasons.md`. The pipeline classifies each parsed batch once
//! ([`classify_batch`]); the index layout and the metrics both read the result. Reads join first
//! (`join.rs`) and classify the merged fragments the same way.
//!
//! Classification depends only on the merged evidence set, the statuses and the join, never on the order
//! lines arrived in. Pure.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::fragment::{ApiFragment, FragmentCore, LambdaFragment, ReportStatus};
use crate::parse::{ParseStats, ParsedBatch};
use crate::reason::{EvidenceSet, FailureReason};
use crate::record::{ApiRecord, LambdaRecord, LambdaStatus};
use crate::redact::Redacted;

fn detail_for<'a>(core: &FragmentCore<'a>, reason: FailureReason) -> Option<Redacted<'a>> {
    core.detail(reason).cloned()
}

/// One API fragment of a batch with its record.
#[derive(Debug, Clone)]
pub struct ClassifiedApi<'a> {
    /// What the batch said.
    pub fragment: ApiFragment<'a>,
    /// What that means, classified on this batch's evidence alone.
    pub record: ApiRecord<'a>,
}

/// One Lambda fragment of a batch with its record.
#[derive(Debug, Clone)]
pub struct ClassifiedLambda<'a> {
    /// What the batch said.
    pub fragment: LambdaFragment<'a>,
    /// What that means, classified on this batch's evidence alone.
    pub record: LambdaRecord<'a>,
}

/// One batch, classified: the input of the index layout and of the metrics.
#[derive(Debug, Default)]
pub struct ClassifiedBatch<'a> {
    /// API fragments, in order of first appearance.
    pub api: Vec<ClassifiedApi<'a>>,
    /// Lambda fragments, in order of first appearance.
    pub lambda: Vec<ClassifiedLambda<'a>>,
    /// Invocations whose START and REPORT are both in this batch (`ParsedBatch::whole_invocations`).
    pub whole_invocations: HashSet<&'a str>,
    /// The parser's counts.
    pub stats: ParseStats,
}

/// Classifies every fragment of one batch on that batch's evidence. Each batch is processed on its own:
/// joins across batches and log groups happen at read time, through the index's keys.
pub fn classify_batch(batch: ParsedBatch<'_>) -> ClassifiedBatch<'_> {
    ClassifiedBatch {
        api: batch
            .api
            .into_iter()
            .map(|fragment| ClassifiedApi {
                record: classify_api(&fragment, None),
                fragment,
            })
            .collect(),
        lambda: batch
            .lambda
            .into_iter()
            .map(|fragment| ClassifiedLambda {
                record: classify_lambda(&fragment, None),
                fragment,
            })
            .collect(),
        whole_invocations: batch.whole_invocations,
        stats: batch.stats,
    }
}

/// The status and reason of an API request, given the Lambda invocation it was joined to (if any).
pub fn classify_api<'a>(api: &ApiFragment<'a>, lambda: Option<&LambdaFragment<'a>>) -> ApiRecord<'a> {
    let mut evidence = api.core.evidence();
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
        evidence.union(l.core.evidence());
        // A streamed response whose function failed after API Gateway sent a success status: the client got
        // the status and headers, then a cut stream.
        if api.streamed == Some(true) && api.status.is_some_and(|s| s < 400) && !l.core.evidence().is_empty() {
            evidence.insert(FailureReason::StreamInterrupted);
        }
    }
    let status = api
        .status
        .or(api.gateway_response_status)
        .or_else(|| evidence.winner().and_then(FailureReason::implied_status));
    let (failure_reason, failure_detail) = match reason_for(status, evidence, api) {
        Some(r) => {
            let detail = detail_for(&api.core, r)
                .or_else(|| lambda.and_then(|l| detail_for(&l.core, r)))
                .or_else(|| {
                    (r == FailureReason::LambdaThrottled)
                        .then(|| detail_for(&api.core, FailureReason::MalformedProxyResponse))
                        .flatten()
                })
                .or_else(|| {
                    // A stream the function cut: the function's own evidence line says how.
                    let l = lambda.filter(|_| r == FailureReason::StreamInterrupted)?;
                    detail_for(&l.core, l.core.evidence().winner()?)
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
        route_key: api.route_key.clone(),
        connection_id: api.connection_id.clone(),
        event_type: api.event_type.clone(),
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
        first_timestamp_ms: api.core.first_timestamp_ms(),
        last_timestamp_ms: api.core.last_timestamp_ms(),
        complete: api.complete,
        line_count: api.core.line_count(),
    }
}

fn reason_for(status: Option<u16>, evidence: EvidenceSet, api: &ApiFragment<'_>) -> Option<FailureReason> {
    match status {
        // API Gateway answered with a success: whatever went wrong on the way, the request did not fail,
        // unless it was a streamed response cut after that status was sent.
        Some(s) if s < 400 => FailureReason::STREAM_CUT.into_iter().find(|r| evidence.contains(*r)),
        Some(s) => Some(evidence.winner().unwrap_or_else(|| generic_reason(s, api))),
        None => evidence.winner(),
    }
}

/// `Backend*` when the integration itself answered with the same class of status, else `Other*`.
fn generic_reason(status: u16, api: &ApiFragment<'_>) -> FailureReason {
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
pub fn classify_lambda<'a>(l: &LambdaFragment<'a>, api_request_id: Option<Cow<'a, str>>) -> LambdaRecord<'a> {
    let report = l.report.as_ref();
    let evidence = l.core.evidence();
    let status = report.map(|r| match r.status {
        Some(ReportStatus::Timeout) => LambdaStatus::Timeout,
        Some(ReportStatus::Error | ReportStatus::Failure) => LambdaStatus::Error,
        _ if evidence.contains(FailureReason::LambdaTimeout) => LambdaStatus::Timeout,
        _ if !evidence.is_empty() => LambdaStatus::Error,
        _ => LambdaStatus::Success,
    });
    let failure_reason = evidence.winner();
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
        api_request_id_source: match (&api_request_id, &l.api_request_id) {
            (Some(_), _) => Some("api_gateway"),
            (None, Some(_)) => Some("function_log"),
            (None, None) => None,
        },
        api_request_id: api_request_id.or_else(|| l.api_request_id.clone()),
        failure_reason,
        failure_detail: failure_reason.and_then(|r| detail_for(&l.core, r)),
        first_timestamp_ms: l.core.first_timestamp_ms(),
        last_timestamp_ms: l.core.last_timestamp_ms(),
        line_count: l.core.line_count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fragment::Report;

    fn api(f: impl FnOnce(&mut ApiFragment<'static>)) -> ApiFragment<'static> {
        let mut s = ApiFragment::new("r");
        s.core.touch(1);
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
                s.core.add_evidence(FailureReason::LambdaError, 1, "x".into());
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
            &api(|s| {
                s.core
                    .add_evidence(FailureReason::Unauthorized, 1, "Unauthorized request: r".into())
            }),
            None,
        );
        assert_eq!(
            (r.status, r.failure_reason, r.complete),
            (Some(401), Some(FailureReason::Unauthorized), false)
        );
        let r = classify_api(
            &api(|s| {
                s.gateway_response_status = Some(500);
                s.core.add_evidence(
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
            s.core
                .add_evidence(FailureReason::LambdaError, 1, "customer function error".into());
        });
        let mut l = LambdaFragment::new("l");
        l.core
            .add_evidence(FailureReason::LambdaOutOfMemory, 2, "signal: killed".into());
        l.report = Some(Report {
            status: Some(ReportStatus::Error),
            ..Report::default()
        });
        let r = classify_api(&a, Some(&l));
        assert_eq!(r.failure_reason, Some(FailureReason::LambdaOutOfMemory));
        assert_eq!(r.failure_detail.as_deref(), Some("signal: killed"));
        assert_eq!(classify_api(&a, None).failure_reason, Some(FailureReason::LambdaError));
        let lr = classify_lambda(&l, None);
        assert_eq!(
            (lr.status, lr.failure_reason),
            (Some(LambdaStatus::Error), Some(FailureReason::LambdaOutOfMemory))
        );
    }

    #[test]
    fn lambda_status_is_null_without_a_report() {
        let mut l = LambdaFragment::new("l");
        l.core.add_evidence(
            FailureReason::LambdaTimeout,
            1,
            "Task timed out after 1.00 seconds".into(),
        );
        assert_eq!(classify_lambda(&l, None).status, None);
        l.report = Some(Report::default());
        assert_eq!(classify_lambda(&l, None).status, Some(LambdaStatus::Timeout));
    }
}
