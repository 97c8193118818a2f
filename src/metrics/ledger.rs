//! Counted once per batch: the per-batch marker item, its key, its stored form, the port that stores it
//! ([`BatchLedger`]) and the listing of batches whose metrics are unsettled or may be lost. The protocol
//! that decides what to do with a marker is [`super::once`].
//!
//! A marker records who owns the batch's publish (an attempt's random token and the end of its lease),
//! where the publish stands (`open`: the request `next` is the next to send and nothing is in flight;
//! `sending`: request `next` is, or may be, in flight; `done`), and what may be lost (requests whose
//! outcome is unknown and their data points). Markers expire with the index's retention.

use std::future::Future;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::decode::LogsPayload;
use crate::index::query::{days_newest_first, failure_at_bounds};
use crate::index::{AttrValue, IndexItem, IndexReader, StoreError, schema};
use crate::timefmt::rfc3339_ms;

/// Sort key of a marker item (its partition key is the batch key, `metrics#…`).
pub const MARKER_SK: &str = "counted";
/// A key part longer than this, or one that could be mistaken for a separator or a hashed part, is
/// replaced by its SHA-256: five parts then stay far below DynamoDB's 2048-byte partition key limit
/// ([`crate::index::item::MAX_PARTITION_KEY_BYTES`]), whatever the stream names and event IDs are.
pub const MAX_PLAIN_KEY_PART_BYTES: usize = 256;
/// Unsettled markers are listed through the sparse `failures` index under this day prefix, which no
/// `failures` query asks for (those ask for bare `YYYY-MM-DD` days).
pub const MARKER_DAY_PREFIX: &str = "metrics-marker#";

/// Where a batch's publish stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Requests before `next` are settled; nothing is in flight.
    Open,
    /// Request `next` is in flight, or about to be, for the owner.
    Sending,
    /// Every request is settled (published, or counted as maybe lost).
    Done,
}

impl State {
    /// Stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Sending => "sending",
            Self::Done => "done",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "open" => Self::Open,
            "sending" => Self::Sending,
            "done" => Self::Done,
            _ => return None,
        })
    }
}

/// One batch's marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The owning attempt's token.
    pub token: String,
    /// Where the publish stands.
    pub state: State,
    /// The request in flight (`Sending`) or next to send (`Open`); requests before it are settled.
    pub next: u32,
    /// Requests the batch's publish takes.
    pub requests: u32,
    /// Requests whose outcome is unknown: counted here, never sent again.
    pub lost_requests: u32,
    /// Data points in those requests.
    pub lost_datums: u64,
    /// When the batch was first claimed (epoch ms).
    pub claimed_at_ms: i64,
    /// Until when the owner may still be at work (epoch ms): its own deadline plus a margin.
    pub lease_until_ms: i64,
}

mod attr {
    pub const TOKEN: &str = "marker_token";
    pub const STATE: &str = "marker_state";
    pub const NEXT: &str = "marker_next";
    pub const REQUESTS: &str = "marker_requests";
    pub const LOST_REQUESTS: &str = "marker_lost_requests";
    pub const LOST_DATUMS: &str = "marker_lost_datums";
    pub const CLAIMED_AT: &str = "marker_claimed_at_ms";
    pub const LEASE_UNTIL: &str = "marker_lease_until_ms";
}

impl Marker {
    /// The attributes a transition rewrites (everything but the keys, the claim time, TTL and listing).
    pub fn state_attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![
            (attr::TOKEN, AttrValue::S(self.token.clone())),
            (attr::STATE, AttrValue::S(self.state.as_str().into())),
            (attr::NEXT, AttrValue::int(self.next)),
            (attr::REQUESTS, AttrValue::int(self.requests)),
            (attr::LOST_REQUESTS, AttrValue::int(self.lost_requests)),
            (attr::LOST_DATUMS, AttrValue::int(self.lost_datums)),
            (attr::LEASE_UNTIL, AttrValue::int(self.lease_until_ms)),
        ]
    }

    /// The whole item a claim creates: listed (through the `failures` index) until it is settled cleanly.
    pub fn to_item(&self, key: &str, expires_at: i64) -> IndexItem {
        let mut item = IndexItem::new(key, MARKER_SK)
            .with(schema::TTL_ATTRIBUTE, AttrValue::int(expires_at))
            .with(attr::CLAIMED_AT, AttrValue::int(self.claimed_at_ms));
        for (name, value) in self.state_attrs() {
            item = item.with(name, value);
        }
        for (name, value) in listing_attrs(key, self.claimed_at_ms) {
            item = item.with(name, value);
        }
        item
    }

    /// A marker from its item; `None` if the item is not one.
    pub fn from_item(item: &IndexItem) -> Option<Self> {
        let n = |name| item.int(name);
        Some(Self {
            token: item.s(attr::TOKEN)?.to_string(),
            state: State::from_name(item.s(attr::STATE)?)?,
            next: u32::try_from(n(attr::NEXT)?).ok()?,
            requests: u32::try_from(n(attr::REQUESTS)?).ok()?,
            lost_requests: u32::try_from(n(attr::LOST_REQUESTS)?).ok()?,
            lost_datums: u64::try_from(n(attr::LOST_DATUMS)?).ok()?,
            claimed_at_ms: n(attr::CLAIMED_AT)?,
            lease_until_ms: n(attr::LEASE_UNTIL)?,
        })
    }

    /// Whether settling this marker takes it out of the listing (nothing may be lost).
    pub fn settled_cleanly(&self) -> bool {
        self.state == State::Done && self.lost_requests == 0
    }

    /// The marker's token attribute name and state attribute names, for conditions.
    pub const TOKEN_ATTR: &'static str = attr::TOKEN;
    /// See [`Self::TOKEN_ATTR`].
    pub const STATE_ATTR: &'static str = attr::STATE;
    /// See [`Self::TOKEN_ATTR`].
    pub const NEXT_ATTR: &'static str = attr::NEXT;
}

/// The `failures`-index attributes that list a marker until it is settled cleanly.
pub fn listing_attrs(key: &str, claimed_at_ms: i64) -> [(&'static str, AttrValue); 2] {
    let day = format!("{MARKER_DAY_PREFIX}{}", &rfc3339_ms(claimed_at_ms)[..10]);
    // The index's sort key is limited to 1024 bytes: the claim time and a short digest of the batch key.
    let at = format!("{claimed_at_ms:013}#{}", &hex_sha256(key.as_bytes())[..16]);
    [
        (schema::FAILURES_PARTITION_KEY, AttrValue::S(day)),
        (schema::FAILURES_SORT_KEY, AttrValue::S(at)),
    ]
}

/// What a conditional marker write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// The write was applied.
    Applied,
    /// The condition failed; the marker as it is (`None`: there is none).
    Conflict(Option<Marker>),
}

/// Which marker a conditional replace may overwrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Any marker this token owns (the owner's own transitions: idempotent, so a retried write whose
    /// first response was lost applies again harmlessly).
    Owner(String),
    /// Exactly this version (a takeover: it fails if the owner moved on meanwhile).
    Exactly {
        /// The owner's token.
        token: String,
        /// Its state.
        state: State,
        /// Its request.
        next: u32,
    },
}

/// Stores the per-batch markers with conditional writes. Each call retries transient failures
/// (throttling, timeouts, lost connections) until `deadline`: every write here is safe to repeat.
pub trait BatchLedger {
    /// Creates the marker `key` unless one exists; on conflict returns the existing one.
    fn create(
        &self,
        key: &str,
        marker: &Marker,
        expires_at: i64,
        deadline: Instant,
    ) -> impl Future<Output = Result<Write, StoreError>> + Send;

    /// Replaces the marker's state if `expect` holds; on conflict returns the marker as it is. A marker
    /// that is settled cleanly leaves the listing.
    fn replace(
        &self,
        key: &str,
        expect: &Expect,
        marker: &Marker,
        deadline: Instant,
    ) -> impl Future<Output = Result<Write, StoreError>> + Send;
}

/// The partition key of a batch's marker. A batch is one log stream's events; its first and last event
/// IDs (unique within the log group) and its size identify it across redeliveries. Long or ambiguous
/// parts are hashed, so the key always fits DynamoDB's limits and two batches never share one.
pub fn batch_key(payload: &LogsPayload<'_>) -> String {
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

fn hex_sha256(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A marker that is unsettled (its owner may have died mid-publish) or settled with requests that may
/// be lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedMarker {
    /// The batch key.
    pub key: String,
    /// The marker.
    pub marker: Marker,
}

/// Markers claimed between `since_ms` and `until_ms` that are not settled cleanly: batches left
/// mid-publish (a crash, or every retry failing) and batches with data points that may be lost. A few
/// `Query` calls per day on the sparse `failures` index, then one per listed batch; never a `Scan`.
pub async fn unsettled_markers<R: IndexReader>(
    reader: &R,
    since_ms: i64,
    until_ms: i64,
) -> Result<Vec<ListedMarker>, StoreError> {
    let (from, to) = failure_at_bounds(since_ms, until_ms);
    let mut keys = Vec::new();
    for day in days_newest_first(since_ms, until_ms) {
        let day = format!("{MARKER_DAY_PREFIX}{day}");
        let mut cursor = None;
        loop {
            let page = reader
                .failures_page(&day, &from, &to, &Default::default(), cursor)
                .await?;
            keys.extend(page.items.iter().filter(|i| i.sk == MARKER_SK).map(|i| i.pk.clone()));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let partition = reader.partition(&key).await?;
        let marker = partition
            .items
            .iter()
            .find(|i| i.sk == MARKER_SK)
            .and_then(Marker::from_item);
        if let Some(marker) = marker.filter(|m| !m.settled_cleanly()) {
            out.push(ListedMarker { key, marker });
        }
    }
    Ok(out)
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
        assert!(k.len() <= crate::index::item::MAX_PARTITION_KEY_BYTES, "{}", k.len());
        assert_eq!(
            k,
            key(&"g".repeat(512), &long, &["9".repeat(3000), "9".repeat(3000)]),
            "deterministic"
        );
        // '#' inside a part cannot make two batches share a key.
        assert_ne!(key("a#b", "c", &["1".into()]), key("a", "b#c", &["1".into()]));
        assert_ne!(key("a", "~x", &["1".into()]), key("a", "x", &["1".into()]));
    }

    #[test]
    fn a_marker_round_trips_through_its_item() {
        let m = Marker {
            token: "t".into(),
            state: State::Sending,
            next: 2,
            requests: 3,
            lost_requests: 1,
            lost_datums: 40,
            claimed_at_ms: 1_700_000_000_000,
            lease_until_ms: 1_700_000_060_000,
        };
        let item = m.to_item("metrics#k", 99);
        assert_eq!(Marker::from_item(&item), Some(m));
        assert_eq!(
            item.s(schema::FAILURES_PARTITION_KEY),
            Some("metrics-marker#2023-11-14")
        );
        assert!(item.size() < 1024, "one write unit: {}", item.size());
    }
}
