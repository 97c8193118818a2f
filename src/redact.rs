//! Masks sensitive header values in log text before anything is stored, printed or logged.
//!
//! Three syntaxes carry headers in these logs: API Gateway's `{Name=value, ...}` maps (not JSON; values may
//! contain `, ` and `=`), JSON objects (`"Name": "value"` or `"Name": ["v1", "v2"]`, e.g. the proxy event in
//! `Endpoint request body`), and `Name: value` (raw HTTP, Node.js `util.inspect`). Names match ASCII
//! case-insensitively and only as whole header names. Text without a match is returned borrowed.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Header names whose values are always masked (`interfaces.md`).
pub const BUILTIN_REDACTED_HEADERS: [&str; 6] = [
    "Authorization",
    "X-Api-Key",
    "Cookie",
    "Set-Cookie",
    "X-Amz-Security-Token",
    "Proxy-Authorization",
];

/// What a masked value is replaced with.
pub const MASK: &str = "****";

/// Masks header values; build once, use for every line.
#[derive(Debug, Clone)]
pub struct Redactor {
    names: AhoCorasick,
    /// The same search, anchored on the bytes that must follow a header name; `None` when a configured
    /// name contains a delimiter or boundary byte, which only the automaton handles exactly.
    fast: Option<NameFinder>,
}

/// The configured header names could not be compiled into a matcher (too many or too long).
#[derive(Debug, thiserror::Error)]
#[error("REDACT_HEADERS cannot be used: {0}")]
pub struct RedactorError(#[source] aho_corasick::BuildError);

impl Redactor {
    /// The built-in names plus `extra` ones (from `REDACT_HEADERS`).
    pub fn new<S: AsRef<str>>(extra: impl IntoIterator<Item = S>) -> Result<Self, RedactorError> {
        let mut names: Vec<String> = BUILTIN_REDACTED_HEADERS.iter().map(|s| s.to_string()).collect();
        names.extend(
            extra
                .into_iter()
                .map(|s| s.as_ref().trim().to_string())
                .filter(|s| !s.is_empty()),
        );
        let fast = NameFinder::new(&names);
        let names = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .map_err(RedactorError)?;
        Ok(Self { names, fast })
    }

    /// Only the built-in names.
    pub fn builtin() -> Self {
        // Six short ASCII literals cannot exceed the automaton's limits (tests build it).
        Self::new(std::iter::empty::<&str>()).expect("the built-in header names compile")
    }

    /// `text` with every sensitive header value replaced by [`MASK`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.fast {
            Some(fast) => mask_values(text, fast.candidates(text.as_bytes())),
            None => mask_values(text, self.automaton_matches(text)),
        }
    }

    /// Every name the automaton finds, leftmost-longest and non-overlapping.
    fn automaton_matches<'t>(&'t self, text: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
        self.names.find_iter(text).map(|m| (m.start(), m.end()))
    }
}

/// Masks the value after each name span of `matches` (in increasing order) that is really a header name.
fn mask_values<'a>(text: &'a str, matches: impl Iterator<Item = (usize, usize)>) -> Cow<'a, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already accounted for in `out`
    for (start, end) in matches {
        if start < copied || !is_name_boundary(bytes, start) {
            continue;
        }
        let Some((value_start, value_end)) = value_span(bytes, end) else {
            continue;
        };
        if value_end <= value_start || &text[value_start..value_end] == MASK {
            continue;
        }
        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
        o.push_str(&text[copied..value_start]);
        o.push_str(MASK);
        copied = value_end;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Finds header names by what must follow them (`=`, `:`, or a quote then `:`) instead of scanning every
/// byte with the automaton: the text is searched for `=` and `:` only (SIMD `memchr2`), and at each one the
/// names are compared backwards, ASCII case-insensitively. Most lines have no sensitive header, so almost
/// all the work is the `memchr2` scan.
///
/// Exactly the automaton's result: [`mask_values`] acts only on a name that starts at a boundary
/// and is followed by a delimiter. When no name contains a boundary or delimiter byte, two such occurrences
/// never overlap, and the automaton's leftmost-longest scan reports every one of them (an earlier match
/// could only hide one by containing the boundary byte before it, or the delimiter after it). So both yield
/// the same accepted names in the same order; the property test below checks it.
#[derive(Debug, Clone)]
struct NameFinder {
    names: Vec<Box<[u8]>>,
    /// Whether some name ends with this byte (either ASCII case).
    last_byte: [bool; 256],
}

impl NameFinder {
    fn new(names: &[String]) -> Option<Self> {
        let clean = |n: &String| {
            !n.is_empty()
                && !n
                    .bytes()
                    .any(|b| is_boundary_byte(b) || matches!(b, b'=' | b':' | b'"' | b'\''))
        };
        if !names.iter().all(clean) {
            return None;
        }
        let mut last_byte = [false; 256];
        for n in names {
            let last = *n.as_bytes().last()?;
            last_byte[usize::from(last.to_ascii_lowercase())] = true;
            last_byte[usize::from(last.to_ascii_uppercase())] = true;
        }
        Some(Self {
            names: names.iter().map(|n| n.as_bytes().into()).collect(),
            last_byte,
        })
    }

    /// The start of a name that ends at `end` and starts at a boundary.
    fn name_ending_at(&self, bytes: &[u8], end: usize) -> Option<usize> {
        let last = *bytes.get(end.checked_sub(1)?)?;
        if !self.last_byte[usize::from(last)] {
            return None;
        }
        self.names.iter().find_map(|n| {
            let start = end.checked_sub(n.len())?;
            (bytes[start..end].eq_ignore_ascii_case(n) && is_name_boundary(bytes, start)).then_some(start)
        })
    }

    /// Spans of names followed by `=` or `:` (`Name=`, `Name:`) or by a quote, spaces and `:` (`"Name" :`).
    fn candidates<'t>(&'t self, bytes: &'t [u8]) -> impl Iterator<Item = (usize, usize)> + 't {
        memchr::memchr2_iter(b'=', b':', bytes).filter_map(move |d| {
            if let Some(start) = self.name_ending_at(bytes, d) {
                return Some((start, d));
            }
            if bytes[d] != b':' {
                return None;
            }
            let mut k = d;
            while k > 0 && matches!(bytes[k - 1], b' ' | b'\t') {
                k -= 1;
            }
            let quote = k.checked_sub(1).filter(|&q| matches!(bytes[q], b'"' | b'\''))?;
            self.name_ending_at(bytes, quote).map(|start| (start, quote))
        })
    }
}

const fn is_boundary_byte(b: u8) -> bool {
    matches!(
        b,
        b'{' | b' ' | b',' | b'"' | b'\'' | b'\t' | b'\n' | b'\r' | b'[' | b';'
    )
}

fn is_name_boundary(bytes: &[u8], start: usize) -> bool {
    start == 0 || is_boundary_byte(bytes[start - 1])
}

/// Where the value after a header name at `name_end` lies, or `None` if this is not a header.
fn value_span(bytes: &[u8], name_end: usize) -> Option<(usize, usize)> {
    match *bytes.get(name_end)? {
        b'=' => Some((name_end + 1, kv_map_value_end(bytes, name_end + 1))),
        b'"' | b'\'' => {
            let after = skip_spaces(bytes, name_end + 1);
            (bytes.get(after) == Some(&b':')).then(|| quoted_or_bare_value(bytes, skip_spaces(bytes, after + 1)))
        }
        b':' => Some(quoted_or_bare_value(bytes, skip_spaces(bytes, name_end + 1))),
        _ => None,
    }
}

fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// In `{A=v, B=w}` a value ends at the closing brace or at a `, ` that starts the next `Name=` pair,
/// so values containing `, ` (e.g. `X-Forwarded-For=1.2.3.4, 5.6.7.8`) are masked whole.
///
/// Values are long (tokens, cookies), so the scan jumps between the bytes that can end one (`memchr`).
fn kv_map_value_end(bytes: &[u8], start: usize) -> usize {
    // A line break ends the value wherever it is; the other ends need a closer look.
    let end = memchr::memchr2(b'\n', b'\r', &bytes[start..]).map_or(bytes.len(), |p| start + p);
    let mut i = start;
    while let Some(p) = memchr::memchr3(b'}', b',', b' ', &bytes[i..end]) {
        i += p;
        match bytes[i] {
            b'}' => return i,
            b',' if bytes.get(i + 1) == Some(&b' ') && starts_kv_pair(bytes, i + 2) => return i,
            b' ' if is_truncation_marker(&bytes[i..]) => return i,
            _ => i += 1,
        }
    }
    end
}

/// API Gateway ends cut lines with ` [TRUNCATED]`; it is not part of the value.
fn is_truncation_marker(rest: &[u8]) -> bool {
    rest.strip_prefix(b" [TRUNCATED]")
        .is_some_and(|tail| tail.iter().all(u8::is_ascii_whitespace))
}

fn starts_kv_pair(bytes: &[u8], start: usize) -> bool {
    let name_len = bytes[start.min(bytes.len())..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        .count();
    name_len > 0 && bytes.get(start + name_len) == Some(&b'=')
}

/// A JSON or `Name: value` value: a quoted string, an array of strings, or bare text up to a delimiter.
fn quoted_or_bare_value(bytes: &[u8], start: usize) -> (usize, usize) {
    match bytes.get(start) {
        Some(&q @ (b'"' | b'\'')) => (start + 1, closing_quote(bytes, start + 1, q)),
        Some(b'[') => {
            // Every element is a value of the sensitive header: mask from the first element's opening quote
            // to the last one's closing quote, so the JSON stays valid (`["****"]`).
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b']')
                .map_or(bytes.len(), |p| start + p);
            let inner = &bytes[start..end];
            match (
                inner.iter().position(|&b| b == b'"'),
                inner.iter().rposition(|&b| b == b'"'),
            ) {
                (Some(first), Some(last)) if last > first => (start + first + 1, start + last),
                _ => (start + 1, end),
            }
        }
        Some(b'n') if bytes[start..].starts_with(b"null") => (start, start),
        _ => {
            let end = bytes[start..]
                .iter()
                .position(|&b| matches!(b, b'\n' | b'\r' | b',' | b'}' | b';'))
                .map_or(bytes.len(), |p| start + p);
            (start, end)
        }
    }
}

fn closing_quote(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_syntax_and_leaves_the_rest_untouched() {
        let r = Redactor::builtin();
        let cases = [
            // API Gateway header maps, including values with ", " and the last entry.
            (
                "Method request headers: {Accept=*/*, Authorization=Bearer abc.def, X-Forwarded-For=1.2.3.4, 5.6.7.8, cookie=a=b; c=d}",
                "Method request headers: {Accept=*/*, Authorization=****, X-Forwarded-For=1.2.3.4, 5.6.7.8, cookie=****}",
            ),
            (
                "Endpoint request headers: {X-Amz-Security-Token=IQoJb3JpZ2lu, User-Agent=AmazonAPIGateway_x}",
                "Endpoint request headers: {X-Amz-Security-Token=****, User-Agent=AmazonAPIGateway_x}",
            ),
            // JSON objects, string and array values.
            (
                r#"{"headers":{"Authorization":"Bearer x\"y","X-Api-Key": "k"},"multiValueHeaders":{"Cookie":["a","b"]}}"#,
                r#"{"headers":{"Authorization":"****","X-Api-Key": "****"},"multiValueHeaders":{"Cookie":["****"]}}"#,
            ),
            // Raw HTTP / util.inspect.
            (
                "Proxy-Authorization: Basic Zm9v\nnext",
                "Proxy-Authorization: ****\nnext",
            ),
            (
                "{ authorization: 'Bearer t', host: 'h' }",
                "{ authorization: '****', host: 'h' }",
            ),
            // Cut lines keep their marker.
            ("{Set-Cookie=session=abc [TRUNCATED]", "{Set-Cookie=**** [TRUNCATED]"),
        ];
        for (input, want) in cases {
            assert_eq!(r.redact(input), want, "input: {input}");
        }
    }

    #[test]
    fn names_inside_longer_names_and_plain_words_are_not_headers() {
        let r = Redactor::builtin();
        for text in [
            "{X-Authorization-Hint=keep}",
            "Authorization failed for user",
            "Starting authorizer: abc123 for request: x",
            "{Authorization=}",
            r#"{"Authorization": null}"#,
        ] {
            assert!(matches!(r.redact(text), Cow::Borrowed(_)), "{text}");
        }
    }

    /// Text made of the pieces that matter: names in several cases and as parts of longer names, every
    /// delimiter, boundary and quote, masks and truncation markers.
    fn header_soup() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        // `|`-separated, so the table stays readable; a line continuation drops the next line's indent.
        const PIECES: &str = "Authorization|authorization|AUTHORIZATION|Proxy-Authorization|X-Authorization|\
            Cookie|set-cookie|Set-Cookie|cookies|X-Api-Key|x-amz-security-token|X-Session|ab|b|=|:|\"|'| |  |\t|,|, |\
            {|}|[|]|;|\n|\r|\\|null|****| [TRUNCATED]|x|v=1|é|-|\"Authorization\"|'Cookie'|\"ab\"|'x-api-key'|\
            \t:| :|: |\"v\"|'v'|[\"v\", \"w\"]";
        let pieces = prop::sample::select(PIECES.split('|').collect::<Vec<_>>());
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The fast name search is an optimization only: it masks exactly what the automaton does.
        #[test]
        fn the_fast_search_masks_exactly_what_the_automaton_masks(
            text in header_soup(),
            extra in proptest::sample::subsequence(vec!["X-Session", "ab", "b", "cookie", "Ab-", "x y", "k=v"], 0..3),
        ) {
            let r = Redactor::new(&extra).unwrap();
            let reference = mask_values(&text, r.automaton_matches(&text));
            proptest::prop_assert_eq!(r.redact(&text), reference);
            let clean = extra.iter().all(|n| !n.contains([' ', '=']));
            proptest::prop_assert_eq!(r.fast.is_some(), clean);
        }
    }

    /// The byte-at-a-time definition `kv_map_value_end` must keep.
    fn kv_map_value_end_bytewise(bytes: &[u8], start: usize) -> usize {
        let mut i = start;
        while i < bytes.len() {
            match bytes[i] {
                b'}' | b'\n' | b'\r' => return i,
                b',' if bytes.get(i + 1) == Some(&b' ') && starts_kv_pair(bytes, i + 2) => return i,
                b' ' if is_truncation_marker(&bytes[i..]) => return i,
                _ => i += 1,
            }
        }
        i
    }

    proptest::proptest! {
        #[test]
        fn map_values_end_where_the_bytewise_definition_says(text in header_soup(), start in 0usize..64) {
            let start = start.min(text.len());
            proptest::prop_assert_eq!(
                kv_map_value_end(text.as_bytes(), start),
                kv_map_value_end_bytewise(text.as_bytes(), start)
            );
        }
    }

    #[test]
    fn extra_names_from_configuration_are_masked() {
        let r = Redactor::new(["X-Session"]).unwrap();
        assert_eq!(r.redact("{x-session=s3cret, A=b}"), "{x-session=****, A=b}");
    }
}
