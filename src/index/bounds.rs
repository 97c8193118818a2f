//! What of a fragment's state may be stored: every string taken from log text cut to a bound, and IDs that
//! cannot be real left out, so an item's size is bounded whatever the input. Pure.

use super::part::TRUNCATION_MARKER;
use super::state::{ApiState, LambdaState};
use crate::fragment::{ApiFragment, Detail, LambdaFragment, api_fields, lambda_fields};
use crate::redact::Redacted;

/// Request IDs longer than this are not real (API Gateway's and Lambda's are at most 64 characters); they
/// would also push sort keys toward DynamoDB's 1024-byte limit. Such fragments are skipped and counted.
pub const MAX_REQUEST_ID_BYTES: usize = 512;
/// Strings taken from log text into the state or a summary attribute are cut to this length.
pub const MAX_FIELD_BYTES: usize = 1024;

pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID_BYTES
}

fn cut(v: &mut Option<Redacted<'_>>) {
    if let Some(c) = v {
        *c = c.cut(MAX_FIELD_BYTES, TRUNCATION_MARKER);
    }
}

fn cut_details(details: &mut [Detail<'_>]) {
    for d in details {
        d.message = d.message.cut(MAX_FIELD_BYTES, TRUNCATION_MARKER);
    }
}

/// The stored state of an API fragment, with every string taken from log text cut, so its JSON is bounded
/// whatever the input.
pub(super) fn bounded_api<'a>(f: &ApiFragment<'a>) -> ApiState<'a> {
    let mut b = ApiState::from(f);
    // Over the one field list: `text` is cut, `id` must look like one; the key is stored whole (as ever),
    // facts are numbers and flags.
    macro_rules! bound {
        (key: $key:ident; text: $($t:ident),*; id: $($i:ident),*; $($group:ident: $($f:ident),*;)*) => {{
            $(cut(&mut b.$t);)*
            $(b.$i = b.$i.take().filter(|id| valid_id(id));)*
        }};
    }
    api_fields!(bound);
    cut_details(&mut b.details);
    b
}

pub(super) fn bounded_lambda<'a>(f: &LambdaFragment<'a>) -> LambdaState<'a> {
    let mut b = LambdaState::from(f);
    macro_rules! bound {
        (key: $key:ident; text: $($t:ident),*; id: $($i:ident),*; report: $r:ident;) => {{
            $(cut(&mut b.$t);)*
            $(b.$i = b.$i.take().filter(|id| valid_id(id));)*
            if let Some(r) = &mut b.$r {
                cut(&mut r.error_type);
            }
        }};
    }
    lambda_fields!(bound);
    cut_details(&mut b.details);
    b
}
