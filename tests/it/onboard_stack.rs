//! `--stack NAME` / `APIGW_LOGS_STACK` against a stack created in moto: the index commands work without
//! `--table`, `metrics` reads the stack's namespace, explicit options win, and a missing stack or output
//! says so.

use crate::dynamodb_cli::events as event;
use crate::onboard_moto::{cli, sdk, stack, text};

#[tokio::test(flavor = "multi_thread")]
async fn the_stack_outputs_replace_table_namespace_and_function() {
    const REGION: &str = "us-west-2";
    let s = stack(REGION, "onb-stack").await;
    let o = cli(REGION, &["create-table", "--stack", &s.name]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).trim(), format!("created table {}", s.table));
    let o = cli(
        REGION,
        &[
            "replay",
            &event("workshop-exec.json"),
            &event("workshop-lambda.json"),
            "--stack",
            &s.name,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let window = ["--since", "3d", "--until", "2025-11-23T00:00:00Z"];
    let o = cli(
        REGION,
        &[&["failures", "--json", "--stack", &s.name][..], &window].concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let first: serde_json::Value = serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(text(&o.stdout).lines().count(), 7);
    let id = first["request_id"].as_str().unwrap().to_string();

    // The environment variable works as the option does.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_apigw-logs"));
    let o = cmd
        .args([
            "lookup",
            &id,
            "--endpoint-url",
            crate::moto::endpoint(),
            "--region",
            REGION,
        ])
        .env("APIGW_LOGS_STACK", &s.name)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("INDEX_TABLE")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("502 LambdaTimeout"), "{}", text(&o.stdout));

    // metrics reads the namespace from the stack (the 2025 events are too old for CloudWatch: no data).
    let o = cli(REGION, &["metrics", "--stack", &s.name, "--since", "1h"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with(&format!("{}, ", s.namespace)),
        "{}",
        text(&o.stdout)
    );

    // An explicit --table wins over the stack's.
    let o = cli(
        REGION,
        &["lookup", &id, "--stack", &s.name, "--table", "it-no-such-table"],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("it-no-such-table"), "{}", text(&o.stderr));

    // doctor and subscribe find the function through the stack too.
    let o = cli(
        REGION,
        &["subscribe", "--stack", &s.name, "--prefix", "/aws/lambda/", "--dry-run"],
    );
    assert!(
        text(&o.stdout).contains(&format!("skipped {}", s.indexer_group())),
        "{}",
        text(&o.stdout)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_stack_or_output_or_table_is_one_clear_line() {
    const REGION: &str = "us-west-2";
    let o = cli(REGION, &["lookup", "x", "--stack", "it-no-such-stack"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("stack it-no-such-stack does not exist"), "{err}");

    let o = cli(REGION, &["lookup", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--table NAME") && text(&o.stderr).contains("--stack NAME"));

    // A stack that is not an indexer stack: no outputs.
    let name = crate::moto::table_name("onb-plain");
    let cfn = aws_sdk_cloudformation::Client::new(&sdk(REGION).await);
    let template = r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#;
    cfn.create_stack()
        .stack_name(&name)
        .template_body(template)
        .send()
        .await
        .unwrap();
    for args in [vec!["lookup", "x", "--stack", &name], vec!["doctor", "--stack", &name]] {
        let o = cli(REGION, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("has no output"), "{}", text(&o.stderr));
    }
}
