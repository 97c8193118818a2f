//! CloudFormation adapter: a stack's outputs (`--stack NAME`). The only module that touches
//! `aws_sdk_cloudformation` types.

use std::collections::BTreeMap;

use aws_sdk_cloudformation::Client;

use super::sdk_error::{onboard_error, service_code};
use crate::ports::{OnboardError, OnboardResult, StackOutputs};

/// CloudFormation. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CloudFormationStacks {
    client: Client,
}

impl CloudFormationStacks {
    /// Over an SDK client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl StackOutputs for CloudFormationStacks {
    async fn outputs(&self, stack: &str) -> OnboardResult<BTreeMap<String, String>> {
        let out = self
            .client
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| {
                // A missing stack is a ValidationError "Stack with id NAME does not exist".
                let missing = service_code(&e) == Some("ValidationError")
                    && e.as_service_error()
                        .and_then(aws_sdk_cloudformation::error::ProvideErrorMetadata::message)
                        .is_some_and(|m| m.contains("does not exist"));
                if missing {
                    OnboardError::NotFound {
                        what: "stack",
                        name: stack.to_string(),
                    }
                } else {
                    onboard_error("CloudFormation", "DescribeStacks", e)
                }
            })?;
        let Some(s) = out.stacks().first() else {
            return Err(OnboardError::NotFound {
                what: "stack",
                name: stack.to_string(),
            });
        };
        Ok(s.outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
            .collect())
    }
}
