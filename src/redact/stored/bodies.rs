//! Request and response bodies as stored by default: their size, a hash and, for an answer, what the
//! classifier reads from it (`docs/what-is-stored.md`).

use std::fmt::Write as _;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use sha2::{Digest as _, Sha256};

use super::TRUNCATED;
use crate::redact::Redactor;

/// Lambda's own failure phrases in a response body, which the classifier reads (`log-formats.md` §2).
const BODY_PHRASES: [&str; 2] = [
    "Process exited before completing request",
    "ConcurrentInvocationLimitExceeded",
];

/// The first 8 bytes of the SHA-256 of nothing, which a body summary keeps for an empty body
/// (`the_empty_body_hash_is_sha256_of_nothing`).
const EMPTY_BODY_HASH: [u8; 8] = [0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14];

/// Longest `errorType` kept from a body (real ones: `Runtime.ExitError`, `HandlerNotFound`, `TypeError`).
const MAX_ERROR_TYPE: usize = 64;

impl Redactor {
    /// `prefix`, then a body as kept: `[<n> bytes, sha256:<first 8 bytes, hex>]`, then, from an `answer`,
    /// what the classifier reads from it; one buffer, written once.
    pub(super) fn body_summary(&self, prefix: &str, body: &str, answer: bool) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let (body, truncated) = match body.strip_suffix(TRUNCATED) {
            Some(b) => (b, true),
            None => (body, false),
        };
        // Most requests have no body (`GET`): its hash is a constant, not a hash computed per request.
        let digest = if body.is_empty() {
            EMPTY_BODY_HASH
        } else {
            let full = Sha256::digest(body.as_bytes());
            std::array::from_fn(|i| full[i])
        };
        let mut out = String::with_capacity(prefix.len() + 64);
        out.push_str(prefix);
        let _ = write!(out, "[{} bytes, sha256:", body.len());
        for &byte in &digest {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        out.push(']');
        if answer {
            self.answer_reading(body, &mut out);
        }
        if truncated {
            out.push_str(TRUNCATED);
        }
        out
    }

    /// What the classifier reads from an answer's body: a proxy response's `statusCode`, a Lambda
    /// `errorType` (identifier bytes only), Lambda's own failure phrases.
    fn answer_reading(&self, body: &str, out: &mut String) {
        if let Some(code) = json_value(body, &STATUS_CODE_KEY).map(|v| v.trim_start_matches('"'))
            && let Some(n) = code.get(..3).filter(|n| n.bytes().all(|c| c.is_ascii_digit()))
        {
            out.push_str(" statusCode=");
            out.push_str(n);
        }
        if let Some(t) = json_value(body, &ERROR_TYPE_KEY).and_then(|v| v.strip_prefix('"')) {
            let len = t
                .bytes()
                .take(MAX_ERROR_TYPE)
                .take_while(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-'))
                .count();
            if len > 0 {
                out.push_str(" errorType=");
                out.push_str(&self.mask(&t[..len]));
            }
        }
        for (phrase, found) in BODY_PHRASES.iter().zip(lambda_phrases(body)) {
            if found {
                out.push_str(" (");
                out.push_str(phrase);
                out.push(')');
            }
        }
    }
}

/// Searchers for the fixed keys and phrases read from every body, built once (a `memmem` searcher per call
/// costs more than the search on a short body).
static STATUS_CODE_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\"statusCode\""));
static ERROR_TYPE_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\"errorType\""));
static BODY_PHRASE_FINDERS: LazyLock<[Finder<'static>; 2]> = LazyLock::new(|| BODY_PHRASES.map(Finder::new));

/// Whether a body holds each of Lambda's own failure phrases: the process exited before completing the
/// request (a crash or out-of-memory kill of an older runtime), and a concurrency limit was exceeded.
/// The classifier reads these, and the stored summary names them.
pub(crate) fn lambda_phrases(body: &str) -> [bool; 2] {
    BODY_PHRASE_FINDERS
        .each_ref()
        .map(|f| f.find(body.as_bytes()).is_some())
}
/// What follows `"key"` and a `:` in a JSON body (spaces skipped), unescaped JSON only.
fn json_value<'a>(body: &'a str, key: &Finder<'_>) -> Option<&'a str> {
    let at = key.find(body.as_bytes())?;
    let rest = body[at + key.needle().len()..].trim_start().strip_prefix(':')?;
    Some(rest.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_body_hash_is_sha256_of_nothing() {
        assert_eq!(EMPTY_BODY_HASH[..], Sha256::digest(b"")[..8]);
        let prefix = super::super::REQUEST_BODY_LINES[0];
        let r = Redactor::builtin();
        assert_eq!(
            r.execution_line(prefix).as_str(),
            format!("{prefix}[0 bytes, sha256:e3b0c44298fc1c14]")
        );
    }
}
