//! Recognises, in an SDK error's chain, that the SDK had no region or no credentials: the one place that
//! knows how the SDK words these, so every command can name what to set instead of "dispatch failure".
//!
//! The SDK's types for these are private (`aws-runtime`'s `SigV4SigningError`) or live in a crate this
//! one does not depend on, so their messages are matched, each with its source.

use std::error::Error;

use crate::ports::MissingSetting;

/// Messages that mean no region was configured.
const NO_REGION: [&str; 2] = [
    // aws-runtime 1.x, src/auth.rs, `SigV4SigningError::MissingSigningRegion` (an endpoint URL was given).
    "missing signing region",
    // The DynamoDB endpoint rules without an endpoint URL (aws-sdk-dynamodb 1.x, src/config/endpoint.rs).
    "Invalid Configuration: Missing Region",
];

/// Messages that mean no credentials were found.
const NO_CREDENTIALS: [&str; 4] = [
    // aws-credential-types 1.x, src/provider/error.rs, `impl Display for CredentialsError`.
    "the credential provider was not enabled",
    "the credentials provider was not properly configured",
    "an error occurred while loading credentials",
    "credentials provider timed out",
];

/// The setting an error says is missing, if it says so anywhere in its chain.
pub(crate) fn missing_setting(err: &(dyn Error + 'static)) -> Option<MissingSetting> {
    let mut next: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if NO_REGION.iter().any(|m| text.contains(m)) {
            return Some(MissingSetting::Region);
        }
        if NO_CREDENTIALS.iter().any(|m| text.contains(m)) {
            return Some(MissingSetting::Credentials);
        }
        next = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("dispatch failure")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn the_sdks_messages_anywhere_in_the_chain_name_the_setting() {
        let wrapped = |m: &str| Outer(std::io::Error::other(m.to_string()));
        assert_eq!(
            missing_setting(&wrapped("other: missing signing region")),
            Some(MissingSetting::Region)
        );
        assert_eq!(
            missing_setting(&wrapped(
                "an error occurred while loading credentials: failed to load IMDS session token"
            )),
            Some(MissingSetting::Credentials)
        );
        assert_eq!(missing_setting(&wrapped("connection refused")), None);
    }
}
