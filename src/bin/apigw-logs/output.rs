//! The one way out to stdout and stderr.
//!
//! Everything a subcommand renders goes through `print`, which makes it terminal-safe (`terminal.rs`) and
//! turns a closed pipe (`apigw-logs ... | head`) into `CliError::ClosedPipe`, which `main` ends quietly
//! with exit 0. Every stderr line goes through `warn` and starts with `apigw-logs: `.

use std::io::Write as _;

use crate::error::CliError;
use crate::terminal;

/// Writes rendered output (human or `--json`) to stdout with control characters escaped.
pub fn print(text: &str) -> Result<(), CliError> {
    print_bytes(terminal::escape_text(text).as_bytes())
}

/// Like `print`, then coloured with `terminal::highlight_story` when `colour` (see `terminal::colour_stdout`).
pub fn print_story(text: &str, colour: bool) -> Result<(), CliError> {
    let escaped = terminal::escape_text(text);
    if colour {
        print_bytes(terminal::highlight_story(&escaped).as_bytes())
    } else {
        print_bytes(escaped.as_bytes())
    }
}

/// Writes bytes to stdout exactly as given: the data tools (`make-event`, `decode`), whose output is
/// input for other programs, not for a terminal.
pub fn print_bytes(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::ClosedPipe
        } else {
            CliError::Stdout(e)
        }
    })
}

/// One line on stderr: `apigw-logs: <message>`, control characters and line feeds escaped.
pub fn warn(message: impl std::fmt::Display) {
    // Not `eprintln!`, which panics when stderr is closed.
    let _ = writeln!(
        std::io::stderr(),
        "apigw-logs: {}",
        terminal::cell(&message.to_string())
    );
}
