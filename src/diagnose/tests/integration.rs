//! The integration family: timeouts (and the run after the answer), network and TLS, permissions, mapping.

use super::{Case, check, ev, inv};
use crate::diagnose::{Configuration, Evidence, LAMBDA_PRICE_PER_GB_SECOND_USD, diagnose};
use crate::reason::FailureReason as R;
use crate::record::LambdaStatus;

const TIMEOUT_LINE: &str = "Execution failed due to a timeout error";

#[test]
fn integration_family() {
    check(vec![
        Case {
            source: "re:Post knowledge center api-gateway-504-errors (the line after `Endpoint request body after transformations`)",
            reason: R::IntegrationTimeout,
            evidence: ev(TIMEOUT_LINE),
            cfg: Configuration::default(),
            cause: &["gave up on the integration after 29000 ms"],
            fix: &["asynchronous", "quota request"],
            facts: &[("integration_timeout_ms", "29000")],
            next: true,
        },
        Case {
            source: "the same, with the integration's timeoutInMillis and the function's Timeout read",
            reason: R::IntegrationTimeout,
            evidence: ev(TIMEOUT_LINE),
            cfg: Configuration {
                integration_timeout_ms: Some(10_000),
                function_timeout_s: Some(60),
                ..Configuration::default()
            },
            cause: &["after 10000 ms"],
            fix: &["60 s Timeout outlives the 10000 ms integration timeout"],
            facts: &[("integration_timeout_ms", "10000"), ("function_timeout_s", "60")],
            next: true,
        },
        Case {
            source: "an SSM runbook's pattern list (AWSSupport-TroubleshootAPIGatewayHttpErrors)",
            reason: R::IntegrationNetworkError,
            evidence: ev("Execution failed due to a network error communicating with endpoint: Connection is closed"),
            cfg: Configuration::default(),
            cause: &["connection to the endpoint failed"],
            fix: &["reachable"],
            facts: &[],
            next: true,
        },
        Case {
            source: "re:Post knowledge center api-gateway-ssl-certificate-backend (self-signed backend)",
            reason: R::IntegrationNetworkError,
            evidence: ev(
                "Execution failed due to configuration error: PKIX path building failed: \
                          sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
            ),
            cfg: Configuration::default(),
            cause: &["does not trust the endpoint's certificate"],
            fix: &["full chain"],
            facts: &[],
            next: true,
        },
        Case {
            source: "a 2020 private-API / VPC-link write-up (test console), certificate subject mismatch",
            reason: R::IntegrationNetworkError,
            evidence: ev(
                "Execution failed due to configuration error: Host name 'web-app.elb.amazonaws.com.cn' does not \
                          match the certificate subject provided by the peer (CN=*.execute-api.cn-northwest-1.amazonaws.com.cn)",
            ),
            cfg: Configuration::default(),
            cause: &["does not name the host"],
            fix: &["certificate for the integration's host name"],
            facts: &[],
            next: true,
        },
        Case {
            source: "re:Post knowledge center api-gateway-500-error-vpc (VPC link failed, target unhealthy)",
            reason: R::IntegrationNetworkError,
            evidence: ev(
                "Execution failed due to configuration error: There was an internal error while executing your request",
            ),
            cfg: Configuration::default(),
            cause: &["VPC link"],
            fix: &["target health"],
            facts: &[],
            next: true,
        },
        Case {
            source: "a 2025 console copy: a role that cannot be assumed",
            reason: R::IntegrationPermissionError,
            evidence: ev(
                "Execution failed due to configuration error: API Gateway does not have permission to assume the \
                          provided role arn:aws:iam::123456789012:role/apigw-sqs",
            ),
            cfg: Configuration::default(),
            cause: &["could not assume the integration's role arn:aws:iam::123456789012:role/apigw-sqs"],
            fix: &["trust policy"],
            facts: &[("role_arn", "arn:aws:iam::123456789012:role/apigw-sqs")],
            next: false,
        },
        Case {
            source: "a 2025 write-up of real CloudWatch lines: missing invoke permission",
            reason: R::IntegrationPermissionError,
            evidence: ev("Execution failed due to configuration error: Invalid permissions on Lambda function"),
            cfg: Configuration::default(),
            cause: &["resource-based policy"],
            fix: &["lambda:InvokeFunction", "apigateway.amazonaws.com"],
            facts: &[],
            next: true,
        },
        Case {
            source: "re:Post knowledge center api-gateway-lambda-template-invoke-error (wrong integration method)",
            reason: R::IntegrationPermissionError,
            evidence: ev(
                "Lambda invocation failed with status: 403. Lambda request id: abc1d2ef-34ab-56c7-de8f-90123a456789",
            ),
            cfg: Configuration::default(),
            cause: &["refused API Gateway's call (403)"],
            fix: &["POST"],
            facts: &[],
            next: true,
        },
        Case {
            source: "a 2019 Step Functions StartExecution test log pasted in a project's comments",
            reason: R::MappingTemplateError,
            evidence: ev(
                "Execution failed due to configuration error: No match for output mapping and no default output \
                          mapping configured. Endpoint Response Status Code: 400",
            ),
            cfg: Configuration::default(),
            cause: &["no integration response maps"],
            fix: &["integration response for that status"],
            facts: &[],
            next: true,
        },
        Case {
            source: "a 2023 SQS SendMessage test log (queue policy denial, then an unmapped response)",
            reason: R::MappingTemplateError,
            evidence: ev(
                "Execution failed due to configuration error: Output mapping refers to an invalid method response: 200",
            ),
            cfg: Configuration::default(),
            cause: &["method response status that is not defined"],
            fix: &["define that method response"],
            facts: &[],
            next: true,
        },
    ]);
}

/// After the client gave up: a 504 joined (by the function's own log) to an invocation that ran 60 s at
/// 1024 MB and then succeeded.
#[test]
fn an_integration_timeout_reports_the_run_after_the_answer_and_its_cost() {
    let e = Evidence {
        reason: Some(R::IntegrationTimeout),
        integration_latency_ms: Some(29_001),
        invocation: inv(|i| {
            i.duration_ms = Some(60_000.0);
            i.billed_duration_ms = Some(60_000);
            i.memory_size_mb = Some(1024);
            i.status = Some(LambdaStatus::Success);
            i.joined_by = Some("function_log");
        }),
        ..ev(TIMEOUT_LINE)
    };
    let d = diagnose(&e, &Configuration::default()).unwrap();
    let a = d
        .after_response
        .as_ref()
        .expect("joined, so the run after the answer is known");
    assert_eq!(a.answered_after_ms, 29_001, "the logged latency, not the default");
    assert_eq!(a.ran_after_response_ms, Some(30_999.0));
    assert_eq!(a.ended, Some(LambdaStatus::Success));
    assert_eq!(a.joined_by, Some("function_log"));
    let want = 60.0 * LAMBDA_PRICE_PER_GB_SECOND_USD;
    assert!((a.cost_usd.unwrap() - want).abs() < 1e-12);
    assert!(d.cause.contains("after 29001 ms"), "{}", d.cause);
    assert!(
        d.cause
            .contains("ran on for 30999 ms after the answer and then succeeded"),
        "{}",
        d.cause
    );
    assert!(
        d.cause.contains("billed 60000 ms at 1024 MB: USD 0.001000"),
        "{}",
        d.cause
    );
    assert_eq!(d.next, None);
    // The same request without its invocation says how it could be found.
    let alone = Evidence { invocation: None, ..e };
    let d = diagnose(&alone, &Configuration::default()).unwrap();
    assert!(d.after_response.is_none());
    assert!(d.next.unwrap().contains("logs the API request ID"));
}
