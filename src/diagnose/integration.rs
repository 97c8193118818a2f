//! Rules for the reasons between API Gateway and its integration: the integration timeout (and what the
//! invocation did after it), network and TLS failures, permissions, mapping templates. Pure.

use super::{AfterResponse, Configuration, DEFAULT_INTEGRATION_TIMEOUT_MS, Diagnosis, Evidence, FactValue as V, read};

const TIMEOUT_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-504-errors";
const VPC_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-500-error-vpc";
const TLS_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-ssl-certificate-backend";
const PERMISSION_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-lambda-template-invoke-error";
const ROLE_DOC: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html";
const MAPPING_DOC: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings.html";

/// `IntegrationTimeout`: API Gateway answered 504 at the integration timeout.
pub(super) fn timeout(e: &Evidence<'_>, cfg: &Configuration) -> Diagnosis {
    let (limit, limit_source) = match cfg.integration_timeout_ms {
        Some(t) => (t, "GetIntegration timeoutInMillis"),
        None => (
            DEFAULT_INTEGRATION_TIMEOUT_MS,
            "API Gateway's default integration timeout (API Gateway quotas)",
        ),
    };
    // The latency API Gateway logged is when it gave up, when it logged one; the limit otherwise.
    let answered = e.integration_latency_ms.filter(|l| *l > 0).unwrap_or(limit);
    let after = e.invocation.as_ref().map(|i| AfterResponse::of(i, answered));
    let mut cause = format!("API Gateway gave up on the integration after {answered} ms and answered 504");
    if let Some(a) = &after {
        cause.push_str("; ");
        cause.push_str(&a.sentence());
    }
    let mut fix = "make the work asynchronous (answer 202, finish it from a queue or Step Functions) or faster; \
                   a Regional or private REST API can raise the integration timeout above 29 s by a quota request \
                   (HTTP APIs allow 30 s at most)"
        .to_string();
    if let Some(t) = cfg.function_timeout_s.filter(|t| t * 1000 > limit) {
        fix.push_str(&format!(
            "; the function's {t} s Timeout outlives the {limit} ms integration timeout, so it runs on, billed, after the client got its 504: set it below"
        ));
    }
    let mut d = Diagnosis::new(cause, fix, TIMEOUT_DOC).fact("integration_timeout_ms", V::Int(limit), limit_source);
    if let Some(l) = e.integration_latency_ms {
        d = d.fact(
            "integration_latency_ms",
            V::Int(l),
            "integration latency (execution or access log)",
        );
    }
    if let Some(t) = cfg.function_timeout_s {
        d = d.fact("function_timeout_s", V::Int(t), "GetFunctionConfiguration Timeout");
    }
    if after.is_none() {
        d = d.next(
            "the invocation is not joined (an integration timeout's execution log names no Lambda request ID): if the function logs the API request ID, its line joins it; otherwise its log around this time shows whether it ran on",
        );
    }
    d.after_response = after;
    d
}

/// `IntegrationNetworkError`: API Gateway could not reach or trust the endpoint.
pub(super) fn network(e: &Evidence<'_>) -> Diagnosis {
    let has = |p: &str| e.lines().any(|l| l.contains(p));
    let (cause, fix, doc) = if has("does not match the certificate subject") {
        (
            "the endpoint's certificate does not name the host API Gateway called",
            "serve a certificate for the integration's host name, or call the endpoint by a name its certificate holds",
            TLS_DOC,
        )
    } else if has("PKIX") || has("SSL") {
        (
            "API Gateway does not trust the endpoint's certificate (self-signed, expired, or an incomplete chain)",
            "serve a certificate from a CA API Gateway trusts with its full chain, or turn on insecureSkipVerification for a test endpoint only",
            TLS_DOC,
        )
    } else if has("vpc link") || has("internal error while executing") {
        (
            "the VPC link could not reach a healthy target",
            "check the VPC link's status and the load balancer's target health (security groups, listener port, health checks)",
            VPC_DOC,
        )
    } else {
        (
            "the connection to the endpoint failed or was closed before it answered",
            "check that the endpoint is up and reachable from API Gateway (public DNS, security groups, a VPC link for private hosts), and its keep-alive settings",
            VPC_DOC,
        )
    };
    Diagnosis::new(cause, fix, doc)
        .next("the endpoint's own logs at this time, and its load balancer's target health, say why it did not answer")
}

/// `IntegrationPermissionError`: API Gateway may not call the integration.
pub(super) fn permission(e: &Evidence<'_>) -> Diagnosis {
    let role = e.lines().find_map(read::role_arn);
    let has = |p: &str| e.lines().any(|l| l.contains(p));
    let mut d = if let Some(r) = role {
        Diagnosis::new(
            format!("API Gateway could not assume the integration's role {r}"),
            "let apigateway.amazonaws.com assume the role (its trust policy) and give it the permission the integration calls",
            ROLE_DOC,
        )
        .fact("role_arn", V::Text(r.into()), "evidence line")
    } else if has("Invalid permissions on Lambda function") {
        Diagnosis::new(
            "the function's resource-based policy does not let API Gateway invoke it",
            "add lambda:InvokeFunction for principal apigateway.amazonaws.com with the API's execute-api source ARN (aws lambda add-permission), or set credentials on the integration",
            PERMISSION_DOC,
        )
    } else if has("status: 403") {
        Diagnosis::new(
            "Lambda's Invoke API refused API Gateway's call (403): an integration that calls Lambda with a method other than POST, or without permission",
            "set the integration's HTTP method to POST and allow API Gateway to invoke the function",
            PERMISSION_DOC,
        )
    } else {
        Diagnosis::new(
            "API Gateway may not call the integration",
            "give API Gateway the permission the integration needs: the function's resource-based policy, or the integration role's policy and trust",
            ROLE_DOC,
        )
    };
    if role.is_none() {
        d = d.next(
            "the function's policy (aws lambda get-policy) or the integration's credentials role shows who may call it",
        );
    }
    d
}

/// `MappingTemplateError`: a mapping template or integration response could not be applied.
pub(super) fn mapping(e: &Evidence<'_>) -> Diagnosis {
    let has = |p: &str| e.lines().any(|l| l.contains(p));
    let (cause, fix) = if has("No match for output mapping") {
        (
            "the integration answered a status no integration response maps, and there is no default mapping",
            "add an integration response for that status (or a default one with an empty selection pattern)",
        )
    } else if has("Output mapping refers to an invalid method response") {
        (
            "an integration response maps to a method response status that is not defined",
            "define that method response, or point the integration response at one that exists",
        )
    } else if has("Unable to base64 decode") {
        (
            "API Gateway could not base64-decode the body for the integration's content handling",
            "send base64 text for CONVERT_TO_BINARY, or change contentHandling and the API's binary media types",
        )
    } else if has("Unable to transform request") {
        (
            "the request mapping template failed on this request",
            "fix the request template (VTL) for this content type; test it in the console with this request",
        )
    } else if has("Unable to transform response") {
        (
            "the response mapping template failed on the integration's answer",
            "fix the response template (VTL); test it with the answer the integration gave",
        )
    } else {
        (
            "a mapping template or mapping expression is invalid",
            "fix the mapping expression the evidence line names and redeploy the stage",
        )
    };
    Diagnosis::new(cause, fix, MAPPING_DOC)
        .next("the execution log's `Endpoint response body before transformations` (data tracing) shows what the template was given")
}
