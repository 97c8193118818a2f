//! The per-batch metrics markers (`crate::ports::Marker`, stored as `crate::metrics::marker::item` says) in the
//! index table: a conditional `PutItem` to claim, conditional `UpdateItem`s to move on, each returning the marker as it is when its condition
//! fails (`ReturnValuesOnConditionCheckFailure=ALL_OLD`, which the local endpoint, moto 5.2.5, supports
//! too; without it a strongly consistent `GetItem` after the failure would do). Every call here is safe
//! to repeat, so transient failures, lost connections included, are retried until the deadline.

use std::future::Future;
use std::time::Instant;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::{DynamoIndex, item_from_sdk, item_to_sdk, retryable, store_error, to_sdk};
use crate::index::IndexItem;
use crate::metrics::marker::item::{self as marker, MARKER_SK, listing_attrs};
use crate::ports::schema;
use crate::ports::{BatchLedger, Expect, Marker, StoreError, Write};

type Attrs = std::collections::HashMap<String, AttributeValue>;

fn marker_from(attrs: Option<&Attrs>) -> Option<Marker> {
    attrs.and_then(item_from_sdk).as_ref().and_then(marker::from_item)
}

/// Safe to repeat: throttling, server faults, timeouts, and connections lost before or after sending.
fn transient<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    retryable(e) || matches!(e, SdkError::DispatchFailure(_) | SdkError::ResponseError(_))
}

impl DynamoIndex {
    /// Runs `call` until it succeeds, fails for good, or the deadline passes.
    async fn repeat<T, E, F, Fut>(&self, deadline: Instant, mut call: F) -> Result<T, SdkError<E>>
    where
        E: ProvideErrorMetadata,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E>>>,
    {
        let mut attempt = 0;
        loop {
            let e = match call().await {
                Ok(v) => return Ok(v),
                Err(e) if transient(&e) => e,
                Err(e) => return Err(e),
            };
            attempt += 1;
            let pause = self.backoff.delay(attempt);
            if Instant::now() + pause >= deadline {
                return Err(e);
            }
            tokio::time::sleep(pause).await;
        }
    }
}

impl DynamoIndex {
    /// A conditional write's result: applied, the marker `found` when its condition failed, or an error.
    fn settle<O, E>(
        &self,
        result: Result<O, SdkError<E>>,
        found: impl Fn(&E) -> Option<Option<Marker>>,
    ) -> Result<Write, StoreError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match result {
            Ok(_) => Ok(Write::Applied),
            Err(e) => match e.as_service_error().and_then(found) {
                Some(marker) => Ok(Write::Conflict(marker)),
                None => Err(store_error(e, &self.table, 0)),
            },
        }
    }
}

impl BatchLedger for DynamoIndex {
    async fn create(
        &self,
        key: &str,
        marker: &Marker,
        listed: bool,
        expires_at: i64,
        deadline: Instant,
    ) -> Result<Write, StoreError> {
        let item = item_to_sdk(&marker::to_item(marker, key, listed, expires_at));
        let result = self
            .repeat(deadline, || {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item.clone()))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", schema::PARTITION_KEY)
                    .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                    .send()
            })
            .await;
        self.settle(result, |e| match e {
            PutItemError::ConditionalCheckFailedException(c) => Some(marker_from(c.item.as_ref())),
            _ => None,
        })
    }

    async fn replace(
        &self,
        key: &str,
        expect: &Expect,
        marker: &Marker,
        deadline: Instant,
    ) -> Result<Write, StoreError> {
        let mut names: Vec<(String, String)> = Vec::new();
        let mut values: Vec<(String, AttributeValue)> = Vec::new();
        let mut sets = Vec::new();
        for (i, (name, value)) in marker::state_attrs(marker).into_iter().enumerate() {
            sets.push(format!("#a{i} = :v{i}"));
            names.push((format!("#a{i}"), name.to_string()));
            values.push((format!(":v{i}"), to_sdk(&value)));
        }
        let mut update = format!("SET {}", sets.join(", "));
        if marker.settled_cleanly() {
            // Out of the listing of unsettled batches.
            let removed: Vec<String> = listing_attrs(key, 0)
                .iter()
                .enumerate()
                .map(|(i, (name, _))| {
                    names.push((format!("#r{i}"), (*name).to_string()));
                    format!("#r{i}")
                })
                .collect();
            update.push_str(&format!(" REMOVE {}", removed.join(", ")));
        } else if marker.lost_requests > 0 {
            // Into the listing (a marker claimed unlisted, `sending`, that a takeover found): rewriting the
            // same values on one that is listed already changes no index entry.
            for (i, (name, value)) in listing_attrs(key, marker.claimed_at_ms).into_iter().enumerate() {
                update.push_str(&format!(", #l{i} = :l{i}"));
                names.push((format!("#l{i}"), name.to_string()));
                values.push((format!(":l{i}"), to_sdk(&value)));
            }
        }
        let (token, condition) = match expect {
            Expect::Owner(token) => (token, "#ct = :ct".to_string()),
            Expect::Exactly { token, state, next } => {
                names.push(("#cs".into(), marker::STATE_ATTR.into()));
                names.push(("#cn".into(), marker::NEXT_ATTR.into()));
                values.push((":cs".into(), AttributeValue::S(state.as_str().into())));
                values.push((":cn".into(), AttributeValue::N(next.to_string())));
                (token, "#ct = :ct AND #cs = :cs AND #cn = :cn".to_string())
            }
        };
        names.push(("#ct".into(), marker::TOKEN_ATTR.into()));
        values.push((":ct".into(), AttributeValue::S(token.clone())));
        let key_item = IndexItem::new(key, MARKER_SK);
        let result = self
            .repeat(deadline, || {
                self.client
                    .update_item()
                    .table_name(&self.table)
                    .key(schema::PARTITION_KEY, AttributeValue::S(key_item.pk.clone()))
                    .key(schema::SORT_KEY, AttributeValue::S(key_item.sk.clone()))
                    .update_expression(&update)
                    .condition_expression(&condition)
                    .set_expression_attribute_names(Some(names.iter().cloned().collect()))
                    .set_expression_attribute_values(Some(values.iter().cloned().collect()))
                    .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                    .send()
            })
            .await;
        self.settle(result, |e| match e {
            UpdateItemError::ConditionalCheckFailedException(c) => Some(marker_from(c.item.as_ref())),
            _ => None,
        })
    }
}
