//! The offline subcommands: `make-event`, `decode`, `parse`. No AWS calls.

use std::io::{Read, Write};

use apigw_log_indexer::decode::{self, MessageType};
use apigw_log_indexer::encode;
use apigw_log_indexer::join::Joined;
use apigw_log_indexer::parse::{ParseOptions, ParseStats, parse_batch};
use apigw_log_indexer::redact::Redactor;
use clap::Args;

use crate::output;
use crate::{EXIT_INPUT, EXIT_NOT_FOUND, EXIT_OK, input_error};

/// Arguments of `make-event`.
#[derive(Args)]
pub struct MakeEventArgs {
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
}

/// Reads a file argument (`-` is stdin).
fn read_input(path: &str) -> std::io::Result<Vec<u8>> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}

fn write_stdout(bytes: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => EXIT_OK,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => input_error("stdout", &e),
    }
}

pub fn make_event(a: &MakeEventArgs) -> u8 {
    let payload = if a.control {
        encode::control_payload()
    } else {
        let raw = match read_input(&a.file) {
            Ok(b) => b,
            Err(e) => return input_error(&a.file, &format_args!("cannot read: {e}")),
        };
        let Ok(text) = String::from_utf8(raw) else {
            return input_error(&a.file, &"is not UTF-8 text");
        };
        let events = match encode::read_fixture(&text, a.newline) {
            Ok(ev) => ev,
            Err(e) => return input_error(&a.file, &e),
        };
        let start = a.start_ms.unwrap_or_else(now_ms);
        encode::data_payload(&a.log_group, &a.log_stream, start, events)
    };
    let mut event = encode::lambda_event(&payload);
    event.push('\n');
    write_stdout(event.as_bytes())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub fn decode(file: &str, max_decoded_bytes: usize) -> u8 {
    let raw = match read_input(file) {
        Ok(b) => b,
        Err(e) => return input_error(file, &format_args!("cannot read: {e}")),
    };
    let bytes = match decode::decode_event(&raw, max_decoded_bytes) {
        Ok(b) => b,
        Err(e) => return input_error(file, &e),
    };
    if let Err(e) = decode::parse_payload(&bytes).and_then(|p| p.kind()) {
        return input_error(file, &e);
    }
    let mut bytes = bytes;
    bytes.push(b'\n');
    write_stdout(&bytes)
}

pub fn parse(files: &[String], json: bool, max_decoded_bytes: usize) -> u8 {
    let mut failed = false;
    // Every file is decoded first so that all payloads outlive the records borrowed from them.
    let mut decoded: Vec<(&str, Vec<u8>)> = Vec::with_capacity(files.len());
    for f in files {
        match read_input(f)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|raw| decode::decode_event(&raw, max_decoded_bytes).map_err(|e| e.to_string()))
        {
            Ok(bytes) => decoded.push((f, bytes)),
            Err(problem) => failed |= input_error(f, &problem) != EXIT_OK,
        }
    }
    let mut payloads = Vec::with_capacity(decoded.len());
    for (f, bytes) in &decoded {
        match decode::parse_payload(bytes).and_then(|p| p.kind().map(|k| (p, k))) {
            Ok((_, MessageType::Control)) => {}
            Ok((p, MessageType::Data)) => payloads.push((*f, p)),
            Err(e) => failed |= input_error(f, &e) != EXIT_OK,
        }
    }
    let redactor = Redactor::builtin();
    let mut joined = Joined::default();
    let mut stats = ParseStats::default();
    for (f, p) in &payloads {
        let batch = parse_batch(p, &redactor, ParseOptions { keep_lines: false });
        if batch.stats.skipped_total() > 0 {
            eprintln!("apigw-logs: {f}: {}", output::skipped_summary(&batch.stats));
        }
        stats.add(&batch.stats);
        joined.add_batch(batch);
    }
    let (api, lambda) = joined.records();
    let text = if json {
        output::records_json(&api, &lambda)
    } else {
        output::records_table(&api, &lambda)
    };
    let code = write_stdout(text.as_bytes());
    if failed {
        EXIT_INPUT
    } else if code != EXIT_OK {
        code
    } else if api.is_empty() && lambda.is_empty() && stats.events > 0 {
        EXIT_NOT_FOUND
    } else {
        EXIT_OK
    }
}
