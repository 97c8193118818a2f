//! One integration-test binary (one link step), with shared helpers.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a failed set-up step should fail the test loudly

mod cli;
mod dynamodb;
mod dynamodb_cli;
mod dynamodb_mocks;
mod events;
mod formats;
mod helpers;
mod hostile;
mod hostile_events;
mod lambda_e2e;
mod lambda_edge;
mod metrics;
mod moto;
mod never_panics;
mod reasons;
mod template;
mod truth;
