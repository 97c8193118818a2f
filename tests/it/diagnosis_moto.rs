//! `lookup` reads the configuration its diagnosis can use over the wire (moto): the function's Timeout and
//! MemorySize (Lambda GetFunctionConfiguration) and a REST method's integration timeout (API Gateway
//! GetResources, GetIntegration), and `failures --explain` the integration timeout; a read that fails is said
//! once on stderr and never fails the command.

use serde_json::Value;

use crate::cli::TempDir;
use crate::helpers::event;
use crate::moto;
use crate::onboard_moto::{ACCOUNT, cli, rest_api_timing_out, sdk, text};

const REGION: &str = "ap-southeast-4";

/// A function with `Timeout: 60` and `MemorySize: 512`, from a stack as in a deployment.
async fn function(name: &str) {
    let template = serde_json::json!({"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        }}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": name, "Runtime": "python3.12", "Handler": "index.handler", "Timeout": 60, "MemorySize": 512,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return None\n"}
        }}
    }});
    aws_sdk_cloudformation::Client::new(&sdk(REGION).await)
        .create_stack()
        .stack_name(name)
        .template_body(template.to_string())
        .send()
        .await
        .unwrap();
}

fn lookup(table: &str, id: &str, extra: &[&str]) -> (Value, String) {
    let mut args = vec!["lookup", id, "--json", "--table", table];
    args.extend(extra);
    let o = cli(REGION, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let api = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["kind"] == "api")
        .expect("the API record");
    (api, text(&o.stderr))
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn fact<'v>(record: &'v Value, name: &str) -> Option<&'v Value> {
    record["diagnosis"]["facts"]
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
}

#[test]
fn lookup_diagnoses_with_the_configuration_it_can_read_and_says_once_what_it_could_not() {
    let name = moto::table_name("diag");
    let gone = format!("{name}-gone");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let api_id = rt.block_on(async {
        function(&name).await;
        // GET /items behind the function, its integration timing out after 10,000 ms.
        let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
        rest_api_timing_out(REGION, &name, &arn, "dev", Some(10_000)).await
    });
    let table = format!("{name}-table");
    let o = cli(REGION, &["create-table", "--table", &table]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    // Three requests: a Lambda timeout of the deployed function, one of a function that does not exist, and
    // an integration timeout of GET /items.
    let (timed_out, orphan, gave_up) = (
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
        "33333333-3333-4333-8333-333333333333",
    );
    let (lrid, lrid_gone) = (
        "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
        "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
    );
    let failed = |rid: &str, l: &str| {
        [
            format!("({rid}) HTTP Method: GET, Resource Path: /items"),
            format!(
                "({rid}) Lambda execution failed with status 200 due to customer function error: \
                 2025-11-21T12:11:01.022Z {l} Task timed out after 1.00 seconds. Lambda request id: {l}"
            ),
            format!("({rid}) Method completed with status: 502"),
        ]
    };
    let mut exec: Vec<String> = failed(timed_out, lrid)
        .into_iter()
        .chain(failed(orphan, lrid_gone))
        .collect();
    exec.extend([
        format!("({gave_up}) HTTP Method: GET, Resource Path: /items"),
        format!("({gave_up}) Execution failed due to a timeout error"),
        format!("({gave_up}) Method completed with status: 504"),
    ]);
    let report = |l: &str| {
        [
            format!("START RequestId: {l} Version: $LATEST"),
            format!("2025-11-21T12:11:01.022Z {l} Task timed out after 1.00 seconds"),
            format!(
                "REPORT RequestId: {l}\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tStatus: timeout"
            ),
        ]
    };
    let dir = TempDir::new("diagnosis-moto");
    let files = [
        dir.file(
            "exec.json",
            event(&format!("API-Gateway-Execution-Logs_{api_id}/dev"), &refs(&exec)).as_bytes(),
        ),
        dir.file(
            "lambda.json",
            event(&format!("/aws/lambda/{name}"), &refs(&report(lrid))).as_bytes(),
        ),
        dir.file(
            "gone.json",
            event(&format!("/aws/lambda/{gone}"), &refs(&report(lrid_gone))).as_bytes(),
        ),
    ];
    let mut args = vec!["replay", "--table", &table];
    args.extend(files.iter().map(String::as_str));
    let o = cli(REGION, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    // The deployed function: its Timeout was raised to 60 s since the invocation ran with 1 s.
    let (r, stderr) = lookup(&table, timed_out, &[]);
    assert!(!stderr.contains("configuration not read"), "{stderr}");
    assert_eq!(r["failure_reason"], "LambdaTimeout");
    assert_eq!(fact(&r, "timeout_ms").unwrap()["value"], 1000);
    let configured = fact(&r, "configured_timeout_s").expect("read from the function");
    assert_eq!(configured["value"], 60);
    assert_eq!(configured["source"], "GetFunctionConfiguration Timeout");

    // With --logs-only nothing is read.
    let (r, _) = lookup(&table, timed_out, &["--logs-only"]);
    assert!(fact(&r, "configured_timeout_s").is_none());
    assert_eq!(fact(&r, "timeout_ms").unwrap()["value"], 1000);

    // A function that is not there: said once, the diagnosis stands on the logs.
    let (r, stderr) = lookup(&table, orphan, &[]);
    assert_eq!(stderr.matches("configuration not read:").count(), 1, "{stderr}");
    assert!(stderr.contains(&gone), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        r["diagnosis"]["cause"]
            .as_str()
            .unwrap()
            .contains("1000 ms of its 1000 ms timeout")
    );

    // The integration timeout of GET /items.
    let (r, stderr) = lookup(&table, gave_up, &[]);
    assert!(!stderr.contains("configuration not read"), "{stderr}");
    assert_eq!(r["failure_reason"], "IntegrationTimeout");
    let limit = fact(&r, "integration_timeout_ms").unwrap();
    assert_eq!(
        (limit["value"].as_u64(), limit["source"].as_str()),
        (Some(10_000), Some("GetIntegration timeoutInMillis"))
    );
    assert!(
        r["diagnosis"]["cause"].as_str().unwrap().contains("after 10000 ms"),
        "{r:#}"
    );

    // failures --explain reads the same integration timeout (the events are from 2023-11-14).
    let window = ["--since", "2023-11-14T00:00:00Z", "--until", "2023-11-15T00:00:00Z"];
    let explain = |extra: &[&str]| {
        let mut args = vec!["failures", "--explain", "--table", &table];
        args.extend(window);
        args.extend(extra);
        let o = cli(REGION, &args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        (text(&o.stdout), text(&o.stderr))
    };
    let (out, stderr) = explain(&[]);
    assert!(!stderr.contains("configuration not read"), "{stderr}");
    assert_eq!(out.lines().count(), 3, "{out}");
    let line = out.lines().find(|l| l.contains(gave_up)).expect("the 504");
    assert!(line.contains("504  IntegrationTimeout"), "{line}");
    assert!(
        line.contains("cause: API Gateway gave up on the integration after 10000 ms"),
        "{line}"
    );
    let (out, _) = explain(&["--logs-only"]);
    let line = out.lines().find(|l| l.contains(gave_up)).expect("the 504");
    assert!(line.contains("after 29000 ms"), "{line}");
}
