//! Masks secrets in log text before anything is stored, printed or logged (`docs/security.md`).
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
//!   Names and delimiters spelled in an encoding (`\u00XX` escapes, percent-encoding, XML attributes,
//!   multipart parts, YAML block scalars) are read by `redact/spelled.rs`.
//! - **Values shaped like secrets**, wherever they are: `Bearer <token>`, AWS access key IDs (`AKIA…`,
//!   `ASIA…`) and the 40-character secret keys on the same line, JWTs (`eyJ…` followed by one or more `.segment`).
//!
//! Cost: a line is lowercased into a scratch buffer and searched twice, for the fragments of the names and
//! for the starts of the shapes, each a multi-pattern SIMD search (aho-corasick's Teddy); most lines contain
//! none and come back borrowed. A
//! short text (an attribute such as a method or a path) is first checked by a case-insensitive automaton over
//! the same fragments, without the copy, and comes back borrowed when it holds none. Only
//! around a fragment found does anything else run, each step linear in what it reads and bounded: no regex,
//! no backtracking, no step that rereads text another step has masked or read.

mod apply;
mod names;
mod redacted;
mod search;
mod shapes;
mod spelled;
mod stored;
mod syntax;
mod tokens;
mod webhooks;

use apply::apply;
use search::Search;

pub use redacted::{Redacted, truncate_with};
pub use stored::ALLOWED_HEADERS;
pub(crate) use stored::lambda_phrases;

use std::borrow::Cow;
use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

/// Header names whose values are always masked (`docs/security.md`); all are covered by [`SENSITIVE_WORDS`].
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
/// `X-Amz-Signature`, Azure's `AccountKey` and `SharedAccessKey` (connection strings:
/// https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string,
/// https://learn.microsoft.com/azure/event-hubs/event-hubs-get-connection-string), ... Separators inside a
/// word are spelled out (`api_key`, `api-key`, `apikey`).
pub(crate) const SENSITIVE_WORDS: [&str; 18] = [
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
    "accountkey",
    "accesskey",
];

/// Names sensitive only as a whole name (as words they are too common): `pwd`, `pass`, `auth`, `jwt`, and
/// `sig`, the signature of an Azure shared access signature URL, which grants what the URL says to whoever
/// holds it (https://learn.microsoft.com/rest/api/storageservices/create-service-sas).
pub(crate) const SENSITIVE_NAMES: [&str; 5] = ["pwd", "pass", "auth", "jwt", "sig"];

/// Longest configured name (`REDACT_HEADERS`, `REDACT_FIELDS`); real header and field names are far shorter.
pub(crate) const MAX_NAME_BYTES: usize = 128;
/// Most configured names in all.
pub(crate) const MAX_EXTRA_NAMES: usize = 100;

/// Texts up to this long are first checked for any fragment with a case-insensitive automaton, which costs
/// less than the lowercased copy and the SIMD search set up for a long line.
const SHORT_TEXT: usize = 24;

/// What a masked value is replaced with.
pub(crate) const MASK: &str = "****";

/// What the names' line search looks for (lowercase, in the lowercased line): a fragment of every word and name
/// above (`pass` for `password`, `passwd`, `passphrase` and `pass`; `private` for the three `private…key`
/// spellings; `auth` for `authorization` and `auth`; `sig` for `signature` and `sig`) and the starts of four
/// shapes. A match only says where to look: the name around it is then checked against the whole lists, so
/// a fragment need not start its word, and a fragment hidden inside an overlapping match is never missed
/// (fragments are name bytes, so overlapping ones share a name; a shape hidden that way has a name byte
/// before it and is no standalone shape).
///
/// Where a word starts like common words, its fragment starts later: `ecret` (not `sec`urity), `pik`,
/// `pi_k`, `pi-k` (not `api`gateway, `execute-api`), `ntkey` and `sskey` (not `acc`ept, `acc`ess). The SIMD
/// search tells fragments apart by their first three bytes and compares at every place those match; over
/// the bench batches' lines the names' search took 164 µs instead of 200 (`docs/performance.md`).
const NAME_FRAGMENTS: [&str; 20] = [
    "pass",
    "pwd",
    "ecret",
    "token",
    "pik",
    "pi_k",
    "pi-k",
    "private",
    "credential",
    "auth",
    "cookie",
    "session",
    "sig",
    "ntkey",
    "sskey",
    "jwt",
    "bearer",
    "akia",
    "asia",
    "eyj",
];

/// The starts of the shapes searched besides names (PEM blocks, URL user-info, `Basic` credentials, Google
/// API keys; the documented token prefixes are [`tokens::TOKEN_PREFIXES`]).
const SHAPE_FRAGMENTS: [&str; 4] = ["-----begin", "://", "basic", "aiza"];

/// What the first line search looks for: names, plainly or `\u00XX`-escaped, and the shapes that were
/// searched with them from the start (bearer tokens, AWS key IDs, JWTs).
fn name_fragments() -> Vec<&'static str> {
    NAME_FRAGMENTS.iter().chain(&spelled::NAME_FRAGMENTS).copied().collect()
}

/// What the second line search looks for: the other shapes' starts and the documented token prefixes.
///
/// Two searches, not one: in one SIMD search the 56 fragments share 16 buckets, and every bucket that mixes
/// a common name fragment with a rare prefix makes the search stop and compare at far more places. Over the
/// bench batches' 3,573 lines the one search took 538 µs, the two 286 µs (`docs/performance.md`).
fn shape_fragments() -> Vec<&'static str> {
    SHAPE_FRAGMENTS
        .iter()
        .chain(&spelled::SHAPE_FRAGMENTS)
        .copied()
        .chain(tokens::search_fragments())
        .collect()
}

/// Every fragment the line searches look for.
fn fragments() -> Vec<&'static str> {
    name_fragments().into_iter().chain(shape_fragments()).collect()
}

/// Masks secrets; build once, use for every line.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// The built-in fragments of names ([`name_fragments`]).
    names_search: Search,
    /// The built-in fragments of shapes ([`shape_fragments`]).
    shapes_search: Search,
    /// The configured names, when there are any (they contain no fragment in general).
    extra_search: Option<Search>,
    /// The configured names, lowercase.
    extra: Vec<String>,
    /// Whether a lowercase name contains one of [`SENSITIVE_WORDS`] (a DFA over a short name).
    words: AhoCorasick,
    /// Whether a short text holds any fragment or configured name at all, ASCII case-insensitively, without
    /// the lowercased copy ([`SHORT_TEXT`]).
    any_in_short: AhoCorasick,
    /// Keep request and response bodies (redacted) instead of their size and hash: the operator's opt-in.
    keep_bodies: bool,
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
        let mut names: Vec<String> = Vec::new();
        for name in extra {
            let name = name.as_ref().trim();
            if name.is_empty() {
                continue;
            }
            if name.len() > MAX_NAME_BYTES || !name.bytes().all(syntax::is_name_byte) || names.len() == MAX_EXTRA_NAMES
            {
                return Err(RedactorError::InvalidName(
                    name.chars().take(MAX_NAME_BYTES + 1).collect(),
                ));
            }
            let lower = name.to_ascii_lowercase();
            if !names.contains(&lower) {
                names.push(lower);
            }
        }
        let words = AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(SENSITIVE_WORDS)
            .map_err(RedactorError::Build)?;
        let any_in_short = AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .prefilter(false)
            .build(fragments().iter().copied().chain(names.iter().map(String::as_str)))
            .map_err(RedactorError::Build)?;
        Ok(Self {
            names_search: Search::new(&name_fragments())?,
            shapes_search: Search::new(&shape_fragments())?,
            extra_search: if names.is_empty() {
                None
            } else {
                Some(Search::new(&names)?)
            },
            extra: names,
            words,
            any_in_short,
            keep_bodies: false,
        })
    }

    /// This redactor, keeping request and response bodies (redacted) when `keep` (`STORE_BODIES`): bodies
    /// carry whatever clients and functions put in them, so by default only their size and hash are kept.
    #[must_use]
    pub(crate) fn keeping_bodies(mut self, keep: bool) -> Self {
        self.keep_bodies = keep;
        self
    }

    /// Only the built-in words and names.
    pub fn builtin() -> Self {
        // A few dozen short ASCII literals cannot exceed the automaton's limits (tests build it).
        Self::new(std::iter::empty::<&str>()).expect("the built-in patterns compile")
    }

    /// `text` with every secret replaced by [`MASK`]: the one way log text becomes [`Redacted`], which is
    /// what fragments, records, items, metric dimensions and output take. Borrowed when there is no secret.
    pub fn redact<'a>(&self, text: &'a str) -> Redacted<'a> {
        Redacted::new(self.mask(text))
    }

    /// [`redact`](Self::redact) for text already owned (an unescaped value, a joined list).
    pub fn redact_owned(&self, text: String) -> Redacted<'static> {
        match self.mask(&text) {
            Cow::Borrowed(_) => Redacted::new(Cow::Owned(text)),
            Cow::Owned(masked) => Redacted::new(Cow::Owned(masked)),
        }
    }

    /// [`redact`](Self::redact) for text that may be borrowed or owned, keeping it borrowed when it was.
    pub(crate) fn redact_cow<'a>(&self, text: Cow<'a, str>) -> Redacted<'a> {
        match text {
            Cow::Borrowed(text) => self.redact(text),
            Cow::Owned(text) => self.redact_owned(text),
        }
    }

    /// `text` with every secret replaced by [`MASK`]; borrowed when there is none.
    fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        // Why skipping is safe: every span [`spans`](Self::spans) returns starts from a place where the
        // lowercase searches (`names_search`, `shapes_search`, `extra_search`) found a fragment or a
        // configured name in the lowercased text; AWS secret keys are looked for only on a line where such a
        // place was an access key ID. A text in which the case-insensitive automaton (the same fragments and
        // names) finds none therefore gets no span, and the full passes would return it unchanged too. `tests/precheck.rs` checks both
        // halves: the automaton agrees with "the lowercased text contains a fragment or name", and masking
        // with and without the check gives the same text.
        if text.len() <= SHORT_TEXT && !self.any_in_short.is_match(text) {
            return Cow::Borrowed(text);
        }
        self.mask_every_rule(text)
    }

    /// [`mask`](Self::mask) without the short-text check: the lowercased copy and the full searches.
    fn mask_every_rule<'a>(&self, text: &'a str) -> Cow<'a, str> {
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
        let mut scan = Scan::default();
        self.names_search
            .each(lower, |start, end| self.name_match(text, lower, start, end, &mut scan));
        // Each further pass starts from the start: what an earlier pass read says nothing about its positions.
        scan.restart();
        self.shapes_search
            .each(lower, |start, end| self.shape_match(text, lower, start, end, &mut scan));
        if let Some(extra) = &self.extra_search {
            scan.restart();
            extra.each(lower, |start, end| self.name_at(text, lower, start, end, &mut scan));
        }
        if scan.aws_key {
            shapes::aws_secret_keys(text, &mut scan.spans);
        }
        scan.spans
    }

    /// A match of the names' search: one of the shapes searched with the names (AWS key IDs, bearer tokens,
    /// JWTs), else the name it is part of.
    fn name_match(&self, text: &[u8], lower: &[u8], start: usize, end: usize, scan: &mut Scan) {
        let at = &lower[start..];
        // Shapes first, even inside a masked value: a token can start in one and run past its end
        // (`Authorization: Bearer <token>` inside a string, masked up to the space).
        if at.starts_with(b"akia") || at.starts_with(b"asia") {
            scan.aws_key |= shapes::aws_key_id(text, start, &mut scan.spans);
        }
        if start >= scan.shape_read_to {
            // `bearer` and `eyj` hide no fragment of a word (none starts inside them), so they name nothing.
            if at.starts_with(b"bearer") {
                scan.shape_read_to = shapes::bearer(text, start, start + 6, &mut scan.spans);
                return;
            } else if at.starts_with(b"eyj") {
                scan.shape_read_to = shapes::jwt(text, start, &mut scan.spans);
                return;
            }
        }
        self.name_at(text, lower, start, end, scan);
    }

    /// A match of the shapes' search: the shape it starts, else (inside what a shape already read) the name it
    /// is part of, as when names and shapes were one search. A name read by both passes gets its span twice,
    /// and masking merges the two.
    fn shape_match(&self, text: &[u8], lower: &[u8], start: usize, end: usize, scan: &mut Scan) {
        if start >= scan.shape_read_to
            && let Some(read_to) = shapes::other_shape(text, &lower[start..], start, end, &mut scan.spans)
        {
            scan.shape_read_to = read_to;
            return;
        }
        self.name_at(text, lower, start, end, scan);
    }

    /// The name a match at `start..end` is part of, and its value when the name is sensitive.
    fn name_at(&self, text: &[u8], lower: &[u8], start: usize, end: usize, scan: &mut Scan) {
        // Text up to `masked_to` is masked, and names up to `name_read_to` were looked at: a match inside
        // them starts nothing new (this keeps the pass linear, whatever the line repeats).
        let at = &lower[start..];
        if start < scan.masked_to {
            return;
        }
        if start < scan.name_read_to {
            return;
        }
        if at[0] == b'\\' {
            self.escaped_name(text, start, scan);
            return;
        }
        let Some((name_start, name_end)) = names::name_around(lower, start, end) else {
            return;
        };
        scan.name_read_to = name_end;
        let Some(whole) = names::word_at(at).or_else(|| self.sensitive(&lower[name_start..name_end])) else {
            return;
        };
        if let Some(span) = names::value_of(text, name_start, name_end, whole, &mut scan.breaks) {
            scan.masked_to = scan.masked_to.max(span.1);
            scan.spans.push(span);
        }
    }

    /// Whether a lowercase name is sensitive, and if so whether its value is Authorization/Cookie-style
    /// (masked whole, with its `, param=` continuations). A word split by a separator (`pass_word`,
    /// `Pass-Word`) is the word.
    fn sensitive(&self, name: &[u8]) -> Option<bool> {
        self.sensitive_as_spelled(name)
            .or_else(|| self.sensitive_as_spelled(&spelled::squeezed(name)?))
    }

    fn sensitive_as_spelled(&self, name: &[u8]) -> Option<bool> {
        if self.words.is_match(name) {
            let has = |w: &[u8]| memchr::memmem::find(name, w).is_some();
            return Some(has(b"authorization") || has(b"cookie"));
        }
        if name == b"auth" {
            return Some(true);
        }
        let exact =
            SENSITIVE_NAMES.iter().any(|n| name == n.as_bytes()) || self.extra.iter().any(|n| name == n.as_bytes());
        exact.then_some(false)
    }
}

/// What one line's passes have found and read so far.
#[derive(Default)]
struct Scan {
    spans: Vec<(usize, usize)>,
    masked_to: usize,
    name_read_to: usize,
    shape_read_to: usize,
    aws_key: bool,
    breaks: names::Breaks,
}

impl Scan {
    /// Ready for another pass over the line from its start, keeping what was found.
    fn restart(&mut self) {
        (self.masked_to, self.name_read_to, self.shape_read_to) = (0, 0, 0);
    }
}

#[cfg(test)]
mod tests;
