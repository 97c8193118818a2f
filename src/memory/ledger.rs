//! The per-batch metrics markers kept in the in-memory index, under the same keys as in DynamoDB.

use super::MemoryIndex;
use crate::index::{AttrValue, IndexItem, schema};
use crate::ports::{BatchLedger, Claim, StoreError};

impl BatchLedger for MemoryIndex {
    async fn claim(&self, key: &str, expires_at: i64) -> Result<Claim, StoreError> {
        let mut map = self.lock();
        let k = (key.to_string(), "counted".to_string());
        if map.contains_key(&k) {
            return Ok(Claim::AlreadyCounted);
        }
        let item = IndexItem::new(key, "counted").with(schema::TTL_ATTRIBUTE, AttrValue::int(expires_at));
        map.insert(k, item);
        Ok(Claim::Claimed)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.lock().remove(&(key.to_string(), "counted".to_string()));
        Ok(())
    }
}
