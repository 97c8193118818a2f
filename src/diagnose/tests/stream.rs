//! The streaming family: a stream cut after its success status, the streaming timeout and limit, the idle
//! timeout. The details are the access parser's, for the fixtures `events/fixtures/reason-stream-*-access.log`
//! (built from the documented variables: no real capture of a failed stream exists in public).

use super::{Case, check};
use crate::diagnose::{Configuration, Evidence};
use crate::reason::FailureReason as R;

fn streamed(status: u16, detail: &'static str) -> Evidence<'static> {
    Evidence {
        status: Some(status),
        detail: Some(detail),
        ..Evidence::default()
    }
}

#[test]
fn streaming_family() {
    check(vec![
        Case {
            source: "reason-stream-interrupted-access.log (a 200 whose stream broke after 9050 ms)",
            reason: R::StreamInterrupted,
            evidence: streamed(
                200,
                "error.message=Internal server error; integration.error=Execution failed due to a network error; status=200; integration.timeToAllHeaders=190; integration.timeToFirstContent=402; integration.latency=9050",
            ),
            cfg: Configuration::default(),
            cause: &["got status 200 and its headers", "broke at 9050 ms"],
            fix: &["incomplete until it ends cleanly"],
            facts: &[
                ("status", "200"),
                ("time_to_all_headers_ms", "190"),
                ("integration_latency_ms", "9050"),
            ],
            next: true,
        },
        Case {
            source: "reason-stream-idle-timeout-access.log (headers at 95 ms, cut at 312400 ms)",
            reason: R::StreamIdleTimeout,
            evidence: streamed(
                200,
                "integration.error=Execution failed due to a timeout error; status=200; integration.timeToAllHeaders=95; integration.timeToFirstContent=130; integration.latency=312400",
            ),
            cfg: Configuration::default(),
            cause: &[
                "cut at 312400 ms",
                "300000 ms on a Regional",
                "30000 ms on an edge-optimized",
            ],
            fix: &["keep-alive"],
            facts: &[
                ("idle_timeout_regional_ms", "300000"),
                ("integration_latency_ms", "312400"),
            ],
            next: true,
        },
        Case {
            source: "reason-stream-timeout-access.log (its record with no headers, 504 at 600012 ms)",
            reason: R::StreamTimeout,
            evidence: streamed(
                504,
                "error.responseType=INTEGRATION_TIMEOUT; error.message=Endpoint request timed out; status=504; integration.latency=600012",
            ),
            cfg: Configuration::default(),
            cause: &["no status and headers before the streaming integration timeout at 600012 ms"],
            fix: &["send the status and headers as soon as the work starts"],
            facts: &[("stream_limit_ms", "900000"), ("integration_latency_ms", "600012")],
            next: false,
        },
        Case {
            source: "reason-stream-timeout-access.log (its record of a stream that ran to the limit)",
            reason: R::StreamTimeout,
            evidence: streamed(
                200,
                "integration.error=Execution failed due to a timeout error; status=200; integration.timeToAllHeaders=80; integration.timeToFirstContent=81; integration.latency=900000",
            ),
            cfg: Configuration::default(),
            cause: &["streaming limit (900000 ms) at 900000 ms"],
            fix: &["split the work"],
            facts: &[("time_to_all_headers_ms", "80"), ("integration_latency_ms", "900000")],
            next: false,
        },
    ]);
}
