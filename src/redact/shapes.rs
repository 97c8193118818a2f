//! Values that are secrets by their shape, whatever name (if any) they follow: bearer tokens, AWS access key
//! IDs and the secret keys beside them, JWTs. Each check reads forward from the pattern found and returns how
//! far it read, so a line repeating a pattern is still read once.

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
pub(super) fn bearer(b: &[u8], start: usize, end: usize, spans: &mut Vec<(usize, usize)>) -> usize {
    if start > 0 && b[start - 1].is_ascii_alphanumeric() {
        return end;
    }
    let token = super::names::skip_spaces(b, end);
    if token == end {
        return end;
    }
    let mut i = token;
    while i < b.len() && is_token_byte(b[i]) {
        i += 1;
    }
    while i < b.len() && b[i] == b'=' {
        i += 1;
    }
    if i - token >= MIN_BEARER_TOKEN {
        spans.push((token, i));
    }
    i
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
