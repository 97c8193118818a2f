//! CloudWatch Logs deliveries (the "V2" vended-logs set-up), as `setup-logging --delivery` and `doctor` use
//! them: a delivery source (the AWS resource that sends, such as a REST stage), a delivery destination (a
//! log group, an S3 bucket or a Firehose stream of this account) and the delivery that pairs them
//! (CloudWatch Logs API Reference: PutDeliverySource, PutDeliveryDestination, CreateDelivery). Adapter:
//! `crate::aws::delivery`; tests script it in memory (`crate::memory::onboard`).

use std::future::Future;

use super::OnboardResult;

/// The log type of a REST stage's execution logs as a delivery source (API Gateway Developer Guide,
/// "Create a log delivery for REST API execution logs").
pub const EXECUTION_LOGS: &str = "EXECUTION_LOGS";

/// A delivery source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySource {
    /// Its name (unique in the account and Region).
    pub name: String,
    /// The resources that send (for API Gateway: one stage ARN).
    pub resource_arns: Vec<String>,
    /// The log type (`EXECUTION_LOGS`).
    pub log_type: String,
}

/// A delivery destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryDestination {
    /// Its name.
    pub name: String,
    /// Its ARN (`arn:…:logs:…:delivery-destination:NAME`), which a delivery names.
    pub arn: String,
    /// The resource logs go to: a log group, `arn:…:s3:::bucket[/prefix]` or a Firehose stream ARN.
    pub resource_arn: String,
    /// `json`, `plain`, `w3c`, `raw` or `parquet`, when reported.
    pub output_format: Option<String>,
}

/// A delivery: one source to one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its ID (what `DeleteDelivery` takes).
    pub id: String,
    /// The source's name.
    pub source_name: String,
    /// The destination's ARN.
    pub destination_arn: String,
}

/// What kind of resource a destination writes to, from its resource ARN's service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationKind {
    /// A CloudWatch Logs log group.
    LogGroup,
    /// An S3 bucket (and key prefix).
    S3,
    /// A Firehose stream.
    Firehose,
    /// Anything else.
    Other,
}

impl DestinationKind {
    /// From a destination's resource ARN (`arn:PARTITION:SERVICE:…`).
    pub fn of(resource_arn: &str) -> Self {
        match resource_arn.split(':').nth(2) {
            Some("logs") => Self::LogGroup,
            Some("s3") => Self::S3,
            Some("firehose") => Self::Firehose,
            _ => Self::Other,
        }
    }
}

/// CloudWatch Logs deliveries, as onboarding uses them. Every list is whole (all pages).
pub trait Deliveries {
    /// The account's delivery sources in this Region.
    fn sources(&self) -> impl Future<Output = OnboardResult<Vec<DeliverySource>>> + Send;
    /// The account's delivery destinations in this Region.
    fn destinations(&self) -> impl Future<Output = OnboardResult<Vec<DeliveryDestination>>> + Send;
    /// The account's deliveries in this Region.
    fn deliveries(&self) -> impl Future<Output = OnboardResult<Vec<Delivery>>> + Send;
    /// Creates the source `name` for `resource_arn`, or updates it (PutDeliverySource is an upsert).
    fn put_source(
        &self,
        name: &str,
        resource_arn: &str,
        log_type: &str,
    ) -> impl Future<Output = OnboardResult<()>> + Send;
    /// Creates or updates the destination `name` writing to `resource_arn` in `output_format`; its ARN.
    fn put_destination(
        &self,
        name: &str,
        resource_arn: &str,
        output_format: &str,
    ) -> impl Future<Output = OnboardResult<String>> + Send;
    /// Pairs a source and a destination; the new delivery's ID.
    fn create_delivery(
        &self,
        source_name: &str,
        destination_arn: &str,
    ) -> impl Future<Output = OnboardResult<String>> + Send;
}
