//! Values that are secrets by their shape, whatever name (if any) they follow: bearer tokens, AWS access key
//! IDs and the secret keys beside them, JWTs. Each check reads forward from the pattern found and returns how
//! far it read, so a line repeating a pattern is still read once.

use super::{tokens, webhooks};

/// Shortest token taken after `Bearer ` (a real one is far longer; prose such as `Bearer auth` is not one).
pub(super) const MIN_BEARER_TOKEN: usize = 8;

/// RFC 6750 token68 bytes: `A-Z a-z 0-9 - . _ ~ + /`, then `=` padding.
const fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Base64url (JWT segments).
const fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')
}

/// `Bearer <token>` (any case): masks the token. `start..end` is the word `bearer`.
pub(super) fn bearer(b: &[u8], mut start: usize, mut end: usize, spans: &mut Vec<(usize, usize)>) -> usize {
    loop {
        let Some((token, i)) = credentials_after(b, start, end, usize::MAX, is_token_byte) else {
            return end;
        };
        // The scheme written twice or more (`Bearer Bearer <token>`, a common client slip): the token is
        // the one after the last. Read as a token, the second word hid the real one.
        if b[token..i].eq_ignore_ascii_case(b"bearer") {
            (start, end) = (token, i);
            continue;
        }
        if i - token >= MIN_BEARER_TOKEN {
            spans.push((token, i));
        }
        return i;
    }
}

/// The credentials after an authentication scheme's word (`start..end`, e.g. `bearer`, `basic`) that stands
/// alone: spaces, then at most `max` bytes that `is_byte` accepts, then base64 padding. `None` when the word
/// is part of a longer one or nothing follows it.
fn credentials_after(
    b: &[u8],
    start: usize,
    end: usize,
    max: usize,
    is_byte: impl Fn(u8) -> bool,
) -> Option<(usize, usize)> {
    if start > 0 && b[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let token = super::syntax::skip_spaces(b, end);
    if token == end {
        return None;
    }
    let mut i = token;
    while i < b.len() && i - token < max && is_byte(b[i]) {
        i += 1;
    }
    while i < b.len() && b[i] == b'=' {
        i += 1;
    }
    Some((token, i))
}

/// `AKIA` / `ASIA` and 16 more uppercase letters or digits, standing alone: an AWS access key ID.
pub(super) fn aws_key_id(b: &[u8], start: usize, spans: &mut Vec<(usize, usize)>) -> bool {
    const LEN: usize = 20;
    let Some(id) = b.get(start..start + LEN) else {
        return false;
    };
    let alone = (start == 0 || !b[start - 1].is_ascii_alphanumeric())
        && b.get(start + LEN).is_none_or(|c| !c.is_ascii_alphanumeric());
    let shaped = (id.starts_with(b"AKIA") || id.starts_with(b"ASIA"))
        && id[4..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if alone && shaped {
        spans.push((start, start + LEN));
    }
    alone && shaped
}

/// On a line with an access key ID: every standalone run of exactly 40 base64 characters (`A-Z a-z 0-9 + /`),
/// the shape of the secret access key that goes with it.
pub(super) fn aws_secret_keys(b: &[u8], spans: &mut Vec<(usize, usize)>) {
    const LEN: usize = 40;
    let is_key_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let mut i = 0;
    while i < b.len() {
        if !is_key_byte(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_key_byte(b[i]) {
            i += 1;
        }
        if i - start == LEN && b.get(i) != Some(&b'=') {
            spans.push((start, i));
        }
    }
}

/// `eyJ` (base64 of `{"`), a base64url segment, then at least one `.segment`: a JWT (JWS has three
/// segments, JWE five; the last JWS one may be empty).
pub(super) fn jwt(b: &[u8], start: usize, spans: &mut Vec<(usize, usize)>) -> usize {
    if !b[start..].starts_with(b"eyJ") || (start > 0 && (is_b64url(b[start - 1]) || b[start - 1] == b'.')) {
        return start + 1;
    }
    let segment = |from: usize| from + b[from..].iter().take_while(|&&c| is_b64url(c)).count();
    let mut end = segment(start);
    let mut dots = 0;
    while b.get(end) == Some(&b'.') && end + 1 < b.len() && is_b64url(b[end + 1]) {
        end = segment(end + 1);
        dots += 1;
    }
    // A trailing `.` ends an unsigned JWT (`header.payload.`).
    if dots == 1 && b.get(end) == Some(&b'.') {
        end += 1;
        dots += 1;
    }
    if dots >= 1 {
        spans.push((start, end));
    }
    end
}

/// The shapes other than bearer tokens, JWTs and AWS keys, at a match `start..end` (`at` is the lowercase
/// text from `start`): how far the shape's check read, if the match starts one (a shape names nothing).
pub(super) fn other_shape(
    text: &[u8],
    at: &[u8],
    start: usize,
    end: usize,
    spans: &mut Vec<(usize, usize)>,
) -> Option<usize> {
    let read_to = match at[0] {
        b':' | b'%' | b'3' if !at.starts_with(b"://") => {
            super::spelled::spelled_url_userinfo(text, start, spans).unwrap_or(end)
        }
        b'-' if at.starts_with(b"-----begin") => pem_private_key(at, start, spans),
        b':' => url_userinfo(text, start, spans),
        b'b' if at.starts_with(b"basic") => basic_credentials(text, start, end, spans),
        b'a' if at.starts_with(b"aiza") => google_api_key(text, start, spans),
        _ => tokens::prefixed_token(text, at, start, spans)?,
    };
    Some(read_to)
}

/// Google API keys: `AIza` and 35 more bytes (`A-Z a-z 0-9 _ -`):
/// https://cloud.google.com/docs/authentication/api-keys (the key string example).
pub(super) const GOOGLE_API_KEY_PREFIX: &str = "AIza";

/// `-----BEGIN <label>PRIVATE KEY-----` up to the end of its `-----END ...-----` line (or, if the block is
/// cut, the end of the text): the whole block, whatever line breaks or escaped breaks (`\n`) it spans, so a
/// key logged as `KEY=` + a PEM block is masked past its first line. Read in any case (`at` is the lowercased
/// text from `start`): RFC 7468 writes labels in capitals, but a key spelled in lowercase is still a key.
pub(super) fn pem_private_key(at: &[u8], start: usize, spans: &mut Vec<(usize, usize)>) -> usize {
    const BEGIN: &[u8] = b"-----begin ";
    /// The longest label read (`ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`).
    const MAX_LABEL: usize = 64;
    if !at.starts_with(BEGIN) {
        return start + 1;
    }
    let label_start = BEGIN.len();
    let window = &at[label_start..(label_start + MAX_LABEL).min(at.len())];
    let Some(label_len) = memchr::memmem::find(window, b"-----") else {
        return start + label_start;
    };
    if memchr::memmem::find(&window[..label_len], b"private key").is_none() {
        return start + label_start + label_len;
    }
    let body = label_start + label_len + 5;
    let end = match memchr::memmem::find(&at[body..], b"-----end") {
        Some(p) => {
            let after = body + p + 8;
            memchr::memmem::find(&at[after..(after + MAX_LABEL + 5).min(at.len())], b"-----")
                .map_or(after, |q| after + q + 5)
        }
        None => at.len(),
    };
    spans.push((start, start + end));
    start + end
}

/// `scheme://userinfo@host`: the user-info (`user:password`, or a token used as the user name). `start` is
/// where `://` is. Returns how far it read.
pub(super) fn url_userinfo(b: &[u8], start: usize, spans: &mut Vec<(usize, usize)>) -> usize {
    /// Longest user-info read: real ones (a user and a password or a token) are far shorter.
    const MAX_USERINFO: usize = 512;
    let from = start + 3;
    if start == 0 || !b[start - 1].is_ascii_alphanumeric() {
        return from;
    }
    let window = &b[from.min(b.len())..(from + MAX_USERINFO).min(b.len())];
    let len = window
        .iter()
        .position(|&c| {
            matches!(c, b'/' | b'?' | b'#' | b'@' | b'"' | b'\'' | b'<' | b'>' | b'\\') || c.is_ascii_whitespace()
        })
        .unwrap_or(window.len());
    let mut host = from;
    if window.get(len) == Some(&b'@') && len > 0 {
        spans.push((from, from + len));
        host = from + len + 1;
    }
    webhooks::webhook_path(b, host, spans).unwrap_or(from + len)
}

/// `Basic <base64 of user:password>` anywhere (a header quoted in free text): masks the credentials when
/// they decode to a `user:password` pair, so prose (`Basic configuration`) stays. `start..end` is `basic`.
pub(super) fn basic_credentials(b: &[u8], start: usize, end: usize, spans: &mut Vec<(usize, usize)>) -> usize {
    use base64::Engine as _;
    /// Longest credentials decoded (a user name and a password).
    const MAX_CREDENTIALS: usize = 1024;
    let is_base64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/');
    let Some((token, i)) = credentials_after(b, start, end, MAX_CREDENTIALS, is_base64) else {
        return end;
    };
    let decoded = base64::engine::general_purpose::STANDARD.decode(&b[token..i]);
    if decoded.is_ok_and(|d| d.contains(&b':')) {
        spans.push((token, i));
    }
    i
}

/// `AIza` and 35 token bytes: a Google API key.
pub(super) fn google_api_key(b: &[u8], start: usize, spans: &mut Vec<(usize, usize)>) -> usize {
    const LEN: usize = 39;
    let end = start
        + 4
        + b[(start + 4).min(b.len())..]
            .iter()
            .take_while(|&&c| tokens::is_body_byte(c))
            .count();
    let alone = start == 0 || !tokens::is_body_byte(b[start - 1]);
    if alone && b[start..].starts_with(GOOGLE_API_KEY_PREFIX.as_bytes()) && end - start == LEN {
        spans.push((start, end));
    }
    end
}
