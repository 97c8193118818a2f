//! `apigw-logs`: the command-line tool. Offline commands (make-event, decode, parse) and index commands.
//!
//! Exit codes (`interfaces.md`): 0 success, 1 not found / no match, 2 usage or input error,
//! 3 AWS/endpoint error. Errors are one line on stderr naming the input and the problem.

mod doctor;
mod index_cmds;
mod metrics_cmd;
mod offline;
mod output;
mod setup_logging;
mod stack;
mod story;
mod subscribe;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit code: success.
const EXIT_OK: u8 = 0;
/// Exit code: nothing found / no match.
const EXIT_NOT_FOUND: u8 = 1;
/// Exit code: usage or input error.
const EXIT_INPUT: u8 = 2;
/// Exit code: AWS or endpoint error.
const EXIT_AWS: u8 = 3;

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
    MakeEvent(offline::MakeEventArgs),
    /// Print the decoded subscription payload (the JSON inside awslogs.data).
    Decode {
        /// Event file, or - for stdin.
        file: String,
        #[command(flatten)]
        limits: Limits,
    },
    /// Decode, parse, join and classify events offline; print one record per request/invocation.
    Parse {
        /// One JSON object per line instead of the human-readable table.
        #[arg(long)]
        json: bool,
        /// Event files, or - for stdin.
        #[arg(required = true)]
        files: Vec<String>,
        #[command(flatten)]
        limits: Limits,
    },
    /// Create the index table (keys, failures index, TTL, encryption as in template.yaml); idempotent.
    CreateTable {
        #[command(flatten)]
        aws: index_cmds::AwsArgs,
    },
    /// Index event files exactly as the Lambda does (decode, parse, write to DynamoDB).
    Replay(index_cmds::ReplayArgs),
    /// The whole story of one request: an API Gateway request ID or a Lambda request ID.
    Lookup(index_cmds::LookupArgs),
    /// Recent failed requests, newest first (a Query on the failures index, never a Scan).
    Failures(index_cmds::FailuresArgs),
    /// Requests and failures by reason, summed from the CloudWatch metrics over a window.
    Metrics(metrics_cmd::MetricsArgs),
    /// Subscribe every log group whose name starts with a prefix to the indexer (never its own); idempotent.
    Subscribe(subscribe::SubscribeArgs),
    /// Check API stages for what the indexer needs; one line per finding with its fix (exit 1 if any).
    Doctor(doctor::DoctorArgs),
    /// Turn on what doctor checks for one stage: logging level, access log format, subscriptions; idempotent.
    SetupLogging(setup_logging::SetupLoggingArgs),
}

/// Decoding limits shared by the offline commands.
#[derive(Args, Clone, Copy)]
struct Limits {
    /// Largest decompressed payload accepted, in bytes (a gzip bomb is refused at this size).
    #[arg(long, env = "MAX_DECODED_BYTES", default_value_t = apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES)]
    max_decoded_bytes: usize,
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if let Err(code) = stack::fill(&mut cli.command) {
        return ExitCode::from(code);
    }
    let code = match cli.command {
        Command::MakeEvent(args) => offline::make_event(&args),
        Command::Decode { file, limits } => offline::decode(&file, limits.max_decoded_bytes),
        Command::Parse { json, files, limits } => offline::parse(&files, json, limits.max_decoded_bytes),
        Command::CreateTable { aws } => index_cmds::create_table(&aws),
        Command::Replay(args) => index_cmds::replay(&args),
        Command::Lookup(args) => index_cmds::lookup(&args),
        Command::Failures(args) => index_cmds::failures(&args),
        Command::Metrics(args) => metrics_cmd::metrics(&args),
        Command::Subscribe(args) => subscribe::subscribe(&args),
        Command::Doctor(args) => doctor::doctor(&args),
        Command::SetupLogging(args) => setup_logging::setup_logging(&args),
    };
    ExitCode::from(code)
}

/// Prints one error line for `input` and returns the input-error exit code.
fn input_error(input: &str, problem: &dyn std::fmt::Display) -> u8 {
    eprintln!("apigw-logs: {input}: {problem}");
    EXIT_INPUT
}

/// A current-thread runtime for one command, or `None` after saying why there is none.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("apigw-logs: cannot start the async runtime: {e}");
            None
        }
    }
}
