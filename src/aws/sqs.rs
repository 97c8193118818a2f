//! SQS adapter of the onboarding port: how many failed batches wait in the on-failure queue. The only
//! module that touches `aws_sdk_sqs` types.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::QueueAttributeName;

use super::sdk_error::{onboard_error, service_code};
use crate::ports::{OnboardError, OnboardResult, QueueDepth, Queues};

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

/// The port's error for a failed call on `queue`: SQS reports a missing queue under its JSON-protocol and
/// its older query-protocol code.
fn queue_error<E, R>(operation: &'static str, queue: &str, e: SdkError<E, R>) -> OnboardError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match service_code(&e) {
        Some("QueueDoesNotExist" | "AWS.SimpleQueueService.NonExistentQueue") => not_found(queue),
        _ => onboard_error(SERVICE, operation, e),
    }
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
            .map_err(|e| queue_error("GetQueueUrl", queue_arn, e))?;
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
            .map_err(|e| queue_error("GetQueueAttributes", url, e))?;
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
