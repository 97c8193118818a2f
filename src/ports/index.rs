//! The index port: how the core writes and reads the request index, and its errors.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Instant;

use super::item::{AttrValue, IndexItem};

/// A boxed error source (an SDK error, kept whole for its context).
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Items written.
    pub items: usize,
    /// `BatchWriteItem` calls made (retries included).
    pub calls: usize,
    /// Retries (calls that resent unprocessed or throttled items).
    pub retries: usize,
    /// Items the store refused as invalid, each counted and logged by key; the others were written.
    pub rejected: usize,
}

/// Why the index could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The caller's deadline passed with items unwritten. Retrying the whole batch is safe (idempotent).
    #[error("{remaining} of {total} index items not written when the deadline passed{}", last_error_suffix(.last_error))]
    Deadline {
        /// Items not confirmed written.
        remaining: usize,
        /// Items in all.
        total: usize,
        /// The last throttling or service message seen, if any.
        last_error: Option<String>,
    },
    /// The table does not exist.
    #[error("table {table} does not exist (create it with `apigw-logs create-table`)")]
    TableNotFound {
        /// Table name.
        table: String,
    },
    /// The endpoint could not be reached or did not answer (connection, DNS, TLS, timeout).
    #[error("cannot reach DynamoDB: {message}")]
    Unreachable {
        /// The cause, rendered with its error context.
        message: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The service refused the request (credentials, permissions, validation) and retrying cannot help.
    #[error("DynamoDB refused the request{}: {message}", remaining_suffix(*.remaining))]
    Rejected {
        /// Items not written, for writes.
        remaining: usize,
        /// The service's code and message, rendered with its error context.
        message: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The AWS SDK found no region or no credentials to sign with, so nothing was sent.
    #[error("no AWS {missing} found")]
    NotConfigured {
        /// What is missing.
        missing: MissingSetting,
        /// The SDK's error.
        #[source]
        source: BoxError,
    },
    /// The table exists with another key schema or without the failures index.
    #[error("table {table} does not match the index schema: {problem}")]
    SchemaMismatch {
        /// Table name.
        table: String,
        /// What differs.
        problem: String,
    },
}

fn last_error_suffix(e: &Option<String>) -> String {
    e.as_deref().map(|m| format!(" (last error: {m})")).unwrap_or_default()
}

fn remaining_suffix(remaining: usize) -> String {
    if remaining > 0 {
        format!(" with {remaining} items unwritten")
    } else {
        String::new()
    }
}

/// A setting every AWS call needs, which the caller did not provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingSetting {
    /// The region (to sign with and to find the endpoint).
    Region,
    /// Credentials.
    Credentials,
}

impl std::fmt::Display for MissingSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Region => "region",
            Self::Credentials => "credentials",
        })
    }
}

impl StoreError {
    /// Stable, low-cardinality code (Lambda `error_type`, logs, metrics).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Deadline { .. } => "index_deadline",
            Self::TableNotFound { .. } => "index_table_not_found",
            Self::Unreachable { .. } => "index_unreachable",
            Self::Rejected { .. } => "index_rejected",
            Self::SchemaMismatch { .. } => "index_schema_mismatch",
            Self::NotConfigured { .. } => "index_not_configured",
        }
    }

    /// Items not written, when this came from a write.
    pub const fn remaining(&self) -> usize {
        match self {
            Self::Deadline { remaining, .. } | Self::Rejected { remaining, .. } => *remaining,
            _ => 0,
        }
    }
}

/// Writes index items. Implementations must be idempotent per key (a put replaces the item), must never
/// drop an item silently, and must give up at `deadline` with an error naming what remains.
pub trait IndexWriter {
    /// Writes every item, or fails saying how many remain.
    fn write(
        &self,
        items: Vec<IndexItem>,
        deadline: Instant,
    ) -> impl Future<Output = Result<WriteReport, StoreError>> + Send;
}

/// The items stored under one request ID, and what reading them took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partition {
    /// Every item with this partition key.
    pub items: Vec<IndexItem>,
    /// `Query` calls made (one per page).
    pub calls: usize,
}

/// Where a failures query continues (DynamoDB's `LastEvaluatedKey`).
pub(crate) type Cursor = BTreeMap<String, AttrValue>;

/// One page of the failures index for one day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailuresPage {
    /// Entries, newest first.
    pub items: Vec<IndexItem>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// Filters applied by the index (a `FilterExpression`: they save transfer, not read units).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureFilter {
    /// `failure_reason` equals this.
    pub reason: Option<String>,
    /// `api_id` equals this.
    pub api_id: Option<String>,
    /// `stage` equals this.
    pub stage: Option<String>,
}

/// Reads the index.
pub trait IndexReader {
    /// Every item under `id` (all pages).
    fn partition(&self, id: &str) -> impl Future<Output = Result<Partition, StoreError>> + Send;

    /// One page of the failures index for `day`, with `failure_at` between `from` and `to` (inclusive),
    /// newest first.
    fn failures_page(
        &self,
        day: &str,
        from: &str,
        to: &str,
        filter: &FailureFilter,
        cursor: Option<Cursor>,
    ) -> impl Future<Output = Result<FailuresPage, StoreError>> + Send;
}
