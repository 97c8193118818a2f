//! One log event of a delivery, read leniently: an event whose timestamp, ID or message cannot be used is
//! kept with the [`EventProblem`] that says why (the parser skips and counts it), instead of failing the
//! whole delivery and with it every valid event (`docs/log-formats.md` §1). What stays a delivery error is what
//! makes the JSON itself unreadable (a syntax error outside a message, a message that is not a string).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Earliest timestamp accepted: the epoch. CloudWatch Logs refuses events older than 14 days anyway.
pub const MIN_TIMESTAMP_MS: i64 = 0;
/// Latest timestamp accepted: 9999-12-31T23:59:59.999Z, the last one an RFC 3339 date can show.
pub const MAX_TIMESTAMP_MS: i64 = 253_402_300_799_999;

/// Why one event cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventProblem {
    /// `timestamp` is missing, `null`, not a number or numeric string (`"abc"`), or outside
    /// [`MIN_TIMESTAMP_MS`]..=[`MAX_TIMESTAMP_MS`].
    InvalidTimestamp,
    /// The message holds a `\u` escape of a lone surrogate (`\udcff`), which encodes no character.
    InvalidEscape,
    /// The message holds bytes that are not UTF-8.
    InvalidUtf8,
    /// Not an object, or without an `id` (string or number) or a `message`.
    InvalidEvent,
}

/// One CloudWatch log event.
#[derive(Debug)]
pub struct LogEvent<'a> {
    /// The event ID: a 56-digit decimal string (it does not fit in 64 bits, so it stays a string).
    pub id: Cow<'a, str>,
    /// Epoch milliseconds (a number, or a numeric string as one third-party sender does).
    pub timestamp: i64,
    /// The raw log message, often ending in a newline.
    pub message: Cow<'a, str>,
    /// Why the event cannot be used, if it cannot (then only `id` may be meaningful).
    pub problem: Option<EventProblem>,
}

impl LogEvent<'_> {
    fn unusable(problem: EventProblem) -> Self {
        Self {
            id: Cow::Borrowed(""),
            timestamp: 0,
            message: Cow::Borrowed(""),
            problem: Some(problem),
        }
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Id,
    Timestamp,
    Message,
    #[serde(other)]
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for LogEvent<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EventVisitor(PhantomData))
    }
}

struct EventVisitor<'a>(PhantomData<&'a ()>);

/// Consumes any value; `Some(what was read)` only for the types a visitor wants.
macro_rules! reject_other_types {
    ($ret:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($ret)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($ret)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($ret)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($ret)
        }
    };
}

impl<'de: 'a, 'a> Visitor<'de> for EventVisitor<'a> {
    type Value = LogEvent<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a log event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut id, mut timestamp, mut message) = (None, None, None);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => id = map.next_value_seed(Lenient::<IdVisitor>::default())?,
                Field::Timestamp => timestamp = map.next_value_seed(Lenient::<MillisVisitor>::default())?,
                Field::Message => message = Some(map.next_value_seed(MessageSeed)?),
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let event = match (id, timestamp, message) {
            (id, _, Some(Err(problem))) => LogEvent {
                id: id.unwrap_or_default(),
                ..LogEvent::unusable(problem)
            },
            (Some(id), _, None) => LogEvent {
                id,
                ..LogEvent::unusable(EventProblem::InvalidEvent)
            },
            (None, _, _) => LogEvent::unusable(EventProblem::InvalidEvent),
            (Some(id), None, Some(Ok(_))) => LogEvent {
                id,
                ..LogEvent::unusable(EventProblem::InvalidTimestamp)
            },
            (Some(id), Some(timestamp), Some(Ok(message))) => LogEvent {
                id,
                timestamp,
                message,
                problem: None,
            },
        };
        Ok(event)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(LogEvent::unusable(EventProblem::InvalidEvent))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(LogEvent::unusable(EventProblem::InvalidEvent))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(LogEvent::unusable(EventProblem::InvalidEvent))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(LogEvent::unusable(EventProblem::InvalidEvent))
    }
    reject_other_types!(LogEvent::unusable(EventProblem::InvalidEvent));
}

/// Reads any value with visitor `V`, whose value is `None` for the types it cannot use.
struct Lenient<V>(PhantomData<V>);

impl<V> Default for Lenient<V> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<'de, V: Visitor<'de> + Default> DeserializeSeed<'de> for Lenient<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(V::default())
    }
}

/// An event ID: a string, or a number's decimal text (a sender that writes IDs as numbers).
///
/// A visitor, not an untagged enum: an untagged enum buffers every value into serde's generic content
/// tree before trying each variant, which cost more than the rest of the event's decoding.
#[derive(Default)]
struct IdVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for IdVisitor<'a> {
    type Value = Option<Cow<'a, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    // Numbers print as `serde_json::Number` prints them (integers exactly; integers beyond 64 bits
    // arrive as floats, as they always have).
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(serde_json::Number::from(v).to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(serde_json::Number::from(v).to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    reject_other_types!(None);
}

/// Epoch milliseconds from an integer, a float (truncated) or a numeric string (trimmed), within range.
#[derive(Default)]
struct MillisVisitor;

fn in_range(ms: i64) -> Option<i64> {
    (MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(&ms).then_some(ms)
}

impl<'de> Visitor<'de> for MillisVisitor {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("epoch milliseconds (a number or a numeric string)")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(in_range(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).ok().and_then(in_range))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Within the range, `as` truncates exactly; outside it (or NaN) the check refuses it.
        let ok = v.is_finite() && v >= MIN_TIMESTAMP_MS as f64 && v < (MAX_TIMESTAMP_MS + 1) as f64;
        Ok(ok.then_some(v as i64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.trim().parse().ok().and_then(in_range))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    reject_other_types!(None);
}

/// The message, read as bytes so that a lone surrogate escape or invalid UTF-8 is this event's problem and
/// not a syntax error of the whole delivery (serde_json decodes a lone surrogate into bytes as WTF-8).
struct MessageSeed;

impl<'de> DeserializeSeed<'de> for MessageSeed {
    type Value = Result<Cow<'de, str>, EventProblem>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_bytes(MessageVisitor)
    }
}

struct MessageVisitor;

/// Why these bytes are not UTF-8: a surrogate encoded as WTF-8 (`ED A0..BF ..`) came from a `\u` escape.
fn problem_of(bytes: &[u8]) -> EventProblem {
    let surrogate = bytes.windows(2).any(|w| w[0] == 0xED && (0xA0..=0xBF).contains(&w[1]));
    if surrogate {
        EventProblem::InvalidEscape
    } else {
        EventProblem::InvalidUtf8
    }
}

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Result<Cow<'de, str>, EventProblem>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Ok(std::str::from_utf8(v).map(Cow::Borrowed).map_err(|_| problem_of(v)))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(std::str::from_utf8(v)
            .map(|s| Cow::Owned(s.to_owned()))
            .map_err(|_| problem_of(v)))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(v.to_owned())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(EventProblem::InvalidEvent))
    }
}
