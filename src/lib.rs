//! apigw-log-indexer: turns CloudWatch Logs subscription deliveries of Amazon API Gateway execution logs,
//! access logs and the integrated Lambda functions' logs into one record per API request and per Lambda
//! invocation, joined to each other, with every failure classified.
//!
//! Data flow (each stage a pure, synchronous function over borrowed data):
//!
//! ```text
//! event bytes ─decode─▶ LogsPayload ─parse─▶ ParsedBatch (fragments) ─Joined/classify─▶ ApiRecord / LambdaRecord
//! ```
//!
//! No module here performs I/O; AWS adapters live in their own modules.
#![warn(missing_docs)]

pub mod aws;
pub mod classify;
pub mod config;
pub mod decode;
pub mod encode;
pub mod evidence;
pub mod index;
pub mod lambda;
pub mod metrics;
pub mod onboard;
pub mod parse;
pub mod pipeline;
pub mod reason;
pub mod record;
pub mod redact;
pub mod services;
pub mod timefmt;

pub use classify::{ApiRecord, Joined, LambdaRecord, classify_api, classify_lambda};
pub use decode::{DEFAULT_MAX_DECODED_BYTES, DecodeError, LogsPayload, MessageType};
pub use parse::{ParseOptions, ParseStats, ParsedBatch, parse_batch};
pub use reason::FailureReason;
pub use redact::Redactor;
