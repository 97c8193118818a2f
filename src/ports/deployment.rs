//! The deployment facts a diagnosis can use beyond the logs: a function's configured timeout and memory, a
//! REST method's integration timeout. Read by the CLI where the caller may (`lookup`, `health`), never by the indexer.

use std::future::Future;

use super::OnboardResult;

/// A function's configured limits (Lambda `GetFunctionConfiguration`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionLimits {
    /// `Timeout`, in seconds.
    pub timeout_s: Option<u64>,
    /// `MemorySize`, in MB.
    pub memory_mb: Option<u64>,
}

/// Reads deployment facts. Each read is one bounded call (the integration: one listing of the API's
/// resources, then one `GetIntegration`).
pub trait DeploymentFacts {
    /// The function's configured limits.
    fn function_limits(&self, function: &str) -> impl Future<Output = OnboardResult<FunctionLimits>> + Send;
    /// The integration timeout of a REST API's method (`timeoutInMillis`); `None` when the API has no
    /// resource at that path with that method.
    fn integration_timeout_ms(
        &self,
        api_id: &str,
        resource_path: &str,
        method: &str,
    ) -> impl Future<Output = OnboardResult<Option<u64>>> + Send;
}
