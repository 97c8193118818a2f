//! API Gateway v2 `UpdateStage`, which moto 5.2.5 does not implement: the requests `setup-logging` sends for
//! HTTP and WebSocket stages, checked with scripted SDK responses (aws-smithy-mocks).

use std::sync::{Arc, Mutex};

use apigw_log_indexer::aws::apigateway::ApiGateway;
use apigw_log_indexer::onboard::format::{HTTP_FORMAT, WEBSOCKET_FORMAT};
use apigw_log_indexer::ports::{AccessLogSetting, ApiStages, ApiType, LogLevel, LoggingChange, StageConfig};
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::operation::get_stage::GetStageOutput;
use aws_sdk_apigatewayv2::operation::update_stage::{UpdateStageInput, UpdateStageOutput};
use aws_sdk_apigatewayv2::types::{LoggingLevel, RouteSettings};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

fn gateway(rules: &[&Rule]) -> ApiGateway {
    let v2: Client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, rules);
    // REST calls are not expected: a client that could only fail.
    let v1 = aws_sdk_apigateway::Client::from_conf(
        aws_sdk_apigateway::Config::builder()
            .behavior_version(aws_sdk_apigateway::config::BehaviorVersion::latest())
            .region(aws_sdk_apigateway::config::Region::new("eu-west-1"))
            .endpoint_url("http://127.0.0.1:1")
            .build(),
    );
    ApiGateway::new(v1, v2)
}

fn stage(api_type: ApiType) -> StageConfig {
    StageConfig {
        api_type,
        api_id: "a1".into(),
        api_name: "a".into(),
        stage: "$default".into(),
        logging_level: (api_type == ApiType::WebSocket).then_some(LogLevel::Off),
        data_trace: false,
        access_log: None,
        integrations: Vec::new(),
    }
}

fn access(format: &str) -> AccessLogSetting {
    AccessLogSetting {
        destination_arn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/access-logs-a1-_default".into(),
        format: format.into(),
    }
}

type Sent = Arc<Mutex<Vec<UpdateStageInput>>>;

fn recording_update(sent: Sent) -> Rule {
    mock!(Client::update_stage)
        .match_requests(move |input| {
            sent.lock().unwrap().push(input.clone());
            true
        })
        .then_output(|| UpdateStageOutput::builder().build())
}

#[tokio::test]
async fn an_http_stage_gets_its_access_log_and_no_route_settings() {
    let sent: Sent = Arc::default();
    let update = recording_update(sent.clone());
    let change = LoggingChange {
        access_log: Some(access(HTTP_FORMAT)),
        ..LoggingChange::default()
    };
    gateway(&[&update])
        .update_logging(&stage(ApiType::Http), &change)
        .await
        .unwrap();
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 1);
    let req = &sent[0];
    assert_eq!((req.api_id(), req.stage_name()), (Some("a1"), Some("$default")));
    let log = req.access_log_settings().unwrap();
    assert_eq!(log.format(), Some(HTTP_FORMAT));
    assert_eq!(
        log.destination_arn(),
        Some(access(HTTP_FORMAT).destination_arn.as_str())
    );
    assert!(
        req.default_route_settings().is_none(),
        "HTTP APIs have no execution logging"
    );
}

#[tokio::test]
async fn a_websocket_stage_keeps_its_throttling_when_logging_is_turned_on() {
    let sent: Sent = Arc::default();
    let update = recording_update(sent.clone());
    let current = mock!(Client::get_stage).then_output(|| {
        GetStageOutput::builder()
            .stage_name("$default")
            .default_route_settings(
                RouteSettings::builder()
                    .throttling_burst_limit(50)
                    .throttling_rate_limit(25.0)
                    .logging_level(LoggingLevel::Off)
                    .build(),
            )
            .build()
    });
    let change = LoggingChange {
        level: Some(LogLevel::Info),
        data_trace: Some(true),
        access_log: Some(access(WEBSOCKET_FORMAT)),
    };
    gateway(&[&update, &current])
        .update_logging(&stage(ApiType::WebSocket), &change)
        .await
        .unwrap();
    let sent = sent.lock().unwrap();
    let route = sent[0].default_route_settings().unwrap();
    assert_eq!(route.logging_level(), Some(&LoggingLevel::Info));
    assert_eq!(route.data_trace_enabled(), Some(true));
    assert_eq!(
        (route.throttling_burst_limit(), route.throttling_rate_limit()),
        (Some(50), Some(25.0))
    );
    assert_eq!(sent[0].access_log_settings().unwrap().format(), Some(WEBSOCKET_FORMAT));
}
