//! `--stack NAME` (env `APIGW_LOGS_STACK`): the table, namespace, indexer function and on-failure queue
//! from the stack's outputs, so no command needs `--table`. Explicit options win over the stack. Also what
//! the onboarding commands share: their clients and the indexer they subscribe to.

use apigw_log_indexer::aws::apigateway::ApiGateway;
use apigw_log_indexer::aws::cloudformation::CloudFormationStacks;
use apigw_log_indexer::aws::lambda::LambdaFunctions;
use apigw_log_indexer::aws::logs::CloudWatchLogs;
use apigw_log_indexer::aws::sqs::SqsQueues;
use apigw_log_indexer::onboard::OnboardError;
use apigw_log_indexer::onboard::stack::{FUNCTION_OUTPUT, NAMESPACE_OUTPUT, StackRefs, TABLE_OUTPUT};
use apigw_log_indexer::ports::{FunctionInfo, Functions, StackOutputs};
use aws_config::SdkConfig;
use clap::Args;

use crate::aws_args::{EndpointArgs, runtime};
use crate::error::CliError;

/// The outputs of the stack the options name, if they name one.
async fn refs(endpoint: &EndpointArgs, sdk: &SdkConfig) -> Result<Option<StackRefs>, OnboardError> {
    let Some(stack) = &endpoint.stack else { return Ok(None) };
    let outputs = CloudFormationStacks::new(aws_sdk_cloudformation::Client::new(sdk))
        .outputs(stack)
        .await?;
    Ok(Some(StackRefs::new(stack.clone(), outputs)))
}

/// Fills the table (and the metrics namespace) of an index command from `--stack` where not given; which
/// command has which is `main.rs`'s business (`fill_from_stack`). Without a stack, a missing table is a usage
/// error unless `table_required` is false (the MCP server starts without one and answers each index tool with
/// [`no_table`]).
pub fn fill(
    endpoint: &EndpointArgs,
    table: Option<&mut Option<String>>,
    namespace: Option<&mut Option<String>>,
    table_required: bool,
) -> Result<(), CliError> {
    let need_table = table.as_ref().is_some_and(|t| t.is_none());
    let need_namespace = namespace.as_ref().is_some_and(|n| n.is_none());
    if let (Some(stack), true) = (&endpoint.stack, need_table || need_namespace) {
        let context = format!("--stack {stack}");
        let refs = runtime()?
            .block_on(async { refs(endpoint, &endpoint.sdk().await).await })
            .map_err(CliError::onboard(context.clone()))?
            .ok_or_else(|| CliError::Usage {
                option: "--stack",
                problem: "no stack named".into(),
            })?;
        if let Some(t) = table.filter(|t| t.is_none()) {
            *t = Some(
                refs.get(TABLE_OUTPUT)
                    .map_err(CliError::onboard(context.clone()))?
                    .to_string(),
            );
        }
        if let Some(n) = namespace.filter(|n| n.is_none()) {
            *n = Some(
                refs.get(NAMESPACE_OUTPUT)
                    .map_err(CliError::onboard(context))?
                    .to_string(),
            );
        }
    } else if need_table && table_required {
        return Err(no_table());
    }
    Ok(())
}

/// The usage error of an index command given neither a table nor a stack.
pub fn no_table() -> CliError {
    CliError::Usage {
        option: "--table",
        problem: "no index table: give --table NAME (env INDEX_TABLE) or --stack NAME (env APIGW_LOGS_STACK)".into(),
    }
}

/// The indexer option every onboarding command takes.
#[derive(Args, Clone)]
pub struct IndexerArgs {
    /// The indexer function, by name or ARN (default: the stack's IndexerFunctionArn output).
    #[arg(long)]
    pub function: Option<String>,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
}

/// The clients the onboarding commands use, and the stack when one was named.
pub struct Onboard {
    pub apis: ApiGateway,
    pub logs: CloudWatchLogs,
    pub functions: LambdaFunctions,
    pub queues: SqsQueues,
    pub stack: Option<StackRefs>,
}

impl IndexerArgs {
    /// Usage error (exit 2) when neither `--function` nor `--stack` names the indexer.
    pub fn require(&self) -> Result<(), CliError> {
        if self.function.is_none() && self.endpoint.stack.is_none() {
            return Err(CliError::Usage {
                option: "--function",
                problem: "which indexer? give --function NAME|ARN or --stack NAME (env APIGW_LOGS_STACK)".into(),
            });
        }
        Ok(())
    }

    /// Builds the clients and reads the stack's outputs.
    pub async fn connect(&self) -> Result<Onboard, OnboardError> {
        let sdk = self.endpoint.sdk().await;
        Ok(Onboard {
            apis: ApiGateway::new(
                aws_sdk_apigateway::Client::new(&sdk),
                aws_sdk_apigatewayv2::Client::new(&sdk),
            ),
            logs: CloudWatchLogs::new(aws_sdk_cloudwatchlogs::Client::new(&sdk)),
            functions: LambdaFunctions::new(aws_sdk_lambda::Client::new(&sdk)),
            queues: SqsQueues::new(aws_sdk_sqs::Client::new(&sdk)),
            stack: refs(&self.endpoint, &sdk).await?,
        })
    }

    /// The options that name the indexer and the account, as a fix command should repeat them.
    pub fn fix_args(&self) -> String {
        let e = &self.endpoint;
        let mut out = Vec::new();
        match (&self.function, &e.stack) {
            (Some(f), _) => out.push(format!("--function {f}")),
            (None, Some(s)) => out.push(format!("--stack {s}")),
            (None, None) => {}
        }
        for (flag, v) in [
            ("--region", &e.region),
            ("--profile", &e.profile),
            ("--endpoint-url", &e.endpoint_url),
        ] {
            if let Some(v) = v {
                out.push(format!("{flag} {v}"));
            }
        }
        out.join(" ")
    }
}

impl Onboard {
    /// The indexer: `--function`, else the stack's output.
    pub async fn indexer(&self, function: Option<&str>) -> Result<FunctionInfo, OnboardError> {
        let name = match (function, &self.stack) {
            (Some(f), _) => f.to_string(),
            (None, Some(s)) => s.get(FUNCTION_OUTPUT)?.to_string(),
            (None, None) => {
                return Err(OnboardError::NotFound {
                    what: "function",
                    name: "(none given)".into(),
                });
            }
        };
        self.functions.function(&name).await
    }
}
