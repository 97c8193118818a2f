//! One API request of the traffic: what API Gateway and the function log for it, and its ground truth.
//!
//! About 90% of requests reach the function, which sleeps 250–1500 ms under a 1 s timeout: those under 1 s
//! succeed (200), the others end in a Lambda timeout (502). The other 10% are spread evenly over six less
//! common outcomes, so every classifier path is exercised: Lambda throttled, malformed proxy response, an
//! unhandled function error, usage-plan key throttle, unauthorized, integration timeout.

use crate::environment::Environments;
use crate::rng::{Rng, round2};
use crate::shape::{ACCOUNT, API_ID, FUNCTION, REGION, STAGE, cut};
use crate::text;

/// How a request ends, drawn per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The function answered in time: 200.
    Ok,
    /// The function ran past its 1 s timeout: 502 `LambdaTimeout`.
    Timeout,
    /// Lambda throttled the invocation: 500 `LambdaThrottled`.
    ThrottledLambda,
    /// The function's answer is not a proxy response: 502 `MalformedProxyResponse`.
    Malformed,
    /// The function threw: 502 `LambdaError`.
    Error,
    /// The usage plan's key throttle refused it: 429 `Throttled`.
    KeyThrottle,
    /// The authorizer refused it: 401 `Unauthorized`.
    Unauthorized,
    /// The integration did not answer within 29 s: 504 `IntegrationTimeout`.
    IntegrationTimeout,
}

/// The rare outcomes, drawn evenly for the 10% of requests that do not simply succeed or time out.
pub const RARE: [Mode; 6] = [
    Mode::ThrottledLambda,
    Mode::Malformed,
    Mode::Error,
    Mode::KeyThrottle,
    Mode::Unauthorized,
    Mode::IntegrationTimeout,
];
/// Share of requests that reach the function and only depend on its sleep.
const COMMON_SHARE: f64 = 0.90;
/// The function's sleep range and timeout, in ms.
const SLEEP_MS: (f64, f64) = (250.0, 1500.0);
const TIMEOUT_MS: f64 = 1000.0;
/// The function's memory size, MB.
const MEMORY_SIZE_MB: u64 = 128;
/// The init duration range (ms) of a cold start (an invocation in a new execution environment).
const INIT_MS: (f64, f64) = (120.0, 260.0);

/// What the indexer must conclude about one API request: one line of `truth.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    /// The API Gateway request ID.
    pub request_id: String,
    /// The status the client received.
    pub status: u16,
    /// The failure reason (`None` for a success).
    pub failure_reason: Option<&'static str>,
    /// The Lambda request ID, when the function was invoked.
    pub lambda_request_id: Option<String>,
    /// What the function's REPORT line and the integration say, when it ran (in memory only: `truth.jsonl`
    /// keeps its four keys).
    pub invocation: Option<InvocationTruth>,
}

/// The figures of one invocation that ran: what the near-miss metrics are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvocationTruth {
    /// `Duration`, in hundredths of a millisecond (the REPORT line has two decimals).
    pub duration_centi_ms: u64,
    /// `Max Memory Used`, MB.
    pub max_memory_used_mb: u64,
    /// `Memory Size`, MB.
    pub memory_size_mb: u64,
    /// The function's timeout, ms.
    pub timeout_ms: u64,
    /// The integration latency API Gateway logs, ms.
    pub integration_latency_ms: u64,
}

/// A log line of a request, `offset_ms` after the request started.
pub type Line = (i64, String);

/// One request's lines, before they get event IDs and absolute timestamps.
#[derive(Debug, Clone)]
pub struct Draft {
    /// How it ends.
    pub mode: Mode,
    /// The execution-log lines, in the order API Gateway writes them.
    pub exec: Vec<Line>,
    /// The function's log lines (empty when it was not invoked).
    pub lambda: Vec<Line>,
    /// The execution environment whose log stream holds `lambda` (`None` when the function did not run).
    pub environment: Option<usize>,
    /// Its ground truth.
    pub truth: Truth,
}

/// The IDs of one request.
struct Ids {
    rid: String,
    lrid: String,
    ext: String,
    trace: String,
}

impl Ids {
    /// Prefixes an execution-log message with the request ID, as API Gateway does.
    fn p(&self, message: &str) -> String {
        format!("({}) {message}", self.rid)
    }

    fn truth(&self, status: u16, reason: Option<&'static str>, invoked: bool) -> Truth {
        Truth {
            request_id: self.rid.clone(),
            status,
            failure_reason: reason,
            lambda_request_id: invoked.then(|| self.lrid.clone()),
            invocation: None,
        }
    }
}

/// Draws one request arriving at `start_ms`; an invocation runs in one of `environments`. The order of draws
/// is part of the format: the same seed gives the same traffic.
pub fn draft(r: &mut Rng, start_ms: i64, environments: &mut Environments) -> Draft {
    let (rid, lrid) = (r.uuid(), r.uuid());
    let ext = r.hex(14) + "=";
    let trace = format!("1-{}-{}", r.hex(8), r.hex(24));
    let id = Ids { rid, lrid, ext, trace };
    let roll = r.unit();
    let sleep = r.uniform(SLEEP_MS.0, SLEEP_MS.1);
    let mode = if roll < COMMON_SHARE {
        if sleep < TIMEOUT_MS { Mode::Ok } else { Mode::Timeout }
    } else {
        *r.choose(&RARE)
    };
    let draft = |exec, lambda, truth| Draft {
        mode,
        exec,
        lambda,
        environment: None,
        truth,
    };
    let rid = &id.rid;
    let mut ex: Vec<Line> = vec![(0, id.p(&format!("Extended Request Id: {}", id.ext)))];
    if mode == Mode::Unauthorized {
        ex.extend([
            (1, id.p(&format!("Starting authorizer: abc123 for request: {rid}"))),
            (40, id.p(&format!("Unauthorized request: {rid}"))),
            (40, id.p(&format!("X-ray Tracing ID : Root={}", id.trace))),
        ]);
        return draft(ex, vec![], id.truth(401, Some("Unauthorized"), false));
    }
    ex.push((
        0,
        id.p(&format!(
            "Verifying Usage Plan for request: {rid}. API Key: API Stage: {API_ID}/{STAGE}"
        )),
    ));
    if mode == Mode::KeyThrottle {
        ex.extend([
            (1, id.p(&format!("Key throttle limit exceeded for RestApi {API_ID}, Stage {STAGE}, Resource k0w8mc, HttpMethod GET. Limit: 10.00 Burst: 5"))),
            (1, id.p("Method completed with status: 429")),
        ]);
        return draft(ex, vec![], id.truth(429, Some("Throttled"), false));
    }
    let uri = format!(
        "https://lambda.{REGION}.amazonaws.com/2015-03-31/functions/arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}/invocations"
    );
    let headers = text::method_request_headers(r, &id.trace);
    let body = text::proxy_event(rid, &id.ext, &id.trace);
    ex.extend([
        (1, id.p("API Key authorized because method 'GET /generate-data' does not require API Key. Request will not contribute to throttle or quota limits")),
        (1, id.p(&format!("Usage Plan check succeeded for API Key and API Stage {API_ID}/{STAGE}"))),
        (1, id.p(&format!("Starting execution for request: {rid}"))),
        (1, id.p("HTTP Method: GET, Resource Path: /generate-data")),
        (1, id.p("Method request path: {}")),
        (1, id.p("Method request query string: {}")),
        (1, cut(id.p(&format!("Method request headers: {headers}")))),
        (1, id.p("Method request body before transformations: ")),
        (1, id.p(&format!("Endpoint request URI: {uri}"))),
        (1, cut(id.p(&text::endpoint_request_headers(r, rid)))),
        (1, cut(id.p(&format!("Endpoint request body after transformations: {body}")))),
        (2, id.p(&format!("Sending request to {uri}"))),
    ]);
    let st = 2;
    if mode == Mode::IntegrationTimeout {
        ex.extend([
            (29_002, id.p("Execution failed due to a timeout error")),
            (29_002, id.p("Method completed with status: 504")),
        ]);
        return draft(ex, vec![], id.truth(504, Some("IntegrationTimeout"), false));
    }
    if mode == Mode::ThrottledLambda {
        ex.extend([
            (
                st + 5,
                id.p(&format!(
                    "Lambda invocation failed with status: 429. Lambda request id: {}",
                    id.lrid
                )),
            ),
            (
                st + 5,
                id.p("Execution failed due to configuration error: Rate Exceeded."),
            ),
            (st + 5, id.p("Method completed with status: 500")),
        ]);
        return draft(ex, vec![], id.truth(500, Some("LambdaThrottled"), true));
    }
    let dur = match mode {
        Mode::Timeout => TIMEOUT_MS,
        Mode::Malformed | Mode::Error => round2(r.uniform(5.0, 40.0)),
        _ => round2(sleep),
    };
    let mut invoked = Invoked {
        st,
        lat: 0,
        dur,
        init: None,
    };
    let placement = environments.place(r, start_ms + invoked.ts0(), start_ms + invoked.end_at());
    invoked.init = placement.cold.then(|| round2(r.uniform(INIT_MS.0, INIT_MS.1)));
    invoked.lat = (dur + invoked.init.unwrap_or(0.0) + r.uniform(15.0, 45.0)) as i64;
    let (exec_tail, lambda, truth, status_field) = invoked.outcome(r, mode, &id);
    ex.extend(exec_tail);
    let (lambda, max_memory_used_mb) = invoked.lambda_lines(r, &id, lambda, status_field);
    let truth = Truth {
        invocation: Some(InvocationTruth {
            duration_centi_ms: (invoked.dur * 100.0).round() as u64,
            max_memory_used_mb,
            memory_size_mb: MEMORY_SIZE_MB,
            timeout_ms: TIMEOUT_MS as u64,
            integration_latency_ms: invoked.lat as u64,
        }),
        ..truth
    };
    Draft {
        environment: Some(placement.index),
        ..draft(ex, lambda, truth)
    }
}

/// Timing of a request that reached the function.
struct Invoked {
    /// When API Gateway sent the request (ms after the start).
    st: i64,
    /// The integration latency API Gateway reports.
    lat: i64,
    /// The function's duration.
    dur: f64,
    /// Its init duration, on a cold start.
    init: Option<f64>,
}

impl Invoked {
    /// When the function started.
    fn ts0(&self) -> i64 {
        self.st + 1
    }

    /// When the function's last line (END, REPORT) is written; its `Task timed out` line comes before.
    fn end_at(&self) -> i64 {
        self.ts0() + self.dur as i64 + 1
    }

    /// The end of the execution log, the function's own lines between START and END, the truth, and the
    /// REPORT line's status field.
    fn outcome(&self, r: &mut Rng, mode: Mode, id: &Ids) -> (Vec<Line>, Vec<Line>, Truth, &'static str) {
        let (at, lrid, trace) = (self.st + self.lat, &id.lrid, &id.trace);
        let received = (
            at,
            id.p(&format!(
                "Received response. Status: 200, Integration latency: {} ms",
                self.lat
            )),
        );
        let app_at = self.ts0() + self.dur as i64;
        match mode {
            Mode::Ok => {
                let (second, milli) = (r.int(0, 9), r.int(100, 999));
                let app = format!(
                    "2023-10-30T12:58:3{second}.{milli}Z\t{lrid}\tINFO\tResponse: {}\n",
                    text::OK_RESPONSE
                );
                let exec = vec![
                    received,
                    (at, cut(id.p(&format!("Endpoint response headers: {{Date=Mon, 30 Oct 2023 12:58:31 GMT, Content-Type=application/json, Content-Length=92, Connection=keep-alive, x-amzn-RequestId={lrid}, x-amzn-Remapped-Content-Length=0, X-Amz-Executed-Version=$LATEST, X-Amzn-Trace-Id=root={trace};sampled=1}}")))),
                    (at, id.p(&format!("Endpoint response body before transformations: {}", text::OK_RESPONSE))),
                    (at, id.p("Method response body after transformations: {\"message\": \"Hello from Lambda!\"}")),
                    (at, id.p(&format!("Method response headers: {{Content-Type=application/json, X-Amzn-Trace-Id=Root={trace};Sampled=1}}"))),
                    (at, id.p("Successfully completed execution")),
                    (at, id.p("Method completed with status: 200")),
                    (at, id.p(&format!("AWS Integration Endpoint RequestId : {lrid}"))),
                    (at, id.p(&format!("X-ray Tracing ID : Root={trace}"))),
                ];
                (exec, vec![(app_at, app)], id.truth(200, None, true), "")
            }
            Mode::Timeout => {
                let timed_out = format!("2023-10-30T12:58:42.123Z {lrid} Task timed out after 1.00 seconds");
                let exec = vec![
                    received,
                    (at, id.p(&format!("Endpoint response headers: {{Date=Mon, 30 Oct 2023 12:58:42 GMT, Content-Type=application/json, Content-Length=108, Connection=keep-alive, x-amzn-RequestId={lrid}, X-Amz-Function-Error=Unhandled, x-amzn-Remapped-Content-Length=0, X-Amz-Executed-Version=$LATEST, X-Amzn-Trace-Id=root={trace};sampled=1}}"))),
                    (at, id.p(&format!("Endpoint response body before transformations: {{\"errorMessage\": \"{timed_out}\"}}"))),
                    (at, id.p(&format!("Lambda execution failed with status 200 due to customer function error: {timed_out}. Lambda request id: {lrid}"))),
                    (at, id.p("Method completed with status: 502")),
                    (at, id.p(&format!("AWS Integration Endpoint RequestId : {lrid}"))),
                    (at, id.p(&format!("X-ray Tracing ID : Root={trace}"))),
                ];
                let lambda = vec![(self.ts0() + TIMEOUT_MS as i64, format!("{timed_out}\n"))];
                (
                    exec,
                    lambda,
                    id.truth(502, Some("LambdaTimeout"), true),
                    "\tStatus: timeout",
                )
            }
            Mode::Malformed => {
                let exec = vec![
                    received,
                    (at, id.p(&format!("Endpoint response headers: {{Date=Mon, 30 Oct 2023 12:58:31 GMT, Content-Type=application/json, Content-Length=14, Connection=keep-alive, x-amzn-RequestId={lrid}, X-Amz-Executed-Version=$LATEST}}"))),
                    (at, id.p("Endpoint response body before transformations: \"Bad response\"")),
                    (at, id.p("Execution failed due to configuration error: Malformed Lambda proxy response")),
                    (at, id.p("Method completed with status: 502")),
                ];
                (exec, vec![], id.truth(502, Some("MalformedProxyResponse"), true), "")
            }
            _ => {
                let app = format!(
                    "2023-10-30T12:58:31.500Z\t{lrid}\tERROR\tInvoke Error \t{{\"errorType\": \"TypeError\", \"errorMessage\": \"{}\"}}\n",
                    text::ERROR_MESSAGE
                );
                let exec = vec![
                    received,
                    (at, id.p(&format!("Lambda execution failed with status 200 due to customer function error: {}. Lambda request id: {lrid}", text::ERROR_MESSAGE))),
                    (at, id.p("Method completed with status: 502")),
                ];
                (
                    exec,
                    vec![(app_at, app)],
                    id.truth(502, Some("LambdaError"), true),
                    "\tStatus: error",
                )
            }
        }
    }

    /// The function's log: START, `own` lines, END and REPORT (with its X-Ray trailer); and the REPORT's
    /// `Max Memory Used`.
    fn lambda_lines(&self, r: &mut Rng, id: &Ids, own: Vec<Line>, status_field: &str) -> (Vec<Line>, u64) {
        let lrid = &id.lrid;
        let billed = self.dur as i64 + 1;
        let memory = r.int(60, 90);
        let init = self
            .init
            .map(|i| format!("Init Duration: {i:.2} ms\t"))
            .unwrap_or_default();
        let report = format!(
            "REPORT RequestId: {lrid}\tDuration: {:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {MEMORY_SIZE_MB} MB\t\
             Max Memory Used: {memory} MB\t{init}{status_field}\nXRAY TraceId: {}\tSegmentId: {}\tSampled: true\t\n",
            self.dur,
            id.trace,
            r.hex(16)
        );
        let end_at = self.end_at();
        let mut lines = vec![(self.ts0(), format!("START RequestId: {lrid} Version: $LATEST\n"))];
        lines.extend(own);
        lines.push((end_at, format!("END RequestId: {lrid}\n")));
        lines.push((end_at, report));
        (lines, memory as u64)
    }
}
