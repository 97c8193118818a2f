//! Decodes a CloudWatch Logs subscription delivery: `{"awslogs":{"data": base64(gzip(JSON))}}`.
//!
//! Invariants: the decompressed size never exceeds the caller's cap (a gzip bomb is refused without
//! allocating past it); the payload's strings borrow from the one decompressed buffer wherever JSON escaping
//! allows. Pure and synchronous; no AWS types.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use base64::Engine as _;
use flate2::read::MultiGzDecoder;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

/// Default cap on the decompressed size of one delivery: 64 MiB.
///
/// A delivery is at most 1 MiB of base64 (the Lambda asynchronous payload quota, raised from 256 KB in 2025),
/// so at most ~768 KiB of gzip. Log text compresses 10–20× at gzip level 6, so real batches stay far below
/// 32 MiB; 64 MiB leaves headroom while fitting a 128 MB function. Configurable (`MAX_DECODED_BYTES`).
pub const DEFAULT_MAX_DECODED_BYTES: usize = 64 * 1024 * 1024;

/// Why a delivery could not be decoded. Batch-level and permanent: retrying the same bytes cannot help.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The Lambda event itself is not JSON.
    #[error("event is not JSON: {0}")]
    EventNotJson(#[source] serde_json::Error),
    /// The event is JSON but has no `awslogs.data` string.
    #[error("event has no awslogs.data string (not a CloudWatch Logs subscription event)")]
    NoAwslogs,
    /// `awslogs.data` is not base64.
    #[error("awslogs.data is not valid base64: {0}")]
    Base64(#[source] base64::DecodeError),
    /// The base64 content is not a complete gzip stream.
    #[error("awslogs.data is not a valid gzip stream: {0}")]
    Gzip(#[source] std::io::Error),
    /// The decompressed payload is larger than the cap.
    #[error("decompressed payload exceeds the {limit}-byte cap (MAX_DECODED_BYTES)")]
    TooLarge {
        /// The cap that was hit.
        limit: usize,
    },
    /// The decompressed payload is not JSON.
    #[error("decompressed payload is not JSON: {0}")]
    PayloadNotJson(#[source] serde_json::Error),
    /// The decompressed payload is JSON but not a CloudWatch Logs message.
    #[error("decompressed payload is not a CloudWatch Logs message: {0}")]
    WrongShape(#[source] serde_json::Error),
    /// A `messageType` other than `DATA_MESSAGE` or `CONTROL_MESSAGE`.
    #[error("unsupported messageType {0:?}")]
    UnknownMessageType(String),
}

impl DecodeError {
    /// Stable, low-cardinality code (Lambda `error_type`, metrics, logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::EventNotJson(_) => "event_not_json",
            Self::NoAwslogs => "no_awslogs",
            Self::Base64(_) => "bad_base64",
            Self::Gzip(_) => "bad_gzip",
            Self::TooLarge { .. } => "too_large",
            Self::PayloadNotJson(_) => "payload_not_json",
            Self::WrongShape(_) => "wrong_shape",
            Self::UnknownMessageType(_) => "unknown_message_type",
        }
    }
}

/// `DATA_MESSAGE` carries log events; `CONTROL_MESSAGE` is a reachability check and yields nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// Log events.
    Data,
    /// CloudWatch Logs checking the destination; ignore.
    Control,
}

/// The decoded JSON inside `awslogs.data`. Unknown fields (`policyLevel`, future ones) are accepted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsPayload<'a> {
    /// `DATA_MESSAGE` or `CONTROL_MESSAGE`, as sent.
    #[serde(borrow)]
    pub message_type: Cow<'a, str>,
    /// Account ID, or `CloudwatchLogs` for control messages.
    #[serde(default, borrow)]
    pub owner: Cow<'a, str>,
    /// Source log group.
    #[serde(default, borrow)]
    pub log_group: Cow<'a, str>,
    /// Source log stream.
    #[serde(default, borrow)]
    pub log_stream: Cow<'a, str>,
    /// Names of the subscription filters that matched.
    #[serde(default)]
    pub subscription_filters: Vec<String>,
    /// The log events, in time order.
    #[serde(default, borrow)]
    pub log_events: Vec<LogEvent<'a>>,
}

impl LogsPayload<'_> {
    /// The kind of message.
    pub fn kind(&self) -> Result<MessageType, DecodeError> {
        match &*self.message_type {
            "DATA_MESSAGE" => Ok(MessageType::Data),
            "CONTROL_MESSAGE" => Ok(MessageType::Control),
            other => Err(DecodeError::UnknownMessageType(other.chars().take(64).collect())),
        }
    }
}

/// One CloudWatch log event.
#[derive(Debug, Deserialize)]
pub struct LogEvent<'a> {
    /// The event ID: a 56-digit decimal string (it does not fit in 64 bits, so it stays a string).
    #[serde(borrow, deserialize_with = "string_or_number")]
    pub id: Cow<'a, str>,
    /// Epoch milliseconds (a number, or a numeric string as one third-party sender does).
    #[serde(deserialize_with = "millis_number_or_string")]
    pub timestamp: i64,
    /// The raw log message, often ending in a newline.
    #[serde(borrow)]
    pub message: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    awslogs: Option<Awslogs<'a>>,
}

#[derive(Deserialize)]
struct Awslogs<'a> {
    #[serde(borrow)]
    data: Option<Cow<'a, str>>,
}

/// Decodes a whole Lambda event (`{"awslogs":{"data":...}}`) into the decompressed payload bytes.
pub fn decode_event(event: &[u8], max_decoded_bytes: usize) -> Result<Vec<u8>, DecodeError> {
    let envelope: Envelope<'_> = serde_json::from_slice(event).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => DecodeError::NoAwslogs,
        _ => DecodeError::EventNotJson(e),
    })?;
    let data = envelope.awslogs.and_then(|a| a.data).ok_or(DecodeError::NoAwslogs)?;
    decode_data(data.as_bytes(), max_decoded_bytes)
}

/// Decodes the value of `awslogs.data` (also a Kinesis record's data once base64-decoded by the caller).
pub fn decode_data(data: &[u8], max_decoded_bytes: usize) -> Result<Vec<u8>, DecodeError> {
    let gz = base64::engine::general_purpose::STANDARD
        .decode(data.trim_ascii())
        .map_err(DecodeError::Base64)?;
    gunzip_capped(&gz, max_decoded_bytes)
}

/// Decompresses all gzip members of `gz`, refusing to produce more than `limit` bytes.
pub fn gunzip_capped(gz: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    if gz.len() < 2 || gz[..2] != [0x1f, 0x8b] {
        return Err(DecodeError::Gzip(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "no gzip header",
        )));
    }
    let mut out = Vec::with_capacity(initial_capacity(gz, limit));
    let mut reader = MultiGzDecoder::new(gz).take(limit as u64 + 1);
    // `out[..filled]` is output; `out[filled..]` is zeroed space the next read may use. Each byte is zeroed
    // once, when first offered to a read.
    let mut filled = 0;
    loop {
        if filled == out.len() {
            if out.len() == out.capacity() {
                // Grow by doubling but never past limit + 1, so a bomb cannot make us allocate beyond the cap.
                let target = (out.capacity() * 2).max(8 * 1024).min(limit + 1);
                out.reserve_exact(target - out.len());
            }
            // Zero-fill only a bounded window of the spare capacity: a reservation is not a cost until used.
            let window = (out.capacity() - out.len()).min(READ_WINDOW);
            out.resize(out.len() + window, 0);
        }
        match reader.read(&mut out[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DecodeError::Gzip(e)),
        }
        if filled > limit {
            return Err(DecodeError::TooLarge { limit });
        }
    }
    out.truncate(filled);
    Ok(out)
}

/// How much of the output buffer is zeroed ahead of each read.
const READ_WINDOW: usize = 256 * 1024;

/// Deflate expands at most ~1032:1, so no honest stream of this size decodes to more.
const MAX_DEFLATE_RATIO: usize = 1032;

/// The last member's ISIZE trailer (size mod 2^32) is a good first guess for single-member streams, which
/// is what CloudWatch Logs sends; one byte more leaves room for the read that finds the end, so an exact
/// guess never reallocates. A corrupt trailer is arbitrary, so the guess is capped by what deflate can
/// expand to; a wrong guess only costs a reallocation.
fn initial_capacity(gz: &[u8], limit: usize) -> usize {
    let hint = gz
        .get(gz.len().saturating_sub(4)..)
        .and_then(|t| <[u8; 4]>::try_from(t).ok())
        .map(|t| (u32::from_le_bytes(t) as usize).saturating_add(1))
        .unwrap_or(0);
    hint.min(gz.len().saturating_mul(MAX_DEFLATE_RATIO))
        .max(gz.len() * 4)
        .min(limit + 1)
        .max(64)
}

/// Parses decompressed bytes into the payload, borrowing strings from `bytes`.
pub fn parse_payload(bytes: &[u8]) -> Result<LogsPayload<'_>, DecodeError> {
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => DecodeError::WrongShape(e),
        _ => DecodeError::PayloadNotJson(e),
    })
}

/// An event ID as a string, or a number's decimal text (a sender that writes IDs as numbers).
///
/// A visitor, not an untagged enum: an untagged enum buffers every value into serde's generic content
/// tree before trying each variant, which cost more than the rest of the event's decoding.
fn string_or_number<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Cow<'a, str>, D::Error> {
    struct IdVisitor;
    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
        // Numbers print as `serde_json::Number` prints them (integers exactly; integers beyond 64 bits
        // arrive as floats, as they always have).
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(serde_json::Number::from(v).to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(serde_json::Number::from(v).to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            serde_json::Number::from_f64(v)
                .map(|n| Cow::Owned(n.to_string()))
                .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
    d.deserialize_any(IdVisitor)
}

/// Epoch milliseconds from an integer, a float (truncated) or a numeric string (trimmed).
fn millis_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct MillisVisitor;
    impl MillisVisitor {
        fn from_str<E: de::Error>(s: &str) -> Result<i64, E> {
            s.trim()
                .parse()
                .map_err(|_| E::custom(format!("timestamp {s:?} is not epoch milliseconds")))
        }
    }
    impl Visitor<'_> for MillisVisitor {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("epoch milliseconds (a number or a numeric string)")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            // Past i64::MAX it is taken as a float, saturating, as before.
            Ok(i64::try_from(v).unwrap_or(v as f64 as i64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            if v.is_finite() {
                Ok(v as i64)
            } else {
                Err(E::custom("timestamp is not finite"))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            Self::from_str(v)
        }
    }
    d.deserialize_any(MillisVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn event_of(gz: &[u8]) -> Vec<u8> {
        let data = base64::engine::general_purpose::STANDARD.encode(gz);
        format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#).into_bytes()
    }

    const PAYLOAD: &str = r#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s",
        "subscriptionFilters":["f"],"policyLevel":"ACCOUNT_LEVEL_POLICY","futureField":{"x":1},
        "logEvents":[{"id":"36000000000000000000000000000000000000000000000000000001","timestamp":1698670710000,"message":"(a) x\n"},
                     {"id":"36000000000000000000000000000000000000000000000000000002","timestamp":"1698670710001","message":"plain"}]}"#;

    #[test]
    fn decodes_a_data_message_with_unknown_fields_and_string_timestamps() {
        let bytes = decode_event(&event_of(&gzip(PAYLOAD.as_bytes())), DEFAULT_MAX_DECODED_BYTES).unwrap();
        let p = parse_payload(&bytes).unwrap();
        assert_eq!(p.kind().unwrap(), MessageType::Data);
        assert_eq!(p.log_events.len(), 2);
        assert_eq!(
            p.log_events[0].id,
            "36000000000000000000000000000000000000000000000000000001"
        );
        assert_eq!(p.log_events[1].timestamp, 1698670710001);
        assert_eq!(p.log_events[0].message, "(a) x\n");
        assert!(
            matches!(p.log_events[1].message, Cow::Borrowed(_)),
            "unescaped messages borrow"
        );
    }

    #[test]
    fn concatenated_gzip_members_are_one_payload() {
        let (a, b) = PAYLOAD.split_at(40);
        let mut gz = gzip(a.as_bytes());
        gz.extend(gzip(b.as_bytes()));
        let bytes = decode_event(&event_of(&gz), DEFAULT_MAX_DECODED_BYTES).unwrap();
        assert_eq!(bytes, PAYLOAD.as_bytes());
    }

    #[test]
    fn control_message_is_recognised() {
        let p = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"",
            "subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;
        assert_eq!(
            parse_payload(p.as_bytes()).unwrap().kind().unwrap(),
            MessageType::Control
        );
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_cap() {
        let gz = gzip(&vec![0u8; 8 * 1024 * 1024]);
        let err = decode_event(&event_of(&gz), 1024 * 1024).unwrap_err();
        assert!(
            matches!(err, DecodeError::TooLarge { limit } if limit == 1024 * 1024),
            "{err}"
        );
        // Exactly at the cap is fine.
        let ok = gunzip_capped(&gzip(&[b'x'; 1000]), 1000).unwrap();
        assert_eq!(ok.len(), 1000);
        assert!(matches!(
            gunzip_capped(&gzip(&[b'x'; 1001]), 1000),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn every_bad_input_has_its_own_error() {
        let gz = gzip(PAYLOAD.as_bytes());
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"not json".to_vec(), "event_not_json"),
            (br#"{"records":[]}"#.to_vec(), "no_awslogs"),
            (br#"{"awslogs":{"data":42}}"#.to_vec(), "no_awslogs"),
            (br#"{"awslogs":{"data":"!!!not base64"}}"#.to_vec(), "bad_base64"),
            (event_of(b"plain text, not gzip"), "bad_gzip"),
            (event_of(&gz[..gz.len() / 2]), "bad_gzip"),
            (event_of(&gzip(b"not json at all")), "payload_not_json"),
            (
                event_of(&gzip(br#"{"messageType":"DATA_MESSAGE","logEvents":{}}"#)),
                "wrong_shape",
            ),
        ];
        for (input, code) in cases {
            let err = decode_event(&input, DEFAULT_MAX_DECODED_BYTES)
                .and_then(|b| parse_payload(&b).map(|_| ()))
                .unwrap_err();
            assert_eq!(err.code(), code, "{err}");
        }
    }

    #[test]
    fn unknown_message_types_are_an_error_not_a_silent_drop() {
        let p = parse_payload(br#"{"messageType":"NEW_KIND","logEvents":[]}"#).unwrap();
        assert_eq!(p.kind().unwrap_err().code(), "unknown_message_type");
    }

    #[test]
    fn ids_and_timestamps_accept_every_form_senders_use() {
        let event = |id: &str, ts: &str| {
            format!(r#"{{"messageType":"DATA_MESSAGE","logEvents":[{{"id":{id},"timestamp":{ts},"message":"m"}}]}}"#)
        };
        let ok = |id: &str, ts: &str| {
            let json = event(id, ts);
            let p = parse_payload(json.as_bytes()).unwrap();
            let e = &p.log_events[0];
            (e.id.to_string(), matches!(e.id, Cow::Borrowed(_)), e.timestamp)
        };
        assert_eq!(ok(r#""abc""#, "1"), ("abc".into(), true, 1));
        assert_eq!(ok(r#""a\"b""#, "-5"), ("a\"b".into(), false, -5));
        assert_eq!(ok("42", "1.9"), ("42".into(), false, 1));
        assert_eq!(ok("-7", r#"" 1698670710001 ""#), ("-7".into(), false, 1698670710001));
        assert_eq!(ok("1.5", r#""\u0031""#), ("1.5".into(), false, 1));
        // Integers past 64 bits arrive as floats; timestamps past i64 saturate.
        assert_eq!(
            ok(
                "36000000000000000000000000000000000000000000000000000001",
                "18446744073709551615"
            ),
            ("3.6e+55".into(), false, i64::MAX)
        );
        for (id, ts) in [
            ("true", "1"),
            ("null", "1"),
            ("[]", "1"),
            (r#""x""#, r#""soon""#),
            (r#""x""#, "false"),
            (r#""x""#, "{}"),
        ] {
            let err = parse_payload(event(id, ts).as_bytes()).unwrap_err();
            assert_eq!(err.code(), "wrong_shape", "{id} {ts}: {err}");
        }
    }
}
