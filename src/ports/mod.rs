//! The ports: the traits through which the core writes and reads the index, publishes metrics and
//! remembers which batches' metrics were counted, with the errors and values they carry. The core
//! (pipeline, query, the metrics protocol) is generic over these; adapters implement them: `crate::aws`
//! (DynamoDB, CloudWatch), `crate::memory` (in-memory doubles for tests and offline runs) and
//! `crate::sinks` (EMF, off). Nothing here names an SDK type.

mod index;
mod ledger;
mod metrics;

pub use index::*;
pub use ledger::*;
pub use metrics::*;
