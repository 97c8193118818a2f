//! SDK errors as one readable line, and as the onboarding port's error. Shared by every adapter.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::onboard::OnboardError;

/// Error contexts can span lines; the CLI prints one.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An SDK error and its sources, `a: b: c`, on one line. (`SdkError`'s own `Display` is only "service
/// error" or "dispatch failure"; the detail is in its sources. `DisplayErrorContext` also appends the
/// `Debug` form, too noisy for a one-line CLI message.)
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    one_line(&parts.join(": "))
}

/// The service's error code (`ResourceNotFoundException`, …), for service errors.
pub(crate) fn service_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    }
}

/// An SDK failure of `operation` on `service`, as the onboarding port reports it: the service's refusal
/// (its code and message), or an endpoint that could not be reached.
pub(crate) fn onboard_error<E, R>(service: &'static str, operation: &'static str, err: SdkError<E, R>) -> OnboardError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let (code, message) = match &err {
        SdkError::ServiceError(se) => {
            let code = se.err().code().map(str::to_string);
            let message = match (se.err().code(), se.err().message()) {
                (Some(c), Some(m)) => format!("{c}: {}", one_line(m)),
                (Some(c), None) => c.to_string(),
                _ => chain(&err),
            };
            (code, message)
        }
        SdkError::ConstructionFailure(_) => (None, chain(&err)),
        _ => {
            return OnboardError::Unreachable {
                service,
                message: chain(&err),
                source: Box::new(err),
            };
        }
    };
    OnboardError::Rejected {
        service,
        operation,
        code,
        message,
        source: Box::new(err),
    }
}
