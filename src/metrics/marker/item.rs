//! The per-batch metrics marker as an item of the index table (pk = the batch key, sk = `counted`), and
//! the listing of batches whose metrics are unsettled or may be lost, through the sparse `failures`
//! index. Used by both ledger adapters (DynamoDB, in-memory). Pure but for [`unsettled_markers`], which
//! reads through the [`IndexReader`] port.

use crate::digest::hex_sha256;
use crate::index::query::{days_newest_first, failure_at_bounds};
use crate::ports::item::{AttrValue, IndexItem};
use crate::ports::schema;
use crate::ports::{IndexReader, Marker, State, StoreError};
use crate::timefmt::rfc3339_ms;

/// Sort key of a marker item (its partition key is the batch key, `metrics#…`).
pub const MARKER_SK: &str = "counted";
/// Unsettled markers are listed through the sparse `failures` index under this day prefix, which no
/// `failures` query asks for (those ask for bare `YYYY-MM-DD` days).
pub(crate) const MARKER_DAY_PREFIX: &str = "metrics-marker#";

mod attr {
    pub(super) const TOKEN: &str = "marker_token";
    pub(super) const STATE: &str = "marker_state";
    pub(super) const NEXT: &str = "marker_next";
    pub(super) const REQUESTS: &str = "marker_requests";
    pub(super) const LOST_REQUESTS: &str = "marker_lost_requests";
    pub(super) const LOST_DATUMS: &str = "marker_lost_datums";
    pub(super) const CLAIMED_AT: &str = "marker_claimed_at_ms";
    pub(super) const LEASE_UNTIL: &str = "marker_lease_until_ms";
}

/// The marker's token attribute, for conditions.
pub(crate) const TOKEN_ATTR: &str = attr::TOKEN;
/// The marker's state attribute, for conditions.
pub(crate) const STATE_ATTR: &str = attr::STATE;
/// The marker's request attribute, for conditions.
pub(crate) const NEXT_ATTR: &str = attr::NEXT;

/// The attributes a transition rewrites (everything but the keys, the claim time, TTL and listing).
pub(crate) fn state_attrs(m: &Marker) -> Vec<(&'static str, AttrValue)> {
    vec![
        (attr::TOKEN, AttrValue::S(m.token.clone())),
        (attr::STATE, AttrValue::S(m.state.as_str().into())),
        (attr::NEXT, AttrValue::int(m.next)),
        (attr::REQUESTS, AttrValue::int(m.requests)),
        (attr::LOST_REQUESTS, AttrValue::int(m.lost_requests)),
        (attr::LOST_DATUMS, AttrValue::int(m.lost_datums)),
        (attr::LEASE_UNTIL, AttrValue::int(m.lease_until_ms)),
    ]
}

/// The whole item a claim creates; `listed`: in the listing (through the `failures` index) until it is
/// settled cleanly.
pub(crate) fn to_item(m: &Marker, key: &str, listed: bool, expires_at: i64) -> IndexItem {
    let mut item = IndexItem::new(key, MARKER_SK)
        .with(schema::TTL_ATTRIBUTE, AttrValue::int(expires_at))
        .with(attr::CLAIMED_AT, AttrValue::int(m.claimed_at_ms));
    for (name, value) in state_attrs(m) {
        item = item.with(name, value);
    }
    for (name, value) in listing_attrs(key, m.claimed_at_ms).into_iter().filter(|_| listed) {
        item = item.with(name, value);
    }
    item
}

/// A marker from its item; `None` if the item is not one.
pub(crate) fn from_item(item: &IndexItem) -> Option<Marker> {
    let n = |name| item.int(name);
    Some(Marker {
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

/// The `failures`-index attributes that list a marker until it is settled cleanly.
pub(crate) fn listing_attrs(key: &str, claimed_at_ms: i64) -> [(&'static str, AttrValue); 2] {
    let day = format!("{MARKER_DAY_PREFIX}{}", &rfc3339_ms(claimed_at_ms)[..10]);
    // The index's sort key is limited to 1024 bytes: the claim time and a short digest of the batch key.
    let at = format!("{claimed_at_ms:013}#{}", &hex_sha256(key.as_bytes())[..16]);
    [
        (schema::FAILURES_PARTITION_KEY, AttrValue::S(day)),
        (schema::FAILURES_SORT_KEY, AttrValue::S(at)),
    ]
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
        let marker = partition.items.iter().find(|i| i.sk == MARKER_SK).and_then(from_item);
        if let Some(marker) = marker.filter(|m| !m.settled_cleanly()) {
            out.push(ListedMarker { key, marker });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let item = to_item(&m, "metrics#k", true, 99);
        assert_eq!(from_item(&item), Some(m));
        assert_eq!(
            item.s(schema::FAILURES_PARTITION_KEY),
            Some("metrics-marker#2023-11-14")
        );
        assert!(item.size() < 1024, "one write unit: {}", item.size());
    }
}
