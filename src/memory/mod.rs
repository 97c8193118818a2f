//! In-memory adapters of the ports: the test doubles of the AWS adapters, and a way to run and measure
//! the pipeline offline. Same contracts as the real ones.

mod index;
mod ledger;
mod metrics;

pub use index::MemoryIndex;
pub use metrics::RecordingMetrics;
