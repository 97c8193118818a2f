//! `apigw-logs create-table`, `replay`, `lookup` and `failures` as a user runs them, against moto: output,
//! exit codes, and one-line errors for a missing table or an unreachable endpoint.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::moto;

pub fn events(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// Runs the CLI against `endpoint` with test credentials set for the child process only.
fn run_at(endpoint: &str, table: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(args)
        .args(["--table", table, "--endpoint-url", endpoint, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .envs(env.iter().copied())
        .env_remove("AWS_PROFILE")
        .env_remove("INDEX_TABLE")
        .output()
        .unwrap()
}

pub fn run(table: &str, args: &[&str]) -> Output {
    run_with(table, args, &[])
}

/// [`run`] with more environment variables (the function's configuration the CLI also reads).
pub fn run_with(table: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_at(moto::endpoint(), table, args, env)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn replay_then_lookup_a_502_by_either_id_shows_the_lambda_timeout() {
    let table = moto::table_name("cli");
    let o = run(&table, &["create-table"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&table, &["create-table"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "create-table is idempotent: {}",
        text(&o.stderr)
    );
    let (exec, lambda) = (events("workshop-exec.json"), events("workshop-lambda.json"));
    let o = run(&table, &["replay", &exec, &lambda]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("20 API request fragments (7 failed)"),
        "{}",
        text(&o.stdout)
    );

    let o = run(
        &table,
        &["failures", "--json", "--since", "3d", "--until", "2025-11-23T00:00:00Z"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let listed: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 7);
    let api_id = listed[0]["request_id"].as_str().unwrap().to_string();
    let lambda_id = listed[0]["lambda_request_id"].as_str().unwrap().to_string();

    for id in [&api_id, &lambda_id] {
        let o = run(&table, &["lookup", id]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(out.contains(&format!("API request {api_id}")), "{out}");
        assert!(out.contains("502 LambdaTimeout"), "{out}");
        assert!(out.contains(&format!("Lambda invocation {lambda_id}")), "{out}");
        assert!(out.contains("REPORT    duration 1000.00 ms, billed 1000 ms"), "{out}");
        assert!(out.contains("Task timed out after 1.00 seconds"), "{out}");
        assert!(out.contains("Method completed with status: 502"), "{out}");

        let o = run(&table, &["lookup", "--json", id]);
        let records: Vec<Value> = text(&o.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(
            (records[0]["kind"].as_str(), records[1]["kind"].as_str()),
            (Some("api"), Some("lambda"))
        );
        assert_eq!(records[0]["request_id"], api_id.as_str());
        assert_eq!(records[1]["api_request_id"], api_id.as_str());
        let lines = records[1]["lines"].as_array().unwrap();
        assert!(
            lines
                .iter()
                .all(|l| l["source"] == "lambda" && l["timestamp_ms"].is_i64())
        );
    }
}

#[test]
fn lookups_that_find_nothing_exit_1_and_aws_failures_exit_3_with_one_line() {
    let table = moto::table_name("cli-errors");
    assert_eq!(run(&table, &["create-table"]).status.code(), Some(0));
    let o = run(&table, &["lookup", "no-such-request"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("no request or invocation no-such-request"));
    let o = run(&table, &["failures", "--since", "1h"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));

    let o = run("it-missing-table", &["lookup", "x"]);
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("table it-missing-table does not exist"), "{err}");

    let o = run_at("http://127.0.0.1:1", &table, &["lookup", "x"], &[]);
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot reach DynamoDB") && err.contains("http://127.0.0.1:1"),
        "{err}"
    );

    let o = run(&table, &["replay", &events("corrupt-not-gzip.json")]);
    assert_eq!(o.status.code(), Some(2), "bad input is exit 2: {}", text(&o.stderr));
    let o = run(&table, &["failures", "--reason", "Bogus"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn lookup_and_failures_print_no_raw_control_character_from_a_hostile_request() {
    let table = moto::table_name("cli-ansi");
    assert_eq!(run(&table, &["create-table"]).status.code(), Some(0));
    let dir = std::env::temp_dir().join(format!("apigw-cli-ansi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let event = dir.join("hostile.json");
    std::fs::write(&event, crate::cli::hostile_event()).unwrap();
    let o = run(&table, &["replay", event.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let id = "6a0e1b7c-1f4d-4c3a-9a57-0c2d9e8f7a61";
    let o = run(&table, &["lookup", id]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    crate::cli::assert_terminal_safe(
        "lookup",
        &o.stdout,
        &[
            "{\"name\":\"\\u001b]0;pwned\\u0007\\u001b[2J\\u000dspoofed\\u007f\"}",
            "POST /pets\\u001b[2J\\u009b31m/x",
        ],
    );
    let o = run(&table, &["lookup", "--json", id]);
    crate::cli::assert_terminal_safe("lookup --json", &o.stdout, &[]);
    let api: Value = serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(
        api["resource_path"], "/pets\u{1b}[2J\u{9b}31m/x",
        "JSON keeps the exact text"
    );

    // helpers::event logs at 2023-11-14T22:13:20Z.
    let window = ["--since", "1d", "--until", "2023-11-15T12:00:00Z"];
    let o = run(&table, &[&["failures"], &window[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    crate::cli::assert_terminal_safe("failures", &o.stdout, &["POST /pets\\u001b[2J\\u009b31m/x"]);
    let o = run(&table, &[&["failures", "--json"], &window[..]].concat());
    crate::cli::assert_terminal_safe("failures --json", &o.stdout, &[]);
}

#[test]
fn lookup_of_a_timed_out_workshop_request_shows_its_gateway_overhead_and_where_the_time_went() {
    let table = moto::table_name("cli-time");
    assert_eq!(run(&table, &["create-table"]).status.code(), Some(0));
    let (exec, lambda, access) = (
        events("workshop-exec.json"),
        events("workshop-lambda.json"),
        events("workshop-access.json"),
    );
    // Successes in full: the cold start's timeline below needs its invocation, which `summary` (the default)
    // does not index when it is clean (`index::clean`).
    let replay = ["replay", "--success-storage", "full", &exec, &lambda, &access];
    assert_eq!(run(&table, &replay).status.code(), Some(0));
    // The fixture's own figures, offline: each timed-out request's latency (the access log's) and
    // integration latency (the execution log's).
    let parsed = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(["parse", "--json", &exec, &lambda, &access])
        .output()
        .unwrap();
    let records: Vec<Value> = text(&parsed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let timed_out: Vec<&Value> = records
        .iter()
        .filter(|r| r["kind"] == "api" && r["failure_reason"] == "LambdaTimeout")
        .collect();
    assert_eq!(timed_out.len(), 7);
    for r in timed_out {
        let id = r["request_id"].as_str().unwrap();
        let (latency, integration) = (
            r["latency_ms"].as_i64().unwrap(),
            r["integration_latency_ms"].as_i64().unwrap(),
        );
        let overhead = latency - integration;
        if id == "8a6ad573-a485-4020-9659-d26f48ec87c0" {
            // The demo's request (the newest timeout): the 5 ms, 1018 − 1013.
            assert_eq!(overhead, 5, "{latency} − {integration} ms");
        }
        let o = run(&table, &["lookup", id]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(
            out.contains(&format!(
                "{latency} ms total, {integration} ms integration, {overhead} ms gateway overhead"
            )),
            "{out}"
        );
        let went = out.split("Where the time went: ").nth(1).expect("a time breakdown");
        let went: Vec<&str> = went.lines().take_while(|l| !l.is_empty()).collect();
        assert_eq!(
            went[0],
            format!("{latency} ms = {integration} ms integration + {overhead} ms gateway overhead")
        );
        let steps: Vec<&str> = went[1..].iter().map(|l| l.split_once(" ms  ").unwrap().1).collect();
        assert_eq!(
            steps,
            [
                "API Gateway received GET /generate-data",
                &format!("integration call ({integration} ms)"),
                "Lambda started (warm)",
                "Lambda ended: timeout after 1000.00 ms",
                "response 502",
            ]
        );
        assert!(
            went.iter().all(|l| l.chars().count() <= 80),
            "fits a narrow terminal: {went:?}"
        );
        assert!(!out.contains('\u{1b}'), "no colour into a pipe");
    }
    // The one cold start of the workshop: its init is on the timeline.
    let cold = records
        .iter()
        .find(|r| r["kind"] == "lambda" && r["init_duration_ms"].is_number())
        .unwrap();
    let o = run(&table, &["lookup", cold["api_request_id"].as_str().unwrap()]);
    let out = text(&o.stdout);
    let init = cold["init_duration_ms"].as_f64().unwrap();
    assert!(
        out.contains(&format!("Lambda started, after {init:.2} ms init (cold start)")),
        "{out}"
    );
}

/// Runs the CLI against the local endpoint with no AWS setting at all but `env`: HOME is an empty
/// directory (no profile), instance metadata is off (a CI runner on EC2 would otherwise lend its role).
fn run_unconfigured(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = std::env::temp_dir().join(format!("apigw-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(args)
        .args(["--table", "t", "--endpoint-url", moto::endpoint()])
        .env_clear()
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn a_missing_region_or_missing_credentials_names_what_to_set_in_one_line_exit_3() {
    let creds = [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")];
    for args in [&["lookup", "x"][..], &["failures"][..]] {
        let o = run_unconfigured(args, &creds);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("no AWS region found: set AWS_REGION or pass --region"),
            "{err}"
        );

        let o = run_unconfigured(&[args, &["--region", "us-east-1"]].concat(), &[]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        for name in ["AWS_PROFILE", "--profile", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            assert!(err.contains(name), "{name}: {err}");
        }
        assert!(
            err.contains("takes any test credentials (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)"),
            "a loopback endpoint: {err}"
        );
    }
}

#[test]
fn an_empty_result_names_the_window_searched_and_json_prints_no_line() {
    let table = moto::table_name("cli-empty");
    assert_eq!(run(&table, &["create-table"]).status.code(), Some(0));
    let window = ["--since", "1h", "--until", "2025-11-23T00:00:00Z"];
    for json in [false, true] {
        let args = [&["failures"][..], &window, if json { &["--json"][..] } else { &[] }].concat();
        let o = run(&table, &args);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        assert_eq!(
            text(&o.stdout),
            "",
            "no header, no JSON line: an empty list is zero lines"
        );
        assert_eq!(
            text(&o.stderr),
            format!(
                "apigw-logs: no failures between 2025-11-22T23:00:00.000Z and 2025-11-23T00:00:00.000Z in table {table}\n"
            )
        );
    }
    let metrics = |json: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
            .args([
                "metrics",
                "--namespace",
                &table,
                "--endpoint-url",
                moto::endpoint(),
                "--region",
                "us-east-1",
            ])
            .args(window)
            .args(json)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let o = metrics(&["--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(
        text(&o.stderr),
        format!(
            "apigw-logs: no data points between 2025-11-22T23:00:00.000Z and 2025-11-23T00:00:00.000Z in namespace {table}\n"
        )
    );
    let o = metrics(&[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("no data points between 2025-11-22T23:00:00.000Z and 2025-11-23T00:00:00.000Z"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn each_commands_default_window_is_the_same_in_help_and_in_the_reference() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md")).unwrap();
    for command in ["failures", "metrics"] {
        let o = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
            .args([command, "--help"])
            .output()
            .unwrap();
        let help = text(&o.stdout);
        let since = help.split("--since <SINCE>").nth(1).unwrap();
        let default = since.split("[default: ").nth(1).unwrap().split(']').next().unwrap();
        let row = format!("| `{command} [--since {default}]");
        let rows: Vec<&str> = readme
            .lines()
            .filter(|l| l.starts_with(&format!("| `{command} ")))
            .collect();
        assert!(
            !rows.is_empty() && rows.iter().all(|r| r.contains(&format!("[--since {default}]"))),
            "{row}: {rows:?}"
        );
    }
}
