//! Joins fragments from any number of batches: merged by request ID, API requests linked to the Lambda
//! invocations that served them, then classified into records. The offline `parse` command and the
//! index's read side (`lookup`) both see requests this way. Pure.
//!
//! Trust (`docs/security.md`, "Trust"): a Lambda log line speaks only for its own function, so Lambda fragments
//! merge by request ID *and* function name: a function that logs another function's request ID makes a
//! record of its own, shown beside the real one, and never changes the real one's evidence. An API
//! request takes Lambda-side evidence only from the one invocation its own logs name; when two functions
//! claim that ID the join is ambiguous and no Lambda evidence is taken.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::classify::{classify_api, classify_lambda};
use crate::fragment::{ApiFragment, LambdaFragment};
use crate::parse::ParsedBatch;
use crate::record::{ApiRecord, LambdaRecord};
use crate::redact::Redacted;

/// Merged fragments with their records: API requests, then Lambda invocations.
pub(crate) type Classified<'j, 'a> = (
    Vec<(ApiRecord<'a>, &'j ApiFragment<'a>)>,
    Vec<(LambdaRecord<'a>, &'j LambdaFragment<'a>)>,
);

/// Fragments from any number of batches, merged by request ID and joined API ↔ Lambda.
#[derive(Debug, Default)]
pub struct Joined<'a> {
    api: Vec<ApiFragment<'a>>,
    lambda: Vec<LambdaFragment<'a>>,
    api_index: HashMap<Cow<'a, str>, usize>,
    /// Lambda fragments by (request ID, function name).
    lambda_index: HashMap<(Cow<'a, str>, Option<Redacted<'a>>), usize>,
    /// How many functions logged each Lambda request ID.
    lambda_functions: HashMap<Cow<'a, str>, usize>,
}

impl<'a> Joined<'a> {
    /// Adds one batch's fragments.
    pub fn add_batch(&mut self, batch: ParsedBatch<'a>) {
        for s in batch.api {
            self.add_api(s);
        }
        for s in batch.lambda {
            self.add_lambda(s);
        }
    }

    /// Adds (merges) one API fragment.
    pub(crate) fn add_api(&mut self, s: ApiFragment<'a>) {
        match self.api_index.get(&s.request_id) {
            Some(&i) => self.api[i].merge(s),
            None => {
                self.api_index.insert(s.request_id.clone(), self.api.len());
                self.api.push(s);
            }
        }
    }

    /// Adds (merges) one Lambda fragment.
    pub(crate) fn add_lambda(&mut self, s: LambdaFragment<'a>) {
        let key = (s.request_id.clone(), s.function_name.clone());
        match self.lambda_index.get(&key) {
            Some(&i) => self.lambda[i].merge(s),
            None => {
                *self.lambda_functions.entry(s.request_id.clone()).or_default() += 1;
                self.lambda_index.insert(key, self.lambda.len());
                self.lambda.push(s);
            }
        }
    }

    /// The one invocation logged under Lambda request ID `id`, unless several functions logged it.
    fn only_invocation(&self, id: &str) -> Option<&LambdaFragment<'a>> {
        if self.lambda_functions.get(id) != Some(&1) {
            return None;
        }
        self.lambda.iter().find(|l| l.request_id == id)
    }

    /// The merged API states.
    pub fn api_states(&self) -> &[ApiFragment<'a>] {
        &self.api
    }

    /// The merged Lambda states.
    pub fn lambda_states(&self) -> &[LambdaFragment<'a>] {
        &self.lambda
    }

    /// The Lambda invocation joined to `api`, if its logs are here.
    pub(crate) fn lambda_of(&self, api: &ApiFragment<'a>) -> Option<&LambdaFragment<'a>> {
        api.lambda_request_id.as_deref().and_then(|id| self.only_invocation(id))
    }

    /// Each merged fragment with its record, API requests then Lambda invocations, each in time order:
    /// the one place reads classify (`parse`, `lookup`).
    pub fn classified(&self) -> Classified<'_, 'a> {
        let mut api: Vec<_> = self
            .api
            .iter()
            .map(|a| (classify_api(a, self.lambda_of(a)), a))
            .collect();
        api.sort_by(|(a, _), (b, _)| (a.first_timestamp_ms, &a.request_id).cmp(&(b.first_timestamp_ms, &b.request_id)));
        let served_by: HashMap<&str, &Cow<'a, str>> = self
            .api
            .iter()
            .filter_map(|a| a.lambda_request_id.as_deref().map(|l| (l, &a.request_id)))
            .collect();
        let mut lambda: Vec<_> = self
            .lambda
            .iter()
            .map(|l| {
                let served = served_by
                    .get(&*l.request_id)
                    .filter(|_| self.lambda_functions.get(&*l.request_id) == Some(&1));
                (classify_lambda(l, served.map(|c| (*c).clone())), l)
            })
            .collect();
        lambda.sort_by(|(a, _), (b, _)| {
            (a.first_timestamp_ms, &a.request_id).cmp(&(b.first_timestamp_ms, &b.request_id))
        });
        (api, lambda)
    }

    /// Classified records, API requests then Lambda invocations, each in time order.
    pub fn records(&self) -> (Vec<ApiRecord<'a>>, Vec<LambdaRecord<'a>>) {
        let (api, lambda) = self.classified();
        (
            api.into_iter().map(|(r, _)| r).collect(),
            lambda.into_iter().map(|(r, _)| r).collect(),
        )
    }
}
