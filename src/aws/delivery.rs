//! CloudWatch Logs deliveries adapter (`crate::ports::Deliveries`) over the same client as `logs.rs`. The
//! destination's resource policy (the log group's, or the S3 bucket policy for `delivery.logs.amazonaws.com`)
//! is not written here: for a destination in the caller's own account CloudWatch Logs adds it when the
//! delivery is created, given the caller may (`logs:PutResourcePolicy` for a group; `s3:GetBucketPolicy` and
//! `s3:PutBucketPolicy` for a bucket; CloudWatch Logs User Guide, "Logs sent to CloudWatch Logs" and "Logs
//! sent to Amazon S3" under "Enable logging from AWS services"), and refuses the delivery otherwise, which
//! the caller then sees as a one-line refusal.

use aws_sdk_cloudwatchlogs::types::{DeliveryDestinationConfiguration, OutputFormat};

use super::logs::CloudWatchLogs;
use super::sdk_error::onboard_error;
use crate::ports::{Deliveries, Delivery, DeliveryDestination, DeliverySource, OnboardError, OnboardResult};

const SERVICE: &str = "CloudWatch Logs";

impl Deliveries for CloudWatchLogs {
    async fn sources(&self) -> OnboardResult<Vec<DeliverySource>> {
        let mut out = Vec::new();
        let mut pages = self.client.describe_delivery_sources().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| onboard_error(SERVICE, "DescribeDeliverySources", e))?;
            out.extend(page.delivery_sources().iter().map(|s| DeliverySource {
                name: s.name().unwrap_or_default().to_string(),
                resource_arns: s.resource_arns().to_vec(),
                log_type: s.log_type().unwrap_or_default().to_string(),
            }));
        }
        Ok(out)
    }

    async fn destinations(&self) -> OnboardResult<Vec<DeliveryDestination>> {
        let mut out = Vec::new();
        let mut pages = self.client.describe_delivery_destinations().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| onboard_error(SERVICE, "DescribeDeliveryDestinations", e))?;
            out.extend(page.delivery_destinations().iter().map(|d| {
                DeliveryDestination {
                    name: d.name().unwrap_or_default().to_string(),
                    arn: d.arn().unwrap_or_default().to_string(),
                    resource_arn: d
                        .delivery_destination_configuration()
                        .map(|c| c.destination_resource_arn().to_string())
                        .unwrap_or_default(),
                    output_format: d.output_format().map(|f| f.as_str().to_string()),
                }
            }));
        }
        Ok(out)
    }

    async fn deliveries(&self) -> OnboardResult<Vec<Delivery>> {
        let mut out = Vec::new();
        let mut pages = self.client.describe_deliveries().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| onboard_error(SERVICE, "DescribeDeliveries", e))?;
            out.extend(page.deliveries().iter().map(|d| Delivery {
                id: d.id().unwrap_or_default().to_string(),
                source_name: d.delivery_source_name().unwrap_or_default().to_string(),
                destination_arn: d.delivery_destination_arn().unwrap_or_default().to_string(),
            }));
        }
        Ok(out)
    }

    async fn put_source(&self, name: &str, resource_arn: &str, log_type: &str) -> OnboardResult<()> {
        self.client
            .put_delivery_source()
            .name(name)
            .resource_arn(resource_arn)
            .log_type(log_type)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| onboard_error(SERVICE, "PutDeliverySource", e))
    }

    async fn put_destination(&self, name: &str, resource_arn: &str, output_format: &str) -> OnboardResult<String> {
        let config = DeliveryDestinationConfiguration::builder()
            .destination_resource_arn(resource_arn)
            .build()
            .map_err(|e| OnboardError::Precondition {
                problem: format!("delivery destination {name}: {e}"),
                fix: "pass a log group or S3 bucket".into(),
            })?;
        let out = self
            .client
            .put_delivery_destination()
            .name(name)
            .output_format(OutputFormat::from(output_format))
            .delivery_destination_configuration(config)
            .send()
            .await
            .map_err(|e| onboard_error(SERVICE, "PutDeliveryDestination", e))?;
        Ok(out
            .delivery_destination()
            .and_then(|d| d.arn())
            .unwrap_or_default()
            .to_string())
    }

    async fn create_delivery(&self, source_name: &str, destination_arn: &str) -> OnboardResult<String> {
        let out = self
            .client
            .create_delivery()
            .delivery_source_name(source_name)
            .delivery_destination_arn(destination_arn)
            .send()
            .await
            .map_err(|e| onboard_error(SERVICE, "CreateDelivery", e))?;
        Ok(out.delivery().and_then(|d| d.id()).unwrap_or_default().to_string())
    }
}
