//! DynamoDB adapter (to be written).
