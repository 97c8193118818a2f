//! The traffic as an endless iterator of requests, each with its CloudWatch Logs events and its truth.

use crate::environment::Environments;
use crate::request::{self, Line, Mode, Truth};
use crate::rng::Rng;

/// A CloudWatch Logs event as a subscription delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event ID: a 56-digit decimal number, increasing along the traffic.
    pub id: String,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// The message (Lambda's end in a newline; API Gateway's do not).
    pub message: String,
}

/// One API request of the traffic.
#[derive(Debug, Clone)]
pub struct Request {
    /// How it ends.
    pub mode: Mode,
    /// When it arrived (epoch ms).
    pub start_ms: i64,
    /// Its execution-log events, in the order API Gateway writes them.
    pub exec: Vec<Event>,
    /// The function's log events for it (empty when the function did not run).
    pub lambda: Vec<Event>,
    /// The execution environment the function ran in (index for [`Traffic::lambda_stream`]; `None` when it
    /// did not run): its log stream holds `lambda`.
    pub environment: Option<usize>,
    /// What the indexer must conclude about it.
    pub truth: Truth,
}

/// The execution-log stream the traffic is written to, drawn once per seed. (The function's streams are
/// its execution environments', started as the traffic needs them: [`Traffic::lambda_stream`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streams {
    /// The execution-log stream (32 hex digits, as API Gateway names them).
    pub exec: String,
}

/// The first event ID's leading digits; the rest is a counter.
const EVENT_ID_PREFIX: &str = "36";
/// Digits after the prefix.
const EVENT_ID_DIGITS: usize = 54;
/// Requests arrive every 5–60 ms, so the lines of concurrent requests interleave.
const ARRIVAL_GAP_MS: (i64, i64) = (5, 60);
/// Consecutive event IDs differ by 1–50.
const EVENT_ID_GAP: (i64, i64) = (1, 50);

/// The traffic of one seed, from `start_ms` on: an endless, deterministic iterator of [`Request`]s.
pub struct Traffic {
    rng: Rng,
    clock_ms: i64,
    event_seq: u64,
    streams: Streams,
    environments: Environments,
}

impl Traffic {
    /// The traffic of `seed`, its first request arriving at `start_ms` (epoch ms).
    pub fn new(seed: u64, start_ms: i64) -> Self {
        let mut rng = Rng::new(seed);
        let exec = rng.hex(32);
        Self {
            rng,
            clock_ms: start_ms,
            event_seq: 0,
            streams: Streams { exec },
            environments: Environments::default(),
        }
    }

    /// The execution-log stream its events belong to.
    pub fn streams(&self) -> &Streams {
        &self.streams
    }

    /// The log stream of execution environment `index` ([`Request::environment`]).
    pub fn lambda_stream(&self, index: usize) -> &str {
        self.environments.stream(index)
    }

    /// How many execution environments the function has started so far.
    pub fn environments(&self) -> usize {
        self.environments.len()
    }

    fn events(&mut self, start_ms: i64, lines: Vec<Line>) -> Vec<Event> {
        lines
            .into_iter()
            .map(|(offset, message)| {
                self.event_seq += self.rng.int(EVENT_ID_GAP.0, EVENT_ID_GAP.1) as u64;
                Event {
                    id: format!("{EVENT_ID_PREFIX}{:0EVENT_ID_DIGITS$}", self.event_seq),
                    timestamp: start_ms + offset,
                    message,
                }
            })
            .collect()
    }
}

impl Iterator for Traffic {
    type Item = Request;

    fn next(&mut self) -> Option<Request> {
        let start_ms = self.clock_ms;
        self.clock_ms += self.rng.int(ARRIVAL_GAP_MS.0, ARRIVAL_GAP_MS.1);
        let draft = request::draft(&mut self.rng, start_ms, &mut self.environments);
        let exec = self.events(start_ms, draft.exec);
        let lambda = self.events(start_ms, draft.lambda);
        Some(Request {
            mode: draft.mode,
            start_ms,
            exec,
            lambda,
            environment: draft.environment,
            truth: draft.truth,
        })
    }
}
