//! The Lambda function: configuration and SDK clients once at init, then one invocation per delivery. The
//! same binary is the subscriber function when SUBSCRIBE_DESTINATION_ARN is set.

use apigw_log_indexer::aws::logs::CloudWatchLogs;
use apigw_log_indexer::aws::s3::S3Objects;
use apigw_log_indexer::aws::{AwsOptions, sdk_config};
use apigw_log_indexer::config::Config;
use apigw_log_indexer::lambda;
use apigw_log_indexer::onboard::subscriber::SubscriberConfig;
use apigw_log_indexer::services::aws_services;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // JSON or text, and the level, as the function's LoggingConfig sets them (AWS_LAMBDA_LOG_FORMAT/LEVEL).
    lambda_runtime::tracing::init_default_subscriber();
    // Configured as the subscriber (SUBSCRIBE_DESTINATION_ARN): EventBridge events, subscription filters only.
    if let Some(subscriber) = SubscriberConfig::from_lookup(|k| std::env::var(k).ok())? {
        let logs = CloudWatchLogs::new(aws_sdk_cloudwatchlogs::Client::new(
            &sdk_config(&AwsOptions::default()).await,
        ));
        return lambda_runtime::run(service_fn(|event: LambdaEvent<Box<RawValue>>| {
            lambda::handle_subscriber(&logs, &subscriber, event)
        }))
        .await;
    }
    // An invalid variable fails the init with one line naming it and the allowed values (not the error's
    // Debug form, which is what returning it from main would print); Lambda reports the exit as an init error.
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("apigw-log-indexer: {e}");
            std::process::exit(1);
        }
    };
    let sdk = sdk_config(&AwsOptions::default()).await;
    let services = aws_services(&config, &sdk);
    // Delivered execution logs in S3: the objects S3 notifications name (only those under a declared prefix).
    let objects = S3Objects::from_sdk(&sdk);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Box<RawValue>>| {
        lambda::handle_with(&services, &objects, event)
    }))
    .await
}
