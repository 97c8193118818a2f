//! `make-event`: raw log messages (one per line) → a CloudWatch Logs subscription Lambda event on stdout.

use apigw_log_indexer::encode;
use clap::Args as ClapArgs;

use crate::error::CliError;
use crate::exit::Outcome;
use crate::input::Limits;
use crate::output;
use crate::window::now_ms;

/// Arguments of `make-event`.
#[derive(ClapArgs)]
pub struct Args {
    /// Log group the events claim to come from.
    #[arg(long, default_value = "API-Gateway-Execution-Logs_a1b2c3d4e5/dev")]
    log_group: String,
    /// Log stream the events claim to come from.
    #[arg(long, default_value = "e369853df766fa44e1ed0ff613f563bd")]
    log_stream: String,
    /// Timestamp of the first event (epoch ms); lines starting `@N ` are N ms after it. Default: now.
    #[arg(long)]
    start_ms: Option<i64>,
    /// Append a newline to every message, as Lambda log groups have.
    #[arg(long)]
    newline: bool,
    /// Emit a CONTROL_MESSAGE (the destination health check) instead of reading messages.
    #[arg(long)]
    control: bool,
    /// Text file of messages, one per line, or - for stdin.
    #[arg(default_value = "-")]
    file: String,
    #[command(flatten)]
    limits: Limits,
}

/// `make-event`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let payload = if a.control {
        encode::control_payload()
    } else {
        let text = a.limits.read_text(&a.file)?;
        let events = encode::read_fixture(&text, a.newline).map_err(|source| CliError::Fixture {
            input: a.file.clone(),
            source,
        })?;
        let start = a.start_ms.unwrap_or_else(now_ms);
        encode::data_payload(&a.log_group, &a.log_stream, start, events)
    };
    let mut event = encode::lambda_event(&payload);
    event.push('\n');
    output::print_bytes(event.as_bytes())?;
    Ok(Outcome::Done)
}
