//! The read use cases over the [`IndexReader`] port: the whole story of one request ID, and the failures
//! list. Which keys to read is decided here; what the items mean is `read.rs`.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;

use super::read::related_ids;
use crate::ports::item::IndexItem;
use crate::ports::schema::{self, attr};
use crate::ports::{FailureFilter, IndexReader, StoreError};
use crate::timefmt::rfc3339_ms;

/// A lookup follows links across at most this many request IDs. A request and its invocation take two;
/// the cap only stops a pathological chain of links.
pub(crate) const MAX_LOOKUP_PARTITIONS: usize = 8;

/// Everything stored about one request and the requests/invocations linked to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Story {
    /// All items read.
    pub items: Vec<IndexItem>,
    /// The request IDs read, in order (the looked-up ID first).
    pub queried: Vec<String>,
    /// `Query` calls made (pages included).
    pub calls: usize,
    /// Linked IDs not read because of [`MAX_LOOKUP_PARTITIONS`].
    pub not_followed: Vec<String>,
}

/// Reads the partition of `id`, then the partitions its items point to (API request ↔ Lambda invocation).
pub async fn fetch_story<R: IndexReader>(reader: &R, id: &str) -> Result<Story, StoreError> {
    let mut story = Story::default();
    let mut seen: HashSet<String> = HashSet::from([id.to_string()]);
    let mut queue = VecDeque::from([id.to_string()]);
    while let Some(pk) = queue.pop_front() {
        if story.queried.len() == MAX_LOOKUP_PARTITIONS {
            story.not_followed.push(pk);
            continue;
        }
        let part = reader.partition(&pk).await?;
        story.calls += part.calls;
        story.queried.push(pk);
        for item in &part.items {
            for next in related_ids(item) {
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
        story.items.extend(part.items);
    }
    Ok(story)
}

/// A `failures` window can span at most this many UTC days (one `Query` each, at least): ten years, the
/// longest retention the template allows.
pub const MAX_FAILURE_DAYS: i64 = 3660;

const DAY_MS: i64 = 86_400_000;

/// The UTC days (`YYYY-MM-DD`) from `until_ms`'s back to `since_ms`'s.
pub(crate) fn days_newest_first(since_ms: i64, until_ms: i64) -> Vec<String> {
    let (first, last) = (since_ms.div_euclid(DAY_MS), until_ms.div_euclid(DAY_MS));
    (first..=last)
        .rev()
        .map(|d| rfc3339_ms(d * DAY_MS)[..10].to_string())
        .collect()
}

/// The inclusive `failure_at` range for a window: `failure_at` is `<13-digit ms>#<request id>`, and `$`
/// sorts right after `#`, so `<until>$` is above every ID logged in the last millisecond.
pub(crate) fn failure_at_bounds(since_ms: i64, until_ms: i64) -> (String, String) {
    (format!("{:013}", since_ms.max(0)), format!("{:013}$", until_ms.max(0)))
}

/// One line of `apigw-logs failures`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FailureEntry {
    /// API Gateway request ID.
    pub request_id: String,
    /// First line of the fragment that showed the failure.
    pub first_timestamp_ms: Option<i64>,
    /// Status sent to the client.
    pub status: Option<i64>,
    /// Why it failed (as seen by API Gateway's own logs; `lookup` adds the Lambda side).
    pub failure_reason: Option<String>,
    /// The evidence line (cut at 400 bytes).
    pub failure_detail: Option<String>,
    /// API ID.
    pub api_id: Option<String>,
    /// Stage.
    pub stage: Option<String>,
    /// HTTP method.
    pub method: Option<String>,
    /// Resource path.
    pub resource_path: Option<String>,
    /// The integrated Lambda's request ID.
    pub lambda_request_id: Option<String>,
}

impl FailureEntry {
    /// Reads an entry of the failures index.
    pub(crate) fn from_item(item: &IndexItem) -> Self {
        let s = |n: &str| item.s(n).map(str::to_string);
        Self {
            request_id: item.pk.clone(),
            first_timestamp_ms: item.int(attr::FIRST_TIMESTAMP_MS).or_else(|| {
                item.s(schema::FAILURES_SORT_KEY)
                    .and_then(|at| at.split('#').next())
                    .and_then(|ms| ms.parse().ok())
            }),
            status: item.int(attr::STATUS),
            failure_reason: s(attr::FAILURE_REASON),
            failure_detail: s(attr::FAILURE_DETAIL),
            api_id: s(attr::API_ID),
            stage: s(attr::STAGE),
            method: s(attr::METHOD),
            resource_path: s(attr::RESOURCE_PATH),
            lambda_request_id: s(attr::LAMBDA_REQUEST_ID),
        }
    }
}

/// What a failures listing read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailuresSummary {
    /// Entries emitted (each request once).
    pub entries: usize,
    /// `Query` calls made.
    pub calls: usize,
}

/// Lists failures in `[since_ms, until_ms]`, newest first, each request once, calling `emit` for each.
///
/// A request delivered in two batches, or logged in both the execution and the access log, has one index
/// entry per fragment. They are merged: the request's time is its earliest fragment's, and its fields come
/// from that fragment (the execution log's, which starts the request) with gaps filled from the others.
pub async fn list_failures<R: IndexReader>(
    reader: &R,
    since_ms: i64,
    until_ms: i64,
    filter: &FailureFilter,
    mut emit: impl FnMut(FailureEntry),
) -> Result<FailuresSummary, StoreError> {
    let (from, to) = failure_at_bounds(since_ms, until_ms);
    let mut entries: Vec<FailureEntry> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut summary = FailuresSummary::default();
    for day in days_newest_first(since_ms, until_ms) {
        let mut cursor = None;
        loop {
            let page = reader.failures_page(&day, &from, &to, filter, cursor).await?;
            summary.calls += 1;
            for item in &page.items {
                let entry = FailureEntry::from_item(item);
                match by_id.get(&entry.request_id) {
                    Some(&i) => entries[i].merge(entry),
                    None => {
                        by_id.insert(entry.request_id.clone(), entries.len());
                        entries.push(entry);
                    }
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    entries.sort_by(|a, b| (b.first_timestamp_ms, &b.request_id).cmp(&(a.first_timestamp_ms, &a.request_id)));
    summary.entries = entries.len();
    entries.into_iter().for_each(&mut emit);
    Ok(summary)
}

impl FailureEntry {
    /// Combines another index entry of the same request: the earlier fragment's fields win.
    fn merge(&mut self, other: FailureEntry) {
        let other_first = other
            .first_timestamp_ms
            .is_some_and(|o| self.first_timestamp_ms.is_none_or(|m| o < m));
        let (mut keep, fill) = if other_first {
            (other, std::mem::take(self))
        } else {
            (std::mem::take(self), other)
        };
        fn or<T>(a: &mut Option<T>, b: Option<T>) {
            if a.is_none() {
                *a = b;
            }
        }
        or(&mut keep.status, fill.status);
        or(&mut keep.failure_reason, fill.failure_reason);
        or(&mut keep.failure_detail, fill.failure_detail);
        or(&mut keep.api_id, fill.api_id);
        or(&mut keep.stage, fill.stage);
        or(&mut keep.method, fill.method);
        or(&mut keep.resource_path, fill.resource_path);
        or(&mut keep.lambda_request_id, fill.lambda_request_id);
        *self = keep;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_of_one_request_merge_into_the_earliest_fragments_view() {
        let entry = |t: i64, detail: &str, method: Option<&str>| FailureEntry {
            request_id: "r".into(),
            first_timestamp_ms: Some(t),
            failure_reason: Some("LambdaTimeout".into()),
            failure_detail: Some(detail.into()),
            method: method.map(str::to_string),
            ..FailureEntry::default()
        };
        let execution = entry(100, "Lambda execution failed ... Task timed out", None);
        let access = entry(1100, "error.responseType=INTEGRATION_FAILURE", Some("GET"));
        for (mut a, b) in [(access.clone(), execution.clone()), (execution, access)] {
            a.merge(b);
            assert_eq!(a.first_timestamp_ms, Some(100));
            assert_eq!(
                a.failure_detail.as_deref(),
                Some("Lambda execution failed ... Task timed out")
            );
            assert_eq!(
                a.method.as_deref(),
                Some("GET"),
                "gaps are filled from the other fragment"
            );
        }
    }

    #[test]
    fn days_and_bounds_cover_the_window() {
        let t = 1_698_670_710_123; // 2023-10-30T12:58:30.123Z
        assert_eq!(
            days_newest_first(t - 2 * DAY_MS, t),
            ["2023-10-30", "2023-10-29", "2023-10-28"]
        );
        assert_eq!(days_newest_first(t, t), ["2023-10-30"]);
        let (lo, hi) = failure_at_bounds(t - 1000, t);
        assert!(lo.as_str() <= "1698670709123#x" && "1698670710123#zzz" <= hi.as_str());
        assert!("1698670710124#a" > hi.as_str());
    }
}
