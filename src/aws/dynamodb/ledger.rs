//! The per-batch metrics markers (`crate::metrics::ledger`) in the index table: one small item per
//! delivered batch, created with a conditional `PutItem`, so a retried invocation sees the batch counted.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{DynamoIndex, store_error};

use crate::index::schema;
use crate::ports::{BatchLedger, Claim, StoreError};

/// Sort key of a marker item (its partition key is the batch key, `metrics#…`).
const MARKER_SK: &str = "counted";

impl BatchLedger for DynamoIndex {
    async fn claim(&self, key: &str, expires_at: i64) -> Result<Claim, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(schema::PARTITION_KEY, AttributeValue::S(key.to_string()))
            .item(schema::SORT_KEY, AttributeValue::S(MARKER_SK.into()))
            .item(schema::TTL_ATTRIBUTE, AttributeValue::N(expires_at.to_string()))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PARTITION_KEY)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(Claim::AlreadyCounted)
            }
            Err(e) => Err(store_error(e, &self.table, 0)),
        }
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(schema::PARTITION_KEY, AttributeValue::S(key.to_string()))
            .key(schema::SORT_KEY, AttributeValue::S(MARKER_SK.into()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error(e, &self.table, 0))
    }
}
