//! The literal failure phrases API Gateway writes, and the reason each one is evidence for.
//!
//! One Aho-Corasick automaton finds all of them in a single pass over a line: no regex, no backtracking.
//! The table is the specification; `failure-reasons.md` is its source. Pure.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::reason::FailureReason;

/// What a phrase is evidence of. Most map straight to a reason; one depends on context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phrase {
    /// Evidence for this reason wherever it appears.
    Reason(FailureReason),
    /// `does not have permission to assume the provided role`: an authorizer failure inside an authorizer
    /// block, an integration permission error outside one.
    AssumeRoleDenied,
}

use FailureReason as R;
use Phrase::Reason as P;

/// Phrase → evidence. Literal, case-sensitive text as AWS emits it (`log-formats.md`).
pub const PHRASES: &[(&str, Phrase)] = &[
    ("Task timed out after", P(R::LambdaTimeout)),
    ("Error: Task timed out", P(R::LambdaTimeout)),
    ("customer function error", P(R::LambdaError)),
    ("Lambda Customer Function Error", P(R::LambdaError)),
    ("Lambda invocation failed with status: 429", P(R::LambdaThrottled)),
    ("Rate Exceeded.", P(R::LambdaThrottled)),
    ("Malformed Lambda proxy response", P(R::MalformedProxyResponse)),
    ("Execution failed due to a timeout error", P(R::IntegrationTimeout)),
    ("Endpoint request timed out", P(R::IntegrationTimeout)),
    ("Execution failed due to a network error", P(R::IntegrationNetworkError)),
    (
        "Network error communicating with endpoint",
        P(R::IntegrationNetworkError),
    ),
    ("Invalid endpoint address", P(R::IntegrationNetworkError)),
    ("SSLEngine", P(R::IntegrationNetworkError)),
    ("SSL handshake", P(R::IntegrationNetworkError)),
    ("PKIX path building failed", P(R::IntegrationNetworkError)),
    (
        "Invalid permissions on Lambda function",
        P(R::IntegrationPermissionError),
    ),
    (
        "does not have permission to assume the provided role",
        Phrase::AssumeRoleDenied,
    ),
    ("Authorizer error", P(R::AuthorizerError)),
    ("AuthorizerConfigurationException", P(R::AuthorizerError)),
    ("Could not parse policy", P(R::AuthorizerError)),
    ("AUTHORIZER_CONFIGURATION_ERROR", P(R::AuthorizerError)),
    ("AUTHORIZER_FAILURE", P(R::AuthorizerError)),
    ("Unable to transform request", P(R::MappingTemplateError)),
    ("Unable to transform response", P(R::MappingTemplateError)),
    ("Unable to base64 decode the body", P(R::MappingTemplateError)),
    (
        "Output mapping refers to an invalid method response",
        P(R::MappingTemplateError),
    ),
    ("Unauthorized request:", P(R::Unauthorized)),
    ("not authorized to access this resource", P(R::AccessDenied)),
    ("with an explicit deny", P(R::AccessDenied)),
    ("not authorized because", P(R::InvalidApiKey)),
    ("Invalid API Key identifier", P(R::InvalidApiKey)),
    ("throttle limit exceeded", P(R::Throttled)),
    ("exceeded throttle limit", P(R::Throttled)),
    ("exceeded quota limit", P(R::QuotaExceeded)),
    ("quota exhausted", P(R::QuotaExceeded)),
    (
        "Request body does not match model schema",
        P(R::RequestValidationFailed),
    ),
    ("Missing required request parameters", P(R::RequestValidationFailed)),
];

fn automaton() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        // A constant table of short literals cannot exceed the automaton's limits (tests build it).
        AhoCorasick::new(PHRASES.iter().map(|(p, _)| p)).expect("the phrase table compiles")
    })
}

/// The same phrases with leftmost-first semantics, which lets the automaton use its SIMD prefilter: asking
/// it whether any phrase occurs is much cheaper than the overlapping scan, and almost no line has one.
fn gate() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(PHRASES.iter().map(|(p, _)| p))
            .expect("the phrase table compiles")
    })
}

/// Calls `found` once for every phrase of the table that occurs in `text`.
///
/// Matching is overlapping, because leftmost matching could hide one phrase inside another's span
/// (`Error: Task timed out` and `Task timed out after`). A bit set dedups without allocating.
pub fn scan(text: &str, mut found: impl FnMut(Phrase)) {
    const _: () = assert!(PHRASES.len() <= 64, "the phrase bit set is a u64");
    if !gate().is_match(text) {
        return;
    }
    let mut seen = 0u64;
    for m in automaton().find_overlapping_iter(text) {
        seen |= 1 << m.pattern().as_usize();
    }
    while seen != 0 {
        found(PHRASES[seen.trailing_zeros() as usize].1);
        seen &= seen - 1;
    }
}

/// The reason a phrase stands for, given whether the line sits inside an authorizer block.
pub const fn resolve(phrase: Phrase, in_authorizer: bool) -> FailureReason {
    match phrase {
        Phrase::Reason(r) => r,
        Phrase::AssumeRoleDenied if in_authorizer => R::AuthorizerError,
        Phrase::AssumeRoleDenied => R::IntegrationPermissionError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(text: &str, in_authorizer: bool) -> Vec<FailureReason> {
        let mut v = Vec::new();
        scan(text, |p| v.push(resolve(p, in_authorizer)));
        v.sort();
        v
    }

    #[test]
    fn every_phrase_is_found_alone() {
        for (phrase, p) in PHRASES {
            assert_eq!(reasons(phrase, false), vec![resolve(*p, false)], "{phrase}");
        }
    }

    #[test]
    fn a_timeout_line_is_both_timeout_and_function_error_evidence() {
        let line = "Lambda execution failed with status 200 due to customer function error: \
                    2023-10-30T12:58:42.123Z 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f Task timed out after 1.00 seconds. \
                    Lambda request id: 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f";
        assert_eq!(reasons(line, false), vec![R::LambdaTimeout, R::LambdaError]);
    }

    #[test]
    fn assume_role_depends_on_the_authorizer_block() {
        let line = "Execution failed due to configuration error: API Gateway does not have permission to assume \
                    the provided role arn:aws:iam::123456789012:role/x";
        assert_eq!(reasons(line, false), vec![R::IntegrationPermissionError]);
        assert_eq!(reasons(line, true), vec![R::AuthorizerError]);
    }

    #[test]
    fn ordinary_lines_are_not_evidence() {
        for line in [
            "API Key authorized because method 'GET /generate-data' does not require API Key. Request will not contribute to throttle or quota limits",
            "Usage Plan check succeeded for API Key and API Stage a1b2c3d4e5/dev",
            "Successfully completed execution",
            "Starting authorizer: abc123 for request: x",
        ] {
            assert!(reasons(line, false).is_empty(), "{line}");
        }
    }
}
