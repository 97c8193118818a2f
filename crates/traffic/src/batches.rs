//! Cuts the traffic's time-ordered log streams into subscription deliveries by size, and writes them.
//!
//! Traffic is generated until the execution log holds `batches × batch_bytes` (counting each event as its
//! message plus [`EVENT_OVERHEAD_BYTES`]); each log is then sorted by timestamp and cut into `batches`
//! parts of about equal size, so a request near a cut has its lines in two consecutive deliveries, as
//! happens in real subscriptions. A subscription delivery holds one log stream's events, and the function
//! writes one stream per execution environment, so each part of the function's log is delivered as one
//! file per stream (`lambda-NNNN-EEEE.json`: part `NNNN`, environment `EEEE`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::num::{NonZeroU32, NonZeroU64};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use flate2::{Compression, GzBuilder};

use crate::json::{self, Value};
use crate::lean::{self, ACCESS_GROUP, Profile};
use crate::request::Truth;
use crate::shape::{ACCOUNT, EXEC_GROUP, LAMBDA_GROUP, SUBSCRIPTION_FILTER};
use crate::traffic::{Event, Traffic};

/// What a delivery's JSON spends per event besides its message, counted when sizing batches.
pub const EVENT_OVERHEAD_BYTES: u64 = 80;
/// The most execution-log bytes (`batches × batch_bytes`) one run generates: everything is built in memory
/// before it is written, so this bounds the memory a mistyped option can take (about 3 GB at the cap).
pub const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// gzip level of the deliveries (CloudWatch Logs does not document its own; 6 is zlib's default).
const GZIP_LEVEL: u32 = 6;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Deliveries per stream.
    pub batches: NonZeroU32,
    /// About the decoded size of each execution-log delivery (its events' messages plus overhead).
    pub batch_bytes: NonZeroU64,
    /// The random seed: the same seed gives the same files.
    pub seed: u64,
    /// When the first request arrives (epoch ms).
    pub start_ms: i64,
    /// Which logs to write: the default's (`INFO` execution logs) or the lean profile's (`ERROR` execution
    /// logs and an access log, `access-NNNN.json`). The requests, and so the truth, are the same.
    pub profile: Profile,
}

impl Default for Spec {
    /// 10 deliveries of about 1 MB, seed 1, from 2023-10-30T12:58:30Z.
    fn default() -> Self {
        Self {
            batches: NonZeroU32::MIN.saturating_add(9),
            batch_bytes: NonZeroU64::MIN.saturating_add(999_999),
            seed: 1,
            start_ms: 1_698_670_710_000,
            profile: Profile::Full,
        }
    }
}

/// Why traffic could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    /// `batches × batch_bytes` is over [`MAX_TOTAL_BYTES`].
    #[error("{batches} batches of {batch_bytes} bytes exceed the {limit}-byte total this generator builds in memory")]
    TooLarge {
        /// Deliveries asked for.
        batches: u32,
        /// Bytes per delivery asked for.
        batch_bytes: u64,
        /// [`MAX_TOTAL_BYTES`].
        limit: u64,
    },
    /// A file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl TrafficError {
    /// Stable, low-cardinality code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "traffic_too_large",
            Self::Write { .. } => "traffic_write_failed",
        }
    }
}

/// One delivery: a Lambda invocation event of a CloudWatch Logs subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Its file name (`exec-0000.json`; `lambda-0003-0012.json`: part 3 of the function's log, environment 12's
    /// stream).
    pub file_name: String,
    /// `{"awslogs": {"data": ...}}`.
    pub event: String,
}

/// Everything one run generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The execution-log deliveries, then the Lambda-log deliveries, in file-name order (a part's streams
    /// before the next part's).
    pub batches: Vec<Batch>,
    /// One truth per API request, in arrival order.
    pub truth: Vec<Truth>,
}

/// Generates the deliveries and the truth of `spec`, in memory.
pub fn generate(spec: &Spec) -> Result<Generated, TrafficError> {
    let (n, per_batch) = (spec.batches.get(), spec.batch_bytes.get());
    let target = u64::from(n)
        .checked_mul(per_batch)
        .filter(|t| *t <= MAX_TOTAL_BYTES)
        .ok_or(TrafficError::TooLarge {
            batches: n,
            batch_bytes: per_batch,
            limit: MAX_TOTAL_BYTES,
        })?;
    let mut traffic = Traffic::new(spec.seed, spec.start_ms);
    let (mut exec, mut lambda, mut truth, mut size) = (Vec::new(), Vec::new(), Vec::new(), 0u64);
    let mut access = Vec::new();
    while size < target {
        let Some(request) = traffic.next() else { break };
        // Sized by the full execution log whatever the profile, so both profiles hold the same requests.
        size += request.exec.iter().map(weight).sum::<u64>();
        match spec.profile {
            Profile::Full => exec.extend(request.exec),
            Profile::Lean => {
                access.push(lean::access_event(&request));
                exec.extend(request.exec.into_iter().filter(|e| lean::error_level(&e.message)));
            }
        }
        if let Some(env) = request.environment {
            lambda.extend(request.lambda.into_iter().map(|e| (env, e)));
        }
        truth.push(request.truth);
    }
    let exec_stream = &traffic.streams().exec;
    let mut batches: Vec<Batch> = cut(exec, n as usize, |e| e)
        .iter()
        .enumerate()
        .map(|(i, events)| Batch {
            file_name: format!("exec-{i:04}.json"),
            event: lambda_event(&payload(EXEC_GROUP, exec_stream, events)),
        })
        .collect();
    if spec.profile == Profile::Lean {
        batches.extend(
            cut(access, n as usize, |e| e)
                .iter()
                .enumerate()
                .map(|(i, events)| Batch {
                    file_name: format!("access-{i:04}.json"),
                    event: lambda_event(&payload(ACCESS_GROUP, exec_stream, events)),
                }),
        );
    }
    for (i, part) in cut(lambda, n as usize, |(_, e)| e).into_iter().enumerate() {
        let mut by_stream: BTreeMap<usize, Vec<Event>> = BTreeMap::new();
        for (env, e) in part {
            by_stream.entry(env).or_default().push(e);
        }
        batches.extend(by_stream.into_iter().map(|(env, events)| Batch {
            file_name: format!("lambda-{i:04}-{env:04}.json"),
            event: lambda_event(&payload(LAMBDA_GROUP, traffic.lambda_stream(env), &events)),
        }));
    }
    Ok(Generated { batches, truth })
}

/// An event's size as batches count it.
fn weight(e: &Event) -> u64 {
    e.message.len() as u64 + EVENT_OVERHEAD_BYTES
}

/// Sorts `items` by their events' timestamps (stable: lines of one millisecond keep their order) and cuts
/// them into `n` parts of about equal weight; the last takes the rest (a part may be empty).
fn cut<T>(mut items: Vec<T>, n: usize, event: impl Fn(&T) -> &Event) -> Vec<Vec<T>> {
    items.sort_by_key(|t| event(t).timestamp);
    let total: u64 = items.iter().map(|t| weight(event(t))).sum();
    let per = (total / n as u64).max(1);
    let mut parts: Vec<Vec<T>> = Vec::with_capacity(n);
    let (mut current, mut current_size) = (Vec::new(), 0u64);
    for t in items {
        current_size += weight(event(&t));
        current.push(t);
        if current_size >= per && parts.len() < n - 1 {
            parts.push(std::mem::take(&mut current));
            current_size = 0;
        }
    }
    parts.push(current);
    parts
}

/// The subscription payload (the JSON inside `awslogs.data`) of `events`.
pub fn payload(group: &str, stream: &str, events: &[Event]) -> String {
    let mut out = String::with_capacity(events.iter().map(|e| e.message.len() + 100).sum::<usize>() + 256);
    out.push_str("{\"messageType\": \"DATA_MESSAGE\", \"owner\": ");
    json::string(&mut out, ACCOUNT);
    out.push_str(", \"logGroup\": ");
    json::string(&mut out, group);
    out.push_str(", \"logStream\": ");
    json::string(&mut out, stream);
    out.push_str(", \"subscriptionFilters\": [");
    json::string(&mut out, SUBSCRIPTION_FILTER);
    out.push_str("], \"logEvents\": [");
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        json::object(
            &mut out,
            &[
                ("id", Value::Str(&e.id)),
                ("timestamp", Value::Int(e.timestamp)),
                ("message", Value::Str(&e.message)),
            ],
        );
    }
    out.push_str("]}");
    out
}

/// The Lambda invocation event carrying `payload`: gzip (no name, time 0, so the bytes depend on the
/// payload alone), base64, `{"awslogs": {"data": ...}}`.
pub fn lambda_event(payload: &str) -> String {
    let mut gz = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::new(GZIP_LEVEL));
    let compressed = gz
        .write_all(payload.as_bytes())
        .and_then(|()| gz.finish())
        .expect("gzip into a Vec cannot fail");
    let data = base64::engine::general_purpose::STANDARD.encode(compressed);
    format!("{{\"awslogs\": {{\"data\": \"{data}\"}}}}")
}

/// `truth.jsonl`: one JSON object per request (`request_id`, `status`, `failure_reason`, `lambda_request_id`).
pub fn truth_jsonl(truth: &[Truth]) -> String {
    let mut out = String::with_capacity(truth.len() * 140);
    for t in truth {
        json::object(
            &mut out,
            &[
                ("request_id", Value::Str(&t.request_id)),
                ("status", Value::Int(i64::from(t.status))),
                ("failure_reason", t.failure_reason.map_or(Value::Null, Value::Str)),
                (
                    "lambda_request_id",
                    t.lambda_request_id.as_deref().map_or(Value::Null, Value::Str),
                ),
            ],
        );
        out.push('\n');
    }
    out
}

impl Generated {
    /// Writes every delivery and `truth.jsonl` into `dir` (created if missing); the deliveries' paths, in
    /// name order.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, TrafficError> {
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TrafficError::Write { path, source }
        };
        std::fs::create_dir_all(dir).map_err(fail(dir))?;
        let truth = dir.join("truth.jsonl");
        std::fs::write(&truth, truth_jsonl(&self.truth)).map_err(fail(&truth))?;
        let mut paths = Vec::with_capacity(self.batches.len());
        for b in &self.batches {
            let path = dir.join(&b.file_name);
            std::fs::write(&path, &b.event).map_err(fail(&path))?;
            paths.push(path);
        }
        paths.sort();
        Ok(paths)
    }
}
