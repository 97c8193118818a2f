//! The vocabulary of log groups and ARNs, shared by parse (which source a group is), onboard and the AWS
//! adapters: the log groups API Gateway and Lambda write to, the function behind an integration, the
//! indexer's identity. Pure string work, in one place.

use crate::ports::{ApiType, FunctionInfo, Integration};

/// REST execution logs: `API-Gateway-Execution-Logs_{apiId}/{stage}` (API Gateway developer guide, "Set up
/// CloudWatch logging"). WebSocket execution logs are reported under this name and under
/// [`APIGATEWAY_GROUP_PREFIX`] (`docs/log-formats.md` §2): both are accepted.
pub(crate) const EXECUTION_GROUP_PREFIX: &str = "API-Gateway-Execution-Logs_";
/// `/aws/apigateway/{apiId}/{stage}` (WebSocket execution logs) and a common home for access logs.
pub(crate) const APIGATEWAY_GROUP_PREFIX: &str = "/aws/apigateway/";
/// Lambda's default log group for a function: `/aws/lambda/{function name}`.
pub const LAMBDA_GROUP_PREFIX: &str = "/aws/lambda/";
/// Longest destination name (`PutDestination`: 1-512 characters, CloudWatch Logs API reference).
pub const MAX_DESTINATION_NAME_BYTES: usize = 512;
/// The prefixes auto-subscription and `subscribe` use when none are given: every API Gateway execution log
/// group, and `/aws/apigateway/`, where WebSocket execution logs and (by convention) access logs live.
pub const DEFAULT_PREFIXES: [&str; 2] = [EXECUTION_GROUP_PREFIX, APIGATEWAY_GROUP_PREFIX];

/// The execution log groups of a stage, in the order API Gateway is most likely to use them.
pub(crate) fn execution_groups(api_type: ApiType, api_id: &str, stage: &str) -> Vec<String> {
    let rest = format!("{EXECUTION_GROUP_PREFIX}{api_id}/{stage}");
    match api_type {
        ApiType::Rest => vec![rest],
        ApiType::WebSocket => vec![format!("{APIGATEWAY_GROUP_PREFIX}{api_id}/{stage}"), rest],
        ApiType::Http => Vec::new(),
    }
}

/// The log group an access-log destination names (`arn:aws:logs:region:account:log-group:NAME`, with or
/// without a trailing `:*`); `None` for other destinations (Firehose).
pub(crate) fn log_group_of_arn(arn: &str) -> Option<&str> {
    let (head, name) = arn.split_once(":log-group:")?;
    if !head.starts_with("arn:") || !head.contains(":logs:") {
        return None;
    }
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!name.is_empty()).then_some(name)
}

/// What an integration URI calls: the function ARN inside a REST/WebSocket Lambda URI
/// (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations`) or an HTTP
/// API's function ARN; `None` for integrations that are not Lambda.
pub fn integration_of_uri(uri: &str) -> Option<Integration> {
    let function = match uri.split_once(":lambda:path/") {
        Some((_, path)) => {
            let (_, rest) = path.split_once("/functions/")?;
            rest.strip_suffix("/invocations").unwrap_or(rest)
        }
        None if uri.starts_with("arn:") && uri.contains(":lambda:") && uri.contains(":function:") => uri,
        None => return None,
    };
    if function.contains("${") {
        return Some(Integration::Unresolved(uri.to_string()));
    }
    Some(Integration::Lambda(function.to_string()))
}

/// The function name in a function ARN (`arn:aws:lambda:region:account:function:NAME[:qualifier]`), or
/// the input when it is already a name.
pub fn function_name(name_or_arn: &str) -> &str {
    match name_or_arn.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => name_or_arn,
    }
}

/// Characters a log group name may hold besides ASCII letters, digits and `/` (CloudWatch Logs API
/// reference, CreateLogGroup: `[\.\-_/#A-Za-z0-9]+`).
const LOG_GROUP_PUNCTUATION: &[char] = &['.', '-', '_', '#'];

/// The access log group `setup-logging` creates when a stage has none: under [`APIGATEWAY_GROUP_PREFIX`], so
/// the default auto-subscription covers it, and without a second `/`, so its name is not read as a WebSocket
/// execution log group's. Characters a log group name cannot hold (`$` of `$default`) become `_`.
pub(crate) fn default_access_group(api_id: &str, stage: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || LOG_GROUP_PUNCTUATION.contains(&c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{APIGATEWAY_GROUP_PREFIX}access-logs-{}-{}",
        clean(api_id),
        clean(stage)
    )
}

/// The indexer function that subscriptions deliver to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexer {
    /// Unqualified function ARN: the subscriptions' destination.
    pub arn: String,
    /// Function name; also the name of the subscription filters onboarding creates, so that two indexers
    /// (two stacks) never replace each other's filter.
    pub name: String,
    /// Its own log group, which must never be subscribed to it (every invocation would feed the next).
    pub log_group: String,
}

impl Indexer {
    /// From the function as Lambda describes it.
    pub fn from_function(f: &FunctionInfo) -> Self {
        Self {
            arn: f.arn.clone(),
            name: f.name.clone(),
            log_group: f.log_group.clone(),
        }
    }

    /// From its ARN and log group (the subscriber function's configuration).
    pub(crate) fn from_arn(arn: &str, log_group: Option<&str>) -> Self {
        let name = function_name(arn).to_string();
        Self {
            arn: arn.to_string(),
            log_group: log_group.map_or_else(|| format!("{LAMBDA_GROUP_PREFIX}{name}"), str::to_string),
            name,
        }
    }

    /// A central account's CloudWatch Logs destination (`arn:PARTITION:logs:REGION:ACCOUNT:destination:NAME`),
    /// as the target of a member account's filters: the filters are named after it, and the member account
    /// has no indexer group to avoid. `None` when `arn` is not a destination ARN.
    pub fn from_destination(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(7, ':');
        let fields: [&str; 7] = std::array::from_fn(|_| parts.next().unwrap_or(""));
        let [prefix, partition, service, region, account, kind, name] = fields;
        let valid = prefix == "arn"
            && !partition.is_empty()
            && service == "logs"
            && !region.is_empty()
            && is_account_id(account)
            && kind == "destination"
            && !name.is_empty()
            && name.len() <= MAX_DESTINATION_NAME_BYTES
            && !name.contains([':', '*']);
        valid.then(|| Self {
            arn: arn.to_string(),
            name: name.to_string(),
            log_group: String::new(),
        })
    }

    /// `(partition, region, account)` from the ARN (`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`).
    fn arn_parts(&self) -> Option<(&str, &str, &str)> {
        let mut parts = self.arn.split(':');
        let (_arn, partition, _service, region, account) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        Some((partition, region, account))
    }

    /// The account that owns the function.
    pub fn account(&self) -> Option<&str> {
        self.arn_parts().map(|(_, _, a)| a)
    }

    /// The invoke permission's source: every log group of the function's account and region. One statement
    /// for all groups, since a function's resource policy is limited in size (20 KB, Lambda quotas).
    pub(crate) fn logs_source_arn(&self) -> Option<String> {
        let (partition, region, account) = self.arn_parts()?;
        Some(format!("arn:{partition}:logs:{region}:{account}:log-group:*"))
    }

    /// The ARN CloudWatch Logs invokes the function as, for `group` (the permission's `AWS:SourceArn`).
    pub(crate) fn group_source_arn(&self, group: &str) -> Option<String> {
        let (partition, region, account) = self.arn_parts()?;
        Some(format!("arn:{partition}:logs:{region}:{account}:log-group:{group}:*"))
    }

    /// The ARN of a log group in the function's account and region (an access-log destination).
    pub fn group_arn(&self, group: &str) -> Option<String> {
        let (partition, region, account) = self.arn_parts()?;
        Some(format!("arn:{partition}:logs:{region}:{account}:log-group:{group}"))
    }

    /// Whether a filter's destination is this function (any qualifier).
    pub(crate) fn is_destination(&self, destination_arn: &str) -> bool {
        destination_arn == self.arn
            || destination_arn
                .strip_prefix(self.arn.as_str())
                .is_some_and(|q| q.starts_with(':'))
    }
}

/// An AWS account ID: exactly 12 decimal digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == ACCOUNT_ID_DIGITS && s.bytes().all(|b| b.is_ascii_digit())
}

/// Digits of an AWS account ID ("Your AWS account identifiers", AWS Account Management reference guide).
pub const ACCOUNT_ID_DIGITS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destination_arn_names_the_filters_and_anything_else_is_refused() {
        let d = Indexer::from_destination("arn:aws:logs:eu-west-1:123456789012:destination:ops-central").unwrap();
        assert_eq!((d.name.as_str(), d.log_group.as_str()), ("ops-central", ""));
        for bad in [
            "arn:aws:lambda:eu-west-1:123456789012:function:ops",
            "arn:aws:logs:eu-west-1:123456789012:log-group:ops",
            "arn:aws:logs:eu-west-1:12345:destination:ops",
            "arn:aws:logs:eu-west-1:123456789012:destination:",
            "arn:aws:logs::123456789012:destination:ops",
            "ops-central",
        ] {
            assert!(Indexer::from_destination(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn integration_uris_name_their_function() {
        let f = "arn:aws:lambda:eu-west-1:123456789012:function:orders";
        let rest = format!("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{f}/invocations");
        assert_eq!(integration_of_uri(&rest), Some(Integration::Lambda(f.into())));
        assert_eq!(integration_of_uri(f), Some(Integration::Lambda(f.into())));
        let staged = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:${stageVariables.fn}/invocations";
        assert!(matches!(integration_of_uri(staged), Some(Integration::Unresolved(_))));
        assert_eq!(integration_of_uri("https://example.com/items"), None);
        assert_eq!(function_name("arn:aws:lambda:r:1:function:orders:live"), "orders");
        assert_eq!(function_name("orders"), "orders");
    }

    #[test]
    fn access_destinations_name_their_group() {
        let arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/access";
        assert_eq!(log_group_of_arn(arn), Some("/aws/apigateway/access"));
        assert_eq!(log_group_of_arn(&format!("{arn}:*")), Some("/aws/apigateway/access"));
        assert_eq!(log_group_of_arn("arn:aws:firehose:us-east-1:1:deliverystream/x"), None);
    }

    #[test]
    fn default_access_groups_are_valid_names_covered_by_the_default_prefixes() {
        let g = default_access_group("abc123", "$default");
        assert_eq!(g, "/aws/apigateway/access-logs-abc123-_default");
        assert!(DEFAULT_PREFIXES.iter().any(|p| g.starts_with(p)));
        assert_eq!(
            g.matches('/').count(),
            3,
            "no stage segment: not a WebSocket execution group"
        );
    }

    #[test]
    fn the_indexer_knows_its_sources_and_destinations() {
        let i = Indexer::from_arn("arn:aws:lambda:eu-west-1:123456789012:function:idx", None);
        assert_eq!(i.log_group, "/aws/lambda/idx");
        assert_eq!(
            i.logs_source_arn().unwrap(),
            "arn:aws:logs:eu-west-1:123456789012:log-group:*"
        );
        assert_eq!(
            i.group_source_arn("g").unwrap(),
            "arn:aws:logs:eu-west-1:123456789012:log-group:g:*"
        );
        assert!(i.is_destination("arn:aws:lambda:eu-west-1:123456789012:function:idx:live"));
        assert!(!i.is_destination("arn:aws:lambda:eu-west-1:123456789012:function:idx2"));
    }
}
