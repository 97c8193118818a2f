//! Rules for the generic reasons: the backend's own error statuses and API Gateway's unclassified ones.
//! The logs name no cause, so these rules say where to look. Pure.

use super::{Diagnosis, Evidence, FactValue as V};

const BACKEND_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-find-rest-api-errors";

fn with_status(d: Diagnosis, e: &Evidence<'_>) -> Diagnosis {
    match e.status {
        Some(s) => d.fact("status", V::Int(u64::from(s)), "completion line or access log"),
        None => d,
    }
}

/// `Backend5XX`: the backend answered a 5XX itself (a Lambda proxy response's `statusCode`, an HTTP
/// backend's status): API Gateway passed it on.
pub(super) fn backend_5xx(e: &Evidence<'_>) -> Diagnosis {
    let d = Diagnosis::new(
        "the backend itself answered with a server error; API Gateway passed it on",
        "fix the backend's error: it chose this status",
        BACKEND_DOC,
    )
    .next("the backend's own log for this request (the function's log, for a Lambda proxy) says why it answered 5XX");
    with_status(d, e)
}

/// `Backend4XX`: the backend refused the request itself.
pub(super) fn backend_4xx(e: &Evidence<'_>) -> Diagnosis {
    let d = Diagnosis::new(
        "the backend itself refused the request with a client error",
        "correct the request the client sends, or the backend's validation if it should pass",
        BACKEND_DOC,
    )
    .next("the backend's answer (data tracing's `Endpoint response body`) or its log says what it refused");
    with_status(d, e)
}

/// `Other5XX`: a server error with no phrase the taxonomy knows.
pub(super) fn other_5xx(e: &Evidence<'_>) -> Diagnosis {
    let d = Diagnosis::new(
        "API Gateway answered a server error that its logs do not explain",
        "none can be named from these logs",
        BACKEND_DOC,
    )
    .next("turn the stage's execution logging to INFO (apigw-logs setup-logging) so the next one logs its cause; the access log's $context.error.responseType and $context.integration.error narrow it");
    with_status(d, e)
}

/// `Other4XX`: a client error with no phrase the taxonomy knows.
pub(super) fn other_4xx(e: &Evidence<'_>) -> Diagnosis {
    let d = Diagnosis::new(
        "API Gateway refused the request for a reason its logs do not name",
        "none can be named from these logs",
        BACKEND_DOC,
    )
    .next("the access log's $context.error.responseType and $context.error.message name the gateway response; execution logging at INFO logs the check that failed");
    with_status(d, e)
}
