//! Onboarding: getting every API's logs to the indexer, and saying what stops them.
//!
//! ```text
//! ports (API Gateway v1/v2, CloudWatch Logs, Lambda, SQS, CloudFormation)
//!   ├─ subscribe   select groups by prefix/name → plan (pure `plan::decide`) → allow → apply
//!   ├─ collect     → doctor::Snapshot ─doctor::check (pure)─▶ findings, each with its fix command
//!   ├─ setup       one stage: level, access log (recommended `format`), groups, subscriptions
//!   └─ subscriber  the subscriber function's events (CloudTrail CreateLogGroup, schedule, deploy)
//! ```
//!
//! Pure modules (`format`, `plan`, `policy`, `doctor`, `stack`, the event reading in `subscriber`)
//! over the small port traits of `crate::ports` (`ports/onboard.rs`); the adapters are in `crate::aws`; the
//! log group names and ARNs in `crate::names`.

pub mod collect;
pub mod delivery;
pub mod doctor;
pub mod format;
pub mod plan;
pub(crate) mod policy;
pub mod setup;
mod shell;
pub mod stack;
pub mod subscribe;
pub mod subscriber;

#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod tests;

pub use crate::ports::{OnboardError, OnboardResult};
