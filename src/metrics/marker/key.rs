//! Counted once per batch: the key of a batch's metrics marker. The marker's types are `crate::ports`'
//! (`Marker`, `BatchLedger`), its protocol [`super::once`], its stored item [`super::item`].

use crate::decode::LogsPayload;
use crate::digest::hex_sha256;

/// A key part longer than this, or one that could be mistaken for a separator or a hashed part, is
/// replaced by its SHA-256: five parts then stay far below DynamoDB's 2048-byte partition key limit
/// (`crate::ports::item::MAX_PARTITION_KEY_BYTES`), whatever the stream names and event IDs are.
pub(crate) const MAX_PLAIN_KEY_PART_BYTES: usize = 256;

/// The partition key of a batch's marker. A batch is one log stream's events; its first and last event
/// IDs (unique within the log group) and its size identify it across redeliveries. Long or ambiguous
/// parts are hashed, so the key always fits DynamoDB's limits and two batches never share one.
pub(crate) fn batch_key(payload: &LogsPayload<'_>) -> String {
    let first = payload.log_events.first().map_or("", |e| &*e.id);
    let last = payload.log_events.last().map_or("", |e| &*e.id);
    let count = payload.log_events.len().to_string();
    let parts = [&*payload.log_group, &*payload.log_stream, first, last, &count];
    let mut key = String::from("metrics");
    for part in parts {
        key.push('#');
        if part.len() <= MAX_PLAIN_KEY_PART_BYTES && !part.contains('#') && !part.starts_with('~') {
            key.push_str(part);
        } else {
            key.push('~');
            key.push_str(&hex_sha256(part.as_bytes()));
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::parse_payload;

    fn payload_json(group: &str, stream: &str, ids: &[String]) -> String {
        let events: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"id":"{id}","timestamp":1,"message":"m"}}"#))
            .collect();
        format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"{group}","logStream":"{stream}","subscriptionFilters":[],"logEvents":[{}]}}"#,
            events.join(",")
        )
    }

    fn key(group: &str, stream: &str, ids: &[String]) -> String {
        let json = payload_json(group, stream, ids);
        batch_key(&parse_payload(json.as_bytes()).unwrap())
    }

    #[test]
    fn ordinary_keys_stay_readable() {
        let k = key("/aws/lambda/f", "2023/10/30/[$LATEST]abc", &["1".into(), "2".into()]);
        assert_eq!(k, "metrics#/aws/lambda/f#2023/10/30/[$LATEST]abc#1#2#2");
    }

    #[test]
    fn long_or_ambiguous_parts_are_hashed_and_keys_fit_dynamodb() {
        let long = "s".repeat(512);
        let id = "9".repeat(3000);
        let k = key(&"g".repeat(512), &long, &[id.clone(), id]);
        assert!(k.len() <= 2048, "DynamoDB partition key limit: {}", k.len());
        assert_eq!(
            k,
            key(&"g".repeat(512), &long, &["9".repeat(3000), "9".repeat(3000)]),
            "deterministic"
        );
        // '#' inside a part cannot make two batches share a key.
        assert_ne!(key("a#b", "c", &["1".into()]), key("a", "b#c", &["1".into()]));
        assert_ne!(key("a", "~x", &["1".into()]), key("a", "x", &["1".into()]));
    }
}
