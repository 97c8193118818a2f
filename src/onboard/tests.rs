//! The use cases against an in-memory account: doctor's findings, setup-logging making a stage clean (and
//! doing nothing the second time), subscriptions by prefix, the subscriber's events.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::collect::snapshot;
use super::doctor::{FixContext, Severity, check};
use super::format::{self, HTTP_FORMAT};
use super::plan::Selection;
use super::setup::{SetupRequest, setup_logging};
use super::subscribe::run;
use super::subscriber::{SubscriberConfig, SubscriberEvent, handle};
use crate::memory::onboard::MemoryAws;
use crate::names::Indexer;
use crate::ports::{
    AccessLogSetting, ApiType, FunctionInfo, Functions, Integration, LogLevel, OnboardError, QueueDepth, StageConfig,
    StageFilter, SubscriptionFilter,
};

const ACCOUNT: &str = "123456789012";

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}")
}

fn function(name: &str) -> FunctionInfo {
    FunctionInfo {
        arn: arn(name),
        name: name.into(),
        log_group: format!("/aws/lambda/{name}"),
    }
}

fn request(api_id: &str, stage: &str, data_trace: Option<bool>) -> SetupRequest {
    SetupRequest {
        api_id: api_id.into(),
        stage: stage.into(),
        // The lean profile, which `doctor` recommends.
        level: LogLevel::Error,
        data_trace,
        access_log_group: None,
    }
}

fn stage(api_type: ApiType, id: &str, name: &str) -> StageConfig {
    StageConfig {
        api_type,
        api_id: id.into(),
        api_name: format!("{id}-api"),
        stage: name.into(),
        logging_level: api_type.has_execution_logs().then_some(LogLevel::Off),
        data_trace: false,
        access_log: None,
        integrations: vec![Integration::Lambda(arn("orders"))],
    }
}

/// An account with the indexer (on-failure queue with 2 batches), the `orders` function, no role.
fn account(stages: Vec<StageConfig>) -> MemoryAws {
    let aws = MemoryAws::default();
    aws.with(|s| {
        s.functions = vec![function("idx"), function("orders")];
        s.on_failure
            .insert(arn("idx"), format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:idx-failed"));
        s.groups.insert("/aws/lambda/idx".into(), Vec::new());
        s.queues.insert(
            "https://sqs.local/idx-failed".into(),
            QueueDepth {
                visible: 2,
                in_flight: 0,
            },
        );
        s.stages = stages;
    });
    aws
}

async fn findings(aws: &MemoryAws, filter: &StageFilter) -> Vec<(Severity, &'static str)> {
    let idx = aws.function("idx").await.unwrap();
    let snap = snapshot(aws, aws, aws, aws, aws, &idx, filter, None).await.unwrap();
    let fix = FixContext {
        args: "--function idx".into(),
    };
    let found = check(&snap, &fix);
    for f in &found {
        assert!(!f.fix.is_empty(), "every finding names its fix: {f:?}");
    }
    found.iter().map(|f| (f.severity, f.check)).collect()
}

fn fixes(found: &[(Severity, &'static str)]) -> BTreeSet<&'static str> {
    found
        .iter()
        .filter(|(s, _)| *s == Severity::Fix)
        .map(|(_, c)| *c)
        .collect()
}

#[tokio::test]
async fn an_unconfigured_rest_stage_is_flagged_then_clean_after_setup_logging() {
    let aws = account(vec![stage(ApiType::Rest, "abc123", "dev")]);
    let all = StageFilter::default();
    let before = findings(&aws, &all).await;
    assert_eq!(
        fixes(&before),
        BTreeSet::from([
            "cloudwatch_role_missing",
            "failed_batches_waiting",
            "execution_logging_off",
            "access_log_missing",
            "log_group_missing",
        ]),
        "{before:?}"
    );

    let idx = Indexer::from_function(&function("idx"));
    let req = request("abc123", "dev", Some(false));
    let refused = setup_logging(&aws, &aws, &aws, &idx, &req).await.unwrap_err();
    assert!(matches!(refused, OnboardError::Precondition { .. }), "{refused}");
    assert!(
        aws.with(|s| s.writes.is_empty()),
        "nothing changed before the precondition"
    );

    aws.with(|s| {
        s.role = Some(format!("arn:aws:iam::{ACCOUNT}:role/apigw-logs"));
        s.queues.values_mut().for_each(|d| *d = QueueDepth::default());
    });
    let report = setup_logging(&aws, &aws, &aws, &idx, &req).await.unwrap();
    assert_eq!(report.subscriptions.count("subscribe"), 3, "{report:?}");
    assert_eq!(report.subscriptions.failures(), 0);
    let after = findings(&aws, &all).await;
    assert!(after.is_empty(), "clean after setup-logging: {after:?}");
    let stage = aws.with(|s| s.stages[0].clone());
    assert_eq!(stage.access_log.unwrap().format, format::REST_FORMAT);

    let writes = aws.with(|s| s.writes.len());
    let again = setup_logging(&aws, &aws, &aws, &idx, &req).await.unwrap();
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!(again.subscriptions.count("already_subscribed"), 3);
    assert_eq!(aws.with(|s| s.writes.len()), writes, "a rerun writes nothing");
}

#[tokio::test]
async fn an_http_stage_with_the_console_preset_lacks_the_error_fields() {
    let mut http = stage(ApiType::Http, "h1", "$default");
    http.access_log = Some(AccessLogSetting {
        destination_arn: format!("arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/apigateway/h1"),
        format: r#"{"requestId":"$context.requestId","status":"$context.status","routeKey":"$context.routeKey"}"#
            .into(),
    });
    let aws = account(vec![http]);
    aws.with(|s| {
        s.queues.values_mut().for_each(|d| *d = QueueDepth::default());
        s.groups.insert("/aws/apigateway/h1".into(), Vec::new());
        s.groups.insert("/aws/lambda/orders".into(), Vec::new());
    });
    let found = findings(&aws, &StageFilter::default()).await;
    assert_eq!(
        fixes(&found),
        BTreeSet::from(["access_log_format_fields", "not_subscribed"]),
        "no execution logging or account role for HTTP APIs: {found:?}"
    );
    let idx = Indexer::from_function(&function("idx"));
    let req = request("h1", "$default", None);
    let report = setup_logging(&aws, &aws, &aws, &idx, &req).await.unwrap();
    assert_eq!(
        aws.with(|s| s.stages[0].access_log.clone()).unwrap().format,
        HTTP_FORMAT
    );
    assert_eq!(report.subscriptions.count("subscribe"), 2, "{report:?}");
    assert!(findings(&aws, &StageFilter::default()).await.is_empty());
}

#[tokio::test]
async fn doctor_recommends_the_lean_profile_over_info_logging() {
    for data_trace in [true, false] {
        let mut rest = stage(ApiType::Rest, "r1", "prod");
        rest.logging_level = Some(LogLevel::Info);
        rest.data_trace = data_trace;
        rest.access_log = None;
        let aws = account(vec![rest]);
        let idx = aws.function("idx").await.unwrap();
        let snap = snapshot(&aws, &aws, &aws, &aws, &aws, &idx, &StageFilter::default(), None)
            .await
            .unwrap();
        let found = check(
            &snap,
            &FixContext {
                args: "--function idx".into(),
            },
        );
        let note = found
            .iter()
            .find(|f| f.check.starts_with("execution_logging_"))
            .unwrap_or_else(|| panic!("{found:?}"));
        assert_eq!(note.severity, Severity::Note);
        assert!(note.fix.contains("--logging-profile lean"), "{note:?}");
        assert_eq!(note.message.contains("bodies"), data_trace, "{note:?}");
    }
}

#[tokio::test]
async fn a_websocket_stage_without_its_execution_group_yet_is_a_note_not_a_finding() {
    let mut ws = stage(ApiType::WebSocket, "w1", "prod");
    ws.logging_level = Some(LogLevel::Info);
    ws.data_trace = true;
    let aws = account(vec![ws]);
    aws.with(|s| {
        s.role = Some("r".into());
        s.queues.values_mut().for_each(|d| *d = QueueDepth::default());
    });
    let idx = Indexer::from_function(&function("idx"));
    let req = request("w1", "prod", None);
    setup_logging(&aws, &aws, &aws, &idx, &req).await.unwrap();
    let found = findings(&aws, &StageFilter::default()).await;
    assert_eq!(found, [(Severity::Note, "execution_group_not_created")]);
    aws.with(|s| s.groups.insert("/aws/apigateway/w1/prod".into(), Vec::new()));
    assert_eq!(
        fixes(&findings(&aws, &StageFilter::default()).await),
        BTreeSet::from(["not_subscribed"])
    );
}

#[tokio::test]
async fn subscribe_by_prefix_takes_exactly_the_matching_groups_and_never_the_own_one() {
    let aws = account(Vec::new());
    let foreign = |n: &str| SubscriptionFilter {
        name: n.into(),
        destination_arn: format!("arn:aws:firehose:eu-west-1:{ACCOUNT}:deliverystream/{n}"),
    };
    aws.with(|s| {
        for g in [
            "API-Gateway-Execution-Logs_a/dev",
            "/aws/lambda/orders",
            "/aws/lambda/billing",
            "/other/x",
        ] {
            s.groups.insert(g.into(), Vec::new());
        }
        s.groups
            .insert("/aws/lambda/full".into(), vec![foreign("a"), foreign("b")]);
    });
    let idx = Indexer::from_function(&function("idx"));
    let selection = Selection {
        prefixes: vec!["API-Gateway-Execution-Logs_".into(), "/aws/lambda/".into()],
        names: vec!["/aws/lambda/missing".into()],
        exclude: Vec::new(),
    };
    let dry = run(&aws, &aws, &idx, &selection, true).await.unwrap();
    assert_eq!(dry.count("subscribe"), 3);
    assert!(aws.with(|s| s.writes.is_empty()), "a dry run writes nothing");
    let done = run(&aws, &aws, &idx, &selection, false).await.unwrap();
    let decisions: Vec<(&str, &str)> = done
        .groups
        .iter()
        .map(|p| (p.group.as_str(), p.decision.as_str()))
        .collect();
    assert_eq!(
        decisions,
        [
            ("/aws/lambda/billing", "subscribe"),
            ("/aws/lambda/full", "skipped_filter_limit"),
            ("/aws/lambda/idx", "skipped_own_group"),
            ("/aws/lambda/orders", "subscribe"),
            ("API-Gateway-Execution-Logs_a/dev", "subscribe"),
        ]
    );
    assert_eq!(done.missing, ["/aws/lambda/missing"]);
    let writes = aws.with(|s| s.writes.clone());
    assert_eq!(
        writes.iter().filter(|w| w.starts_with("allow_logs")).count(),
        1,
        "{writes:?}"
    );
    assert!(aws.with(|s| s.groups["/aws/lambda/idx"].is_empty()));
    assert_eq!(
        aws.with(|s| s.groups["/aws/lambda/full"].clone()),
        [foreign("a"), foreign("b")]
    );
    let again = run(&aws, &aws, &idx, &selection, false).await.unwrap();
    assert_eq!((again.count("subscribe"), again.count("already_subscribed")), (0, 3));
    assert_eq!(aws.with(|s| s.writes.len()), writes.len(), "a rerun writes nothing");
}

#[tokio::test]
async fn the_subscriber_subscribes_selected_new_groups_and_sweeps_within_its_deadline() {
    let aws = account(Vec::new());
    aws.with(|s| {
        for g in [
            "API-Gateway-Execution-Logs_a/dev",
            "/aws/apigateway/w/prod",
            "/aws/lambda/idx-subscriber",
        ] {
            s.groups.insert(g.into(), Vec::new());
        }
    });
    let env = |k: &str| match k {
        "SUBSCRIBE_DESTINATION_ARN" => Some(arn("idx")),
        "SUBSCRIBE_PREFIXES" => Some("API-Gateway-Execution-Logs_,/aws/apigateway/,/aws/lambda/".into()),
        "AWS_LAMBDA_LOG_GROUP_NAME" => Some("/aws/lambda/idx-subscriber".into()),
        _ => None,
    };
    let cfg = SubscriberConfig::from_lookup(env).unwrap().unwrap();
    let later = Instant::now() + Duration::from_secs(60);
    let ignored = handle(&aws, &cfg, &SubscriberEvent::NewLogGroup("/other".into()), later)
        .await
        .unwrap();
    assert!(ignored.groups.is_empty());
    let one = SubscriberEvent::NewLogGroup("API-Gateway-Execution-Logs_a/dev".into());
    assert_eq!(handle(&aws, &cfg, &one, later).await.unwrap().count("subscribe"), 1);
    let late = handle(&aws, &cfg, &SubscriberEvent::Sweep("schedule"), Instant::now())
        .await
        .unwrap();
    assert_eq!(
        late.unfinished.len(),
        4,
        "a passed deadline leaves everything to the next sweep"
    );
    let sweep = handle(&aws, &cfg, &SubscriberEvent::Sweep("schedule"), later)
        .await
        .unwrap();
    assert_eq!(
        sweep.summary(),
        "subscribed=1 already_subscribed=1 skipped_own_group=1 skipped_excluded=1 skipped_filter_limit=0 \
         skipped_name_taken=0 failed=0 missing=0 unfinished=0"
    );
    assert!(
        SubscriberConfig::from_lookup(|_| None).unwrap().is_none(),
        "no destination: the indexer"
    );
}
