//! `setup-logging --delivery log-group|s3`: a CloudWatch Logs delivery of a REST stage's execution logs
//! (events up to 1 MB) to a log group or an S3 bucket, and the `EXECUTION_LOG_GROUPS` entry that makes the
//! indexer read it. Three steps (API Gateway Developer Guide, "Create a log delivery for REST API execution
//! logs"): a delivery source for the stage (`arn:…:apigateway:REGION:ACCOUNT:/restapis/API/stages/STAGE`,
//! log type `EXECUTION_LOGS`), a delivery destination for the group or bucket (JSON records, what the
//! indexer's delivered reader reads first), and the delivery pairing them. Idempotent: what exists (found by
//! the stage's ARN and the destination's resource, whatever their names) is reused, so a rerun changes
//! nothing. A delivered group is subscribed to the indexer like any other.

use sha2::{Digest, Sha256};

use super::setup::subscribe_targets;
use super::subscribe::Plan;
use crate::names::{APIGATEWAY_GROUP_PREFIX, EXECUTION_GROUP_PREFIX, Indexer, LAMBDA_GROUP_PREFIX};
use crate::ports::{
    ApiStages, ApiType, Created, Deliveries, DestinationKind, EXECUTION_LOGS, Functions, LogGroups, LogLevel,
    OnboardError, OnboardResult, StageFilter,
};

/// Longest delivery source and destination name (PutDeliverySource, PutDeliveryDestination: 1-60
/// characters of `[\w-]`, CloudWatch Logs API Reference).
pub const MAX_DELIVERY_NAME: usize = 60;
/// The format the delivery writes: JSON records, read by `parse::delivered` (log groups also take `plain`,
/// S3 also `w3c` and `parquet`, which carry no line the indexer reads).
pub const OUTPUT_FORMAT: &str = "json";
/// The key prefix under which stages' S3 deliveries go by default: the template's `ExecutionLogBucketPrefix`
/// default, so the indexer may read them.
pub const DEFAULT_S3_BASE: &str = "execution-logs/";
/// Formats of an existing destination the indexer reads (`parse::delivered`, `s3_delivery`).
const READABLE_FORMATS: [&str; 2] = ["json", "plain"];

/// Where the stage's execution logs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryTarget {
    /// A log group of the indexer's account and Region (created when missing).
    LogGroup(String),
    /// An S3 bucket of that account, under a key prefix.
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix (the destination prefix of the delivery's object keys).
        prefix: String,
    },
}

impl DeliveryTarget {
    /// The default log group of a stage's delivery: outside the prefixes whose names decide the parser
    /// (`docs/log-formats.md` §2), so its declaration is what makes it an execution log.
    pub fn default_group(api_id: &str, stage: &str) -> Self {
        Self::LogGroup(format!("/apigateway/execution-logs/{api_id}/{stage}"))
    }

    /// The default S3 prefix of a stage's delivery in `bucket`, under `base` (the template's
    /// `ExecutionLogBucketPrefix`): one prefix per stage, ending in `/` so no other stage's keys match it.
    pub fn default_s3(bucket: &str, base: &str, api_id: &str, stage: &str) -> Self {
        Self::S3 {
            bucket: bucket.to_string(),
            prefix: format!("{base}{api_id}/{stage}/"),
        }
    }

    /// The `EXECUTION_LOG_GROUPS` entry declaring this target as `api_id/stage`'s execution logs.
    pub fn declaration(&self, api_id: &str, stage: &str) -> String {
        match self {
            Self::LogGroup(g) => format!("{g}={api_id}/{stage}"),
            Self::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}={api_id}/{stage}"),
        }
    }
}

/// What to set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRequest {
    /// REST API ID.
    pub api_id: String,
    /// Stage name.
    pub stage: String,
    /// Where to deliver.
    pub target: DeliveryTarget,
}

/// What `setup-logging --delivery` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// One line per change made.
    pub changes: Vec<String>,
    /// The `EXECUTION_LOG_GROUPS` entry the indexer needs (template parameter `DeliveredExecutionLogs`).
    pub declaration: String,
    /// The delivered group's subscription (empty for S3).
    pub subscriptions: Plan,
}

/// A delivery source or destination name for the stage: `apigw-API-STAGE[-suffix]`, or with the stage's
/// hash in place of a name too long for the limit (names are `[\w-]`, as REST stage names are).
pub fn delivery_name(api_id: &str, stage: &str, suffix: &str) -> String {
    let plain = format!("apigw-{api_id}-{stage}{suffix}");
    if plain.len() <= MAX_DELIVERY_NAME {
        return plain;
    }
    let hash: String = Sha256::digest(stage.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("apigw-{api_id}-{hash}{suffix}")
}

/// Creates (or finds) the delivery of the stage's execution logs to the target. Fails before changing
/// anything when the stage is not a REST stage with execution logging on (the delivery source needs it),
/// or when the group is one whose name already decides how the indexer reads it.
pub async fn setup_delivery<A, L, D, F>(
    apis: &A,
    logs: &L,
    deliveries: &D,
    functions: &F,
    indexer: &Indexer,
    req: &DeliveryRequest,
) -> OnboardResult<DeliveryReport>
where
    A: ApiStages,
    L: LogGroups,
    D: Deliveries,
    F: Functions,
{
    let name = format!("{}/{}", req.api_id, req.stage);
    let filter = StageFilter {
        api_id: Some(req.api_id.clone()),
        stage: Some(req.stage.clone()),
    };
    let stage = apis
        .stages(&filter)
        .await?
        .into_iter()
        .find(|s| s.stage == req.stage)
        .ok_or_else(|| OnboardError::NotFound {
            what: "stage",
            name: name.clone(),
        })?;
    if stage.api_type != ApiType::Rest {
        return Err(OnboardError::Precondition {
            problem: format!(
                "{name} is a {} stage; deliveries carry REST execution logs only",
                stage.api_type.as_str()
            ),
            fix: "leave out --delivery".into(),
        });
    }
    if stage.logging_level.unwrap_or(LogLevel::Off) == LogLevel::Off {
        return Err(OnboardError::Precondition {
            problem: format!("{name} has execution logging off, which a delivery source needs"),
            fix: format!(
                "apigw-logs setup-logging --api {} --stage {} --level ERROR",
                req.api_id, req.stage
            ),
        });
    }
    let arns = Arns::of(indexer)?;
    let stage_arn = arns.stage(&req.api_id, &req.stage);
    let (resource_arn, kind_suffix) = match &req.target {
        DeliveryTarget::LogGroup(g) => {
            if [EXECUTION_GROUP_PREFIX, APIGATEWAY_GROUP_PREFIX, LAMBDA_GROUP_PREFIX]
                .iter()
                .any(|p| g.starts_with(p))
            {
                return Err(OnboardError::Precondition {
                    problem: format!("log group {g}: its name already says how the indexer reads it"),
                    fix: "choose a group outside API-Gateway-Execution-Logs_, /aws/apigateway/ and /aws/lambda/".into(),
                });
            }
            (arns.group(g), "-logs")
        }
        DeliveryTarget::S3 { bucket, prefix } => (arns.s3(bucket, prefix), "-s3"),
    };
    let mut report = DeliveryReport {
        declaration: req.target.declaration(&req.api_id, &req.stage),
        ..DeliveryReport::default()
    };
    if let DeliveryTarget::LogGroup(g) = &req.target
        && logs.create_group(g).await? == Created::New
    {
        report.changes.push(format!("created log group {g}"));
    }

    // The source: the stage's, whatever its name; else a new one.
    let sources = deliveries.sources().await?;
    let source = match sources
        .iter()
        .find(|s| s.log_type == EXECUTION_LOGS && s.resource_arns.contains(&stage_arn))
    {
        Some(s) => s.name.clone(),
        None => {
            let source = delivery_name(&req.api_id, &req.stage, "");
            deliveries.put_source(&source, &stage_arn, EXECUTION_LOGS).await?;
            report.changes.push(format!("delivery source {source}: {stage_arn}"));
            source
        }
    };

    // The destination: one already writing readable records to the resource, else ours.
    let destinations = deliveries.destinations().await?;
    let destination_arn = match destinations.iter().find(|d| {
        d.resource_arn == resource_arn && d.output_format.as_deref().is_none_or(|f| READABLE_FORMATS.contains(&f))
    }) {
        Some(d) => d.arn.clone(),
        None => {
            let dest = delivery_name(&req.api_id, &req.stage, kind_suffix);
            let arn = deliveries.put_destination(&dest, &resource_arn, OUTPUT_FORMAT).await?;
            report
                .changes
                .push(format!("delivery destination {dest}: {resource_arn} ({OUTPUT_FORMAT})"));
            arn
        }
    };

    // The delivery: one per source and destination type, so another one of the same type is the operator's
    // to keep (declare it) or delete; never replaced here.
    let existing = deliveries.deliveries().await?;
    let from_source = existing.iter().filter(|d| d.source_name == source);
    let kind = DestinationKind::of(&resource_arn);
    let mut same_kind = None;
    let mut found = false;
    for d in from_source {
        if d.destination_arn == destination_arn {
            found = true;
        } else if let Some(other) = destinations.iter().find(|x| x.arn == d.destination_arn)
            && DestinationKind::of(&other.resource_arn) == kind
        {
            same_kind = Some((d.id.clone(), other.resource_arn.clone()));
        }
    }
    if !found {
        if let Some((id, other)) = same_kind {
            return Err(OnboardError::Precondition {
                problem: format!("{name} already delivers its execution logs to {other} (delivery {id})"),
                fix: format!("declare that destination in EXECUTION_LOG_GROUPS, or aws logs delete-delivery --id {id}"),
            });
        }
        let id = deliveries.create_delivery(&source, &destination_arn).await?;
        report.changes.push(format!("delivery {id}: {source} → {resource_arn}"));
    }

    if let DeliveryTarget::LogGroup(g) = &req.target {
        report.subscriptions =
            subscribe_targets(logs, functions, indexer, vec![g.clone()], &mut report.changes).await?;
    }
    Ok(report)
}

/// ARNs in the indexer's partition, Region and account (a delivery's destination is in the caller's
/// account; the stage is in the Region the command runs in).
struct Arns<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
}

impl<'a> Arns<'a> {
    fn of(indexer: &'a Indexer) -> OnboardResult<Self> {
        let mut parts = indexer.arn.split(':');
        let (_, partition, _, region, account) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next());
        match (partition, region, account) {
            (Some(partition), Some(region), Some(account)) if !region.is_empty() && !account.is_empty() => Ok(Self {
                partition,
                region,
                account,
            }),
            _ => Err(OnboardError::Precondition {
                problem: format!("{} is not a Lambda function ARN", indexer.arn),
                fix: "pass the indexer's full ARN with --function".into(),
            }),
        }
    }

    /// The delivery source's resource: the stage, with the account (as the developer guide writes it).
    fn stage(&self, api_id: &str, stage: &str) -> String {
        format!(
            "arn:{}:apigateway:{}:{}:/restapis/{api_id}/stages/{stage}",
            self.partition, self.region, self.account
        )
    }

    fn group(&self, group: &str) -> String {
        format!(
            "arn:{}:logs:{}:{}:log-group:{group}",
            self.partition, self.region, self.account
        )
    }

    /// The bucket with its key prefix: the delivery's destination prefix.
    fn s3(&self, bucket: &str, prefix: &str) -> String {
        format!("arn:{}:s3:::{bucket}/{prefix}", self.partition)
    }
}
