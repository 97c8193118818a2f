//! The read side of [`super::clean`]: the invocations a lookup's items name but the index does not hold (a
//! clean one under `SUCCESS_STORAGE=summary` or `off`, or one whose log was never delivered), with the window
//! their lines are in, for `lookup --fetch-lines`. Pure.

use crate::ports::item::IndexItem;
use crate::ports::schema::attr;

use super::read::{Kind, parse_sk};
use super::success::is_summary;

/// Lambda's longest function timeout, 900 s ("Lambda quotas", Function timeout): an invocation named by an
/// API request's lines ends at most this long after them, which bounds the window its lines are read from.
pub const MAX_INVOCATION_MS: i64 = 900_000;

/// An invocation a lookup's items name but do not hold: a clean one under `summary`/`off` (or one whose log
/// has not been delivered, or is not subscribed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotIndexed {
    /// Its Lambda request ID.
    pub lambda_request_id: String,
    /// Its function, when a `hint#` item names it (its log group is then `/aws/lambda/<name>`).
    pub function_name: Option<String>,
    /// The window its lines are in: from the first line of the API request that names it to its last
    /// line, or [`MAX_INVOCATION_MS`] after that when the request did not succeed (the function may run on
    /// after API Gateway answered). Start, epoch ms.
    pub start_ms: i64,
    /// End, epoch ms.
    pub end_ms: i64,
}

/// The invocations `items` (a lookup's, whose partitions `queried` were read) name but hold no `lambda#`
/// item of: what `lookup --fetch-lines` reads back from the function's log group.
pub fn invocations_not_indexed(items: &[IndexItem], queried: &[String]) -> Vec<NotIndexed> {
    let mut out: Vec<NotIndexed> = Vec::new();
    for item in items {
        let (Some((kind, ..)), Some(l)) = (parse_sk(&item.sk), item.s(attr::LAMBDA_REQUEST_ID)) else {
            continue;
        };
        let held = items
            .iter()
            .any(|i| i.pk == l && matches!(parse_sk(&i.sk), Some((Kind::Lambda, ..))));
        if !matches!(kind, Kind::Api | Kind::Hint) || held || !queried.iter().any(|q| q == l) {
            continue;
        }
        // A hint has no times of its own: the API items naming the same invocation give them.
        let after = if is_summary(item) { 0 } else { MAX_INVOCATION_MS };
        let start = item.int(attr::FIRST_TIMESTAMP_MS).unwrap_or(i64::MAX);
        let end = item
            .int(attr::LAST_TIMESTAMP_MS)
            .map_or(i64::MIN, |t| t.saturating_add(after));
        let function = item.s(attr::FUNCTION_NAME).map(str::to_string);
        match out.iter_mut().find(|n| n.lambda_request_id == l) {
            Some(n) => {
                n.function_name = n.function_name.take().or(function);
                (n.start_ms, n.end_ms) = (n.start_ms.min(start), n.end_ms.max(end));
            }
            None => out.push(NotIndexed {
                lambda_request_id: l.to_string(),
                function_name: function,
                start_ms: start,
                end_ms: end,
            }),
        }
    }
    // Only a hint named it and no API item gave a time: no window is known.
    out.retain(|n| n.start_ms <= n.end_ms);
    out
}
