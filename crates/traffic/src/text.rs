//! The long texts of the traffic: header maps and bodies as API Gateway logs them at INFO with full
//! request and response data: `{K=V, ...}` header maps, and JSON bodies with `", "` and `": "` separators.

use crate::rng::Rng;
use crate::shape::{ACCOUNT, API_ID, REGION, STAGE};

/// The function's proxy response for a success.
pub const OK_RESPONSE: &str = r#"{"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{\"message\": \"Hello from Lambda!\"}"}"#;
/// The message of the function's unhandled error.
pub const ERROR_MESSAGE: &str = "TypeError: Cannot read properties of undefined (reading 'id')";

/// The client's user agents, drawn per request.
const USER_AGENTS: [&str; 3] = [
    "curl/8.4.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "python-requests/2.31.0",
];

/// The method request's header map, with a bearer token, a client address and CloudFront's IDs.
pub fn method_request_headers(r: &mut Rng, trace: &str) -> String {
    let ua = *r.choose(&USER_AGENTS);
    let ip: Vec<String> = (0..4).map(|_| r.int(1, 254).to_string()).collect();
    let ip = ip.join(".");
    let (token, via, cf_id) = (r.hex(48), r.hex(32), r.hex(40));
    format!(
        "{{Accept=*/*, CloudFront-Viewer-Country=GB, CloudFront-Forwarded-Proto=https, CloudFront-Is-Tablet-Viewer=false, \
         CloudFront-Is-Mobile-Viewer=false, User-Agent={ua}, X-Forwarded-Proto=https, CloudFront-Is-SmartTV-Viewer=false, \
         Host={API_ID}.execute-api.{REGION}.amazonaws.com, X-Forwarded-Port=443, X-Amzn-Trace-Id=Root={trace}, \
         Authorization=Bearer eyJhbGciOiJSUzI1NiJ9.{token}, \
         Via=2.0 {via}.cloudfront.net (CloudFront), X-Amz-Cf-Id={cf_id}==, X-Forwarded-For={ip}, 130.176.1.1, \
         CloudFront-Is-Desktop-Viewer=true}}"
    )
}

/// The `Endpoint request headers:` message API Gateway logs for the Lambda invocation, with a session token
/// that brings the line close to (but, in this traffic, under) the 1024-byte cut.
pub fn endpoint_request_headers(r: &mut Rng, rid: &str) -> String {
    let (signature, token) = (r.hex(6), r.hex(600));
    format!(
        "Endpoint request headers: {{x-amzn-lambda-integration-tag={rid}, Authorization=****{signature}, \
         X-Amz-Date=20231030T125830Z, x-amzn-apigateway-api-id={API_ID}, \
         X-Amz-Source-Arn=arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/GET/generate-data, \
         User-Agent=AmazonAPIGateway_{API_ID}, X-Amz-Security-Token={token}}}"
    )
}

/// The Lambda proxy event API Gateway sends (trimmed to what identifies the request).
pub fn proxy_event(rid: &str, ext: &str, trace: &str) -> String {
    format!(
        r#"{{"resource": "/generate-data", "path": "/generate-data", "httpMethod": "GET", "headers": {{"Accept": "*/*", "Host": "{API_ID}.execute-api.{REGION}.amazonaws.com", "X-Amzn-Trace-Id": "Root={trace}"}}, "requestContext": {{"requestId": "{rid}", "extendedRequestId": "{ext}", "stage": "{STAGE}", "apiId": "{API_ID}"}}}}"#
    )
}
