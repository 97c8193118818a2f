//! The literal failure phrases API Gateway writes, and the reason each one is evidence for.
//!
//! One Aho-Corasick automaton finds all of them: no regex, no backtracking.
//! The table is the specification; `docs/failure-reasons.md` describes it. Pure.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use crate::reason::FailureReason;

/// What a phrase is evidence of. Most map straight to a reason; some depend on where they are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phrase {
    /// Evidence for this reason wherever it appears.
    Reason(FailureReason),
    /// Inside a `Starting authorizer` block the authorizer failed (`AuthorizerError`); outside one it is
    /// evidence for this reason, or for none. (`does not have permission to assume the provided role`,
    /// `Invalid endpoint address` and `Invalid JSON in response` are all logged for authorizers too.)
    OutsideAuthorizer(Option<FailureReason>),
}

use FailureReason as R;
use Phrase::Reason as P;

/// Authorizer failure inside an authorizer block, `r` outside one.
const fn ctx(r: FailureReason) -> Phrase {
    Phrase::OutsideAuthorizer(Some(r))
}

/// Phrase → evidence. Literal, case-sensitive text as AWS emits it (`docs/failure-reasons.md`; real captures for
/// each family are in `tests/it/execution_families.rs` with their sources).
pub(crate) const PHRASES: &[(&str, Phrase)] = &[
    // Lambda integrations
    ("Task timed out after", P(R::LambdaTimeout)),
    ("Error: Task timed out", P(R::LambdaTimeout)),
    ("customer function error", P(R::LambdaError)),
    ("Lambda Customer Function Error", P(R::LambdaError)),
    // HTTP APIs: `The Lambda function returned the following error: … Check your Lambda function code`.
    ("The Lambda function returned the following error", P(R::LambdaError)),
    ("Lambda invocation failed with status: 429", P(R::LambdaThrottled)),
    ("Rate Exceeded.", P(R::LambdaThrottled)),
    // Lambda's Invoke API refused API Gateway's call (wrong integration method, missing permission).
    (
        "Lambda invocation failed with status: 403",
        P(R::IntegrationPermissionError),
    ),
    ("Malformed Lambda proxy response", P(R::MalformedProxyResponse)),
    // Timeouts
    ("Execution failed due to a timeout error", P(R::IntegrationTimeout)),
    ("Endpoint request timed out", P(R::IntegrationTimeout)),
    // Network, TLS and VPC link failures of the integration
    ("Execution failed due to a network error", P(R::IntegrationNetworkError)),
    (
        "Network error communicating with endpoint",
        P(R::IntegrationNetworkError),
    ),
    ("Invalid endpoint address", ctx(R::IntegrationNetworkError)),
    ("SSLEngine", P(R::IntegrationNetworkError)),
    ("SSL handshake", P(R::IntegrationNetworkError)),
    ("PKIX path building failed", P(R::IntegrationNetworkError)),
    ("PKIX path validation failed", P(R::IntegrationNetworkError)),
    (
        "does not match the certificate subject provided by the peer",
        P(R::IntegrationNetworkError),
    ),
    ("vpc link error", P(R::IntegrationNetworkError)),
    // What API Gateway logs for a failed VPC link, endpoint service or unhealthy target (re:Post
    // knowledge center, "api-gateway-500-error-vpc").
    (
        "There was an internal error while executing your request",
        P(R::IntegrationNetworkError),
    ),
    // Permissions
    (
        "Invalid permissions on Lambda function",
        P(R::IntegrationPermissionError),
    ),
    (
        "does not have permission to assume the provided role",
        ctx(R::IntegrationPermissionError),
    ),
    // HTTP APIs' integrationErrorMessage for a role that cannot call the integration.
    (
        "doesn't have permissions to call the integration",
        P(R::IntegrationPermissionError),
    ),
    // Authorizers
    ("Authorizer error", P(R::AuthorizerError)),
    ("AuthorizerConfigurationException", P(R::AuthorizerError)),
    ("Could not parse policy", P(R::AuthorizerError)),
    ("AUTHORIZER_CONFIGURATION_ERROR", P(R::AuthorizerError)),
    ("AUTHORIZER_FAILURE", P(R::AuthorizerError)),
    ("Invalid JSON in response", Phrase::OutsideAuthorizer(None)),
    // HTTP APIs' authorizer errors (`$context.authorizer.error`).
    ("doesn't have permissions to call the authorizer", P(R::AuthorizerError)),
    (
        "The response from the Lambda Authorizer function doesn't match the format",
        P(R::AuthorizerError),
    ),
    // Mapping templates and integration responses
    ("Unable to transform request", P(R::MappingTemplateError)),
    ("Unable to transform response", P(R::MappingTemplateError)),
    ("Unable to base64 decode the body", P(R::MappingTemplateError)),
    (
        "Output mapping refers to an invalid method response",
        P(R::MappingTemplateError),
    ),
    (
        "No match for output mapping and no default output mapping configured",
        P(R::MappingTemplateError),
    ),
    ("Invalid mapping expression specified", P(R::MappingTemplateError)),
    // Client-side rejections
    ("Unauthorized request:", P(R::Unauthorized)),
    ("not authorized to access this resource", P(R::AccessDenied)),
    ("with an explicit deny", P(R::AccessDenied)),
    (
        "The client is not authorized to perform this operation",
        P(R::AccessDenied),
    ),
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

/// The phrases with leftmost-first semantics, which lets the automaton use its SIMD prefilter: almost no
/// line has a phrase, and the prefilter skips those far faster than a walk of the automaton byte by byte.
fn automaton() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        // A constant table of short literals cannot exceed the automaton's limits (tests build it).
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(PHRASES.iter().map(|(p, _)| p))
            .expect("the phrase table compiles")
    })
}

/// Calls `found` once for every phrase of the table that occurs in `text`.
///
/// Every occurrence counts, even inside another's span (`Error: Task timed out` and `Task timed out
/// after`): each search starts one byte after the last match's start. Two phrases could only start at one
/// place if one were a prefix of the other, and none is (`no_phrase_is_a_prefix_of_another`), so the
/// leftmost match at each start is the only one there. A bit set dedups without allocating.
pub(crate) fn scan(text: &str, mut found: impl FnMut(Phrase)) {
    const _: () = assert!(PHRASES.len() <= 64, "the phrase bit set is a u64");
    let mut seen = 0u64;
    let mut input = Input::new(text);
    while let Some(m) = automaton().find(input.clone()) {
        seen |= 1 << m.pattern().as_usize();
        // A phrase is never empty, so its start is inside the text and the next search starts after it.
        input.set_start(m.start() + 1);
    }
    while seen != 0 {
        found(PHRASES[seen.trailing_zeros() as usize].1);
        seen &= seen - 1;
    }
}

/// The reason a phrase stands for, given whether the line sits inside an authorizer block.
pub(crate) const fn resolve(phrase: Phrase, in_authorizer: bool) -> Option<FailureReason> {
    match phrase {
        Phrase::Reason(r) => Some(r),
        Phrase::OutsideAuthorizer(_) if in_authorizer => Some(R::AuthorizerError),
        Phrase::OutsideAuthorizer(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(text: &str, in_authorizer: bool) -> Vec<FailureReason> {
        let mut v = Vec::new();
        scan(text, |p| v.extend(resolve(p, in_authorizer)));
        v.sort();
        v
    }

    /// Every two phrases where one's end is the other's start, written once with their shared part
    /// (`Error: Task timed out after`).
    fn overlapping_pairs() -> Vec<String> {
        let mut pairs = Vec::new();
        for (a, _) in PHRASES {
            for (b, _) in PHRASES {
                if let Some(k) = (1..a.len().min(b.len())).rev().find(|&k| a.ends_with(&b[..k])) {
                    pairs.push(format!("{a}{}", &b[k..]));
                }
            }
        }
        pairs
    }

    /// Phrases, pairs that overlap, heads and tails of phrases (which overlap the next piece), and other
    /// text, in any order.
    fn piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let phrase = (0..PHRASES.len(), 0usize..80, 0usize..80).prop_map(|(i, a, b)| {
            let p = PHRASES[i].0;
            let (a, b) = (a.min(p.len()), b.min(p.len()));
            p.get(a.min(b)..a.max(b)).unwrap_or(p).to_owned()
        });
        prop_oneof![
            (0..PHRASES.len()).prop_map(|i| PHRASES[i].0.to_owned()),
            proptest::sample::select(overlapping_pairs()),
            phrase,
            "[ a-z:.]{0,6}",
        ]
    }

    proptest::proptest! {
        /// The scan finds exactly the phrases the text contains, overlapping or repeated ones too.
        #[test]
        fn the_scan_finds_every_phrase_the_text_contains(
            pieces in proptest::collection::vec(piece(), 0..12),
        ) {
            let text = pieces.concat();
            let mut seen = Vec::new();
            scan(&text, |p| seen.push(p));
            let contained: Vec<Phrase> = PHRASES.iter().filter(|(p, _)| text.contains(p)).map(|(_, r)| *r).collect();
            proptest::prop_assert_eq!(seen, contained, "{:?}", text);
        }
    }

    #[test]
    fn no_phrase_is_a_prefix_of_another() {
        for (a, _) in PHRASES {
            for (b, _) in PHRASES {
                assert!(a == b || !b.starts_with(a), "{a:?} starts {b:?}");
            }
        }
    }

    #[test]
    fn every_phrase_is_found_alone() {
        for (phrase, p) in PHRASES {
            assert_eq!(
                reasons(phrase, false),
                resolve(*p, false).into_iter().collect::<Vec<_>>(),
                "{phrase}"
            );
            assert_eq!(reasons(phrase, true).len(), 1, "{phrase}");
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
