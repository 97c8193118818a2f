//! Delivered execution logs (September 2026): a REST stage's execution logs sent through a CloudWatch Logs
//! delivery to a log group the operator names, in JSON or plain text, in events up to 1 MB (API Gateway
//! Developer Guide, "Execution logging for REST APIs" and "Create a log delivery for REST API execution
//! logs"; the standard group `API-Gateway-Execution-Logs_{api}/{stage}` keeps its 1 KB events).
//!
//! The group's name says nothing, so the operator declares it (`EXECUTION_LOG_GROUPS`, `group=api/stage`:
//! a delivery source is one stage, `arn:aws:apigateway:…:/restapis/{api}/stages/{stage}`), and from then on it
//! is an execution-log group like the standard one, for the parser and the trust rules alike.
//!
//! No real delivered record was found in public (searched: AWS documentation, public repositories and
//! pages), so the JSON reader is tolerant: it needs a request ID and a message under any of the spellings
//! below, reads everything else as the standard line's text would be read, and keeps the fields it does not
//! know, after the message, so nothing API Gateway wrote is lost. A plain-text record is read as a standard
//! line (`(requestId) text`). Before parsing, each JSON record becomes that standard form
//! ([`normalize`]), so one parser reads both and their records are the same.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::decode::{LogEvent, LogsPayload};

/// One operator-declared execution-log group and the stage whose execution logs are delivered there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionLogGroup {
    /// The log group's exact name.
    pub group: String,
    /// The REST API's ID.
    pub api_id: String,
    /// The stage's name.
    pub stage: String,
}

impl ExecutionLogGroup {
    /// Reads one `group=api/stage` declaration; `None` when it does not have that shape.
    pub fn parse(declaration: &str) -> Option<Self> {
        let (group, target) = declaration.trim().rsplit_once('=')?;
        let (api_id, stage) = target.split_once('/')?;
        let id_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
        let stage_ok = |s: &str| {
            !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        };
        (!group.trim().is_empty() && id_ok(api_id) && stage_ok(stage)).then(|| Self {
            group: group.trim().to_string(),
            api_id: api_id.to_string(),
            stage: stage.to_string(),
        })
    }
}

/// A key as compared: ASCII letters and digits only, lowercased (`requestId`, `request_id`, `RequestID`).
fn key_of(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

const REQUEST_ID_KEYS: &[&str] = &["requestid", "awsrequestid", "apigwrequestid"];
const MESSAGE_KEYS: &[&str] = &["message", "msg", "log", "logmessage", "text"];
/// Known metadata: read from the declaration or the event itself, not repeated in the line.
const METADATA_KEYS: &[&str] = &[
    "timestamp",
    "time",
    "eventtime",
    "level",
    "loglevel",
    "apiid",
    "restapiid",
    "stage",
    "stagename",
    "resourcearn",
    "logtype",
];

/// A delivered JSON record in the standard form (`(requestId) message`, then the unknown fields as one JSON
/// object), or `None` when it is no JSON object with a request ID and a message.
pub fn standard_line(record: &str) -> Option<String> {
    if !record.trim_start().starts_with('{') {
        return None;
    }
    let map: Map<String, Value> = serde_json::from_str(record).ok()?;
    let text = |keys: &[&str]| {
        map.iter()
            .find(|(k, _)| keys.contains(&key_of(k).as_str()))
            .and_then(|(_, v)| v.as_str())
            .filter(|s| !s.is_empty() && *s != "-")
    };
    let id = text(REQUEST_ID_KEYS)?;
    if id.contains(')') || id.chars().any(char::is_whitespace) {
        return None;
    }
    let message = text(MESSAGE_KEYS)?;
    let unknown: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| {
            let k = key_of(k);
            ![REQUEST_ID_KEYS, MESSAGE_KEYS, METADATA_KEYS]
                .iter()
                .any(|keys| keys.contains(&k.as_str()))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut line = format!("({id}) {}", message.trim_end_matches(['\n', '\r']));
    if !unknown.is_empty() {
        line.push('\t');
        line.push_str(&Value::Object(unknown).to_string());
    }
    Some(line)
}

const TIME_KEYS: &[&str] = &["timestamp", "time", "eventtime"];

/// A delivered JSON record's own time (epoch ms: a number, or an RFC 3339 or numeric string), when it has
/// one within the range a log event may have. Records read from a log group keep the event's time; an S3
/// object's records have no other (`crate::s3_delivery`).
pub fn record_time_ms(record: &str) -> Option<i64> {
    if !record.trim_start().starts_with('{') {
        return None;
    }
    let map: Map<String, Value> = serde_json::from_str(record).ok()?;
    let (_, value) = map.iter().find(|(k, _)| TIME_KEYS.contains(&key_of(k).as_str()))?;
    let ms = match value {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok().or_else(|| crate::timefmt::parse_rfc3339(s))?,
        _ => return None,
    };
    (crate::decode::MIN_TIMESTAMP_MS..=crate::decode::MAX_TIMESTAMP_MS)
        .contains(&ms)
        .then_some(ms)
}

/// The batch with every delivered JSON record of a declared execution-log group in the standard form, or
/// `None` when there is nothing to change (another group, or only plain-text records). Event IDs, times and
/// problems are kept, so keys and idempotency are those of the original events.
pub fn normalize<'a>(payload: &LogsPayload<'a>, groups: &[ExecutionLogGroup]) -> Option<LogsPayload<'a>> {
    groups.iter().find(|g| g.group == payload.log_group)?;
    let lines: Vec<Option<String>> = payload
        .log_events
        .iter()
        .map(|ev| {
            if ev.problem.is_none() {
                standard_line(&ev.message)
            } else {
                None
            }
        })
        .collect();
    if lines.iter().all(Option::is_none) {
        return None;
    }
    let log_events = payload
        .log_events
        .iter()
        .zip(lines)
        .map(|(ev, line)| LogEvent {
            id: ev.id.clone(),
            timestamp: ev.timestamp,
            message: line.map_or_else(|| ev.message.clone(), Cow::Owned),
            problem: ev.problem,
        })
        .collect();
    Some(LogsPayload {
        message_type: payload.message_type.clone(),
        owner: payload.owner.clone(),
        log_group: payload.log_group.clone(),
        log_stream: payload.log_stream.clone(),
        subscription_filters: payload.subscription_filters.clone(),
        log_events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_name_a_group_and_its_stage() {
        let g = ExecutionLogGroup::parse(" /delivered/orders=a1b2c3d4e5/dev ").unwrap();
        assert_eq!(
            (g.group.as_str(), g.api_id.as_str(), g.stage.as_str()),
            ("/delivered/orders", "a1b2c3d4e5", "dev")
        );
        for bad in ["/delivered/orders", "/g=a1b2/", "=a1b2/dev", "/g=a-1/dev", "/g=a1/d ev"] {
            assert_eq!(ExecutionLogGroup::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_records_take_the_standard_form_and_keep_unknown_fields() {
        let cases = [
            (
                r#"{"requestId":"r-1","message":"Method completed with status: 200","timestamp":"2026-09-10T10:00:00Z"}"#,
                Some("(r-1) Method completed with status: 200"),
            ),
            (
                r#"{"request_id":"r-1","msg":"Endpoint response body before transformations: {\"ok\":true}","apiId":"a1"}"#,
                Some(r#"(r-1) Endpoint response body before transformations: {"ok":true}"#),
            ),
            (
                r#"{"requestId":"r-1","message":"Starting execution for request: r-1","deliveryVersion":"1"}"#,
                Some("(r-1) Starting execution for request: r-1\t{\"deliveryVersion\":\"1\"}"),
            ),
            (r#"{"message":"no request ID"}"#, None),
            (r#"{"requestId":"r) forged (x","message":"m"}"#, None),
            ("(r-1) Method completed with status: 200", None),
        ];
        for (record, want) in cases {
            assert_eq!(standard_line(record).as_deref(), want, "{record}");
        }
    }

    #[test]
    fn a_record_s_own_time_is_read_when_it_is_one() {
        let cases = [
            (
                r#"{"timestamp":"2026-09-10T10:00:00.250Z","message":"m"}"#,
                Some(1_789_034_400_250),
            ),
            (r#"{"time":1789034400250}"#, Some(1_789_034_400_250)),
            (r#"{"eventTime":"1789034400250"}"#, Some(1_789_034_400_250)),
            (r#"{"timestamp":"yesterday"}"#, None),
            (r#"{"timestamp":-5}"#, None),
            (r#"{"message":"no time"}"#, None),
            ("(r-1) plain text", None),
        ];
        for (record, want) in cases {
            assert_eq!(record_time_ms(record), want, "{record}");
        }
    }
}
