//! Item layout, write side: one batch's fragments → index items. Deterministic: the same batch always gives
//! the same items (keys from CloudWatch event IDs, TTL from log time), so a rewrite changes nothing.
//!
//! Per API fragment (one request's lines in one batch):
//! - `api#<eid>` under the API request ID: the summary attributes (and the failures-index keys, when it is
//!   a failure worth listing). When the fragment does not know its Lambda request ID, it also holds `data`.
//! - `link#<api request id>#<eid>` under the Lambda request ID, when the fragment knows it: the fragment's
//!   `data`. It makes the Lambda ID reach the API request, and puts the API lines next to the Lambda's.
//!
//! Per Lambda fragment: `lambda#<eid>` under the Lambda request ID, summary and `data`; and when the
//! function's own log names the API request it served (a hint: `correlate.rs`), a small
//! `hint#<lambda request id>#<eid>` under that API request ID, so a lookup by either ID reaches the other.
//! `<eid>` is the fragment's first CloudWatch event ID. A fragment whose data passes one part's budget
//! continues in `<sk>#p1`, `<sk>#p2`, ... See `docs/data-model.md`. Pure.

use std::collections::HashSet;

use crate::classify::{ClassifiedApi, ClassifiedBatch, ClassifiedLambda};
use crate::fragment::{FragmentCore, Line};
use crate::reason::FailureReason;
use crate::redact::Redacted;
use crate::timefmt::rfc3339_ms;

pub use super::bounds::{MAX_FIELD_BYTES, MAX_REQUEST_ID_BYTES};
use super::bounds::{bounded_api, bounded_lambda, valid_id};
use super::clean;
use super::part::{self, truncate_marked};
use super::success::{self, LogLocation, SuccessPolicy, SuccessStorage};
use crate::ports::item::{
    AttrValue, IndexItem, MAX_ITEM_BYTES, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, WRITE_UNIT_BYTES,
    is_valid_number, units,
};
use crate::ports::schema::{self, attr};

/// Sort key prefix of an API fragment's summary (under the API request ID).
pub(crate) const API_PREFIX: &str = "api#";
/// Sort key prefix of an API fragment's data under its Lambda request ID.
pub(crate) const LINK_PREFIX: &str = "link#";
/// Sort key prefix of a Lambda fragment (under the Lambda request ID).
pub(crate) const LAMBDA_PREFIX: &str = "lambda#";
/// Sort key prefix of `hint#<lambda request id>#<eid>`, under the API request ID a Lambda fragment's own
/// log names: it lets a lookup by the API ID reach the invocation when no API Gateway log names it.
pub(crate) const HINT_PREFIX: &str = "hint#";
/// Marks continuation parts: `<sk>#p1`, `<sk>#p2`, ...
pub(crate) const PART_SUFFIX: &str = "#p";

/// Attribute holding the compressed fragment (`part.rs`, `blob.rs`).
pub const DATA: &str = "data";
/// Attribute on part 0 giving the number of parts, present only when there are several.
pub(crate) const PARTS: &str = "parts";

/// `failure_detail` (projected into the failures index) is cut to this length: the whole line is in `data`.
pub(crate) const MAX_FAILURE_DETAIL_BYTES: usize = 400;
/// CloudWatch event IDs are 56 digits; anything longer or with other characters is hashed into the key.
const MAX_EVENT_ID_BYTES: usize = 100;

/// How items are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOptions {
    /// Days an item lives after its fragment's last line (`RETENTION_DAYS`).
    pub retention_days: u32,
    /// How successful requests are kept (`SUCCESS_STORAGE`, `SUCCESS_TTL_DAYS`).
    pub success: SuccessPolicy,
    /// Where the batch came from (recorded on summarized successes; its account, on every fragment).
    pub location: Option<LogLocation>,
}

impl ItemOptions {
    /// Every fragment in full for `retention_days` (the layout before `SUCCESS_STORAGE`).
    pub const fn full(retention_days: u32) -> Self {
        Self {
            retention_days,
            success: SuccessPolicy::FULL,
            location: None,
        }
    }
}

/// One batch's items and what went into them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchItems {
    /// The items, keys unique.
    pub items: Vec<IndexItem>,
    /// API fragments indexed.
    pub api_fragments: usize,
    /// Lambda fragments indexed.
    pub lambda_fragments: usize,
    /// API fragments that show a failure.
    pub failures: usize,
    /// Fragments skipped because their request ID is empty or absurdly long.
    pub skipped_fragments: usize,
    /// Numbers left out of the summary attributes because DynamoDB cannot store them (out of range).
    pub numbers_dropped: usize,
    /// Items left out because a key or the item is past DynamoDB's size limits (none by construction).
    pub items_dropped: usize,
    /// API fragments of successes kept as one summary item (`SUCCESS_STORAGE=summary`) or not at all (`off`).
    pub successes_summarized: usize,
    /// Clean invocations not indexed (`SUCCESS_STORAGE=summary` or `off`: `clean.rs`).
    pub invocations_not_indexed: usize,
}

impl BatchItems {
    /// Write units of a first write of all items (failures index included).
    pub fn write_units(&self) -> u64 {
        self.items.iter().map(IndexItem::write_units).sum()
    }
}

/// The key form of a fragment's first event ID: the ID itself, or a stable hash of anything unusual.
fn key_event_id(lines: &[Line<'_>], first_ms: Option<i64>) -> String {
    match lines.first() {
        Some(l)
            if !l.event_id.is_empty()
                && l.event_id.len() <= MAX_EVENT_ID_BYTES
                && l.event_id.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            l.event_id.to_string()
        }
        Some(l) => format!("h{:016x}", fnv1a(l.event_id.as_bytes())),
        None => format!("t{}", first_ms.unwrap_or(0)),
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn s(v: impl Into<String>) -> AttrValue {
    AttrValue::S(v.into())
}

/// A summary attribute read from log text: only ever a record's [`Redacted`] field, cut to `max` bytes.
fn field_within(v: &Redacted<'_>, max: usize) -> AttrValue {
    AttrValue::S(truncate_marked(v, max).into_owned())
}

fn field(v: &Redacted<'_>) -> AttrValue {
    field_within(v, MAX_FIELD_BYTES)
}

fn expires_at(last_ms: Option<i64>, opts: &ItemOptions) -> AttrValue {
    let last_s = last_ms.unwrap_or(0).max(0) / 1000;
    AttrValue::int(last_s + i64::from(opts.retention_days) * 86_400)
}

/// The compressed parts of a fragment: part 0 carries the state, every part at most one budget of JSON.
fn data_parts(state_json: &str, lines: &[Line<'_>], t0: i64, head: &IndexItem) -> Vec<Vec<u8>> {
    let hint = lines.iter().map(|l| l.message.len() + 16).sum();
    // What part 0's blob may take and keep its item (`head`, which carries it) within one write unit.
    let room = WRITE_UNIT_BYTES.saturating_sub(head.size() + DATA.len());
    let mut builder = part::PartsBuilder::new(t0, state_json, room, hint);
    for line in lines {
        builder.push(line);
    }
    builder.finish()
}

/// Puts `parts` on `head` (part 0) and continuation items; returns them all.
fn with_parts(mut head: IndexItem, parts: Vec<Vec<u8>>, expires: &AttrValue) -> Vec<IndexItem> {
    if parts.len() > 1 {
        head.attrs.insert(PARTS.into(), AttrValue::int(parts.len() as i64));
    }
    let (pk, sk) = (head.pk.clone(), head.sk.clone());
    let mut out = Vec::with_capacity(parts.len());
    for (i, data) in parts.into_iter().enumerate() {
        if i == 0 {
            head.attrs.insert(DATA.into(), AttrValue::B(data));
            out.push(std::mem::replace(&mut head, IndexItem::new("", "")));
        } else {
            out.push(
                IndexItem::new(pk.clone(), format!("{sk}{PART_SUFFIX}{i}"))
                    .with(schema::TTL_ATTRIBUTE, expires.clone())
                    .with(DATA, AttrValue::B(data)),
            );
        }
    }
    out
}

/// The sending account, when the batch came from another account than the indexer's.
fn source_account(opts: &ItemOptions) -> Option<AttrValue> {
    opts.location.as_ref().and_then(|l| l.account.as_deref()).map(s)
}

/// Whether a fragment's failure belongs in the failures index: a reason, and either the answer (the
/// completion line, or a `Gateway response type: ... with status code: N` line) or named evidence. A
/// generic `Backend*`/`Other*` guess from a fragment that saw neither would only add noise.
fn listable(reason: FailureReason, answered: bool) -> bool {
    use FailureReason::*;
    answered || !matches!(reason, Backend5XX | Backend4XX | Other5XX | Other4XX)
}

/// What every item of one fragment shares: the key form of its first event ID, its expiry, the time its
/// line offsets count from, and its lines.
struct Shared<'f, 'a> {
    eid: String,
    expires: AttrValue,
    t0: i64,
    lines: &'f [Line<'a>],
}

impl<'f, 'a> Shared<'f, 'a> {
    fn of(core: &'f FragmentCore<'a>, opts: &ItemOptions) -> Self {
        Self {
            eid: key_event_id(core.lines(), core.first_timestamp_ms()),
            expires: expires_at(core.last_timestamp_ms(), opts),
            t0: core.first_timestamp_ms().unwrap_or(0),
            lines: core.lines(),
        }
    }
}

fn api_items(c: &ClassifiedApi<'_>, opts: &ItemOptions, out: &mut BatchItems) {
    let (frag, rec) = (&c.fragment, &c.record);
    let lambda_id = frag.lambda_request_id.as_deref().filter(|l| valid_id(l));
    if opts.success.storage != SuccessStorage::Full && success::known_success(c) {
        let summary = match opts.success.storage {
            SuccessStorage::Summary => {
                success::summary_item(c, lambda_id, opts.success.ttl_days, opts.location.as_ref()).map(Some)
            }
            _ => Some(None),
        };
        // `None`: even the keys would pass one write unit; the fragment is kept in full below.
        if let Some(summary) = summary {
            out.items.extend(summary);
            out.successes_summarized += 1;
            out.api_fragments += 1;
            return;
        }
    }
    let Shared {
        eid,
        expires,
        t0,
        lines,
    } = Shared::of(&frag.core, opts);
    let state_json = part::state_json(&bounded_api(frag));

    let mut summary = IndexItem::new(&*frag.request_id, format!("{API_PREFIX}{eid}"))
        .with(schema::TTL_ATTRIBUTE, expires.clone())
        .with(attr::COMPLETE, AttrValue::Bool(rec.complete))
        .with(attr::LINE_COUNT, AttrValue::int(rec.line_count));
    summary.set_opt(attr::STATUS, rec.status.map(AttrValue::int));
    summary.set_opt(attr::FAILURE_REASON, rec.failure_reason.map(|r| s(r.as_str())));
    summary.set_opt(attr::METHOD, rec.method.as_ref().map(field));
    summary.set_opt(attr::RESOURCE_PATH, rec.resource_path.as_ref().map(field));
    summary.set_opt(attr::API_ID, rec.api_id.as_ref().map(field));
    summary.set_opt(attr::STAGE, rec.stage.as_ref().map(field));
    summary.set_opt(attr::LAMBDA_REQUEST_ID, lambda_id.map(s));
    summary.set_opt(attr::SOURCE_ACCOUNT, source_account(opts));
    summary.set_opt(attr::LATENCY_MS, rec.latency_ms.map(AttrValue::int));
    summary.set_opt(
        attr::INTEGRATION_LATENCY_MS,
        rec.integration_latency_ms.map(AttrValue::int),
    );
    summary.set_opt(attr::FIRST_TIMESTAMP_MS, rec.first_timestamp_ms.map(AttrValue::int));
    summary.set_opt(attr::LAST_TIMESTAMP_MS, rec.last_timestamp_ms.map(AttrValue::int));
    if let Some(reason) = rec.failure_reason {
        out.failures += 1;
        let detail = rec
            .failure_detail
            .as_ref()
            .map(|d| field_within(d, MAX_FAILURE_DETAIL_BYTES));
        summary.set_opt(attr::FAILURE_DETAIL, detail);
        let answered = rec.complete || frag.gateway_response_status.is_some();
        if let (true, Some(at)) = (listable(reason, answered), rec.first_timestamp_ms) {
            let at = at.clamp(0, 9_999_999_999_999);
            summary
                .attrs
                .insert(schema::FAILURES_PARTITION_KEY.into(), s(&rfc3339_ms(at)[..10]));
            summary.attrs.insert(
                schema::FAILURES_SORT_KEY.into(),
                s(format!("{at:013}#{}", frag.request_id)),
            );
        }
    }
    match lambda_id {
        Some(lambda_id) => {
            out.items.push(summary);
            let link = IndexItem::new(lambda_id, format!("{LINK_PREFIX}{}#{eid}", frag.request_id))
                .with(schema::TTL_ATTRIBUTE, expires.clone());
            let parts = data_parts(&state_json, lines, t0, &link);
            out.items.extend(with_parts(link, parts, &expires));
        }
        None => {
            let parts = data_parts(&state_json, lines, t0, &summary);
            out.items.extend(with_parts(summary, parts, &expires));
        }
    }
    out.api_fragments += 1;
}

/// `clean`: a clean invocation under `summary`/`off`, of which only the `hint#` item is kept.
fn lambda_items(c: &ClassifiedLambda<'_>, opts: &ItemOptions, clean: bool, out: &mut BatchItems) {
    let (frag, rec) = (&c.fragment, &c.record);
    if clean {
        let expires = expires_at(frag.core.last_timestamp_ms(), opts);
        let eid = key_event_id(frag.core.lines(), frag.core.first_timestamp_ms());
        hint_item(c, &eid, expires, out);
        out.invocations_not_indexed += 1;
        return;
    }
    let Shared {
        eid,
        expires,
        t0,
        lines,
    } = Shared::of(&frag.core, opts);
    let state_json = part::state_json(&bounded_lambda(frag));
    // A number DynamoDB refuses would fail the whole write call: it is left out and counted (the state in
    // `data` keeps it, as JSON).
    let mut num = |v: Option<f64>| {
        let n = v.map(AttrValue::float);
        out.numbers_dropped += usize::from(matches!(n, Some(None)));
        n.flatten()
    };

    let mut item = IndexItem::new(&*frag.request_id, format!("{LAMBDA_PREFIX}{eid}"))
        .with(schema::TTL_ATTRIBUTE, expires.clone())
        .with(attr::LINE_COUNT, AttrValue::int(rec.line_count));
    item.set_opt(attr::FUNCTION_NAME, rec.function_name.as_ref().map(field));
    item.set_opt(attr::SOURCE_ACCOUNT, source_account(opts));
    item.set_opt(attr::STATUS, rec.status.map(|st| s(st.as_str())));
    item.set_opt(attr::ERROR_TYPE, rec.error_type.as_ref().map(field));
    item.set_opt(attr::FAILURE_REASON, rec.failure_reason.map(|r| s(r.as_str())));
    item.set_opt(attr::DURATION_MS, num(rec.duration_ms));
    item.set_opt(attr::BILLED_DURATION_MS, rec.billed_duration_ms.map(AttrValue::int));
    item.set_opt(attr::MEMORY_SIZE_MB, rec.memory_size_mb.map(AttrValue::int));
    item.set_opt(attr::MAX_MEMORY_USED_MB, rec.max_memory_used_mb.map(AttrValue::int));
    item.set_opt(attr::INIT_DURATION_MS, num(rec.init_duration_ms));
    item.set_opt(
        attr::API_REQUEST_ID,
        rec.api_request_id.as_deref().filter(|a| valid_id(a)).map(s),
    );
    item.set_opt(attr::FIRST_TIMESTAMP_MS, rec.first_timestamp_ms.map(AttrValue::int));
    item.set_opt(attr::LAST_TIMESTAMP_MS, rec.last_timestamp_ms.map(AttrValue::int));
    let parts = data_parts(&state_json, lines, t0, &item);
    out.items.extend(with_parts(item, parts, &expires));
    hint_item(c, &eid, expires, out);
    out.lambda_fragments += 1;
}

/// `hint#<lambda request id>#<eid>` under the API request ID the function's own log names, if it does.
fn hint_item(c: &ClassifiedLambda<'_>, eid: &str, expires: AttrValue, out: &mut BatchItems) {
    let frag = &c.fragment;
    if let Some(api_id) = frag.api_request_id.as_deref().filter(|a| valid_id(a)) {
        let mut hint = IndexItem::new(api_id, format!("{HINT_PREFIX}{}#{eid}", frag.request_id))
            .with(schema::TTL_ATTRIBUTE, expires)
            .with(attr::LAMBDA_REQUEST_ID, s(&*frag.request_id));
        hint.set_opt(attr::FUNCTION_NAME, c.record.function_name.as_ref().map(field));
        out.items.push(hint);
    }
}

/// Every item for one classified batch.
pub fn items_for_batch(batch: &ClassifiedBatch<'_>, opts: &ItemOptions) -> BatchItems {
    let mut out = BatchItems::default();
    for c in &batch.api {
        if valid_id(&c.fragment.request_id) {
            api_items(c, opts, &mut out);
        } else {
            out.skipped_fragments += 1;
        }
    }
    for c in &batch.lambda {
        if valid_id(&c.fragment.request_id) {
            let clean = opts.success.storage != SuccessStorage::Full && clean::clean_invocation(batch, c);
            lambda_items(c, opts, clean, &mut out);
        } else {
            out.skipped_fragments += 1;
        }
    }
    dedupe_keys(&mut out.items);
    let before = out.items.len();
    out.items.retain(within_limits);
    out.items_dropped = before - out.items.len();
    out
}

/// Keys and size within DynamoDB's limits, and every number storable: what the layout guarantees (request
/// IDs, event IDs, fields and parts are all bounded), checked once more so that a slip costs one counted
/// item, never the whole batch.
fn within_limits(item: &IndexItem) -> bool {
    item.pk.len() <= MAX_PARTITION_KEY_BYTES
        && item.sk.len() <= MAX_SORT_KEY_BYTES
        && item.size() <= MAX_ITEM_BYTES
        && item.attrs.values().all(|v| v.as_n().is_none_or(is_valid_number))
}

/// Two fragments can only share a key when their first event IDs do (a sender without real IDs): a
/// deterministic suffix keeps both, since BatchWriteItem refuses a call with duplicate keys.
fn dedupe_keys(items: &mut [IndexItem]) {
    let mut seen: HashSet<(String, String)> = HashSet::with_capacity(items.len());
    for item in items.iter_mut() {
        let mut n = 1;
        let base = item.sk.clone();
        while !seen.insert((item.pk.clone(), item.sk.clone())) {
            n += 1;
            item.sk = format!("{base}#d{n}");
        }
    }
}

/// Write units of the naive layout, one item per log line (`request_id`, `sk` = `<ms>#<event id>`,
/// `timestamp_ms`, `source`, `message`, `expires_at`), for comparison in `docs/data-model.md`.
pub fn naive_write_units(batch: &ClassifiedBatch<'_>) -> u64 {
    let line_units = |id: &str, l: &Line<'_>| {
        let size = schema::PARTITION_KEY.len()
            + id.len()
            + schema::SORT_KEY.len()
            + 14
            + l.event_id.len()
            + "timestamp_ms".len()
            + 8
            + "source".len()
            + l.source.as_str().len()
            + "message".len()
            + l.message.len()
            + schema::TTL_ATTRIBUTE.len()
            + 6;
        units(size)
    };
    let api: u64 = batch
        .api
        .iter()
        .flat_map(|c| {
            c.fragment
                .core
                .lines()
                .iter()
                .map(|l| line_units(&c.fragment.request_id, l))
        })
        .sum();
    let lambda: u64 = batch
        .lambda
        .iter()
        .flat_map(|c| {
            c.fragment
                .core
                .lines()
                .iter()
                .map(|l| line_units(&c.fragment.request_id, l))
        })
        .sum();
    api + lambda
}
