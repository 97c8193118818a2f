//! The DynamoDB request index, independent of the SDK: item layout (fragments → items), key derivation,
//! size limits and read-time merging. Pure; the ports it is written and read through are `crate::ports`,
//! the adapters `crate::aws::dynamodb` and `crate::memory`. The layout is documented with an example
//! item in `docs/data-model.md`.

pub mod blob;
mod bounds;
pub mod clean;
pub mod layout;
pub mod not_indexed;
pub(crate) mod part;
pub mod query;
pub mod read;
pub(crate) mod state;
pub mod success;

// The item model and the table schema are the ports' (what the index is written and read through).
pub use crate::ports::item::{AttrValue, IndexItem};
pub use layout::{BatchItems, ItemOptions, items_for_batch};
pub use success::{LogLocation, SuccessPolicy, SuccessStorage};

#[cfg(test)]
mod tests;
