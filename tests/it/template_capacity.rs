//! `template.yaml`'s provisioned-capacity option (`TableBillingMode`), priced in `docs/cost.md`.

/// `TableBillingMode`: on-demand by default; `PROVISIONED` gives the table and its failures index (named as
/// `ports::schema` names it) provisioned throughput and target tracking on writes and reads, at
/// `TableTargetUtilization` (70% by default, Application Auto Scaling's usual target).
#[test]
fn provisioned_capacity_is_an_option_with_target_tracking_on_the_table_and_its_index() {
    use apigw_log_indexer::ports::schema;
    let t = crate::template::template();
    let param = crate::template::resource(&t, "TableBillingMode");
    crate::template::assert_lines(
        &param,
        "TableBillingMode",
        &[
            "Default: PAY_PER_REQUEST",
            "AllowedValues: [PAY_PER_REQUEST, PROVISIONED]",
        ],
    );
    let target = crate::template::resource(&t, "TableTargetUtilization");
    assert!(crate::template::has(&target, "Default: 70"), "{target:?}");
    let table = crate::template::resource(&t, "IndexTable");
    assert_eq!(
        table
            .iter()
            .filter(|l| l.trim() == "ProvisionedThroughput: !If")
            .count(),
        2,
        "the table and its index: {table:?}"
    );
    let index = format!("table/${{IndexTable}}/index/{}", schema::FAILURES_INDEX);
    for (target, resource, dimension, metric) in [
        (
            "TableWriteScaling",
            "table/${IndexTable}",
            "dynamodb:table:WriteCapacityUnits",
            "DynamoDBWriteCapacityUtilization",
        ),
        (
            "TableReadScaling",
            "table/${IndexTable}",
            "dynamodb:table:ReadCapacityUnits",
            "DynamoDBReadCapacityUtilization",
        ),
        (
            "FailuresIndexWriteScaling",
            index.as_str(),
            "dynamodb:index:WriteCapacityUnits",
            "DynamoDBWriteCapacityUtilization",
        ),
        (
            "FailuresIndexReadScaling",
            index.as_str(),
            "dynamodb:index:ReadCapacityUnits",
            "DynamoDBReadCapacityUtilization",
        ),
    ] {
        let block = crate::template::resource(&t, target);
        crate::template::assert_lines(
            &block,
            target,
            &[
                "Type: AWS::ApplicationAutoScaling::ScalableTarget",
                "Condition: ProvisionedTable",
                &format!("ResourceId: !Sub {resource}"),
                &format!("ScalableDimension: {dimension}"),
            ],
        );
        let policy = crate::template::resource(&t, &format!("{target}Policy"));
        crate::template::assert_lines(
            &policy,
            target,
            &[
                "PolicyType: TargetTrackingScaling",
                &format!("ScalingTargetId: !Ref {target}"),
                "TargetValue: !Ref TableTargetUtilization",
                &format!("PredefinedMetricType: {metric}"),
            ],
        );
    }
}
