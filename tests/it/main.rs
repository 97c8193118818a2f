//! One integration-test binary (one link step), with shared helpers.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a failed set-up step should fail the test loudly

mod access_families;
mod cli;
mod concurrent;
mod daily_cost;
mod delivered;
mod dynamodb;
mod dynamodb_cli;
mod dynamodb_mocks;
mod events;
mod execution_families;
mod faults;
mod follow;
mod forged;
mod formats;
mod helpers;
mod hostile;
mod hostile_events;
mod items_snapshot;
mod joins;
mod lambda_e2e;
mod lambda_edge;
mod lambda_json;
mod lambda_runtimes;
mod mcp;
mod metrics;
mod moto;
mod never_panics;
mod onboard;
mod onboard_events;
mod onboard_mocks;
mod onboard_moto;
mod onboard_stack;
mod once;
mod readme_onboard;
mod reasons;
mod sink_cost;
mod streaming;
mod structure_props;
mod template;
mod traffic;
mod trust;
mod truth;
