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
pub mod fragment;
pub mod index;
pub mod join;
pub mod lambda;
pub mod memory;
pub mod metrics;
pub mod parse;
pub mod pipeline;
pub mod ports;
pub mod reason;
pub mod record;
pub mod redact;
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
