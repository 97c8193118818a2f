//! `apigw-logs create-table`: the index table exactly as `template.yaml` declares it (keys, on-demand
//! capacity, the sparse failures index, TTL, server-side encryption), from `ports::schema`. Idempotent: an
//! existing table is accepted once its keys and index are checked.

use std::time::Instant;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, SseSpecification, SseType, TableDescription, TableStatus as SdkStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};

use super::{DynamoIndex, TABLE_ACTIVE_TIMEOUT, store_error};
use crate::ports::StoreError;
use crate::ports::schema;

/// What `create-table` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStatus {
    /// The table was created.
    Created,
    /// The table already existed with the index's keys.
    Existed,
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| rejected(e.to_string()))
}

fn string_attr(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| rejected(e.to_string()))
}

fn rejected(message: String) -> StoreError {
    StoreError::Rejected {
        remaining: 0,
        source: message.clone().into(),
        message,
    }
}

fn keys_of(elements: &[KeySchemaElement]) -> Vec<(&str, &KeyType)> {
    elements.iter().map(|k| (k.attribute_name(), k.key_type())).collect()
}

/// Checks an existing table's keys and failures index against the schema.
fn check(table: &str, d: &TableDescription) -> Result<(), StoreError> {
    let mismatch = |problem: String| StoreError::SchemaMismatch {
        table: table.into(),
        problem,
    };
    let want = [
        (schema::PARTITION_KEY, &KeyType::Hash),
        (schema::SORT_KEY, &KeyType::Range),
    ];
    if keys_of(d.key_schema()) != want {
        return Err(mismatch(format!("key schema is {:?}", keys_of(d.key_schema()))));
    }
    let index = d
        .global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some(schema::FAILURES_INDEX))
        .ok_or_else(|| mismatch(format!("no global secondary index named {}", schema::FAILURES_INDEX)))?;
    let want = [
        (schema::FAILURES_PARTITION_KEY, &KeyType::Hash),
        (schema::FAILURES_SORT_KEY, &KeyType::Range),
    ];
    if keys_of(index.key_schema()) != want {
        return Err(mismatch(format!("index keys are {:?}", keys_of(index.key_schema()))));
    }
    Ok(())
}

impl DynamoIndex {
    /// Creates the table (or accepts an existing one), waits until it is active and enables TTL.
    pub async fn create_table(&self) -> Result<TableStatus, StoreError> {
        let table = &self.table;
        let failures = GlobalSecondaryIndex::builder()
            .index_name(schema::FAILURES_INDEX)
            .key_schema(key(schema::FAILURES_PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key(schema::FAILURES_SORT_KEY, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::Include)
                    .set_non_key_attributes(Some(schema::FAILURES_PROJECTED.iter().map(|a| a.to_string()).collect()))
                    .build(),
            )
            .build()
            .map_err(|e| rejected(e.to_string()))?;
        let created = self
            .client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attr(schema::PARTITION_KEY)?)
            .attribute_definitions(string_attr(schema::SORT_KEY)?)
            .attribute_definitions(string_attr(schema::FAILURES_PARTITION_KEY)?)
            .attribute_definitions(string_attr(schema::FAILURES_SORT_KEY)?)
            .key_schema(key(schema::PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key(schema::SORT_KEY, KeyType::Range)?)
            .global_secondary_indexes(failures)
            // SSEEnabled: true in the template: KMS with the AWS managed key (aws/dynamodb).
            .sse_specification(SseSpecification::builder().enabled(true).sse_type(SseType::Kms).build())
            .send()
            .await;
        let status = match created {
            Ok(_) => TableStatus::Created,
            Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ResourceInUseException") => {
                TableStatus::Existed
            }
            Err(e) => return Err(store_error(e, table, 0)),
        };
        self.wait_active().await?;
        self.enable_ttl().await?;
        Ok(status)
    }

    async fn wait_active(&self) -> Result<(), StoreError> {
        let give_up = Instant::now() + TABLE_ACTIVE_TIMEOUT;
        loop {
            let d = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|e| store_error(e, &self.table, 0))?;
            let Some(desc) = d.table() else {
                return Err(StoreError::TableNotFound {
                    table: self.table.clone(),
                });
            };
            check(&self.table, desc)?;
            let indexes_active = desc
                .global_secondary_indexes()
                .iter()
                .all(|g| g.index_status().is_none_or(|s| s.as_str() == "ACTIVE"));
            if desc.table_status() == Some(&SdkStatus::Active) && indexes_active {
                return Ok(());
            }
            if Instant::now() >= give_up {
                return Err(rejected(format!(
                    "table {} is not active after {} s",
                    self.table,
                    TABLE_ACTIVE_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }

    async fn enable_ttl(&self) -> Result<(), StoreError> {
        let current = self
            .client
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| store_error(e, &self.table, 0))?;
        let desc = current.time_to_live_description();
        let on = matches!(
            desc.and_then(|d| d.time_to_live_status()),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        );
        if on {
            return match desc.and_then(|d| d.attribute_name()) {
                Some(a) if a == schema::TTL_ATTRIBUTE => Ok(()),
                other => Err(StoreError::SchemaMismatch {
                    table: self.table.clone(),
                    problem: format!("TTL is on attribute {other:?}, not {}", schema::TTL_ATTRIBUTE),
                }),
            };
        }
        let spec = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(schema::TTL_ATTRIBUTE)
            .build()
            .map_err(|e| rejected(e.to_string()))?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error(e, &self.table, 0))
    }
}
