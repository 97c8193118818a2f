//! The batched writer: `BatchWriteItem` calls of at most 25 items and never a duplicate key, a few calls in
//! flight, `UnprocessedItems` and throttling retried with exponential backoff and full jitter until the
//! caller's deadline, and an error naming what remains when it passes. Nothing is dropped silently.
//!
//! A call DynamoDB refuses as invalid (`ValidationException`: one bad item fails the whole call) is split in
//! halves until the item it refuses is alone; that item is counted and logged by key, and the rest are
//! written. Retrying a permanent refusal forever would lose the whole batch, not protect it. Only when every
//! item of the write is refused is the write an error: that is the table (its key schema), not the items.

use std::collections::{HashMap, VecDeque};
use std::ops::ControlFlow;
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemError;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use tokio::task::JoinSet;

use super::{DynamoIndex, chain, item_to_sdk, retryable, store_error};
use crate::index::IndexItem;
use crate::ports::{IndexWriter, StoreError, WriteReport};

/// `BatchWriteItem` takes at most 25 put or delete requests per call (DynamoDB API reference).
pub const MAX_BATCH_WRITE_ITEMS: usize = 25;
/// `BatchWriteItem` takes at most 16 MB per call. With items under 400 KB, 25 items stay below it; the
/// writer still counts, in case the item limit and this one ever change apart.
pub const MAX_BATCH_WRITE_BYTES: usize = 16 * 1024 * 1024;
/// Calls in flight at once: enough to hide latency for a 1 MB batch (~100 calls), few enough not to
/// provoke throttling on a new on-demand table or starve a 128 MB Lambda.
pub const MAX_CONCURRENT_CALLS: usize = 4;

pub use crate::aws::retry::Backoff;

/// An item's size in a request body: binary values travel base64-encoded in the JSON body (4/3 of their
/// size), plus the JSON framing.
fn wire_bytes(item: &IndexItem) -> usize {
    item.size() * 4 / 3 + 256
}

/// Keeps the last put of each key (a later put replaces an earlier one in DynamoDB too), in order.
fn unique_by_key(items: Vec<IndexItem>) -> Vec<IndexItem> {
    let mut last: HashMap<(String, String), usize> = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        last.insert((item.pk.clone(), item.sk.clone()), i);
    }
    items
        .into_iter()
        .enumerate()
        .filter(|(i, item)| last.get(&(item.pk.clone(), item.sk.clone())) == Some(i))
        .map(|(_, item)| item)
        .collect()
}

/// Splits unique puts into calls within both per-call limits.
fn calls(items: &[IndexItem]) -> VecDeque<Vec<WriteRequest>> {
    let mut out = VecDeque::new();
    let mut current: Vec<WriteRequest> = Vec::new();
    let mut bytes = 0;
    for item in items {
        let wire_bytes = wire_bytes(item);
        if current.len() == MAX_BATCH_WRITE_ITEMS || (bytes + wire_bytes > MAX_BATCH_WRITE_BYTES && !current.is_empty())
        {
            out.push_back(std::mem::take(&mut current));
            bytes = 0;
        }
        let put = PutRequest::builder().set_item(Some(item_to_sdk(item))).build();
        let Ok(put) = put else { continue };
        bytes += wire_bytes;
        current.push(WriteRequest::builder().put_request(put).build());
    }
    if !current.is_empty() {
        out.push_back(current);
    }
    out
}

/// Throttling and transient server errors by their modeled type (the generic check reads error codes,
/// which a modeled error built in-process does not carry).
fn throttled(e: &SdkError<BatchWriteItemError>) -> bool {
    e.as_service_error().is_some_and(|s| {
        s.is_provisioned_throughput_exceeded_exception()
            || s.is_throttling_exception()
            || s.is_request_limit_exceeded()
            || s.is_internal_server_error()
            || s.is_replicated_write_conflict_exception()
    })
}

/// DynamoDB refused the request's content (`ValidationException`: a number out of range, a key or item too
/// large, a missing key attribute). Not retryable.
fn invalid<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    e.as_service_error()
        .is_some_and(|s| s.code() == Some("ValidationException"))
}

/// The key of a put, for the log line naming a refused item.
fn key_of(w: &WriteRequest) -> (String, String) {
    let s = |name: &str| {
        w.put_request()
            .and_then(|p| p.item().get(name))
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    (
        s(crate::ports::schema::PARTITION_KEY),
        s(crate::ports::schema::SORT_KEY),
    )
}

/// What one call's worth of items came to.
#[derive(Default)]
struct CallOutcome {
    written: usize,
    calls: usize,
    retries: usize,
    /// Items DynamoDB refused as invalid, each alone in a call.
    rejected: usize,
    /// The error of the first refused item (the write's error if every item is refused).
    rejection: Option<StoreError>,
    /// Items not written: the deadline passed, or `error` stopped them.
    remaining: usize,
    last_error: Option<String>,
    error: Option<StoreError>,
}

/// Writes one call's items, retrying what DynamoDB leaves unprocessed or refuses for throttling, and
/// splitting a call refused as invalid until the refused item is alone.
async fn write_call(
    client: Client,
    table: String,
    pending: Vec<WriteRequest>,
    deadline: Instant,
    backoff: Backoff,
) -> CallOutcome {
    let mut out = CallOutcome::default();
    // Groups still to send; a refused group comes back as its two halves.
    let mut groups = vec![pending];
    while let Some(pending) = groups.pop() {
        let left = groups.iter().map(Vec::len).sum::<usize>();
        if write_group(&client, &table, pending, deadline, backoff, &mut out, &mut groups)
            .await
            .is_break()
        {
            out.remaining += left;
            return out;
        }
    }
    out
}

/// Sends one group until it is written, refused, or stopped; `Break` stops the whole call (`out` says why).
async fn write_group(
    client: &Client,
    table: &str,
    mut pending: Vec<WriteRequest>,
    deadline: Instant,
    backoff: Backoff,
    out: &mut CallOutcome,
    groups: &mut Vec<Vec<WriteRequest>>,
) -> ControlFlow<()> {
    let table = table.to_string();
    let mut attempt = 0u32;
    loop {
        if Instant::now() >= deadline {
            out.remaining += pending.len();
            return ControlFlow::Break(());
        }
        out.calls += 1;
        let send = client.batch_write_item().request_items(&table, pending.clone()).send();
        match tokio::time::timeout_at(deadline.into(), send).await {
            // Cut off mid-call: the items may or may not be written; they count as remaining, and a retry
            // of the whole batch rewrites them harmlessly.
            Err(_elapsed) => {
                out.remaining += pending.len();
                return ControlFlow::Break(());
            }
            Ok(Ok(resp)) => {
                let unprocessed = resp
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&table))
                    .unwrap_or_default();
                out.written += pending.len().saturating_sub(unprocessed.len());
                if unprocessed.is_empty() {
                    return ControlFlow::Continue(());
                }
                out.last_error = Some(format!("{} items unprocessed (throughput exceeded)", unprocessed.len()));
                pending = unprocessed;
            }
            Ok(Err(e)) if retryable(&e) || throttled(&e) => out.last_error = Some(chain(&e)),
            Ok(Err(e))
                if e.as_service_error()
                    .is_some_and(BatchWriteItemError::is_resource_not_found_exception) =>
            {
                out.remaining += pending.len();
                out.error = Some(StoreError::TableNotFound { table });
                return ControlFlow::Break(());
            }
            Ok(Err(e)) if invalid(&e) && pending.len() > 1 => {
                let second = pending.split_off(pending.len() / 2);
                groups.push(second);
                groups.push(pending);
                return ControlFlow::Continue(());
            }
            Ok(Err(e)) if invalid(&e) => {
                let (pk, sk) = pending.first().map(key_of).unwrap_or_default();
                let message = e.as_service_error().and_then(|s| s.message()).unwrap_or("").to_string();
                tracing::warn!(
                    request_id = %pk,
                    sk = %sk,
                    error = %message,
                    "index item refused by DynamoDB as invalid; the rest of the batch is written"
                );
                out.rejected += 1;
                if out.rejection.is_none() {
                    out.rejection = Some(store_error(e, &table, 1));
                }
                return ControlFlow::Continue(());
            }
            Ok(Err(e)) => {
                out.remaining += pending.len();
                out.error = Some(store_error(e, &table, pending.len()));
                return ControlFlow::Break(());
            }
        }
        attempt += 1;
        let pause = backoff.delay(attempt);
        if Instant::now() + pause >= deadline {
            out.remaining += pending.len();
            return ControlFlow::Break(());
        }
        out.retries += 1;
        tokio::time::sleep(pause).await;
    }
}

impl IndexWriter for DynamoIndex {
    async fn write(&self, items: Vec<IndexItem>, deadline: Instant) -> Result<WriteReport, StoreError> {
        let items = unique_by_key(items);
        let total = items.len();
        let mut queue = calls(&items);
        drop(items);
        let mut in_flight: JoinSet<CallOutcome> = JoinSet::new();
        let mut report = WriteReport::default();
        let (mut remaining, mut last_error, mut error, mut rejection) = (0usize, None, None, None);
        loop {
            while in_flight.len() < MAX_CONCURRENT_CALLS && error.is_none() {
                let Some(puts) = queue.pop_front() else { break };
                let (client, table, backoff) = (self.client.clone(), self.table.clone(), self.backoff);
                in_flight.spawn(write_call(client, table, puts, deadline, backoff));
            }
            let Some(joined) = in_flight.join_next().await else {
                break;
            };
            // A panicked call task (Err) leaves its items unaccounted for; the total below counts them.
            if let Ok(o) = joined {
                report.items += o.written;
                report.calls += o.calls;
                report.retries += o.retries;
                report.rejected += o.rejected;
                rejection = rejection.or(o.rejection);
                remaining += o.remaining;
                last_error = o.last_error.or(last_error);
                if error.is_none() {
                    error = o.error;
                }
            }
        }
        // Calls never sent (after an error stopped new ones) remain too.
        remaining += queue.iter().map(Vec::len).sum::<usize>();
        remaining = remaining.max(total.saturating_sub(report.items + report.rejected));
        if report.items == 0 && report.rejected > 0 && error.is_none() && remaining == 0 {
            // Every item refused: a table that does not take these items at all.
            if let Some(StoreError::Rejected { message, source, .. }) = rejection {
                return Err(StoreError::Rejected {
                    remaining: report.rejected,
                    message,
                    source,
                });
            }
        }
        match error {
            Some(StoreError::Rejected { message, source, .. }) => Err(StoreError::Rejected {
                remaining,
                message,
                source,
            }),
            Some(e) => Err(e),
            None if remaining > 0 => Err(StoreError::Deadline {
                remaining,
                total,
                last_error,
            }),
            None => Ok(report),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::AttrValue;
    use std::time::Duration;

    fn item(pk: &str, sk: &str, v: i64) -> IndexItem {
        IndexItem::new(pk, sk).with("v", AttrValue::int(v))
    }

    #[test]
    fn duplicate_keys_keep_the_last_put() {
        let items = vec![item("a", "1", 1), item("b", "1", 2), item("a", "1", 3)];
        let unique = unique_by_key(items);
        assert_eq!(unique, vec![item("b", "1", 2), item("a", "1", 3)]);
    }

    #[test]
    fn calls_hold_at_most_25_items_and_16_mb() {
        let items: Vec<IndexItem> = (0..60).map(|i| item("p", &i.to_string(), i)).collect();
        let c = calls(&items);
        assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), vec![25, 25, 10]);
        let big: Vec<IndexItem> = (0..25)
            .map(|i| IndexItem::new("p", i.to_string()).with("data", AttrValue::B(vec![0; 390 * 1024])))
            .collect();
        assert!(big.iter().map(wire_bytes).sum::<usize>() <= MAX_BATCH_WRITE_BYTES);
        assert_eq!(calls(&big).len(), 1);
    }

    #[test]
    fn backoff_stays_within_its_ceiling() {
        let b = Backoff {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(100),
        };
        for attempt in 1..30 {
            let ceiling = Duration::from_millis(10 * (1 << attempt.min(20))).min(Duration::from_millis(100));
            assert!(b.delay(attempt) <= ceiling);
        }
    }
}
