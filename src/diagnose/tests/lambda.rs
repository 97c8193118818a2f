//! Lambda integrations' family: out of memory, timeout, throttled, errors, malformed proxy responses.

use super::{Case, check, ev, inv};
use crate::diagnose::{Configuration, Evidence};
use crate::reason::FailureReason;
use crate::record::LambdaStatus;

#[test]
fn lambda_family() {
    use FailureReason as R;
    check(vec![
        Case {
            source: "Lambda developer guide, REPORT line of an out-of-memory invocation (Runtime.OutOfMemory)",
            reason: R::LambdaOutOfMemory,
            evidence: Evidence {
                invocation: inv(|i| {
                    i.max_memory_used_mb = Some(128);
                    i.memory_size_mb = Some(128);
                    i.error_type = Some("Runtime.OutOfMemory");
                    i.status = Some(LambdaStatus::Error);
                }),
                ..ev("Error: Runtime exited with error: signal: killed Runtime.ExitError")
            },
            cfg: Configuration::default(),
            cause: &["used 128 of its 128 MB"],
            fix: &["MemorySize above 128 MB"],
            facts: &[("max_memory_used_mb", "128"), ("memory_size_mb", "128")],
            next: false,
        },
        Case {
            source: "API Gateway's failure line without the function's log: the size comes from the configuration",
            reason: R::LambdaOutOfMemory,
            evidence: ev(
                "Lambda execution failed with status 200 due to customer function error: Runtime exited with error: signal: killed",
            ),
            cfg: Configuration {
                function_memory_mb: Some(256),
                ..Configuration::default()
            },
            cause: &["out of its 256 MB"],
            fix: &["above 256 MB"],
            facts: &[("memory_size_mb", "256")],
            next: true,
        },
        Case {
            source: "classify.rs's timeout line (API Gateway quoting the runtime) with the generator's REPORT figures",
            reason: R::LambdaTimeout,
            evidence: Evidence {
                xray_trace_id: Some("1-6962324d-273b8749616a929c8bd4fd14"),
                invocation: inv(|i| {
                    i.duration_ms = Some(1000.0);
                    i.status = Some(LambdaStatus::Timeout);
                    i.init_duration_ms = Some(182.5);
                }),
                ..ev(
                    "Lambda execution failed with status 200 due to customer function error: 2023-10-30T12:58:42.123Z \
                      5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f Task timed out after 1.00 seconds. Lambda request id: \
                      5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f",
                )
            },
            cfg: Configuration::default(),
            cause: &["ran 1000 ms of its 1000 ms timeout"],
            fix: &["above 1000 ms", "trace 1-6962324d-273b8749616a929c8bd4fd14"],
            facts: &[
                ("duration_ms", "1000"),
                ("timeout_ms", "1000"),
                ("init_duration_ms", "182.5"),
            ],
            next: false,
        },
        Case {
            source: "the same timeout line when the function's Timeout has been raised since (configuration read)",
            reason: R::LambdaTimeout,
            evidence: ev(
                "2023-10-30T12:58:42.123Z 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f Task timed out after 1.00 seconds",
            ),
            cfg: Configuration {
                function_timeout_s: Some(60),
                ..Configuration::default()
            },
            cause: &["within its 1000 ms timeout"],
            fix: &["above 1000 ms"],
            facts: &[("timeout_ms", "1000"), ("configured_timeout_s", "60")],
            next: true,
        },
        Case {
            source: "the same failure without a REPORT line or a stated timeout: the configured Timeout",
            reason: R::LambdaTimeout,
            evidence: ev("Lambda execution failed with status 200 due to customer function error: Task timed out"),
            cfg: Configuration {
                function_timeout_s: Some(3),
                ..Configuration::default()
            },
            cause: &["within its 3000 ms timeout"],
            fix: &["above 3000 ms"],
            facts: &[("timeout_ms", "3000")],
            next: true,
        },
        Case {
            source: "a 2025 write-up of real CloudWatch lines: Lambda's Invoke API throttled the call",
            reason: R::LambdaThrottled,
            evidence: ev(
                "Lambda invocation failed with status: 429. Lambda request id: dcb2ab89-2d03-4b77-98cd-18d14fd2b850",
            ),
            cfg: Configuration::default(),
            cause: &["Invoke answered 429"],
            fix: &["reserved concurrency", "concurrent executions quota"],
            facts: &[],
            next: true,
        },
        Case {
            source: "a 2018 reserved-concurrency experiment (older throttle form, full data tracing)",
            reason: R::LambdaThrottled,
            evidence: ev("Endpoint response body before transformations: { \"Reason\": \
                          \"ReservedFunctionConcurrentInvocationLimitExceeded\", \"Type\": \"User\", \"message\": \"Rate Exceeded.\" }"),
            cfg: Configuration::default(),
            cause: &["reserved concurrency was in use"],
            fix: &["raise the function's reserved concurrency"],
            facts: &[("throttle_reason", "ReservedFunctionConcurrentInvocationLimitExceeded")],
            next: false,
        },
        Case {
            source: "a 2025 write-up of real CloudWatch lines (API k1k7gu3ct7) with a TypeError REPORT",
            reason: R::LambdaError,
            evidence: Evidence {
                invocation: inv(|i| {
                    i.error_type = Some("TypeError");
                    i.duration_ms = Some(12.4);
                    i.status = Some(LambdaStatus::Error);
                }),
                ..ev(
                    "Lambda execution failed with status 200 due to customer function error: Application error in a \
                      Lambda function. Lambda request id: 758a8c2f-35eb-4713-b55e-56879fbc968b",
                )
            },
            cfg: Configuration::default(),
            cause: &["unhandled TypeError"],
            fix: &["failing code path"],
            facts: &[("error_type", "TypeError"), ("duration_ms", "12.4")],
            next: true,
        },
        Case {
            source: "a 2017 Lambda README's CloudWatch example (crash reported as a malformed proxy response)",
            reason: R::LambdaError,
            evidence: ev(
                "Endpoint response body before transformations: { \"errorMessage\": \"RequestId: \
                          d27362eb-dc3a-11e6-ad1e-d97a8717a019 Process exited before completing request\" }",
            ),
            cfg: Configuration::default(),
            cause: &["process exited before it answered"],
            fix: &["failing code path"],
            facts: &[],
            next: true,
        },
        Case {
            source: "Lambda runtime: a handler that cannot be loaded (Runtime.ImportModuleError)",
            reason: R::LambdaError,
            evidence: Evidence {
                invocation: inv(|i| i.error_type = Some("Runtime.ImportModuleError")),
                ..Evidence::default()
            },
            cfg: Configuration::default(),
            cause: &["could not load its handler (Runtime.ImportModuleError)"],
            fix: &["Handler setting"],
            facts: &[("error_type", "Runtime.ImportModuleError")],
            next: true,
        },
        Case {
            source: "re:Post knowledge center malformed-502-api-gateway",
            reason: R::MalformedProxyResponse,
            evidence: Evidence {
                invocation: inv(|i| i.status = Some(LambdaStatus::Success)),
                ..ev("Execution failed due to configuration error: Malformed Lambda proxy response")
            },
            cfg: Configuration::default(),
            cause: &["integer statusCode", "string body"],
            fix: &["every code path"],
            facts: &[],
            next: true,
        },
        Case {
            source: "the same line when the joined invocation failed",
            reason: R::MalformedProxyResponse,
            evidence: Evidence {
                invocation: inv(|i| i.status = Some(LambdaStatus::Error)),
                ..ev("Execution failed due to configuration error: Malformed Lambda proxy response")
            },
            cfg: Configuration::default(),
            cause: &["ended with error"],
            fix: &["statusCode"],
            facts: &[("invocation_status", "error")],
            next: true,
        },
    ]);
}
