//! Rules for streamed responses (REST response streaming, November 2025): a stream cut after its success
//! status was sent, the streaming integration timeout or 15-minute limit, and the idle timeout. The numbers
//! are the timings the access record's failure detail carries (`integration.timeToAllHeaders=…;
//! integration.latency=…`, written by the access parser). Pure.

use super::{Diagnosis, Evidence, FactValue as V, read};
use crate::parse::MAX_STREAM_MS;

const TROUBLESHOOT_DOC: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/response-streaming-troubleshoot.html";
const LIMITS_DOC: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html";

/// The idle timeout of a stream on a Regional or private endpoint: 5 minutes; on an edge-optimized one: 30
/// seconds (API Gateway Developer Guide, "Stream the integration response for your proxy integrations").
pub(super) const IDLE_TIMEOUT_REGIONAL_MS: u64 = 5 * 60 * 1000;
/// See [`IDLE_TIMEOUT_REGIONAL_MS`].
pub(super) const IDLE_TIMEOUT_EDGE_MS: u64 = 30 * 1000;

const SOURCE: &str = "access log (streamed response)";

/// The stream's timings from the detail line: when the headers came and when the stream ended.
fn timings(e: &Evidence<'_>) -> (Option<u64>, Option<u64>) {
    let ms = |key: &str| e.lines().find_map(|l| read::token_after(l, key)?.parse::<u64>().ok());
    (ms("integration.timeToAllHeaders="), ms("integration.latency="))
}

fn with_timings(mut d: Diagnosis, headers: Option<u64>, ended: Option<u64>) -> Diagnosis {
    if let Some(h) = headers {
        d = d.fact("time_to_all_headers_ms", V::Int(h), SOURCE);
    }
    if let Some(l) = ended {
        d = d.fact("integration_latency_ms", V::Int(l), SOURCE);
    }
    d
}

fn ended_at(ended: Option<u64>) -> String {
    ended.map_or_else(String::new, |l| format!(" at {l} ms"))
}

/// `StreamInterrupted`: the stream failed after API Gateway had sent a success status and its headers.
pub(super) fn interrupted(e: &Evidence<'_>) -> Diagnosis {
    let (headers, ended) = timings(e);
    let status = e
        .status
        .map_or_else(|| "a success status".to_string(), |s| format!("status {s}"));
    let d = Diagnosis::new(
        format!(
            "the response was streamed: the client got {status} and its headers, then the stream broke{}, so the body it got is cut",
            ended_at(ended)
        ),
        "find why the integration stopped writing (the function's log at that time: an error, a crash or its own timeout after it began streaming); clients must treat a streamed body as incomplete until it ends cleanly",
        TROUBLESHOOT_DOC,
    )
    .next("the integration's own log at the time the stream ended says what broke it; the access record only says that it did");
    let d = match e.status {
        Some(s) => d.fact("status", V::Int(u64::from(s)), SOURCE),
        None => d,
    };
    with_timings(d, headers, ended)
}

/// `StreamTimeout`: no headers within the streaming integration timeout, or the stream reached the
/// 15-minute limit.
pub(super) fn timeout(e: &Evidence<'_>) -> Diagnosis {
    let (headers, ended) = timings(e);
    let at_limit = ended.is_some_and(|l| l >= MAX_STREAM_MS);
    let (cause, fix) = if at_limit {
        (
            format!(
                "the stream ran to API Gateway's streaming limit ({MAX_STREAM_MS} ms){} and was cut",
                ended_at(ended)
            ),
            "a response cannot stream longer than API Gateway's limit: split the work, or hand it off and let the client fetch the result",
        )
    } else {
        (
            format!(
                "the integration sent no status and headers before the streaming integration timeout{}; the client got a timeout",
                ended_at(ended)
            ),
            "send the status and headers as soon as the work starts (then stream the body), or raise the integration's timeout (up to 15 minutes for a streaming integration)",
        )
    };
    let d = Diagnosis::new(cause, fix, LIMITS_DOC).fact(
        "stream_limit_ms",
        V::Int(MAX_STREAM_MS),
        "API Gateway's streaming limit (response-transfer-mode)",
    );
    with_timings(d, headers, ended)
}

/// `StreamIdleTimeout`: the stream had started and was cut when no data came for the idle timeout.
pub(super) fn idle_timeout(e: &Evidence<'_>) -> Diagnosis {
    let (headers, ended) = timings(e);
    let d = Diagnosis::new(
        format!(
            "the stream had started and was cut{} when no data came for the idle timeout ({IDLE_TIMEOUT_REGIONAL_MS} ms on a Regional or private endpoint, {IDLE_TIMEOUT_EDGE_MS} ms on an edge-optimized one)",
            ended_at(ended)
        ),
        "write to the stream more often than the idle timeout (a keep-alive chunk or progress event while the slow call runs), or use a Regional endpoint for its longer idle timeout",
        LIMITS_DOC,
    )
    .fact("idle_timeout_regional_ms", V::Int(IDLE_TIMEOUT_REGIONAL_MS), "API Gateway's streaming idle timeout (response-transfer-mode)")
    .fact("idle_timeout_edge_ms", V::Int(IDLE_TIMEOUT_EDGE_MS), "API Gateway's streaming idle timeout (response-transfer-mode)")
    .next("the endpoint type (which idle timeout applied) is not in the log: the API's endpoint configuration says it");
    with_timings(d, headers, ended)
}
