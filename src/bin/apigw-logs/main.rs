//! `apigw-logs`: the command-line tool. Offline commands (make-event, make-traffic, decode, parse) and index commands.
//!
//! main → run → exit code: each subcommand (`commands/`) returns what it came to or a `CliError`; `main`
//! is the one place that prints an error (one line on stderr naming the input and the problem) and turns
//! the result into the documented exit code (`exit.rs`: 0 success, 1 not found / no match, 2 usage or
//! input error, 3 AWS/endpoint error). All output goes through `output.rs`.

mod api_filter;
mod aws_args;
mod commands;
mod diagnosis;
mod error;
mod exit;
mod input;
mod lines;
mod manifest;
mod output;
mod records;
mod stack;
mod story;
mod terminal;
#[cfg(test)]
mod unforgeable;
mod window;

use clap::{Parser, Subcommand};

use crate::commands::{
    coverage, create_table, decode, doctor, failures, health, lookup, make_event, make_traffic, mcp, metrics, parse,
    replay, setup_logging, subscribe,
};
use crate::error::CliError;
use crate::exit::{Exit, Outcome};

#[derive(Parser)]
#[command(
    name = "apigw-logs",
    version,
    about = "Find out why an API Gateway request failed: decode, parse, index and look up API Gateway and Lambda logs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn raw log messages (one per line) into a CloudWatch Logs subscription Lambda event on stdout.
    MakeEvent(make_event::Args),
    /// Write deterministic API Gateway and Lambda log traffic (subscription events) and its ground truth.
    MakeTraffic(make_traffic::Args),
    /// Print the decoded subscription payload (the JSON inside awslogs.data).
    Decode(decode::Args),
    /// Decode, parse, join and classify events offline; print one record per request/invocation.
    Parse(parse::Args),
    /// Create the index table (keys, failures index, TTL, encryption as in template.yaml); idempotent.
    CreateTable(create_table::Args),
    /// Index event files exactly as the Lambda does (decode, parse, write to DynamoDB).
    Replay(replay::Args),
    /// The whole story of one request: an API Gateway request ID or a Lambda request ID.
    Lookup(lookup::Args),
    /// Recent failed requests, newest first (a Query on the failures index, never a Scan).
    Failures(failures::Args),
    /// Requests and failures by reason, summed from the CloudWatch metrics over a window.
    Metrics(metrics::Args),
    /// How close successful traffic runs to each limit (timeout, memory, init, integration timeout); one line per limit at risk with its fix (exit 1 if any).
    Health(health::Args),
    /// API Gateway's own request counts per stage and minute against what the indexer counted; the gaps and their likely cause (exit 1 if any).
    Coverage(coverage::Args),
    /// Subscribe every log group whose name starts with a prefix to the indexer (never its own); idempotent.
    Subscribe(subscribe::Args),
    /// Check API stages for what the indexer needs; one line per finding with its fix (exit 1 if any).
    Doctor(doctor::Args),
    /// Turn on what doctor checks for one stage: logging level, access log format, subscriptions; idempotent.
    SetupLogging(setup_logging::Args),
    /// Serve lookup, failures, metrics and doctor as read-only MCP tools over stdio, for an assistant.
    Mcp(mcp::Args),
}

fn main() -> std::process::ExitCode {
    // Usage errors are clap's: it prints them with the usage line and exits 2.
    let mut cli = Cli::parse();
    let result = fill_from_stack(&mut cli.command).and_then(|()| run(&cli.command));
    let exit = match result {
        Ok(Outcome::Done) => Exit::Success,
        Ok(Outcome::NotFound(what)) => {
            if let Some(message) = what.message() {
                output::warn(message);
            }
            Exit::NotFound
        }
        Err(e) => {
            for each in e.reported() {
                output::warn(each);
            }
            e.exit_code()
        }
    };
    exit.into()
}

/// The options `--stack` can fill, per command: the index table and the metrics namespace.
fn fill_from_stack(command: &mut Command) -> Result<(), CliError> {
    // The MCP server starts without a table: its metrics and doctor tools need none, and its index tools
    // answer with the same usage error.
    let table_required = !matches!(command, Command::Mcp(_));
    let (endpoint, table, namespace) = match command {
        Command::CreateTable(a) => (&a.aws.endpoint, Some(&mut a.aws.table), None),
        Command::Replay(a) => (&a.aws.endpoint, Some(&mut a.aws.table), Some(&mut a.namespace)),
        Command::Lookup(a) => (&a.aws.endpoint, Some(&mut a.aws.table), None),
        Command::Failures(a) => (&a.aws.endpoint, Some(&mut a.aws.table), None),
        Command::Metrics(a) => (&a.endpoint, None, Some(&mut a.namespace)),
        Command::Health(a) => (&a.endpoint, None, Some(&mut a.namespace)),
        Command::Coverage(a) => (&a.indexer.endpoint, None, Some(&mut a.namespace)),
        Command::Mcp(a) => (&a.aws.endpoint, Some(&mut a.aws.table), Some(&mut a.namespace)),
        _ => return Ok(()),
    };
    stack::fill(endpoint, table, namespace, table_required)
}

fn run(command: &Command) -> Result<Outcome, CliError> {
    match command {
        Command::MakeEvent(a) => make_event::run(a),
        Command::MakeTraffic(a) => make_traffic::run(a),
        Command::Decode(a) => decode::run(a),
        Command::Parse(a) => parse::run(a),
        Command::CreateTable(a) => create_table::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Lookup(a) => lookup::run(a),
        Command::Failures(a) => failures::run(a),
        Command::Metrics(a) => metrics::run(a),
        Command::Health(a) => health::run(a),
        Command::Coverage(a) => coverage::run(a),
        Command::Subscribe(a) => subscribe::run(a),
        Command::Doctor(a) => doctor::run(a),
        Command::SetupLogging(a) => setup_logging::run(a),
        Command::Mcp(a) => mcp::run(a),
    }
}
