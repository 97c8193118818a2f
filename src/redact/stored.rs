//! What an execution-log line keeps when stored or printed: an allow-list by kind of line, not everything
//! minus the names above (`docs/what-is-stored.md`).
//!
//! - Request and response bodies (`Method request body before transformations:`, `Endpoint request body
//!   after transformations:`, `Endpoint response body before transformations:`, `Method response body after
//!   transformations:`, and a Lambda authorizer's `Authorizer result body before parsing:`) keep their size,
//!   a hash and, for the three answers, what the classifier reads from them (a proxy response's `statusCode`,
//!   a Lambda `errorType`, Lambda's own failure phrases); the text itself only when the operator opts in
//!   ([`super::Redactor::keeping_bodies`]), and then redacted.
//! - Header maps keep the values of [`ALLOWED_HEADERS`] only; every other value becomes [`MASK`].
//! - Query strings and path parameters (`Method request query string:`, `Method request path:`, the query of
//!   `Endpoint request URI:` / `Sending request to`) keep their names.
//! - Every other line, and every kept value, still goes through the redactor (names and shapes).

use std::borrow::Cow;

use super::{MASK, Redacted, Redactor, names};

mod bodies;
mod headers;
pub(crate) use bodies::lambda_phrases;
pub use headers::ALLOWED_HEADERS;
use headers::{Known, is_plain_value, known};

/// The body lines: stored as a summary (`stored/bodies.rs`) by default. A request body is the client's (or the mapping
/// template's) text: what it says of status codes or errors speaks for no backend, so nothing is read from it.
const REQUEST_BODY_LINES: [&str; 2] = [
    "Method request body before transformations: ",
    "Endpoint request body after transformations: ",
];

/// The answers' bodies: the integration's, the method's and a Lambda authorizer's (its `context` map carries
/// whatever the authorizer chose to pass on: tokens, user attributes). Their summary also keeps what the
/// classifier reads from them.
const ANSWER_BODY_LINES: [&str; 3] = [
    "Endpoint response body before transformations: ",
    "Method response body after transformations: ",
    "Authorizer result body before parsing: ",
];

/// The header-map lines: values kept for [`ALLOWED_HEADERS`] only.
const HEADER_LINES: [&str; 4] = [
    "Method request headers: ",
    "Endpoint request headers: ",
    "Endpoint response headers: ",
    "Method response headers: ",
];

/// Maps whose names are kept and values never (query strings, path parameters).
const NAME_ONLY_LINES: [&str; 2] = ["Method request query string: ", "Method request path: "];

/// Lines that end in a URL whose query keeps its names only.
const URL_LINES: [&str; 2] = ["Endpoint request URI: ", "Sending request to "];

/// Lines API Gateway writes whose only variable part, after the prefix, is a status, a request ID or a trace
/// ID (`docs/log-formats.md`): when that part is made of [`is_id_text`] bytes only, the line is stored as it
/// is, without the searches. No fragment of a built-in rule can be read there: none is in a prefix, none is
/// made of hex digits and `-` only, and none starts at a prefix's end and runs on into such bytes
/// (`id_lines_hold_no_fragment`). Configured names turn this off.
const ID_LINES: [&str; 6] = [
    "Method completed with status: ",
    "Starting execution for request: ",
    "AWS Integration Endpoint RequestId : ",
    // The trace header's form (`Root=1-…`) before the bare ID: the first prefix a line starts with is taken.
    "X-ray Tracing ID : Root=",
    "X-ray Tracing ID : ",
    "Successfully completed execution",
];

/// Whether `text` is made of hex digits and `-` only (statuses, UUIDs, X-Ray trace IDs). Read 16 bytes at a
/// time without a branch per byte: an ID is read whole anyway, and the branches cost more than the bytes.
fn is_id_text(text: &str) -> bool {
    text.as_bytes().chunks(16).all(|chunk| {
        chunk
            .iter()
            .fold(true, |ok, &b| ok & (b.is_ascii_hexdigit() | (b == b'-')))
    })
}

/// Whether `b` is the first byte of one of the line kinds above (`kinds_start_with_the_gate_bytes`).
const fn starts_a_kind(b: u8) -> bool {
    matches!(b, b'M' | b'E' | b'S' | b'A' | b'X')
}

/// API Gateway's mark on a line it cut at 1,024 bytes.
const TRUNCATED: &str = " [TRUNCATED]";

impl Redactor {
    /// An execution-log line's text (after the request-ID prefix) as stored and printed: the allow-list by
    /// kind of line, then redaction by names and shapes.
    pub(crate) fn execution_line<'a>(&self, text: &'a str) -> Redacted<'a> {
        Redacted::new(self.execution_text(text))
    }

    fn execution_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        // Most lines start with no line kind's first byte and need no prefix compared.
        if !text.as_bytes().first().is_some_and(|&b| starts_a_kind(b)) {
            return self.mask(text);
        }
        // Only with the built-in rules: a configured name could sit in a prefix (`status`) or be spelled in an ID.
        if self.extra.is_empty()
            && let Some((_, id)) = split(text, &ID_LINES)
            && is_id_text(id)
        {
            return Cow::Borrowed(text);
        }
        for (lines, answer) in [(&REQUEST_BODY_LINES[..], false), (&ANSWER_BODY_LINES[..], true)] {
            if let Some((prefix, body)) = split(text, lines) {
                if self.keep_bodies {
                    return self.mask(text);
                }
                return Cow::Owned(self.body_summary(prefix, body, answer));
            }
        }
        for (lines, headers) in [(&HEADER_LINES[..], true), (&NAME_ONLY_LINES[..], false)] {
            if let Some((prefix, map)) = split(text, lines) {
                // An empty map (`Method request path: {}`, most query strings) is stored as it is: no prefix
                // holds a fragment of a built-in rule, nor does `{}` (`plain_lines_hold_no_fragment`).
                if map == "{}" && self.extra.is_empty() {
                    return Cow::Borrowed(text);
                }
                return self.header_map(text, prefix, map, headers);
            }
        }
        if let Some((prefix, url)) = split(text, &URL_LINES) {
            return self.kept(text, url_query_names(prefix, url));
        }
        self.mask(text)
    }

    /// A header map's line (or a query string's, `!headers`) as stored: its allowed values, the rest masked.
    ///
    /// When every name is a known header name and every kept value is plain, the searches are skipped: they
    /// could find nothing to change. No fragment of a rule holds a byte that joins the map's parts (`{`, `}`,
    /// `=`, `,`, `*`, whitespace: `no_fragment_spans_the_parts_of_a_map`), so a fragment would lie inside one
    /// part: the prefix and ` [TRUNCATED]` hold none (`plain_lines_hold_no_fragment`); a kept value is plain
    /// when it is of a shape that holds none ([`is_plain_value`]: IDs, trace headers, HTTP dates, common
    /// values) or when the automaton of every fragment finds none in it (the check `mask` makes of a short
    /// text); and a known name either holds none or is a sensitive name whose value is masked already, which
    /// the searches would mask again as it is (`known_names_change_nothing_the_searches_would`). The property
    /// `header_maps_are_stored_as_the_searches_would` checks the whole claim on generated maps. With
    /// configured names every map is searched.
    fn header_map<'a>(&self, text: &'a str, prefix: &'static str, map: &str, headers: bool) -> Cow<'a, str> {
        match self.header_map_kept(prefix, map, headers) {
            (None, true) => Cow::Borrowed(text),
            (Some(kept), true) => as_is_unless_changed(text, kept),
            (kept, false) => self.kept(text, kept),
        }
    }

    /// What [`map_values`] keeps of a map, and whether the searches can be skipped on it
    /// ([`header_map`](Self::header_map)).
    fn header_map_kept(&self, prefix: &str, map: &str, headers: bool) -> (Option<String>, bool) {
        let (kept, known_parts) = map_values(prefix, map, headers, |v| self.is_plain_kept_value(v));
        (kept, known_parts && self.extra.is_empty())
    }

    /// Whether a kept header value holds no fragment: told by its shape ([`is_plain_value`]), else by the
    /// automaton of every fragment (the check `mask` makes of a short text).
    fn is_plain_kept_value(&self, value: &str) -> bool {
        is_plain_value(value) || !self.any_in_short.is_match(value)
    }

    /// Whether a header map's line takes the way without the searches ([`header_map`](Self::header_map)).
    #[cfg(test)]
    fn header_map_is_plain(&self, text: &str) -> bool {
        split(text, &HEADER_LINES).is_some_and(|(prefix, map)| self.header_map_kept(prefix, map, true).1)
    }

    /// The line as the allow-list `kept` it (its prefix included: no prefix holds a fragment of a rule, so
    /// masking it with the rest finds what masking the rest alone does; `None`: the line as it is), masked:
    /// `text` itself, borrowed, when neither the allow-list nor the mask changed anything.
    fn kept<'a>(&self, text: &'a str, kept: Option<String>) -> Cow<'a, str> {
        let Some(kept) = kept else {
            return self.mask(text);
        };
        match self.mask(&kept) {
            Cow::Borrowed(_) => as_is_unless_changed(text, kept),
            Cow::Owned(masked) => Cow::Owned(masked),
        }
    }
}

/// `text` itself, borrowed, when what is `kept` of it is the same text; else `kept`.
fn as_is_unless_changed(text: &str, kept: String) -> Cow<'_, str> {
    if kept == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(kept)
    }
}

/// `text` split after the first of `prefixes` it starts with. The first byte is compared first: the line
/// kinds share few, and a call to compare costs more than the byte.
fn split<'a>(text: &'a str, prefixes: &[&'static str]) -> Option<(&'static str, &'a str)> {
    let first = *text.as_bytes().first()?;
    prefixes
        .iter()
        .filter(|p| p.as_bytes().first() == Some(&first))
        .find_map(|p| text.strip_prefix(p).map(|rest| (*p, rest)))
}

/// `prefix`, then an API Gateway map (`{Name=value, Name2=v, w}`) with each value kept only if `headers` and
/// the name is on [`ALLOWED_HEADERS`]; [`MASK`] otherwise. Anything that is not such a map is masked whole.
///
/// `None` when that is the line as it is (every value kept, the map whole): most response header maps, which
/// are then neither copied nor compared with the line.
///
/// Also whether the map is made of known header names only ([`headers::known`]), each value kept `plain`:
/// then no fragment of a rule can be read anywhere in what is kept (see [`Redactor::header_map`]).
fn map_values(prefix: &str, map: &str, headers: bool, plain: impl Fn(&str) -> bool) -> (Option<String>, bool) {
    let (map, truncated) = match map.strip_suffix(TRUNCATED) {
        Some(m) => (m, TRUNCATED),
        None => (map, ""),
    };
    let b = map.as_bytes();
    // A value shorter than the mask grows the map (`CloudFront-Viewer-Country=GB`, `Accept=*/*`). An entry and
    // its `, ` are at least four bytes (`N=, `) and grow by at most the mask's four: twice the map always
    // fits, and the buffer never moves (growing it was 2% of `parse/64kb`).
    let new_out = || {
        let mut out = String::with_capacity(prefix.len() + 2 * map.len() + MASK.len());
        out.push_str(prefix);
        out
    };
    let Some(inner_start) = map.starts_with('{').then_some(1) else {
        let mut out = new_out();
        out.push_str(MASK);
        out.push_str(truncated);
        return (Some(out), false);
    };
    // Made at the first value masked: until then, what is kept is the map's own bytes.
    let mut out: Option<String> = None;
    // The map is copied in runs, each up to a value to mask: a kept entry, and the `, ` between entries, are
    // the map's own bytes (the next entry starts right after its `, `), copied with what is around them.
    let mut copied = 0;
    let mut to = inner_start;
    let mut i = inner_start;
    let mut all_known = headers;
    let mut next_eq = memchr::memchr(b'=', &b[i..]).map(|p| i + p);
    let entries = names::MapEntries::new(b, next_eq.map_or(b.len(), |eq| eq + 1));
    while let Some(eq) = next_eq {
        let (end, next) = entries.entry_end(b, eq + 1);
        let name = &map[i..eq];
        let trimmed = name.trim_ascii();
        let kind = if headers { known(trimmed) } else { None };
        // A known name as written: spaces around it make it one no rule was checked against.
        all_known &= kind.is_some() && trimmed.len() == name.len();
        if kind == Some(Known::Allowed) {
            all_known = all_known && plain(&map[eq + 1..end]);
        } else {
            let out = out.get_or_insert_with(new_out);
            out.push_str(&map[copied..=eq]);
            out.push_str(MASK);
            copied = end;
        }
        to = end;
        // The value ends at the next `, Name=` (whose `=` is `next`) or at the map's end.
        let Some(next) = next else { break };
        (i, next_eq) = (end + 2, Some(next));
    }
    // The map as it is: nothing masked, and it ends right after its last value (a `}` is added where the
    // map was cut or has no closing brace, and what follows a `}` is dropped).
    if out.is_none() && &map[to..] == "}" {
        return (None, all_known);
    }
    let mut out = out.unwrap_or_else(new_out);
    out.push_str(&map[copied..to]);
    out.push('}');
    out.push_str(truncated);
    (Some(out), all_known)
}

/// `prefix`, then a URL whose query keeps its names (`?a=****&b=****`); `None` without a query.
fn url_query_names(prefix: &str, url: &str) -> Option<String> {
    let q = url.find('?')?;
    let mut out = String::with_capacity(prefix.len() + url.len());
    out.push_str(prefix);
    out.push_str(&url[..=q]);
    for (n, pair) in url[q + 1..].split('&').enumerate() {
        if n > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, _)) => {
                out.push_str(name);
                out.push('=');
                out.push_str(MASK);
            }
            None => out.push_str(pair),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_hold_no_fragment() {
        for fragment in super::super::fragments() {
            assert!(!"{}".contains(fragment), "{fragment:?}");
            for prefix in HEADER_LINES
                .iter()
                .chain(&NAME_ONLY_LINES)
                .map(|p| p.to_ascii_lowercase())
            {
                assert!(
                    !format!("{prefix}{{}}").contains(fragment),
                    "{prefix:?} holds {fragment:?}"
                );
            }
            assert!(!is_id_text(fragment), "{fragment:?} is made of ID bytes");
            for prefix in ID_LINES.map(str::to_ascii_lowercase) {
                assert!(!prefix.contains(fragment), "{prefix:?} holds {fragment:?}");
                // Across the prefix's end: a head of the fragment ends the prefix, its rest is ID bytes.
                for cut in 1..fragment.len() {
                    let (head, rest) = fragment.split_at(cut);
                    assert!(
                        !(prefix.ends_with(head) && is_id_text(rest)),
                        "{fragment:?} can run on from {prefix:?}"
                    );
                }
            }
        }
        // A configured name could sit in a prefix (`status`, `path`) or be spelled in an ID: every line is
        // searched.
        let r = Redactor::new(["status", "path"]).expect("valid names");
        assert_eq!(
            r.execution_line("Method completed with status: 200"),
            "Method completed with status: ****"
        );
        for redactor in [r, Redactor::builtin()] {
            for prefix in HEADER_LINES.iter().chain(&NAME_ONLY_LINES) {
                let line = format!("{prefix}{{}}");
                assert_eq!(
                    redactor.execution_line(&line).as_str(),
                    redactor.mask_every_rule(&line),
                    "{line}"
                );
            }
        }
    }

    proptest::proptest! {
        /// The chunked, branch-free reading is the plain definition.
        #[test]
        fn is_id_text_is_its_definition(text in "[0-9a-fA-F-]{0,80}[g ]?[0-9a-f-]{0,20}|\\PC{0,40}") {
            let definition = text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
            proptest::prop_assert_eq!(is_id_text(&text), definition);
        }

        /// An ID line stored as it is is what the full passes give it.
        #[test]
        fn id_lines_are_what_the_full_passes_give(kind in 0..ID_LINES.len(), id in "[0-9a-fA-F-]{0,80}") {
            let r = Redactor::builtin();
            let line = format!("{}{id}", ID_LINES[kind]);
            let (stored, full) = (r.execution_line(&line), r.mask_every_rule(&line));
            proptest::prop_assert_eq!(stored.as_ref(), full.as_ref());
        }
    }

    /// A map whose values are all kept is the line itself only when the map is whole; otherwise the copy
    /// closes it as before (a `}` where it was cut, nothing after its `}`).
    #[test]
    fn maps_of_kept_values_are_the_line_only_when_whole() {
        let r = Redactor::builtin();
        let p = "Endpoint response headers: ";
        for (map, stored) in [
            ("{Content-Type=text/plain, Content-Length=2}", None),
            ("{Content-Length=2} [TRUNCATED]", None),
            (
                "{Content-Type=text/plain, Content-Length=2 [TRUNCATED]",
                Some("{Content-Type=text/plain, Content-Length=2} [TRUNCATED]"),
            ),
            ("{Content-Length=2", Some("{Content-Length=2}")),
            ("{Content-Length=2} tail", Some("{Content-Length=2}")),
            ("{Content-Length=2}}", Some("{Content-Length=2}")),
            ("{Content-Length}", Some("{}")),
            ("{Content-Length=2, Host=h}", Some("{Content-Length=2, Host=****}")),
        ] {
            let line = format!("{p}{map}");
            let got = r.execution_line(&line);
            match stored {
                None => assert!(matches!(got.into_cow(), Cow::Borrowed(l) if l == line), "{line}"),
                Some(stored) => assert_eq!(got.as_str(), format!("{p}{stored}"), "{line}"),
            }
        }
    }

    #[test]
    fn kinds_start_with_the_gate_bytes() {
        for prefix in REQUEST_BODY_LINES
            .iter()
            .chain(&ANSWER_BODY_LINES)
            .chain(&ID_LINES)
            .chain(&HEADER_LINES)
            .chain(&NAME_ONLY_LINES)
            .chain(&URL_LINES)
        {
            assert!(starts_a_kind(prefix.as_bytes()[0]), "{prefix}");
        }
    }
}
