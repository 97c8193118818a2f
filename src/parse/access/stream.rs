//! REST response streaming (November 2025): what an access-log record of a streamed response says about
//! how the stream ended.
//!
//! With `responseTransferMode` `STREAM`, API Gateway sends the status and headers as soon as the integration
//! gave them, then the body as it comes, for up to 15 minutes, and cuts a stream that stays idle longer than
//! the idle timeout. So a streamed request can fail *after* its success status was sent: the access log then
//! shows that status with the failure's text. And a streamed request's timeout is not the 29-second
//! integration timeout of buffered responses. Sources: the API Gateway Developer Guide, "Stream the
//! integration response for your proxy integrations" (limits) and "Troubleshoot issues with response
//! streaming" (the access-log variables). No real capture of a failed stream was found: the rules below
//! follow the documented variables and limits only (docs/failure-reasons.md).

use super::Field;
use crate::reason::{EvidenceSet, FailureReason};

/// Longest a response can stream (API Gateway Developer Guide, "Stream the integration response for your
/// proxy integrations": "You can stream your response for up to 15 minutes"); also the longest streaming
/// integration timeout ("Set up an HTTP proxy integration with payload response streaming").
pub const MAX_STREAM_MS: u64 = 15 * 60 * 1000;

/// `$context.integration.responseTransferMode` (`BUFFERED` or `STREAMED` as the troubleshooting guide logs
/// it; `STREAM` as the integration setting spells it): whether the response was streamed.
pub(super) fn is_streamed(mode: &str) -> Option<bool> {
    match mode.trim().to_ascii_uppercase().as_str() {
        "STREAMED" | "STREAM" => Some(true),
        "BUFFERED" => Some(false),
        _ => None,
    }
}

/// What one streamed record's timings and status say.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Timing {
    /// The status the access log states (for a stream cut after its headers, the one the client got).
    pub status: Option<u16>,
    /// `$context.integration.timeToAllHeaders`: present once the integration's headers arrived.
    pub headers_ms: Option<u64>,
    /// `$context.integration.latency`: until the integration's response stream completed (or was cut).
    pub latency_ms: Option<u64>,
}

impl Timing {
    /// The timing of a record, through the access parser's field getter.
    pub(super) fn of<'s>(get: &impl Fn(Field) -> Option<&'s str>, status: Option<u16>) -> Self {
        let ms = |f: Field| get(f).and_then(|v| v.parse::<u64>().ok());
        Self {
            status,
            headers_ms: ms(Field::TimeToAllHeaders),
            latency_ms: ms(Field::IntegrationLatency).or(ms(Field::ResponseLatency)),
        }
    }
}

/// Whether a record carries failure text: an error message, an integration error or a gateway response type.
pub(super) fn failure_logged<'s>(get: &impl Fn(Field) -> Option<&'s str>) -> bool {
    [Field::ErrorMessage, Field::IntegrationError, Field::ErrorResponseType]
        .into_iter()
        .any(|f| get(f).is_some())
}

/// The fields a streamed failure's detail adds to the failure text: when the stream ended.
pub(super) const DETAIL: &[(Field, &str)] = &[
    (Field::Status, "status"),
    (Field::TimeToAllHeaders, "integration.timeToAllHeaders"),
    (Field::TimeToFirstContent, "integration.timeToFirstContent"),
    (Field::IntegrationLatency, "integration.latency"),
];

/// Adds what a streamed record's evidence means: a timeout is the streaming integration timeout or the
/// 15-minute limit ([`FailureReason::StreamTimeout`]) or the idle timeout
/// ([`FailureReason::StreamIdleTimeout`]), never the 29-second buffered one; failure text on a record whose
/// status is a success is a stream that failed after its headers ([`FailureReason::StreamInterrupted`]).
/// `failure_logged`: the record carries an error message, an integration error or a gateway response type.
pub(super) fn refine(found: &mut EvidenceSet, t: Timing, failure_logged: bool) {
    if found.contains(FailureReason::IntegrationTimeout) {
        // The client got the headers when the logged status is a success; without a status, when the
        // integration's headers had arrived.
        let headers_sent = match t.status {
            Some(s) => s < 400,
            None => t.headers_ms.is_some(),
        };
        let reason = match (headers_sent, t.latency_ms) {
            // No headers yet: the integration timeout of a streaming integration (up to 15 minutes).
            (false, _) => FailureReason::StreamTimeout,
            // Headers sent and the stream ran to the limit.
            (true, Some(l)) if l >= MAX_STREAM_MS => FailureReason::StreamTimeout,
            // Headers sent, cut before the limit: what cuts a flowing stream then is the idle timeout.
            (true, _) => FailureReason::StreamIdleTimeout,
        };
        found.insert(reason);
    } else if failure_logged && t.status.is_some_and(|s| s < 400) {
        found.insert(FailureReason::StreamInterrupted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refined(t: Timing, timeout: bool, logged: bool) -> Option<FailureReason> {
        let mut found = EvidenceSet::default();
        if timeout {
            found.insert(FailureReason::IntegrationTimeout);
        }
        refine(&mut found, t, logged);
        found.winner()
    }

    #[test]
    fn transfer_modes_read_in_both_spellings() {
        assert_eq!(is_streamed("STREAMED"), Some(true));
        assert_eq!(is_streamed("STREAM"), Some(true));
        assert_eq!(is_streamed("BUFFERED"), Some(false));
        assert_eq!(is_streamed("-"), None);
    }

    #[test]
    fn each_streamed_end_has_its_reason() {
        use FailureReason::*;
        let t = |status, headers_ms, latency_ms| Timing {
            status: Some(status),
            headers_ms,
            latency_ms,
        };
        let cases = [
            // (timing, timeout evidence, failure text logged, reason)
            (t(504, None, Some(600_000)), true, true, Some(StreamTimeout)),
            (t(200, Some(40), Some(MAX_STREAM_MS)), true, true, Some(StreamTimeout)),
            (t(200, Some(40), Some(330_000)), true, true, Some(StreamIdleTimeout)),
            // A format without timeToAllHeaders: the 200 says the headers were sent.
            (t(200, None, Some(330_000)), true, true, Some(StreamIdleTimeout)),
            // The integration's headers came, but the client got a 504: they were never sent.
            (t(504, Some(40), Some(600_000)), true, true, Some(StreamTimeout)),
            (t(200, Some(40), Some(12_000)), false, true, Some(StreamInterrupted)),
            (t(502, Some(40), Some(12_000)), false, true, None),
            (t(200, Some(40), Some(12_000)), false, false, None),
        ];
        for (timing, timeout, logged, want) in cases {
            assert_eq!(refined(timing, timeout, logged), want, "{timing:?} {timeout} {logged}");
        }
    }
}
