//! `make-event`: raw log messages (one per line) → a CloudWatch Logs subscription Lambda event on stdout;
//! with `--manifest`, every event file an events manifest lists, written into a directory.

use std::path::{Path, PathBuf};

use apigw_log_indexer::encode;
use clap::Args as ClapArgs;

use crate::error::CliError;
use crate::exit::Outcome;
use crate::input::Limits;
use crate::manifest::{self, Kind};
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
    /// Write every event an events manifest lists (events/manifest.txt) into --out-dir, reading each
    /// fixture from fixtures/<name>.log beside the manifest.
    #[arg(
        long,
        value_name = "MANIFEST",
        requires = "out_dir",
        conflicts_with_all = ["log_group", "log_stream", "start_ms", "newline", "control", "file"]
    )]
    manifest: Option<String>,
    /// Directory --manifest writes <name>.json files into.
    #[arg(long, value_name = "DIR", requires = "manifest")]
    out_dir: Option<PathBuf>,
    #[command(flatten)]
    limits: Limits,
}

/// `make-event`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    if let (Some(manifest), Some(out_dir)) = (&a.manifest, &a.out_dir) {
        return write_manifest(manifest, out_dir, a.limits);
    }
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

/// Builds every file first, then writes them: a bad row or fixture leaves the directory untouched.
fn write_manifest(manifest: &str, out_dir: &Path, limits: Limits) -> Result<Outcome, CliError> {
    let rows = manifest::parse(manifest, &limits.read_text(manifest)?)?;
    let fixtures = Path::new(manifest).parent().unwrap_or(Path::new(".")).join("fixtures");
    let mut files = Vec::with_capacity(rows.len());
    for row in &rows {
        let fixture_path = fixtures.join(format!("{}.log", row.name));
        let fixture_name = fixture_path.to_string_lossy();
        let fixture = match row.kind {
            Kind::Data { .. } => Some(limits.read_text(&fixture_name)?),
            Kind::Control | Kind::Corrupt(_) => None,
        };
        let bytes = manifest::render(row, fixture.as_deref(), &fixture_name)?;
        files.push((out_dir.join(format!("{}.json", row.name)), bytes));
    }
    for (path, bytes) in &files {
        std::fs::write(path, bytes).map_err(|source| CliError::Write {
            output: path.display().to_string(),
            source,
        })?;
    }
    output::print(&format!(
        "wrote {} event files into {}\n",
        files.len(),
        out_dir.display()
    ))?;
    Ok(Outcome::Done)
}
