//! The failure-reason taxonomy of `docs/failure-reasons.md`: names, precedence and implied statuses.
//!
//! The names are public (metric dimension values, JSON fields, `--reason` filters): never rename one.
//! Pure data; imports nothing from the rest of the crate.

use serde::{Deserialize, Serialize};

/// Why API Gateway did not answer a request with a 2XX/3XX, or why a Lambda invocation failed.
///
/// Variants are declared **most specific first**: when a request has evidence for several reasons,
/// the one declared first wins (see [`FailureReason::precedence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)] // each name is documented in docs/failure-reasons.md
pub enum FailureReason {
    LambdaOutOfMemory,
    LambdaTimeout,
    LambdaThrottled,
    LambdaError,
    MalformedProxyResponse,
    StreamIdleTimeout,
    StreamTimeout,
    StreamInterrupted,
    IntegrationTimeout,
    IntegrationNetworkError,
    AuthorizerError,
    IntegrationPermissionError,
    MappingTemplateError,
    WafBlocked,
    InvalidApiKey,
    QuotaExceeded,
    Throttled,
    Unauthorized,
    AccessDenied,
    MissingAuthenticationToken,
    RequestValidationFailed,
    Backend5XX,
    Backend4XX,
    Other5XX,
    Other4XX,
}

impl FailureReason {
    /// Every reason, in precedence order.
    pub const ALL: [FailureReason; 25] = [
        Self::LambdaOutOfMemory,
        Self::LambdaTimeout,
        Self::LambdaThrottled,
        Self::LambdaError,
        Self::MalformedProxyResponse,
        Self::StreamIdleTimeout,
        Self::StreamTimeout,
        Self::StreamInterrupted,
        Self::IntegrationTimeout,
        Self::IntegrationNetworkError,
        Self::AuthorizerError,
        Self::IntegrationPermissionError,
        Self::MappingTemplateError,
        Self::WafBlocked,
        Self::InvalidApiKey,
        Self::QuotaExceeded,
        Self::Throttled,
        Self::Unauthorized,
        Self::AccessDenied,
        Self::MissingAuthenticationToken,
        Self::RequestValidationFailed,
        Self::Backend5XX,
        Self::Backend4XX,
        Self::Other5XX,
        Self::Other4XX,
    ];

    /// The reasons that say a streamed response was cut: the only ones a request whose status is a success
    /// can have (its status and headers were sent before the stream failed).
    pub const STREAM_CUT: [FailureReason; 3] = [Self::StreamIdleTimeout, Self::StreamTimeout, Self::StreamInterrupted];

    /// The public name (as in `docs/failure-reasons.md`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LambdaOutOfMemory => "LambdaOutOfMemory",
            Self::LambdaTimeout => "LambdaTimeout",
            Self::LambdaThrottled => "LambdaThrottled",
            Self::LambdaError => "LambdaError",
            Self::MalformedProxyResponse => "MalformedProxyResponse",
            Self::StreamIdleTimeout => "StreamIdleTimeout",
            Self::StreamTimeout => "StreamTimeout",
            Self::StreamInterrupted => "StreamInterrupted",
            Self::IntegrationTimeout => "IntegrationTimeout",
            Self::IntegrationNetworkError => "IntegrationNetworkError",
            Self::AuthorizerError => "AuthorizerError",
            Self::IntegrationPermissionError => "IntegrationPermissionError",
            Self::MappingTemplateError => "MappingTemplateError",
            Self::WafBlocked => "WafBlocked",
            Self::InvalidApiKey => "InvalidApiKey",
            Self::QuotaExceeded => "QuotaExceeded",
            Self::Throttled => "Throttled",
            Self::Unauthorized => "Unauthorized",
            Self::AccessDenied => "AccessDenied",
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::RequestValidationFailed => "RequestValidationFailed",
            Self::Backend5XX => "Backend5XX",
            Self::Backend4XX => "Backend4XX",
            Self::Other5XX => "Other5XX",
            Self::Other4XX => "Other4XX",
        }
    }

    /// Parses a public name; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Lower is more specific; the reason with the lowest precedence among the evidence wins.
    pub const fn precedence(self) -> u8 {
        self as u8
    }

    /// The bit of this reason in an [`EvidenceSet`].
    const fn bit(self) -> u32 {
        1 << (self as u8)
    }

    /// The status API Gateway answers with for this reason, when it is certain (REST APIs). Used only when
    /// no completion line was seen. `None` where the status varies (`LambdaThrottled` is 500 since ~2019 and
    /// 502 before; network errors are 502 or 504) or is not API Gateway's own.
    pub(crate) const fn implied_status(self) -> Option<u16> {
        match self {
            Self::LambdaOutOfMemory | Self::LambdaTimeout | Self::LambdaError | Self::MalformedProxyResponse => {
                Some(502)
            }
            Self::IntegrationTimeout => Some(504),
            Self::AuthorizerError | Self::IntegrationPermissionError | Self::MappingTemplateError => Some(500),
            Self::Unauthorized => Some(401),
            Self::AccessDenied | Self::InvalidApiKey | Self::MissingAuthenticationToken | Self::WafBlocked => Some(403),
            Self::Throttled | Self::QuotaExceeded => Some(429),
            Self::RequestValidationFailed => Some(400),
            // A stream cut after its headers keeps the status it sent; one cut before them is a 504 the
            // gateway-response line or the access log states.
            Self::LambdaThrottled
            | Self::StreamIdleTimeout
            | Self::StreamTimeout
            | Self::StreamInterrupted
            | Self::IntegrationNetworkError
            | Self::Backend5XX
            | Self::Backend4XX
            | Self::Other5XX
            | Self::Other4XX => None,
        }
    }

    /// Maps an API Gateway gateway-response type (`$context.error.responseType`, or the execution-log line
    /// `Gateway response type: X with status code: N`) to the reason it names, if it names one.
    /// Generic types (`DEFAULT_4XX`, `DEFAULT_5XX`, `INTEGRATION_FAILURE`) name none.
    pub(crate) fn from_gateway_response_type(kind: &str) -> Option<Self> {
        Some(match kind {
            "INTEGRATION_TIMEOUT" => Self::IntegrationTimeout,
            "WAF_FILTERED" => Self::WafBlocked,
            "MISSING_AUTHENTICATION_TOKEN" => Self::MissingAuthenticationToken,
            "THROTTLED" => Self::Throttled,
            "QUOTA_EXCEEDED" => Self::QuotaExceeded,
            "UNAUTHORIZED" | "EXPIRED_TOKEN" => Self::Unauthorized,
            "ACCESS_DENIED" | "INVALID_SIGNATURE" => Self::AccessDenied,
            "AUTHORIZER_FAILURE" | "AUTHORIZER_CONFIGURATION_ERROR" => Self::AuthorizerError,
            "BAD_REQUEST_BODY" | "BAD_REQUEST_PARAMETERS" => Self::RequestValidationFailed,
            "INVALID_API_KEY" => Self::InvalidApiKey,
            "API_CONFIGURATION_ERROR" => Self::MappingTemplateError,
            _ => return None,
        })
    }
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of reasons with evidence, order-independent by construction: the winner is a function of the set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvidenceSet(u32);

impl EvidenceSet {
    /// Records evidence for `reason`.
    pub fn insert(&mut self, reason: FailureReason) {
        self.0 |= reason.bit();
    }

    /// Whether `reason` has evidence.
    pub const fn contains(self, reason: FailureReason) -> bool {
        self.0 & reason.bit() != 0
    }

    /// Adds all of `other`'s evidence.
    pub(crate) fn union(&mut self, other: EvidenceSet) {
        self.0 |= other.0;
    }

    /// Whether there is no evidence at all.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The most specific reason with evidence.
    pub(crate) fn winner(self) -> Option<FailureReason> {
        (self.0 != 0).then(|| FailureReason::ALL[self.0.trailing_zeros() as usize])
    }

    /// Reasons with evidence, most specific first.
    pub fn iter(self) -> impl Iterator<Item = FailureReason> {
        FailureReason::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_all_is_in_declaration_order() {
        for (i, r) in FailureReason::ALL.iter().enumerate() {
            assert_eq!(r.precedence() as usize, i);
            assert_eq!(FailureReason::from_name(r.as_str()), Some(*r));
        }
        assert_eq!(FailureReason::from_name("None"), None);
    }

    #[test]
    fn winner_is_most_specific_whatever_the_insertion_order() {
        let mut a = EvidenceSet::default();
        a.insert(FailureReason::MalformedProxyResponse);
        a.insert(FailureReason::LambdaThrottled);
        let mut b = EvidenceSet::default();
        b.insert(FailureReason::LambdaThrottled);
        b.insert(FailureReason::MalformedProxyResponse);
        assert_eq!(a, b);
        assert_eq!(a.winner(), Some(FailureReason::LambdaThrottled));
        assert_eq!(EvidenceSet::default().winner(), None);
    }

    #[test]
    fn precedence_rules_of_the_contract_hold() {
        use FailureReason::*;
        let pairs = [
            (LambdaOutOfMemory, LambdaError),
            (LambdaTimeout, MalformedProxyResponse),
            (LambdaThrottled, MalformedProxyResponse),
            (AuthorizerError, IntegrationPermissionError),
            (LambdaTimeout, StreamTimeout),
            (StreamIdleTimeout, StreamTimeout),
            (StreamTimeout, IntegrationTimeout),
            (StreamInterrupted, IntegrationTimeout),
        ];
        for (specific, general) in pairs {
            assert!(
                specific.precedence() < general.precedence(),
                "{specific} must beat {general}"
            );
        }
        for named in FailureReason::ALL.into_iter().take(FailureReason::ALL.len() - 4) {
            for generic in [Backend5XX, Backend4XX, Other5XX, Other4XX] {
                assert!(named.precedence() < generic.precedence());
            }
        }
    }
}
