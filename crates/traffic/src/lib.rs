//! Realistic, deterministic CloudWatch Logs subscription traffic with its ground truth, for the indexer's
//! tests, benchmarks and demos (`apigw-logs make-traffic`).
//!
//! The traffic is the API Gateway workshop's observability module ([`shape`]): a REST API stage with one
//! `GET` method behind a Lambda proxy integration whose function sleeps 250–1500 ms under a 1 s timeout, so
//! about a third of requests end in a Lambda timeout; six rarer outcomes ([`Mode`]) exercise every other
//! failure path. Execution logging is at INFO with full request and response data, so header and body lines
//! are long (up to about 980 bytes; lines over 1024 bytes would be cut with ` [TRUNCATED]`, as API Gateway
//! does, but this traffic has none: the parser's handling of cut lines is tested on fixtures). The function's own
//! lines (START, an application line, END, REPORT, `Task timed out`) go to the log stream of the execution
//! environment that ran the invocation ([`environment`]: one invocation at a time per environment, a new one
//! is a cold start), so joins between API Gateway and Lambda are exercised too.
//!
//! Two layers, so new forms of traffic can be added without touching the writer:
//! - [`Traffic`]: an endless iterator of [`Request`]s, each with its events ([`Event`]) and its [`Truth`];
//! - [`generate`]: takes requests until the execution log reaches the asked size, cuts each stream into
//!   deliveries by size and by stream ([`Batch`]), and [`Generated::write`] writes `exec-NNNN.json`,
//!   `lambda-NNNN-EEEE.json` (one per part of the function's log and environment's stream)
//!   (Lambda invocation events, `{"awslogs": {"data": ...}}`) and `truth.jsonl`.
//!
//! Everything is a pure function of the [`Spec`]: the same seed gives the same bytes, on every platform
//! ([`rng`] is written out here, not taken from a crate whose stream may change between versions).
//!
//! ```no_run
//! use apigw_traffic::{Spec, Traffic, generate};
//!
//! // Every request, with its events and its truth, one at a time.
//! for request in Traffic::new(7, 1_698_670_710_000).take(3) {
//!     println!("{:?} {} {}", request.mode, request.truth.status, request.exec.len());
//! }
//! // Or the deliveries and truth.jsonl, in memory, then on disk.
//! let generated = generate(&Spec { seed: 7, ..Spec::default() }).expect("within the size cap");
//! generated.write(std::path::Path::new("target/traffic")).expect("a writable directory");
//! ```
//!
//! The command-line form, the files and the mix of outcomes are described in the crate's `README.md`.

pub mod batches;
pub mod environment;
mod json;
pub mod lean;
pub mod request;
pub mod rng;
pub mod shape;
mod text;
pub mod traffic;

pub use batches::{Batch, EVENT_OVERHEAD_BYTES, Generated, MAX_TOTAL_BYTES, Spec, TrafficError, generate};
pub use lean::Profile;
pub use request::{InvocationTruth, Mode, Truth};
pub use traffic::{Event, Request, Streams, Traffic};
