//! CloudWatch Logs adapter of the onboarding port: list log groups by prefix, read and put subscription
//! filters, create log groups. The only module that touches `aws_sdk_cloudwatchlogs` types.

use aws_sdk_cloudwatchlogs::Client;

use super::sdk_error::{onboard_error, service_code};
use crate::ports::{Created, LogGroups, OnboardError, OnboardResult, SubscriptionFilter};

const SERVICE: &str = "CloudWatch Logs";

/// Every event of the group (an empty filter pattern matches all).
const ALL_EVENTS: &str = "";

/// CloudWatch Logs. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CloudWatchLogs {
    pub(super) client: Client,
}

impl CloudWatchLogs {
    /// Over an SDK client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn not_found(group: &str) -> OnboardError {
    OnboardError::NotFound {
        what: "log group",
        name: group.to_string(),
    }
}

impl LogGroups for CloudWatchLogs {
    async fn names_with_prefix(&self, prefix: &str) -> OnboardResult<Vec<String>> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| onboard_error(SERVICE, "DescribeLogGroups", e))?;
            out.extend(
                page.log_groups()
                    .iter()
                    .filter_map(|g| g.log_group_name().map(str::to_string)),
            );
        }
        out.sort();
        Ok(out)
    }

    async fn filters(&self, group: &str) -> OnboardResult<Vec<SubscriptionFilter>> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .describe_subscription_filters()
            .log_group_name(group)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) if service_code(&e) == Some("ResourceNotFoundException") => return Err(not_found(group)),
                Err(e) => return Err(onboard_error(SERVICE, "DescribeSubscriptionFilters", e)),
            };
            out.extend(page.subscription_filters().iter().map(|f| SubscriptionFilter {
                name: f.filter_name().unwrap_or_default().to_string(),
                destination_arn: f.destination_arn().unwrap_or_default().to_string(),
            }));
        }
        Ok(out)
    }

    async fn put_filter(&self, group: &str, filter: &SubscriptionFilter) -> OnboardResult<()> {
        // No role is passed: CloudWatch Logs invokes a Lambda destination under the function's resource-based
        // policy, and delivers to another account's CloudWatch Logs destination under that destination's
        // policy (a role is only for a Kinesis or Firehose stream in the same account).
        self.client
            .put_subscription_filter()
            .log_group_name(group)
            .filter_name(&filter.name)
            .filter_pattern(ALL_EVENTS)
            .destination_arn(&filter.destination_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| match service_code(&e) {
                Some("ResourceNotFoundException") => not_found(group),
                _ => onboard_error(SERVICE, "PutSubscriptionFilter", e),
            })
    }

    async fn create_group(&self, name: &str) -> OnboardResult<Created> {
        match self.client.create_log_group().log_group_name(name).send().await {
            Ok(_) => Ok(Created::New),
            Err(e) if service_code(&e) == Some("ResourceAlreadyExistsException") => Ok(Created::Existed),
            Err(e) => Err(onboard_error(SERVICE, "CreateLogGroup", e)),
        }
    }
}
