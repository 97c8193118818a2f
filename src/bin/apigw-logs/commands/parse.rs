//! `parse`: decode, parse, join and classify event files offline; one record per request and invocation.

use apigw_log_indexer::decode::{self, MessageType};
use apigw_log_indexer::join::Joined;
use apigw_log_indexer::parse::{ParseOptions, ParseStats, parse_batch};
use apigw_log_indexer::redact::Redactor;
use clap::Args as ClapArgs;

use crate::error::CliError;
use crate::exit::Outcome;
use crate::input::Limits;
use crate::{output, records};

/// Arguments of `parse`.
#[derive(ClapArgs)]
pub struct Args {
    /// One JSON object per line instead of the human-readable table.
    #[arg(long)]
    json: bool,
    /// Event files, or - for stdin.
    #[arg(required = true)]
    files: Vec<String>,
    #[command(flatten)]
    limits: Limits,
}

/// `parse FILE...`: a bad file is reported and the others are still parsed together (exit 2 at the end).
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let mut errors = Vec::new();
    // Every file is decoded first so that all payloads outlive the records borrowed from them.
    let mut decoded: Vec<(&str, Vec<u8>)> = Vec::with_capacity(a.files.len());
    for f in &a.files {
        let bytes = a
            .limits
            .read(f)
            .and_then(|raw| decode::decode_event(&raw, a.limits.max_decoded_bytes).map_err(CliError::decoding(f)));
        match bytes {
            Ok(bytes) => decoded.push((f, bytes)),
            Err(e) => errors.push(e),
        }
    }
    let mut payloads = Vec::with_capacity(decoded.len());
    for (f, bytes) in &decoded {
        match decode::parse_payload(bytes).and_then(|p| p.kind().map(|k| (p, k))) {
            Ok((_, MessageType::Control)) => {}
            Ok((p, MessageType::Data)) => payloads.push((*f, p)),
            Err(e) => errors.push(CliError::decoding(f)(e)),
        }
    }
    let redactor = Redactor::builtin();
    let mut joined = Joined::default();
    let mut stats = ParseStats::default();
    for (f, p) in &payloads {
        let batch = parse_batch(p, &redactor, ParseOptions { keep_lines: false });
        if batch.stats.skipped_total() > 0 {
            output::warn(format_args!("{f}: {}", records::skipped_summary(&batch.stats)));
        }
        if batch.stats.platform_shaped_output > 0 {
            output::warn(format_args!(
                "{f}: {} lines shaped like Lambda platform records where the platform cannot have written them, read as function output",
                batch.stats.platform_shaped_output
            ));
        }
        stats.add(&batch.stats);
        joined.add_batch(batch);
    }
    let (api, lambda) = joined.records();
    let text = if a.json {
        records::records_json(&api, &lambda)
    } else {
        records::records_table(&api, &lambda)
    };
    if let Err(e) = output::print(&text) {
        errors.push(e);
    }
    CliError::from_inputs(errors)?;
    // A well-formed batch with nothing to attribute (init-phase lines only, lines in a form no request
    // owns) is normal in real subscriptions: exit 0, and say so (`docs/reference.md`).
    if api.is_empty() && lambda.is_empty() {
        output::warn(format_args!(
            "no request or invocation in {} events ({} lines skipped)",
            stats.events,
            stats.skipped_total()
        ));
    }
    Ok(Outcome::Done)
}
