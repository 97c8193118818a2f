//! The subscriber function's events, through the Lambda edge and the CloudWatch Logs adapter against moto.
//!
//! The CloudTrail `CreateLogGroup` event is `events/eventbridge/cloudtrail-create-log-group.json`: the
//! "AWS API Call via CloudTrail" shape (EventBridge user guide, "AWS service events delivered via AWS
//! CloudTrail"; CloudWatch Logs user guide, "Logging CloudWatch Logs API calls in AWS CloudTrail", in
//! `awsdocs/amazon-cloudwatch-logs-user-guide` `doc_source/logging_cw_api_calls_cwl.md`), with
//! `source: aws.logs` and `detail.requestParameters.logGroupName` as recorded in
//! `trademachines/aws-cloudwatch2loggly` `features/fixtures/cloudtrail-create-loggroup.js`.

use std::collections::HashMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use apigw_log_indexer::aws::logs::CloudWatchLogs;
use apigw_log_indexer::lambda;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::memory::RecordingMetrics;
use apigw_log_indexer::onboard::subscriber::{SubscriberConfig, SubscriberEvent, read_event};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::onboard_moto::{create_group, filters, sdk, stack};

fn recorded(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events/eventbridge")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn invocation(payload: String) -> LambdaEvent<Box<RawValue>> {
    let mut context = Context::default();
    context.deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64 + 30_000;
    LambdaEvent::new(RawValue::from_string(payload).unwrap(), context)
}

#[test]
fn recorded_events_are_read_as_what_they_ask_for() {
    let cases = [
        (
            "cloudtrail-create-log-group.json",
            SubscriberEvent::NewLogGroup("API-Gateway-Execution-Logs_a1b2c3d4e5/dev".into()),
        ),
        ("scheduled-sweep.json", SubscriberEvent::Sweep("schedule")),
        ("stack-update-complete.json", SubscriberEvent::Sweep("deploy")),
    ];
    for (file, want) in cases {
        assert_eq!(read_event(&recorded(file)), want, "{file}");
    }
    // The same call failing (access denied) created nothing; a stack rolling back asks for no sweep.
    let mut failed: Value = serde_json::from_str(&recorded("cloudtrail-create-log-group.json")).unwrap();
    failed["detail"]["errorCode"] = "AccessDenied".into();
    assert!(matches!(read_event(&failed.to_string()), SubscriberEvent::Ignored(_)));
    let mut rollback: Value = serde_json::from_str(&recorded("stack-update-complete.json")).unwrap();
    rollback["detail"]["status-details"]["status"] = "UPDATE_ROLLBACK_COMPLETE".into();
    assert!(matches!(read_event(&rollback.to_string()), SubscriberEvent::Ignored(_)));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_subscriber_subscribes_a_new_group_and_sweeps_never_its_own() {
    const REGION: &str = "eu-central-1";
    let s = stack(REGION, "onb-events").await;
    let prefix = format!("API-Gateway-Execution-Logs_{}", s.name);
    let own = format!("/aws/lambda/{}-subscriber", s.name);
    let env: HashMap<&str, String> = HashMap::from([
        ("SUBSCRIBE_DESTINATION_ARN", s.function_arn(&s.indexer)),
        ("SUBSCRIBE_PREFIXES", format!("{prefix},/aws/lambda/{}", s.name)),
        ("AWS_LAMBDA_LOG_GROUP_NAME", own.clone()),
    ]);
    let config = SubscriberConfig::from_lookup(|k| env.get(k).cloned()).unwrap().unwrap();
    let logs = CloudWatchLogs::new(aws_sdk_cloudwatchlogs::Client::new(&sdk(REGION).await));

    // The recorded event, for a group of this run (the server may hold earlier runs' groups).
    let created = format!("{prefix}a1b2c3d4e5/dev");
    create_group(REGION, &created).await;
    let mut ev: Value = serde_json::from_str(&recorded("cloudtrail-create-log-group.json")).unwrap();
    ev["detail"]["requestParameters"]["logGroupName"] = created.clone().into();
    let out = lambda::handle_subscriber(&logs, &config, invocation(ev.to_string()))
        .await
        .unwrap();
    assert!(out["counts"].as_str().unwrap().starts_with("subscribed=1 "), "{out}");
    let ours = vec![(s.indexer.clone(), s.function_arn(&s.indexer))];
    assert_eq!(filters(REGION, &created).await, ours);

    let later = format!("{prefix}f6g7h8/prod");
    for g in [&later, &own] {
        create_group(REGION, g).await;
    }
    let out = lambda::handle_subscriber(&logs, &config, invocation(recorded("scheduled-sweep.json")))
        .await
        .unwrap();
    let counts = out["counts"].as_str().unwrap();
    assert!(
        counts.starts_with("subscribed=1 already_subscribed=1 skipped_own_group=1 skipped_excluded=1 "),
        "{counts}"
    );
    assert_eq!(filters(REGION, &later).await, ours);
    assert_eq!(filters(REGION, &s.indexer_group()).await, []);
    assert_eq!(filters(REGION, &own).await, []);

    // Each mode refuses the other's events.
    let err = lambda::handle_subscriber(&logs, &config, invocation(r#"{"awslogs":{"data":"x"}}"#.into()))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "unsupported_event");
    let indexer = crate::helpers::services(
        MemoryIndex::new(),
        RecordingMetrics::default(),
        MemoryIndex::new(),
        None,
    );
    let err = lambda::handle(&indexer, invocation(recorded("scheduled-sweep.json")))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "unsupported_event");
    assert!(err.error_message.contains("subscriber"), "{}", err.error_message);
}
