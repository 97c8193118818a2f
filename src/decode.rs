//! Decodes a CloudWatch Logs subscription delivery: `{"awslogs":{"data": base64(gzip(JSON))}}`.
//!
//! Invariants: the decompressed size never exceeds the caller's cap (a gzip bomb is refused without
//! allocating past it); the payload's strings borrow from the one decompressed buffer wherever JSON escaping
//! allows; one unusable event never costs the others (`event.rs`). Pure and synchronous; no AWS types.

mod event;

use std::borrow::Cow;
use std::io::Read;

use base64::Engine as _;
use flate2::read::MultiGzDecoder;
use serde::Deserialize;

pub use event::{EventProblem, LogEvent, MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS};

/// Default cap on the decompressed size of one delivery: 64 MiB.
///
/// A delivery is at most 1 MiB of base64 (the Lambda asynchronous payload quota, raised from 256 KB in 2025),
/// so at most ~768 KiB of gzip. Log text compresses 10–20× at gzip level 6, so real batches stay far below
/// 32 MiB; 64 MiB leaves headroom while fitting a 128 MB function. Configurable (`MAX_DECODED_BYTES`).
pub const DEFAULT_MAX_DECODED_BYTES: usize = 64 * 1024 * 1024;

/// Why a delivery could not be decoded. Batch-level and permanent: retrying the same bytes cannot help. (An
/// unusable *event* is not one of these: it is kept with its [`EventProblem`], skipped and counted.)
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
    // One byte past the cap tells "exactly at the cap" from "over it"; saturating, so no cap wraps to 0.
    let over = limit.saturating_add(1);
    let mut out = Vec::with_capacity(initial_capacity(gz, limit));
    let mut reader = MultiGzDecoder::new(gz).take((limit as u64).saturating_add(1));
    // `out[..filled]` is output; `out[filled..]` is zeroed space the next read may use. Each byte is zeroed
    // once, when first offered to a read.
    let mut filled = 0;
    loop {
        if filled == out.len() {
            if out.len() == out.capacity() {
                // Grow by doubling but never past limit + 1, so a bomb cannot make us allocate beyond the cap.
                let target = (out.capacity() * 2).max(8 * 1024).min(over);
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
        .min(limit.saturating_add(1))
        .max(64)
}

/// Parses decompressed bytes into the payload, borrowing strings from `bytes`.
pub fn parse_payload(bytes: &[u8]) -> Result<LogsPayload<'_>, DecodeError> {
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => DecodeError::WrongShape(e),
        _ => DecodeError::PayloadNotJson(e),
    })
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
            assert_eq!(e.problem, None, "{id} {ts}");
            (e.id.to_string(), matches!(e.id, Cow::Borrowed(_)), e.timestamp)
        };
        assert_eq!(ok(r#""abc""#, "1"), ("abc".into(), true, 1));
        assert_eq!(ok(r#""a\"b""#, "5"), ("a\"b".into(), false, 5));
        assert_eq!(ok("42", "1.9"), ("42".into(), false, 1));
        assert_eq!(ok("-7", r#"" 1698670710001 ""#), ("-7".into(), false, 1698670710001));
        assert_eq!(ok("1.5", r#""\u0031""#), ("1.5".into(), false, 1));
        assert_eq!(ok(r#""x""#, "253402300799999"), ("x".into(), true, MAX_TIMESTAMP_MS));
        // Integers past 64 bits arrive as floats.
        assert_eq!(
            ok("36000000000000000000000000000000000000000000000000000001", "1"),
            ("3.6e+55".into(), false, 1)
        );
        // An unusable field makes that event unusable, not the delivery.
        for (id, ts, problem) in [
            ("true", "1", EventProblem::InvalidEvent),
            ("null", "1", EventProblem::InvalidEvent),
            ("[]", "1", EventProblem::InvalidEvent),
            ("{}", "1", EventProblem::InvalidEvent),
            (r#""x""#, r#""soon""#, EventProblem::InvalidTimestamp),
            (r#""x""#, r#""abc""#, EventProblem::InvalidTimestamp),
            (r#""x""#, "null", EventProblem::InvalidTimestamp),
            (r#""x""#, "false", EventProblem::InvalidTimestamp),
            (r#""x""#, "{}", EventProblem::InvalidTimestamp),
            (r#""x""#, "[1]", EventProblem::InvalidTimestamp),
            (r#""x""#, "-5", EventProblem::InvalidTimestamp),
            (r#""x""#, "253402300800000", EventProblem::InvalidTimestamp),
            (r#""x""#, "18446744073709551615", EventProblem::InvalidTimestamp),
            (r#""x""#, "1e300", EventProblem::InvalidTimestamp),
        ] {
            let json = event(id, ts);
            let p = parse_payload(json.as_bytes()).unwrap_or_else(|e| panic!("{id} {ts}: {e}"));
            assert_eq!(p.log_events[0].problem, Some(problem), "{id} {ts}");
        }
    }

    #[test]
    fn one_unusable_event_leaves_the_others_usable() {
        let mut json = br#"{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":["#.to_vec();
        json.extend_from_slice(br#"{"id":"1","timestamp":1,"message":"ok \u00e9 \ud83d\ude00"},"#);
        json.extend_from_slice(br#"{"id":"2","timestamp":2,"message":"lone \udcff"},"#);
        json.extend_from_slice(b"{\"id\":\"3\",\"timestamp\":3,\"message\":\"raw \xff\xfe bytes\"},");
        json.extend_from_slice(br#"{"id":"4","message":"no timestamp"},"#);
        json.extend_from_slice(br#"{"id":"5","timestamp":"abc","message":"x"},"#);
        json.extend_from_slice(br#"{"id":"6","timestamp":6},"#);
        json.extend_from_slice(br#"7,"#);
        json.extend_from_slice(br#"{"id":"8","timestamp":8,"message":"also \"ok\""}]}"#);
        let p = parse_payload(&json).unwrap();
        let got: Vec<_> = p.log_events.iter().map(|e| (e.id.to_string(), e.problem)).collect();
        assert_eq!(
            got,
            [
                ("1".into(), None),
                ("2".into(), Some(EventProblem::InvalidEscape)),
                ("3".into(), Some(EventProblem::InvalidUtf8)),
                ("4".into(), Some(EventProblem::InvalidTimestamp)),
                ("5".into(), Some(EventProblem::InvalidTimestamp)),
                ("6".into(), Some(EventProblem::InvalidEvent)),
                ("".into(), Some(EventProblem::InvalidEvent)),
                ("8".into(), None),
            ]
        );
        assert_eq!(p.log_events[0].message, "ok \u{e9} \u{1f600}");
        assert_eq!(p.log_events[7].message, "also \"ok\"");
        // What makes the JSON itself unreadable stays the delivery's error.
        for bad in [
            &br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"\q"}]}"#[..],
            br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":5}]}"#,
            b"{\"messageType\":\"DATA_MESSAGE\",\"logGroup\":\"\xff\",\"logEvents\":[]}",
        ] {
            assert!(parse_payload(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn the_largest_cap_does_not_wrap() {
        let ok = gunzip_capped(&gzip(PAYLOAD.as_bytes()), usize::MAX).unwrap();
        assert_eq!(ok, PAYLOAD.as_bytes());
    }
}
