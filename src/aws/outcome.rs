//! Whether a failed AWS call may have been applied, told from the SDK's error, and a one-sentence
//! description of the failure. What a caller may do next depends on it: a write without an idempotency
//! token (`PutMetricData`) must never be sent again when its outcome is unknown.

use aws_sdk_cloudwatch::config::http::HttpResponse as Response;
use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};

use crate::aws::retry::retryable_answer;

/// What a failed call tells about its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The service answered (a 2XX whose body could not be read): the request was applied.
    Yes,
    /// Provably not applied: the service answered with an error, or no connection was ever made.
    /// `retryable` for throttling, server faults and connection failures.
    No {
        /// Worth sending again after a pause.
        retryable: bool,
    },
    /// The request may have reached the service and its answer was lost (reset, timeout).
    Unknown,
}

/// hyper-util names a failure to establish the connection `client error (Connect)` (its `Error`'s
/// `Display`, `ErrorKind::Connect`): then no byte of the request was sent. Any other transport failure
/// may come after the request was written.
const CONNECT_FAILURE: &str = "client error (Connect)";

/// Classifies a failed call.
pub fn applied<E: ProvideErrorMetadata + std::error::Error + 'static>(err: &SdkError<E, Response>) -> Applied {
    match err {
        SdkError::ConstructionFailure(_) => Applied::No { retryable: false },
        SdkError::ServiceError(se) => {
            let status = se.raw().status();
            match se.err().code() {
                Some(code) => Applied::No {
                    retryable: retryable_answer(Some(code), status.is_server_error()),
                },
                // No AWS error document: perhaps an intermediary's page. A 4XX was refused before any
                // work; a 5XX may come from behind the service.
                None if status.is_client_error() => Applied::No { retryable: false },
                None => Applied::Unknown,
            }
        }
        SdkError::ResponseError(r) if r.raw().status().is_success() => Applied::Yes,
        SdkError::DispatchFailure(_) if sources(err).iter().any(|s| s.contains(CONNECT_FAILURE)) => {
            Applied::No { retryable: true }
        }
        _ => Applied::Unknown,
    }
}

/// `what failed: why`, in one short sentence: the service's code and message when it answered, else the
/// innermost cause (`Connection reset by peer (os error 104)`). Never the SDK's debug dump.
pub fn short_message<E: ProvideErrorMetadata + std::error::Error + 'static>(
    operation: &str,
    err: &SdkError<E, Response>,
) -> String {
    let why = match err {
        SdkError::ServiceError(se) => match (se.err().code(), se.err().message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_string(),
            _ => format!("HTTP {}", se.raw().status().as_u16()),
        },
        SdkError::TimeoutError(_) => "no answer within the SDK's timeout".to_string(),
        _ => sources(err).pop().unwrap_or_else(|| err.to_string()),
    };
    let why: String = why.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = format!("{operation}: {why}");
    if out.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Long enough for any AWS error code and message, short enough for one log line.
const MAX_MESSAGE_BYTES: usize = 200;

fn sources(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut source = err.source();
    while let Some(e) = source {
        out.push(e.to_string());
        source = e.source();
    }
    out
}
