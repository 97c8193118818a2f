//! A member account's one-command set-up, as a user runs it over the wire against moto: `apigw-logs
//! subscribe --destination ARN` points the selected groups' filters at a central account's CloudWatch Logs
//! destination, with no permission step and no indexer in the member account; a rerun changes nothing.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::onboard_moto::{ACCOUNT, cli, create_group, filters, sdk, text};

#[tokio::test(flavor = "multi_thread")]
async fn subscribe_to_a_destination_points_the_selected_groups_at_it() {
    const REGION: &str = "ap-southeast-2";
    let n = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() % 1_000_000_000;
    let prefix = format!("API-Gateway-Execution-Logs_m{n}");
    let groups = [format!("{prefix}/dev"), format!("{prefix}/prod")];
    let unrelated = format!("/aws/other/m{n}");
    for g in groups.iter().chain([&unrelated]) {
        create_group(REGION, g).await;
    }
    let name = format!("central-{n}");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(REGION).await);
    let destination = logs
        .put_destination()
        .destination_name(&name)
        .target_arn(format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"))
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{name}"))
        .send()
        .await
        .unwrap()
        .destination
        .and_then(|d| d.arn)
        .unwrap();
    // moto checks a filter's `logs` destination by looking up a log group named like the destination's
    // resource (it does not model destinations there): this group stands in for that check only.
    create_group(REGION, &name).await;

    let run = |extra: &[&str]| {
        let mut args = vec![
            "subscribe",
            "--destination",
            &destination,
            "--prefix",
            &prefix,
            "--json",
        ];
        args.extend(extra);
        cli(REGION, &args)
    };
    let actions = |o: &std::process::Output| -> Vec<(String, String)> {
        text(&o.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["log_group"].as_str().unwrap().into(),
                    v["action"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let each = |action: &str| {
        groups
            .iter()
            .map(|g| (g.clone(), action.to_string()))
            .collect::<Vec<_>>()
    };

    let o = run(&["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(actions(&o), each("would_subscribe"));
    assert_eq!(filters(REGION, &groups[0]).await, [], "a dry run changes nothing");

    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(actions(&o), each("subscribed"));
    for g in &groups {
        assert_eq!(filters(REGION, g).await, [(name.clone(), destination.clone())], "{g}");
    }
    assert_eq!(filters(REGION, &unrelated).await, [], "not selected");

    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(actions(&o), each("already_subscribed"), "a rerun changes nothing");

    // Not a destination ARN: a usage error naming the option, and nothing is touched.
    let bad = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
    let o = cli(REGION, &["subscribe", "--destination", &bad, "--prefix", &unrelated]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--destination"), "{}", text(&o.stderr));
    assert_eq!(filters(REGION, &unrelated).await, []);
}

/// The CLI against moto with test credentials and `INDEXER_ACCOUNT_ID` as the template sets it for the function.
fn cli_as_indexer(table: &str, args: &[&str]) -> std::process::Output {
    crate::dynamodb_cli::run_with(table, args, &[("INDEXER_ACCOUNT_ID", ACCOUNT)])
}

#[test]
fn lookup_names_the_account_a_members_request_came_from_and_not_the_indexers_own() {
    let table = crate::moto::table_name("central");
    let member = "210987654321";
    let (theirs, ours) = (
        "6a0e7c2d-2222-4222-8333-444455556666",
        "2f0f3a2e-2222-4a8e-9d3f-0a1b2c3d4e5f",
    );
    let dir = std::env::temp_dir().join(format!("apigw-central-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (owner, rid) in [(member, theirs), (ACCOUNT, ours)] {
        let mut payload = apigw_log_indexer::encode::data_payload(
            "API-Gateway-Execution-Logs_a1b2c3d4e5/dev",
            &format!("stream-{owner}"),
            1_700_000_000_000,
            vec![(0, format!("({rid}) Method completed with status: 502"))],
        );
        payload.owner = owner.into();
        let file = dir.join(format!("{owner}.json"));
        std::fs::write(&file, apigw_log_indexer::encode::lambda_event(&payload)).unwrap();
        files.push(file.to_str().unwrap().to_string());
    }
    let o = cli_as_indexer(&table, &["create-table"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut replay = vec!["replay"];
    replay.extend(files.iter().map(String::as_str));
    let o = cli_as_indexer(&table, &replay);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let o = cli_as_indexer(&table, &["lookup", theirs]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l.split_whitespace().eq(["account", member])),
        "{}",
        text(&o.stdout)
    );
    let o = cli_as_indexer(&table, &["lookup", theirs, "--json"]);
    let record: serde_json::Value = serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(record["source_account"], member);

    let o = cli_as_indexer(&table, &["lookup", ours]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!text(&o.stdout).contains("account "), "{}", text(&o.stdout));
    let o = cli_as_indexer(&table, &["lookup", ours, "--json"]);
    let record: serde_json::Value = serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(record["source_account"], serde_json::Value::Null);
}
