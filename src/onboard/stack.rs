//! What a deployed stack tells the CLI (`--stack NAME`): the outputs `template.yaml` declares for it.

use std::collections::BTreeMap;

use crate::ports::{OnboardError, OnboardResult};

/// Output: the DynamoDB index table.
pub const TABLE_OUTPUT: &str = "IndexTableName";
/// Output: the CloudWatch namespace of the metrics.
pub const NAMESPACE_OUTPUT: &str = "MetricsNamespace";
/// Output: the indexer function's ARN.
pub const FUNCTION_OUTPUT: &str = "IndexerFunctionArn";
/// Output: the on-failure queue's URL.
pub const QUEUE_OUTPUT: &str = "OnFailureQueueUrl";

/// A stack's outputs, by the names `docs/reference.md` fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackRefs {
    stack: String,
    outputs: BTreeMap<String, String>,
}

impl StackRefs {
    /// From the outputs of `stack`.
    pub fn new(stack: impl Into<String>, outputs: BTreeMap<String, String>) -> Self {
        Self {
            stack: stack.into(),
            outputs,
        }
    }

    /// The stack's name.
    pub fn stack(&self) -> &str {
        &self.stack
    }

    /// One output; `MissingOutput` when the stack lacks it.
    pub fn get(&self, output: &'static str) -> OnboardResult<&str> {
        self.outputs
            .get(output)
            .map(String::as_str)
            .ok_or_else(|| OnboardError::MissingOutput {
                stack: self.stack.clone(),
                output,
            })
    }
}
