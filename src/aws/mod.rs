//! AWS adapters: the only modules that import `aws_sdk_*` types. Everything else talks to them through
//! plain domain types.

pub mod cloudwatch;
pub mod dynamodb;
