//! AWS adapters: the only modules that import `aws_sdk_*` types. Everything else talks to them through
//! plain domain types.

#[cfg(feature = "cli")]
pub mod apigateway;
#[cfg(feature = "cli")]
pub(crate) mod apigatewayv2;
#[cfg(feature = "cli")]
pub mod cloudformation;
pub mod cloudwatch;
#[cfg(feature = "cli")]
mod delivery;
#[cfg(feature = "cli")]
pub mod deployment;
pub mod dynamodb;
#[cfg(feature = "cli")]
pub mod lambda;
mod log_lines;
pub mod logs;
#[cfg(feature = "cli")]
pub mod metric_query;
pub(crate) mod missing;
pub mod outcome;
#[cfg(feature = "cli")]
mod pages;
pub mod retry;
pub mod s3;
mod sdk_error;
#[cfg(feature = "cli")]
pub mod sqs;

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Time to open a connection: a local or regional endpoint answers in milliseconds, so a few seconds means
/// it is unreachable, and the caller should hear so quickly.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One attempt of one call. DynamoDB answers a 25-item BatchWriteItem or a 1 MB Query page in well under a
/// second; ten seconds leaves room for a slow network while letting the SDK retry within the operation.
pub(crate) const OPERATION_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// One call, retries included. Shorter than the Lambda's timeout, so a stuck call fails as an error with
/// a message, not as a function timeout; callers bound their whole work with their own deadline too.
pub(crate) const OPERATION_TIMEOUT: Duration = Duration::from_secs(25);

/// Where and as whom to call AWS. `None` leaves the choice to the SDK's default chain (environment,
/// shared config files, instance metadata); the SDK reads `AWS_ENDPOINT_URL` itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// Endpoint URL overriding the service's (moto, DynamoDB Local, a VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Named profile of the shared config files.
    pub profile: Option<String>,
}

/// The shared SDK configuration, with explicit timeouts.
pub async fn sdk_config(opts: &AwsOptions) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(OPERATION_ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &opts.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}
