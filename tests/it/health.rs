//! `apigw-logs health` over the wire: the generator's traffic indexed into moto's CloudWatch, its function
//! deployed in moto with the generator's 1 s timeout; `health` reads both and reports the timeout at risk
//! with the truth's slowest successful call.

use std::time::{Duration, Instant};

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::pipeline::{Delivery, process_delivery};
use serde_json::Value;

use crate::helpers::services;
use crate::moto;
use crate::onboard_moto::{cli, sdk, text};

const REGION: &str = "eu-north-1";

/// Deploys the generator's function (Timeout 1 s, MemorySize 128 MB) with CloudFormation, as a stack would.
async fn deploy_function(region: &str) {
    let template = serde_json::json!({
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
            }}},
            "Function": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": apigw_traffic::shape::FUNCTION, "Runtime": "python3.12", "Handler": "index.handler",
                "Timeout": 1, "MemorySize": 128,
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": "def handler(event, context):\n    return None\n"}
            }}
        }
    });
    // A moto server may outlive a test run: the function's name is the generator's, so a rerun replaces it.
    let lambda = aws_sdk_lambda::Client::new(&sdk(region).await);
    let _gone = lambda
        .delete_function()
        .function_name(apigw_traffic::shape::FUNCTION)
        .send()
        .await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk(region).await);
    cfn.create_stack()
        .stack_name(moto::table_name("health"))
        .template_body(template.to_string())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn health_reports_the_function_running_close_to_its_timeout_with_the_truths_slowest_call() {
    deploy_function(REGION).await;
    let namespace = format!("ApiGatewayLogs/{}", moto::table_name("health"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let spec = crate::helpers::traffic(3, 200_000, 5, Some(now - 2 * 3_600_000));
    let generated = apigw_traffic::generate(&spec).unwrap();
    let sink = CloudWatchMetrics::new(aws_sdk_cloudwatch::Client::new(&sdk(REGION).await), &namespace);
    let s = services(MemoryIndex::new(), sink, MemoryIndex::new(), None);
    for b in &generated.batches {
        let deadline = Instant::now() + Duration::from_secs(60);
        process_delivery(&s, Delivery::Event(b.event.as_bytes()), deadline)
            .await
            .unwrap();
    }
    let slowest_ok = generated
        .truth
        .iter()
        .filter(|t| t.failure_reason != Some("LambdaTimeout"))
        .filter_map(|t| t.invocation)
        .map(|i| i.duration_centi_ms as f64 / 100.0)
        .reduce(f64::max)
        .unwrap();
    assert!(
        slowest_ok >= 800.0,
        "the generator's calls run close to 1 s: {slowest_ok}"
    );

    let health = |extra: &[&str]| {
        let mut args = vec!["health", "--namespace", &namespace];
        args.extend_from_slice(extra);
        cli(REGION, &args)
    };
    let o = health(&[]);
    assert_eq!(o.status.code(), Some(1), "a limit at risk: {}", text(&o.stderr));
    let out = text(&o.stdout);
    let function = apigw_traffic::shape::FUNCTION;
    let want = format!(
        "function {function}: max duration {} ms of its 1,000 ms timeout ({:.0}%); raise Timeout or look at the slow calls\n",
        slowest_ok.round(),
        slowest_ok / 10.0
    );
    assert_eq!(
        out, want,
        "only the timeout is at risk (memory ≤ 90 of 128 MB, init ≤ 260 ms)"
    );
    assert!(
        text(&o.stderr).contains("1 limit at or above 80% (1 function, 1 stage"),
        "{}",
        text(&o.stderr)
    );

    let o = health(&["--json"]);
    let v: Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(
        (v["limit"].as_str(), v["source"].as_str(), v["limit_value"].as_f64()),
        (Some("timeout"), Some("configuration"), Some(1_000.0))
    );
    assert_eq!(v["max"].as_f64(), Some(slowest_ok));

    // Below the threshold nothing is at risk: exit 0, no lines.
    let o = health(&["--threshold", "100"]);
    assert_eq!(
        (o.status.code(), text(&o.stdout)),
        (Some(0), String::new()),
        "{}",
        text(&o.stderr)
    );
    // An empty namespace: no data points, exit 1 with the window named.
    let o = cli(REGION, &["health", "--namespace", "Nothing/Here"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("no data points between"),
        "{}",
        text(&o.stderr)
    );
}
