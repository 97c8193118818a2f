//! An in-memory index: the test double of the DynamoDB adapter, and a way to measure the layout offline.
//! Same contract: puts replace by key, partitions come back in sort-key order, failures newest first.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::index::IndexItem;
use crate::ports::schema::{self, attr};
use crate::ports::{Cursor, FailureFilter, FailuresPage, IndexReader, IndexWriter, Partition, StoreError, WriteReport};

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

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), IndexItem>> {
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
            rejected: 0,
        })
    }
}

fn matches(item: &IndexItem, filter: &FailureFilter) -> bool {
    let eq = |name: &str, want: &Option<String>| want.as_deref().is_none_or(|w| item.s(name) == Some(w));
    eq(attr::FAILURE_REASON, &filter.reason) && eq(attr::API_ID, &filter.api_id) && eq(attr::STAGE, &filter.stage)
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
