//! The table of reasons: each with a log group, its evidence lines and the status it implies.

use super::*;

/// (reason, group, lines with `R` for the request ID, expected status).
pub(super) fn table() -> Vec<(&'static str, &'static str, Vec<&'static str>, u16)> {
    vec![
        (
            "LambdaTimeout",
            EXEC_GROUP,
            vec![
                "(R) Lambda execution failed with status 200 due to customer function error: 2023-10-30T12:58:42.123Z L Task timed out after 1.00 seconds. Lambda request id: L",
                "(R) Method completed with status: 502",
            ],
            502,
        ),
        (
            "LambdaTimeout",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"502","integrationErrorMessage":"The Lambda function returned the following error: RequestId: L Error: Task timed out after 5.00 seconds. Check your Lambda function code and try again."}"#,
            ],
            502,
        ),
        (
            "LambdaError",
            EXEC_GROUP,
            vec![
                "(R) Lambda execution failed with status 200 due to customer function error: Cannot read properties of undefined. Lambda request id: L",
                "(R) Method completed with status: 502",
            ],
            502,
        ),
        (
            "LambdaError",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"502","error.responseType":"INTEGRATION_FAILURE","integration.error":"Lambda Customer Function Error:'AZUL_S3_BUCKET'"}"#,
            ],
            502,
        ),
        (
            "LambdaThrottled",
            EXEC_GROUP,
            vec![
                "(R) Lambda invocation failed with status: 429. Lambda request id: L",
                "(R) Execution failed due to configuration error: Rate Exceeded.",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "LambdaThrottled",
            EXEC_GROUP,
            vec![
                "(R) Endpoint response headers: {Connection=keep-alive, x-amzn-RequestId=L, x-amzn-ErrorType=TooManyRequestsException}",
                "(R) Execution failed due to configuration error: Malformed Lambda proxy response",
                "(R) Method completed with status: 502",
            ],
            502,
        ),
        (
            "LambdaThrottled",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"500","integrationErrorMessage":"Execution failed due to configuration error: Rate Exceeded."}"#,
            ],
            500,
        ),
        (
            "MalformedProxyResponse",
            EXEC_GROUP,
            vec![
                "(R) Endpoint response body before transformations: \"Bad response\"",
                "(R) Execution failed due to configuration error: Malformed Lambda proxy response",
                "(R) Method completed with status: 502",
            ],
            502,
        ),
        (
            "IntegrationTimeout",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to a timeout error",
                "(R) Method completed with status: 504",
            ],
            504,
        ),
        (
            "IntegrationTimeout",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"504","error_responseType":"INTEGRATION_TIMEOUT","error_message":"Endpoint request timed out"}"#,
            ],
            504,
        ),
        // Streamed responses (REST, 2025): built from the documented access-log variables (tests/it/streaming.rs).
        (
            "StreamInterrupted",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"200","responseTransferMode":"STREAMED","timeToAllHeaders":"190","integrationLatency":"9050","integration_error":"Execution failed due to a network error"}"#,
            ],
            200,
        ),
        (
            "StreamTimeout",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"504","responseTransferMode":"STREAMED","integrationLatency":"600012","error_responseType":"INTEGRATION_TIMEOUT","error_message":"Endpoint request timed out"}"#,
            ],
            504,
        ),
        (
            "StreamIdleTimeout",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"200","responseTransferMode":"STREAMED","timeToAllHeaders":"95","integrationLatency":"312400","integration_error":"Execution failed due to a timeout error"}"#,
            ],
            200,
        ),
        (
            "IntegrationNetworkError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to a network error communicating with endpoint: Connection is closed",
                "(R) Method completed with status: 504",
            ],
            504,
        ),
        (
            "IntegrationNetworkError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to configuration error: Invalid endpoint address",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "IntegrationPermissionError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to configuration error: Invalid permissions on Lambda function",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "IntegrationPermissionError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to configuration error: API Gateway does not have permission to assume the provided role arn:aws:iam::123456789012:role/x",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "MappingTemplateError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to configuration error: Unable to transform request",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "MappingTemplateError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to configuration error: Output mapping refers to an invalid method response: 2xx",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "MappingTemplateError",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"500","error.responseType":"API_CONFIGURATION_ERROR"}"#],
            500,
        ),
        (
            "AuthorizerError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to configuration error: Authorizer error",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "AuthorizerError",
            EXEC_GROUP,
            vec![
                "(R) Starting authorizer: abc123 for request: R",
                "(R) Execution failed due to configuration error: API Gateway does not have permission to assume the provided role arn:aws:iam::123456789012:role/authz",
                "(R) Gateway response type: AUTHORIZER_CONFIGURATION_ERROR with status code: 500",
            ],
            500,
        ),
        (
            "AuthorizerError",
            EXEC_GROUP,
            vec![
                "(R) Execution failed due to configuration error: Could not parse policy",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "Unauthorized",
            EXEC_GROUP,
            vec![
                "(R) Starting authorizer: abc123 for request: R",
                "(R) Unauthorized request: R",
            ],
            401,
        ),
        (
            "Unauthorized",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"401","error.responseType":"UNAUTHORIZED"}"#],
            401,
        ),
        (
            "AccessDenied",
            EXEC_GROUP,
            vec![
                "(R) User is not authorized to access this resource with an explicit deny",
                "(R) Method completed with status: 403",
            ],
            403,
        ),
        (
            "AccessDenied",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"403","error.responseType":"ACCESS_DENIED"}"#],
            403,
        ),
        (
            "InvalidApiKey",
            EXEC_GROUP,
            vec![
                "(R) API Key **********abcd not authorized because method 'GET /' requires API Key and API Key is not associated with a Usage Plan for API Stage a1b2c3d4e5/dev: No Usage Plan found for key and API Stage",
                "(R) Method completed with status: 403",
            ],
            403,
        ),
        (
            "InvalidApiKey",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"403","error.responseType":"INVALID_API_KEY"}"#],
            403,
        ),
        (
            "MissingAuthenticationToken",
            ACCESS_GROUP,
            vec![
                r#"{"requestId":"R","status":"403","error.responseType":"MISSING_AUTHENTICATION_TOKEN","error.message":"Missing Authentication Token"}"#,
            ],
            403,
        ),
        (
            "WafBlocked",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"403","error.responseType":"WAF_FILTERED","error.message":"Forbidden"}"#],
            403,
        ),
        (
            "WafBlocked",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"403","wafResponseCode":"WAF_BLOCK"}"#],
            403,
        ),
        (
            "Throttled",
            EXEC_GROUP,
            vec![
                "(R) Key throttle limit exceeded for RestApi a1b2c3d4e5, Stage dev, Resource k0w8mc, HttpMethod POST. Limit: 1.00 Burst: 1",
                "(R) Method completed with status: 429",
            ],
            429,
        ),
        (
            "Throttled",
            EXEC_GROUP,
            vec![
                "(R) API Key **********F0yrv6 exceeded throttle limit for API Stage a1b2c3d4e5/dev: Key throttle limit exceeded for Usage Plan ID abc",
            ],
            429,
        ),
        (
            "Throttled",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"429","error.responseType":"THROTTLED"}"#],
            429,
        ),
        (
            "QuotaExceeded",
            EXEC_GROUP,
            vec![
                "(R) API Key **********F0yrv6 exceeded quota limit for API Stage a1b2c3d4e5/dev: Key quota exhausted for Usage Plan ID abc",
                "(R) Method completed with status: 429",
            ],
            429,
        ),
        (
            "QuotaExceeded",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"429","error.responseType":"QUOTA_EXCEEDED"}"#],
            429,
        ),
        (
            "RequestValidationFailed",
            EXEC_GROUP,
            vec![
                "(R) Request body does not match model schema for content type application/json: [object has missing required properties ([\"name\"])]",
                "(R) Method completed with status: 400",
            ],
            400,
        ),
        (
            "RequestValidationFailed",
            ACCESS_GROUP,
            vec![r#"{"requestId":"R","status":"400","error.responseType":"BAD_REQUEST_PARAMETERS"}"#],
            400,
        ),
        (
            "Backend5XX",
            EXEC_GROUP,
            vec![
                "(R) Endpoint request URI: https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations",
                "(R) Endpoint response body before transformations: {\"statusCode\": 503, \"body\": \"down\"}",
                "(R) Method completed with status: 503",
            ],
            503,
        ),
        (
            "Backend5XX",
            EXEC_GROUP,
            vec![
                "(R) Endpoint request URI: https://backend.example.com/orders",
                "(R) Received response. Status: 500, Integration latency: 12 ms",
                "(R) Method completed with status: 500",
            ],
            500,
        ),
        (
            "Backend4XX",
            EXEC_GROUP,
            vec![
                "(R) Endpoint response body before transformations: {\"statusCode\":404,\"body\":\"{}\"}",
                "(R) Method completed with status: 404",
            ],
            404,
        ),
        (
            "Other5XX",
            EXEC_GROUP,
            vec!["(R) Method completed with status: 502"],
            502,
        ),
        (
            "Other4XX",
            EXEC_GROUP,
            vec!["(R) Method completed with status: 413"],
            413,
        ),
    ]
}
