//! `apigw-logs mcp`: the index as Model Context Protocol tools, served over stdio to an assistant that
//! launches this process. Read-only: each tool is a CLI command's query (`lookup`, `failures`, `metrics`,
//! `doctor`), answered with that command's `--json` output (`tools.rs`); errors carry the CLI's stable
//! codes (`reply.rs`). Bounded: a window cap, a page size and a timeout per call.

mod reply;
mod tools;

use std::time::Duration;

use apigw_log_indexer::timefmt::parse_duration_ms;
use clap::Args as ClapArgs;
use rmcp::ServiceExt as _;

use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::Outcome;
use crate::output;
use crate::stack::IndexerArgs;

/// Arguments of `mcp`: where to read, as every index command takes them.
#[derive(ClapArgs)]
pub struct Args {
    /// CloudWatch namespace the metrics tool reads (default: the stack's, else ApiGatewayLogs).
    #[arg(long, env = "METRICS_NAMESPACE")]
    pub namespace: Option<String>,
    /// The indexer function the doctor tool checks, by name or ARN (default: the stack's).
    #[arg(long)]
    function: Option<String>,
    /// Longest one tool call may take before it fails with `deadline_exceeded`: 30s, 2m.
    #[arg(long, default_value = "30s")]
    tool_timeout: String,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// The shortest `--tool-timeout`: one AWS call with its retries must fit.
const MIN_TOOL_TIMEOUT_MS: i64 = 1_000;

/// `mcp`: serves until the client closes stdin.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let timeout = match parse_duration_ms(&a.tool_timeout) {
        Some(ms) if ms >= MIN_TOOL_TIMEOUT_MS => Duration::from_millis(ms as u64),
        _ => {
            return Err(CliError::Usage {
                option: "--tool-timeout",
                problem: format!(
                    "{:?} is not a duration of at least {MIN_TOOL_TIMEOUT_MS}ms (10s, 30s, 2m)",
                    a.tool_timeout
                ),
            });
        }
    };
    let server = tools::Server::new(tools::Config {
        aws: a.aws.clone(),
        namespace: a.namespace.clone(),
        indexer: IndexerArgs {
            function: a.function.clone(),
            endpoint: a.aws.endpoint.clone(),
        },
        timeout,
    });
    output::warn(format_args!(
        "mcp: serving on stdio (table {}, tool timeout {}s)",
        if a.aws.table().is_empty() {
            "(none)"
        } else {
            a.aws.table()
        },
        timeout.as_secs()
    ));
    runtime()?.block_on(async {
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| CliError::Serve(Box::new(e)))?;
        running.waiting().await.map_err(|e| CliError::Serve(Box::new(e)))?;
        Ok(Outcome::Done)
    })
}
