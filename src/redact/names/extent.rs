//! The extent of a value in the syntax at hand: quoted, bracketed (arrays and objects at any depth, balanced
//! to their closing bracket), or a bare run, with the escaping level the name was found at.

use super::*;

/// Backslashes from `i` on, then a quote: that quote.
pub(super) fn quote_at(b: &[u8], i: usize) -> Option<Quote> {
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
pub(super) fn quote_ending_at(b: &[u8], q: usize) -> Option<Quote> {
    let byte = *b.get(q).filter(|&&c| c == b'"' || c == b'\'')?;
    Some(Quote {
        byte,
        level: escapes_before(b, 0, q),
    })
}

/// The syntax the name/value pair is written in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Context {
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

/// The value that starts after the delimiter (at `i`, before spaces).
pub(super) fn value_span(
    b: &[u8],
    i: usize,
    context: Context,
    whole: bool,
    level: usize,
    breaks: &mut Breaks,
) -> Option<(usize, usize)> {
    let v = skip_spaces(b, i);
    if let Some(q) = quote_at(b, v) {
        let start = v + q.level + 1;
        return Some((start, closing_quote(b, start, q)));
    }
    let json_like = matches!(context, Context::Json | Context::InString | Context::Text);
    match b.get(v) {
        None => return None,
        Some(b'[') if json_like => return Some(array(b, v, level)),
        Some(b'{') if json_like => return object(b, v, level),
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
pub(super) fn end_at(b: &[u8], v: usize, stop: impl Fn(u8) -> bool, at_space: bool) -> usize {
    b[v..]
        .iter()
        .position(|&c| stop(c) || (at_space && c.is_ascii_whitespace()) || (!at_space && matches!(c, b'\n' | b'\r')))
        .map_or(b.len(), |p| v + p)
}

/// The closing quote of a string opened by `q` (its content starts at `start`), or the end of the line.
/// Plain strings skip their escapes. In an escaped string (`\"...\"`) the first quote escaped no more than
/// the opening one ends it: its own closing quote, or an enclosing string's (an over-long mask, never a
/// short one).
pub(super) fn closing_quote(b: &[u8], start: usize, q: Quote) -> usize {
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

/// A JSON array: every element is the sensitive name's value, at any depth (arrays of arrays, objects in
/// arrays). Masked from the first quote inside to the last one before its closing bracket, so the text keeps
/// its shape (`["****"]`, `[\"****\"]`, `[["****"]]`); `level` is the escaping of the strings around it.
pub(super) fn array(b: &[u8], v: usize, level: usize) -> (usize, usize) {
    let end = balanced(b, v, level);
    let inner = &b[v..end];
    match (memchr::memchr(b'"', inner), memchr::memrchr(b'"', inner)) {
        (Some(first), Some(last)) if last > first => {
            let close = v + last;
            (v + first + 1, close - escapes_before(b, v, close))
        }
        _ => (v + 1, end),
    }
}

/// A JSON object as a sensitive name's value (`"credentials": {...}`): its content, to the matching brace.
pub(super) fn object(b: &[u8], v: usize, level: usize) -> Option<(usize, usize)> {
    Some((v + 1, balanced(b, v, level)))
}

/// The bracket that closes the `[` or `{` at `v`, counting both kinds and skipping the strings of this
/// escaping `level` (a quote escaped less ends an enclosing string, and so the value); else the line's end.
/// One pass over what it reads.
pub(super) fn balanced(b: &[u8], v: usize, level: usize) -> usize {
    let mut depth = 0usize;
    let mut i = v;
    while i < b.len() {
        match b[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            b'"' => {
                let escapes = escapes_before(b, v, i);
                if escapes < level {
                    return i - escapes;
                }
                if escapes == level {
                    let close = closing_quote(b, i + 1, Quote { byte: b'"', level });
                    let run = b[close.min(b.len())..].iter().take_while(|&&c| c == b'\\').count();
                    if close >= b.len() || run < level {
                        return close.min(b.len());
                    }
                    i = close + level;
                }
            }
            b'\n' | b'\r' => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}
