//! Delivered execution logs in S3: a REST stage's execution logs sent by a CloudWatch Logs delivery to an
//! S3 bucket (API Gateway Developer Guide, "Create a log delivery for REST API execution logs"; CloudWatch
//! Logs User Guide, "Logs sent to Amazon S3"), read from the object an S3 object-created notification names.
//!
//! Which stage an object belongs to is declared, never guessed. A delivery's key is the destination's
//! prefix, then a suffix path whose variables depend on the log type and which the operator may change,
//! Hive-compatible or not (CloudWatch Logs API Reference, `S3DeliveryConfiguration`: `suffixPath`,
//! `enableHiveCompatiblePath`; "Amazon S3 object key for V2 deliveries"). So no fixed part of the key is
//! known to name the API and stage: the operator declares a bucket and key prefix per stage, in `EXECUTION_LOG_GROUPS` as
//! `s3://bucket/prefix=api/stage` (a log group name cannot contain `:`, so the two never collide); an object
//! under no declared prefix is counted as undeclared and not read.
//!
//! An object is gzip (told by its magic bytes, as deliveries compress by default) or plain, and holds one
//! record per line: a JSON record or a plain-text line, the two forms a log-group delivery carries too.
//! Each line becomes one event of a payload whose group is the declaration and whose stream is the key, so
//! the rest is the log-group delivery's path (`crate::parse::delivered`). Parquet objects are refused with
//! a reason (they carry no lines).

use std::borrow::Cow;

use crate::decode::{self, DecodeError, EventProblem, LogEvent, LogsPayload};
use crate::parse::delivered::{self, ExecutionLogGroup};

/// The scheme that marks a declaration as an S3 bucket and key prefix.
pub const S3_SCHEME: &str = "s3://";

/// One object an S3 notification names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// The bucket.
    pub bucket: String,
    /// The key, URL-decoded (notifications carry it URL-encoded).
    pub key: String,
    /// The object's size as announced, if it was.
    pub size: Option<u64>,
    /// The notification's time (epoch ms): the time of a record that carries none of its own.
    pub time_ms: i64,
    /// The notification's sequencer: a new one for each write of the key, so a rewritten object is a new
    /// batch while a redelivered notification is the same one.
    pub sequencer: Option<String>,
}

/// Why an object's content cannot be read as lines.
#[derive(Debug, thiserror::Error)]
pub enum ObjectFormatError {
    /// A Parquet object: columnar, no lines to read.
    #[error("a Parquet object (no lines to read): deliver execution logs to S3 as JSON or plain text")]
    Parquet,
    /// Not a valid gzip stream, or past the decoded cap.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl ObjectFormatError {
    /// Stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Parquet => "unsupported_format",
            Self::Decode(e) => e.code(),
        }
    }
}

/// The declaration whose bucket is `bucket` and whose key prefix `key` starts with (the longest one).
pub fn declared_source<'g>(groups: &'g [ExecutionLogGroup], bucket: &str, key: &str) -> Option<&'g ExecutionLogGroup> {
    groups
        .iter()
        .filter_map(|g| {
            let (b, prefix) = split_s3(&g.group)?;
            (b == bucket && key.starts_with(prefix)).then_some((prefix.len(), g))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, g)| g)
}

/// `s3://bucket/prefix` → `(bucket, prefix)`; `None` for anything else.
pub fn split_s3(declared: &str) -> Option<(&str, &str)> {
    let rest = declared.strip_prefix(S3_SCHEME)?;
    Some(rest.split_once('/').unwrap_or((rest, "")))
}

/// The object's text: gunzipped when it is gzip, within `max_decoded_bytes` either way.
pub fn object_text(bytes: &[u8], max_decoded_bytes: usize) -> Result<Cow<'_, [u8]>, ObjectFormatError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Owned(decode::gunzip_capped(bytes, max_decoded_bytes)?));
    }
    if bytes.starts_with(b"PAR1") {
        return Err(ObjectFormatError::Parquet);
    }
    if bytes.len() > max_decoded_bytes {
        return Err(DecodeError::TooLarge {
            limit: max_decoded_bytes,
        }
        .into());
    }
    Ok(Cow::Borrowed(bytes))
}

/// The object's lines as one delivery of `source`: each non-blank line an event (its ID the sequencer and
/// the line's number, its time the record's own or the notification's), a line that is not UTF-8 kept as
/// an unusable event (skipped and counted by the parser).
pub fn payload<'a>(text: &'a [u8], source: &ExecutionLogGroup, object: &ObjectRef) -> LogsPayload<'a> {
    let sequencer = object.sequencer.as_deref().unwrap_or("");
    let log_events = text
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.trim_ascii().is_empty())
        .map(|(n, line)| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let id = Cow::Owned(format!("{sequencer}{n:010}"));
            match std::str::from_utf8(line) {
                Ok(message) => LogEvent {
                    id,
                    timestamp: delivered::record_time_ms(message).unwrap_or(object.time_ms),
                    message: Cow::Borrowed(message),
                    problem: None,
                },
                Err(_) => LogEvent {
                    id,
                    timestamp: object.time_ms,
                    message: Cow::Borrowed(""),
                    problem: Some(EventProblem::InvalidUtf8),
                },
            }
        })
        .collect();
    LogsPayload {
        message_type: Cow::Borrowed("DATA_MESSAGE"),
        owner: Cow::Borrowed(""),
        log_group: Cow::Owned(source.group.clone()),
        log_stream: Cow::Owned(object.key.clone()),
        subscription_filters: Vec::new(),
        log_events,
    }
}

/// The lines of an object's text that hold `request_id`, each with the record's own time when it has one:
/// what `lookup --fetch-lines` prints for a request the index recorded in that object (its group the
/// declared `s3://bucket/prefix`, its stream the key), found again by one read of that object only.
pub fn lines_with<'t>(text: &'t str, request_id: &'t str) -> impl Iterator<Item = (Option<i64>, &'t str)> + 't {
    text.lines()
        .filter(move |l| !request_id.is_empty() && l.contains(request_id))
        .map(|l| (delivered::record_time_ms(l), l))
}

/// Decodes a key as S3 notifications encode it (`+` for a space, `%XX` for a byte); `None` when the
/// result is not UTF-8 or an escape is cut.
pub fn url_decode_key(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn declared(entries: &[&str]) -> Vec<ExecutionLogGroup> {
        entries.iter().map(|e| ExecutionLogGroup::parse(e).unwrap()).collect()
    }

    #[test]
    fn the_longest_declared_prefix_of_the_bucket_names_the_stage() {
        let groups = declared(&[
            "s3://logs/AWSLogs/=a1/dev",
            "s3://logs/AWSLogs/111122223333/APIGW_EXEC_LOGS/=b2/prod",
            "/delivered/orders=c3/dev",
        ]);
        let stage = |bucket: &str, key: &str| declared_source(&groups, bucket, key).map(|g| g.stage.as_str());
        assert_eq!(stage("logs", "AWSLogs/111122223333/APIGW_EXEC_LOGS/x.gz"), Some("prod"));
        assert_eq!(stage("logs", "AWSLogs/999/other/x.gz"), Some("dev"));
        assert_eq!(stage("logs", "elsewhere/x.gz"), None);
        assert_eq!(stage("other-bucket", "AWSLogs/999/x.gz"), None);
        assert_eq!(stage("/delivered/orders", ""), None, "a log group is no bucket");
    }

    #[test]
    fn gzip_and_plain_objects_are_read_and_parquet_is_refused() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"line\n").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(&*object_text(&gz, 1024).unwrap(), b"line\n");
        assert_eq!(&*object_text(b"plain\n", 1024).unwrap(), b"plain\n");
        assert_eq!(object_text(b"PAR1....", 1024).unwrap_err().code(), "unsupported_format");
        assert_eq!(object_text(&[b'x'; 2000], 1024).unwrap_err().code(), "too_large");
        assert_eq!(object_text(&gz, 2).unwrap_err().code(), "too_large");
    }

    #[test]
    fn each_line_is_one_event_with_its_own_time_or_the_notification_s() {
        let source = &declared(&["s3://logs/p/=a1/dev"])[0];
        let object = ObjectRef {
            bucket: "logs".into(),
            key: "p/x.log".into(),
            size: None,
            time_ms: 5_000,
            sequencer: Some("00A1".into()),
        };
        let text = b"{\"requestId\":\"r\",\"message\":\"m\",\"timestamp\":\"1970-01-01T00:00:01.500Z\"}\r\n\n(r) plain\n\xff\xfe\n";
        let p = payload(text, source, &object);
        let got: Vec<_> = p.log_events.iter().map(|e| (&*e.id, e.timestamp, e.problem)).collect();
        assert_eq!(
            got,
            [
                ("00A10000000000", 1_500, None),
                ("00A10000000002", 5_000, None),
                ("00A10000000003", 5_000, Some(EventProblem::InvalidUtf8)),
            ]
        );
        assert!(
            p.log_events[0].message.ends_with('}'),
            "the CR is not part of the record"
        );
        assert_eq!((&*p.log_group, &*p.log_stream), ("s3://logs/p/", "p/x.log"));
    }

    #[test]
    fn the_lines_of_a_request_are_found_in_its_object_with_their_own_time() {
        let text = "{\"requestId\":\"r1\",\"message\":\"m\",\"timestamp\":\"1970-01-01T00:00:01.500Z\"}\n(r2) other\n(r1) plain\n";
        let got: Vec<_> = lines_with(text, "r1").collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, Some(1_500));
        assert_eq!(got[1], (None, "(r1) plain"));
        assert_eq!(lines_with(text, "").count(), 0, "an empty ID matches nothing");
    }

    #[test]
    fn keys_are_url_decoded() {
        assert_eq!(url_decode_key("a+b%2Fc%3D1").as_deref(), Some("a b/c=1"));
        assert_eq!(url_decode_key("cut%2"), None);
        assert_eq!(url_decode_key("%ff"), None);
    }
}
