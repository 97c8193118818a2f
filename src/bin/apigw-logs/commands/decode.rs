//! `decode`: prints the decoded subscription payload (the JSON inside `awslogs.data`).

use apigw_log_indexer::decode;
use clap::Args as ClapArgs;

use crate::error::CliError;
use crate::exit::Outcome;
use crate::input::Limits;
use crate::output;

/// Arguments of `decode`.
#[derive(ClapArgs)]
pub struct Args {
    /// Event file, or - for stdin.
    file: String,
    #[command(flatten)]
    limits: Limits,
}

/// `decode FILE`: the payload's bytes exactly, once it is known to be a CloudWatch Logs message.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let raw = a.limits.read(&a.file)?;
    let mut bytes = decode::decode_event(&raw, a.limits.max_decoded_bytes).map_err(CliError::decoding(&a.file))?;
    decode::parse_payload(&bytes)
        .and_then(|p| p.kind())
        .map_err(CliError::decoding(&a.file))?;
    bytes.push(b'\n');
    output::print_bytes(&bytes)?;
    Ok(Outcome::Done)
}
