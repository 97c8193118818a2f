//! What a tool call comes to on the wire: the CLI's `--json` output as text, the line the CLI prints when it
//! finds nothing, or an MCP error carrying the CLI's stable error code and exit code.

use std::future::Future;
use std::time::Duration;

use rmcp::ErrorData;
use rmcp::model::{CallToolResult, ContentBlock, ErrorCode};
use serde_json::json;

use crate::error::CliError;
use crate::exit::{Exit, NotFound};
use crate::terminal;

/// JSON-RPC's first implementation-defined server error code: AWS, the endpoint or the index failed (the
/// CLI's exit 3), or something the configuration names does not exist (exit 1). Bad arguments and bad
/// configuration (exit 2) are `INVALID_PARAMS`.
pub const AWS_FAILED: ErrorCode = ErrorCode(-32000);

/// Text blocks, each as the CLI would print it (control characters escaped by the CLI's one writer).
pub fn text(blocks: impl IntoIterator<Item = String>) -> CallToolResult {
    let content: Vec<ContentBlock> = blocks
        .into_iter()
        .filter(|b| !b.is_empty())
        .map(|b| ContentBlock::text(terminal::escape_text(&b).into_owned()))
        .collect();
    CallToolResult::success(content)
}

/// A query that ran and found nothing (the CLI's exit 1): its one line, not an error.
pub fn nothing(what: &NotFound) -> CallToolResult {
    text(what.message())
}

/// The MCP error of a CLI error: its message (naming the input and what to set), `data.code` the stable
/// code of `CliError::code`, `data.exit_code` what the CLI would exit with.
pub fn error(e: &CliError) -> ErrorData {
    let exit = e.exit_code();
    let message: Vec<String> = e.reported().iter().map(|r| mcp_names(r)).collect();
    let data = Some(json!({"code": e.code(), "exit_code": exit as u8}));
    let message = terminal::cell(&message.join("; ")).into_owned();
    match exit {
        Exit::Input => ErrorData::invalid_params(message, data),
        _ => ErrorData::new(AWS_FAILED, message, data),
    }
}

/// A usage error names the tool's argument (`since`) where the CLI's names its option (`--since`); the
/// server's own options (`--table`, `--function`) keep their names: they are set where the server is
/// registered.
fn mcp_names(e: &CliError) -> String {
    match e {
        CliError::Usage { option, problem } => match *option {
            "--since" | "--until" | "--reason" | "--api" | "--stage" => format!("{}: {problem}", &option[2..]),
            "ID" => format!("id: {problem}"),
            _ => e.to_string(),
        },
        _ => e.to_string(),
    }
}

/// Runs a tool's work with the call's deadline.
pub async fn within<T>(
    tool: &'static str,
    timeout: Duration,
    work: impl Future<Output = Result<T, CliError>>,
) -> Result<T, ErrorData> {
    match tokio::time::timeout(timeout, work).await {
        Ok(done) => done.map_err(|e| error(&e)),
        Err(_) => Err(error(&CliError::Deadline {
            what: tool,
            seconds: timeout.as_secs(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_carries_the_stable_code_and_names_the_argument() {
        let e = error(&CliError::Usage {
            option: "--since",
            problem: "\"soon\" is not a duration".into(),
        });
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        assert_eq!(e.message, "since: \"soon\" is not a duration");
        assert_eq!(e.data, Some(json!({"code": "bad_usage", "exit_code": 2})));
        let e = error(&CliError::Usage {
            option: "--table",
            problem: "no index table".into(),
        });
        assert_eq!(e.message, "--table: no index table");
        let e = error(&CliError::Deadline {
            what: "lookup",
            seconds: 30,
        });
        assert_eq!(e.code, AWS_FAILED);
        assert_eq!(e.data, Some(json!({"code": "deadline_exceeded", "exit_code": 3})));
        assert!(e.message.contains("--tool-timeout"), "{}", e.message);
    }
}
