//! Item layout, read side: a lookup's items → merged fragments (`Joined`), and which other request IDs
//! an item points to. Fragments from any number of batches and log groups merge here, at read time, so
//! writes never read-modify-write. Pure.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::fragment::{ApiFragment, FragmentCore, Line, LineSource};
use crate::join::Joined;
use crate::reason::EvidenceSet;
use crate::reason::FailureReason;
use crate::redact::Redacted;

use super::blob::{self, CodecError};
use super::layout::{API_PREFIX, DATA, HINT_PREFIX, LAMBDA_PREFIX, LINK_PREFIX, PART_SUFFIX};
use super::part::{self, Part};
use super::state::{ApiState, LambdaState};
use crate::ports::item::IndexItem;
use crate::ports::schema::attr;

/// What a stored item holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `api#`: an API fragment's summary (with its data when it has no Lambda request ID).
    Api,
    /// `link#`: an API fragment's data, under its Lambda request ID.
    Link,
    /// `lambda#`: a Lambda fragment.
    Lambda,
    /// `hint#`: under an API request ID, a Lambda invocation whose own log named it (no data).
    Hint,
}

/// The kind of an item and its base sort key (without a `#p<N>` part suffix), and the part number.
pub fn parse_sk(sk: &str) -> Option<(Kind, &str, usize)> {
    let kind = if sk.starts_with(API_PREFIX) {
        Kind::Api
    } else if sk.starts_with(LINK_PREFIX) {
        Kind::Link
    } else if sk.starts_with(LAMBDA_PREFIX) {
        Kind::Lambda
    } else if sk.starts_with(HINT_PREFIX) {
        Kind::Hint
    } else {
        return None;
    };
    match sk.rsplit_once(PART_SUFFIX) {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            Some((kind, base, n.parse().ok()?))
        }
        _ => Some((kind, sk, 0)),
    }
}

/// The API request ID in a `link#<api request id>#<eid>` sort key.
pub(crate) fn link_api_id(sk: &str) -> Option<&str> {
    let (Kind::Link, base, _) = parse_sk(sk)? else {
        return None;
    };
    let rest = base.strip_prefix(LINK_PREFIX)?;
    rest.rsplit_once('#').map(|(api, _eid)| api).filter(|a| !a.is_empty())
}

/// Other request IDs an item points to: an API summary's Lambda request ID, a link's API request ID, a
/// Lambda fragment's API request ID, a hint's Lambda request ID.
pub(crate) fn related_ids(item: &IndexItem) -> Vec<String> {
    let mut out = Vec::new();
    match parse_sk(&item.sk) {
        Some((Kind::Api, ..)) => out.extend(item.s(attr::LAMBDA_REQUEST_ID).map(str::to_string)),
        Some((Kind::Link, ..)) => out.extend(link_api_id(&item.sk).map(str::to_string)),
        Some((Kind::Lambda, ..)) => out.extend(item.s(attr::API_REQUEST_ID).map(str::to_string)),
        Some((Kind::Hint, ..)) => out.extend(item.s(attr::LAMBDA_REQUEST_ID).map(str::to_string)),
        None => {}
    }
    out.retain(|id| *id != item.pk);
    out
}

/// Items grouped by (partition key, base sort key): the kind and the parts by number.
type Groups<'i> = BTreeMap<(&'i str, &'i str), (Kind, BTreeMap<usize, &'i IndexItem>)>;

/// One stored fragment, its parts decompressed (part 0 first).
#[derive(Debug)]
struct Stored {
    kind: Kind,
    parts: Vec<Vec<u8>>,
}

/// A lookup's fragments, decompressed and ready to merge. The merged states borrow from it.
#[derive(Debug, Default)]
pub struct Fragments {
    stored: Vec<Stored>,
    /// API summaries whose data was not found (a partial write, or a Lambda partition not read).
    summaries_only: Vec<IndexItem>,
    /// Items that could not be read, with the reason: reported, never fatal to a lookup.
    pub problems: Vec<String>,
}

impl Fragments {
    /// Groups `items` by fragment and decompresses their data.
    pub fn decode(items: &[IndexItem]) -> Self {
        let mut groups: Groups<'_> = BTreeMap::new();
        for item in items {
            let Some((kind, base, part)) = parse_sk(&item.sk) else {
                continue;
            };
            match groups.entry((&item.pk, base)) {
                Entry::Vacant(v) => {
                    v.insert((kind, BTreeMap::from([(part, item)])));
                }
                Entry::Occupied(mut o) => {
                    o.get_mut().1.insert(part, item);
                }
            }
        }
        // An API fragment's data lives under the Lambda ID when it has one: index the links by API ID + eid.
        let links: std::collections::HashSet<(String, String)> = groups
            .iter()
            .filter(|(_, (k, _))| *k == Kind::Link)
            .filter_map(|((_, base), _)| {
                let api = link_api_id(base)?;
                let eid = base.rsplit_once('#')?.1;
                Some((api.to_string(), eid.to_string()))
            })
            .collect();
        let mut out = Self::default();
        for ((pk, base), (kind, parts)) in groups {
            let Some(head) = parts.get(&0) else {
                out.problems.push(format!("{pk} {base}: part 0 is missing"));
                continue;
            };
            if head.get(DATA).is_none() {
                let eid = base.strip_prefix(API_PREFIX).unwrap_or(base);
                if kind == Kind::Api && !links.contains(&(pk.to_string(), eid.to_string())) {
                    out.summaries_only.push((*head).clone());
                }
                continue;
            }
            let expected = head.int(super::layout::PARTS).unwrap_or(1).max(1) as usize;
            if parts.len() != expected || parts.keys().copied().ne(0..expected) {
                out.problems
                    .push(format!("{pk} {base}: {} of {expected} parts found", parts.len()));
            }
            let mut decoded = Vec::with_capacity(parts.len());
            for (n, item) in &parts {
                match item.get(DATA).and_then(|d| d.as_b()).map(blob::decompress) {
                    Some(Ok(bytes)) => decoded.push(bytes),
                    Some(Err(e)) => out.problems.push(format!("{pk} {base} part {n}: {e}")),
                    None => out.problems.push(format!("{pk} {base} part {n}: no data")),
                }
            }
            if decoded.len() == parts.len() {
                out.stored.push(Stored { kind, parts: decoded });
            }
        }
        out
    }

    /// Merges every fragment (API by API request ID, Lambda by Lambda request ID) and joins them.
    pub fn joined(&self) -> (Joined<'_>, Vec<String>) {
        let mut joined = Joined::default();
        let mut problems = Vec::new();
        for s in &self.stored {
            let result = match s.kind {
                Kind::Api | Kind::Link => read_fragment::<ApiState<'_>>(&s.parts).map(|(st, lines)| {
                    let mut f = ApiFragment::from(st);
                    f.core.set_lines(lines);
                    joined.add_api(f);
                }),
                Kind::Lambda => read_fragment::<LambdaState<'_>>(&s.parts).map(|(st, lines)| {
                    let mut f = crate::fragment::LambdaFragment::from(st);
                    f.core.set_lines(lines);
                    joined.add_lambda(f);
                }),
                // Hints carry no data: they were passed over with the other data-less items above.
                Kind::Hint => Ok(()),
            };
            if let Err(e) = result {
                problems.push(e.to_string());
            }
        }
        for item in &self.summaries_only {
            joined.add_api(state_from_summary(item));
        }
        (joined, problems)
    }
}

type Lines<'a> = Vec<Line<'a>>;

fn read_fragment<'a, S: serde::Deserialize<'a>>(parts: &'a [Vec<u8>]) -> Result<(S, Lines<'a>), CodecError> {
    let mut state = None;
    let mut lines = Vec::new();
    for (i, bytes) in parts.iter().enumerate() {
        let mut part: Part<'a, S> = part::parse_part(bytes)?;
        lines.extend(part.lines());
        if i == 0 {
            state = part.s;
        }
    }
    let state = state.ok_or_else(|| CodecError::Json(serde::de::Error::custom("part 0 has no state")))?;
    Ok((state, lines))
}

/// The little a summary tells, for an API fragment whose data is missing.
fn state_from_summary(item: &IndexItem) -> ApiFragment<'static> {
    let owned = |name: &str| item.s(name).map(|v| Redacted::read_back(v).into_owned());
    let first = item.int(attr::FIRST_TIMESTAMP_MS);
    let mut s = ApiFragment::new(item.pk.clone());
    s.api_id = owned(attr::API_ID);
    s.stage = owned(attr::STAGE);
    s.method = owned(attr::METHOD);
    s.resource_path = owned(attr::RESOURCE_PATH);
    s.lambda_request_id = item.s(attr::LAMBDA_REQUEST_ID).map(|v| v.to_string().into());
    s.status = item.int(attr::STATUS).and_then(|v| u16::try_from(v).ok());
    s.response_latency_ms = item.int(attr::LATENCY_MS).and_then(|v| u64::try_from(v).ok());
    s.integration_latency_ms = item
        .int(attr::INTEGRATION_LATENCY_MS)
        .and_then(|v| u64::try_from(v).ok());
    s.complete = item.get(attr::COMPLETE).and_then(|v| v.as_bool()).unwrap_or(false);
    s.completed_by = s.complete.then_some(LineSource::Execution);
    let line_count = item
        .int(attr::LINE_COUNT)
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(0);
    s.core = FragmentCore::restore(
        EvidenceSet::default(),
        Vec::new(),
        first,
        item.int(attr::LAST_TIMESTAMP_MS),
        line_count,
    );
    if let Some(reason) = item.s(attr::FAILURE_REASON).and_then(FailureReason::from_name) {
        let detail = Redacted::read_back(item.s(attr::FAILURE_DETAIL).unwrap_or("")).into_owned();
        s.core.add_evidence(reason, first.unwrap_or(0), detail);
    }
    s
}
