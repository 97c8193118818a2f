//! Rules for the reasons a Lambda integration's function causes: out of memory, timeout, throttled, an
//! unhandled error, a malformed proxy response. Pure.

use super::{Configuration, Diagnosis, Evidence, FactValue as V, read};
use crate::record::LambdaStatus;

const MEMORY_DOC: &str = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html";
const TIMEOUT_DOC: &str = "https://repost.aws/knowledge-center/lambda-troubleshoot-invocation-timeouts";
const THROTTLE_DOC: &str = "https://repost.aws/knowledge-center/lambda-troubleshoot-throttling";
const ERROR_DOC: &str = "https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-execution.html";
const MALFORMED_DOC: &str = "https://repost.aws/knowledge-center/malformed-502-api-gateway";

/// Where the invocation's own lines are, for a `next` that names them.
fn function_log(e: &Evidence<'_>) -> String {
    match e.invocation.as_ref() {
        Some(i) => format!(
            "the log of invocation {} ({})",
            i.request_id,
            i.function_name
                .map_or_else(|| "its function".into(), |f| format!("/aws/lambda/{f}"))
        ),
        None => match e.lambda_request_id {
            Some(id) => format!("the log of invocation {id} (its function's log was not among the logs read)"),
            None => "the function's log (/aws/lambda/<function>; the request's logs name no invocation)".into(),
        },
    }
}

/// `LambdaOutOfMemory`: REPORT's `Max Memory Used` against `Memory Size`.
pub(super) fn out_of_memory(e: &Evidence<'_>, cfg: &Configuration) -> Diagnosis {
    let inv = e.invocation.as_ref();
    let used = inv.and_then(|i| i.max_memory_used_mb);
    let (size, size_source) = match (inv.and_then(|i| i.memory_size_mb), cfg.function_memory_mb) {
        (Some(s), _) => (Some(s), "REPORT Memory Size"),
        (None, Some(s)) => (Some(s), "GetFunctionConfiguration MemorySize"),
        (None, None) => (None, ""),
    };
    let cause = match (used, size) {
        (Some(u), Some(s)) => format!("the function used {u} of its {s} MB and Lambda stopped it (out of memory)"),
        (None, Some(s)) => format!("the function ran out of its {s} MB and Lambda stopped it"),
        _ => "the function ran out of memory and Lambda stopped it".into(),
    };
    let fix = match size {
        Some(s) => format!(
            "raise MemorySize above {s} MB (CPU grows with it), or find what keeps growing (large payloads read whole, caches across invocations)"
        ),
        None => "raise MemorySize (CPU grows with it), or find what keeps growing (large payloads read whole, caches across invocations)".into(),
    };
    let mut d = Diagnosis::new(cause, fix, MEMORY_DOC);
    if let Some(u) = used {
        d = d.fact("max_memory_used_mb", V::Int(u), "REPORT Max Memory Used");
    }
    if let Some(s) = size {
        d = d.fact("memory_size_mb", V::Int(s), size_source);
    }
    // The configuration now, when it differs from what the invocation ran with (changed since).
    if let Some(c) = cfg.function_memory_mb.filter(|c| size != Some(*c)) {
        d = d.fact("configured_memory_mb", V::Int(c), "GetFunctionConfiguration MemorySize");
    }
    if used.is_none() {
        d = d.next(format!(
            "the REPORT line was not seen; {} has Max Memory Used and Memory Size",
            function_log(e)
        ));
    }
    d
}

/// `LambdaTimeout`: REPORT `Duration` against the timeout Lambda states (`Task timed out after N seconds`)
/// or the function's configured `Timeout`.
pub(super) fn timeout(e: &Evidence<'_>, cfg: &Configuration) -> Diagnosis {
    let inv = e.invocation.as_ref();
    let stated = e.lines().find_map(read::timed_out_after_ms);
    let (limit, limit_source) = match (stated, cfg.function_timeout_s) {
        (Some(t), _) => (Some(t), "evidence line (Task timed out after)"),
        (None, Some(s)) => (Some(s * 1000), "GetFunctionConfiguration Timeout"),
        (None, None) => (None, ""),
    };
    let ran = inv.and_then(|i| i.duration_ms);
    let cause = match (ran, limit) {
        (Some(d), Some(t)) => format!("the function ran {d:.0} ms of its {t} ms timeout and Lambda stopped it"),
        (None, Some(t)) => format!("the function did not finish within its {t} ms timeout"),
        (Some(d), None) => format!("the function ran {d:.0} ms, its whole timeout, and Lambda stopped it"),
        (None, None) => "the function did not finish within its timeout".into(),
    };
    let trace = e.xray_trace_id;
    let slow_call = match trace {
        Some(t) => format!("or find the slow call in trace {t}"),
        None => "or find the slow call (a downstream call without its own shorter timeout is the usual one)".into(),
    };
    let fix = match limit {
        Some(t) => format!(
            "raise Timeout above {t} ms if the work needs it (behind API Gateway, below the integration timeout), {slow_call}"
        ),
        None => format!(
            "raise Timeout if the work needs it (behind API Gateway, below the integration timeout), {slow_call}"
        ),
    };
    let mut d = Diagnosis::new(cause, fix, TIMEOUT_DOC);
    if let Some(r) = ran {
        d = d.fact("duration_ms", V::Float(r), "REPORT Duration");
    }
    if let Some(t) = limit {
        d = d.fact("timeout_ms", V::Int(t), limit_source);
    }
    if let Some(c) = cfg.function_timeout_s.filter(|c| limit != Some(c * 1000)) {
        d = d.fact("configured_timeout_s", V::Int(c), "GetFunctionConfiguration Timeout");
    }
    if let Some(init) = inv.and_then(|i| i.init_duration_ms) {
        d = d.fact("init_duration_ms", V::Float(init), "REPORT Init Duration");
    }
    if trace.is_none() {
        d = d.next(format!(
            "no trace ID was logged; {} shows how far the function got, and active tracing would show which call was slow",
            function_log(e)
        ));
    }
    d
}

/// `LambdaThrottled`: Lambda's Invoke API answered 429.
pub(super) fn throttled(e: &Evidence<'_>) -> Diagnosis {
    let reserved = e
        .lines()
        .any(|l| l.contains("ReservedFunctionConcurrentInvocationLimitExceeded"));
    let (cause, fix) = if reserved {
        (
            "Lambda refused to start the invocation: the function's reserved concurrency was in use (ReservedFunctionConcurrentInvocationLimitExceeded)",
            "raise the function's reserved concurrency, or throttle the API's stage or usage plan below it",
        )
    } else {
        (
            "Lambda refused to start the invocation (Invoke answered 429): the function's reserved concurrency or the Region's concurrency quota was in use",
            "raise the function's reserved concurrency or the account's concurrent executions quota (Service Quotas), or throttle the API's stage below it",
        )
    };
    let mut d = Diagnosis::new(cause, fix, THROTTLE_DOC);
    if reserved {
        d = d.fact(
            "throttle_reason",
            V::Text("ReservedFunctionConcurrentInvocationLimitExceeded".into()),
            "evidence line",
        );
    } else {
        d = d.next(
            "which limit was hit is not logged: the function's Throttles and ConcurrentExecutions metrics and the account's ConcurrentExecutions for that minute tell",
        );
    }
    d
}

/// `LambdaError`: the function failed (an unhandled error, a crash, an init failure).
pub(super) fn error(e: &Evidence<'_>) -> Diagnosis {
    let inv = e.invocation.as_ref();
    let error_type = inv.and_then(|i| i.error_type);
    let crashed = e
        .lines()
        .any(|l| l.contains("Process exited before completing request"));
    let cause = match error_type {
        Some(t) if t.starts_with("Runtime.ImportModule") || t.starts_with("Runtime.HandlerNotFound") => {
            format!("the function could not load its handler ({t})")
        }
        Some(t) if t.starts_with("Runtime.ExitError") => format!("the function's process exited ({t})"),
        Some(t) => format!("the function failed with an unhandled {t}"),
        None if crashed => {
            "the function's process exited before it answered (a crash, or an out-of-memory kill on an older runtime)"
                .into()
        }
        None => "the function failed with an unhandled error".into(),
    };
    let fix = match error_type {
        Some(t) if t.starts_with("Runtime.ImportModule") || t.starts_with("Runtime.HandlerNotFound") => {
            "deploy a package whose Handler setting names a function it contains, with its dependencies".to_string()
        }
        _ => "fix the failing code path, and answer errors the client can act on with a proxy response (statusCode 4XX/5XX) instead of throwing".into(),
    };
    let mut d = Diagnosis::new(cause, fix, ERROR_DOC);
    if let Some(t) = error_type {
        d = d.fact("error_type", V::Text(t.into()), "REPORT or error record Error Type");
    }
    if let Some(r) = inv.and_then(|i| i.duration_ms) {
        d = d.fact("duration_ms", V::Float(r), "REPORT Duration");
    }
    d.next(format!("the stack trace is in {}", function_log(e)))
}

/// `MalformedProxyResponse`: API Gateway could not read the function's answer as a proxy response.
pub(super) fn malformed(e: &Evidence<'_>) -> Diagnosis {
    let inv = e.invocation.as_ref();
    let failed = inv.and_then(|i| i.status).filter(|s| *s != LambdaStatus::Success);
    let cause = match failed {
        Some(s) => format!(
            "the function ended with {s}, so its answer was an error object, not a proxy response"
        ),
        None => "the function's answer is not a proxy response: API Gateway needs a JSON object with an integer statusCode, a string body, string header values and a boolean isBase64Encoded".into(),
    };
    let fix = "return {\"statusCode\": 200, \"headers\": {…}, \"body\": JSON.stringify(result)} on every code path, errors included (a body that is an object, a missing statusCode or a bare string are the usual mistakes)";
    let mut d = Diagnosis::new(cause, fix, MALFORMED_DOC);
    if let Some(s) = failed {
        d = d.fact("invocation_status", V::Text(s.as_str().into()), "REPORT Status");
    }
    d.next(
        "what the function returned is not stored (bodies are kept as size and hash): with the stage's data tracing on, the execution log's `Endpoint response body before transformations` line shows it; or invoke the function with the same event",
    )
}
