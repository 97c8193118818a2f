//! Every way a subcommand can fail, with the exit code and the one line `main` prints for it.
//!
//! Each message names the input (a file, an option, the table or namespace) and then the problem; the
//! library's errors are kept as sources, so their own stable codes stay reachable.

use std::io;

use apigw_log_indexer::DecodeError;
use apigw_log_indexer::config::ConfigError;
use apigw_log_indexer::encode::FixtureError;
use apigw_log_indexer::onboard::OnboardError;
use apigw_log_indexer::ports::MetricsError;
use apigw_log_indexer::ports::{MissingSetting, StoreError};
use apigw_traffic::TrafficError;

use crate::exit::Exit;

/// Why a subcommand failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file (or stdin) could not be read.
    #[error("{input}: cannot read: {source}")]
    Read {
        /// The file, or `-`.
        input: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// An input is larger than the cap on decoded deliveries; reading stopped there.
    #[error("{input}: input exceeds the {limit}-byte cap (--max-decoded-bytes, MAX_DECODED_BYTES)")]
    TooLarge {
        /// The file, or `-`.
        input: String,
        /// The cap.
        limit: usize,
    },
    /// `make-event` input that is not UTF-8.
    #[error("{input}: is not UTF-8 text")]
    NotText {
        /// The file, or `-`.
        input: String,
    },
    /// A fixture line `make-event` cannot encode.
    #[error("{input}: {source}")]
    Fixture {
        /// The fixture file.
        input: String,
        /// Which line, and what is wrong.
        #[source]
        source: FixtureError,
    },
    /// A row of an events manifest that cannot be used.
    #[error("{input}: line {line}: {problem}")]
    Manifest {
        /// The manifest file.
        input: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// An event that is not a valid subscription delivery.
    #[error("{input}: {source}")]
    Decode {
        /// The event file, or `-`.
        input: String,
        /// Why.
        #[source]
        source: DecodeError,
    },
    /// The configuration `replay` reads like the function (flags and environment) is invalid.
    #[error("configuration: {0}")]
    Config(#[source] ConfigError),
    /// A bad option or argument value.
    #[error("{option}: {problem}")]
    Usage {
        /// The option or argument (`--since`, `ID`).
        option: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The index could not be read or written.
    #[error("{}{source} [table {table}{}]", prefixed(.input), endpoint_suffix(.endpoint))]
    Store {
        /// The event file being replayed, if any.
        input: Option<String>,
        /// The table.
        table: String,
        /// The endpoint URL given on the command line, if any.
        endpoint: Option<String>,
        /// Why (boxed: the largest error, and rare).
        #[source]
        source: Box<StoreError>,
    },
    /// The SDK found no region or no credentials: names what to set (and, for a local endpoint, that any
    /// test credentials do).
    #[error("{}{} [table {table}{}]", prefixed(.input), what_to_set(*.missing, .endpoint.as_deref()), endpoint_suffix(.endpoint))]
    NotConfigured {
        /// The event file being replayed, if any.
        input: Option<String>,
        /// What is missing.
        missing: MissingSetting,
        /// The table.
        table: String,
        /// The endpoint URL (`--endpoint-url` or `AWS_ENDPOINT_URL`), if any.
        endpoint: Option<String>,
        /// The SDK's error, as the index port reported it.
        #[source]
        source: Box<StoreError>,
    },
    /// CloudWatch metrics could not be published or read.
    #[error("{context}: {source}")]
    Metrics {
        /// The event file being replayed, or `namespace N`.
        context: String,
        /// Why (boxed, like `Store`).
        #[source]
        source: Box<MetricsError>,
    },
    /// An onboarding call failed (API Gateway, CloudWatch Logs, Lambda, SQS, CloudFormation).
    #[error("{context}: {source}")]
    Onboard {
        /// The command and what it was working on.
        context: String,
        /// Why (boxed, like `Store`).
        #[source]
        source: Box<OnboardError>,
    },
    /// Some of the changes a command made failed; each was printed on its own line.
    #[error("{context}: {failed} of the changes failed (see above)")]
    Partial {
        /// The command.
        context: &'static str,
        /// How many failed.
        failed: usize,
    },
    /// The async runtime the AWS SDK needs could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] io::Error),
    /// A file the command writes could not be written.
    #[error("{output}: cannot write: {source}")]
    Write {
        /// The file.
        output: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// `make-traffic` could not generate or write its files.
    #[error("make-traffic: {0}")]
    Traffic(#[source] TrafficError),
    /// Writing to stdout failed (other than a closed pipe).
    #[error("stdout: {0}")]
    Stdout(#[source] io::Error),
    /// Stdout was closed by its reader (`| head`): stop quietly, successfully.
    #[error("stdout closed by its reader")]
    ClosedPipe,
    /// Several inputs failed; each is reported on its own line.
    #[error("{} inputs failed", .0.len())]
    Inputs(Vec<CliError>),
    /// An MCP tool call did not finish within the server's `--tool-timeout`.
    #[error("{what}: no answer within {seconds}s (the server's --tool-timeout; narrow the window or raise it)")]
    Deadline {
        /// The tool.
        what: &'static str,
        /// The timeout.
        seconds: u64,
    },
    /// The MCP session could not start or ended abnormally (stdin/stdout, the protocol handshake).
    #[error("mcp: {0}")]
    Serve(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn prefixed(input: &Option<String>) -> String {
    input.as_deref().map(|i| format!("{i}: ")).unwrap_or_default()
}

fn endpoint_suffix(endpoint: &Option<String>) -> String {
    endpoint
        .as_deref()
        .map(|u| format!(", endpoint {u}"))
        .unwrap_or_default()
}

/// Whether `url` names this machine (moto, DynamoDB Local), which accepts any credentials.
fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => rest.split([':', '/']).next().unwrap_or(""),
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

fn what_to_set(missing: MissingSetting, endpoint: Option<&str>) -> String {
    let local = endpoint.filter(|u| is_loopback(u));
    match (missing, local) {
        (MissingSetting::Region, None) => "no AWS region found: set AWS_REGION or pass --region".into(),
        (MissingSetting::Region, Some(_)) => {
            "no AWS region found: set AWS_REGION or pass --region (any region, e.g. us-east-1, for a local endpoint)"
                .into()
        }
        (MissingSetting::Credentials, None) => "no AWS credentials found: set AWS_PROFILE or pass --profile, \
             or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            .into(),
        (MissingSetting::Credentials, Some(url)) => format!(
            "no AWS credentials found: set AWS_PROFILE or pass --profile, or set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY; the local endpoint {url} takes any test credentials \
             (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)"
        ),
    }
}

impl CliError {
    /// Maps an onboarding error in `context` (for `map_err`).
    pub fn onboard(context: impl Into<String>) -> impl FnOnce(OnboardError) -> CliError {
        let context = context.into();
        move |source| Self::Onboard {
            context,
            source: Box::new(source),
        }
    }

    /// Maps a decode error of `input` (for `map_err`).
    pub fn decoding(input: &str) -> impl FnOnce(DecodeError) -> CliError + '_ {
        move |source| Self::Decode {
            input: input.to_string(),
            source,
        }
    }

    /// The errors of several inputs as one result: `Ok` when there are none.
    pub fn from_inputs(errors: Vec<CliError>) -> Result<(), CliError> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::all(errors))
        }
    }

    /// Several errors as one: the error itself when there is one.
    pub fn all(mut errors: Vec<CliError>) -> CliError {
        if errors.len() == 1 {
            errors.remove(0)
        } else {
            Self::Inputs(errors)
        }
    }

    /// The documented exit code.
    pub fn exit_code(&self) -> Exit {
        match self {
            Self::ClosedPipe => Exit::Success,
            Self::Read { .. }
            | Self::TooLarge { .. }
            | Self::NotText { .. }
            | Self::Fixture { .. }
            | Self::Manifest { .. }
            | Self::Decode { .. }
            | Self::Config(_)
            | Self::Usage { .. }
            | Self::Write { .. }
            | Self::Traffic(_)
            | Self::Stdout(_)
            | Self::Serve(_) => Exit::Input,
            Self::Store { .. }
            | Self::NotConfigured { .. }
            | Self::Metrics { .. }
            | Self::Runtime(_)
            | Self::Partial { .. }
            | Self::Deadline { .. } => Exit::Aws,
            // Something named does not exist: 1; a stack that is not an indexer stack: 2; AWS: 3.
            Self::Onboard { source, .. } => match **source {
                OnboardError::NotFound { .. } => Exit::NotFound,
                OnboardError::MissingOutput { .. } => Exit::Input,
                _ => Exit::Aws,
            },
            Self::Inputs(all) => all.iter().map(Self::exit_code).max().unwrap_or(Exit::Input),
        }
    }

    /// Stable, low-cardinality code: the library's own code where the error came from it. The CLI prints
    /// the one-line message; the MCP server's errors carry this code (`commands/mcp/reply.rs`).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Read { .. } => "read_failed",
            Self::TooLarge { .. } => "input_too_large",
            Self::NotText { .. } => "not_utf8",
            Self::Fixture { .. } => "bad_fixture",
            Self::Manifest { .. } => "bad_manifest",
            Self::Decode { source, .. } => source.code(),
            Self::Config(e) => e.code(),
            Self::Usage { .. } => "bad_usage",
            Self::Store { source, .. } => source.code(),
            Self::NotConfigured { .. } => "aws_not_configured",
            Self::Metrics { source, .. } => source.code(),
            Self::Onboard { source, .. } => source.code(),
            Self::Partial { .. } => "partial_failure",
            Self::Runtime(_) => "runtime_failed",
            Self::Write { .. } => "write_failed",
            Self::Traffic(e) => e.code(),
            Self::Stdout(_) => "stdout_failed",
            Self::ClosedPipe => "closed_pipe",
            Self::Inputs(_) => "inputs_failed",
            Self::Deadline { .. } => "deadline_exceeded",
            Self::Serve(_) => "mcp_session_failed",
        }
    }

    /// The errors to print, one per line, in the order they happened (nothing for a closed pipe).
    pub fn reported(&self) -> Vec<&CliError> {
        match self {
            Self::ClosedPipe => Vec::new(),
            Self::Inputs(all) => all.iter().flat_map(Self::reported).collect(),
            e => vec![e],
        }
    }
}

#[cfg(test)]
mod tests;
