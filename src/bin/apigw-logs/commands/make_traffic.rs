//! `make-traffic`: the generator's traffic (crate `apigw-traffic`) written into a directory:
//! `exec-NNNN.json` and `lambda-NNNN-EEEE.json` (one per environment's stream) subscription events and `truth.jsonl`, the same bytes for the
//! same options.

use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;

use apigw_traffic::{Profile, Spec, generate};
use clap::Args as ClapArgs;

use crate::error::CliError;
use crate::exit::Outcome;
use crate::output;

/// Arguments of `make-traffic`.
#[derive(ClapArgs)]
pub struct Args {
    /// Directory to write into (created if missing; files of the same names are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Deliveries per stream (execution log, Lambda log).
    #[arg(long, value_name = "N", default_value_t = Spec::default().batches)]
    batches: NonZeroU32,
    /// About the decoded size of each execution-log delivery, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Spec::default().batch_bytes)]
    batch_bytes: NonZeroU64,
    /// Random seed: the same seed writes the same files.
    #[arg(long, default_value_t = Spec::default().seed)]
    seed: u64,
    /// When the first request arrives (epoch ms).
    #[arg(long, value_name = "MS", default_value_t = Spec::default().start_ms)]
    start_ms: i64,
    /// The lean logging profile of the same requests: execution logs at ERROR and an access log
    /// (access-NNNN.json, log group /aws/apigateway/access-logs-dev).
    #[arg(long)]
    lean: bool,
}

/// `make-traffic`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let spec = Spec {
        batches: a.batches,
        batch_bytes: a.batch_bytes,
        seed: a.seed,
        start_ms: a.start_ms,
        profile: if a.lean { Profile::Lean } else { Profile::Full },
    };
    let generated = generate(&spec).map_err(CliError::Traffic)?;
    let files = generated.write(&a.out).map_err(CliError::Traffic)?;
    let failed = generated.truth.iter().filter(|t| t.failure_reason.is_some()).count();
    output::print(&format!(
        "wrote {} event files and truth.jsonl ({} requests, {failed} failed) into {}\n",
        files.len(),
        generated.truth.len(),
        a.out.display()
    ))?;
    Ok(Outcome::Done)
}
