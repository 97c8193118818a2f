//! The central-account option of `template.yaml` (issue: one account for many): its resources exist only
//! when member accounts are listed. Text checks, as in `template.rs`.

use crate::template::{assert_lines, has, resource, template};

#[test]
fn the_central_option_puts_a_destination_and_its_stream_before_the_indexer_only_when_members_are_listed() {
    let t = template();
    assert!(t.contains("  CentralEnabled: !Not [!Equals [!Join [\"\", !Ref MemberAccountIds], \"\"]]"));
    let param = resource(&t, "MemberAccountIds");
    assert_lines(
        &param,
        "MemberAccountIds",
        &["Type: CommaDelimitedList", "Default: \"\""],
    );
    for r in [
        "CentralStream",
        "CentralDestinationRole",
        "CentralDestination",
        "IndexerReadsCentralStream",
        "CentralStreamMapping",
    ] {
        assert!(
            has(&resource(&t, r), "Condition: CentralEnabled"),
            "{r} only with members"
        );
    }
    assert_lines(
        &resource(&t, "CentralDestination"),
        "CentralDestination",
        &[
            "Type: AWS::Logs::Destination",
            "RoleArn: !GetAtt CentralDestinationRole.Arn",
            "TargetArn: !GetAtt CentralStream.Arn",
        ],
    );
    // CloudWatch Logs may put records into the stream and nothing else.
    let role = resource(&t, "CentralDestinationRole");
    assert_lines(
        &role,
        "CentralDestinationRole",
        &[
            "Principal: { Service: logs.amazonaws.com }",
            "Action: kinesis:PutRecord",
        ],
    );
    // The function answers a Kinesis batch with the records that failed (src/lambda.rs), so only those retry.
    assert_lines(
        &resource(&t, "CentralStreamMapping"),
        "CentralStreamMapping",
        &[
            "FunctionName: !Ref IndexerFunction",
            "EventSourceArn: !GetAtt CentralStream.Arn",
            "FunctionResponseTypes: [ReportBatchItemFailures]",
        ],
    );
    let function = resource(&t, "IndexerFunction");
    assert!(
        has(&function, "INDEXER_ACCOUNT_ID: !Ref AWS::AccountId"),
        "the function knows its own account"
    );
    let outputs: Vec<&str> = t.lines().skip_while(|l| *l != "Outputs:").collect();
    assert!(
        outputs.contains(&"  CentralDestinationArn:"),
        "the destination ARN is an output"
    );
}
