//! The DynamoDB request index, independent of the SDK: item layout (fragments → items), key derivation,
//! size limits and read-time merging. Pure; the SDK adapter is `crate::aws::dynamodb`.

pub mod schema;
