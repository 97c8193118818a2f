//! Retry pacing shared by the adapters.

use std::time::Duration;

/// Exponential backoff with full jitter: the n-th retry waits a random time in `[0, min(cap, base·2ⁿ)]`
/// ("Exponential Backoff And Jitter", AWS Architecture Blog), which spreads retries of concurrent writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First retry's upper bound.
    pub base: Duration,
    /// Upper bound for any retry.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(50),
            cap: Duration::from_secs(5),
        }
    }
}

impl Backoff {
    /// The pause before retry number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << attempt.min(20)).min(self.cap);
        Duration::from_micros(fastrand::u64(0..=ceiling.as_micros() as u64))
    }
}

/// Error codes AWS services use for throttling and transient server faults: worth retrying with backoff.
/// An error answer means the request was not applied (CloudWatch's 500 is `InternalServiceError`, its
/// model shape `InternalServiceFault`).
pub const RETRYABLE_CODES: [&str; 12] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServiceError",
    "InternalServiceFault",
    "InternalServerError",
    "ServiceUnavailableException",
];
