//! The per-batch metrics marker, in one place: a batch's metrics are counted exactly once because a marker
//! item records who publishes them and how far they got.
//!
//! - [`key`]: the marker's key, derived from the batch;
//! - [`once`]: the protocol (claim, publish one request at a time, settle) over the
//!   [`BatchLedger`](crate::ports::BatchLedger) port;
//! - [`item`]: the marker as an item of the index table, and the listing of unsettled markers.
//!
//! The port's own types (`Marker`, `State`, `Expect`, `Write`, `BatchLedger`) stay in `crate::ports`; the
//! adapters are `crate::aws::dynamodb` and `crate::memory`.

pub mod item;
pub(crate) mod key;
pub(crate) mod once;
