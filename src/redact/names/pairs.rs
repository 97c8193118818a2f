//! Where a value ends in the pair syntaxes (`{A=v, B=w}` maps, `Name: value` headers): at a closing brace, a
//! line break, API Gateway's closing ` [TRUNCATED]`, or a `, ` that starts the next pair.

use super::Breaks;

/// In `{A=v, B=w}` a value ends at the closing brace or at a `, ` that starts the next `Name=` pair,
/// so values containing `, ` (e.g. `X-Forwarded-For=1.2.3.4, 5.6.7.8`) are masked whole.
///
/// Values are long (tokens, cookies), so the scan jumps between the bytes that can end one (`memchr`).
pub(in crate::redact) fn kv_map_value_end(bytes: &[u8], start: usize, breaks: &mut Breaks) -> usize {
    pair_end(bytes, start, breaks, false).0
}

/// The entries of one `{A=v, B=w}` map, read one after the other: each value's end as
/// [`kv_map_value_end`] finds it, and the `=` of the pair that follows when a `, Name=` ends the value, so a
/// walk over every entry reads each name once.
pub(in crate::redact) struct MapEntries {
    /// Where every value stops at the latest (the first line break at or after the first value, or the
    /// closing ` [TRUNCATED]` before it): found once per map, not once per value (that was 20% of the walk).
    limit: usize,
}

impl MapEntries {
    /// The map in `bytes` whose first value starts at `first_value`.
    pub(in crate::redact) fn new(bytes: &[u8], first_value: usize) -> Self {
        let mut limit = memchr::memchr2(b'\n', b'\r', &bytes[first_value..]).map_or(bytes.len(), |p| first_value + p);
        if let Some(marker) = truncation_marker(bytes).filter(|m| (first_value..limit).contains(m)) {
            limit = marker;
        }
        Self { limit }
    }

    /// The end of the value that starts at `start` (at or after the first value), and the `=` of the next
    /// pair when one ends it: what [`kv_map_value_end`] finds (`map_entries_end_values_as_kv_map_value_end`).
    /// Up to `limit` the first break and the mark are those `start` would find itself; past it (only text
    /// after a break or the mark), the general reading.
    pub(in crate::redact) fn entry_end(&self, bytes: &[u8], start: usize) -> (usize, Option<usize>) {
        if start > self.limit {
            return pair_end(bytes, start, &mut Breaks::default(), false);
        }
        value_end_within(bytes, start, self.limit, false)
    }
}

/// A whole `Name: value` value (Authorization, Cookie): to the line's end, a closing brace, or a `, ` that
/// starts the next `Name=` / `Name:` pair.
pub(super) fn pair_value_end(bytes: &[u8], start: usize, breaks: &mut Breaks) -> usize {
    pair_end(bytes, start, breaks, true).0
}

/// The end of a value that runs to the next pair: `Name=` (or `Name:`, with `colon`); and that pair's
/// delimiter when the next pair ends it.
fn pair_end(bytes: &[u8], start: usize, breaks: &mut Breaks, colon: bool) -> (usize, Option<usize>) {
    // A line break ends the value wherever it is, and so does API Gateway's ` [TRUNCATED]`, which can only
    // stand at the end of the text (one place, found without reading the spaces of every value); the other
    // ends need a closer look.
    let mut end = breaks.next(bytes, start);
    if let Some(marker) = truncation_marker(bytes).filter(|m| (start..end).contains(m)) {
        end = marker;
    }
    value_end_within(bytes, start, end, colon)
}

/// [`pair_end`] with the value's latest end known.
fn value_end_within(bytes: &[u8], start: usize, end: usize, colon: bool) -> (usize, Option<usize>) {
    let mut i = start;
    while let Some(p) = memchr::memchr2(b'}', b',', &bytes[i..end]) {
        i += p;
        match bytes[i] {
            b'}' => return (i, None),
            b',' if bytes.get(i + 1) == Some(&b' ')
                && let Some(delimiter) = pair_delimiter(bytes, i + 2, colon) =>
            {
                return (i, Some(delimiter));
            }
            _ => i += 1,
        }
    }
    (end, None)
}

/// Where the text's closing ` [TRUNCATED]` starts (the one place [`is_truncation_marker`] holds), if it has one.
fn truncation_marker(bytes: &[u8]) -> Option<usize> {
    let at = bytes.trim_ascii_end().len().checked_sub(" [TRUNCATED]".len())?;
    is_truncation_marker(&bytes[at..]).then_some(at)
}

/// API Gateway ends cut lines with ` [TRUNCATED]`; it is not part of the value.
pub(in crate::redact) fn is_truncation_marker(rest: &[u8]) -> bool {
    rest.strip_prefix(b" [TRUNCATED]")
        .is_some_and(|tail| tail.iter().all(u8::is_ascii_whitespace))
}

/// The bytes of a name in a `Name=` pair: ASCII letters, digits, `-` and `_` (a table: every entry of every
/// header map is read through it).
static PAIR_NAME_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    t
};

/// Where the `=` (or `:`, with `colon`) of a `Name=` pair that starts at `start` is, if one starts there.
pub(in crate::redact) fn pair_delimiter(bytes: &[u8], start: usize, colon: bool) -> Option<usize> {
    let name_len = bytes[start.min(bytes.len())..]
        .iter()
        .take_while(|&&b| PAIR_NAME_BYTES[usize::from(b)])
        .count();
    let at = start + name_len;
    (name_len > 0 && (bytes.get(at) == Some(&b'=') || (colon && bytes.get(at) == Some(&b':')))).then_some(at)
}
