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
    "failure_reason",
    "status",
    "api_id",
    "stage",
    "method",
    "resource_path",
    "lambda_request_id",
    "failure_detail",
    "first_timestamp_ms",
];
