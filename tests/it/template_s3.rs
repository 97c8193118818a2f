//! The delivered-execution-logs option of `template.yaml`: the declarations reach the function as
//! `EXECUTION_LOG_GROUPS`, and an existing S3 bucket gets exactly what its object-created notification needs
//! (S3 may invoke the indexer for that bucket of this account; the indexer may read objects under the prefix).
//! Text checks, as in `template.rs`.

use apigw_log_indexer::config;
use apigw_log_indexer::onboard::delivery::DEFAULT_S3_BASE;

use crate::template::{assert_lines, has, resource, template};

#[test]
fn the_declared_deliveries_are_the_functions_execution_log_groups() {
    let t = template();
    assert_lines(
        &resource(&t, "DeliveredExecutionLogs"),
        "DeliveredExecutionLogs",
        &["Type: String", "Default: \"\""],
    );
    assert!(
        has(
            &resource(&t, "IndexerFunction"),
            &format!("{}: !Ref DeliveredExecutionLogs", config::EXECUTION_LOG_GROUPS)
        ),
        "the function reads the declarations from EXECUTION_LOG_GROUPS"
    );
}

#[test]
fn an_execution_log_bucket_may_invoke_the_indexer_and_be_read_under_its_prefix_only() {
    let t = template();
    assert!(t.contains("  HasExecutionLogBucket: !Not [!Equals [!Ref ExecutionLogBucket, \"\"]]"));
    assert_lines(
        &resource(&t, "ExecutionLogBucket"),
        "ExecutionLogBucket",
        &["Type: String", "Default: \"\""],
    );
    let permission = resource(&t, "S3InvokePermission");
    assert_lines(
        &permission,
        "S3InvokePermission",
        &[
            "Type: AWS::Lambda::Permission",
            "Condition: HasExecutionLogBucket",
            "FunctionName: !GetAtt IndexerFunction.Arn",
            "Action: lambda:InvokeFunction",
            "Principal: s3.amazonaws.com",
            // Bucket names are global: without the account, another account's same-named bucket could invoke.
            "SourceAccount: !Ref AWS::AccountId",
            "SourceArn: !Sub arn:${AWS::Partition}:s3:::${ExecutionLogBucket}",
        ],
    );
    let read = resource(&t, "IndexerReadsExecutionLogBucket");
    assert_lines(
        &read,
        "IndexerReadsExecutionLogBucket",
        &[
            "Type: AWS::IAM::RolePolicy",
            "Condition: HasExecutionLogBucket",
            "RoleName: !Ref IndexerRole",
            // src/aws/s3.rs calls GetObject and nothing else.
            "Action: s3:GetObject",
            "Resource: !Sub arn:${AWS::Partition}:s3:::${ExecutionLogBucket}/${ExecutionLogBucketPrefix}*",
        ],
    );
    // setup-logging --delivery s3 delivers under the prefix the stack lets the indexer read by default.
    assert!(
        has(
            &resource(&t, "ExecutionLogBucketPrefix"),
            &format!("Default: {DEFAULT_S3_BASE}")
        ),
        "ExecutionLogBucketPrefix defaults to {DEFAULT_S3_BASE}"
    );
    let actions: Vec<&String> = read.iter().filter(|l| l.trim().starts_with("Action")).collect();
    assert_eq!(actions.len(), 1, "one statement, one action: {actions:?}");
    // No S3 access in the function's own role: only this conditional policy grants any.
    assert!(
        !resource(&t, "IndexerRole").iter().any(|l| l.contains("s3:")),
        "IndexerRole grants no S3 action"
    );
}

#[test]
fn the_notification_command_the_stack_prints_sends_object_created_events_under_the_prefix() {
    let t = template();
    let output = resource(&t, "ExecutionLogBucketNotificationCommand");
    assert!(has(&output, "Condition: HasExecutionLogBucket"));
    // The folded value on one line, with the stack's values put in, is a command whose JSON is valid.
    let value: String = output
        .iter()
        .skip_while(|l| !l.trim().starts_with("Value: !Sub >-"))
        .skip(1)
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let value = value
        .replace("${ExecutionLogBucket}", "delivery-bucket")
        .replace(
            "${IndexerFunction.Arn}",
            "arn:aws:lambda:eu-west-1:123456789012:function:apigw-log-indexer",
        )
        .replace("${ExecutionLogBucketPrefix}", "execution-logs/");
    assert!(
        value.starts_with("aws s3api put-bucket-notification-configuration --bucket delivery-bucket "),
        "{value}"
    );
    let json = value
        .split_once('\'')
        .and_then(|(_, rest)| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("one quoted JSON argument: {value}"));
    let config: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let f = &config["LambdaFunctionConfigurations"][0];
    assert_eq!(f["Events"], serde_json::json!(["s3:ObjectCreated:*"]));
    assert_eq!(
        f["Filter"]["Key"]["FilterRules"][0],
        serde_json::json!({"Name": "prefix", "Value": "execution-logs/"})
    );
}
