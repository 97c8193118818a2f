//! Lambda adapter of the onboarding port: a function's ARN and log group, its on-failure destination, its
//! resource-based policy, and the one statement letting CloudWatch Logs invoke it. The only module that
//! touches `aws_sdk_lambda` types.

use aws_sdk_lambda::Client;

use super::sdk_error::{onboard_error, service_code};
use crate::names::LAMBDA_GROUP_PREFIX;
use crate::ports::{FunctionInfo, Functions, OnboardError, OnboardResult};

const SERVICE: &str = "Lambda";

/// The principal CloudWatch Logs invokes subscription destinations as.
const LOGS_PRINCIPAL: &str = "logs.amazonaws.com";

/// Lambda. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LambdaFunctions {
    client: Client,
}

impl LambdaFunctions {
    /// Over an SDK client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl Functions for LambdaFunctions {
    async fn function(&self, name_or_arn: &str) -> OnboardResult<FunctionInfo> {
        let out = self
            .client
            .get_function()
            .function_name(name_or_arn)
            .send()
            .await
            .map_err(|e| match service_code(&e) {
                Some("ResourceNotFoundException") => OnboardError::NotFound {
                    what: "function",
                    name: name_or_arn.to_string(),
                },
                _ => onboard_error(SERVICE, "GetFunction", e),
            })?;
        let c = out.configuration();
        let name = c.and_then(|c| c.function_name()).unwrap_or(name_or_arn).to_string();
        let arn = c.and_then(|c| c.function_arn()).unwrap_or(name_or_arn).to_string();
        let log_group = c
            .and_then(|c| c.logging_config())
            .and_then(|l| l.log_group())
            .map_or_else(|| format!("{LAMBDA_GROUP_PREFIX}{name}"), str::to_string);
        Ok(FunctionInfo { arn, name, log_group })
    }

    async fn on_failure_destination(&self, function_arn: &str) -> OnboardResult<Option<String>> {
        match self
            .client
            .get_function_event_invoke_config()
            .function_name(function_arn)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .destination_config()
                .and_then(|d| d.on_failure())
                .and_then(|f| f.destination())
                .map(str::to_string)),
            // No asynchronous invocation configuration: no destination.
            Err(e) if service_code(&e) == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(onboard_error(SERVICE, "GetFunctionEventInvokeConfig", e)),
        }
    }

    async fn variable(&self, function_arn: &str, name: &str) -> OnboardResult<Option<String>> {
        let out = self
            .client
            .get_function_configuration()
            .function_name(function_arn)
            .send()
            .await
            .map_err(|e| onboard_error(SERVICE, "GetFunctionConfiguration", e))?;
        Ok(out
            .environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get(name))
            .cloned())
    }

    async fn policy(&self, function_arn: &str) -> OnboardResult<Option<String>> {
        match self.client.get_policy().function_name(function_arn).send().await {
            Ok(out) => Ok(out.policy().map(str::to_string)),
            // A function without a resource-based policy answers "not found".
            Err(e) if service_code(&e) == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(onboard_error(SERVICE, "GetPolicy", e)),
        }
    }

    async fn allow_logs(
        &self,
        function_arn: &str,
        statement_id: &str,
        source_arn: &str,
        source_account: &str,
    ) -> OnboardResult<()> {
        self.client
            .add_permission()
            .function_name(function_arn)
            .statement_id(statement_id)
            .action("lambda:InvokeFunction")
            .principal(LOGS_PRINCIPAL)
            .source_arn(source_arn)
            .source_account(source_account)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| onboard_error(SERVICE, "AddPermission", e))
    }
}
