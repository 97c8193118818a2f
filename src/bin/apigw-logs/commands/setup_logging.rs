//! `setup-logging`: turns on, for one REST, HTTP or WebSocket stage, what `doctor` checks. Idempotent.

use apigw_log_indexer::config::{EXECUTION_LOG_GROUPS, check_execution_log_groups};
use apigw_log_indexer::names::Indexer;
use apigw_log_indexer::onboard::delivery::{DEFAULT_S3_BASE, DeliveryRequest, DeliveryTarget, setup_delivery};
use apigw_log_indexer::onboard::setup::{SetupRequest, setup_logging as setup};
use apigw_log_indexer::onboard::subscribe::Plan;
use apigw_log_indexer::ports::LogLevel;
use clap::Args as ClapArgs;

use crate::aws_args::runtime;
use crate::commands::subscribe::print;
use crate::error::CliError;
use crate::exit::Outcome;
use crate::output;
use crate::stack::IndexerArgs;

/// Arguments of `setup-logging`.
#[derive(ClapArgs)]
pub struct Args {
    /// The API ID (REST, HTTP or WebSocket).
    #[arg(long = "api")]
    api_id: String,
    /// The stage.
    #[arg(long)]
    stage: String,
    /// A logging profile: lean (execution logs at ERROR without data, and the access log: the failure evidence
    /// at a fraction of the log bytes; what doctor recommends) or full (INFO with full request/response data,
    /// bodies included). Sets --level and the data trace. (`--profile` is the AWS named profile.)
    #[arg(long, value_parser = ["lean", "full"], conflicts_with_all = ["level", "data_trace", "no_data_trace"])]
    logging_profile: Option<String>,
    /// Execution logging level (REST and WebSocket): INFO (the whole trace), ERROR or OFF.
    #[arg(long, default_value = "INFO")]
    level: String,
    /// Log full request/response data (headers carry join keys; bodies are logged too).
    #[arg(long, conflicts_with = "no_data_trace")]
    data_trace: bool,
    /// Do not log full request/response data.
    #[arg(long)]
    no_data_trace: bool,
    /// Access log group (created when missing; default: the stage's own, else
    /// /aws/apigateway/access-logs-API-STAGE).
    #[arg(long)]
    access_log_group: Option<String>,
    /// Also deliver the REST stage's execution logs (events up to 1 MB, JSON records) with a CloudWatch Logs
    /// delivery to a log group or an S3 bucket, and print the EXECUTION_LOG_GROUPS entry the indexer needs.
    #[arg(long, value_parser = ["log-group", "s3"])]
    delivery: Option<String>,
    /// The delivery's log group (created when missing; default /apigateway/execution-logs/API/STAGE).
    #[arg(long, requires = "delivery", conflicts_with_all = ["bucket", "prefix"])]
    delivery_log_group: Option<String>,
    /// The delivery's S3 bucket (with --delivery s3).
    #[arg(long, requires = "delivery")]
    bucket: Option<String>,
    /// The delivery's key prefix in the bucket (default execution-logs/API/STAGE/, under the stack's
    /// ExecutionLogBucketPrefix).
    #[arg(long, requires = "bucket")]
    prefix: Option<String>,
    /// One JSON object per subscribed log group.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    indexer: IndexerArgs,
}

/// `setup-logging`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let level = match a.logging_profile.as_deref() {
        Some("lean") => LogLevel::Error,
        Some(_) => LogLevel::Info,
        None => LogLevel::from_name(&a.level).ok_or_else(|| CliError::Usage {
            option: "--level",
            problem: format!("{:?} is not one of INFO, ERROR, OFF", a.level),
        })?,
    };
    a.indexer.require()?;
    let delivery = delivery_request(a, level)?;
    let req = SetupRequest {
        api_id: a.api_id.clone(),
        stage: a.stage.clone(),
        level,
        data_trace: match (a.logging_profile.as_deref(), a.data_trace, a.no_data_trace) {
            (Some(profile), ..) => Some(profile == "full"),
            (None, true, _) => Some(true),
            (None, _, true) => Some(false),
            _ => None,
        },
        access_log_group: a.access_log_group.clone(),
    };
    let rt = runtime()?;
    let context = || format!("setup-logging {}/{}", a.api_id, a.stage);
    let (aws, indexer, report) = rt
        .block_on(async {
            let aws = a.indexer.connect().await?;
            let indexer = Indexer::from_function(&aws.indexer(a.indexer.function.as_deref()).await?);
            let report = setup(&aws.apis, &aws.logs, &aws.functions, &indexer, &req).await?;
            Ok((aws, indexer, report))
        })
        .map_err(CliError::onboard(context()))?;
    // What the stage's own settings changed is printed before the delivery is tried, so a refused delivery
    // leaves no change unsaid.
    report_changes(a, &report.changes, &report.subscriptions)?;
    let mut nothing = report.changes.is_empty() && report.subscriptions.count("subscribe") == 0;
    let mut failed = report.subscriptions.failures();
    if let Some(d) = &delivery {
        let delivered = rt
            .block_on(setup_delivery(
                &aws.apis,
                &aws.logs,
                &aws.logs,
                &aws.functions,
                &indexer,
                d,
            ))
            .map_err(CliError::onboard(context()))?;
        report_changes(a, &delivered.changes, &delivered.subscriptions)?;
        nothing &= delivered.changes.is_empty() && delivered.subscriptions.count("subscribe") == 0;
        failed += delivered.subscriptions.failures();
        // The entry goes into the stack's DeliveredExecutionLogs (env EXECUTION_LOG_GROUPS), beside any others.
        output::print(&if a.json {
            format!(
                "{}\n",
                serde_json::json!({ "execution_log_groups_entry": delivered.declaration })
            )
        } else {
            format!(
                "{EXECUTION_LOG_GROUPS}: {} (add it to the stack's DeliveredExecutionLogs parameter)\n",
                delivered.declaration
            )
        })?;
    }
    if nothing {
        output::warn(format_args!("{}/{}: nothing to change", a.api_id, a.stage));
    }
    if failed > 0 {
        return Err(CliError::Partial {
            context: "setup-logging",
            failed,
        });
    }
    Ok(Outcome::Done)
}

fn report_changes(a: &Args, changes: &[String], subscriptions: &Plan) -> Result<(), CliError> {
    if !a.json {
        let lines: String = changes.iter().map(|c| format!("{c}\n")).collect();
        output::print(&lines)?;
    }
    print(subscriptions, false, a.json)
}

/// The delivery `--delivery` asks for, checked as the indexer will read its `EXECUTION_LOG_GROUPS` entry.
fn delivery_request(a: &Args, level: LogLevel) -> Result<Option<DeliveryRequest>, CliError> {
    if a.delivery.is_some() && level == LogLevel::Off {
        return Err(CliError::Usage {
            option: "--level",
            problem: "a delivery needs execution logging on (ERROR or INFO)".into(),
        });
    }
    let target = match (a.delivery.as_deref(), &a.bucket) {
        (None, _) => return Ok(None),
        (Some("s3"), None) => {
            return Err(CliError::Usage {
                option: "--bucket",
                problem: "--delivery s3 needs the bucket".into(),
            });
        }
        (Some("s3"), Some(bucket)) => match &a.prefix {
            Some(prefix) => DeliveryTarget::S3 {
                bucket: bucket.clone(),
                prefix: prefix.clone(),
            },
            None => DeliveryTarget::default_s3(bucket, DEFAULT_S3_BASE, &a.api_id, &a.stage),
        },
        (Some(_), Some(_)) => {
            return Err(CliError::Usage {
                option: "--bucket",
                problem: "--bucket goes with --delivery s3".into(),
            });
        }
        (Some(_), None) => match &a.delivery_log_group {
            Some(g) => DeliveryTarget::LogGroup(g.clone()),
            None => DeliveryTarget::default_group(&a.api_id, &a.stage),
        },
    };
    let entry = target.declaration(&a.api_id, &a.stage);
    check_execution_log_groups(&entry).map_err(|e| CliError::Usage {
        option: if a.bucket.is_some() {
            "--bucket"
        } else {
            "--delivery-log-group"
        },
        problem: e.to_string(),
    })?;
    Ok(Some(DeliveryRequest {
        api_id: a.api_id.clone(),
        stage: a.stage.clone(),
        target,
    }))
}
