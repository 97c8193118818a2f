//! The tools: each one a CLI command's query with the same checks, answered with the command's `--json`
//! output. None writes anything. Arguments are typed (their JSON Schema is derived), unknown ones refused.

use std::time::Duration;

use apigw_log_indexer::config::DEFAULT_NAMESPACE;
use apigw_log_indexer::diagnose::Configuration;
use apigw_log_indexer::ports::StageFilter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData, ServerHandler, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::reply::{nothing, text, within};
use crate::api_filter::ApiFilter;
use crate::aws_args::AwsArgs;
use crate::commands::{doctor, failures, lookup, metrics};
use crate::error::CliError;
use crate::exit::NotFound;
use crate::stack::{IndexerArgs, no_table};
use crate::story;
use crate::window::{between, window};

/// The longest window the failures and metrics tools read: a month. An assistant asks about recent
/// failures; a longer window is one CLI call away, and each day of it is one more Query.
pub const MAX_WINDOW_DAYS: i64 = 31;
/// Failed requests one failures call returns, by default and at most (each line is about 400 bytes).
pub const DEFAULT_PAGE: u32 = 50;
/// See [`DEFAULT_PAGE`].
pub const MAX_PAGE: u32 = 500;

/// What the server was started with: the CLI's options, read once.
pub struct Config {
    /// The index table and the endpoint.
    pub aws: AwsArgs,
    /// The metrics namespace (`--namespace`, or the stack's).
    pub namespace: Option<String>,
    /// The indexer doctor checks, on the same endpoint.
    pub indexer: IndexerArgs,
    /// Each call's deadline.
    pub timeout: Duration,
}

/// Arguments of `lookup`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupArgs {
    /// An API Gateway request ID or a Lambda request ID (either finds the other).
    pub id: String,
}

/// Arguments of `failures`: the CLI's options of the same names.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailuresArgs {
    /// How far back from `until` to look: 30m, 6h, 7d, or an RFC 3339 time (default 24h; at most 31 days).
    pub since: Option<String>,
    /// End of the window: an RFC 3339 time such as 2025-11-21T13:00:00Z (default now).
    pub until: Option<String>,
    /// Only this failure reason (LambdaTimeout, LambdaError, Throttled, IntegrationTimeout, ...).
    pub reason: Option<String>,
    /// Only this API ID.
    pub api: Option<String>,
    /// Only this stage.
    pub stage: Option<String>,
    /// Most failed requests returned, newest first (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
}

/// Arguments of `metrics`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsArgs {
    /// How far back from `until` to look: 15m, 2h, 1d, or an RFC 3339 time (default 1h; at most 31 days).
    pub since: Option<String>,
    /// End of the window: an RFC 3339 time (default now).
    pub until: Option<String>,
    /// Only this API ID.
    pub api: Option<String>,
    /// Only this stage.
    pub stage: Option<String>,
}

/// Arguments of `doctor`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoctorArgs {
    /// The API (REST, HTTP or WebSocket) to check.
    pub api: String,
    /// Only this stage of it (default: every stage).
    pub stage: Option<String>,
}

/// The MCP server.
pub struct Server {
    config: Config,
    tool_router: ToolRouter<Self>,
}

impl Server {
    /// A server over `config`.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            tool_router: Self::tool_router(),
        }
    }

    fn index(&self) -> Result<&AwsArgs, CliError> {
        match self.config.aws.table {
            Some(_) => Ok(&self.config.aws),
            None => Err(no_table()),
        }
    }
}

/// A usage error when `since..until` is longer than [`MAX_WINDOW_DAYS`].
fn capped(since: i64, until: i64) -> Result<(), CliError> {
    if until - since > MAX_WINDOW_DAYS * 86_400_000 {
        return Err(CliError::Usage {
            option: "--since",
            problem: format!("the window is longer than {MAX_WINDOW_DAYS} days (the MCP server's cap)"),
        });
    }
    Ok(())
}

#[tool_router]
impl Server {
    #[tool(
        description = "The whole story of one API request by its API Gateway request ID or its Lambda request ID: \
                       the API record (status, failure_reason, latency, lambda_request_id) and the Lambda \
                       record(s) (status, duration, failure_reason, api_request_id), one JSON object per line, \
                       each with its redacted log lines. Same output as `apigw-logs lookup ID --json`.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn lookup(&self, Parameters(a): Parameters<LookupArgs>) -> Result<CallToolResult, ErrorData> {
        within("lookup", self.config.timeout, async {
            let aws = self.index()?;
            let id = lookup::checked_id(&a.id)?;
            let story = lookup::fetch(aws, id).await?;
            Ok(match lookup::render(&story, id, aws, true, &Configuration::default()) {
                Ok(r) => text([r.text.unwrap_or_default(), r.warnings.join("\n")]),
                Err(none) => nothing(&none),
            })
        })
        .await
    }

    #[tool(
        description = "Failed API requests in a time window, newest first, one JSON object per line (request_id, \
                       first_timestamp_ms, status, failure_reason, failure_detail, api_id, stage, method, \
                       resource_path, lambda_request_id). Filters \
                       as `apigw-logs failures --json`: since, until, reason, api, stage; at most `limit` lines.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn failures(&self, Parameters(a): Parameters<FailuresArgs>) -> Result<CallToolResult, ErrorData> {
        within("failures", self.config.timeout, async {
            let aws = self.index()?;
            let limit = a.limit.unwrap_or(DEFAULT_PAGE);
            if !(1..=MAX_PAGE).contains(&limit) {
                return Err(CliError::Usage {
                    option: "limit",
                    problem: format!("{limit} is not between 1 and {MAX_PAGE}"),
                });
            }
            let filter = ApiFilter {
                api_id: a.api,
                stage: a.stage,
            };
            let since = a.since.as_deref().unwrap_or(failures::DEFAULT_SINCE);
            let q = failures::Query::checked(since, a.until.as_deref(), a.reason.as_deref(), &filter)?;
            capped(q.since, q.until)?;
            let mut entries = q.list(aws).await?;
            if entries.is_empty() {
                return Ok(nothing(&q.none_found(aws)));
            }
            let total = entries.len();
            entries.truncate(limit as usize);
            let more = if total > entries.len() {
                format!(
                    "{limit} of {total} failed requests shown (newest first): narrow the window or the filters, \
                     or raise limit (at most {MAX_PAGE})"
                )
            } else {
                String::new()
            };
            Ok(text([story::failures(&entries, true), more]))
        })
        .await
    }

    #[tool(
        description = "Requests and failed requests by failure reason (and the Lambda timeout, out-of-memory and \
                       cold-start counters), summed from the indexer's CloudWatch metrics over a window: one \
                       JSON object per line {metric, api_id, stage, failure_reason, function_name, sum}, as \
                       `apigw-logs metrics --json`.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn metrics(&self, Parameters(a): Parameters<MetricsArgs>) -> Result<CallToolResult, ErrorData> {
        within("metrics", self.config.timeout, async {
            let namespace = self.config.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
            let since = a.since.as_deref().unwrap_or(metrics::DEFAULT_SINCE);
            let (since, until) = window(since, a.until.as_deref())?;
            capped(since, until)?;
            let filter = ApiFilter {
                api_id: a.api,
                stage: a.stage,
            };
            let totals = metrics::totals(&self.config.aws.endpoint, namespace, since, until, &filter).await?;
            if metrics::is_empty(&totals) {
                return Ok(nothing(&NotFound::NoDataPoints {
                    namespace: namespace.to_string(),
                    window: between(since, until),
                    shown: false,
                }));
            }
            Ok(text([metrics::as_json(&totals)]))
        })
        .await
    }

    #[tool(
        description = "Checks one API's stages for what the indexer needs (execution logging level, access log \
                       format, log group subscriptions to the indexer): one JSON object per finding {severity, \
                       check, subject, api_id, stage, message, fix} as `apigw-logs doctor --json`, then a \
                       summary line. Reads only; the fix is a command for the user to run.",
        annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn doctor(&self, Parameters(a): Parameters<DoctorArgs>) -> Result<CallToolResult, ErrorData> {
        within("doctor", self.config.timeout, async {
            let filter = StageFilter {
                api_id: Some(a.api),
                stage: a.stage,
            };
            let exam = doctor::examine(&self.config.indexer, &filter).await?;
            Ok(text([doctor::findings_json(&exam.findings), exam.summary]))
        })
        .await
    }
}

#[tool_handler(
    router = self.tool_router,
    name = "apigw-logs",
    instructions = "Why did an API Gateway request fail? `failures` lists failed requests in a window; `lookup` \
                    tells one request's whole story by either ID; `metrics` sums requests and failures by reason; \
                    `doctor` checks that an API's logs reach the indexer. All read-only."
)]
impl ServerHandler for Server {}
