//! After the client gave up: for an integration timeout joined to its invocation, how long the function ran
//! after API Gateway answered 504, how it ended, and what that run cost. Pure.
//!
//! API Gateway answers at the integration timeout; the function is not stopped and runs until it returns or
//! reaches its own timeout, billed all along. Found only when the request is joined to its invocation: an
//! integration timeout's execution log names no Lambda request ID, so the join comes from the function's own
//! log naming the API request ID (`api_request_id_source: function_log`), or from API Gateway's when it does.

use serde::Serialize;

use super::Invocation;
use crate::record::LambdaStatus;

/// Lambda's price per GB-second of duration, x86, first 6 billion GB-seconds a month, US East (N. Virginia):
/// USD 0.0000166667 (<https://aws.amazon.com/lambda/pricing/>, "Duration"). Arm is 20% cheaper and other
/// Regions differ: the REPORT line names neither, so this is the figure for the common case, stated as such.
pub const LAMBDA_PRICE_PER_GB_SECOND_USD: f64 = 0.000_016_666_7;

/// What the invocation did after API Gateway answered the client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AfterResponse {
    /// The Lambda request ID.
    pub lambda_request_id: String,
    /// How the join was made: `api_gateway` or `function_log`.
    pub joined_by: Option<&'static str>,
    /// When API Gateway answered, in ms after it called the integration: the integration latency it logged,
    /// else the integration timeout.
    pub answered_after_ms: u64,
    /// REPORT `Duration`.
    pub duration_ms: Option<f64>,
    /// How much of it came after the answer (`duration_ms − answered_after_ms`, at least 0).
    pub ran_after_response_ms: Option<f64>,
    /// How it ended (`success`, `error`, `timeout`), or `null` without a REPORT line.
    pub ended: Option<LambdaStatus>,
    /// REPORT `Billed Duration`.
    pub billed_duration_ms: Option<u64>,
    /// REPORT `Memory Size`.
    pub memory_size_mb: Option<u64>,
    /// Billed duration × memory at [`LAMBDA_PRICE_PER_GB_SECOND_USD`]: the whole invocation's duration
    /// charge (requests are charged apart).
    pub cost_usd: Option<f64>,
}

impl AfterResponse {
    /// What `inv` did after API Gateway answered at `answered_after_ms`.
    pub fn of(inv: &Invocation<'_>, answered_after_ms: u64) -> Self {
        let cost_usd = match (inv.billed_duration_ms, inv.memory_size_mb) {
            (Some(b), Some(m)) => Some(cost(b, m)),
            _ => None,
        };
        Self {
            lambda_request_id: inv.request_id.to_string(),
            joined_by: inv.joined_by,
            answered_after_ms,
            duration_ms: inv.duration_ms,
            ran_after_response_ms: inv.duration_ms.map(|d| (d - answered_after_ms as f64).max(0.0)),
            ended: inv.status,
            billed_duration_ms: inv.billed_duration_ms,
            memory_size_mb: inv.memory_size_mb,
            cost_usd,
        }
    }

    /// One sentence: `the invocation ran on for 31000 ms after the 504 and then succeeded (billed 60000 ms
    /// at 1024 MB: USD 0.001000)`.
    pub fn sentence(&self) -> String {
        let ran = match self.ran_after_response_ms {
            Some(r) => format!("ran on for {r:.0} ms after the answer"),
            None => "ran on (no REPORT line seen)".into(),
        };
        let ended = match self.ended {
            Some(LambdaStatus::Success) => " and then succeeded",
            Some(LambdaStatus::Error) => " and then failed",
            Some(LambdaStatus::Timeout) => " and then timed out",
            None => "",
        };
        let cost = match (self.billed_duration_ms, self.memory_size_mb, self.cost_usd) {
            (Some(b), Some(m), Some(c)) => format!(" (billed {b} ms at {m} MB: USD {c:.6} at the x86 us-east-1 price)"),
            _ => String::new(),
        };
        format!("invocation {} {ran}{ended}{cost}", self.lambda_request_id)
    }
}

/// The duration charge of `billed_ms` at `memory_mb`.
pub(super) fn cost(billed_ms: u64, memory_mb: u64) -> f64 {
    (billed_ms as f64 / 1000.0) * (memory_mb as f64 / 1024.0) * LAMBDA_PRICE_PER_GB_SECOND_USD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_billed_gb_seconds_at_the_published_price() {
        // 60 s at 1024 MB is 60 GB-s.
        assert!((cost(60_000, 1024) - 60.0 * LAMBDA_PRICE_PER_GB_SECOND_USD).abs() < 1e-12);
        // 1 ms at 128 MB.
        assert!((cost(1, 128) - 0.001 * 0.125 * LAMBDA_PRICE_PER_GB_SECOND_USD).abs() < 1e-15);
        assert_eq!(cost(0, 128), 0.0);
    }

    #[test]
    fn an_invocation_that_ended_before_the_answer_ran_zero_ms_after_it() {
        let inv = Invocation {
            request_id: "l",
            duration_ms: Some(1200.0),
            status: Some(LambdaStatus::Success),
            ..Invocation::default()
        };
        let a = AfterResponse::of(&inv, 29_000);
        assert_eq!(a.ran_after_response_ms, Some(0.0));
        assert_eq!(a.cost_usd, None, "no billed duration, no cost");
        assert_eq!(
            a.sentence(),
            "invocation l ran on for 0 ms after the answer and then succeeded"
        );
    }
}
