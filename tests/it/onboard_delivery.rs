//! `setup-logging --delivery`: the CloudWatch Logs delivery calls over the wire. moto 5.2.5 serves delivery
//! destinations and deliveries, but refuses API Gateway as a delivery source ("Cannot access provided
//! service"; its `put_delivery_source` knows a few services only): the adapter is checked against moto with a
//! source moto accepts, the requests for a REST stage with scripted responses (aws-smithy-mocks), and the
//! CLI against moto up to moto's refusal, which it reports on one line.

use std::sync::{Arc, Mutex};

use apigw_log_indexer::aws::apigateway::ApiGateway;
use apigw_log_indexer::aws::lambda::LambdaFunctions;
use apigw_log_indexer::aws::logs::CloudWatchLogs;
use apigw_log_indexer::names::Indexer;
use apigw_log_indexer::onboard::OnboardError;
use apigw_log_indexer::onboard::delivery::{DeliveryRequest, DeliveryTarget, setup_delivery};
use apigw_log_indexer::ports::{
    ApiStages, Deliveries, Delivery, FunctionInfo, LogGroups, LogLevel, LoggingChange, StageFilter,
};
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::operation::create_delivery::CreateDeliveryOutput;
use aws_sdk_cloudwatchlogs::operation::describe_deliveries::DescribeDeliveriesOutput;
use aws_sdk_cloudwatchlogs::operation::describe_delivery_destinations::DescribeDeliveryDestinationsOutput;
use aws_sdk_cloudwatchlogs::operation::describe_delivery_sources::DescribeDeliverySourcesOutput;
use aws_sdk_cloudwatchlogs::operation::put_delivery_destination::{
    PutDeliveryDestinationInput, PutDeliveryDestinationOutput,
};
use aws_sdk_cloudwatchlogs::operation::put_delivery_source::{PutDeliverySourceInput, PutDeliverySourceOutput};
use aws_sdk_cloudwatchlogs::types::DeliveryDestination as SdkDestination;
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use crate::onboard_moto::{ACCOUNT, cli, rest_api, sdk, set_cloudwatch_role, stack, text};

#[tokio::test(flavor = "multi_thread")]
async fn destinations_and_deliveries_round_trip_through_the_adapter_against_moto() {
    const REGION: &str = "il-central-1";
    let logs = CloudWatchLogs::new(Client::new(&sdk(REGION).await));
    let group = format!("/apigateway/execution-logs/{}", crate::moto::table_name("deliv"));
    logs.create_group(&group).await.unwrap();
    let group_arn = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}");
    let name = crate::moto::table_name("dest");
    let arn = logs.put_destination(&name, &group_arn, "json").await.unwrap();
    assert_eq!(
        arn,
        format!("arn:aws:logs:{REGION}:{ACCOUNT}:delivery-destination:{name}")
    );
    assert_eq!(
        logs.put_destination(&name, &group_arn, "json").await.unwrap(),
        arn,
        "PutDeliveryDestination is an upsert"
    );
    let listed = logs.destinations().await.unwrap();
    let d = listed.iter().find(|d| d.name == name).expect("listed");
    assert_eq!(
        (d.resource_arn.as_str(), d.output_format.as_deref()),
        (group_arn.as_str(), Some("json"))
    );

    // moto takes a CloudFront distribution as a source; the stage's source is the mocked test below.
    let source = crate::moto::table_name("src");
    logs.put_source(
        &source,
        &format!("arn:aws:cloudfront::{ACCOUNT}:distribution/E1"),
        "ACCESS_LOGS",
    )
    .await
    .unwrap();
    assert!(
        logs.sources()
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == source && s.log_type == "ACCESS_LOGS")
    );
    let id = logs.create_delivery(&source, &arn).await.unwrap();
    assert!(!id.is_empty());
    let deliveries = logs.deliveries().await.unwrap();
    assert!(deliveries.contains(&Delivery {
        id: id.clone(),
        source_name: source.clone(),
        destination_arn: arn.clone(),
    }));
    // A second delivery of the same pair is the service's conflict, reported on one line with its code.
    let err = logs.create_delivery(&source, &arn).await.unwrap_err();
    assert!(
        matches!(&err, OnboardError::Rejected { operation: "CreateDelivery", code: Some(c), .. } if c == "ConflictException"),
        "{err}"
    );
    assert!(!err.to_string().contains('\n'));

    // The stage as a source: moto refuses it (the gap the mocked test covers), as one line.
    let stage_arn = format!("arn:aws:apigateway:{REGION}:{ACCOUNT}:/restapis/abc123defg/stages/prod");
    let err = logs
        .put_source("apigw-stage", &stage_arn, "EXECUTION_LOGS")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "onboard_rejected", "{err}");
    assert!(err.to_string().contains("PutDeliverySource"), "{err}");
}

/// CloudWatch Logs answering a first `setup-logging --delivery s3`: nothing exists yet.
fn scripted_logs(
    sources: Arc<Mutex<Vec<PutDeliverySourceInput>>>,
    dests: Arc<Mutex<Vec<PutDeliveryDestinationInput>>>,
) -> CloudWatchLogs {
    let no_sources =
        mock!(Client::describe_delivery_sources).then_output(|| DescribeDeliverySourcesOutput::builder().build());
    let no_dests = mock!(Client::describe_delivery_destinations)
        .then_output(|| DescribeDeliveryDestinationsOutput::builder().build());
    let no_deliveries = mock!(Client::describe_deliveries).then_output(|| DescribeDeliveriesOutput::builder().build());
    let put_source = mock!(Client::put_delivery_source)
        .match_requests(move |input| {
            sources.lock().unwrap().push(input.clone());
            true
        })
        .then_output(|| PutDeliverySourceOutput::builder().build());
    let put_dest = mock!(Client::put_delivery_destination)
        .match_requests(move |input| {
            dests.lock().unwrap().push(input.clone());
            true
        })
        .then_output(|| {
            PutDeliveryDestinationOutput::builder()
                .delivery_destination(
                    SdkDestination::builder()
                        .arn("arn:aws:logs:me-south-1:123456789012:delivery-destination:d")
                        .build(),
                )
                .build()
        });
    let create = mock!(Client::create_delivery).then_output(|| {
        CreateDeliveryOutput::builder()
            .delivery(aws_sdk_cloudwatchlogs::types::Delivery::builder().id("d-42").build())
            .build()
    });
    let client: Client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        &[&no_sources, &no_dests, &no_deliveries, &put_source, &put_dest, &create]
    );
    CloudWatchLogs::new(client)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rest_stage_becomes_a_delivery_source_of_its_execution_logs_to_an_s3_prefix() {
    const REGION: &str = "me-south-1";
    let s = stack(REGION, "deliv-s3").await;
    let api = rest_api(REGION, &s.name, &s.function_arn(&s.backend), "dev").await;
    let config = sdk(REGION).await;
    let apis = ApiGateway::new(
        aws_sdk_apigateway::Client::new(&config),
        aws_sdk_apigatewayv2::Client::new(&config),
    );
    let filter = StageFilter {
        api_id: Some(api.clone()),
        stage: Some("dev".into()),
    };
    let stage = apis.stages(&filter).await.unwrap().remove(0);
    let on = LoggingChange {
        level: Some(LogLevel::Error),
        ..LoggingChange::default()
    };
    apis.update_logging(&stage, &on).await.unwrap();

    let (sources, dests) = (Arc::default(), Arc::default());
    let logs = scripted_logs(Arc::clone(&sources), Arc::clone(&dests));
    let functions = LambdaFunctions::new(aws_sdk_lambda::Client::new(&config));
    let indexer = Indexer::from_function(&FunctionInfo {
        arn: s.function_arn(&s.indexer),
        name: s.indexer.clone(),
        log_group: s.indexer_group(),
    });
    let req = DeliveryRequest {
        api_id: api.clone(),
        stage: "dev".into(),
        target: DeliveryTarget::default_s3("delivery-bucket", "execution-logs/", &api, "dev"),
    };
    let report = setup_delivery(&apis, &logs, &logs, &functions, &indexer, &req)
        .await
        .unwrap();
    assert_eq!(
        report.declaration,
        format!("s3://delivery-bucket/execution-logs/{api}/dev/={api}/dev")
    );
    assert!(report.changes.iter().any(|c| c.contains("delivery d-42")), "{report:?}");

    let sources = sources.lock().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].name(), Some(format!("apigw-{api}-dev").as_str()));
    assert_eq!(
        sources[0].resource_arn(),
        Some(format!("arn:aws:apigateway:{REGION}:{ACCOUNT}:/restapis/{api}/stages/dev").as_str())
    );
    assert_eq!(sources[0].log_type(), Some("EXECUTION_LOGS"));
    let dests = dests.lock().unwrap();
    assert_eq!(dests[0].output_format().map(|f| f.as_str()), Some("json"));
    assert_eq!(
        dests[0]
            .delivery_destination_configuration()
            .map(|c| c.destination_resource_arn()),
        Some(format!("arn:aws:s3:::delivery-bucket/execution-logs/{api}/dev/").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_checks_the_delivery_options_and_reports_a_refused_source_on_one_line() {
    const REGION: &str = "il-central-1";
    let s = stack(REGION, "deliv-cli").await;
    let api = rest_api(REGION, &s.name, &s.function_arn(&s.backend), "dev").await;
    let base = ["setup-logging", "--api", &api, "--stage", "dev", "--stack", &s.name];
    let run = |extra: &[&str]| cli(REGION, &[&base[..], extra].concat());

    // Usage errors come before any call.
    for (extra, option) in [
        (&["--delivery", "s3"][..], "--bucket"),
        (
            &["--delivery", "s3", "--bucket", "Not_A_Bucket"][..],
            "EXECUTION_LOG_GROUPS",
        ),
        (&["--delivery", "log-group", "--level", "OFF"][..], "--level"),
    ] {
        let o = run(extra);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(option), "{extra:?}: {err}");
    }

    // The stage's own logging is set and said; then moto refuses the stage as a delivery source, which the
    // command reports on one line naming the call (against AWS, the delivery is created: the mocked test).
    set_cloudwatch_role(REGION, &format!("arn:aws:iam::{ACCOUNT}:role/apigw-cloudwatch-logs")).await;
    let o = run(&[
        "--logging-profile",
        "lean",
        "--delivery",
        "s3",
        "--bucket",
        "delivery-bucket",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("execution logging OFF → ERROR"),
        "{}",
        text(&o.stdout)
    );
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("PutDeliverySource"), "{err}");
}
