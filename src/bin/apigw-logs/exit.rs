//! Exit codes as a type, and what a command that ran to its end came to.
//!
//! The codes are the ones `docs/reference.md` documents: 0 success, 1 not found / no match, 2 usage or input
//! error, 3 AWS or endpoint error. `main` is the only place that turns them into a process exit code.

/// The process exit status of `apigw-logs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: the command did what was asked.
    Success = 0,
    /// 1: it ran, and found nothing.
    NotFound = 1,
    /// 2: bad usage or bad input (clap uses 2 for usage errors too).
    Input = 2,
    /// 3: AWS or the endpoint failed.
    Aws = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        Self::from(e as u8)
    }
}

/// What a command came to when it did not fail.
#[derive(Debug)]
pub enum Outcome {
    /// It did what was asked.
    Done,
    /// It ran, and found nothing to show (exit 1).
    NotFound(NotFound),
}

/// What was not found.
#[derive(Debug)]
pub enum NotFound {
    /// `lookup`: nothing is stored under the ID.
    Request {
        /// The ID looked up.
        id: String,
        /// The table asked.
        table: String,
    },
    /// `lookup`: items were found, but none could be read into a record (each problem was warned about).
    Unreadable,
    /// `failures`: no failed request in the window.
    Failures {
        /// The table asked.
        table: String,
        /// The window searched (`window::between`).
        window: String,
    },
    /// `metrics`: no data point in the window.
    NoDataPoints {
        /// The namespace asked.
        namespace: String,
        /// The window searched (`window::between`).
        window: String,
        /// The output said so already (the table form does; `--json` prints nothing).
        shown: bool,
    },
    /// `subscribe`: no log group matched (the summary line says so).
    NoLogGroups,
    /// `doctor`: findings to fix (each printed with its fix).
    Findings,
}

impl NotFound {
    /// The line `main` prints on stderr, if the output has not said it already.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Request { id, table } => Some(format!("no request or invocation {id} in table {table}")),
            Self::Unreadable => Some("the index items found could not be read".into()),
            Self::Failures { table, window } => Some(format!("no failures {window} in table {table}")),
            Self::NoDataPoints { shown: true, .. } => None,
            Self::NoDataPoints { namespace, window, .. } => {
                Some(format!("no data points {window} in namespace {namespace}"))
            }
            Self::NoLogGroups | Self::Findings => None,
        }
    }
}
