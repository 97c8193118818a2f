//! [`Redacted`]: text that has passed the redactor, the only kind of log-derived text a fragment, a record, an
//! index item or a metric dimension holds (`docs/threat-model.md`, "One choke point").

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Redactor;

/// Text that has passed the [`Redactor`]. Its constructor is private to the `redact` module, so the only ways
/// to get one are the redactor's methods ([`Redactor::redact`], [`Redactor::execution_line`], ...), reading
/// one back from storage (which redacts again, see below), or cutting one ([`Redacted::cut`]): code that
/// tries to store or print raw log text where a `Redacted` is expected does not compile.
///
/// ```
/// use apigw_log_indexer::redact::Redactor;
/// let r = Redactor::builtin();
/// assert_eq!(r.redact("password=hunter2"), "password=****");
/// ```
///
/// Raw text is not a `Redacted`, whatever the spelling:
///
/// ```compile_fail,E0277
/// let raw: apigw_log_indexer::redact::Redacted<'_> = std::borrow::Cow::Borrowed("password=hunter2").into();
/// ```
///
/// ```compile_fail,E0308
/// let mut f = apigw_log_indexer::fragment::ApiFragment::new("id");
/// f.resource_path = Some(std::borrow::Cow::Borrowed("/from/a/log/line"));
/// ```
///
/// ```compile_fail,E0423
/// let raw = apigw_log_indexer::redact::Redacted("password=hunter2".into());
/// ```
///
/// Reading back (`Deserialize`) runs the built-in rules again: text stored by a version with fewer rules, or
/// put into the table by anyone else, is masked before it is shown; on text this version stored it changes
/// nothing (masking is idempotent).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Redacted<'a>(Cow<'a, str>);

impl<'a> Redacted<'a> {
    /// Only the redactor's module builds one.
    pub(super) const fn new(text: Cow<'a, str>) -> Self {
        Self(text)
    }

    /// Text of this program's own (a constant such as `unknown`, a failure reason's name): a `&'static str`
    /// is compiled in, not read from a log at run time, so it needs no redaction.
    pub const fn ours(text: &'static str) -> Redacted<'static> {
        Redacted(Cow::Borrowed(text))
    }

    /// Text read back from the index's own items (summary attributes): masked again with the built-in
    /// rules, as [`Deserialize`] does, so an item written by an older version or by anyone else is shown
    /// only through the redactor.
    pub fn read_back(text: &'a str) -> Self {
        STORED.redact(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, to read or copy out (a `Cow` is not a `Redacted`: it cannot go back in).
    pub fn into_cow(self) -> Cow<'a, str> {
        self.0
    }

    /// This text, owned.
    #[must_use]
    pub fn into_owned(self) -> Redacted<'static> {
        Redacted(Cow::Owned(self.0.into_owned()))
    }

    /// This text cut to at most `max` bytes on a character boundary, ending in `marker` when cut: a prefix of
    /// redacted text followed by our own marker is still redacted.
    #[must_use]
    pub fn cut(&self, max: usize, marker: &'static str) -> Redacted<'static> {
        Redacted(Cow::Owned(truncate_with(&self.0, max, marker).into_owned()))
    }
}

/// `text` cut to at most `max` bytes on a character boundary, ending in `marker` when cut.
pub fn truncate_with<'t>(text: &'t str, max: usize, marker: &str) -> Cow<'t, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut cut = max.saturating_sub(marker.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}{marker}", &text[..cut]))
}

impl Deref for Redacted<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Redacted<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Redacted<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Redacted<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Redacted<'_>> for &str {
    fn eq(&self, other: &Redacted<'_>) -> bool {
        **self == *other.0
    }
}

impl Serialize for Redacted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The rules stored text is read back through.
static STORED: LazyLock<Redactor> = LazyLock::new(Redactor::builtin);

impl<'de: 'a, 'a> Deserialize<'de> for Redacted<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match borrowed_or_owned(d)? {
            Cow::Borrowed(text) => STORED.redact(text),
            Cow::Owned(text) => STORED.redact_owned(text),
        })
    }
}

/// A string from the deserializer, borrowed when the input allows it (JSON without escapes).
fn borrowed_or_owned<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'de, str>, D::Error> {
    struct Text;
    impl<'de> serde::de::Visitor<'de> for Text {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }
    d.deserialize_str(Text)
}

// Unit tests write fragments by hand: their text still goes through the redactor (the built-in rules).
#[cfg(test)]
impl<'a> From<&'a str> for Redacted<'a> {
    fn from(text: &'a str) -> Self {
        STORED.redact(text)
    }
}

#[cfg(test)]
impl From<String> for Redacted<'static> {
    fn from(text: String) -> Self {
        STORED.redact_owned(text)
    }
}
