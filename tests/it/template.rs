//! `template.yaml` (and the demo it nests, `demo/template.yaml`) agrees with the code: the table's schema
//! with `src/index/schema.rs` (what `create-table` builds), the function's binary with Cargo's, its
//! environment with `src/config.rs`.
//! Text checks on the resource block: CloudFormation's `!Ref`/`!If` tags defeat plain YAML parsers.

use std::path::Path;

use apigw_log_indexer::config;
use apigw_log_indexer::ports::schema;

pub(crate) fn template() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml")).unwrap()
}

/// The demo's nested template.
fn demo_template() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/template.yaml")).unwrap()
}

/// The lines of the `Globals:` section's `Function:` block.
fn function_globals(template: &str) -> Vec<String> {
    template
        .lines()
        .skip_while(|l| *l != "Globals:")
        .skip_while(|l| *l != "  Function:")
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.split('#').next().unwrap_or("").trim_end().to_string())
        .collect()
}

/// The lines of one top-level resource (indent 2) up to the next one.
pub(crate) fn resource(template: &str, name: &str) -> Vec<String> {
    let mut lines = template.lines().skip_while(|l| *l != format!("  {name}:"));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("resource {name} not in the template"));
    std::iter::once(head)
        .chain(lines.take_while(|l| !(l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))))
        .map(|l| l.split('#').next().unwrap_or("").trim_end().to_string())
        .collect()
}

pub(crate) fn has(block: &[String], line: &str) -> bool {
    block.iter().any(|l| l.trim() == line)
}

/// Every line is in the block of resource `name`.
pub(crate) fn assert_lines(block: &[String], name: &str, lines: &[&str]) {
    for line in lines {
        assert!(has(block, line), "{name} lacks `{line}`:\n{}", block.join("\n"));
    }
}

#[test]
fn the_table_in_the_template_is_the_schema_create_table_builds() {
    let t = template();
    let table = resource(&t, "IndexTable");
    for line in [
        "Type: AWS::DynamoDB::Table".to_string(),
        "BillingMode: !Ref TableBillingMode".to_string(),
        format!("- {{ AttributeName: {}, KeyType: HASH }}", schema::PARTITION_KEY),
        format!("- {{ AttributeName: {}, KeyType: RANGE }}", schema::SORT_KEY),
        format!("- IndexName: {}", schema::FAILURES_INDEX),
        format!(
            "- {{ AttributeName: {}, KeyType: HASH }}",
            schema::FAILURES_PARTITION_KEY
        ),
        format!("- {{ AttributeName: {}, KeyType: RANGE }}", schema::FAILURES_SORT_KEY),
        "ProjectionType: INCLUDE".to_string(),
        format!("AttributeName: {}", schema::TTL_ATTRIBUTE),
        "SSEEnabled: true".to_string(),
    ] {
        assert!(has(&table, &line), "IndexTable lacks `{line}`:\n{}", table.join("\n"));
    }
    for key in [
        schema::PARTITION_KEY,
        schema::SORT_KEY,
        schema::FAILURES_PARTITION_KEY,
        schema::FAILURES_SORT_KEY,
    ] {
        assert!(
            has(&table, &format!("- {{ AttributeName: {key}, AttributeType: S }}")),
            "{key} is a string key"
        );
    }
    let projected: Vec<&str> = table
        .iter()
        .skip_while(|l| l.trim() != "NonKeyAttributes:")
        .skip(1)
        .map(|l| l.trim())
        .take_while(|l| l.starts_with("- "))
        .map(|l| &l[2..])
        .collect();
    assert_eq!(projected, schema::FAILURES_PROJECTED, "projected attributes");
}

#[test]
fn the_function_builds_the_lambda_binary_and_sets_only_known_variables() {
    let t = template();
    let function = resource(&t, "IndexerFunction");
    assert!(has(&function, "Binary: apigw-log-indexer"), "BuildProperties: Binary");
    assert!(has(&function, "BuildMethod: rust-cargolambda"));
    // What both functions share is set once, in Globals, and not overridden.
    let globals = function_globals(&t);
    assert_lines(
        &globals,
        "Globals.Function",
        &[
            "Runtime: provided.al2023",
            "Handler: bootstrap",
            "CodeUri: crates/function",
        ],
    );
    for f in ["IndexerFunction", "SubscriberFunction"] {
        assert!(
            !resource(&t, f).iter().any(|l| l.trim().starts_with("Runtime:")),
            "{f} sets its own Runtime"
        );
    }
    // sam builds in the CodeUri directory: the function's own package, whose binary is the one named.
    let code_uri = "crates/function";
    let cargo = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(code_uri).join("Cargo.toml"))
        .unwrap_or_else(|e| panic!("CodeUri {code_uri}: {e}"));
    assert!(
        cargo.contains("name = \"apigw-log-indexer\""),
        "{code_uri}/Cargo.toml builds the binary the template names"
    );
    let known = [
        config::INDEX_TABLE,
        config::METRICS_NAMESPACE,
        config::METRICS_SINK,
        config::DETAILED_METRICS,
        config::RETENTION_DAYS,
        config::SUCCESS_STORAGE,
        config::SUCCESS_TTL_DAYS,
        config::REDACT_HEADERS,
        config::STORE_BODIES,
        config::MAX_DECODED_BYTES,
        config::COUNT_FROM,
        config::INDEXER_ACCOUNT_ID,
        config::EXECUTION_LOG_GROUPS,
    ];
    let vars: Vec<&str> = function
        .iter()
        .skip_while(|l| l.trim() != "Variables:")
        .skip(1)
        .take_while(|l| l.starts_with("          ") && l.contains(':'))
        .map(|l| l.trim().split(':').next().unwrap_or(""))
        .collect();
    assert!(vars.contains(&config::INDEX_TABLE), "INDEX_TABLE is set: {vars:?}");
    for v in &vars {
        assert!(known.contains(v), "template sets {v}, which the function does not read");
    }
}

#[test]
fn the_functions_role_allows_exactly_the_dynamodb_calls_it_makes() {
    let role = resource(&template(), "IndexerRole");
    // src/aws/dynamodb: BatchWriteItem (write.rs), conditional PutItem and UpdateItem (ledger.rs).
    assert!(
        has(
            &role,
            "Action: [dynamodb:BatchWriteItem, dynamodb:PutItem, dynamodb:UpdateItem]"
        ),
        "IndexerRole:\n{}",
        role.join("\n")
    );
    assert!(
        !role.iter().any(|l| l.contains("dynamodb:Scan")),
        "the function never scans"
    );
}

/// The text of a `>-` folded block that follows `key` in `block`, with all whitespace removed.
fn folded(block: &[String], key: &str) -> String {
    block
        .iter()
        .skip_while(|l| l.trim() != format!("{key}: >-"))
        .skip(1)
        .take_while(|l| l.starts_with("          "))
        .map(|l| l.trim())
        .collect::<String>()
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn a_new_log_group_and_the_sweeps_invoke_the_subscriber_which_is_the_same_binary() {
    use apigw_log_indexer::onboard::subscriber::{
        SUBSCRIBE_DESTINATION_ARN, SUBSCRIBE_DESTINATION_LOG_GROUP, SUBSCRIBE_EXCLUDE, SUBSCRIBE_LOG_GROUPS,
        SUBSCRIBE_PREFIXES,
    };
    let t = template();
    let f = resource(&t, "SubscriberFunction");
    assert_lines(
        &f,
        "SubscriberFunction",
        &[
            "Binary: apigw-log-indexer",
            "BuildMethod: rust-cargolambda",
            "Condition: SubscriberEnabled",
            "Role: !GetAtt SubscriberRole.Arn",
            // CloudTrail's CreateLogGroup, as EventBridge delivers it.
            "NewLogGroup:",
            "source: [aws.logs]",
            "detail-type: [AWS API Call via CloudTrail]",
            "eventSource: [logs.amazonaws.com]",
            "eventName: [CreateLogGroup]",
            // The sweep at deploy time: this stack's own completion events.
            "AfterDeploy:",
            "source: [aws.cloudformation]",
            "detail-type: [CloudFormation Stack Status Change]",
            "resources: [!Ref AWS::StackId]",
            "status: [CREATE_COMPLETE, UPDATE_COMPLETE]",
            // And on a schedule.
            "Type: Schedule",
            "Schedule: !Ref SweepSchedule",
            "SUBSCRIBE_DESTINATION_ARN: !GetAtt IndexerFunction.Arn",
            "SUBSCRIBE_DESTINATION_LOG_GROUP: !Ref IndexerLogGroup",
        ],
    );
    let known = [
        SUBSCRIBE_DESTINATION_ARN,
        SUBSCRIBE_DESTINATION_LOG_GROUP,
        SUBSCRIBE_PREFIXES,
        SUBSCRIBE_LOG_GROUPS,
        SUBSCRIBE_EXCLUDE,
    ];
    let vars: Vec<&str> = f
        .iter()
        .skip_while(|l| l.trim() != "Variables:")
        .skip(1)
        .take_while(|l| l.starts_with("          "))
        .filter(|l| !l.starts_with("           ") && l.contains(':'))
        .map(|l| l.trim().split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        vars, known,
        "the subscriber's environment is what SubscriberConfig reads"
    );
    // No listed-group slots any more: any number of names, handled by the subscriber.
    assert!(!t.contains("ExecutionLogGroup1"), "the three-per-kind slots are gone");
    let pattern = t
        .lines()
        .skip_while(|l| *l != "  ExecutionLogGroups:")
        .find(|l| l.trim().starts_with("AllowedPattern:"))
        .unwrap();
    assert!(pattern.ends_with(")*)?$\""), "no count limit: {pattern}");
}

#[test]
fn one_invoke_permission_covers_every_log_group_of_the_account() {
    let t = template();
    let p = resource(&t, "LogsInvokePermission");
    assert_lines(
        &p,
        "LogsInvokePermission",
        &[
            "FunctionName: !GetAtt IndexerFunction.Arn",
            "Action: lambda:InvokeFunction",
            "Principal: logs.amazonaws.com",
            "SourceAccount: !Ref AWS::AccountId",
            "SourceArn: !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
        ],
    );
    assert_eq!(
        t.matches("Principal: logs.amazonaws.com").count(),
        1,
        "one permission, not one per group"
    );
    // The demo's subscriptions are in its nested stack, which is created only after the permission.
    let app = resource(&t, "DemoApp");
    assert_lines(
        &app,
        "DemoApp",
        &[
            "Type: AWS::Serverless::Application",
            "Condition: DemoEnabled",
            "DependsOn: [LogsInvokePermission, DemoLoggingPrerequisites]",
            "Location: demo/template.yaml",
            "IndexerFunctionArn: !GetAtt IndexerFunction.Arn",
        ],
    );
    let d = demo_template();
    assert!(!d.contains("Principal: logs.amazonaws.com"), "the demo grants nothing");
    for demo in [
        "DemoExecutionLogsSubscription",
        "DemoAccessLogsSubscription",
        "DemoFunctionLogsSubscription",
    ] {
        assert!(
            has(&resource(&d, demo), "DestinationArn: !Ref IndexerFunctionArn"),
            "{demo}"
        );
    }
}

#[test]
fn the_subscribers_role_allows_exactly_the_calls_it_makes() {
    let role = resource(&template(), "SubscriberRole");
    // src/aws/logs.rs: DescribeLogGroups (select), DescribeSubscriptionFilters (plan), PutSubscriptionFilter.
    assert!(
        has(
            &role,
            "Action: [logs:DescribeLogGroups, logs:DescribeSubscriptionFilters, logs:PutSubscriptionFilter]"
        ),
        "SubscriberRole:\n{}",
        role.join("\n")
    );
    assert!(
        has(&role, "Resource: !GetAtt SubscriberLogGroup.Arn"),
        "writes only its own log group"
    );
    for forbidden in ["lambda:", "logs:DeleteSubscriptionFilter", "iam:PassRole", "logs:*"] {
        assert!(!role.iter().any(|l| l.contains(forbidden)), "{forbidden}");
    }
}

#[test]
fn the_account_policy_is_off_by_default_and_excludes_the_stacks_own_groups() {
    let t = template();
    let param = resource(&t, "AccountSubscriptionPolicy");
    assert!(has(&param, "Default: \"false\""), "{param:?}");
    let policy = resource(&t, "IndexerAccountSubscriptionPolicy");
    assert_lines(
        &policy,
        "IndexerAccountSubscriptionPolicy",
        &[
            "Type: AWS::Logs::AccountPolicy",
            "Condition: AccountPolicyEnabled",
            "DependsOn: LogsInvokePermission",
            "PolicyType: SUBSCRIPTION_FILTER_POLICY",
            "Scope: ALL",
            r#"PolicyDocument: !Sub '{"DestinationArn":"${IndexerFunction.Arn}","FilterPattern":""}'"#,
            r#"SelectionCriteria: !Sub 'LogGroupName NOT IN ["${IndexerLogGroup}", "/aws/lambda/${AWS::StackName}-subscriber"]'"#,
        ],
    );
    // The subscriber's log group is the one the policy excludes.
    let group = resource(&t, "SubscriberLogGroup");
    assert!(has(
        &group,
        "LogGroupName: !Sub /aws/lambda/${AWS::StackName}-subscriber"
    ));
    // With the policy on, the per-group subscriptions would deliver twice: the template refuses both.
    let rule = resource(&t, "OneWayOfSubscribing");
    assert!(
        has(&rule, "- Assert: !Equals [!Ref AutoSubscribe, \"false\"]"),
        "{rule:?}"
    );
    assert!(has(
        &resource(&t, "DemoApp"),
        r#"Subscribe: !If [AccountPolicyEnabled, "false", "true"]"#
    ));
    let d = demo_template();
    for demo in [
        "DemoExecutionLogsSubscription",
        "DemoAccessLogsSubscription",
        "DemoFunctionLogsSubscription",
    ] {
        assert!(has(&resource(&d, demo), "Condition: SubscribeEnabled"), "{demo}");
    }
}

#[test]
fn the_outputs_the_cli_reads_and_the_defaults_the_code_uses_are_in_the_template() {
    use apigw_log_indexer::names::DEFAULT_PREFIXES;
    use apigw_log_indexer::onboard::format::REST_FORMAT;
    use apigw_log_indexer::onboard::stack::{FUNCTION_OUTPUT, NAMESPACE_OUTPUT, QUEUE_OUTPUT, TABLE_OUTPUT};
    let t = template();
    let outputs = &t[t.find("\nOutputs:\n").unwrap()..];
    for key in [TABLE_OUTPUT, NAMESPACE_OUTPUT, FUNCTION_OUTPUT, QUEUE_OUTPUT] {
        assert!(outputs.contains(&format!("\n  {key}:\n")), "output {key}");
    }
    let prefixes = resource(&t, "ExecutionLogPrefixes");
    assert!(
        has(&prefixes, &format!("Default: {}", DEFAULT_PREFIXES.join(","))),
        "{prefixes:?}"
    );
    // The demo stage's access log is the recommended REST format, defined once in the code.
    let stage = resource(&demo_template(), "DemoStage");
    assert_eq!(folded(&stage, "Format"), squeeze(REST_FORMAT));
}

#[test]
fn the_docs_show_the_recommended_formats_the_code_defines() {
    use apigw_log_indexer::onboard::format::{HTTP_FORMAT, REST_FORMAT, WEBSOCKET_FORMAT};
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/deploy.md")).unwrap();
    let docs = squeeze(&docs);
    for (name, format) in [
        ("REST", REST_FORMAT),
        ("HTTP", HTTP_FORMAT),
        ("WebSocket", WEBSOCKET_FORMAT),
    ] {
        assert!(
            docs.contains(&squeeze(format)),
            "docs/deploy.md shows the {name} format"
        );
    }
}
