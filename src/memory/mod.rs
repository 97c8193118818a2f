//! In-memory adapters of the ports: the test doubles of the AWS adapters (the one home of every double the
//! unit and integration tests use), and a way to run and measure the pipeline offline. Same contracts as the
//! real ones; [`failing`] adds the faults the real services produce.

#[cfg(test)]
mod delivery;
pub mod failing;
mod index;
mod ledger;
mod metrics;
#[cfg(test)]
pub(crate) mod onboard;

pub use index::MemoryIndex;
pub use metrics::RecordingMetrics;
