//! The ports: the traits through which the core writes and reads the index, publishes metrics,
//! remembers which batches' metrics were counted, and onboards APIs (API Gateway, Logs, Lambda, SQS,
//! CloudFormation), with the errors and values they carry. The core
//! (pipeline, query, the metrics protocol) is generic over these; adapters implement them: `crate::aws`
//! (DynamoDB, CloudWatch), `crate::memory` (in-memory doubles for tests and offline runs) and
//! `crate::sinks` (EMF, off). Nothing here names an SDK type.

mod delivery;
mod deployment;
mod index;
pub mod item;
mod ledger;
pub mod log_lines;
pub(crate) mod metric_data;
mod metrics;
pub mod objects;
mod onboard;
pub mod schema;

pub use delivery::*;
pub use deployment::*;
pub use index::*;
pub use ledger::*;
pub use metrics::*;
pub use onboard::*;
