//! SQS adapter of the onboarding port: how many failed batches wait in the on-failure queue. The only
//! module that touches `aws_sdk_sqs` types.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;

use super::sdk_error::{onboard_error, service_code};
use crate::onboard::port::{OnboardError, OnboardResult, QueueDepth, Queues};

const SERVICE: &str = "SQS";

/// SQS. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SqsQueues {
    client: Client,
}

impl SqsQueues {
    /// Over an SDK client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn not_found(queue: &str) -> OnboardError {
    OnboardError::NotFound {
        what: "queue",
        name: queue.to_string(),
    }
}

/// SQS reports a missing queue under its JSON-protocol and its older query-protocol code.
fn missing(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("QueueDoesNotExist" | "AWS.SimpleQueueService.NonExistentQueue")
    )
}

impl Queues for SqsQueues {
    async fn url_of(&self, queue_arn: &str) -> OnboardResult<String> {
        // arn:aws:sqs:REGION:ACCOUNT:NAME
        let mut parts = queue_arn.rsplitn(3, ':');
        let (Some(name), Some(account)) = (parts.next(), parts.next()) else {
            return Err(not_found(queue_arn));
        };
        let out = self
            .client
            .get_queue_url()
            .queue_name(name)
            .queue_owner_aws_account_id(account)
            .send()
            .await
            .map_err(|e| match service_code(&e) {
                c if missing(c) => not_found(queue_arn),
                _ => onboard_error(SERVICE, "GetQueueUrl", e),
            })?;
        out.queue_url().map(str::to_string).ok_or_else(|| not_found(queue_arn))
    }

    async fn depth(&self, url: &str) -> OnboardResult<QueueDepth> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(|e| match service_code(&e) {
                c if missing(c) => not_found(url),
                _ => onboard_error(SERVICE, "GetQueueAttributes", e),
            })?;
        let get = |name: QueueAttributeName| {
            out.attributes()
                .and_then(|a| a.get(&name))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Ok(QueueDepth {
            visible: get(QueueAttributeName::ApproximateNumberOfMessages),
            in_flight: get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        })
    }
}
