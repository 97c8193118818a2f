//! Masks secrets in log text before anything is stored, printed or logged (`log-formats.md` §9).
//!
//! Two kinds of secret are masked (replaced by [`MASK`]):
//! - **Values of sensitive names**: a name followed by `=` or `:` in any of the syntaxes these logs carry:
//!   API Gateway's `{Name=value, ...}` maps (not JSON; values may contain `, ` and `=`), query strings
//!   (`?name=value&...`) and query-string maps, `Name: value` and `Name : value` text (raw HTTP, Node.js
//!   `util.inspect`), JSON `"name": value` at any depth (strings, arrays, objects, numbers), and JSON escaped
//!   inside strings (`\"name\":\"value\"`, at any depth of escaping). A name is sensitive when, lowercased, it
//!   *contains* one of [`SENSITIVE_WORDS`] (`client_secret`, `X-Amz-Security-Token`, `accessToken`, `cookies`)
//!   or *is* one of [`SENSITIVE_NAMES`] or a configured name (`REDACT_HEADERS`, `REDACT_FIELDS`).
//!   `Authorization`- and `Cookie`-style values are masked whole, with every `, param=...` part of a Digest or
//!   AWS SigV4 value (`Signature=`, `response=`).
//! - **Values shaped like secrets**, wherever they are: `Bearer <token>`, AWS access key IDs (`AKIA…`,
//!   `ASIA…`) and the 40-character secret keys on the same line, JWTs (`eyJ…`.`…`[.`…`]).
//!
//! Cost: a line is lowercased into a scratch buffer and searched once for all the words above with one
//! multi-pattern SIMD search (aho-corasick's Teddy); most lines contain none of them and come back borrowed.
//! Only around a word found does anything else run, each step linear in what it reads and bounded: no regex,
//! no backtracking, no step that rereads text another step has masked.

mod names;
mod shapes;

use std::borrow::Cow;
use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Header names whose values are always masked (`interfaces.md`); all are covered by [`SENSITIVE_WORDS`].
pub const BUILTIN_REDACTED_HEADERS: [&str; 6] = [
    "Authorization",
    "X-Api-Key",
    "Cookie",
    "Set-Cookie",
    "X-Amz-Security-Token",
    "Proxy-Authorization",
];

/// A name containing one of these (ASCII case-insensitively) is sensitive: `password`, `db_password`,
/// `client_secret`, `secretAccessKey`, `access_token`, `refresh-token`, `id_token`, `x-api-key`, `apiKey`,
/// `private_key`, `credentials`, `Proxy-Authorization`, `set-cookie`, `cookies`, `session_id`,
/// `X-Amz-Signature`, ... Separators inside a word are spelled out (`api_key`, `api-key`, `apikey`).
pub const SENSITIVE_WORDS: [&str; 16] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "privatekey",
    "private_key",
    "private-key",
    "credential",
    "authorization",
    "cookie",
    "session",
    "signature",
];

/// Names sensitive only as a whole name (as words they are too common): `pwd`, `pass`, `auth`, `jwt`.
pub const SENSITIVE_NAMES: [&str; 4] = ["pwd", "pass", "auth", "jwt"];

/// Longest configured name (`REDACT_HEADERS`, `REDACT_FIELDS`); real header and field names are far shorter.
pub const MAX_NAME_BYTES: usize = 128;
/// Most configured names in all.
pub const MAX_EXTRA_NAMES: usize = 100;

/// What a masked value is replaced with.
pub const MASK: &str = "****";

/// What finding a pattern means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// A name containing the pattern is sensitive. `whole`: an Authorization/Cookie-style value (masked with
    /// its `, param=` continuations).
    Word { whole: bool },
    /// A name that is exactly the pattern is sensitive.
    Name { whole: bool },
    /// `Bearer <token>`.
    Bearer,
    /// `AKIA…` / `ASIA…`.
    AwsKeyId,
    /// `eyJ…`.
    Jwt,
}

/// Masks secrets; build once, use for every line.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Every pattern, lowercase, searched in the lowercased line.
    search: AhoCorasick,
    /// What each pattern (by ID) means.
    triggers: Vec<Trigger>,
}

/// The configured names cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RedactorError {
    /// A name that could never match a name in a log line, or too many names.
    #[error(
        "{0:?} is not a name to redact: names are 1 to {MAX_NAME_BYTES} ASCII letters, digits, '-', '_' or '.', at most {MAX_EXTRA_NAMES} in all"
    )]
    InvalidName(String),
    /// The search could not be built.
    #[error("the names to redact cannot be compiled: {0}")]
    Build(#[source] aho_corasick::BuildError),
}

thread_local! {
    /// The lowercased line, reused: one allocation per thread instead of one per line.
    static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Redactor {
    /// The built-in words and names plus `extra` names (from `REDACT_HEADERS` and `REDACT_FIELDS`), matched
    /// as whole names, ASCII case-insensitively.
    pub fn new<S: AsRef<str>>(extra: impl IntoIterator<Item = S>) -> Result<Self, RedactorError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut triggers = Vec::new();
        let mut add = |p: String, t: Trigger| {
            if !patterns.contains(&p) {
                patterns.push(p);
                triggers.push(t);
            }
        };
        for w in SENSITIVE_WORDS {
            let whole = matches!(w, "authorization" | "cookie");
            add(w.to_string(), Trigger::Word { whole });
        }
        for n in SENSITIVE_NAMES {
            add(n.to_string(), Trigger::Name { whole: n == "auth" });
        }
        add("bearer".into(), Trigger::Bearer);
        add("akia".into(), Trigger::AwsKeyId);
        add("asia".into(), Trigger::AwsKeyId);
        add("eyj".into(), Trigger::Jwt);
        let mut count = 0;
        for name in extra {
            let name = name.as_ref().trim();
            if name.is_empty() {
                continue;
            }
            count += 1;
            if name.len() > MAX_NAME_BYTES || !name.bytes().all(names::is_name_byte) || count > MAX_EXTRA_NAMES {
                return Err(RedactorError::InvalidName(
                    name.chars().take(MAX_NAME_BYTES + 1).collect(),
                ));
            }
            add(name.to_ascii_lowercase(), Trigger::Name { whole: false });
        }
        let search = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(RedactorError::Build)?;
        Ok(Self { search, triggers })
    }

    /// Only the built-in words and names.
    pub fn builtin() -> Self {
        // A few dozen short ASCII literals cannot exceed the automaton's limits (tests build it).
        Self::new(std::iter::empty::<&str>()).expect("the built-in patterns compile")
    }

    /// `text` with every secret replaced by [`MASK`]; borrowed when there is none.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let spans = LOWER.with(|lower| {
            let mut lower = lower.borrow_mut();
            lower.clear();
            lower.extend_from_slice(text.as_bytes());
            lower.make_ascii_lowercase();
            self.spans(text.as_bytes(), &lower)
        });
        apply(text, spans)
    }

    /// The byte ranges to mask, unordered and possibly overlapping.
    fn spans(&self, text: &[u8], lower: &[u8]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        // Text up to here is masked or was read by a shape check: a pattern inside it starts nothing new
        // (this keeps the whole pass linear, whatever the line repeats).
        let (mut masked_to, mut shape_read_to) = (0, 0);
        let mut aws_key = false;
        for m in self.search.find_overlapping_iter(lower) {
            let (start, end) = (m.start(), m.end());
            match self.triggers[m.pattern().as_usize()] {
                Trigger::Word { whole } | Trigger::Name { whole } if start >= masked_to => {
                    let exact = matches!(self.triggers[m.pattern().as_usize()], Trigger::Name { .. });
                    if let Some(span) = names::value_of(text, start, end, exact, whole) {
                        masked_to = masked_to.max(span.1);
                        spans.push(span);
                    }
                }
                Trigger::Bearer if start >= shape_read_to => {
                    shape_read_to = shapes::bearer(text, start, end, &mut spans);
                }
                Trigger::AwsKeyId => aws_key |= shapes::aws_key_id(text, start, &mut spans),
                Trigger::Jwt if start >= shape_read_to => {
                    shape_read_to = shapes::jwt(text, start, &mut spans);
                }
                _ => {}
            }
        }
        if aws_key {
            shapes::aws_secret_keys(text, &mut spans);
        }
        spans
    }
}

/// Replaces every span (merged where they overlap) by [`MASK`], except a span that already is one.
fn apply(text: &str, mut spans: Vec<(usize, usize)>) -> Cow<'_, str> {
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < spans.len() {
        let (start, mut end) = spans[i];
        i += 1;
        while i < spans.len() && spans[i].0 < end {
            end = end.max(spans[i].1);
            i += 1;
        }
        let (start, end) = (floor_boundary(text, start.max(copied)), ceil_boundary(text, end));
        if end <= start || &text[start..end] == MASK {
            continue;
        }
        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
        o.push_str(&text[copied..start]);
        o.push_str(MASK);
        copied = end;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

// Spans start and end at ASCII bytes, which are always character boundaries; these keep a slip from ever
// splitting a character (a panic).
fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests;
