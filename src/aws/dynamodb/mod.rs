//! DynamoDB adapter of the index ports: item mapping, reads (`Query`), the batched writer (`write.rs`) and
//! table creation (`table.rs`). The only module that touches `aws_sdk_dynamodb` types.

mod ledger;
mod table;
mod write;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::aws::retry::retryable;
use crate::aws::sdk_error::chain;
use crate::index::{AttrValue, IndexItem};
use crate::ports::schema::{self, attr};
use crate::ports::{Cursor, FailureFilter, FailuresPage, IndexReader, Partition, StoreError};

pub use table::TableStatus;
pub use write::{Backoff, MAX_BATCH_WRITE_BYTES, MAX_BATCH_WRITE_ITEMS, MAX_CONCURRENT_CALLS};

/// The index table in DynamoDB. Cheap to clone (the client is shared).
#[derive(Debug, Clone)]
pub struct DynamoIndex {
    client: Client,
    table: String,
    backoff: Backoff,
}

impl DynamoIndex {
    /// The index in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            backoff: Backoff::default(),
        }
    }

    /// Replaces the retry backoff (tests use a fast one).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

fn to_sdk(v: &AttrValue) -> AttributeValue {
    match v {
        AttrValue::S(s) => AttributeValue::S(s.clone()),
        AttrValue::N(n) => AttributeValue::N(n.clone()),
        AttrValue::B(b) => AttributeValue::B(Blob::new(b.clone())),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
    }
}

fn from_sdk(v: &AttributeValue) -> Option<AttrValue> {
    Some(match v {
        AttributeValue::S(s) => AttrValue::S(s.clone()),
        AttributeValue::N(n) => AttrValue::N(n.clone()),
        AttributeValue::B(b) => AttrValue::B(b.as_ref().to_vec()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        // The index writes no other type; anything else was written by someone else and is ignored.
        _ => return None,
    })
}

/// An item in the SDK's form, keys included.
fn item_to_sdk(item: &IndexItem) -> HashMap<String, AttributeValue> {
    let mut map: HashMap<String, AttributeValue> = item.attrs.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect();
    map.insert(schema::PARTITION_KEY.into(), AttributeValue::S(item.pk.clone()));
    map.insert(schema::SORT_KEY.into(), AttributeValue::S(item.sk.clone()));
    map
}

/// An item from the SDK's form; `None` without string keys.
fn item_from_sdk(map: &HashMap<String, AttributeValue>) -> Option<IndexItem> {
    let key = |name: &str| map.get(name).and_then(|v| v.as_s().ok()).cloned();
    let mut item = IndexItem::new(key(schema::PARTITION_KEY)?, key(schema::SORT_KEY)?);
    for (k, v) in map {
        if k != schema::PARTITION_KEY
            && k != schema::SORT_KEY
            && let Some(v) = from_sdk(v)
        {
            item.attrs.insert(k.clone(), v);
        }
    }
    Some(item)
}

fn cursor_to_sdk(c: &Cursor) -> HashMap<String, AttributeValue> {
    c.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect()
}

fn cursor_from_sdk(m: &HashMap<String, AttributeValue>) -> Cursor {
    m.iter().filter_map(|(k, v)| Some((k.clone(), from_sdk(v)?))).collect()
}

/// Maps an SDK failure to the port's error. `remaining` is how many items a write leaves unwritten.
fn store_error<E>(err: SdkError<E>, table: &str, remaining: usize) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let Some(missing) = crate::aws::missing::missing_setting(&err) {
        return StoreError::NotConfigured {
            missing,
            source: Box::new(err),
        };
    }
    let message = chain(&err);
    match &err {
        SdkError::ServiceError(se) if se.err().code() == Some("ResourceNotFoundException") => {
            StoreError::TableNotFound { table: table.into() }
        }
        SdkError::ServiceError(se) => StoreError::Rejected {
            remaining,
            message: match (se.err().code(), se.err().message()) {
                (Some(code), Some(msg)) => format!("{code}: {msg}"),
                _ => message,
            },
            source: Box::new(err),
        },
        SdkError::ConstructionFailure(_) => StoreError::Rejected {
            remaining,
            message,
            source: Box::new(err),
        },
        // Dispatch failures (connection refused, DNS, TLS), timeouts, and answers that are not DynamoDB's.
        _ => StoreError::Unreachable {
            message,
            source: Box::new(err),
        },
    }
}

impl IndexReader for DynamoIndex {
    async fn partition(&self, id: &str) -> Result<Partition, StoreError> {
        let mut out = Partition::default();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :id")
                .expression_attribute_names("#pk", schema::PARTITION_KEY)
                .expression_attribute_values(":id", AttributeValue::S(id.into()))
                // A lookup right after a failure should see the latest writes; lookups are rare, so the
                // doubled read cost of strong consistency does not matter.
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error(e, &self.table, 0))?;
            out.calls += 1;
            out.items.extend(page.items().iter().filter_map(item_from_sdk));
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }

    async fn failures_page(
        &self,
        day: &str,
        from: &str,
        to: &str,
        filter: &FailureFilter,
        cursor: Option<Cursor>,
    ) -> Result<FailuresPage, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(schema::FAILURES_INDEX)
            .key_condition_expression("#day = :day AND #at BETWEEN :from AND :to")
            .expression_attribute_names("#day", schema::FAILURES_PARTITION_KEY)
            .expression_attribute_names("#at", schema::FAILURES_SORT_KEY)
            .expression_attribute_values(":day", AttributeValue::S(day.into()))
            .expression_attribute_values(":from", AttributeValue::S(from.into()))
            .expression_attribute_values(":to", AttributeValue::S(to.into()))
            .scan_index_forward(false)
            .set_exclusive_start_key(cursor.as_ref().map(cursor_to_sdk));
        let mut conditions = Vec::new();
        for (placeholder, name, value) in [
            ("reason", attr::FAILURE_REASON, &filter.reason),
            ("api", attr::API_ID, &filter.api_id),
            ("stage", attr::STAGE, &filter.stage),
        ] {
            if let Some(v) = value {
                conditions.push(format!("#{placeholder} = :{placeholder}"));
                q = q
                    .expression_attribute_names(format!("#{placeholder}"), name)
                    .expression_attribute_values(format!(":{placeholder}"), AttributeValue::S(v.clone()));
            }
        }
        if !conditions.is_empty() {
            q = q.filter_expression(conditions.join(" AND "));
        }
        let page = q.send().await.map_err(|e| store_error(e, &self.table, 0))?;
        Ok(FailuresPage {
            items: page.items().iter().filter_map(item_from_sdk).collect(),
            next: page
                .last_evaluated_key
                .as_ref()
                .filter(|k| !k.is_empty())
                .map(cursor_from_sdk),
        })
    }
}

/// How long `create-table` waits for a new table to become active.
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_round_trip_through_the_sdk_form() {
        let item = IndexItem::new("r", "api#1")
            .with("status", AttrValue::int(502))
            .with("data", AttrValue::B(vec![1, 2, 3]))
            .with("complete", AttrValue::Bool(true))
            .with("method", AttrValue::S("GET".into()));
        let sdk = item_to_sdk(&item);
        assert_eq!(sdk.get("request_id"), Some(&AttributeValue::S("r".into())));
        assert_eq!(item_from_sdk(&sdk), Some(item));
    }
}
