//! `doctor`: what stops the indexer from seeing an API's requests, one line per finding with the command
//! that fixes it. Exit 0 when there is nothing to fix, 1 when there is.

use apigw_log_indexer::onboard::collect::snapshot;
use apigw_log_indexer::onboard::doctor::{Finding, FixContext, Severity, check};
use apigw_log_indexer::onboard::stack::QUEUE_OUTPUT;
use apigw_log_indexer::ports::{StageConfig, StageFilter};
use clap::Args as ClapArgs;
use serde_json::json;

use crate::aws_args::runtime;
use crate::error::CliError;
use crate::exit::{NotFound, Outcome};
use crate::output;
use crate::stack::IndexerArgs;

/// Arguments of `doctor`.
#[derive(ClapArgs)]
pub struct Args {
    /// Only this API (REST, HTTP or WebSocket); default: every API in the region.
    #[arg(long = "api")]
    api_id: Option<String>,
    /// Only this stage of --api.
    #[arg(long, requires = "api_id")]
    stage: Option<String>,
    /// One JSON object per finding.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    indexer: IndexerArgs,
}

/// `doctor`.
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let filter = StageFilter {
        api_id: a.api_id.clone(),
        stage: a.stage.clone(),
    };
    let exam = runtime()?.block_on(examine(&a.indexer, &filter))?;
    let out = if a.json {
        findings_json(&exam.findings)
    } else {
        let mut out = String::new();
        for f in &exam.findings {
            let note = if f.severity == Severity::Note { "note: " } else { "" };
            out.push_str(&format!("{note}{}: {} → {}\n", f.subject, f.message, f.fix));
        }
        out
    };
    output::print(&out)?;
    output::warn(&exam.summary);
    // What the checks cannot see: requests API Gateway counted that never reached the index.
    output::warn(format!(
        "requests never indexed, per stage and minute: apigw-logs coverage {}",
        a.indexer.fix_args()
    ));
    Ok(if exam.to_fix() > 0 {
        Outcome::NotFound(NotFound::Findings)
    } else {
        Outcome::Done
    })
}

/// What `doctor` found, and its summary line.
pub struct Examined {
    /// One per problem or note, with its fix.
    pub findings: Vec<Finding>,
    /// `N to fix, M notes (S stages, G log groups, indexer F)`.
    pub summary: String,
    /// The stages examined (`coverage` reconciles each).
    pub stages: Vec<StageConfig>,
}

impl Examined {
    /// The findings that need a fix (not notes).
    pub fn to_fix(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Fix).count()
    }
}

/// Reads the stages of `filter`, their log groups and the indexer, and checks them.
pub async fn examine(indexer: &IndexerArgs, filter: &StageFilter) -> Result<Examined, CliError> {
    indexer.require()?;
    let snap = async {
        let aws = indexer.connect().await?;
        let function = aws.indexer(indexer.function.as_deref()).await?;
        // The stack names the queue; without one, the function's on-failure destination does.
        let queue = match &aws.stack {
            Some(s) => Some(s.get(QUEUE_OUTPUT)?.to_string()),
            None => None,
        };
        snapshot(
            &aws.apis,
            &aws.logs,
            &aws.logs,
            &aws.functions,
            &aws.queues,
            &function,
            filter,
            queue.as_deref(),
        )
        .await
    };
    let snap = snap.await.map_err(CliError::onboard("doctor"))?;
    let fix = FixContext {
        args: indexer.fix_args(),
    };
    let mut exam = Examined {
        findings: check(&snap, &fix),
        summary: String::new(),
        stages: snap.stages.clone(),
    };
    let to_fix = exam.to_fix();
    exam.summary = format!(
        "{to_fix} to fix, {} notes ({} stages, {} log groups, indexer {})",
        exam.findings.len() - to_fix,
        snap.stages.len(),
        snap.groups.len(),
        snap.indexer.name
    );
    Ok(exam)
}

/// The `--json` lines: one object per finding.
pub fn findings_json(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Fix => "fix",
            Severity::Note => "note",
        };
        let o = json!({"severity": severity, "check": f.check, "subject": f.subject, "api_id": f.api_id,
                       "stage": f.stage, "message": f.message, "fix": f.fix});
        out.push_str(&format!("{o}\n"));
    }
    out
}
