//! The index table's schema: the one source of truth that `create-table`, the adapter and `template.yaml`
//! agree on (a test checks the template against these constants).

/// Partition key: an API Gateway request ID or a Lambda request ID.
pub const PARTITION_KEY: &str = "request_id";
/// Sort key: the item kind and a deterministic suffix derived from CloudWatch event IDs.
pub const SORT_KEY: &str = "sk";
/// TTL attribute (epoch seconds), derived from the log events' own time, so rewrites are identical.
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// The sparse global secondary index serving `apigw-logs failures`.
pub const FAILURES_INDEX: &str = "failures";
/// Failures index partition key: the UTC day of the failure (`2023-10-30`), present only on failed requests.
pub const FAILURES_PARTITION_KEY: &str = "failure_day";
/// Failures index sort key: `<13-digit epoch ms>#<request ID>`, so a descending query is newest first.
pub const FAILURES_SORT_KEY: &str = "failure_at";
/// Non-key attributes projected into the failures index: what `failures` prints and filters on.
pub const FAILURES_PROJECTED: [&str; 9] = [
    attr::FAILURE_REASON,
    attr::STATUS,
    attr::API_ID,
    attr::STAGE,
    attr::METHOD,
    attr::RESOURCE_PATH,
    attr::LAMBDA_REQUEST_ID,
    attr::FAILURE_DETAIL,
    attr::FIRST_TIMESTAMP_MS,
];

/// The summary attributes of the items (`layout.rs` writes them, `read.rs` and `query.rs` read them): each
/// name once. Stored names: never rename one (items written before would no longer read).
pub mod attr {
    /// Whether the request completed (bool).
    pub(crate) const COMPLETE: &str = "complete";
    /// Log lines seen.
    pub(crate) const LINE_COUNT: &str = "line_count";
    /// API: the HTTP status sent; Lambda: `success`, `error` or `timeout`.
    pub const STATUS: &str = "status";
    /// The failure reason's name.
    pub(crate) const FAILURE_REASON: &str = "failure_reason";
    /// The evidence line, cut.
    pub(crate) const FAILURE_DETAIL: &str = "failure_detail";
    /// HTTP method.
    pub const METHOD: &str = "method";
    /// Resource path.
    pub(crate) const RESOURCE_PATH: &str = "resource_path";
    /// API ID.
    pub const API_ID: &str = "api_id";
    /// Stage.
    pub const STAGE: &str = "stage";
    /// The integrated Lambda's request ID (API summaries and hints).
    pub(crate) const LAMBDA_REQUEST_ID: &str = "lambda_request_id";
    /// Total latency.
    pub(crate) const LATENCY_MS: &str = "latency_ms";
    /// Integration latency.
    pub(crate) const INTEGRATION_LATENCY_MS: &str = "integration_latency_ms";
    /// Earliest line.
    pub const FIRST_TIMESTAMP_MS: &str = "first_timestamp_ms";
    /// Latest line.
    pub const LAST_TIMESTAMP_MS: &str = "last_timestamp_ms";
    /// Lambda function name.
    pub(crate) const FUNCTION_NAME: &str = "function_name";
    /// Lambda error type.
    pub(crate) const ERROR_TYPE: &str = "error_type";
    /// REPORT `Duration`.
    pub(crate) const DURATION_MS: &str = "duration_ms";
    /// REPORT `Billed Duration`.
    pub(crate) const BILLED_DURATION_MS: &str = "billed_duration_ms";
    /// REPORT `Memory Size`.
    pub(crate) const MEMORY_SIZE_MB: &str = "memory_size_mb";
    /// REPORT `Max Memory Used`.
    pub(crate) const MAX_MEMORY_USED_MB: &str = "max_memory_used_mb";
    /// REPORT `Init Duration`.
    pub(crate) const INIT_DURATION_MS: &str = "init_duration_ms";
    /// The API request a Lambda invocation served.
    pub(crate) const API_REQUEST_ID: &str = "api_request_id";
    /// A summarized success: the log group its lines were delivered from.
    pub const LOG_GROUP: &str = "log_group";
    /// A summarized success: the log stream its lines were delivered from.
    pub const LOG_STREAM: &str = "log_stream";
    /// The account whose log group sent the fragment (the delivery's `owner`), written only when it is not
    /// the indexer's own account (a central account's member): items of the indexer's own account are
    /// unchanged.
    pub const SOURCE_ACCOUNT: &str = "source_account";
}
