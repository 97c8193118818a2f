//! How successful requests are kept (`SUCCESS_STORAGE`): in full like failures, as one summary item each,
//! or not at all (metrics only). Failures always keep their full story: only a fragment that shows the
//! whole success in its own batch (its completion line and no failure evidence) is summarized; a
//! fragment whose outcome is not known yet (its completion is in a later batch) is kept in full, since the
//! request may still fail. Under `summary` and `off` a clean invocation (the platform reports a plain
//! success, `clean.rs`) is not indexed either; every other invocation is, whatever the knob. Pure.
//!
//! The summary item is `api#ok` under the API request ID: a fixed key, so a retried batch, or a second
//! source that also saw the completion, rewrites the same single item. It holds what `lookup` shows
//! (status, route, latency, the Lambda request ID) and where the request's lines are in CloudWatch Logs
//! (group, stream, time window), within one write unit.

use crate::classify::ClassifiedApi;
use crate::timefmt::rfc3339_ms;

use super::part::truncate_marked;
use crate::ports::item::{AttrValue, IndexItem, WRITE_UNIT_BYTES};
use crate::ports::schema::{self, attr};

/// The sort key of a summarized success: an `api#` item without data, so every reader of API summaries
/// reads it. `ok` cannot be a key form of an event ID (digits, `h<hex>` or `t<digits>`).
pub const SUMMARY_SK: &str = "api#ok";

/// The most a summary item may take: one write unit.
pub const MAX_SUMMARY_ITEM_BYTES: usize = WRITE_UNIT_BYTES;

/// Default `SUCCESS_TTL_DAYS`: a week to look a success up (the summary points at its lines, which
/// CloudWatch Logs keeps for its own retention).
pub const DEFAULT_SUCCESS_TTL_DAYS: u32 = 7;

/// `SUCCESS_STORAGE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SuccessStorage {
    /// Every fragment in full, as failures are.
    Full,
    /// One summary item per successful request ([`SUMMARY_SK`]).
    #[default]
    Summary,
    /// Nothing: successes are in the metrics only.
    Off,
}

impl SuccessStorage {
    /// Every value, with its name (`SUCCESS_STORAGE`, the template's `SuccessStorage`).
    pub const ALL: [(&'static str, Self); 3] = [("full", Self::Full), ("summary", Self::Summary), ("off", Self::Off)];

    /// The value named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(_, s)| *s == self).map_or("full", |(n, _)| n)
    }
}

/// How successes are kept, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuccessPolicy {
    /// Full, summary or off.
    pub storage: SuccessStorage,
    /// TTL of summary items, in days after the request's last line.
    pub ttl_days: u32,
}

impl SuccessPolicy {
    /// Successes kept in full, as before the knob existed.
    pub const FULL: Self = Self {
        storage: SuccessStorage::Full,
        ttl_days: DEFAULT_SUCCESS_TTL_DAYS,
    };
}

impl Default for SuccessPolicy {
    fn default() -> Self {
        Self {
            storage: SuccessStorage::default(),
            ttl_days: DEFAULT_SUCCESS_TTL_DAYS,
        }
    }
}

/// Where a batch's lines are in CloudWatch Logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogLocation {
    /// Log group.
    pub group: String,
    /// Log stream.
    pub stream: String,
    /// The sending account, only when it is not the indexer's own (`attr::SOURCE_ACCOUNT`).
    pub account: Option<String>,
}

/// Whether an API fragment shows, within its own batch, a request that completed without failure.
pub fn known_success(c: &ClassifiedApi<'_>) -> bool {
    let rec = &c.record;
    rec.complete && rec.failure_reason.is_none() && rec.status.is_some_and(|s| s < 400)
}

/// The one item of a summarized success, at most [`MAX_SUMMARY_ITEM_BYTES`]: when long names would pass it,
/// the location, then the other names, give way and the route is cut. `None` when even the keys do not
/// fit (request IDs far longer than real ones): the caller keeps that fragment in full.
pub fn summary_item(
    c: &ClassifiedApi<'_>,
    lambda_id: Option<&str>,
    ttl_days: u32,
    at: Option<&LogLocation>,
) -> Option<IndexItem> {
    let (frag, rec) = (&c.fragment, &c.record);
    let last_s = rec.last_timestamp_ms.unwrap_or(0).max(0) / 1000;
    let s = |v: &str| AttrValue::S(v.to_string());
    let mut item = IndexItem::new(&*frag.request_id, SUMMARY_SK)
        .with(
            schema::TTL_ATTRIBUTE,
            AttrValue::int(last_s + i64::from(ttl_days) * 86_400),
        )
        .with(attr::COMPLETE, AttrValue::Bool(true))
        .with(attr::LINE_COUNT, AttrValue::int(rec.line_count));
    item.set_opt(attr::STATUS, rec.status.map(AttrValue::int));
    item.set_opt(attr::METHOD, rec.method.as_deref().map(s));
    item.set_opt(attr::API_ID, rec.api_id.as_deref().map(s));
    item.set_opt(attr::STAGE, rec.stage.as_deref().map(s));
    item.set_opt(attr::LAMBDA_REQUEST_ID, lambda_id.map(s));
    item.set_opt(attr::LATENCY_MS, rec.latency_ms.map(AttrValue::int));
    item.set_opt(
        attr::INTEGRATION_LATENCY_MS,
        rec.integration_latency_ms.map(AttrValue::int),
    );
    item.set_opt(attr::FIRST_TIMESTAMP_MS, rec.first_timestamp_ms.map(AttrValue::int));
    item.set_opt(attr::LAST_TIMESTAMP_MS, rec.last_timestamp_ms.map(AttrValue::int));
    if let Some(at) = at {
        item.set_opt(attr::LOG_GROUP, (!at.group.is_empty()).then(|| s(&at.group)));
        item.set_opt(attr::LOG_STREAM, (!at.stream.is_empty()).then(|| s(&at.stream)));
        // 12 digits: it never gives way (whose lines these are matters more than where they are).
        item.set_opt(attr::SOURCE_ACCOUNT, at.account.as_deref().map(s));
    }
    // Long names (a stream or group name can take 512 bytes) give way in this order; the route goes in last,
    // cut to what is left. Real request IDs are at most 64 characters, so the keys always fit.
    const ROUTE_ROOM: usize = 64;
    for name in [
        attr::LOG_STREAM,
        attr::LOG_GROUP,
        attr::METHOD,
        attr::STAGE,
        attr::API_ID,
        attr::LAMBDA_REQUEST_ID,
    ] {
        if item.size() + ROUTE_ROOM <= MAX_SUMMARY_ITEM_BYTES {
            break;
        }
        item.attrs.remove(name);
    }
    if item.size() > MAX_SUMMARY_ITEM_BYTES {
        return None;
    }
    if let Some(path) = rec.resource_path.as_deref() {
        let left = MAX_SUMMARY_ITEM_BYTES.saturating_sub(item.size() + attr::RESOURCE_PATH.len());
        if path.len() <= left || left >= ROUTE_ROOM {
            item.attrs.insert(
                attr::RESOURCE_PATH.into(),
                AttrValue::S(truncate_marked(path, left).into_owned()),
            );
        }
    }
    debug_assert!(item.size() <= MAX_SUMMARY_ITEM_BYTES, "{}", item.size());
    Some(item)
}

/// Whether an item is a summarized success.
pub fn is_summary(item: &IndexItem) -> bool {
    item.sk == SUMMARY_SK
}

/// A one-line description of where a summarized success's lines are, for `lookup`.
pub fn where_lines_are(item: &IndexItem) -> Option<String> {
    if !is_summary(item) {
        return None;
    }
    let window = match (item.int(attr::FIRST_TIMESTAMP_MS), item.int(attr::LAST_TIMESTAMP_MS)) {
        (Some(a), Some(b)) => format!("{} to {}", rfc3339_ms(a), rfc3339_ms(b)),
        _ => "an unknown time".into(),
    };
    let group = item.s(attr::LOG_GROUP).unwrap_or("(group not recorded)");
    let stream = item.s(attr::LOG_STREAM).unwrap_or("(stream not recorded)");
    Some(format!(
        "summarized success: log group {group}, stream {stream}, {window} (lookup --fetch-lines reads them)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify_api;
    use crate::fragment::{ApiFragment, LineSource};

    fn success(id: &str, path: &str) -> ClassifiedApi<'static> {
        let mut f = ApiFragment::new(id.to_string());
        f.status = Some(200);
        f.complete = true;
        f.completed_by = Some(LineSource::Execution);
        f.method = Some("GET".into());
        f.resource_path = Some(path.to_string().into());
        f.api_id = Some("a1b2c3d4e5".into());
        f.stage = Some("dev".into());
        f.response_latency_ms = Some(180);
        f.core.touch(1_698_670_710_000);
        f.core.touch(1_698_670_710_180);
        let record = classify_api(&f, None);
        ClassifiedApi { fragment: f, record }
    }

    #[test]
    fn a_summary_fits_one_write_unit_whatever_the_names() {
        let id = "0b1c2d3e-1111-4222-8333-444455556666";
        let lambda = "9f8e7d6c-1111-4222-8333-444455556666";
        let long = |c: char, n: usize| c.to_string().repeat(n);
        let cases = [
            (
                String::from("/orders"),
                LogLocation {
                    group: "API-Gateway-Execution-Logs_a1b2c3d4e5/dev".into(),
                    stream: "0123456789abcdef0123456789abcdef".into(),
                    account: None,
                },
            ),
            (
                long('p', 2000),
                LogLocation {
                    group: long('g', 512),
                    stream: long('s', 512),
                    // A member account's success (central destination): its account is kept too.
                    account: Some("210987654321".into()),
                },
            ),
        ];
        for (path, at) in cases {
            let c = success(id, &path);
            assert!(known_success(&c));
            let item = summary_item(&c, Some(lambda), 7, Some(&at)).expect("fits");
            assert!(item.size() <= MAX_SUMMARY_ITEM_BYTES, "{}", item.size());
            assert_eq!((item.pk.as_str(), item.sk.as_str()), (id, SUMMARY_SK));
            assert_eq!(item.int(attr::STATUS), Some(200));
            assert_eq!(item.s(attr::LAMBDA_REQUEST_ID), Some(lambda));
            assert_eq!(item.int(schema::TTL_ATTRIBUTE), Some(1_698_670_710 + 7 * 86_400));
            assert_eq!(item.s(attr::SOURCE_ACCOUNT), at.account.as_deref());
            assert!(
                item.s(attr::RESOURCE_PATH)
                    .is_some_and(|p| path.starts_with(p.split(' ').next().unwrap()))
            );
            if path.len() < 100 {
                assert_eq!(
                    item.s(attr::LOG_GROUP),
                    Some(at.group.as_str()),
                    "short names are all kept"
                );
                assert!(where_lines_are(&item).unwrap().contains(&at.stream));
            }
        }
        // A request ID far longer than a real one: the keys alone pass a write unit, so no summary.
        assert!(summary_item(&success(&long('x', 1100), "/"), None, 7, None).is_none());
        // A failure is never a known success.
        let mut failed = success(id, "/");
        failed.record.failure_reason = Some(crate::reason::FailureReason::LambdaTimeout);
        assert!(!known_success(&failed));
    }
}
