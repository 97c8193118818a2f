//! Rules for the reasons API Gateway refuses a request before (or instead of) calling the integration:
//! authorizers, WAF, API keys and usage plans, throttling, IAM and resource policies, validation. Pure.

use super::{Diagnosis, Evidence, FactValue as V, read};

const AUTHORIZER_DOC: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html";
const WAF_DOC: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html";
const USAGE_PLAN_DOC: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html";
const LIMIT_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-429-limit";
const UNAUTHORIZED_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-401-error-lambda-authorizer";
const FORBIDDEN_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden";
const TOKEN_DOC: &str = "https://repost.aws/knowledge-center/api-gateway-authentication-token-errors";
const VALIDATION_DOC: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html";

/// `AuthorizerError`: the authorizer failed or answered something that is not a policy (500).
pub(super) fn authorizer_error(e: &Evidence<'_>) -> Diagnosis {
    let has = |p: &str| e.lines().any(|l| l.contains(p));
    let (cause, fix) = if has("Invalid JSON in response")
        || has("doesn't match the format")
        || has("Could not parse policy")
    {
        (
            "the authorizer answered something that is not a valid policy (often its own error object)",
            "return {principalId, policyDocument} (REST) or {isAuthorized} / a policy (HTTP APIs) on every path, and fix the error it threw",
        )
    } else if has("permission") || has("assume") {
        (
            "API Gateway may not invoke the authorizer function",
            "allow apigateway.amazonaws.com to invoke the authorizer (its resource-based policy) or fix the authorizer's credentials role",
        )
    } else {
        (
            "the authorizer failed or is misconfigured (API Gateway answers 500, not 401)",
            "fix the authorizer function's error or its configuration (function ARN, identity source, credentials) and redeploy",
        )
    };
    Diagnosis::new(cause, fix, AUTHORIZER_DOC).next("the authorizer function's own log at this time has its error")
}

/// `WafBlocked`: a web ACL rule blocked the request (403).
pub(super) fn waf(_: &Evidence<'_>) -> Diagnosis {
    Diagnosis::new(
        "AWS WAF's web ACL on the stage blocked the request",
        "if the request was legitimate, adjust or scope down the matching rule (or set it to count while you check)",
        WAF_DOC,
    )
    .next("API Gateway does not log which rule matched: the web ACL's logs or sampled requests name it")
}

/// `InvalidApiKey`: a method that requires an API key got none, or one not in a usage plan for the stage.
pub(super) fn invalid_api_key(e: &Evidence<'_>) -> Diagnosis {
    let no_plan = e.lines().any(|l| l.contains("not associated with a Usage Plan"));
    let (cause, fix) = if no_plan {
        (
            "the API key is not in a usage plan for this API stage",
            "add the key to a usage plan that includes this stage",
        )
    } else {
        (
            "the method requires an API key and the request had none, or an unknown or disabled one",
            "send a valid key in x-api-key (or the authorizer's usageIdentifierKey) that belongs to a usage plan for this stage",
        )
    };
    Diagnosis::new(cause, fix, USAGE_PLAN_DOC)
}

/// `QuotaExceeded`: the key's usage-plan quota for the period is used up (429).
pub(super) fn quota(e: &Evidence<'_>) -> Diagnosis {
    let plan = e.lines().find_map(read::usage_plan_id);
    let limit = e.lines().find_map(read::quota_limit);
    let cause = match limit {
        Some((n, Some(period))) => format!("the API key used its usage plan's quota of {n} requests per {period}"),
        Some((n, None)) => format!("the API key used its usage plan's quota of {n} requests for the period"),
        None => "the API key used its usage plan's quota for the period".into(),
    };
    let fix = match plan {
        Some(p) => {
            format!("raise the quota of usage plan {p}, move the key to a larger plan, or wait for the period to reset")
        }
        None => "raise the usage plan's quota, move the key to a larger plan, or wait for the period to reset".into(),
    };
    let mut d = Diagnosis::new(cause, fix, LIMIT_DOC);
    if let Some(p) = plan {
        d = d.fact("usage_plan_id", V::Text(p.into()), "evidence line");
    }
    if let Some((n, period)) = limit {
        d = d.fact("quota_limit", V::Int(n), "evidence line");
        if let Some(p) = period {
            d = d.fact("quota_period", V::Text(p.into()), "evidence line");
        }
    }
    d
}

/// `Throttled`: a usage plan's key throttle, or a stage, method or account throttle (429).
pub(super) fn throttled(e: &Evidence<'_>) -> Diagnosis {
    let plan = e.lines().find_map(read::usage_plan_id);
    let limits = e.lines().find_map(read::throttle_limits);
    let (cause, fix) = match (plan, limits) {
        (Some(p), Some((rate, burst))) => (
            format!("the API key went over usage plan {p}'s throttle of {rate} requests per second (burst {burst})"),
            format!("raise usage plan {p}'s rate or burst, or have the client retry with backoff"),
        ),
        (Some(p), None) => (
            format!("the API key went over usage plan {p}'s throttle"),
            format!("raise usage plan {p}'s rate or burst, or have the client retry with backoff"),
        ),
        (None, Some((rate, burst))) if e.lines().any(|l| l.contains("Key throttle")) => (
            format!("the API key went over its usage plan's throttle of {rate} requests per second (burst {burst})"),
            "raise the usage plan's rate or burst (or its per-method throttle), or have the client retry with backoff".into(),
        ),
        _ => (
            "the request went over a stage, method or account throttle".into(),
            "raise the stage's or method's throttle, ask for a higher account quota, or have the client retry with backoff".into(),
        ),
    };
    let mut d = Diagnosis::new(cause, fix, LIMIT_DOC);
    if let Some(p) = plan {
        d = d.fact("usage_plan_id", V::Text(p.into()), "evidence line");
    }
    if let Some((rate, burst)) = limits {
        d = d
            .fact("rate_limit", V::Float(rate), "evidence line")
            .fact("burst_limit", V::Int(burst), "evidence line");
    } else {
        d = d.next("which throttle applied is not logged: compare the stage's and methods' throttle settings with the Count metric for that second");
    }
    d
}

/// `Unauthorized`: the authorizer (or Cognito) refused the caller's identity (401).
pub(super) fn unauthorized(_: &Evidence<'_>) -> Diagnosis {
    Diagnosis::new(
        "the request's identity was refused: no token in the identity source, or one the authorizer or user pool rejected (expired, wrong audience)",
        "send a valid token in the header the authorizer's identity source names; if it was valid, check the authorizer's cache (TTL) and its validation",
        UNAUTHORIZED_DOC,
    )
    .next("the authorizer function's log (or the user pool's) says why it refused")
}

/// `AccessDenied`: IAM, a resource policy or an authorizer's policy denied the call (403).
pub(super) fn access_denied(e: &Evidence<'_>) -> Diagnosis {
    let principal = e.lines().find_map(read::denied_principal);
    let explicit = e.lines().any(|l| l.contains("explicit deny"));
    let cause = match principal {
        Some(p) if explicit => {
            format!("{p} was denied by an explicit Deny (resource policy or the authorizer's policy)")
        }
        Some(p) => format!("{p} may not invoke this method (IAM or resource policy)"),
        None if explicit => {
            "an explicit Deny in the API's resource policy or the authorizer's policy denied the request".into()
        }
        None => "an IAM policy, the API's resource policy or the authorizer's policy denied the request".into(),
    };
    let mut d = Diagnosis::new(
        cause,
        "allow execute-api:Invoke on this method's ARN for the caller (its IAM policy, the resource policy, or the policy the authorizer returns, whose cache covers every method it names), and redeploy after a resource policy change",
        FORBIDDEN_DOC,
    );
    if let Some(p) = principal {
        d = d.fact("principal", V::Text(p.into()), "evidence line");
    } else {
        d = d.next("the principal is not logged: the caller's signed identity and the API's resource policy say which statement denied it");
    }
    d
}

/// `MissingAuthenticationToken`: no route or method matched, or an IAM-authorized method got an unsigned call.
pub(super) fn missing_token(_: &Evidence<'_>) -> Diagnosis {
    Diagnosis::new(
        "no deployed method matches the path and method (the usual cause), or an IAM-authorized method got an unsigned request",
        "call a path and method the stage has (deploy the stage after adding them, mind the stage name in the URL), or sign the request with SigV4",
        TOKEN_DOC,
    )
}

/// `RequestValidationFailed`: the request validator refused the body or parameters (400).
pub(super) fn validation(_: &Evidence<'_>) -> Diagnosis {
    Diagnosis::new(
        "the request validator refused the request: its body does not match the model, or a required parameter is missing",
        "send what the method's model and required parameters say, or correct the model",
        VALIDATION_DOC,
    )
    .next("the evidence line names the failing rule; the gateway response can return it to the client ($context.error.validationErrorString)")
}
