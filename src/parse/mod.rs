//! Turns one decoded batch into per-request and per-invocation fragments, in one pass over its events.
//!
//! Dispatch is by log group (execution logs, Lambda logs) and, for any other group, by the shape of each
//! line (Lambda platform or application line, JSON or CLF access record; never execution-log syntax). A line that cannot be used is
//! counted by kind in [`ParseStats`], never dropped silently and never an error: a bad line is data.
//! Pure and synchronous; strings borrow from the payload.

mod access;
mod execution;
mod lambda;
pub mod text;

pub use access::field_read_from_key;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::decode::{EventProblem, LogEvent, LogsPayload};
use crate::fragment::{ApiFragment, LambdaFragment, Line, LineSource};
use crate::names::{APIGATEWAY_GROUP_PREFIX, EXECUTION_GROUP_PREFIX, LAMBDA_GROUP_PREFIX};
use crate::redact::Redactor;

/// What the parser should keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Keep each line (redacted) on its fragment, for the index. Off for summaries (`parse`).
    pub keep_lines: bool,
}

/// Why a line was not attributed to any request or invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipKind {
    /// An execution-log group line without the `(requestId) ` prefix.
    NoRequestId,
    /// A JSON access-log record with no request ID field.
    AccessLogWithoutRequestId,
    /// A line in a Lambda log outside any invocation and with no request ID (e.g. init-phase output with no
    /// following START in the batch).
    LambdaOutsideInvocation,
    /// A line in an unknown log group that matches no known format.
    UnrecognisedLine,
    /// An empty message.
    Empty,
    /// An event whose timestamp is missing, not a number or out of range (`decode::EventProblem`).
    InvalidTimestamp,
    /// An event whose message holds an escape of a lone surrogate.
    InvalidEscape,
    /// An event whose message is not UTF-8.
    InvalidUtf8,
    /// An event without an ID or a message, or not an object.
    InvalidEvent,
}

impl SkipKind {
    /// Stable name (JSON, logs, metrics).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoRequestId => "no_request_id",
            Self::AccessLogWithoutRequestId => "access_log_without_request_id",
            Self::LambdaOutsideInvocation => "lambda_outside_invocation",
            Self::UnrecognisedLine => "unrecognised_line",
            Self::Empty => "empty",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::InvalidEscape => "invalid_escape",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::InvalidEvent => "invalid_event",
        }
    }
}

impl From<EventProblem> for SkipKind {
    fn from(p: EventProblem) -> Self {
        match p {
            EventProblem::InvalidTimestamp => Self::InvalidTimestamp,
            EventProblem::InvalidEscape => Self::InvalidEscape,
            EventProblem::InvalidUtf8 => Self::InvalidUtf8,
            EventProblem::InvalidEvent => Self::InvalidEvent,
        }
    }
}

/// How many skipped lines of each kind, plus the first few event IDs for diagnosis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParseStats {
    /// Log events read.
    pub events: u64,
    /// Lines attributed, by source.
    pub execution_lines: u64,
    /// Access-log records attributed.
    pub access_lines: u64,
    /// Lambda log lines attributed.
    pub lambda_lines: u64,
    /// Lines API Gateway cut at 1024 bytes (` [TRUNCATED]`); parsed as far as they go.
    pub truncated_lines: u64,
    /// Lines not attributed, by kind.
    pub skipped: BTreeMap<SkipKind, u64>,
    /// The event IDs of the first few skipped lines.
    pub skipped_examples: Vec<(SkipKind, String)>,
}

/// How many skipped-line examples are kept per batch: enough to find them, bounded for huge batches.
const MAX_SKIP_EXAMPLES: usize = 5;

impl ParseStats {
    /// Total lines skipped.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    fn skip(&mut self, kind: SkipKind, event_id: &str) {
        *self.skipped.entry(kind).or_default() += 1;
        if self.skipped_examples.len() < MAX_SKIP_EXAMPLES {
            self.skipped_examples.push((kind, event_id.to_string()));
        }
    }

    /// Adds another batch's counts.
    pub fn add(&mut self, other: &ParseStats) {
        self.events += other.events;
        self.execution_lines += other.execution_lines;
        self.access_lines += other.access_lines;
        self.lambda_lines += other.lambda_lines;
        self.truncated_lines += other.truncated_lines;
        for (k, v) in &other.skipped {
            *self.skipped.entry(*k).or_default() += v;
        }
        for e in &other.skipped_examples {
            if self.skipped_examples.len() < MAX_SKIP_EXAMPLES {
                self.skipped_examples.push(e.clone());
            }
        }
    }
}

/// The fragments found in one batch, in order of first appearance.
#[derive(Debug, Default)]
pub struct ParsedBatch<'a> {
    /// One fragment per API Gateway request ID.
    pub api: Vec<ApiFragment<'a>>,
    /// One fragment per Lambda request ID.
    pub lambda: Vec<LambdaFragment<'a>>,
    /// Counts.
    pub stats: ParseStats,
}

/// What the log group's name says about its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKind<'a> {
    /// `API-Gateway-Execution-Logs_{api}/{stage}` (REST) or `/aws/apigateway/{api}/{stage}` (WebSocket).
    Execution {
        /// API ID.
        api_id: &'a str,
        /// Stage.
        stage: &'a str,
    },
    /// `/aws/lambda/{function}`.
    Lambda {
        /// Function name.
        function_name: &'a str,
    },
    /// Anything else (access logs, custom Lambda log groups): lines are recognised by shape.
    Other,
}

impl<'a> GroupKind<'a> {
    /// Classifies a log group name.
    pub fn of(group: &'a str) -> Self {
        let api_stage = |rest: &'a str| {
            let (api_id, stage_rest) = rest.split_once('/')?;
            let stage = stage_rest.split('/').next().unwrap_or(stage_rest);
            (!api_id.is_empty() && !stage.is_empty()).then_some(GroupKind::Execution { api_id, stage })
        };
        if let Some(rest) = group.strip_prefix(EXECUTION_GROUP_PREFIX) {
            return api_stage(rest).unwrap_or(GroupKind::Other);
        }
        if let Some(rest) = group.strip_prefix(APIGATEWAY_GROUP_PREFIX) {
            // Only WebSocket execution logs are documented here; access logs may use any group, so a
            // non-matching shape falls back to line sniffing.
            if let Some(kind) = api_stage(rest) {
                return kind;
            }
        }
        if let Some(name) = group
            .strip_prefix(LAMBDA_GROUP_PREFIX)
            .filter(|n| !n.is_empty() && !n.contains('/'))
        {
            return GroupKind::Lambda { function_name: name };
        }
        GroupKind::Other
    }
}

/// Accumulates fragments while reading one batch.
struct Builder<'a, 'r> {
    options: ParseOptions,
    redactor: &'r Redactor,
    api_id: Option<&'a str>,
    stage: Option<&'a str>,
    function_name: Option<&'a str>,
    api_index: HashMap<&'a str, usize>,
    lambda_index: HashMap<&'a str, usize>,
    /// The fragment the previous execution line went to: a request's lines are logged together, so most
    /// lines (90% in generated traffic) need no hash lookup.
    last_api: Option<(&'a str, usize)>,
    out: ParsedBatch<'a>,
    /// Per API fragment: inside a `Starting authorizer` … `completed authorizer` block right now.
    in_authorizer: Vec<bool>,
    lambda_stream: lambda::StreamState<'a>,
}

impl<'a> Builder<'a, '_> {
    fn api(&mut self, id: &'a str) -> usize {
        if let Some((last, i)) = self.last_api
            && last == id
        {
            return i;
        }
        let i = match self.api_index.get(id) {
            Some(&i) => i,
            None => {
                let mut s = ApiFragment::new(id);
                s.api_id = self.api_id.map(Cow::Borrowed);
                s.stage = self.stage.map(Cow::Borrowed);
                self.out.api.push(s);
                self.in_authorizer.push(false);
                self.api_index.insert(id, self.out.api.len() - 1);
                self.out.api.len() - 1
            }
        };
        self.last_api = Some((id, i));
        i
    }

    fn lambda(&mut self, id: &'a str) -> &mut LambdaFragment<'a> {
        let i = match self.lambda_index.get(id) {
            Some(&i) => i,
            None => {
                let mut s = LambdaFragment::new(id);
                s.function_name = self.function_name.map(Cow::Borrowed);
                self.out.lambda.push(s);
                self.lambda_index.insert(id, self.out.lambda.len() - 1);
                self.out.lambda.len() - 1
            }
        };
        &mut self.out.lambda[i]
    }

    fn redact(&self, text: &'a str) -> Cow<'a, str> {
        self.redactor.redact(text)
    }

    fn line(&self, ev: &'a LogEvent<'_>, source: LineSource, text: &'a str) -> Option<Line<'a>> {
        self.options.keep_lines.then(|| Line {
            timestamp_ms: ev.timestamp,
            event_id: Cow::Borrowed(&*ev.id),
            source,
            message: self.redact(text),
        })
    }
}

/// Parses every event of a DATA_MESSAGE payload.
pub fn parse_batch<'a>(payload: &'a LogsPayload<'_>, redactor: &Redactor, options: ParseOptions) -> ParsedBatch<'a> {
    let group = GroupKind::of(&payload.log_group);
    let mut b = Builder {
        options,
        redactor,
        api_id: None,
        stage: None,
        function_name: None,
        api_index: HashMap::new(),
        lambda_index: HashMap::new(),
        last_api: None,
        out: ParsedBatch::default(),
        in_authorizer: Vec::new(),
        lambda_stream: lambda::StreamState::default(),
    };
    match group {
        GroupKind::Execution { api_id, stage } => (b.api_id, b.stage) = (Some(api_id), Some(stage)),
        GroupKind::Lambda { function_name } => b.function_name = Some(function_name),
        GroupKind::Other => b.function_name = lambda::function_from_custom_stream(&payload.log_stream),
    }
    for ev in &payload.log_events {
        b.out.stats.events += 1;
        if let Some(problem) = ev.problem {
            b.out.stats.skip(problem.into(), &ev.id);
            continue;
        }
        let msg = text::trim_eol(&ev.message);
        if msg.trim().is_empty() {
            b.out.stats.skip(SkipKind::Empty, &ev.id);
            continue;
        }
        if msg.ends_with(" [TRUNCATED]") {
            b.out.stats.truncated_lines += 1;
        }
        match group {
            GroupKind::Execution { .. } => {
                if execution::parse_event(&mut b, ev, msg) {
                    continue;
                }
                if payload.log_group.starts_with(APIGATEWAY_GROUP_PREFIX) {
                    // That prefix is also a common name for access-log groups: recognise other lines by shape,
                    // without the group's API ID and stage, which may not be theirs.
                    let (api_id, stage) = (b.api_id.take(), b.stage.take());
                    parse_by_shape(&mut b, ev, msg);
                    (b.api_id, b.stage) = (api_id, stage);
                } else {
                    b.out.stats.skip(SkipKind::NoRequestId, &ev.id);
                }
            }
            GroupKind::Lambda { .. } => lambda::parse_event(&mut b, ev, msg),
            GroupKind::Other => parse_by_shape(&mut b, ev, msg),
        }
    }
    lambda::finish(&mut b);
    redact_details(&mut b.out, redactor);
    b.out
}

/// Every evidence line kept for a reason passes through redaction here, whichever parser recorded it and
/// however (Lambda evidence borrows the raw line; masking an already masked line changes nothing).
fn redact_details<'a>(out: &mut ParsedBatch<'a>, redactor: &Redactor) {
    fn mask<'a>(redactor: &Redactor, m: &Cow<'a, str>) -> Cow<'a, str> {
        match redactor.redact(m) {
            Cow::Owned(masked) => Cow::Owned(masked),
            Cow::Borrowed(_) => m.clone(),
        }
    }
    for s in &mut out.api {
        s.core.map_details(|m| mask(redactor, m));
    }
    for s in &mut out.lambda {
        s.core.map_details(|m| mask(redactor, m));
    }
}

/// Lines of a group that is not an execution-log group: Lambda lines or access-log records, recognised by
/// shape. Execution-log syntax (`(<requestId>) text`) is trusted only in execution-log groups, whose names
/// API Gateway chooses (`log-formats.md` §9): anywhere else any program could print it.
fn parse_by_shape<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) {
    if lambda::looks_like_lambda(msg) || b.lambda_stream.in_invocation() {
        lambda::parse_event(b, ev, msg);
        return;
    }
    match access::parse_event(b, ev, msg) {
        access::Outcome::Parsed => {}
        access::Outcome::NoRequestId => b.out.stats.skip(SkipKind::AccessLogWithoutRequestId, &ev.id),
        access::Outcome::NotAccessLog => b.out.stats.skip(SkipKind::UnrecognisedLine, &ev.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_names_tell_the_source() {
        assert_eq!(
            GroupKind::of("API-Gateway-Execution-Logs_a1b2c3d4e5/dev"),
            GroupKind::Execution {
                api_id: "a1b2c3d4e5",
                stage: "dev"
            }
        );
        assert_eq!(
            GroupKind::of("API-Gateway-Execution-Logs_a1b2c3d4e5/prod/Canary"),
            GroupKind::Execution {
                api_id: "a1b2c3d4e5",
                stage: "prod"
            }
        );
        assert_eq!(
            GroupKind::of("/aws/apigateway/abcdef1234/production"),
            GroupKind::Execution {
                api_id: "abcdef1234",
                stage: "production"
            }
        );
        assert_eq!(
            GroupKind::of("/aws/lambda/my-fn"),
            GroupKind::Lambda { function_name: "my-fn" }
        );
        assert_eq!(GroupKind::of("/aws/apigateway/azul-service-prod"), GroupKind::Other);
        assert_eq!(GroupKind::of("API-Gateway-Execution-Logs_/dev"), GroupKind::Other);
    }
}
