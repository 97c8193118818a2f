//! Which log groups to subscribe, and what to do with each: pure decisions over what CloudWatch Logs
//! reports. Never the indexer's own group, never a replaced filter, never a third filter.

use crate::names::Indexer;
use crate::ports::SubscriptionFilter;

/// Subscription filters one log group may have (CloudWatch Logs API reference, PutSubscriptionFilter:
/// "Each log group can have up to two subscription filters associated with it").
pub(crate) const MAX_FILTERS_PER_GROUP: usize = 2;

/// Which log groups to cover: names starting with a prefix, and exact names; minus exclusions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Name prefixes.
    pub prefixes: Vec<String>,
    /// Exact names.
    pub names: Vec<String>,
    /// Names never to subscribe (the stack's own functions' groups), besides the indexer's own.
    pub exclude: Vec<String>,
}

impl Selection {
    /// Whether `group` is selected (before exclusions, which [`decide`] applies).
    pub fn matches(&self, group: &str) -> bool {
        self.names.iter().any(|n| n == group) || self.prefixes.iter().any(|p| group.starts_with(p.as_str()))
    }
}

/// A comma-separated list (a template parameter, an environment variable): trimmed, empty items dropped.
pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// What to do with one selected log group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Add the indexer's filter.
    Subscribe,
    /// A filter already sends the group to the indexer (ours, the template's, or anyone's).
    AlreadySubscribed {
        /// That filter's name.
        filter: String,
    },
    /// The indexer's own log group: subscribing it would make every invocation feed the next.
    OwnGroup,
    /// Excluded by configuration (the stack's other functions).
    Excluded,
    /// The group has the maximum number of filters, none to the indexer: reported, never replaced.
    FilterLimit {
        /// The filters it has.
        filters: Vec<SubscriptionFilter>,
    },
    /// A filter with the indexer's filter name sends elsewhere: reported, never replaced.
    NameTaken {
        /// Where that filter sends.
        destination: String,
    },
}

impl Decision {
    /// Stable name (JSON output, the subscriber's summary).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Subscribe => "subscribe",
            Self::AlreadySubscribed { .. } => "already_subscribed",
            Self::OwnGroup => "skipped_own_group",
            Self::Excluded => "skipped_excluded",
            Self::FilterLimit { .. } => "skipped_filter_limit",
            Self::NameTaken { .. } => "skipped_name_taken",
        }
    }

    /// A readable account of the decision for `group`.
    pub fn describe(&self, group: &str, dry_run: bool) -> String {
        match self {
            Self::Subscribe if dry_run => format!("would subscribe {group}"),
            Self::Subscribe => format!("subscribed {group}"),
            Self::AlreadySubscribed { filter } => format!("already subscribed {group} (filter {filter})"),
            Self::OwnGroup => format!("skipped {group}: the indexer's own log group (it would invoke itself forever)"),
            Self::Excluded => format!("skipped {group}: excluded (a log group of this stack)"),
            Self::FilterLimit { filters } => {
                let names: Vec<&str> = filters.iter().map(|f| f.name.as_str()).collect();
                format!(
                    "skipped {group}: it already has {MAX_FILTERS_PER_GROUP} subscription filters (the limit): {}; \
                     remove one to subscribe it",
                    names.join(", ")
                )
            }
            Self::NameTaken { destination } => {
                format!("skipped {group}: its filter with the indexer's name sends to {destination}")
            }
        }
    }
}

/// The decision for one group, given its filters.
pub(crate) fn decide(group: &str, filters: &[SubscriptionFilter], indexer: &Indexer, exclude: &[String]) -> Decision {
    if group == indexer.log_group {
        return Decision::OwnGroup;
    }
    if exclude.iter().any(|e| e == group) {
        return Decision::Excluded;
    }
    if let Some(f) = filters.iter().find(|f| indexer.is_destination(&f.destination_arn)) {
        return Decision::AlreadySubscribed { filter: f.name.clone() };
    }
    if let Some(f) = filters.iter().find(|f| f.name == indexer.name) {
        return Decision::NameTaken {
            destination: f.destination_arn.clone(),
        };
    }
    if filters.len() >= MAX_FILTERS_PER_GROUP {
        return Decision::FilterLimit {
            filters: filters.to_vec(),
        };
    }
    Decision::Subscribe
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:idx";

    fn filter(name: &str, dest: &str) -> SubscriptionFilter {
        SubscriptionFilter {
            name: name.into(),
            destination_arn: dest.into(),
        }
    }

    #[test]
    fn decisions_never_touch_the_own_group_or_other_filters() {
        let idx = Indexer::from_arn(ARN, None);
        let other = filter("splunk", "arn:aws:firehose:eu-west-1:123456789012:deliverystream/s");
        let exclude = vec!["/aws/lambda/idx-subscriber".to_string()];
        let cases: Vec<(&str, Vec<SubscriptionFilter>, Decision)> = vec![
            ("g", vec![], Decision::Subscribe),
            ("g", vec![other.clone()], Decision::Subscribe),
            ("/aws/lambda/idx", vec![], Decision::OwnGroup),
            ("/aws/lambda/idx", vec![filter("x", ARN)], Decision::OwnGroup),
            ("/aws/lambda/idx-subscriber", vec![], Decision::Excluded),
            (
                "g",
                vec![other.clone(), filter("cfn-made", ARN)],
                Decision::AlreadySubscribed {
                    filter: "cfn-made".into(),
                },
            ),
            (
                "g",
                vec![filter("alias", &format!("{ARN}:live"))],
                Decision::AlreadySubscribed { filter: "alias".into() },
            ),
            (
                "g",
                vec![
                    other.clone(),
                    filter("b", "arn:aws:kinesis:eu-west-1:123456789012:stream/k"),
                ],
                Decision::FilterLimit {
                    filters: vec![
                        other.clone(),
                        filter("b", "arn:aws:kinesis:eu-west-1:123456789012:stream/k"),
                    ],
                },
            ),
            (
                "g",
                vec![filter("idx", "arn:aws:lambda:eu-west-1:123456789012:function:other")],
                Decision::NameTaken {
                    destination: "arn:aws:lambda:eu-west-1:123456789012:function:other".into(),
                },
            ),
        ];
        for (group, filters, want) in cases {
            assert_eq!(decide(group, &filters, &idx, &exclude), want, "{group} {filters:?}");
        }
    }

    #[test]
    fn selections_match_prefixes_and_exact_names() {
        let s = Selection {
            prefixes: split_list(" API-Gateway-Execution-Logs_ ,, /aws/apigateway/"),
            names: split_list("/aws/lambda/orders"),
            exclude: vec![],
        };
        assert_eq!(s.prefixes, ["API-Gateway-Execution-Logs_", "/aws/apigateway/"]);
        assert!(s.matches("API-Gateway-Execution-Logs_abc/dev"));
        assert!(s.matches("/aws/lambda/orders"));
        assert!(!s.matches("/aws/lambda/orders-v2"), "listed names are exact");
        assert!(!s.matches("/aws/lambda/other"));
    }
}
