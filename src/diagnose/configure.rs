//! Which configuration facts a lookup's diagnoses can use, read once each through the deployment port: the
//! configured `Timeout` and `MemorySize` of a function whose invocation timed out or ran out of memory (or
//! ran behind an integration timeout), and the integration timeout of a REST method that timed out. A read
//! that fails is reported, never fatal: the diagnosis then rests on the logs alone.

use super::{Configuration, joined_invocation};
use crate::ports::DeploymentFacts;
use crate::reason::FailureReason;
use crate::record::{ApiRecord, LambdaRecord};

/// The facts read, and why some could not be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigRead {
    /// What was read.
    pub cfg: Configuration,
    /// Why a read failed, one entry per failed read (the CLI says `configuration not read: …` once).
    pub problems: Vec<String>,
}

/// What a lookup's diagnoses can use: at most one function and one REST integration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The function whose limits a timeout or memory rule uses.
    pub function: Option<String>,
    /// `(api_id, resource_path, method)` of a REST request that timed out at the integration.
    pub integration: Option<(String, String, String)>,
}

/// Reasons whose rules use the function's configured limits.
fn uses_function(reason: Option<FailureReason>) -> bool {
    matches!(
        reason,
        Some(FailureReason::LambdaTimeout | FailureReason::LambdaOutOfMemory | FailureReason::IntegrationTimeout)
    )
}

impl Wanted {
    /// The function and the REST integration the records' diagnoses can use, if any.
    pub fn of(api: &[ApiRecord<'_>], lambda: &[LambdaRecord<'_>]) -> Self {
        let from_api = api
            .iter()
            .filter(|a| uses_function(a.failure_reason))
            .find_map(|a| joined_invocation(a, lambda).and_then(|l| l.function_name.as_deref()));
        let from_lambda = lambda
            .iter()
            .filter(|l| uses_function(l.failure_reason))
            .find_map(|l| l.function_name.as_deref());
        // REST requests only (an HTTP or WebSocket API's record has a route key): GetIntegration is REST's.
        let integration = api
            .iter()
            .filter(|a| a.failure_reason == Some(FailureReason::IntegrationTimeout) && a.route_key.is_none())
            .find_map(|a| {
                Some((
                    a.api_id.as_deref()?.to_string(),
                    a.resource_path.as_deref()?.to_string(),
                    a.method.as_deref()?.to_string(),
                ))
            });
        Self {
            function: from_api.or(from_lambda).map(str::to_string),
            integration,
        }
    }

    /// Nothing to read.
    pub fn is_empty(&self) -> bool {
        self.function.is_none() && self.integration.is_none()
    }

    /// Reads what is wanted, one call (or paged listing) each; a failed read is a problem, not an error.
    pub async fn read<D: DeploymentFacts>(&self, d: &D) -> ConfigRead {
        let mut out = ConfigRead::default();
        if let Some(f) = &self.function {
            match d.function_limits(f).await {
                Ok(l) => {
                    out.cfg.function_timeout_s = l.timeout_s;
                    out.cfg.function_memory_mb = l.memory_mb;
                }
                Err(e) => out.problems.push(e.to_string()),
            }
        }
        if let Some((api_id, path, method)) = &self.integration {
            match d.integration_timeout_ms(api_id, path, method).await {
                Ok(t) => out.cfg.integration_timeout_ms = t,
                Err(e) => out.problems.push(e.to_string()),
            }
        }
        out
    }
}
