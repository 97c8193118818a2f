//! Builds CloudWatch Logs subscription events from raw messages: the inverse of `decode`, used by
//! `apigw-logs make-event`, the `events/` fixtures and tests.
//!
//! Fixture text format (one event per line): blank lines are skipped; `@N ` at the start of a line sets the
//! event's timestamp to start + N ms (otherwise it repeats the previous one); a line ending in a single `\`
//! continues into the next, joined by a newline (for multi-line events such as REPORT with its XRAY trailer).

use std::io::Write;

use base64::Engine as _;
use flate2::write::GzEncoder;
use flate2::{Compress, Compression, Crc, FlushCompress};
use serde::Serialize;

/// One event to encode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawEvent {
    /// The CloudWatch event ID.
    pub id: String,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// The message.
    pub message: String,
}

/// The JSON inside `awslogs.data`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawPayload {
    /// `DATA_MESSAGE` or `CONTROL_MESSAGE`.
    pub message_type: &'static str,
    /// Account ID (or `CloudwatchLogs` for control messages).
    pub owner: String,
    /// Log group.
    pub log_group: String,
    /// Log stream.
    pub log_stream: String,
    /// Subscription filter names.
    pub subscription_filters: Vec<String>,
    /// The events.
    pub log_events: Vec<RawEvent>,
}

/// The account ID written into generated events (the one AWS documentation uses).
pub const EXAMPLE_ACCOUNT: &str = "123456789012";

/// The health-check message CloudWatch Logs sends to a new destination.
pub fn control_payload() -> RawPayload {
    RawPayload {
        message_type: "CONTROL_MESSAGE",
        owner: "CloudwatchLogs".into(),
        log_group: String::new(),
        log_stream: String::new(),
        subscription_filters: Vec::new(),
        log_events: vec![RawEvent {
            id: String::new(),
            timestamp: 0,
            message: "CWL CONTROL MESSAGE: Checking health of destination Firehose.".into(),
        }],
    }
}

/// A bad fixture line.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct FixtureError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: &'static str,
}

/// Reads fixture text into (offset ms, message) pairs.
pub fn read_fixture(text: &str, append_newline: bool) -> Result<Vec<(i64, String)>, FixtureError> {
    let mut out = Vec::new();
    let mut offset = 0i64;
    let mut pending: Option<(i64, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let (mut at, mut body) = (None, line);
        if pending.is_none() {
            if let Some(rest) = line.strip_prefix('@') {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0 && rest.as_bytes().get(digits) == Some(&b' ') {
                    let n_ms: i64 = rest[..digits].parse().map_err(|_| FixtureError {
                        line: n + 1,
                        problem: "offset does not fit in 64 bits",
                    })?;
                    if n_ms < offset {
                        return Err(FixtureError {
                            line: n + 1,
                            problem: "offsets must not decrease",
                        });
                    }
                    at = Some(n_ms);
                    body = &rest[digits + 1..];
                }
            }
            if body.trim().is_empty() {
                continue;
            }
        }
        let (continues, body) = match body.strip_suffix('\\') {
            Some(b) if !b.ends_with('\\') => (true, b),
            _ => (false, body),
        };
        let (ts, mut msg) = match pending.take() {
            Some((ts, mut m)) => {
                m.push('\n');
                (ts, m)
            }
            None => {
                offset = at.unwrap_or(offset);
                (offset, String::new())
            }
        };
        msg.push_str(body);
        if continues {
            pending = Some((ts, msg));
        } else {
            if append_newline {
                msg.push('\n');
            }
            out.push((ts, msg));
        }
    }
    if let Some((ts, mut msg)) = pending {
        if append_newline {
            msg.push('\n');
        }
        out.push((ts, msg));
    }
    Ok(out)
}

/// A deterministic 56-digit event ID, unique per log group, stream and position, like CloudWatch's.
pub fn event_id(group: &str, stream: &str, timestamp: i64, index: usize) -> String {
    // FNV-1a: stable across platforms and releases, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in group.bytes().chain([b'/']).chain(stream.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:020}{:020}{:016}", timestamp.max(0), h, index)
}

/// A DATA_MESSAGE payload of `events` (offsets from `start_ms`).
pub fn data_payload(group: &str, stream: &str, start_ms: i64, events: Vec<(i64, String)>) -> RawPayload {
    RawPayload {
        message_type: "DATA_MESSAGE",
        owner: EXAMPLE_ACCOUNT.into(),
        log_group: group.into(),
        log_stream: stream.into(),
        subscription_filters: vec!["apigw-log-indexer".into()],
        log_events: events
            .into_iter()
            .enumerate()
            .map(|(i, (offset, message))| {
                let timestamp = start_ms + offset;
                RawEvent {
                    id: event_id(group, stream, timestamp, i),
                    timestamp,
                    message,
                }
            })
            .collect(),
    }
}

/// `{"awslogs":{"data": base64(gzip(json(payload)))}}`, as CloudWatch Logs invokes Lambda.
pub fn lambda_event(payload: &RawPayload) -> String {
    let json = serde_json::to_vec(payload).unwrap_or_default();
    awslogs_event(&gzip(&json))
}

/// `{"awslogs":{"data": base64(data)}}` for any bytes: what a broken sender could deliver.
pub fn awslogs_event(data: &[u8]) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(data);
    format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#)
}

/// Gzip at level 6, as CloudWatch Logs compresses.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 4 + 64), Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// The gzip header `gzip` writes: no name, mtime 0, OS "unknown", so output never depends on the machine.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// One gzip member holding `head` then `chunk` `times` times, at the cost of compressing `chunk` once.
///
/// Each part is deflated on its own and ended with a full flush, which leaves a byte boundary and no
/// reference to earlier data, so the chunk's compressed bytes can simply be repeated; the CRC-32 of the
/// whole is combined from the parts'. This is how the `events/` gzip bomb (256 MiB inflated) is built in a
/// fraction of a second instead of deflating 256 MiB.
pub fn gzip_repeated(head: &[u8], chunk: &[u8], times: usize) -> Vec<u8> {
    let chunk_deflated = deflate_flushed(chunk, FlushCompress::Full);
    let mut out = GZIP_HEADER.to_vec();
    out.extend(deflate_flushed(head, FlushCompress::Full));
    for _ in 0..times {
        out.extend_from_slice(&chunk_deflated);
    }
    // The final, empty block.
    out.extend(deflate_flushed(&[], FlushCompress::Finish));
    let mut crc = Crc::new();
    crc.update(head);
    let mut chunk_crc = Crc::new();
    chunk_crc.update(chunk);
    for _ in 0..times {
        crc.combine(&chunk_crc);
    }
    // ISIZE is the inflated size modulo 2^32 (RFC 1952).
    let size = (head.len() as u64).wrapping_add((chunk.len() as u64).wrapping_mul(times as u64)) as u32;
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out
}

/// Raw deflate of `data` by a fresh compressor (no dictionary from earlier data), ended with `flush`.
fn deflate_flushed(data: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut z = Compress::new(Compression::new(6), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(z.total_in()).unwrap_or(data.len()).min(data.len());
        if z.compress_vec(&data[consumed..], &mut out, flush).is_err() {
            // Only a misuse of the stream fails; nothing here can misuse it.
            break;
        }
        // Done when all input is in and the flush did not run out of room.
        if z.total_in() as usize >= data.len() && out.len() < out.capacity() {
            break;
        }
        out.reserve(out.capacity().max(64));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;

    #[test]
    fn fixture_text_offsets_and_continuations() {
        let text = "@0 (a) one\n\n(a) same time\n@15 REPORT x\\\nXRAY TraceId: 1-2\t\n@20 last\n";
        let ev = read_fixture(text, true).unwrap();
        assert_eq!(
            ev,
            vec![
                (0, "(a) one\n".to_string()),
                (0, "(a) same time\n".to_string()),
                (15, "REPORT x\nXRAY TraceId: 1-2\t\n".to_string()),
                (20, "last\n".to_string()),
            ]
        );
        assert_eq!(read_fixture("@5 a\n@4 b", false).unwrap_err().line, 2);
    }

    #[test]
    fn a_repeated_gzip_is_one_member_of_head_and_chunks() {
        use std::io::Read;
        let gz = gzip_repeated(b"{\"head\":\"", &[b'0'; 70_000], 5);
        let mut member = flate2::read::GzDecoder::new(&gz[..]);
        let mut inflated = Vec::new();
        member.read_to_end(&mut inflated).unwrap();
        assert_eq!(inflated.len(), 9 + 350_000);
        assert!(inflated.starts_with(b"{\"head\":\"") && inflated[9..].iter().all(|b| *b == b'0'));
        // The single-member decoder checked CRC and size; a multi-member one finds nothing more.
        let mut all = Vec::new();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut all)
            .unwrap();
        assert_eq!(all.len(), inflated.len());
        assert!(gz.len() < 2_000, "the repetitions are compressed: {} bytes", gz.len());
    }

    #[test]
    fn encoded_events_decode_back() {
        let p = data_payload("g", "s", 1000, vec![(0, "x".into()), (2, "y\n".into())]);
        let bytes = decode::decode_event(lambda_event(&p).as_bytes(), decode::DEFAULT_MAX_DECODED_BYTES).unwrap();
        let back = decode::parse_payload(&bytes).unwrap();
        assert_eq!(back.log_events.len(), 2);
        assert_eq!(back.log_events[1].timestamp, 1002);
        assert_eq!(back.log_events[1].message, "y\n");
        assert_eq!(back.log_events[0].id.len(), 56);
        assert_ne!(back.log_events[0].id, back.log_events[1].id);
    }
}
