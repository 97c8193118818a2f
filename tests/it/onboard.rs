//! `doctor`, `setup-logging` and `subscribe` as a user runs them, over the wire against moto: a REST stage
//! doctor flags is clean after setup-logging; an HTTP API judged by its access log alone; subscribe by
//! prefix takes exactly the matching groups and never the indexer's own.

use apigw_log_indexer::onboard::format::{HTTP_FORMAT, REST_FORMAT};
use aws_sdk_apigatewayv2::types::{AccessLogSettings, IntegrationType, ProtocolType, RouteSettings};

use crate::onboard_moto::{
    ACCOUNT, checks, cli, create_group, filters, output, rest_api, sdk, set_cloudwatch_role, stack, text,
};

fn fixes(found: &[(String, String)]) -> Vec<&str> {
    let mut v: Vec<&str> = found
        .iter()
        .filter(|(s, _)| s == "fix")
        .map(|(_, c)| c.as_str())
        .collect();
    v.sort_unstable();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rest_stage_that_doctor_flags_is_clean_after_setup_logging() {
    const REGION: &str = "eu-west-3";
    let s = stack(REGION, "onb-rest").await;
    let api = rest_api(REGION, &s.name, &s.function_arn(&s.backend), "dev").await;
    set_cloudwatch_role(REGION, "").await;
    let queue = output(REGION, &s.name, "OnFailureQueueUrl").await;
    let sqs = aws_sdk_sqs::Client::new(&sdk(REGION).await);
    sqs.send_message()
        .queue_url(&queue)
        .message_body("{}")
        .send()
        .await
        .unwrap();

    let o = cli(REGION, &["doctor", "--api", &api, "--stack", &s.name, "--json"]);
    assert_eq!(o.status.code(), Some(1), "findings are exit 1: {}", text(&o.stderr));
    assert_eq!(
        fixes(&checks(&o)),
        [
            "access_log_missing",
            "cloudwatch_role_missing",
            "execution_logging_off",
            "failed_batches_waiting",
            "log_group_missing",
        ]
    );
    let o = cli(REGION, &["doctor", "--api", &api, "--stack", &s.name]);
    let human = text(&o.stdout);
    let setup = format!("apigw-logs setup-logging --api {api} --stage dev");
    for line in human.lines() {
        assert!(line.contains(" → "), "one line per finding, with its fix: {line}");
        if line.starts_with("REST ") {
            assert!(line.contains(&setup), "{line}");
        }
    }

    // Execution logging needs the account's role: refused before anything changes, with the fix.
    let o = cli(
        REGION,
        &["setup-logging", "--api", &api, "--stage", "dev", "--stack", &s.name],
    );
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("CloudWatch Logs role") && err.contains("update-account"),
        "{err}"
    );

    set_cloudwatch_role(REGION, &format!("arn:aws:iam::{ACCOUNT}:role/apigw-cloudwatch-logs")).await;
    sqs.purge_queue().queue_url(&queue).send().await.unwrap();
    let args = [
        "setup-logging",
        "--api",
        &api,
        "--stage",
        "dev",
        "--logging-profile",
        "lean",
        "--stack",
        &s.name,
    ];
    let o = cli(REGION, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let exec = format!("API-Gateway-Execution-Logs_{api}/dev");
    let access = format!("/aws/apigateway/access-logs-{api}-dev");
    let lambda = format!("/aws/lambda/{}", s.backend);
    for want in [
        "execution logging OFF → ERROR".to_string(),
        format!("created access log group {access}"),
        format!("subscribed {exec}"),
        format!("subscribed {access}"),
        format!("subscribed {lambda}"),
    ] {
        assert!(out.contains(&want), "{want:?} in {out}");
    }

    // What API Gateway, CloudWatch Logs and Lambda now hold.
    let apigw = aws_sdk_apigateway::Client::new(&sdk(REGION).await);
    let stage = apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let all = &stage.method_settings().unwrap()["*/*"];
    assert_eq!((all.logging_level(), all.data_trace_enabled()), (Some("ERROR"), false));
    let log = stage.access_log_settings().unwrap();
    assert_eq!(log.format(), Some(REST_FORMAT));
    assert_eq!(log.destination_arn().unwrap(), s.group_arn(&access));
    let ours = vec![(s.indexer.clone(), s.function_arn(&s.indexer))];
    for g in [&exec, &access, &lambda] {
        assert_eq!(filters(REGION, g).await, ours, "{g}");
    }
    let lambda_api = aws_sdk_lambda::Client::new(&sdk(REGION).await);
    let policy = lambda_api.get_policy().function_name(&s.indexer).send().await.unwrap();
    assert!(
        policy.policy().unwrap().contains("log-group:*"),
        "{:?}",
        policy.policy()
    );

    let o = cli(REGION, &["doctor", "--api", &api, "--stack", &s.name]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "clean: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(text(&o.stdout), "");

    // Idempotent: a second run changes nothing.
    let o = cli(REGION, &args);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("nothing to change"), "{}", text(&o.stderr));
    assert!(!text(&o.stdout).contains("created") && !text(&o.stdout).contains(" → "));
    for g in [&exec, &access, &lambda] {
        assert_eq!(filters(REGION, g).await, ours, "still one filter: {g}");
    }
    let policy = lambda_api.get_policy().function_name(&s.indexer).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().matches("logs.amazonaws.com").count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_api_stage_is_judged_by_its_access_log_and_a_websocket_one_by_both() {
    const REGION: &str = "ap-south-1";
    let s = stack(REGION, "onb-http").await;
    let v2 = aws_sdk_apigatewayv2::Client::new(&sdk(REGION).await);
    let api = v2
        .create_api()
        .name(&s.name)
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let id = api.api_id().unwrap().to_string();
    v2.create_integration()
        .api_id(&id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(s.function_arn(&s.backend))
        .payload_format_version("2.0")
        .send()
        .await
        .unwrap();
    let good_group = format!("/aws/apigateway/{id}-good");
    create_group(REGION, &good_group).await;
    let preset = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}"#;
    for (stage, format) in [("bare", None), ("preset", Some(preset)), ("good", Some(HTTP_FORMAT))] {
        let mut req = v2.create_stage().api_id(&id).stage_name(stage);
        if let Some(f) = format {
            req = req.access_log_settings(
                AccessLogSettings::builder()
                    .destination_arn(s.group_arn(&good_group))
                    .format(f)
                    .build(),
            );
        }
        req.send().await.unwrap();
    }

    let o = cli(REGION, &["doctor", "--api", &id, "--stack", &s.name, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let found = checks(&o);
    assert_eq!(
        fixes(&found),
        [
            "access_log_format_fields",
            "access_log_missing",
            "log_group_missing",
            "not_subscribed"
        ],
        "HTTP APIs need no execution logging and no account role: {found:?}"
    );

    // The good stage's format is complete: setup-logging only creates and subscribes groups.
    let o = cli(
        REGION,
        &["setup-logging", "--api", &id, "--stage", "good", "--stack", &s.name],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = cli(REGION, &["doctor", "--api", &id, "--stage", "good", "--stack", &s.name]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));

    let ws = v2
        .create_api()
        .name(format!("{}-ws", s.name))
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .unwrap();
    let ws_id = ws.api_id().unwrap().to_string();
    v2.create_stage()
        .api_id(&ws_id)
        .stage_name("prod")
        .default_route_settings(RouteSettings::builder().logging_level("OFF".into()).build())
        .send()
        .await
        .unwrap();
    let o = cli(REGION, &["doctor", "--api", &ws_id, "--stack", &s.name, "--json"]);
    let found = checks(&o);
    assert!(
        fixes(&found).contains(&"execution_logging_off") && fixes(&found).contains(&"access_log_missing"),
        "{found:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribe_by_prefix_subscribes_exactly_the_matching_groups() {
    const REGION: &str = "ca-central-1";
    let s = stack(REGION, "onb-sub").await;
    let exec = [
        format!("API-Gateway-Execution-Logs_{}x/dev", s.name),
        format!("API-Gateway-Execution-Logs_{}y/prod", s.name),
    ];
    let backend = format!("/aws/lambda/{}", s.backend);
    let full = format!("/aws/lambda/{}-full", s.name);
    let unrelated = format!("/aws/other/{}", s.name);
    for g in exec.iter().chain([&backend, &full, &unrelated]) {
        create_group(REGION, g).await;
    }
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(REGION).await);
    let foreign: Vec<(String, String)> = s
        .others
        .iter()
        .map(|o| (format!("to-{o}"), s.function_arn(o)))
        .collect();
    for (name, dest) in &foreign {
        logs.put_subscription_filter()
            .log_group_name(&full)
            .filter_name(name)
            .filter_pattern("")
            .destination_arn(dest)
            .send()
            .await
            .unwrap();
    }
    let exec_prefix = format!("API-Gateway-Execution-Logs_{}", s.name);
    let lambda_prefix = format!("/aws/lambda/{}", s.name);
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "subscribe",
            "--stack",
            &s.name,
            "--prefix",
            &exec_prefix,
            "--prefix",
            &lambda_prefix,
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        v.extend(extra.iter().map(|x| x.to_string()));
        v
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        cli(REGION, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let actions = |o: &std::process::Output| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = text(&o.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["log_group"].as_str().unwrap().into(),
                    v["action"].as_str().unwrap().into(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let expect = |subscribe: &str| {
        let mut v = vec![
            (exec[0].clone(), subscribe.to_string()),
            (exec[1].clone(), subscribe.to_string()),
            (backend.clone(), subscribe.to_string()),
            (full.clone(), "skipped_filter_limit".to_string()),
            (s.indexer_group(), "skipped_own_group".to_string()),
        ];
        v.sort();
        v
    };

    let o = run(&["--dry-run", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(actions(&o), expect("would_subscribe"));
    for g in exec.iter().chain([&backend, &unrelated]) {
        assert_eq!(filters(REGION, g).await, [], "a dry run changes nothing: {g}");
    }

    let o = run(&["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(actions(&o), expect("subscribed"));
    let ours = vec![(s.indexer.clone(), s.function_arn(&s.indexer))];
    for g in exec.iter().chain([&backend]) {
        assert_eq!(filters(REGION, g).await, ours, "{g}");
    }
    assert_eq!(
        filters(REGION, &s.indexer_group()).await,
        [],
        "never the indexer's own group"
    );
    assert_eq!(filters(REGION, &full).await, foreign, "other filters left alone");
    assert_eq!(filters(REGION, &unrelated).await, [], "not selected");

    let o = run(&["--json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(actions(&o).iter().filter(|(_, a)| a == "already_subscribed").count(), 3);

    let o = cli(
        REGION,
        &["subscribe", "--stack", &s.name, "--prefix", "/no/such/prefix/"],
    );
    assert_eq!(o.status.code(), Some(1), "nothing matched");
    let o = cli(REGION, &["subscribe", "--prefix", &exec_prefix]);
    assert_eq!(o.status.code(), Some(2), "no indexer named: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--function") && text(&o.stderr).contains("--stack"));
}
