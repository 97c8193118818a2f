//! Lambda and API Gateway (REST) adapter of the deployment-facts port: what `lookup` and `health` read to judge
//! with the configuration, not only the logs. The only module that reads `GetFunctionConfiguration` and
//! `GetIntegration`.

use super::pages::all_pages;
use super::sdk_error::{onboard_error, service_code};
use crate::ports::{DeploymentFacts, FunctionLimits, OnboardError, OnboardResult};

/// Largest page of `GetResources` (API Gateway API reference: `limit` at most 500).
const PAGE_LIMIT: i32 = 500;

/// Lambda and API Gateway clients. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Deployment {
    lambda: aws_sdk_lambda::Client,
    rest: aws_sdk_apigateway::Client,
}

impl Deployment {
    /// Over SDK clients.
    pub fn new(lambda: aws_sdk_lambda::Client, rest: aws_sdk_apigateway::Client) -> Self {
        Self { lambda, rest }
    }
}

fn not_found(what: &'static str, name: &str) -> OnboardError {
    OnboardError::NotFound {
        what,
        name: name.to_string(),
    }
}

impl DeploymentFacts for Deployment {
    async fn function_limits(&self, function: &str) -> OnboardResult<FunctionLimits> {
        let c = self
            .lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| match service_code(&e) {
                Some("ResourceNotFoundException") => not_found("function", function),
                _ => onboard_error("Lambda", "GetFunctionConfiguration", e),
            })?;
        let positive = |v: Option<i32>| v.and_then(|v| u64::try_from(v).ok()).filter(|v| *v > 0);
        Ok(FunctionLimits {
            timeout_s: positive(c.timeout()),
            memory_mb: positive(c.memory_size()),
        })
    }

    async fn integration_timeout_ms(
        &self,
        api_id: &str,
        resource_path: &str,
        method: &str,
    ) -> OnboardResult<Option<u64>> {
        let resources = all_pages(|position| async move {
            let page = self
                .rest
                .get_resources()
                .rest_api_id(api_id)
                .limit(PAGE_LIMIT)
                .set_position(position)
                .send()
                .await
                .map_err(|e| match service_code(&e) {
                    Some("NotFoundException") => not_found("REST API", api_id),
                    _ => onboard_error("API Gateway", "GetResources", e),
                })?;
            let found: Vec<String> = page
                .items()
                .iter()
                .filter(|r| r.path() == Some(resource_path))
                .filter_map(|r| r.id().map(str::to_string))
                .collect();
            Ok((found, page.position().map(str::to_string)))
        })
        .await?;
        let Some(resource) = resources.first() else {
            return Ok(None);
        };
        // The method as logged, else the resource's catch-all `ANY` method.
        for m in [method, "ANY"] {
            match self
                .rest
                .get_integration()
                .rest_api_id(api_id)
                .resource_id(resource)
                .http_method(m)
                .send()
                .await
            {
                // 0 when the integration does not set one: the default applies.
                Ok(i) => return Ok(u64::try_from(i.timeout_in_millis()).ok().filter(|t| *t > 0)),
                Err(e) if service_code(&e) == Some("NotFoundException") => {}
                Err(e) => return Err(onboard_error("API Gateway", "GetIntegration", e)),
            }
        }
        Ok(None)
    }
}
