//! apigw-log-indexer: turns CloudWatch Logs subscription deliveries of Amazon API Gateway execution logs,
//! access logs and the integrated Lambda functions' logs into one record per API request and per Lambda
//! invocation, joined to each other, with every failure classified, indexed by request ID and counted in
//! failure-reason metrics.
//!
//! The write path, one way (each stage a pure, synchronous function over borrowed data; `pipeline` runs
//! them for the Lambda and for `apigw-logs replay`):
//!
//! ```text
//! event bytes ─decode─▶ LogsPayload ─parse─▶ ParsedBatch ─classify─▶ ClassifiedBatch ─┬─index::layout─▶ items ─▶ IndexWriter
//!  (decode.rs)           (parse/)     fragments (fragment.rs)  (classify.rs)           └─metrics───────▶ MetricSet ─▶ BatchLedger + MetricsSink
//! ```
//!
//! The read path: `IndexReader` → `index::query`/`index::read` (items → fragments) → `join` (merge by ID,
//! API ↔ Lambda) → `classify` → `record` (the public `kind: "api"` / `kind: "lambda"` records).
//!
//! Where things live:
//! - stages: [`decode`], [`parse`] (execution, access and Lambda lines), [`classify`], [`index`] (layout,
//!   stored format, reads), [`metrics`] (aggregation, EMF, chunking), [`pipeline`] (the use case);
//! - the model: [`fragment`] (what a batch says), [`record`] (what it means), [`reason`] and [`evidence`]
//!   (the taxonomy and its phrases), [`diagnose`] (read side: a failure's cause and fix), [`redact`]
//!   (masking before anything is kept);
//! - ports and adapters: [`ports`] (the traits the core owns), [`aws`] (every SDK type), [`memory`]
//!   (in-memory doubles), [`sinks`] (EMF, off), [`services`] (wiring from [`config`]);
//! - reading the metrics back: [`health`] (limits at risk) and [`coverage`] (API Gateway's own counts
//!   against the indexer's), pure, for `apigw-logs health` and `coverage`;
//! - delivered execution logs in S3: [`s3_delivery`] (an object's lines as one delivery of a declared stage);
//! - vocabulary: [`names`] (log group names and ARNs, shared by parse, onboard and the adapters);
//! - edges: [`lambda`] (the Lambda event and its errors; its entry point is the `crates/function` package,
//!   which builds this library without the `cli` feature), the `apigw-logs` CLI in `src/bin/`.
//!
//! Nothing outside [`aws`], [`lambda`] and [`sinks`] performs I/O.
#![warn(missing_docs)]
// `pub` is what the CLI, the function crate, the benches and `tests/it` use; everything else is `pub(crate)`,
// and this lint keeps it so (`docs/development.md`, "Public surface").
#![warn(unreachable_pub)]

pub mod aws;
pub mod classify;
pub mod config;
pub mod coverage;
pub mod decode;
pub mod diagnose;
pub(crate) mod digest;
pub mod encode;
pub(crate) mod evidence;
pub mod fragment;
pub mod health;
pub mod index;
pub mod join;
pub mod lambda;
pub mod memory;
pub mod metrics;
pub mod names;
pub mod onboard;
pub mod parse;
pub mod pipeline;
pub mod ports;
pub mod reason;
pub mod record;
pub mod redact;
pub mod s3_delivery;
pub mod services;
pub mod sinks;
pub mod timefmt;

pub use classify::{ClassifiedBatch, classify_api, classify_batch, classify_lambda};
pub use decode::{DEFAULT_MAX_DECODED_BYTES, DecodeError, LogsPayload, MessageType};
pub use join::Joined;
pub use parse::{ParseOptions, ParseStats, ParsedBatch, parse_batch};
pub use reason::FailureReason;
pub use record::{ApiRecord, LambdaRecord, LambdaStatus};
pub use redact::Redactor;
