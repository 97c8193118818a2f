//! The declared log sources of `EXECUTION_LOG_GROUPS`: which log groups and S3 prefixes hold a stage's
//! delivered execution logs, checked once at start-up.

use super::{ConfigError, EXECUTION_LOG_GROUPS};
use crate::parse::delivered::ExecutionLogGroup;

/// `EXECUTION_LOG_GROUPS`: each entry `group=api/stage`, a valid group name, no group declared twice or also
/// as an access-log group (one group, one parser).
pub(super) fn execution_log_groups(
    value: Option<String>,
    access: &[String],
) -> Result<Vec<ExecutionLogGroup>, ConfigError> {
    let mut groups: Vec<ExecutionLogGroup> = Vec::new();
    for entry in value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let bad = |allowed: &'static str| ConfigError::Invalid {
            name: EXECUTION_LOG_GROUPS,
            value: entry.to_string(),
            allowed,
        };
        let g = ExecutionLogGroup::parse(entry)
            .filter(|g| log_group_name_ok(&g.group) || s3_prefix_ok(&g.group))
            .ok_or_else(|| {
                bad(
                    "group=api/stage or s3://bucket/prefix=api/stage entries (a log group name or an S3 bucket \
                     and key prefix, a REST API ID, a stage), separated by commas",
                )
            })?;
        if groups.iter().any(|o| o.group == g.group) || access.contains(&g.group) {
            return Err(bad("each log group once, and not also in ACCESS_LOG_GROUPS"));
        }
        groups.push(g);
    }
    Ok(groups)
}

/// `s3://bucket/prefix` with a valid bucket name (3-63 characters of `[a-z0-9.-]`, "Bucket naming rules",
/// Amazon S3 User Guide) and a prefix no longer than a key (1,024 bytes).
fn s3_prefix_ok(declared: &str) -> bool {
    crate::s3_delivery::split_s3(declared).is_some_and(|(bucket, prefix)| {
        (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'))
            && prefix.len() <= 1024
    })
}

/// A valid CloudWatch Logs group name (CreateLogGroup: 1-512 characters of `[\.\-_/#A-Za-z0-9]`).
pub(super) fn log_group_name_ok(name: &str) -> bool {
    (1..=512).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'#'))
}

/// Checks one `EXECUTION_LOG_GROUPS` value as the function will read it at start-up (what
/// `setup-logging --delivery` prints is checked by the same rule).
pub fn check_execution_log_groups(value: &str) -> Result<(), ConfigError> {
    execution_log_groups(Some(value.to_string()), &[]).map(|_| ())
}
