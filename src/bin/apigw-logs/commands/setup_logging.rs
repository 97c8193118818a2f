//! `setup-logging`: turns on, for one REST, HTTP or WebSocket stage, what `doctor` checks. Idempotent.

use apigw_log_indexer::names::Indexer;
use apigw_log_indexer::onboard::setup::{SetupRequest, setup_logging as setup};
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
    let report = runtime()?.block_on(async {
        let aws = a.indexer.connect().await?;
        let indexer = Indexer::from_function(&aws.indexer(a.indexer.function.as_deref()).await?);
        setup(&aws.apis, &aws.logs, &aws.functions, &indexer, &req).await
    });
    let report = report.map_err(CliError::onboard(format!("setup-logging {}/{}", a.api_id, a.stage)))?;
    if !a.json {
        let changes: String = report.changes.iter().map(|c| format!("{c}\n")).collect();
        output::print(&changes)?;
    }
    print(&report.subscriptions, false, a.json)?;
    if report.changes.is_empty() && report.subscriptions.count("subscribe") == 0 {
        output::warn(format_args!("{}/{}: nothing to change", a.api_id, a.stage));
    }
    if report.subscriptions.failures() > 0 {
        return Err(CliError::Partial {
            context: "setup-logging",
            failed: report.subscriptions.failures(),
        });
    }
    Ok(Outcome::Done)
}
