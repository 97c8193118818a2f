//! Turns one decoded batch into per-request and per-invocation fragments, in one pass over its events.
//!
//! Each parser runs only on its own source, decided by the log group alone ([`GroupKind`]): execution-log
//! syntax only in execution-log groups, Lambda lines only in a function's log group, access records only in
//! access-log groups. A line is never read by its shape as something its group is not: a function that
//! prints an access record or an execution-log line into its own log writes a line of its own output.
//! A line that cannot be used is counted by kind in [`ParseStats`], never dropped silently and never an
//! error: a bad line is data.
//! Pure and synchronous; strings borrow from the payload.

mod access;
pub use access::MAX_STREAM_MS;
pub mod delivered;
mod execution;
mod lambda;
pub(crate) mod text;

pub use access::field_read_from_key;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::decode::{EventProblem, LogEvent, LogsPayload};
use crate::fragment::{ApiFragment, LambdaFragment, Line, LineSource};
use crate::names::{APIGATEWAY_GROUP_PREFIX, EXECUTION_GROUP_PREFIX, LAMBDA_GROUP_PREFIX};
use crate::redact::{Redacted, Redactor};

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
    /// A line with no request ID (output, an extension's line, a runtime crash's text) in a JSON-format Lambda
    /// stream that showed invocations overlapping (Lambda Managed Instances run several at once in one
    /// environment): position names no invocation there, so the line is counted, never attributed.
    LambdaUnkeyedConcurrent,
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
    /// A line of a log group that is no source this indexer reads: not an execution-log, Lambda or
    /// access-log group (`GroupKind::Unknown`).
    UnknownSource,
}

impl SkipKind {
    /// Stable name (JSON, logs, metrics).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoRequestId => "no_request_id",
            Self::AccessLogWithoutRequestId => "access_log_without_request_id",
            Self::LambdaOutsideInvocation => "lambda_outside_invocation",
            Self::LambdaUnkeyedConcurrent => "lambda_unkeyed_concurrent",
            Self::UnrecognisedLine => "unrecognised_line",
            Self::Empty => "empty",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::InvalidEscape => "invalid_escape",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::InvalidEvent => "invalid_event",
            Self::UnknownSource => "unknown_source",
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
    /// Lines of a function's log shaped like a platform record (START, END, REPORT, `platform.*`, a line
    /// keyed by another request ID) where the platform cannot have written one: kept as the running
    /// invocation's own output, never as what they claim. Counted so that forging is visible.
    pub platform_shaped_output: u64,
    /// JSON-format platform records read as the platform's although a one-invocation-at-a-time stream
    /// would not hold them there (a `platform.start` while another invocation runs, a record naming an
    /// invocation other than the running one): Lambda Managed Instances interleave invocations in one
    /// JSON-format stream, so the platform's view wins, and the ambiguity is counted. (In a text-format
    /// stream such a record is `platform_shaped_output`.)
    pub platform_order_ambiguous: u64,
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
        self.platform_shaped_output += other.platform_shaped_output;
        self.platform_order_ambiguous += other.platform_order_ambiguous;
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
    /// Invocations whose START and REPORT (`platform.start`, `platform.report`) this batch read as the
    /// platform's: their whole story is in this batch (`index::clean`).
    pub whole_invocations: HashSet<&'a str>,
    /// Counts.
    pub stats: ParseStats,
}

/// Log groups read as access logs besides the ones named by convention: the operator's configuration
/// (read once at start-up), for stages whose access logs go to a group of their own naming.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'s> {
    /// Exact names of access-log groups.
    pub access_groups: &'s [String],
    /// Declared execution-log groups (delivered execution logs) and the stage each one holds.
    pub execution_groups: &'s [delivered::ExecutionLogGroup],
}

/// What the log group's name says about its lines: the only thing that decides which parser runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupKind<'a> {
    /// `API-Gateway-Execution-Logs_{api}/{stage}` (REST) or `/aws/apigateway/{api}/{stage}` (WebSocket).
    Execution {
        /// API ID.
        api_id: &'a str,
        /// Stage.
        stage: &'a str,
    },
    /// `/aws/lambda/{function}`, or a custom log group (advanced logging controls) whose stream Lambda named
    /// `YYYY/MM/DD/{function}[{version}]{id}`.
    Lambda {
        /// Function name.
        function_name: &'a str,
    },
    /// An access-log group: `/aws/apigateway/{name}` with one segment (the convention API Gateway's console
    /// and `setup-logging` use, `onboard::names::default_access_group`), or a name the operator configured
    /// that is no function's log group.
    Access,
    /// Anything else: no parser runs; its lines are counted as `unknown_source`.
    Unknown,
}

impl<'a> GroupKind<'a> {
    /// Classifies a log group (and, for custom Lambda log groups, its stream).
    pub(crate) fn of(group: &'a str, stream: &'a str, sources: Sources<'a>) -> Self {
        let api_stage = |rest: &'a str| {
            let (api_id, stage_rest) = rest.split_once('/')?;
            let stage = stage_rest.split('/').next().unwrap_or(stage_rest);
            (!api_id.is_empty() && !stage.is_empty()).then_some(GroupKind::Execution { api_id, stage })
        };
        if let Some(rest) = group.strip_prefix(EXECUTION_GROUP_PREFIX) {
            return api_stage(rest).unwrap_or(GroupKind::Unknown);
        }
        if let Some(rest) = group.strip_prefix(APIGATEWAY_GROUP_PREFIX) {
            return match api_stage(rest) {
                Some(kind) => kind,
                None if !rest.is_empty() => GroupKind::Access,
                None => GroupKind::Unknown,
            };
        }
        if let Some(name) = group.strip_prefix(LAMBDA_GROUP_PREFIX) {
            return if !name.is_empty() && !name.contains('/') {
                GroupKind::Lambda { function_name: name }
            } else {
                GroupKind::Unknown
            };
        }
        // A configured name never turns a function's own log (named by Lambda) into an access or execution log.
        let declared = sources.execution_groups.iter().find(|g| g.group == group);
        match lambda::function_from_custom_stream(stream) {
            Some(function_name) => GroupKind::Lambda { function_name },
            None if let Some(g) = declared => GroupKind::Execution {
                api_id: &g.api_id,
                stage: &g.stage,
            },
            None if sources.access_groups.iter().any(|g| g == group) => GroupKind::Access,
            None => GroupKind::Unknown,
        }
    }
}

/// Accumulates fragments while reading one batch.
struct Builder<'a, 'r> {
    options: ParseOptions,
    redactor: &'r Redactor,
    /// The log group's API ID, stage and function name, redacted once per batch (every fragment of the
    /// batch gets a copy).
    api_id: Option<Redacted<'a>>,
    stage: Option<Redacted<'a>>,
    function_name: Option<Redacted<'a>>,
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
                s.api_id.clone_from(&self.api_id);
                s.stage.clone_from(&self.stage);
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
                s.function_name.clone_from(&self.function_name);
                self.out.lambda.push(s);
                self.lambda_index.insert(id, self.out.lambda.len() - 1);
                self.out.lambda.len() - 1
            }
        };
        &mut self.out.lambda[i]
    }

    fn redact(&self, text: &'a str) -> Redacted<'a> {
        self.redactor.redact(text)
    }

    /// The event as a kept line, when lines are kept: `message` is its stored form, made only then.
    fn line(
        &self,
        ev: &'a LogEvent<'_>,
        source: LineSource,
        message: impl FnOnce() -> Redacted<'a>,
    ) -> Option<Line<'a>> {
        self.options.keep_lines.then(|| Line {
            timestamp_ms: ev.timestamp,
            event_id: Cow::Borrowed(&*ev.id),
            source,
            message: message(),
        })
    }
}

/// Parses every event of a DATA_MESSAGE payload, with the access-log groups named by convention only.
pub fn parse_batch<'a>(payload: &'a LogsPayload<'_>, redactor: &Redactor, options: ParseOptions) -> ParsedBatch<'a> {
    parse_batch_from(payload, redactor, options, Sources::default())
}

/// Parses every event of a DATA_MESSAGE payload; `sources` names the operator's access-log groups.
pub fn parse_batch_from<'a>(
    payload: &'a LogsPayload<'_>,
    redactor: &Redactor,
    options: ParseOptions,
    sources: Sources<'a>,
) -> ParsedBatch<'a> {
    let group = GroupKind::of(&payload.log_group, &payload.log_stream, sources);
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
        GroupKind::Execution { api_id, stage } => {
            (b.api_id, b.stage) = (Some(redactor.redact(api_id)), Some(redactor.redact(stage)));
        }
        GroupKind::Lambda { function_name } => b.function_name = Some(redactor.redact(function_name)),
        GroupKind::Access | GroupKind::Unknown => {}
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
                    // `/aws/apigateway/{a}/{b}` may also be an access-log group of that shape: an access
                    // record there is read as one, without the group's API ID and stage, which may not be its.
                    let (api_id, stage) = (b.api_id.take(), b.stage.take());
                    parse_access(&mut b, ev, msg);
                    (b.api_id, b.stage) = (api_id, stage);
                } else {
                    b.out.stats.skip(SkipKind::NoRequestId, &ev.id);
                }
            }
            GroupKind::Lambda { .. } => lambda::parse_event(&mut b, ev, msg),
            GroupKind::Access => parse_access(&mut b, ev, msg),
            GroupKind::Unknown => b.out.stats.skip(SkipKind::UnknownSource, &ev.id),
        }
    }
    lambda::finish(&mut b);
    b.out
}

/// A line of an access-log group: a JSON or CLF access record, or nothing (counted). Execution-log syntax
/// and Lambda lines are never read here: only API Gateway writes to this group (`docs/threat-model.md`).
fn parse_access<'a>(b: &mut Builder<'a, '_>, ev: &'a LogEvent<'_>, msg: &'a str) {
    match access::parse_event(b, ev, msg) {
        access::Outcome::Parsed => {}
        access::Outcome::NoRequestId => b.out.stats.skip(SkipKind::AccessLogWithoutRequestId, &ev.id),
        access::Outcome::NotAccessLog => b.out.stats.skip(SkipKind::UnrecognisedLine, &ev.id),
    }
}

#[cfg(test)]
mod tests;
