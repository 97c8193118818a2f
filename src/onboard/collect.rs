//! Gathers [`Snapshot`]s through the ports: the indexer, the stages, the log groups they write to, the
//! integrated functions and the on-failure queue. Reads only.

use std::collections::BTreeMap;

use super::doctor::{DeliveryFacts, Snapshot, stage_groups};
use crate::config::EXECUTION_LOG_GROUPS;
use crate::names::Indexer;
use crate::ports::{
    ApiStages, Deliveries, FunctionInfo, Functions, Integration, LogGroups, OnboardError, OnboardResult, Queues,
    StageConfig, StageFilter,
};

/// The stages a filter selects; a named API or stage that does not exist is `NotFound`.
pub async fn stages<A: ApiStages>(apis: &A, filter: &StageFilter) -> OnboardResult<Vec<StageConfig>> {
    let stages = apis.stages(filter).await?;
    match (&filter.api_id, &filter.stage) {
        (Some(api), Some(stage)) if stages.is_empty() => Err(OnboardError::NotFound {
            what: "stage",
            name: format!("{api}/{stage}"),
        }),
        (Some(api), None) if stages.is_empty() => Err(OnboardError::NotFound {
            what: "API with stages",
            name: api.clone(),
        }),
        _ => Ok(stages),
    }
}

/// Each integrated function's log group (`None` when the function does not exist).
pub(crate) async fn integrated_functions<F: Functions>(
    functions: &F,
    stages: &[StageConfig],
) -> OnboardResult<BTreeMap<String, Option<String>>> {
    let mut out = BTreeMap::new();
    for s in stages {
        for i in &s.integrations {
            let Integration::Lambda(arn) = i else { continue };
            if out.contains_key(arn) {
                continue;
            }
            let group = match functions.function(arn).await {
                Ok(f) => Some(f.log_group),
                Err(OnboardError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            out.insert(arn.clone(), group);
        }
    }
    Ok(out)
}

/// The filters of each group (`None` when the group does not exist).
pub(crate) async fn group_filters<L: LogGroups>(
    logs: &L,
    names: impl IntoIterator<Item = String>,
) -> OnboardResult<BTreeMap<String, Option<Vec<crate::ports::SubscriptionFilter>>>> {
    let mut out = BTreeMap::new();
    for name in names {
        if out.contains_key(&name) {
            continue;
        }
        let filters = match logs.filters(&name).await {
            Ok(f) => Some(f),
            Err(OnboardError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        out.insert(name, filters);
    }
    Ok(out)
}

/// Where the indexer's failed batches wait: the given queue URL, else the function's on-failure destination
/// when it is an SQS queue.
async fn queue_url<F: Functions, Q: Queues>(
    functions: &F,
    queues: &Q,
    indexer: &FunctionInfo,
    given: Option<&str>,
) -> OnboardResult<Option<String>> {
    if let Some(url) = given {
        return Ok(Some(url.to_string()));
    }
    match functions.on_failure_destination(&indexer.arn).await? {
        Some(arn) if arn.contains(":sqs:") => Ok(Some(queues.url_of(&arn).await?)),
        _ => Ok(None),
    }
}

/// The account's deliveries and the indexer's declarations. A refusal to list deliveries (the caller may
/// lack the permission) is reported as unread, not as doctor's failure.
async fn delivery_facts<D: Deliveries>(deliveries: &D, declared: &str) -> OnboardResult<DeliveryFacts> {
    let lists = async {
        Ok::<_, OnboardError>((
            deliveries.sources().await?,
            deliveries.destinations().await?,
            deliveries.deliveries().await?,
        ))
    };
    match lists.await {
        Ok((sources, destinations, all)) => Ok(DeliveryFacts::of(&sources, &destinations, &all, declared)),
        Err(e @ OnboardError::Rejected { .. }) => Ok(DeliveryFacts {
            unread: Some(e.to_string()),
            ..DeliveryFacts::of(&[], &[], &[], declared)
        }),
        Err(e) => Err(e),
    }
}

/// Everything `doctor` checks, for the stages `filter` selects.
#[allow(clippy::too_many_arguments)] // one port per service, as the other use cases take them
pub async fn snapshot<A, L, D, F, Q>(
    apis: &A,
    logs: &L,
    deliveries: &D,
    functions: &F,
    queues: &Q,
    indexer: &FunctionInfo,
    filter: &StageFilter,
    queue: Option<&str>,
) -> OnboardResult<Snapshot>
where
    A: ApiStages,
    L: LogGroups,
    D: Deliveries,
    F: Functions,
    Q: Queues,
{
    let idx = Indexer::from_function(indexer);
    let indexer_policy = functions.policy(&idx.arn).await?;
    let cloudwatch_role = apis.cloudwatch_role().await?;
    let stages = stages(apis, filter).await?;
    let fns = integrated_functions(functions, &stages).await?;
    let declared = functions.variable(&idx.arn, EXECUTION_LOG_GROUPS).await?;
    let delivered = delivery_facts(deliveries, declared.as_deref().unwrap_or_default()).await?;
    let names: Vec<String> = stages
        .iter()
        .flat_map(|s| stage_groups(s, &fns).into_iter().map(|(_, g)| g))
        .chain(delivered.log_groups())
        .chain(std::iter::once(idx.log_group.clone()))
        .collect();
    let groups = group_filters(logs, names).await?;
    let queue = match queue_url(functions, queues, indexer, queue).await? {
        Some(url) => {
            let depth = queues.depth(&url).await?;
            Some((url, depth))
        }
        None => None,
    };
    Ok(Snapshot {
        indexer: idx,
        indexer_policy,
        cloudwatch_role,
        stages,
        groups,
        functions: fns,
        queue,
        deliveries: delivered,
    })
}
