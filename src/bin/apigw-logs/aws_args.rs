//! The options every AWS subcommand shares, and the context they give an AWS error: which table, which
//! endpoint.

use apigw_log_indexer::aws::dynamodb::DynamoIndex;
use apigw_log_indexer::aws::{AwsOptions, sdk_config};
use apigw_log_indexer::ports::StoreError;
use aws_config::SdkConfig;
use clap::Args;

use crate::error::CliError;

/// Where and as whom to call AWS.
#[derive(Args, Clone)]
pub struct EndpointArgs {
    /// Endpoint URL (moto, DynamoDB Local).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (else the SDK's default chain: AWS_REGION, the profile).
    #[arg(long)]
    pub region: Option<String>,
    /// Named profile of the shared AWS config files.
    #[arg(long)]
    pub profile: Option<String>,
    /// An apigw-log-indexer stack: the table, namespace, function and queue come from its outputs.
    #[arg(long, env = "APIGW_LOGS_STACK")]
    pub stack: Option<String>,
}

impl EndpointArgs {
    /// The SDK configuration these options select.
    pub async fn sdk(&self) -> SdkConfig {
        sdk_config(&AwsOptions {
            endpoint_url: self.endpoint_url.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
        })
        .await
    }
}

/// Options every index subcommand takes.
#[derive(Args, Clone)]
pub struct AwsArgs {
    /// DynamoDB table of the index (or --stack).
    #[arg(long, env = "INDEX_TABLE")]
    pub table: Option<String>,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
}

impl AwsArgs {
    /// The table: given, or from the stack (`crate::stack::fill` runs before any command).
    pub fn table(&self) -> &str {
        self.table.as_deref().unwrap_or_default()
    }

    /// The SDK configuration of the endpoint options.
    pub async fn sdk(&self) -> SdkConfig {
        self.endpoint.sdk().await
    }

    /// The index table's adapter.
    pub async fn index(&self) -> DynamoIndex {
        DynamoIndex::new(aws_sdk_dynamodb::Client::new(&self.sdk().await), self.table())
    }

    /// An index error in this table and endpoint's context; `input` is the event file being replayed.
    pub fn store_error(&self, input: Option<&str>, source: StoreError) -> CliError {
        if let StoreError::NotConfigured { missing, .. } = source {
            return CliError::NotConfigured {
                input: input.map(str::to_string),
                missing,
                table: self.table().to_string(),
                endpoint: self.endpoint.endpoint_url.clone(),
                source: Box::new(source),
            };
        }
        CliError::Store {
            input: input.map(str::to_string),
            table: self.table().to_string(),
            endpoint: self.endpoint.endpoint_url.clone(),
            source: Box::new(source),
        }
    }
}

/// The single-threaded runtime the SDK calls run on (one command, one request at a time).
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}
