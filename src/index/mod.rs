//! The DynamoDB request index, independent of the SDK: item layout (fragments → items), key derivation,
//! size limits and read-time merging, and the ports the adapters implement. Pure, apart from the ports'
//! async signatures; the SDK adapter is `crate::aws::dynamodb`. The layout is documented with an example
//! item in `docs/data-model.md`.

pub mod codec;
pub mod item;
pub mod layout;
pub mod memory;
pub mod port;
pub mod query;
pub mod read;
pub mod schema;

pub use item::{AttrValue, IndexItem};
pub use layout::{BatchItems, ItemOptions, items_for_batch};
pub use memory::MemoryIndex;
pub use port::{IndexReader, IndexWriter, StoreError, WriteReport};

#[cfg(test)]
mod tests;
