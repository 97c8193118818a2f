//! Values of sensitive names: from a word found in a line to the name around it, the `=` or `:` after it,
//! and the extent of its value in the syntax at hand. Every scan is bounded by the line and by
//! [`MAX_NAME_BYTES`] for the name.

use super::syntax::{is_name_byte, skip_spaces};
use super::{MAX_NAME_BYTES, Redactor, Scan};

mod extent;
mod pairs;
use extent::*;
use pairs::pair_value_end;
pub(super) use pairs::{MapEntries, kv_map_value_end};
#[cfg(test)]
pub(super) use pairs::{is_truncation_marker, pair_delimiter};

impl Redactor {
    /// A name spelled with JSON `\u00XX` escapes around the escape at `start` (`"\u0070assword"`): its
    /// value, when the name it spells is sensitive.
    pub(super) fn escaped_name(&self, text: &[u8], start: usize, scan: &mut Scan) {
        let Some((name_start, name_end, name)) = super::spelled::escaped_name(text, start) else {
            return;
        };
        scan.name_read_to = name_end;
        let Some(whole) = self.sensitive(&name) else {
            return;
        };
        if let Some(span) = value_of(text, name_start, name_end, whole, &mut scan.breaks) {
            scan.masked_to = scan.masked_to.max(span.1);
            scan.spans.push(span);
        }
    }
}

/// Escaping deeper than this (2^7 - 1 backslashes: JSON in JSON seven times over) is not read as escaping;
/// it bounds every backslash count, so no count rereads a long run.
const MAX_ESCAPES: usize = 127;

/// What the word at a match says about its name without looking further: most matches are whole words.
pub(super) fn word_at(at: &[u8]) -> Option<bool> {
    const WHOLE: [&[u8]; 2] = [b"authorization", b"cookie"];
    const WORDS: [&[u8]; 16] = [
        b"secret",
        b"token",
        b"credential",
        b"session",
        b"signature",
        b"password",
        b"passwd",
        b"passphrase",
        b"apikey",
        b"api_key",
        b"api-key",
        b"privatekey",
        b"private_key",
        b"private-key",
        b"accountkey",
        b"accesskey",
    ];
    // The first byte first: most matches start no word, and a call to compare costs more than the byte.
    let starts = |w: &&[u8]| w[0] == at[0] && at.starts_with(w);
    if WHOLE.iter().any(starts) {
        return Some(true);
    }
    WORDS.iter().any(starts).then_some(false)
}

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
    value_after(b, name_start, name_end, whole, true, breaks)
}

/// [`value_of`]; `paired`: also look for a paired `Value` (not from inside that look, so it never recurses).
fn value_after(
    b: &[u8],
    name_start: usize,
    name_end: usize,
    whole: bool,
    paired: bool,
    breaks: &mut Breaks,
) -> Option<(usize, usize)> {
    // After the name: the closing brackets of a form field (`user[password]=`, `user%5Bpassword%5D=`,
    // `password[]=`), an optional closing quote (escaped or not), spaces, then the delimiter.
    let mut i = close_brackets(b, name_end);
    let bracketed = i > name_end;
    let closing = quote_at(b, i);
    if let Some(q) = closing {
        i += q.level + 1;
    } else if b.get(i) == Some(&b'\\') {
        // `password\u0022:\u0022v\u0022`, `password\u003dv` (.NET escapes quotes as `\u0022`).
        return super::spelled::unicode_escaped_value(b, i);
    } else if b.get(i) == Some(&b'>') {
        return xml_element(b, name_start, i);
    } else if b.get(i) == Some(&b' ') && name_start > 0 && b[name_start - 1] == b'<' {
        // `<Password xsi:type="string">v</Password>`.
        let gt = super::spelled::start_tag_end(b, i)?;
        return xml_element(b, name_start, gt);
    } else if b.get(i) == Some(&b'<') {
        return super::spelled::named_content(b, name_start, name_end, i);
    }
    if closing.is_some()
        && let Some(span) = super::spelled::named_content(b, name_start, name_end, i)
    {
        return Some(span);
    }
    if closing.is_none()
        && b.get(i) == Some(&b'&')
        && let Some(span) = super::spelled::entity_value(b, i)
    {
        // `&quot;password&quot;:&quot;v&quot;`, `password&#61;v`: HTML character references.
        return Some(span);
    }
    i = skip_spaces(b, i);
    if let Some(span) = super::spelled::percent_encoded_value(b, i) {
        return Some(span);
    }
    let Some(&delim) = b.get(i).filter(|&&d| d == b'=' || d == b':') else {
        if let Some(span) = flag_value(b, name_start, name_end, i) {
            return Some(span);
        }
        // `{"Name": "/app/db/password", "Value": "..."}`: the sensitive name is the value of a `Name`
        // whose paired `Value` is the secret.
        return if paired { paired_value(b, i, breaks) } else { None };
    };
    // Ruby's `"password" => "v"`.
    let arrow = delim == b'=' && b.get(i + 1) == Some(&b'>');
    if arrow {
        i += 1;
    }
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
    let context = if delim == b'=' && (bracketed || name_start > 0 && matches!(b[name_start - 1], b'?' | b'&')) {
        Context::Query
    } else if opening.is_some() && closing.is_none() {
        // `"...token=abc..."`: the pair sits inside a string, which ends the value.
        Context::InString
    } else if delim == b'=' && !arrow {
        Context::Map
    } else if closing.is_some() {
        Context::Json
    } else {
        Context::Text
    };
    let level = closing.map_or(0, |q| q.level);
    let span = value_span(b, i + 1, context, whole, level, breaks)?;
    let span = super::spelled::yaml_block(b, name_start, span).unwrap_or(span);
    (span.1 > span.0).then_some(span)
}

/// A command line's long flag and its value, `--password hunter2`, `--client-secret 'a b'`: the name written
/// after `--`, spaces, then a word (to a space or a quote) or a quoted string. `i` is past the spaces. A
/// value that starts with `-` is the next flag, not a value.
fn flag_value(b: &[u8], name_start: usize, name_end: usize, i: usize) -> Option<(usize, usize)> {
    if !b[name_start..].starts_with(b"--") || !matches!(b.get(name_end), Some(b' ' | b'\t')) {
        return None;
    }
    let first = *b.get(i)?;
    let (start, end) = match first {
        b'-' => return None,
        b'"' | b'\'' => {
            let len = memchr::memchr(first, &b[i + 1..])?;
            (i + 1, i + 1 + len)
        }
        _ => {
            let len = b[i..]
                .iter()
                .position(|&c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'\\'))
                .unwrap_or(b.len() - i);
            (i, i + len)
        }
    };
    (end > start).then_some((start, end))
}

/// After a form field's name: its closing brackets, plain or percent-encoded once or more (`]`, `[]`, `%5D`,
/// `%5B%5D`, `%255D`, repeated), as PHP, Rails and `qs` spell nested and array fields.
fn close_brackets(b: &[u8], mut i: usize) -> usize {
    loop {
        let rest = &b[i.min(b.len())..];
        let encoded = |at: usize| super::syntax::percent_byte(b, at);
        let step = if rest.starts_with(b"]") {
            1
        } else if rest.starts_with(b"[]") {
            2
        } else if let Some((b']', n)) = encoded(i) {
            n
        } else if let Some((b'[', n)) = encoded(i)
            && let Some((b']', m)) = encoded(i + n)
        {
            n + m
        } else {
            return i;
        };
        i += step;
    }
}

/// `<password>value</password>` (and `<ns:password>`): the element's text, to the next `<`. `gt` is the `>`
/// after the name.
fn xml_element(b: &[u8], name_start: usize, gt: usize) -> Option<(usize, usize)> {
    let mut s = name_start;
    // A namespace prefix: `<ns:password>`.
    if s > 0 && b[s - 1] == b':' {
        s -= 1;
        while s > 0 && is_name_byte(b[s - 1]) && gt - s < 2 * MAX_NAME_BYTES {
            s -= 1;
        }
    }
    if s == 0 || b[s - 1] != b'<' {
        return None;
    }
    super::spelled::element_text(b, gt + 1)
}

/// The value paired with a sensitive name that is itself a value: `"Name": "/app/db/password", "Value":
/// "s"` (Parameter Store, Secrets Manager, CloudFormation outputs) or `{Name=/app/password, Value=s}`. `i`
/// is just past the name's string (or the name, unquoted).
fn paired_value(b: &[u8], i: usize, breaks: &mut Breaks) -> Option<(usize, usize)> {
    const VALUE_NAMES: [&[u8]; 3] = [b"value", b"secretstring", b"outputvalue"];
    let mut j = skip_spaces(b, i);
    if b.get(j) != Some(&b',') {
        return None;
    }
    j = skip_spaces(b, j + 1);
    if let Some(q) = quote_at(b, j) {
        j += q.level + 1;
    }
    let name_len = b[j.min(b.len())..].iter().take_while(|&&c| is_name_byte(c)).count();
    let name = &b[j..j + name_len];
    if !VALUE_NAMES.iter().any(|v| name.eq_ignore_ascii_case(v)) {
        return None;
    }
    let name_end = j + name_len;
    value_after(b, j, name_end, false, false, breaks)
}

/// Where the name containing `i` starts. A longer name (a flattened key such as
/// `form.section.sub.....password`) is read as its last [`MAX_NAME_BYTES`] bytes before `i`: what decides is
/// the word it ends in, and the bound keeps the scan linear.
fn run_start(b: &[u8], i: usize) -> Option<usize> {
    let floor = i.saturating_sub(MAX_NAME_BYTES);
    let mut s = i;
    while s > floor && is_name_byte(b[s - 1]) {
        s -= 1;
    }
    Some(s)
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
