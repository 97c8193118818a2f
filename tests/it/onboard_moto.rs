//! Fixtures for the onboarding tests against moto: each test gets its own region (the API Gateway account
//! settings and "every API in the region" are per region) and unique names (a moto server may outlive a
//! test run). The indexer and the other functions come from a CloudFormation stack, as in a deployment.

use std::process::{Command, Output};

use apigw_log_indexer::names::LAMBDA_GROUP_PREFIX;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

use crate::moto;

pub const ACCOUNT: &str = "123456789012";

/// The SDK configuration for moto in `region`, with test credentials.
pub async fn sdk(region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(moto::endpoint())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto-tests"))
        .load()
        .await
}

/// A deployed indexer stack in moto: the indexer function (with its log group), a backend function and two
/// other functions (destinations of foreign filters), the on-failure queue, and the outputs the CLI reads.
pub struct Stack {
    pub name: String,
    pub region: String,
    pub indexer: String,
    pub backend: String,
    pub others: [String; 2],
    pub table: String,
    pub namespace: String,
}

impl Stack {
    pub fn function_arn(&self, name: &str) -> String {
        format!("arn:aws:lambda:{}:{ACCOUNT}:function:{name}", self.region)
    }

    pub fn indexer_group(&self) -> String {
        format!("{LAMBDA_GROUP_PREFIX}{}", self.indexer)
    }

    pub fn group_arn(&self, group: &str) -> String {
        format!("arn:aws:logs:{}:{ACCOUNT}:log-group:{group}", self.region)
    }
}

fn function(name: &str) -> serde_json::Value {
    serde_json::json!({
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name, "Runtime": "python3.12", "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return None\n"}
        }
    })
}

/// Creates the stack (moto creates it synchronously).
pub async fn stack(region: &str, test: &str) -> Stack {
    let id = moto::table_name(test);
    let s = Stack {
        name: id.clone(),
        region: region.to_string(),
        indexer: format!("{id}-indexer"),
        backend: format!("{id}-backend"),
        others: [format!("{id}-other1"), format!("{id}-other2")],
        table: format!("{id}-table"),
        namespace: format!("ApiGatewayLogs/{id}"),
    };
    let template = serde_json::json!({
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
            }}},
            "IndexerFunction": function(&s.indexer),
            "IndexerLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": s.indexer_group()}},
            "Backend": function(&s.backend),
            "Other1": function(&s.others[0]),
            "Other2": function(&s.others[1]),
            "OnFailureQueue": {"Type": "AWS::SQS::Queue"}
        },
        "Outputs": {
            "IndexerFunctionArn": {"Value": {"Fn::GetAtt": ["IndexerFunction", "Arn"]}},
            "OnFailureQueueUrl": {"Value": {"Ref": "OnFailureQueue"}},
            "IndexTableName": {"Value": s.table.clone()},
            "MetricsNamespace": {"Value": s.namespace.clone()}
        }
    });
    let cfn = aws_sdk_cloudformation::Client::new(&sdk(region).await);
    cfn.create_stack()
        .stack_name(&s.name)
        .template_body(template.to_string())
        .send()
        .await
        .unwrap();
    s
}

/// Runs the CLI against moto in `region`, test credentials for the child only.
pub fn cli(region: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(args)
        .args(["--endpoint-url", moto::endpoint(), "--region", region])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("INDEX_TABLE")
        .env_remove("APIGW_LOGS_STACK")
        .env_remove("METRICS_NAMESPACE")
        .output()
        .unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The checks a `doctor --json` run reported, with their severities.
pub fn checks(o: &Output) -> Vec<(String, String)> {
    text(&o.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (
                v["severity"].as_str().unwrap().to_string(),
                v["check"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A REST API with `GET /items` behind a Lambda proxy integration to `function_arn`, deployed to `stage`
/// with nothing configured for logging. Returns its ID.
pub async fn rest_api(region: &str, name: &str, function_arn: &str, stage: &str) -> String {
    rest_api_timing_out(region, name, function_arn, stage, None).await
}

/// [`rest_api`] whose integration sets `timeoutInMillis` when given.
pub async fn rest_api_timing_out(
    region: &str,
    name: &str,
    function_arn: &str,
    stage: &str,
    timeout_ms: Option<i32>,
) -> String {
    let c = aws_sdk_apigateway::Client::new(&sdk(region).await);
    let api = c.create_rest_api().name(name).send().await.unwrap();
    let id = api.id().unwrap().to_string();
    let resources = c.get_resources().rest_api_id(&id).send().await.unwrap();
    let root = resources.items()[0].id().unwrap().to_string();
    let items = c
        .create_resource()
        .rest_api_id(&id)
        .parent_id(root)
        .path_part("items")
        .send()
        .await
        .unwrap();
    let rid = items.id().unwrap();
    c.put_method()
        .rest_api_id(&id)
        .resource_id(rid)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    c.put_integration()
        .rest_api_id(&id)
        .resource_id(rid)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        ))
        .set_timeout_in_millis(timeout_ms)
        .send()
        .await
        .unwrap();
    c.create_deployment()
        .rest_api_id(&id)
        .stage_name(stage)
        .send()
        .await
        .unwrap();
    id
}

/// Sets (or, with `""`, clears) the region's API Gateway CloudWatch role.
pub async fn set_cloudwatch_role(region: &str, role_arn: &str) {
    let c = aws_sdk_apigateway::Client::new(&sdk(region).await);
    c.update_account()
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/cloudwatchRoleArn")
                .value(role_arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// One output of a stack.
pub async fn output(region: &str, stack: &str, key: &str) -> String {
    let cfn = aws_sdk_cloudformation::Client::new(&sdk(region).await);
    let out = cfn.describe_stacks().stack_name(stack).send().await.unwrap();
    out.stacks()[0]
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some(key))
        .and_then(|o| o.output_value())
        .unwrap()
        .to_string()
}

/// `(filter name, destination)` of each subscription filter of `group`.
pub async fn filters(region: &str, group: &str) -> Vec<(String, String)> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(region).await);
    let out = logs
        .describe_subscription_filters()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    out.subscription_filters()
        .iter()
        .map(|f| {
            (
                f.filter_name().unwrap().to_string(),
                f.destination_arn().unwrap().to_string(),
            )
        })
        .collect()
}

pub async fn create_group(region: &str, group: &str) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(region).await);
    logs.create_log_group().log_group_name(group).send().await.unwrap();
}
