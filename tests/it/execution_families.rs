//! REST execution-log failure families, each from real captures (the source beside each case): Lambda,
//! HTTP and TLS, VPC links, AWS service integrations, mapping templates, authorizers, resource policies,
//! usage plans. Checks the reason, the status, and that only a Lambda integration's request ID is joined.

use crate::helpers::{EXEC_GROUP, parse};

const RID: &str = "5293df93-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

struct Case {
    source: &'static str,
    lines: &'static [&'static str],
    /// (status, failure reason, joined Lambda request ID)
    want: (u64, &'static str, Option<&'static str>),
}

const CASES: &[Case] = &[
    // ---- Lambda
    Case {
        source: "a 2025 write-up of real CloudWatch lines (API k1k7gu3ct7)",
        lines: &[
            "Lambda execution failed with status 200 due to customer function error: Application error in a Lambda function. Lambda request id: 758a8c2f-35eb-4713-b55e-56879fbc968b",
            "Method completed with status: 502",
        ],
        want: (502, "LambdaError", Some("758a8c2f-35eb-4713-b55e-56879fbc968b")),
    },
    Case {
        source: "same write-up: Lambda's Invoke API throttled the call",
        lines: &[
            "Lambda invocation failed with status: 429. Lambda request id: dcb2ab89-2d03-4b77-98cd-18d14fd2b850",
            "Execution failed due to configuration error: Rate Exceeded.",
            "Method completed with status: 500",
        ],
        want: (500, "LambdaThrottled", Some("dcb2ab89-2d03-4b77-98cd-18d14fd2b850")),
    },
    Case {
        source: "re:Post knowledge center api-gateway-lambda-template-invoke-error (wrong integration method)",
        lines: &[
            "Received response. Status: 403, Integration latency: 3 ms",
            "Lambda invocation failed with status: 403. Lambda request id: abc1d2ef-34ab-56c7-de8f-90123a456789",
            "Execution failed due to configuration error: ",
            "Method completed with status: 500",
        ],
        want: (
            500,
            "IntegrationPermissionError",
            Some("abc1d2ef-34ab-56c7-de8f-90123a456789"),
        ),
    },
    Case {
        source: "a 2018 reserved-concurrency experiment (older throttle form, full data tracing)",
        lines: &[
            "Received response. Integration latency: 5 ms",
            "Endpoint response body before transformations: { \"Reason\": \"ReservedFunctionConcurrentInvocationLimitExceeded\", \"Type\": \"User\", \"message\": \"Rate Exceeded.\" }",
            "Endpoint response headers: {Connection=keep-alive, x-amzn-RequestId=a5e453c2-8d59-11e8-bf58-f5dde8cf91a3, x-amzn-ErrorType=TooManyRequestsException, Content-Length=104}",
            "Execution failed due to configuration error: Malformed Lambda proxy response",
            "Method completed with status: 502",
        ],
        want: (502, "LambdaThrottled", Some("a5e453c2-8d59-11e8-bf58-f5dde8cf91a3")),
    },
    Case {
        source: "a 2017 Lambda README's CloudWatch example (crash reported as a malformed proxy response)",
        lines: &[
            "Endpoint response body before transformations: { \"errorMessage\": \"RequestId: d27362eb-dc3a-11e6-ad1e-d97a8717a019 Process exited before completing request\" }",
            "Execution failed due to configuration error: Malformed Lambda proxy response",
            "Method completed with status: 502",
        ],
        // A body is the function's to write: its `RequestId` joins nothing (`docs/threat-model.md`).
        want: (502, "LambdaError", None),
    },
    Case {
        source: "same 2025 write-up: missing invoke permission",
        lines: &[
            "Execution failed due to configuration error: Invalid permissions on Lambda function",
            "Method completed with status: 500",
        ],
        want: (500, "IntegrationPermissionError", None),
    },
    // ---- HTTP integrations, TLS, VPC links
    Case {
        source: "re:Post knowledge center api-gateway-ssl-certificate-backend (self-signed backend)",
        lines: &[
            "Sending request to https://self-signed.badssl.com/",
            "Execution failed due to configuration error: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
            "Method completed with status: 500",
        ],
        want: (500, "IntegrationNetworkError", None),
    },
    Case {
        source: "same page (expired certificate)",
        lines: &[
            "Execution failed due to configuration error: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
            "Method completed with status: 500",
        ],
        want: (500, "IntegrationNetworkError", None),
    },
    Case {
        source: "a 2020 private-API / VPC-link write-up (test console), certificate subject mismatch",
        lines: &[
            "Sending request to https://web-app-fargate-nlb-internal2-fdeb5f1534e02ddb.elb.cn-northwest-1.amazonaws.com.cn/dev/webpage-vpc",
            "Execution failed due to configuration error: Host name 'web-app-fargate-nlb-internal2-fdeb5f1534e02ddb.elb.cn-northwest-1.amazonaws.com.cn' does not match the certificate subject provided by the peer (CN=*.execute-api.cn-northwest-1.amazonaws.com.cn)",
            "Method completed with status: 500",
        ],
        want: (500, "IntegrationNetworkError", None),
    },
    Case {
        source: "re:Post knowledge center api-gateway-500-error-vpc (VPC link failed, target unhealthy)",
        lines: &[
            "Execution failed due to configuration error: There was an internal error while executing your request",
            "Method completed with status: 500",
        ],
        want: (500, "IntegrationNetworkError", None),
    },
    Case {
        source: "https://heroween.hateblo.jp/entry/2022/08/30/065339 (REST API, VPC link to ECS)",
        lines: &[
            "Execution failed due to an vpc link error",
            "Method completed with status: 500",
        ],
        want: (500, "IntegrationNetworkError", None),
    },
    Case {
        source: "an SSM runbook's pattern list (AWSSupport-TroubleshootAPIGatewayHttpErrors)",
        lines: &[
            "Execution failed due to a network error communicating with endpoint: Connection is closed",
            "Method completed with status: 504",
        ],
        want: (504, "IntegrationNetworkError", None),
    },
    // ---- AWS service integrations: their x-amzn-RequestId is never a Lambda request ID
    Case {
        source: "a 2019 Step Functions StartExecution test log pasted in a project's comments",
        lines: &[
            "Endpoint request URI: https://states.us-east-1.amazonaws.com/?Action=StartExecution",
            "Received response. Status: 400, Integration latency: 10 ms",
            "Endpoint response headers: {x-amzn-RequestId=7db46310-54f0-43bd-967b-dc8abda3a16e, Content-Type=application/x-amz-json-1.0, Content-Length=63}",
            "Endpoint response body before transformations: {\"__type\":\"com.amazon.coral.service#UnknownOperationException\"}",
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: 400",
            "Method completed with status: 500",
            "AWS Integration Endpoint RequestId : 7db46310-54f0-43bd-967b-dc8abda3a16e",
        ],
        want: (500, "MappingTemplateError", None),
    },
    Case {
        source: "a 2023 SQS SendMessage test log (queue policy denial, then an unmapped response)",
        lines: &[
            "Sending request to https://sqs.eu-west-1.amazonaws.com/565245842699/CdkQueueBasedLoadLevelingApiStack-queue276F7297-mGo7HiEGAALF",
            "Received response. Status: 403, Integration latency: 2 ms",
            "Endpoint response headers: {x-amzn-RequestId=e5c86bb5-46c3-5659-801a-3610a8fa4b32, Connection=close, Content-Type=application/json, Content-Length=256}",
            "Execution failed due to configuration error: Output mapping refers to an invalid method response: 200",
            "Method completed with status: 500",
        ],
        want: (500, "MappingTemplateError", None),
    },
    // ---- authorizers
    Case {
        source: "hashicorp/terraform-provider-aws#737 (authorizer with a broken endpoint)",
        lines: &[
            "Starting authorizer: q2uugl for request: test-request",
            "Incoming identity: df",
            "Execution failed due to configuration error: Invalid endpoint address",
            "Execution failed due to configuration error: Authorizer error",
            "AuthorizerConfigurationException",
        ],
        want: (500, "AuthorizerError", None),
    },
    Case {
        source: "2023 notes (authorizer Lambda failed to load; its response is not a policy)",
        lines: &[
            "Starting authorizer: q8togz for request: afab46d7-880e-4150-a266-b1fcc783be07",
            "Sending request to https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:770646514888:function:Authorize-Registrations-Lambda/invocations",
            "Execution failed due to configuration error: Invalid JSON in response: Unrecognized field \"errorType\" , not marked as ignorable",
            "AuthorizerConfigurationException",
        ],
        want: (500, "AuthorizerError", None),
    },
    Case {
        source: "a 2026 CloudWatch console copy (authorizer rejects a request without identity; no completion line)",
        lines: &[
            "Extended Request Id: W9zMPGrHtjMEeFw=",
            "Starting authorizer: 4hugyv for request: 5293df93-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "Unauthorized request: 5293df93-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "X-ray Tracing ID : Root=1-6962324d-273b8749616a929c8bd4fd14",
        ],
        want: (401, "Unauthorized", None),
    },
    // ---- usage plans
    Case {
        source: "re:Post knowledge center api-gateway-429-limit (usage-plan throttle)",
        lines: &[
            "API Key **********************************F0yrv6 exceeded throttle limit for API Stage rohkz08x02/dev: Key throttle limit exceeded for Usage Plan ID nnpegc, RestApi rohkz08x02, Stage dev, Resource f646q2, HttpMethod GET. Limit: 5.00 Burst: 10",
            "Method completed with status: 429",
        ],
        want: (429, "Throttled", None),
    },
    Case {
        source: "a 2021 API Gateway logging guide (quota)",
        lines: &[
            "API Key ***************apikey exceeded quota limit for API Stage xxxxx/prod: Key quota exhausted for Usage Plan ID xxxx. Limit: 200 Period: DAY",
            "Method completed with status: 429",
        ],
        want: (429, "QuotaExceeded", None),
    },
    Case {
        source: "learning notes on API Gateway + Firehose (API key without a usage plan)",
        lines: &[
            "API Key ***abcd not authorized because method 'GET /' requires API Key and API Key is not associated with a Usage Plan for API Stage zsuvlqr7nb/prod: No Usage Plan found for key and API Stage",
            "Method completed with status: 403",
        ],
        want: (403, "InvalidApiKey", None),
    },
    Case {
        source: "a 2025 console copy: a role that cannot be assumed, then the generic gateway response",
        lines: &[
            "Execution failed due to configuration error: API Gateway does not have permission to assume the provided role arn:aws:iam::123456789012:role/apigw-sqs",
            "Gateway response type: DEFAULT_5XX with status code: 500",
        ],
        want: (500, "IntegrationPermissionError", None),
    },
];

#[test]
fn every_execution_family_gets_its_reason_status_and_join() {
    for case in CASES {
        let lines: Vec<String> = case.lines.iter().map(|l| format!("({RID}) {l}")).collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let out = parse(EXEC_GROUP, &lines);
        let r = out.api(RID);
        let got = (
            r["status"].as_u64().unwrap_or(0),
            r["failure_reason"].as_str().unwrap_or("null"),
            r["lambda_request_id"].as_str(),
        );
        assert_eq!(got, case.want, "{}: {r:#}", case.source);
    }
}

/// `Usage Plan check failed due to an internal error` is logged while the request is served anyway
/// (API Gateway Developer Guide, usage plans): never a failure.
#[test]
fn an_internal_usage_plan_check_error_is_not_a_failure() {
    let lines = [
        format!("({RID}) Usage Plan check failed due to an internal error"),
        format!("({RID}) Method completed with status: 200"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let r = parse(EXEC_GROUP, &lines).api(RID).clone();
    assert_eq!((r["status"].as_u64(), r["failure_reason"].as_str()), (Some(200), None));
}

/// The messages of a request that passed its API key and usage plan checks quote the method and its path,
/// which can spell a failure phrase: they are never read for one.
#[test]
fn passed_checks_quoting_a_failure_phrase_add_no_evidence() {
    let lines = [
        format!(
            "({RID}) API Key authorized because method 'GET /Execution failed due to a timeout error' does not require API Key. Request will not contribute to throttle or quota limits"
        ),
        format!(
            "({RID}) Usage Plan check succeeded for API Key **** and API Stage a1/Execution failed due to a timeout error"
        ),
        format!("({RID}) Method completed with status: 500"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let r = parse(EXEC_GROUP, &lines).api(RID).clone();
    assert_eq!(
        (r["status"].as_u64(), r["failure_reason"].as_str()),
        (Some(500), Some("Other5XX"))
    );
}
