//! One module per subcommand. Each has its `Args` and a `run` that returns what the command came to or a
//! `CliError`; none prints an error or picks an exit code (that is `main`'s job).

pub mod coverage;
pub mod create_table;
pub mod decode;
pub mod doctor;
pub mod failures;
pub mod health;
pub mod lookup;
pub mod make_event;
pub mod make_traffic;
pub mod mcp;
pub mod metrics;
pub mod parse;
pub mod replay;
pub mod setup_logging;
pub mod subscribe;
