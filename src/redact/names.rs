//! Values of sensitive names: from a word found in a line to the name around it, the `=` or `:` after it,
//! and the extent of its value in the syntax at hand. Every scan is bounded by the line and by
//! [`MAX_NAME_BYTES`] for the name.

use super::MAX_NAME_BYTES;

/// Bytes a bare name is made of: ASCII letters and digits, `-`, `_`, `.`.
pub(super) const fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// Escaping deeper than this (2^7 - 1 backslashes: JSON in JSON seven times over) is not read as escaping;
/// it bounds every backslash count, so no count rereads a long run.
const MAX_ESCAPES: usize = 127;

/// The next line break, remembered across the values of one line: values start further and further on, so
/// the line is searched for breaks once, not once per value.
#[derive(Debug, Default)]
pub(super) struct Breaks {
    /// A position searched from, and the first break at or after it (or the line's end).
    from: usize,
    at: Option<usize>,
}

impl Breaks {
    /// The first `\n` or `\r` at or after `start`, or the end.
    fn next(&mut self, b: &[u8], start: usize) -> usize {
        match self.at {
            Some(at) if self.from <= start && start <= at => at,
            _ => {
                let at = memchr::memchr2(b'\n', b'\r', &b[start..]).map_or(b.len(), |p| start + p);
                (self.from, self.at) = (start, Some(at));
                at
            }
        }
    }
}

/// Backslashes before `i` (at most [`MAX_ESCAPES`]).
fn escapes_before(b: &[u8], from: usize, i: usize) -> usize {
    b[from.max(i.saturating_sub(MAX_ESCAPES))..i]
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count()
}

/// A quote and how many backslashes escape it (0 in plain JSON, 1 in JSON inside a JSON string, 3, 7, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quote {
    byte: u8,
    level: usize,
}

/// The name (a run of name bytes, at most [`MAX_NAME_BYTES`] long) that bytes `start..end` are part of.
pub(super) fn name_around(b: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    Some((run_start(b, start)?, run_end(b, end)?))
}

/// The value to mask of the name at `name_start..name_end`, if the name is followed by `=` or `:`.
/// `whole`: an Authorization/Cookie-style value.
pub(super) fn value_of(
    b: &[u8],
    name_start: usize,
    name_end: usize,
    whole: bool,
    breaks: &mut Breaks,
) -> Option<(usize, usize)> {
    // After the name: an optional closing quote (escaped or not), spaces, then the delimiter.
    let mut i = name_end;
    let closing = quote_at(b, i);
    if let Some(q) = closing {
        i += q.level + 1;
    } else if b.get(i) == Some(&b'\\') {
        return None;
    }
    i = skip_spaces(b, i);
    let delim = *b.get(i).filter(|&&d| d == b'=' || d == b':')?;
    if delim == b':'
        && closing.is_none()
        && name_start > 0
        && b[name_start - 1] == b':'
        && !matches!(b.get(i + 1), Some(b' ' | b'\t'))
    {
        // A segment of an ARN (`...:function:token-service:live`), not `Name: value`.
        return None;
    }
    let opening = name_start.checked_sub(1).and_then(|q| quote_ending_at(b, q));
    let context = if delim == b'=' && name_start > 0 && matches!(b[name_start - 1], b'?' | b'&') {
        Context::Query
    } else if opening.is_some() && closing.is_none() {
        // `"...token=abc..."`: the pair sits inside a string, which ends the value.
        Context::InString
    } else if delim == b'=' {
        Context::Map
    } else if closing.is_some() {
        Context::Json
    } else {
        Context::Text
    };
    let span = value_span(b, i + 1, context, whole, breaks)?;
    (span.1 > span.0).then_some(span)
}

/// Where the name containing `i` starts (`None` past [`MAX_NAME_BYTES`]: not a name).
fn run_start(b: &[u8], i: usize) -> Option<usize> {
    let floor = i.saturating_sub(MAX_NAME_BYTES);
    let mut s = i;
    while s > floor && is_name_byte(b[s - 1]) {
        s -= 1;
    }
    (s == 0 || !is_name_byte(b[s - 1])).then_some(s)
}

/// Where the name containing `i - 1` ends (`None` past [`MAX_NAME_BYTES`]).
fn run_end(b: &[u8], i: usize) -> Option<usize> {
    let ceil = (i + MAX_NAME_BYTES).min(b.len());
    let mut e = i;
    while e < ceil && is_name_byte(b[e]) {
        e += 1;
    }
    (e == b.len() || !is_name_byte(b[e])).then_some(e)
}

/// Backslashes from `i` on, then a quote: that quote.
fn quote_at(b: &[u8], i: usize) -> Option<Quote> {
    let level = b[i.min(b.len())..]
        .iter()
        .take(MAX_ESCAPES)
        .take_while(|&&c| c == b'\\')
        .count();
    match b.get(i + level) {
        Some(&byte @ (b'"' | b'\'')) => Some(Quote { byte, level }),
        _ => None,
    }
}

/// A quote at `q`, with the backslashes before it.
fn quote_ending_at(b: &[u8], q: usize) -> Option<Quote> {
    let byte = *b.get(q).filter(|&&c| c == b'"' || c == b'\'')?;
    Some(Quote {
        byte,
        level: escapes_before(b, 0, q),
    })
}

/// The syntax the name/value pair is written in.
#[derive(Debug, Clone, Copy)]
enum Context {
    /// `?name=value&...`.
    Query,
    /// Inside a string (`"token=abc"`).
    InString,
    /// `Name=value` (API Gateway maps, logfmt).
    Map,
    /// `"name": value`.
    Json,
    /// `Name: value`.
    Text,
}

pub(super) fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The value that starts after the delimiter (at `i`, before spaces).
fn value_span(b: &[u8], i: usize, context: Context, whole: bool, breaks: &mut Breaks) -> Option<(usize, usize)> {
    let v = skip_spaces(b, i);
    if let Some(q) = quote_at(b, v) {
        let start = v + q.level + 1;
        return Some((start, closing_quote(b, start, q)));
    }
    let json_like = matches!(context, Context::Json | Context::InString | Context::Text);
    match b.get(v) {
        None => return None,
        Some(b'[') if json_like => return Some(array(b, v)),
        Some(b'{') if json_like => return object(b, v),
        Some(b'n') if json_like && b[v..].starts_with(b"null") => return None,
        _ => {}
    }
    let end = match context {
        Context::Query => end_at(
            b,
            v,
            |c| matches!(c, b'&' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'}' | b']' | b')' | b'\\'),
            true,
        ),
        // An Authorization-style value in a string runs to the string's end (`"Authorization: Bearer t"`).
        Context::InString if whole => end_at(b, v, |c| matches!(c, b'"' | b'\'' | b'\\'), false),
        Context::InString => end_at(b, v, |c| matches!(c, b'"' | b'\'' | b'\\' | b'&' | b',' | b';'), true),
        Context::Json => end_at(b, v, |c| matches!(c, b',' | b'}' | b']' | b'"' | b'\\'), true),
        Context::Map => kv_map_value_end(b, v, breaks),
        Context::Text if whole => pair_value_end(b, v, breaks),
        Context::Text => end_at(b, v, |c| matches!(c, b'\n' | b'\r' | b',' | b'}' | b']' | b';'), false),
    };
    Some((v, if whole { auth_params_end(b, end) } else { end }))
}

/// The first byte from `v` on that `stop` accepts (or whitespace, if `at_space`), or the end.
fn end_at(b: &[u8], v: usize, stop: impl Fn(u8) -> bool, at_space: bool) -> usize {
    b[v..]
        .iter()
        .position(|&c| stop(c) || (at_space && c.is_ascii_whitespace()) || (!at_space && matches!(c, b'\n' | b'\r')))
        .map_or(b.len(), |p| v + p)
}

/// The closing quote of a string opened by `q` (its content starts at `start`), or the end of the line.
/// Plain strings skip their escapes. In an escaped string (`\"...\"`) the first quote escaped no more than
/// the opening one ends it: its own closing quote, or an enclosing string's (an over-long mask, never a
/// short one).
fn closing_quote(b: &[u8], start: usize, q: Quote) -> usize {
    let mut i = start;
    if q.level == 0 {
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                c if c == q.byte => return i,
                _ => i += 1,
            }
        }
        return b.len();
    }
    while let Some(p) = memchr::memchr(q.byte, &b[i.min(b.len())..]) {
        let at = i + p;
        let escapes = escapes_before(b, start, at);
        if escapes <= q.level {
            return at - escapes;
        }
        i = at + 1;
    }
    b.len()
}

/// A JSON array: every element is the sensitive name's value. Masked from the first element's opening quote
/// to the last one's closing quote, so the text keeps its shape (`["****"]`, `[\"****\"]`).
fn array(b: &[u8], v: usize) -> (usize, usize) {
    let end = memchr::memchr2(b']', b'\n', &b[v..]).map_or(b.len(), |p| v + p);
    let inner = &b[v..end];
    match (memchr::memchr(b'"', inner), memchr::memrchr(b'"', inner)) {
        (Some(first), Some(last)) if last > first => {
            let close = v + last;
            (v + first + 1, close - escapes_before(b, v, close))
        }
        _ => (v + 1, end),
    }
}

/// A JSON object as a sensitive name's value (`"credentials": {...}`): its content, braces balanced
/// (strings skipped), up to the line's end if it is cut.
fn object(b: &[u8], v: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut i = v;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((v + 1, i));
                }
            }
            b'"' if b[i - 1] != b'\\' => {
                i = closing_quote(b, i + 1, Quote { byte: b'"', level: 0 });
            }
            b'\n' | b'\r' => break,
            _ => {}
        }
        i += 1;
    }
    Some((v + 1, i.min(b.len())))
}

/// In `{A=v, B=w}` a value ends at the closing brace or at a `, ` that starts the next `Name=` pair,
/// so values containing `, ` (e.g. `X-Forwarded-For=1.2.3.4, 5.6.7.8`) are masked whole.
///
/// Values are long (tokens, cookies), so the scan jumps between the bytes that can end one (`memchr`).
pub(super) fn kv_map_value_end(bytes: &[u8], start: usize, breaks: &mut Breaks) -> usize {
    pair_end(bytes, start, breaks, false)
}

/// A whole `Name: value` value (Authorization, Cookie): to the line's end, a closing brace, or a `, ` that
/// starts the next `Name=` / `Name:` pair.
fn pair_value_end(bytes: &[u8], start: usize, breaks: &mut Breaks) -> usize {
    pair_end(bytes, start, breaks, true)
}

/// The end of a value that runs to the next pair: `Name=` (or `Name:`, with `colon`).
fn pair_end(bytes: &[u8], start: usize, breaks: &mut Breaks, colon: bool) -> usize {
    // A line break ends the value wherever it is; the other ends need a closer look.
    let end = breaks.next(bytes, start);
    let mut i = start;
    while let Some(p) = memchr::memchr3(b'}', b',', b' ', &bytes[i..end]) {
        i += p;
        match bytes[i] {
            b'}' => return i,
            b',' if bytes.get(i + 1) == Some(&b' ') && starts_pair(bytes, i + 2, colon) => return i,
            b' ' if is_truncation_marker(&bytes[i..]) => return i,
            _ => i += 1,
        }
    }
    end
}

/// API Gateway ends cut lines with ` [TRUNCATED]`; it is not part of the value.
pub(super) fn is_truncation_marker(rest: &[u8]) -> bool {
    rest.strip_prefix(b" [TRUNCATED]")
        .is_some_and(|tail| tail.iter().all(u8::is_ascii_whitespace))
}

/// Whether `Name=` (or `Name:`, with `colon`) starts at `start`.
pub(super) fn starts_pair(bytes: &[u8], start: usize, colon: bool) -> bool {
    let name_len = bytes[start.min(bytes.len())..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        .count();
    name_len > 0
        && (bytes.get(start + name_len) == Some(&b'=') || (colon && bytes.get(start + name_len) == Some(&b':')))
}

/// The parameters of Digest (RFC 7616) and AWS SigV4 `Authorization` values, and OAuth 1.0 (`oauth_*`).
const AUTH_PARAMS: [&str; 14] = [
    "username",
    "realm",
    "nonce",
    "uri",
    "response",
    "algorithm",
    "cnonce",
    "opaque",
    "qop",
    "nc",
    "userhash",
    "credential",
    "signedheaders",
    "signature",
];

fn is_auth_param(name: &[u8]) -> bool {
    AUTH_PARAMS.iter().any(|p| name.eq_ignore_ascii_case(p.as_bytes()))
        || name.len() > 6 && name[..6].eq_ignore_ascii_case(b"oauth_")
}

/// An Authorization-style value continues over `, param=value` parts (`Digest username="u", realm="r",
/// response="..."`, `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`).
fn auth_params_end(b: &[u8], mut end: usize) -> usize {
    loop {
        if b.get(end) != Some(&b',') {
            return end;
        }
        let name_start = skip_spaces(b, end + 1);
        let name_end = name_start + b[name_start..].iter().take_while(|&&c| is_name_byte(c)).count();
        if !is_auth_param(&b[name_start..name_end]) {
            return end;
        }
        let eq = skip_spaces(b, name_end);
        if b.get(eq) != Some(&b'=') {
            return end;
        }
        let v = skip_spaces(b, eq + 1);
        end = match quote_at(b, v) {
            Some(q) => {
                let close = closing_quote(b, v + q.level + 1, q);
                (close + q.level + 1).min(b.len())
            }
            None => end_at(b, v, |c| matches!(c, b',' | b'}' | b'"' | b'\''), true),
        };
    }
}
