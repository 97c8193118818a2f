//! The log-lines port: reading one request's lines back from CloudWatch Logs on demand, for a success the
//! index keeps only as a summary (`SUCCESS_STORAGE=summary`). Bounded by construction: one group, the
//! recorded stream when known, a time window and a filter pattern, and at most [`MAX_FILTER_CALLS`] pages.

use std::future::Future;

use super::onboard::OnboardResult;

/// Pages read at most per fetch: `FilterLogEvents` returns up to 1 MB or 10,000 events per page (CloudWatch
/// Logs API reference, FilterLogEvents), so ten pages are far past one request's lines; the cap only stops
/// a window that is too wide from scanning on.
pub const MAX_FILTER_CALLS: usize = 10;

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinesQuery {
    /// Log group.
    pub group: String,
    /// Log stream, when recorded: the scan is then that stream's only.
    pub stream: Option<String>,
    /// Window start (epoch ms, inclusive).
    pub start_ms: i64,
    /// Window end (epoch ms, inclusive).
    pub end_ms: i64,
    /// The request ID: only events containing it as a term are returned.
    pub request_id: String,
}

/// One event read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedLine {
    /// The event's timestamp.
    pub timestamp_ms: i64,
    /// Its stream.
    pub stream: String,
    /// Its message, as CloudWatch Logs holds it (not redacted: the caller redacts before printing).
    pub message: String,
}

/// What a fetch read and what it took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    /// The matching events, in time order.
    pub lines: Vec<FetchedLine>,
    /// `FilterLogEvents` calls made.
    pub calls: usize,
    /// The window had more pages than [`MAX_FILTER_CALLS`]: narrow it to see the rest.
    pub truncated: bool,
}

/// Reads log events back.
pub trait LogLines {
    /// The events of `query`'s group (and stream) within its window that contain its request ID.
    fn fetch(&self, query: &LinesQuery) -> impl Future<Output = OnboardResult<Fetched>> + Send;
}

/// The filter pattern matching events that contain `id` as a term (a quoted term matches it exactly,
/// hyphens included: "Filter pattern syntax", CloudWatch Logs user guide). `None` for an ID with
/// characters a pattern would read as syntax (real API Gateway and Lambda IDs are hex and hyphens).
pub fn id_pattern(id: &str) -> Option<String> {
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).then(|| format!("\"{id}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_become_patterns() {
        assert_eq!(
            id_pattern("c0ffee00-1111-4222-8333-444455556666").as_deref(),
            Some("\"c0ffee00-1111-4222-8333-444455556666\"")
        );
        for bad in ["", "a b", "x\"y", "a*", "-?{$.x}"] {
            assert_eq!(id_pattern(bad), None, "{bad}");
        }
    }
}
