//! API Gateway v2 (HTTP and WebSocket APIs) adapter: stages, their Lambda integrations, and logging
//! updates. Used through `ApiGateway` (apigateway.rs), never the reverse. The only module that touches
//! `aws_sdk_apigatewayv2` types.

use std::collections::BTreeSet;

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, LoggingLevel, ProtocolType, RouteSettings};

use super::pages::all_pages;
use super::sdk_error::{onboard_error, service_code};
use crate::names::integration_of_uri;
use crate::ports::{
    AccessLogSetting, ApiType, Integration, LogLevel, LoggingChange, OnboardResult, StageConfig, StageFilter,
};

const SERVICE: &str = "API Gateway v2";

/// HTTP and WebSocket APIs. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct HttpApis {
    client: Client,
}

fn api_type(p: Option<&ProtocolType>) -> Option<ApiType> {
    match p? {
        ProtocolType::Http => Some(ApiType::Http),
        ProtocolType::Websocket => Some(ApiType::WebSocket),
        _ => None,
    }
}

fn level(l: Option<&LoggingLevel>) -> LogLevel {
    match l {
        Some(LoggingLevel::Info) => LogLevel::Info,
        Some(LoggingLevel::Error) => LogLevel::Error,
        _ => LogLevel::Off,
    }
}

impl HttpApis {
    /// Over an SDK client.
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// `(id, name, type)` of the APIs the filter names: one, or all (every page).
    async fn apis(&self, filter: &StageFilter) -> OnboardResult<Vec<(String, String, ApiType)>> {
        if let Some(id) = &filter.api_id {
            return match self.client.get_api().api_id(id).send().await {
                Ok(a) => Ok(api_type(a.protocol_type())
                    .map(|t| (id.clone(), a.name().unwrap_or_default().to_string(), t))
                    .into_iter()
                    .collect()),
                // Perhaps a REST API: the v1 adapter looks.
                Err(e) if service_code(&e) == Some("NotFoundException") => Ok(Vec::new()),
                Err(e) => Err(onboard_error(SERVICE, "GetApi", e)),
            };
        }
        all_pages(|token| async move {
            let page = self
                .client
                .get_apis()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| onboard_error(SERVICE, "GetApis", e))?;
            let apis = page
                .items()
                .iter()
                .filter_map(|a| {
                    Some((
                        a.api_id()?.to_string(),
                        a.name().unwrap_or_default().to_string(),
                        api_type(a.protocol_type())?,
                    ))
                })
                .collect();
            Ok((apis, page.next_token().map(str::to_string)))
        })
        .await
    }

    async fn integrations(&self, api_id: &str) -> OnboardResult<Vec<Integration>> {
        let found = all_pages(|token| async move {
            let page = self
                .client
                .get_integrations()
                .api_id(api_id)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| onboard_error(SERVICE, "GetIntegrations", e))?;
            let uris: Vec<Integration> = page
                .items()
                .iter()
                .filter_map(|i| integration_of_uri(i.integration_uri()?))
                .collect();
            Ok((uris, page.next_token().map(str::to_string)))
        })
        .await?;
        Ok(found.into_iter().collect::<BTreeSet<_>>().into_iter().collect())
    }

    pub(super) async fn stages(&self, filter: &StageFilter) -> OnboardResult<Vec<StageConfig>> {
        let mut out = Vec::new();
        for (api_id, api_name, api_type) in self.apis(filter).await? {
            let api = api_id.as_str();
            let selected: Vec<_> = all_pages(|token| async move {
                let page = self
                    .client
                    .get_stages()
                    .api_id(api)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| onboard_error(SERVICE, "GetStages", e))?;
                let stages = page
                    .items()
                    .iter()
                    .filter(|s| filter.stage.as_deref().is_none_or(|n| s.stage_name() == Some(n)))
                    .cloned()
                    .collect();
                Ok((stages, page.next_token().map(str::to_string)))
            })
            .await?;
            if selected.is_empty() {
                continue;
            }
            let integrations = self.integrations(&api_id).await?;
            for s in selected {
                let route = s.default_route_settings();
                out.push(StageConfig {
                    api_type,
                    api_id: api_id.clone(),
                    api_name: api_name.clone(),
                    stage: s.stage_name().unwrap_or_default().to_string(),
                    // HTTP APIs have no execution logs.
                    logging_level: (api_type == ApiType::WebSocket)
                        .then(|| level(route.and_then(|r| r.logging_level()))),
                    data_trace: route.and_then(|r| r.data_trace_enabled()).unwrap_or(false),
                    access_log: s
                        .access_log_settings()
                        .and_then(|a| AccessLogSetting::reported(a.destination_arn(), a.format())),
                    integrations: integrations.clone(),
                });
            }
        }
        Ok(out)
    }

    /// `UpdateStage`. The default route settings are sent whole, so the current ones (throttling, detailed
    /// metrics) are read first and kept.
    pub(super) async fn update(&self, stage: &StageConfig, change: &LoggingChange) -> OnboardResult<()> {
        let mut req = self
            .client
            .update_stage()
            .api_id(&stage.api_id)
            .stage_name(&stage.stage);
        if let Some(a) = &change.access_log {
            req = req.access_log_settings(
                AccessLogSettings::builder()
                    .destination_arn(&a.destination_arn)
                    .format(&a.format)
                    .build(),
            );
        }
        if stage.api_type == ApiType::WebSocket && (change.level.is_some() || change.data_trace.is_some()) {
            let current = self
                .client
                .get_stage()
                .api_id(&stage.api_id)
                .stage_name(&stage.stage)
                .send()
                .await
                .map_err(|e| onboard_error(SERVICE, "GetStage", e))?;
            let old = current.default_route_settings();
            let mut route = RouteSettings::builder()
                .set_detailed_metrics_enabled(old.and_then(|r| r.detailed_metrics_enabled()))
                .set_throttling_burst_limit(old.and_then(|r| r.throttling_burst_limit()))
                .set_throttling_rate_limit(old.and_then(|r| r.throttling_rate_limit()))
                .set_data_trace_enabled(change.data_trace.or(old.and_then(|r| r.data_trace_enabled())))
                .set_logging_level(old.and_then(|r| r.logging_level()).cloned());
            if let Some(l) = change.level {
                route = route.logging_level(LoggingLevel::from(l.as_str()));
            }
            req = req.default_route_settings(route.build());
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| onboard_error(SERVICE, "UpdateStage", e))
    }
}
