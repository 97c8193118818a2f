//! `--api` / `--stage`: which API stage `failures` and `metrics` look at.

use clap::Args;

/// Only one API, or one stage of it (or of every API).
#[derive(Args, Clone)]
pub struct ApiFilter {
    /// Only this API ID.
    #[arg(long = "api")]
    pub api_id: Option<String>,
    /// Only this stage.
    #[arg(long)]
    pub stage: Option<String>,
}
