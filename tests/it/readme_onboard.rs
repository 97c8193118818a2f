//! Every command of the README's "Onboard your APIs" block, run as written against moto (placeholders
//! replaced by a fresh REST stage, the stack by one created in moto), with the exit codes the comments promise.

use std::path::Path;
use std::process::Command;

use crate::onboard_moto::{ACCOUNT, rest_api, set_cloudwatch_role, stack, text};

/// The shell lines of the README section's code block, comments removed.
fn section_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## Onboard your APIs").unwrap()..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let block = section.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    block
        .lines()
        .map(|l| l.split(" # ").next().unwrap().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_onboarding_commands_work_as_shown() {
    const REGION: &str = "ap-northeast-1";
    let s = stack(REGION, "onb-readme").await;
    let api = rest_api(REGION, &s.name, &s.function_arn(&s.backend), "prod").await;
    // What doctor's first line asks for, done beforehand: the account's API Gateway CloudWatch role.
    set_cloudwatch_role(REGION, &format!("arn:aws:iam::{ACCOUNT}:role/apigw-cloudwatch-logs")).await;

    let commands = section_commands();
    assert_eq!(commands.len(), 4, "{commands:?}");
    let mut stack_env = None;
    let mut ran = Vec::new();
    // Then the check `docs/deploy.md` suggests: the stage's groups are now subscribed.
    let dry_run = "apigw-logs subscribe --dry-run".to_string();
    for line in commands.iter().chain([&dry_run]) {
        if let Some(v) = line.strip_prefix("export APIGW_LOGS_STACK=") {
            assert_eq!(v, "apigw-log-indexer", "the README names the default stack");
            stack_env = Some(s.name.clone());
            continue;
        }
        let line = line.replace("<API_ID>", &api).replace("<STAGE>", "prod");
        let mut words = line.split_whitespace();
        assert_eq!(words.next(), Some("apigw-logs"), "{line}");
        let o = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
            .args(words)
            .args(["--endpoint-url", crate::moto::endpoint(), "--region", REGION])
            .env("APIGW_LOGS_STACK", stack_env.as_deref().expect("export comes first"))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("INDEX_TABLE")
            .output()
            .unwrap();
        ran.push((line.clone(), o.status.code(), text(&o.stdout), text(&o.stderr)));
    }
    let codes: Vec<Option<i32>> = ran.iter().map(|r| r.1).collect();
    // doctor finds the unconfigured stage; setup-logging fixes it; doctor on it is clean; the dry run lists.
    assert_eq!(codes, [Some(1), Some(0), Some(0), Some(0)], "{ran:#?}");
    assert!(
        ran[0].2.contains(&format!("REST {api}/prod: execution logging is OFF")),
        "{}",
        ran[0].2
    );
    assert!(
        ran[3]
            .2
            .contains(&format!("already subscribed API-Gateway-Execution-Logs_{api}/prod")),
        "{}",
        ran[3].2
    );
}
