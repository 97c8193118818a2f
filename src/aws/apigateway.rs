//! API Gateway (REST, v1) adapter, and [`ApiGateway`], the onboarding port over v1 and v2 together. The
//! only module that touches `aws_sdk_apigateway` types.

use std::collections::BTreeSet;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{Op, PatchOperation};

use super::apigatewayv2::HttpApis;
use super::pages::all_pages;
use super::sdk_error::{onboard_error, service_code};
use crate::names::integration_of_uri;
use crate::ports::{
    AccessLogSetting, ApiStages, ApiType, Integration, LogLevel, LoggingChange, OnboardResult, StageConfig, StageFilter,
};

const SERVICE: &str = "API Gateway";

/// The method settings key that applies to every method of a stage (`*/*`), where the stage-wide
/// logging level and full-data flag live.
const ALL_METHODS: &str = "*/*";
/// Largest page of `GetRestApis` / `GetResources` (API Gateway API reference: `limit` at most 500).
const PAGE_LIMIT: i32 = 500;

/// REST APIs. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct RestApis {
    client: Client,
}

impl RestApis {
    /// Over an SDK client.
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// `(id, name)` of the APIs the filter names: one, or all (every page).
    async fn apis(&self, filter: &StageFilter) -> OnboardResult<Vec<(String, String)>> {
        if let Some(id) = &filter.api_id {
            return match self.client.get_rest_api().rest_api_id(id).send().await {
                Ok(a) => Ok(vec![(id.clone(), a.name().unwrap_or_default().to_string())]),
                // Perhaps an HTTP or WebSocket API: the v2 adapter looks.
                Err(e) if service_code(&e) == Some("NotFoundException") => Ok(Vec::new()),
                Err(e) => Err(onboard_error(SERVICE, "GetRestApi", e)),
            };
        }
        all_pages(|position| async move {
            let page = self
                .client
                .get_rest_apis()
                .limit(PAGE_LIMIT)
                .set_position(position)
                .send()
                .await
                .map_err(|e| onboard_error(SERVICE, "GetRestApis", e))?;
            let apis = page
                .items()
                .iter()
                .filter_map(|a| Some((a.id()?.to_string(), a.name().unwrap_or_default().to_string())))
                .collect();
            Ok((apis, page.position().map(str::to_string)))
        })
        .await
    }

    /// The Lambda functions the API's methods integrate with (every resource, every page).
    async fn integrations(&self, api_id: &str) -> OnboardResult<Vec<Integration>> {
        let found = all_pages(|position| async move {
            let page = self
                .client
                .get_resources()
                .rest_api_id(api_id)
                .embed("methods")
                .limit(PAGE_LIMIT)
                .set_position(position)
                .send()
                .await
                .map_err(|e| onboard_error(SERVICE, "GetResources", e))?;
            let uris: Vec<Integration> = page
                .items()
                .iter()
                .flat_map(|r| r.resource_methods().into_iter().flat_map(|m| m.values()))
                .filter_map(|m| {
                    m.method_integration()
                        .and_then(|i| i.uri())
                        .and_then(integration_of_uri)
                })
                .collect();
            Ok((uris, page.position().map(str::to_string)))
        })
        .await?;
        Ok(found.into_iter().collect::<BTreeSet<_>>().into_iter().collect())
    }

    async fn stages(&self, filter: &StageFilter) -> OnboardResult<Vec<StageConfig>> {
        let mut out = Vec::new();
        for (api_id, api_name) in self.apis(filter).await? {
            let stages = self
                .client
                .get_stages()
                .rest_api_id(&api_id)
                .send()
                .await
                .map_err(|e| onboard_error(SERVICE, "GetStages", e))?;
            let selected: Vec<_> = stages
                .item()
                .iter()
                .filter(|s| filter.stage.as_deref().is_none_or(|n| s.stage_name() == Some(n)))
                .collect();
            if selected.is_empty() {
                continue;
            }
            let integrations = self.integrations(&api_id).await?;
            for s in selected {
                let all = s.method_settings().and_then(|m| m.get(ALL_METHODS));
                out.push(StageConfig {
                    api_type: ApiType::Rest,
                    api_id: api_id.clone(),
                    api_name: api_name.clone(),
                    stage: s.stage_name().unwrap_or_default().to_string(),
                    logging_level: Some(
                        all.and_then(|m| m.logging_level())
                            .and_then(LogLevel::from_name)
                            .unwrap_or(LogLevel::Off),
                    ),
                    data_trace: all.is_some_and(|m| m.data_trace_enabled()),
                    access_log: s
                        .access_log_settings()
                        .and_then(|a| AccessLogSetting::reported(a.destination_arn(), a.format())),
                    integrations: integrations.clone(),
                });
            }
        }
        Ok(out)
    }

    async fn cloudwatch_role(&self) -> OnboardResult<Option<String>> {
        let account = self
            .client
            .get_account()
            .send()
            .await
            .map_err(|e| onboard_error(SERVICE, "GetAccount", e))?;
        Ok(account
            .cloudwatch_role_arn()
            .filter(|r| !r.is_empty())
            .map(str::to_string))
    }

    /// `UpdateStage` with one `replace` patch per setting that changes.
    async fn update(&self, stage: &StageConfig, change: &LoggingChange) -> OnboardResult<()> {
        let replace = |path: &str, value: &str| {
            PatchOperation::builder()
                .op(Op::Replace)
                .path(path)
                .value(value)
                .build()
        };
        let mut ops = Vec::new();
        if let Some(level) = change.level {
            ops.push(replace("/*/*/logging/loglevel", level.as_str()));
        }
        if let Some(on) = change.data_trace {
            ops.push(replace("/*/*/logging/dataTrace", if on { "true" } else { "false" }));
        }
        if let Some(a) = &change.access_log {
            ops.push(replace("/accessLogSettings/destinationArn", &a.destination_arn));
            ops.push(replace("/accessLogSettings/format", &a.format));
        }
        self.client
            .update_stage()
            .rest_api_id(&stage.api_id)
            .stage_name(&stage.stage)
            .set_patch_operations(Some(ops))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| onboard_error(SERVICE, "UpdateStage", e))
    }
}

/// API Gateway as onboarding sees it: REST APIs (v1) and HTTP and WebSocket APIs (v2).
#[derive(Debug, Clone)]
pub struct ApiGateway {
    rest: RestApis,
    v2: HttpApis,
}

impl ApiGateway {
    /// Over both SDK clients.
    pub fn new(rest: aws_sdk_apigateway::Client, v2: aws_sdk_apigatewayv2::Client) -> Self {
        Self {
            rest: RestApis::new(rest),
            v2: HttpApis::new(v2),
        }
    }
}

impl ApiStages for ApiGateway {
    async fn stages(&self, filter: &StageFilter) -> OnboardResult<Vec<StageConfig>> {
        let mut out = self.rest.stages(filter).await?;
        out.extend(self.v2.stages(filter).await?);
        Ok(out)
    }

    async fn cloudwatch_role(&self) -> OnboardResult<Option<String>> {
        self.rest.cloudwatch_role().await
    }

    async fn update_logging(&self, stage: &StageConfig, change: &LoggingChange) -> OnboardResult<()> {
        match stage.api_type {
            ApiType::Rest => self.rest.update(stage, change).await,
            ApiType::Http | ApiType::WebSocket => self.v2.update(stage, change).await,
        }
    }
}
