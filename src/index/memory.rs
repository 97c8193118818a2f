//! An in-memory index: the test double of the DynamoDB adapter, and a way to measure the layout offline.
//! Same contract: puts replace by key, partitions come back in sort-key order, failures newest first.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use super::item::IndexItem;
use super::port::{Cursor, FailureFilter, FailuresPage, IndexReader, IndexWriter, Partition, StoreError, WriteReport};
use super::schema;
use crate::metrics::ledger::{BatchLedger, Expect, MARKER_SK, Marker, Write, listing_attrs};

/// Items by (partition key, sort key).
#[derive(Debug, Default)]
pub struct MemoryIndex {
    items: Mutex<BTreeMap<(String, String), IndexItem>>,
}

impl MemoryIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every item, in key order.
    pub fn dump(&self) -> Vec<IndexItem> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), IndexItem>> {
        // A panic while holding the lock leaves plain data behind, still consistent per item.
        self.items.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl IndexWriter for MemoryIndex {
    async fn write(&self, items: Vec<IndexItem>, _deadline: Instant) -> Result<WriteReport, StoreError> {
        let n = items.len();
        let mut map = self.lock();
        for item in items {
            map.insert((item.pk.clone(), item.sk.clone()), item);
        }
        Ok(WriteReport {
            items: n,
            calls: n.div_ceil(25),
            retries: 0,
        })
    }
}

fn matches(item: &IndexItem, filter: &FailureFilter) -> bool {
    let eq = |name: &str, want: &Option<String>| want.as_deref().is_none_or(|w| item.s(name) == Some(w));
    eq("failure_reason", &filter.reason) && eq("api_id", &filter.api_id) && eq("stage", &filter.stage)
}

impl IndexReader for MemoryIndex {
    async fn partition(&self, id: &str) -> Result<Partition, StoreError> {
        let items: Vec<IndexItem> = self
            .lock()
            .range((id.to_string(), String::new())..)
            .take_while(|((pk, _), _)| pk == id)
            .map(|(_, v)| v.clone())
            .collect();
        Ok(Partition { items, calls: 1 })
    }

    async fn failures_page(
        &self,
        day: &str,
        from: &str,
        to: &str,
        filter: &FailureFilter,
        _cursor: Option<Cursor>,
    ) -> Result<FailuresPage, StoreError> {
        let mut items: Vec<IndexItem> = self
            .lock()
            .values()
            .filter(|i| i.s(schema::FAILURES_PARTITION_KEY) == Some(day))
            .filter(|i| i.s(schema::FAILURES_SORT_KEY).is_some_and(|at| from <= at && at <= to))
            .filter(|i| matches(i, filter))
            .cloned()
            .collect();
        items.sort_by(|a, b| b.s(schema::FAILURES_SORT_KEY).cmp(&a.s(schema::FAILURES_SORT_KEY)));
        Ok(FailuresPage { items, next: None })
    }
}

/// The same contract as the DynamoDB adapter's conditional writes, on the map.
impl BatchLedger for MemoryIndex {
    async fn create(
        &self,
        key: &str,
        marker: &Marker,
        expires_at: i64,
        _deadline: Instant,
    ) -> Result<Write, StoreError> {
        let mut map = self.lock();
        let k = (key.to_string(), MARKER_SK.to_string());
        if let Some(found) = map.get(&k) {
            return Ok(Write::Conflict(Marker::from_item(found)));
        }
        map.insert(k, marker.to_item(key, expires_at));
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
        let found = Marker::from_item(item);
        let holds = found.as_ref().is_some_and(|f| match expect {
            Expect::Owner(token) => &f.token == token,
            Expect::Exactly { token, state, next } => &f.token == token && f.state == *state && f.next == *next,
        });
        if !holds {
            return Ok(Write::Conflict(found));
        }
        for (name, value) in marker.state_attrs() {
            item.attrs.insert(name.to_string(), value);
        }
        if marker.settled_cleanly() {
            for (name, _) in listing_attrs(key, 0) {
                item.attrs.remove(name);
            }
        }
        Ok(Write::Applied)
    }
}
