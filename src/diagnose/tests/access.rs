//! The access family (authorizers, WAF, keys, usage plans, throttles, policies, validation) and the generic
//! reasons; and that every reason of the taxonomy has a rule.

use super::{Case, check, ev};
use crate::diagnose::{Configuration, Evidence, diagnose};
use crate::reason::FailureReason as R;

#[test]
fn access_family() {
    check(vec![
        Case {
            source: "2023 notes (authorizer Lambda failed to load; its response is not a policy)",
            reason: R::AuthorizerError,
            evidence: ev(
                "Execution failed due to configuration error: Invalid JSON in response: Unrecognized field \
                          \"errorType\" , not marked as ignorable",
            ),
            cfg: Configuration::default(),
            cause: &["not a valid policy"],
            fix: &["policyDocument"],
            facts: &[],
            next: true,
        },
        Case {
            source: "hashicorp/terraform-provider-aws#737 (authorizer with a broken endpoint)",
            reason: R::AuthorizerError,
            evidence: ev("Execution failed due to configuration error: Authorizer error"),
            cfg: Configuration::default(),
            cause: &["answers 500, not 401"],
            fix: &["function ARN"],
            facts: &[],
            next: true,
        },
        Case {
            source: "API Gateway developer guide, WAF_FILTERED gateway response",
            reason: R::WafBlocked,
            evidence: ev("Gateway response type: WAF_FILTERED with status code: 403"),
            cfg: Configuration::default(),
            cause: &["web ACL"],
            fix: &["rule"],
            facts: &[],
            next: true,
        },
        Case {
            source: "learning notes on API Gateway + Firehose (API key without a usage plan)",
            reason: R::InvalidApiKey,
            evidence: ev(
                "API Key ***abcd not authorized because method 'GET /' requires API Key and API Key is not \
                          associated with a Usage Plan for API Stage zsuvlqr7nb/prod: No Usage Plan found for key and API Stage",
            ),
            cfg: Configuration::default(),
            cause: &["not in a usage plan"],
            fix: &["add the key to a usage plan"],
            facts: &[],
            next: false,
        },
        Case {
            source: "a 2021 API Gateway logging guide (quota)",
            reason: R::QuotaExceeded,
            evidence: ev(
                "API Key ***************apikey exceeded quota limit for API Stage xxxxx/prod: Key quota exhausted \
                          for Usage Plan ID xxxx. Limit: 200 Period: DAY",
            ),
            cfg: Configuration::default(),
            cause: &["quota of 200 requests per DAY"],
            fix: &["usage plan xxxx"],
            facts: &[
                ("usage_plan_id", "xxxx"),
                ("quota_limit", "200"),
                ("quota_period", "DAY"),
            ],
            next: false,
        },
        Case {
            source: "re:Post knowledge center api-gateway-429-limit (usage-plan throttle)",
            reason: R::Throttled,
            evidence: ev(
                "API Key **********************************F0yrv6 exceeded throttle limit for API Stage \
                          rohkz08x02/dev: Key throttle limit exceeded for Usage Plan ID nnpegc, RestApi rohkz08x02, Stage \
                          dev, Resource f646q2, HttpMethod GET. Limit: 5.00 Burst: 10",
            ),
            cfg: Configuration::default(),
            cause: &["usage plan nnpegc's throttle of 5 requests per second (burst 10)"],
            fix: &["raise usage plan nnpegc's rate or burst"],
            facts: &[("usage_plan_id", "nnpegc"), ("rate_limit", "5"), ("burst_limit", "10")],
            next: false,
        },
        Case {
            source: "events/fixtures/reason-throttled.log: a key throttle line that names no usage plan",
            reason: R::Throttled,
            evidence: ev(
                "Key throttle limit exceeded for RestApi a1b2c3d4e5, Stage dev, Resource /generate-data, \
                          HttpMethod GET. Limit: 10.00 Burst: 5",
            ),
            cfg: Configuration::default(),
            cause: &["its usage plan's throttle of 10 requests per second (burst 5)"],
            fix: &["per-method throttle"],
            facts: &[("rate_limit", "10"), ("burst_limit", "5")],
            next: false,
        },
        Case {
            source: "API Gateway developer guide, THROTTLED gateway response (stage throttle, no key)",
            reason: R::Throttled,
            evidence: ev("Gateway response type: THROTTLED with status code: 429"),
            cfg: Configuration::default(),
            cause: &["stage, method or account throttle"],
            fix: &["retry with backoff"],
            facts: &[],
            next: true,
        },
        Case {
            source: "a 2026 CloudWatch console copy (authorizer rejects a request without identity)",
            reason: R::Unauthorized,
            evidence: ev("Unauthorized request: 5293df93-1a2b-4c3d-8e9f-0a1b2c3d4e5f"),
            cfg: Configuration::default(),
            cause: &["identity was refused"],
            fix: &["identity source"],
            facts: &[],
            next: true,
        },
        Case {
            source: "re:Post knowledge center api-gateway-troubleshoot-403-forbidden (resource policy denial)",
            reason: R::AccessDenied,
            evidence: ev(
                "User: arn:aws:sts::123456789012:assumed-role/caller/session is not authorized to perform: \
                          execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items \
                          with an explicit deny",
            ),
            cfg: Configuration::default(),
            cause: &["arn:aws:sts::123456789012:assumed-role/caller/session was denied by an explicit Deny"],
            fix: &["execute-api:Invoke"],
            facts: &[("principal", "arn:aws:sts::123456789012:assumed-role/caller/session")],
            next: false,
        },
        Case {
            source: "re:Post knowledge center api-gateway-authentication-token-errors",
            reason: R::MissingAuthenticationToken,
            evidence: ev("Gateway response type: MISSING_AUTHENTICATION_TOKEN with status code: 403"),
            cfg: Configuration::default(),
            cause: &["no deployed method matches"],
            fix: &["deploy the stage"],
            facts: &[],
            next: false,
        },
        Case {
            source: "API Gateway developer guide, request validation (execution log line)",
            reason: R::RequestValidationFailed,
            evidence: ev(
                "Request body does not match model schema for content type application/json: \
                          [object has missing required properties ([\"name\"])]",
            ),
            cfg: Configuration::default(),
            cause: &["does not match the model"],
            fix: &["model"],
            facts: &[],
            next: true,
        },
    ]);
}

#[test]
fn generic_family_says_where_to_look() {
    for reason in [R::Backend5XX, R::Backend4XX, R::Other5XX, R::Other4XX] {
        let e = Evidence {
            reason: Some(reason),
            status: Some(503),
            ..Evidence::default()
        };
        let d = diagnose(&e, &Configuration::default()).unwrap();
        assert!(
            d.next.is_some(),
            "{reason}: the logs name no cause, so a next step is given"
        );
        assert!(d.facts.iter().any(|f| f.name == "status"), "{reason}");
    }
}

/// Every reason of the taxonomy has a rule that gives a cause, a fix and a reference even with no evidence
/// at all; a success has no diagnosis.
#[test]
fn every_reason_has_a_rule_and_a_success_has_none() {
    for reason in R::ALL {
        let e = Evidence {
            reason: Some(reason),
            ..Evidence::default()
        };
        let d = diagnose(&e, &Configuration::default()).unwrap();
        assert!(!d.cause.is_empty() && !d.fix.is_empty(), "{reason}");
        assert!(d.reference.starts_with("https://"), "{reason}");
        assert!(!d.cause.contains("None") && !d.fix.contains("None"), "{reason}: {d:?}");
    }
    assert!(diagnose(&Evidence::default(), &Configuration::default()).is_none());
}
