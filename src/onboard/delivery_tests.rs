//! `setup-logging --delivery` over the in-memory account: what it creates, that a rerun changes nothing, and
//! what it refuses before changing anything.

use super::delivery::{DeliveryRequest, DeliveryTarget, MAX_DELIVERY_NAME, delivery_name, setup_delivery};
use crate::config::{Config, EXECUTION_LOG_GROUPS, INDEX_TABLE};
use crate::memory::onboard::MemoryAws;
use crate::names::Indexer;
use crate::ports::{
    ApiType, Deliveries, Delivery, DeliveryDestination, DeliverySource, FunctionInfo, LogLevel, OnboardError,
    StageConfig,
};

const STAGE_ARN: &str = "arn:aws:apigateway:eu-west-1:123456789012:/restapis/abc123defg/stages/prod";

fn indexer() -> Indexer {
    Indexer::from_function(&FunctionInfo {
        arn: "arn:aws:lambda:eu-west-1:123456789012:function:idx".into(),
        name: "idx".into(),
        log_group: "/aws/lambda/idx".into(),
    })
}

fn account(api_type: ApiType, level: LogLevel) -> MemoryAws {
    let aws = MemoryAws::default();
    aws.with(|s| {
        s.functions = vec![FunctionInfo {
            arn: indexer().arn,
            name: "idx".into(),
            log_group: "/aws/lambda/idx".into(),
        }];
        s.stages = vec![StageConfig {
            api_type,
            api_id: "abc123defg".into(),
            api_name: "orders".into(),
            stage: "prod".into(),
            logging_level: Some(level),
            data_trace: false,
            access_log: None,
            integrations: Vec::new(),
        }];
    });
    aws
}

fn request(target: DeliveryTarget) -> DeliveryRequest {
    DeliveryRequest {
        api_id: "abc123defg".into(),
        stage: "prod".into(),
        target,
    }
}

/// The indexer's configuration with `declaration` as its only `EXECUTION_LOG_GROUPS` entry.
fn config_with(declaration: &str) -> Result<Config, String> {
    Config::from_lookup(|name| match name {
        INDEX_TABLE => Some("t".into()),
        EXECUTION_LOG_GROUPS => Some(declaration.into()),
        _ => None,
    })
    .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_log_group_delivery_is_created_subscribed_and_declared_then_a_rerun_changes_nothing() {
    let aws = account(ApiType::Rest, LogLevel::Error);
    let req = request(DeliveryTarget::default_group("abc123defg", "prod"));
    let report = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &req).await.unwrap();
    let group = "/apigateway/execution-logs/abc123defg/prod";
    assert_eq!(report.declaration, format!("{group}=abc123defg/prod"));
    config_with(&report.declaration).expect("the printed entry is one the indexer accepts");
    assert_eq!(report.subscriptions.count("subscribe"), 1, "{report:?}");
    assert_eq!(
        report.changes.len(),
        5,
        "group, source, destination, delivery, permission: {report:?}"
    );

    let source = aws.sources().await.unwrap();
    assert_eq!(
        source,
        vec![DeliverySource {
            name: "apigw-abc123defg-prod".into(),
            resource_arns: vec![STAGE_ARN.into()],
            log_type: "EXECUTION_LOGS".into(),
        }]
    );
    let destinations = aws.destinations().await.unwrap();
    assert_eq!(
        destinations[0].resource_arn,
        format!("arn:aws:logs:eu-west-1:123456789012:log-group:{group}")
    );
    assert_eq!(destinations[0].output_format.as_deref(), Some("json"));
    let deliveries = aws.deliveries().await.unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].destination_arn, destinations[0].arn);
    assert!(
        aws.with(|s| s.groups[group].iter().any(|f| f.destination_arn == indexer().arn)),
        "the delivered group is subscribed to the indexer"
    );

    let writes = aws.with(|s| s.writes.len());
    let again = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &req).await.unwrap();
    assert!(again.changes.is_empty(), "{again:?}");
    assert_eq!(again.declaration, report.declaration);
    assert_eq!(aws.with(|s| s.writes.len()), writes, "a rerun writes nothing");
}

#[tokio::test]
async fn an_s3_delivery_goes_under_the_stages_own_prefix_and_its_entry_is_accepted() {
    let aws = account(ApiType::Rest, LogLevel::Info);
    let target = DeliveryTarget::default_s3("delivery-bucket", "execution-logs/", "abc123defg", "prod");
    let report = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &request(target))
        .await
        .unwrap();
    assert_eq!(
        report.declaration,
        "s3://delivery-bucket/execution-logs/abc123defg/prod/=abc123defg/prod"
    );
    config_with(&report.declaration).expect("the printed entry is one the indexer accepts");
    assert!(report.subscriptions.groups.is_empty(), "nothing to subscribe for S3");
    let destinations = aws.destinations().await.unwrap();
    assert_eq!(
        destinations[0].resource_arn,
        "arn:aws:s3:::delivery-bucket/execution-logs/abc123defg/prod/"
    );
    assert_eq!(destinations[0].name, "apigw-abc123defg-prod-s3");
}

#[tokio::test]
async fn an_existing_source_and_destination_are_reused_whatever_their_names() {
    let aws = account(ApiType::Rest, LogLevel::Error);
    let group = "/teams/orders/execution";
    aws.with(|s| {
        s.groups.insert(group.into(), Vec::new());
        s.deliveries.sources.push(DeliverySource {
            name: "console-made".into(),
            resource_arns: vec![STAGE_ARN.into()],
            log_type: "EXECUTION_LOGS".into(),
        });
        s.deliveries.destinations.push(DeliveryDestination {
            name: "console-dest".into(),
            arn: "arn:aws:logs:eu-west-1:123456789012:delivery-destination:console-dest".into(),
            resource_arn: format!("arn:aws:logs:eu-west-1:123456789012:log-group:{group}"),
            output_format: Some("plain".into()),
        });
    });
    let req = request(DeliveryTarget::LogGroup(group.into()));
    let report = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &req).await.unwrap();
    let deliveries = aws.deliveries().await.unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].source_name, "console-made");
    assert!(deliveries[0].destination_arn.ends_with(":console-dest"));
    assert_eq!(aws.sources().await.unwrap().len(), 1, "no second source: {report:?}");
}

#[tokio::test]
async fn what_cannot_be_delivered_is_refused_before_anything_is_written() {
    let cases: [(ApiType, LogLevel, DeliveryTarget, &str); 3] = [
        (
            ApiType::Rest,
            LogLevel::Off,
            DeliveryTarget::default_group("abc123defg", "prod"),
            "execution logging off",
        ),
        (
            ApiType::WebSocket,
            LogLevel::Info,
            DeliveryTarget::default_group("abc123defg", "prod"),
            "REST execution logs only",
        ),
        (
            ApiType::Rest,
            LogLevel::Info,
            DeliveryTarget::LogGroup("/aws/apigateway/delivered".into()),
            "already says how the indexer reads it",
        ),
    ];
    for (api_type, level, target, problem) in cases {
        let aws = account(api_type, level);
        let err = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &request(target))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OnboardError::Precondition { problem: p, fix } if p.contains(problem) && !fix.is_empty()),
            "{err}"
        );
        assert_eq!(err.code(), "onboard_precondition");
        assert!(aws.with(|s| s.writes.is_empty()), "{problem}: nothing written");
    }
}

/// The stage already delivers, with delivery `id`, to `resource_arn` (made elsewhere, by the console).
fn delivering_to(aws: &MemoryAws, id: &str, resource_arn: &str, format: &str) {
    let destination = format!("arn:aws:logs:eu-west-1:123456789012:delivery-destination:{id}");
    aws.with(|s| {
        s.deliveries.sources.push(DeliverySource {
            name: "apigw-abc123defg-prod".into(),
            resource_arns: vec![STAGE_ARN.into()],
            log_type: "EXECUTION_LOGS".into(),
        });
        s.deliveries.destinations.push(DeliveryDestination {
            name: id.into(),
            arn: destination.clone(),
            resource_arn: resource_arn.into(),
            output_format: Some(format.into()),
        });
        s.deliveries.deliveries.push(Delivery {
            id: id.into(),
            source_name: "apigw-abc123defg-prod".into(),
            destination_arn: destination,
        });
    });
}

#[tokio::test]
async fn a_stage_already_delivering_to_another_group_is_not_rerouted() {
    let aws = account(ApiType::Rest, LogLevel::Error);
    delivering_to(
        &aws,
        "d-1",
        "arn:aws:logs:eu-west-1:123456789012:log-group:/elsewhere",
        "json",
    );
    let req = request(DeliveryTarget::default_group("abc123defg", "prod"));
    let err = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &req)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("/elsewhere") && text.contains("delete-delivery --id d-1"),
        "{text}"
    );
    assert!(!text.contains('\n'), "one line: {text}");
    assert_eq!(
        aws.deliveries().await.unwrap().len(),
        1,
        "the existing delivery is left alone"
    );
}

#[test]
fn delivery_names_fit_the_limit_and_stay_distinct_for_long_stages() {
    assert_eq!(delivery_name("abc123defg", "prod", "-s3"), "apigw-abc123defg-prod-s3");
    let long_a = "a".repeat(128);
    let long_b = format!("{}b", "a".repeat(127));
    let (a, b) = (
        delivery_name("abc123defg", &long_a, "-logs"),
        delivery_name("abc123defg", &long_b, "-logs"),
    );
    assert!(a.len() <= MAX_DELIVERY_NAME && b.len() <= MAX_DELIVERY_NAME, "{a} {b}");
    assert_ne!(a, b);
    assert!(
        a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
        "{a}"
    );
}

/// Doctor's delivery findings for the account: `(check, fix)`.
async fn doctor(aws: &MemoryAws) -> Vec<(&'static str, String)> {
    use crate::onboard::collect::snapshot;
    use crate::onboard::doctor::{FixContext, check};
    use crate::ports::StageFilter;
    let idx = FunctionInfo {
        arn: indexer().arn,
        name: "idx".into(),
        log_group: "/aws/lambda/idx".into(),
    };
    let snap = snapshot(aws, aws, aws, aws, aws, &idx, &StageFilter::default(), None)
        .await
        .unwrap();
    let fix = FixContext {
        args: "--function idx".into(),
    };
    check(&snap, &fix)
        .into_iter()
        .filter(|f| f.check.contains("deliver") || f.check == "not_subscribed" || f.check == "execution_logging_off")
        .map(|f| (f.check, f.fix))
        .collect()
}

#[tokio::test]
async fn doctor_asks_for_the_declaration_of_a_delivery_then_is_satisfied_once_it_is_declared() {
    let aws = account(ApiType::Rest, LogLevel::Error);
    let req = request(DeliveryTarget::default_group("abc123defg", "prod"));
    let report = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &req).await.unwrap();

    let found = doctor(&aws).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let (check, fix) = &found[0];
    assert_eq!(*check, "delivery_not_declared");
    assert!(
        fix.contains("--delivery log-group --delivery-log-group /apigateway/execution-logs/abc123defg/prod")
            && fix.contains("--level ERROR")
            && fix.contains(&report.declaration)
            && fix.contains("DeliveredExecutionLogs"),
        "{fix}"
    );

    aws.with(|s| {
        s.variables
            .insert(EXECUTION_LOG_GROUPS.into(), report.declaration.clone())
    });
    assert_eq!(doctor(&aws).await, Vec::new());

    // Declared, but its subscription removed: the delivered group is checked like the others.
    aws.with(|s| {
        s.groups
            .insert("/apigateway/execution-logs/abc123defg/prod".into(), Vec::new())
    });
    let found = doctor(&aws).await;
    assert_eq!(
        found.iter().map(|f| f.0).collect::<Vec<_>>(),
        ["not_subscribed"],
        "{found:?}"
    );
}

#[tokio::test]
async fn a_stage_delivering_to_s3_is_not_execution_logging_off_and_its_prefix_must_be_declared() {
    let aws = account(ApiType::Rest, LogLevel::Error);
    let target = DeliveryTarget::default_s3("delivery-bucket", "execution-logs/", "abc123defg", "prod");
    let report = setup_delivery(&aws, &aws, &aws, &aws, &indexer(), &request(target))
        .await
        .unwrap();
    // The stage reports OFF (as a stage that only delivers may): no "execution logging off" finding.
    aws.with(|s| s.stages[0].logging_level = Some(LogLevel::Off));
    let found = doctor(&aws).await;
    assert_eq!(
        found.iter().map(|f| f.0).collect::<Vec<_>>(),
        ["delivery_not_declared"],
        "{found:?}"
    );
    assert!(
        found[0]
            .1
            .contains("--delivery s3 --bucket delivery-bucket --prefix execution-logs/abc123defg/prod/"),
        "{}",
        found[0].1
    );
    // A declaration of the whole bucket for another stage does not cover this one.
    aws.with(|s| {
        s.variables
            .insert(EXECUTION_LOG_GROUPS.into(), "s3://delivery-bucket/=other1/prod".into())
    });
    assert_eq!(doctor(&aws).await.len(), 1);
    aws.with(|s| {
        s.variables
            .insert(EXECUTION_LOG_GROUPS.into(), report.declaration.clone())
    });
    assert_eq!(doctor(&aws).await, Vec::new());
}

#[tokio::test]
async fn a_firehose_delivery_is_a_note_pointing_to_s3() {
    let aws = account(ApiType::Rest, LogLevel::Error);
    delivering_to(
        &aws,
        "d-9",
        "arn:aws:firehose:eu-west-1:123456789012:deliverystream/logs",
        "raw",
    );
    let found = doctor(&aws).await;
    assert_eq!(
        found.iter().map(|f| f.0).collect::<Vec<_>>(),
        ["delivery_not_readable"],
        "{found:?}"
    );
    assert!(found[0].1.contains("--delivery s3"), "{}", found[0].1);
}
