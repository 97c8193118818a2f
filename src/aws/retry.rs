//! Retry pacing and the one retry classifier shared by the adapters.

use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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

/// Whether a service's error answer is worth retrying: one of [`RETRYABLE_CODES`], or any 5XX.
pub(crate) fn retryable_answer(code: Option<&str>, server_error: bool) -> bool {
    code.is_some_and(|c| RETRYABLE_CODES.contains(&c)) || server_error
}

/// Whether a failed call is worth retrying after a pause: throttling, a server-side error, a timeout.
/// Not: validation, permissions, a missing table, or an endpoint that cannot be reached (the SDK has
/// already retried the connection).
pub fn retryable<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(d) => d.is_timeout(),
        SdkError::ServiceError(se) => retryable_answer(se.err().code(), se.raw().status().is_server_error()),
        SdkError::ResponseError(r) => r.raw().status().is_server_error(),
        _ => false,
    }
}
