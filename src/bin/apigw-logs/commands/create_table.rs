//! `create-table`: the index table, with the keys, failures index, TTL and encryption of `template.yaml`.

use apigw_log_indexer::aws::dynamodb::TableStatus;
use clap::Args as ClapArgs;

use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::Outcome;
use crate::output;

/// Arguments of `create-table`.
#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `create-table`: idempotent; an existing table with the index schema is success.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let created = runtime()?
        .block_on(async { a.aws.index().await.create_table().await })
        .map_err(|e| a.aws.store_error(None, e))?;
    let table = a.aws.table();
    output::print(&match created {
        TableStatus::Created => format!("created table {table}\n"),
        TableStatus::Existed => format!("table {table} already exists with the index schema\n"),
    })?;
    Ok(Outcome::Done)
}
