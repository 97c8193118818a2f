//! `setup-logging`: turns on, for one REST, HTTP or WebSocket stage, what `doctor` checks. Idempotent.

use apigw_log_indexer::onboard::names::Indexer;
use apigw_log_indexer::onboard::port::LogLevel;
use apigw_log_indexer::onboard::setup::{SetupRequest, setup_logging as setup};
use clap::Args;

use crate::runtime;
use crate::stack::{IndexerArgs, onboard_fail};
use crate::subscribe::print;
use crate::{EXIT_AWS, EXIT_OK, input_error};

/// Arguments of `setup-logging`.
#[derive(Args)]
pub struct SetupLoggingArgs {
    /// The API ID (REST, HTTP or WebSocket).
    #[arg(long = "api")]
    api_id: String,
    /// The stage.
    #[arg(long)]
    stage: String,
    /// Execution logging level (REST and WebSocket): INFO (the evidence the indexer reads), ERROR or OFF.
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
pub fn setup_logging(a: &SetupLoggingArgs) -> u8 {
    let Some(level) = LogLevel::from_name(&a.level) else {
        return input_error("--level", &format_args!("{:?} is not one of INFO, ERROR, OFF", a.level));
    };
    if let Err(code) = a.indexer.require() {
        return code;
    }
    let req = SetupRequest {
        api_id: a.api_id.clone(),
        stage: a.stage.clone(),
        level,
        data_trace: match (a.data_trace, a.no_data_trace) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        access_log_group: a.access_log_group.clone(),
    };
    let Some(rt) = runtime() else { return EXIT_AWS };
    let report = rt.block_on(async {
        let aws = a.indexer.connect().await?;
        let indexer = Indexer::from_function(&aws.indexer(a.indexer.function.as_deref()).await?);
        setup(&aws.apis, &aws.logs, &aws.functions, &indexer, &req).await
    });
    let report = match report {
        Ok(r) => r,
        Err(e) => return onboard_fail(&format!("setup-logging {}/{}", a.api_id, a.stage), &e),
    };
    if !a.json {
        for c in &report.changes {
            println!("{c}");
        }
    }
    print(&report.subscriptions, false, a.json);
    if report.changes.is_empty() && report.subscriptions.count("subscribe") == 0 {
        eprintln!("apigw-logs: {}/{}: nothing to change", a.api_id, a.stage);
    }
    if report.subscriptions.failures() > 0 {
        EXIT_AWS
    } else {
        EXIT_OK
    }
}
