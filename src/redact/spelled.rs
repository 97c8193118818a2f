//! Names, delimiters and shapes spelled in an encoding or a way the plain rules do not read: a name with a
//! separator inside a word (`pass_word`, `Pass-Word`), JSON `\u00XX` escapes in a name (`"\u0070assword"`,
//! at any escaping depth), percent-encoded brackets and delimiters, once or more (`user%255Bpassword%255D=`,
//! `next=%2Flogin%3Fpassword%3D...`), URL user-info behind an escaped (`:\/\/`) or percent-encoded
//! (`%3A%2F%2F`) scheme separator, and the value of a name given as an attribute or a key element (`<field
//! name="password">v</field>`, multipart `name="password"` + a blank line, `<key>password</key><string>v`),
//! YAML block scalars, and quotes and delimiters written as `\u0022` or HTML character references.
//! Each check reads forward or back from what the line search found, bounded, like the plain rules.

use super::MAX_NAME_BYTES;
use super::syntax::{is_name_byte, percent_byte, skip_spaces};
use super::webhooks;

/// The start of a name spelled with a JSON `\u00XX` escape. Every fragment is 3 bytes or more: the SIMD
/// search fingerprints as many bytes as the shortest pattern has.
pub(super) const NAME_FRAGMENTS: [&str; 1] = ["\\u00"];

/// The starts of an escaped or percent-encoded scheme separator before URL user-info (`3a%252`: encoded
/// twice or more).
pub(super) const SHAPE_FRAGMENTS: [&str; 4] = [":\\/", ":\\\\", "%3a%2f%2f", "3a%252"];

/// Bytes that join the words of one name (`pass_word`, `api.key`, `Pass-Word`).
const fn is_separator(b: u8) -> bool {
    matches!(b, b'_' | b'-' | b'.')
}

/// The lowercase name without its separators (`pass_word` → `password`), when it has any.
pub(super) fn squeezed(name: &[u8]) -> Option<Vec<u8>> {
    name.iter()
        .any(|&b| is_separator(b))
        .then(|| name.iter().copied().filter(|&b| !is_separator(b)).collect())
}

/// At `i`: backslashes, `u00` and two hex digits (a JSON escape, at any depth) of a name byte; that byte
/// (lowercase) and the escape's length.
fn escaped_name_byte(b: &[u8], i: usize) -> Option<(u8, usize)> {
    let (byte, len) = escaped_byte(b, i)?;
    is_name_byte(byte).then(|| (byte.to_ascii_lowercase(), len))
}

/// The name around a JSON escape at `start` (`\u0070assword`, `p\\u0061ssword`): where it starts and ends
/// in the text, and the name it spells (lowercase). `None` when the escape spells no name byte.
pub(super) fn escaped_name(b: &[u8], start: usize) -> Option<(usize, usize, Vec<u8>)> {
    let limit = 8 * MAX_NAME_BYTES;
    escaped_name_byte(b, start)?;
    // Back: plain name bytes, or the last byte of an escape (then the whole escape).
    let mut s = start;
    while s > 0 && start - s < limit {
        if b[s - 1] == b'\\' {
            // Deeper escaping: more backslashes before this escape's.
            s -= 1;
            continue;
        }
        if !is_name_byte(b[s - 1]) {
            break;
        }
        // `...\u0070` before `s`: step over the escape, not just its digits.
        let back = (1..=13)
            .filter(|&n| n <= s)
            .find(|&n| escaped_name_byte(b, s - n).is_some_and(|(_, len)| len == n));
        s -= back.unwrap_or(1);
    }
    // The backslashes just before the name belong to its opening quote, if one follows them.
    while s < start && b[s] == b'\\' && escaped_name_byte(b, s).is_none() {
        s += 1;
    }
    let mut name = Vec::new();
    let mut e = s;
    while e < b.len() && e - s < limit {
        if let Some((byte, len)) = escaped_name_byte(b, e) {
            name.push(byte);
            e += len;
        } else if is_name_byte(b[e]) {
            name.push(b[e].to_ascii_lowercase());
            e += 1;
        } else {
            break;
        }
    }
    (name.len() <= MAX_NAME_BYTES).then_some((s, e, name))
}

/// After a name at `i`: an optional percent-encoded closing quote, then a percent-encoded `=` or `:` and an
/// optional encoded opening quote (`password%3DSECRET`, `%22password%22%3A%22SECRET%22`, encoded once or
/// more): the value, up to an encoded or plain `&`, quote, `,`, `}`, `]` or space.
pub(super) fn percent_encoded_value(b: &[u8], mut i: usize) -> Option<(usize, usize)> {
    if let Some((b'"' | b'\'', n)) = percent_byte(b, i) {
        i += n;
    }
    let (b'=' | b':', n) = percent_byte(b, i)? else {
        return None;
    };
    i += n;
    if let Some((b'"' | b'\'', n)) = percent_byte(b, i) {
        i += n;
    }
    let start = i;
    while i < b.len() {
        match b[i] {
            b'&' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'}' | b']' | b')' | b',' => break,
            c if c.is_ascii_whitespace() => break,
            b'%' => match percent_byte(b, i) {
                Some((b'&' | b'"' | b'\'' | b',' | b'}' | b']' | b' ' | b'+' | b';', _)) => break,
                Some((_, n)) => i += n,
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    (i > start).then_some((start, i))
}

/// URL user-info after an escaped (`:\/\/`, at any depth) or percent-encoded (`%3A%2F%2F`, at any depth) scheme
/// separator at `start`, up to an `@` spelled the same way: masked. Returns how far it read, `None` when no
/// such separator starts at `start`.
pub(super) fn spelled_url_userinfo(b: &[u8], mut start: usize, spans: &mut Vec<(usize, usize)>) -> Option<usize> {
    const MAX_USERINFO: usize = 512;
    if b[start] == b'3' {
        // Found by its `3a%252` (encoded twice or more): back to the `%` of `%25…3A`.
        while start >= 2 && start < b.len() && &b[start - 2..start] == b"25" {
            start -= 2;
        }
        start = start.checked_sub(1).filter(|&p| b[p] == b'%')?;
    }
    if start == 0 || !b[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let slashes = b[start + 1..].iter().take(16).take_while(|&&c| c == b'\\').count();
    let escaped_slash = |at: usize| {
        b.get(at..at + slashes + 1)
            .is_some_and(|s| s[slashes] == b'/' && s[..slashes].iter().all(|&c| c == b'\\'))
    };
    let from = if b[start] == b':' {
        // `:\/\/`, escaped at any depth.
        let second = start + 1 + slashes + 1;
        if slashes == 0 || !escaped_slash(start + 1) || !escaped_slash(second) {
            return None;
        }
        second + slashes + 1
    } else {
        let (b':', a) = percent_byte(b, start)? else {
            return None;
        };
        let (b'/', c) = percent_byte(b, start + a)? else {
            return None;
        };
        let (b'/', d) = percent_byte(b, start + a + c)? else {
            return None;
        };
        start + a + c + d
    };
    let mut i = from;
    // The length of the `@` (plain or encoded) that ends a user-info, when one does.
    let mut at = None;
    while i < b.len() && i - from < MAX_USERINFO {
        match b[i] {
            b'@' => {
                at = Some(1);
                break;
            }
            b'%' => match percent_byte(b, i) {
                Some((b'@', n)) => {
                    at = Some(n);
                    break;
                }
                Some((b'/' | b'?' | b'#' | b'&' | b'"' | b' ', _)) => break,
                Some((_, n)) => i += n,
                None => i += 1,
            },
            b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'&' => break,
            c if c.is_ascii_whitespace() => break,
            _ => i += 1,
        }
    }
    let host = match at {
        Some(n) if i > from && i - from < MAX_USERINFO => {
            spans.push((from, i));
            i + n
        }
        _ => from,
    };
    Some(webhooks::spelled_webhook_path(b, host, spans).map_or(i, |end| end.max(i)))
}

/// The value of a sensitive name given as an attribute's value or a key element, the name's closing quote
/// or `<` at `i`: `<field name="password">v</field>` (the element's text), `name="password"` then a blank
/// line (a multipart part's body, plain or escaped `\r\n\r\n`), `<key>password</key><string>v</string>`.
pub(super) fn named_content(b: &[u8], name_start: usize, name_end: usize, i: usize) -> Option<(usize, usize)> {
    let before = &b[..name_start];
    // `="password"`, `='password'`, `=\"password\"` (escaped at any depth): an attribute's value.
    let quoted = before
        .strip_suffix(b"\"")
        .or_else(|| before.strip_suffix(b"'"))
        .is_some_and(|q| {
            let slashes = q.iter().rev().take(16).take_while(|&&c| c == b'\\').count();
            q[..q.len() - slashes].ends_with(b"=")
        });
    if quoted && b.get(i) == Some(&b'>') {
        return element_text(b, i + 1);
    }
    // `<param name="password" value="v"/>`.
    let value_attr = i + b[i.min(b.len())..].iter().take_while(|&&c| c == b' ').count();
    if quoted && value_attr > i && b[value_attr..].starts_with(b"value=") {
        let q = value_attr + 6;
        let quote = *b.get(q).filter(|&&c| c == b'"' || c == b'\'')?;
        let end = memchr::memchr(quote, &b[q + 1..]).map_or(b.len(), |p| q + 1 + p);
        return (end > q + 1).then_some((q + 1, end));
    }
    if quoted {
        return part_body(b, i);
    }
    // `<key>password</key>` then the next element's text.
    if !before.ends_with(b">") || !b[name_end..].starts_with(b"</") {
        return None;
    }
    let close = name_end + memchr::memchr(b'>', &b[name_end..(name_end + MAX_NAME_BYTES).min(b.len())])?;
    let open = close + 1 + b[close + 1..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    if b.get(open) != Some(&b'<') || b.get(open + 1) == Some(&b'/') {
        return None;
    }
    let gt = open + memchr::memchr(b'>', &b[open..(open + MAX_NAME_BYTES).min(b.len())])?;
    element_text(b, gt + 1)
}

/// An element's text from `start` to the next `<`, or a CDATA section's to its `]]>`.
pub(super) fn element_text(b: &[u8], start: usize) -> Option<(usize, usize)> {
    let rest = &b[start.min(b.len())..];
    if rest.starts_with(b"<![CDATA[") {
        let from = start + 9;
        let end = memchr::memmem::find(&b[from..], b"]]>").map_or(b.len(), |p| from + p);
        return (end > from).then_some((from, end));
    }
    let end = memchr::memchr(b'<', rest).map_or(b.len(), |p| start + p);
    (end > start).then_some((start, end))
}

/// The `>` that ends a start tag whose attributes begin at `i` (not a self-closing `/>`), within
/// [`MAX_NAME_BYTES`] times four.
pub(super) fn start_tag_end(b: &[u8], i: usize) -> Option<usize> {
    let window = &b[i..(i + 4 * MAX_NAME_BYTES).min(b.len())];
    let gt = i + memchr::memchr2(b'>', b'<', window).filter(|&p| window[p] == b'>')?;
    (b[gt - 1] != b'/').then_some(gt)
}

/// At `i`: a JSON `\u00XX` escape (any depth) and the byte it spells, with the escape's length.
fn escaped_byte(b: &[u8], i: usize) -> Option<(u8, usize)> {
    let slashes = b[i.min(b.len())..].iter().take(8).take_while(|&&c| c == b'\\').count();
    let at = i + slashes;
    let hex = b.get(at..at + 5)?;
    if slashes == 0 || !hex[..3].eq_ignore_ascii_case(b"u00") {
        return None;
    }
    let byte = u8::from_str_radix(std::str::from_utf8(&hex[3..]).ok()?, 16).ok()?;
    Some((byte, slashes + 5))
}

/// After a name at `i`: an optional `\u0022` closing quote, a `\u003a` / `\u003d` or plain `:` / `=`, an
/// optional `\u0022` opening quote (a serializer that escapes quotes and delimiters so, as .NET's does):
/// the value, up to the next backslash, quote, `,`, `}` or space.
pub(super) fn unicode_escaped_value(b: &[u8], i: usize) -> Option<(usize, usize)> {
    encoded_value(b, i, escaped_byte, b"\\\"',}]&")
}

/// A reader of one encoded byte at a position: the byte and how many bytes spelled it.
type ByteAt = fn(&[u8], usize) -> Option<(u8, usize)>;

/// After a name at `i`: a quote, delimiter and quote as `decode` reads them at a position (the closing quote
/// and the opening one optional; a plain `:` / `=` only after a decoded closing quote), then the value, up
/// to a byte of `stops` or a space.
fn encoded_value(b: &[u8], mut i: usize, decode: ByteAt, stops: &[u8]) -> Option<(usize, usize)> {
    let mut quoted = false;
    if let Some((b'"' | b'\'', n)) = decode(b, i) {
        (i, quoted) = (i + n, true);
    }
    i = skip_spaces(b, i);
    match (decode(b, i), b.get(i)) {
        (Some((b'=' | b':', n)), _) => i += n,
        (_, Some(b'=' | b':')) if quoted => i += 1,
        _ => return None,
    }
    i = skip_spaces(b, i);
    if let Some((b'"' | b'\'', n)) = decode(b, i) {
        i += n;
    }
    let start = i;
    let end = (i..b.len())
        .find(|&j| stops.contains(&b[j]) || b[j].is_ascii_whitespace())
        .unwrap_or(b.len());
    (end > start).then_some((start, end))
}

/// A multipart part's body after its headers' blank line at `i`, plain or escaped at any depth: to the
/// next line break.
fn part_body(b: &[u8], mut i: usize) -> Option<(usize, usize)> {
    let mut breaks = 0;
    while i < b.len() && breaks < 2 {
        let slashes = b[i..].iter().take(16).take_while(|&&c| c == b'\\').count();
        match (b.get(i + slashes), slashes) {
            (Some(b'\r' | b'\n'), 0) | (Some(b'r' | b'n'), 1..) => {
                if b[i + slashes] == b'\n' || b[i + slashes] == b'n' {
                    breaks += 1;
                }
                i += slashes + 1;
            }
            _ => return None,
        }
    }
    if breaks < 2 {
        return None;
    }
    let end = (i..b.len())
        .find(|&j| matches!(b[j], b'\r' | b'\n' | b'\\' | b'"'))
        .unwrap_or(b.len());
    (end > i).then_some((i, end))
}

/// A YAML block scalar as a name's value (`password: |` or `>`, then indented lines, with real or escaped
/// line breaks): the value runs over every following line indented deeper than the name.
pub(super) fn yaml_block(b: &[u8], name_start: usize, (start, end): (usize, usize)) -> Option<(usize, usize)> {
    const INDICATORS: [&[u8]; 6] = [b"|", b"|-", b"|+", b">", b">-", b">+"];
    if !INDICATORS.contains(&b[start..end].trim_ascii_end()) {
        return None;
    }
    // A line break at `i`: `\r\n`, `\n`, or the same escaped (`\\n`, at any depth); its length.
    let line_break = |i: usize| -> Option<usize> {
        let slashes = b[i..].iter().take(16).take_while(|&&c| c == b'\\').count();
        let mut j = i + slashes;
        let (cr, lf) = if slashes == 0 { (b'\r', b'\n') } else { (b'r', b'n') };
        if b.get(j) == Some(&cr) {
            j += 1 + slashes;
        }
        (b.get(j) == Some(&lf)).then_some(j + 1 - i)
    };
    let indent = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
    };
    // The name's indentation: the spaces between the line's start (a real or escaped break) and the name.
    let name_indent = b[..name_start]
        .iter()
        .rev()
        .take(4 * MAX_NAME_BYTES)
        .take_while(|&&c| c == b' ' || c == b'\t' || c == b'-')
        .count();
    let mut value_end = end;
    let mut i = end;
    while let Some(n) = line_break(i) {
        let next = i + n;
        if indent(next) <= name_indent {
            break;
        }
        // The indented line, to the next break.
        value_end = (next..b.len()).find(|&j| line_break(j).is_some()).unwrap_or(b.len());
        i = value_end;
    }
    (value_end > end).then_some((start, value_end))
}

/// At `i`: an HTML character reference (`&quot;`, `&#34;`, `&#x3D;`, ...) and the byte it stands for, for the
/// quotes and delimiters around a name; with its length.
fn entity(b: &[u8], i: usize) -> Option<(u8, usize)> {
    const NAMED: [(&[u8], u8); 4] = [
        (b"&quot;", b'"'),
        (b"&apos;", b'\''),
        (b"&equals;", b'='),
        (b"&colon;", b':'),
    ];
    let rest = &b[i.min(b.len())..];
    if let Some((name, byte)) = NAMED
        .iter()
        .find(|(n, _)| rest.len() >= n.len() && rest[..n.len()].eq_ignore_ascii_case(n))
    {
        return Some((*byte, name.len()));
    }
    let digits = rest.strip_prefix(b"&#")?;
    let (hex, digits) = match digits.first() {
        Some(b'x' | b'X') => (true, &digits[1..]),
        _ => (false, digits),
    };
    let len = digits.iter().take(6).take_while(|c| c.is_ascii_hexdigit()).count();
    if digits.get(len) != Some(&b';') || len == 0 {
        return None;
    }
    let code = u32::from_str_radix(std::str::from_utf8(&digits[..len]).ok()?, if hex { 16 } else { 10 }).ok()?;
    let byte = u8::try_from(code).ok().filter(u8::is_ascii)?;
    Some((byte, 2 + usize::from(hex) + len + 1))
}

/// After a name at `i`: the same structure written with HTML character references, as HTML-escaped JSON or a
/// query shows it (`&quot;password&quot;:&quot;v&quot;`, `password&#61;v`): the value, up to the next `&`,
/// `<`, quote, `,`, `}` or space.
pub(super) fn entity_value(b: &[u8], i: usize) -> Option<(usize, usize)> {
    encoded_value(b, i, entity, b"&<\"',}]")
}
