//! The per-batch metrics markers kept in the in-memory index, under the same keys and with the same
//! conditional-write contract as the DynamoDB adapter.

use std::time::Instant;

use super::MemoryIndex;
use crate::metrics::marker::item::{self as marker, MARKER_SK};
use crate::ports::{BatchLedger, Expect, Marker, StoreError, Write};

/// The same contract as the DynamoDB adapter's conditional writes, on the map.
impl BatchLedger for MemoryIndex {
    async fn create(
        &self,
        key: &str,
        marker: &Marker,
        listed: bool,
        expires_at: i64,
        _deadline: Instant,
    ) -> Result<Write, StoreError> {
        let mut map = self.lock();
        let k = (key.to_string(), MARKER_SK.to_string());
        if let Some(found) = map.get(&k) {
            return Ok(Write::Conflict(marker::from_item(found)));
        }
        map.insert(k, marker::to_item(marker, key, listed, expires_at));
        Ok(Write::Applied)
    }

    async fn replace(
        &self,
        key: &str,
        expect: &Expect,
        marker: &Marker,
        _deadline: Instant,
    ) -> Result<Write, StoreError> {
        let mut map = self.lock();
        let k = (key.to_string(), MARKER_SK.to_string());
        let Some(item) = map.get_mut(&k) else {
            return Ok(Write::Conflict(None));
        };
        let found = marker::from_item(item);
        let holds = found.as_ref().is_some_and(|f| match expect {
            Expect::Owner(token) => &f.token == token,
            Expect::Exactly { token, state, next } => &f.token == token && f.state == *state && f.next == *next,
        });
        if !holds {
            return Ok(Write::Conflict(found));
        }
        for (name, value) in marker::state_attrs(marker) {
            item.attrs.insert(name.to_string(), value);
        }
        if marker.settled_cleanly() {
            for (name, _) in marker::listing_attrs(key, 0) {
                item.attrs.remove(name);
            }
        } else if marker.lost_requests > 0 {
            for (name, value) in marker::listing_attrs(key, marker.claimed_at_ms) {
                item.attrs.insert(name.to_string(), value);
            }
        }
        Ok(Write::Applied)
    }
}
