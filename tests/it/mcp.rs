//! `apigw-logs mcp` over the wire, driven by a client nobody here wrote: the Python MCP SDK's stdio client
//! (`tests/mcp_client.py`, installed pinned by `scripts/tools.sh mcp`) launches the server against the
//! project's moto with the demo's workshop events replayed, lists the tools, and calls them. Each tool's
//! text must be exactly what the CLI prints with `--json`; each error an MCP error with the CLI's code.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::dynamodb_cli::{events, run};
use crate::moto;

/// The demo's timed-out request (the newest of the workshop's seven) and its Lambda invocation.
const API_ID: &str = "8a6ad573-a485-4020-9659-d26f48ec87c0";
const LAMBDA_ID: &str = "ad5ddd50-fb02-4463-baea-e92cfc98ed85";
/// The workshop's day (events/manifest.txt: 1763726400000).
const DAY: [&str; 4] = ["--since", "2025-11-21T00:00:00Z", "--until", "2025-11-22T00:00:00Z"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the Python client with `server_args` after `apigw-logs mcp` and the given calls; its JSON report.
fn client(server_args: &[&str], calls: Value) -> Value {
    let tools = Command::new("bash")
        .arg(root().join("scripts/tools.sh"))
        .arg("mcp")
        .status()
        .unwrap();
    assert!(tools.success(), "scripts/tools.sh mcp failed");
    let mut args = vec!["mcp", "--endpoint-url", moto::endpoint(), "--region", "us-east-1"];
    args.extend(server_args);
    let spec = json!({
        "command": env!("CARGO_BIN_EXE_apigw-logs"),
        "args": args,
        // The client starts the server with a minimal environment plus this: test credentials only.
        "env": {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
        "calls": calls,
    });
    let mut child = Command::new(root().join(".tools/mcp/bin/python"))
        .arg(root().join("tests/mcp_client.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spec.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mcp_client.py failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

fn texts(call: &Value) -> Vec<&str> {
    assert_eq!(call["result"]["is_error"], false, "{call}");
    call["result"]["texts"]
        .as_array()
        .unwrap_or_else(|| panic!("a result, not an error: {call}"))
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

fn stdout(table: &str, args: &[&str]) -> String {
    let o = run(table, args);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The workshop's execution log again, timestamped ten minutes ago and published to CloudWatch (the committed
/// events date from 2025, older than the two weeks CloudWatch accepts), into a table of its own.
fn recent_metrics(namespace: &str) {
    let table = moto::table_name("mcp-metrics");
    stdout(&table, &["create-table"]);
    let ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        - 600_000)
        .to_string();
    let fixture = root().join("events/fixtures/workshop-exec.log");
    let event = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(["make-event", "--start-ms", &ago, fixture.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(event.status.success());
    let file = std::env::temp_dir().join(format!("{table}.json"));
    std::fs::write(&file, &event.stdout).unwrap();
    let replay = ["replay", "--metrics-sink", "cloudwatch", "--namespace", namespace];
    stdout(&table, &[&replay[..], &[file.to_str().unwrap()]].concat());
    let _ = std::fs::remove_file(file);
}

#[test]
fn an_mcp_client_looks_up_the_demo_timeout_lists_failures_and_metrics_and_gets_clean_errors() {
    let table = moto::table_name("mcp");
    let namespace = format!("McpTest/{table}");
    stdout(&table, &["create-table"]);
    let workshop = ["workshop-exec.json", "workshop-lambda.json", "workshop-access.json"].map(events);
    let replay = ["replay", "--metrics-sink", "off"];
    stdout(
        &table,
        &[&replay[..], &workshop.each_ref().map(String::as_str)].concat(),
    );
    recent_metrics(&namespace);

    let day = json!({"since": DAY[1], "until": DAY[3]});
    let calls = json!([
        {"name": "lookup", "arguments": {"id": API_ID}},
        {"name": "lookup", "arguments": {"id": LAMBDA_ID}},
        {"name": "failures", "arguments": day},
        {"name": "failures", "arguments": {"since": DAY[1], "until": DAY[3], "limit": 2}},
        {"name": "failures", "arguments": {"since": DAY[1], "until": DAY[3], "reason": "Throttled"}},
        {"name": "failures", "arguments": {"since": "soon"}},
        {"name": "failures", "arguments": {"since": "2025-01-01T00:00:00Z", "until": DAY[3]}},
        {"name": "metrics", "arguments": {}},
        {"name": "lookup", "arguments": {"id": "no-such-request"}},
        {"name": "doctor", "arguments": {"api": "a1b2c3d4e5"}},
    ]);
    let report = client(&["--table", &table, "--namespace", &namespace], calls);

    assert_eq!(report["server"]["name"], "apigw-logs");
    let mut names: Vec<&str> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["doctor", "failures", "lookup", "metrics"]);
    for t in report["tools"].as_array().unwrap() {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
        assert_eq!(t["input_schema"]["type"], "object", "{t}");
        assert_eq!(t["input_schema"]["additionalProperties"], false, "{t}");
    }
    let lookup_schema = &report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "lookup")
        .unwrap()["input_schema"];
    assert_eq!(lookup_schema["required"], json!(["id"]));
    let c = report["calls"].as_array().unwrap();

    // lookup, by either ID: the CLI's `lookup --json` output, the API record joined to its Lambda timeout.
    for (call, id) in [(&c[0], API_ID), (&c[1], LAMBDA_ID)] {
        let text = texts(call);
        // The server diagnoses from the logs alone: the CLI's `--logs-only`.
        assert_eq!(text, [stdout(&table, &["lookup", id, "--json", "--logs-only"])]);
        let records: Vec<Value> = text[0].lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let api = records.iter().find(|r| r["kind"] == "api").unwrap();
        let lambda = records.iter().find(|r| r["kind"] == "lambda").unwrap();
        assert_eq!(
            (&api["request_id"], &api["lambda_request_id"], &api["failure_reason"]),
            (&json!(API_ID), &json!(LAMBDA_ID), &json!("LambdaTimeout"))
        );
        let cause = api["diagnosis"]["cause"].as_str().unwrap_or_default();
        assert!(cause.contains("of its 1000 ms timeout"), "{cause}");
        assert_eq!(
            (
                &lambda["request_id"],
                &lambda["api_request_id"],
                &lambda["failure_reason"]
            ),
            (&json!(LAMBDA_ID), &json!(API_ID), &json!("LambdaTimeout"))
        );
    }

    // failures: the CLI's `failures --json` lines for the same window; the page cap says what it left out.
    let cli = stdout(&table, &[&["failures", "--json"][..], &DAY].concat());
    assert_eq!(texts(&c[2]), [cli.as_str()]);
    let all: Vec<Value> = cli.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(all.len(), 7);
    assert!(all.iter().all(|f| f["failure_reason"] == "LambdaTimeout"));
    assert_eq!(all[0]["request_id"], API_ID, "newest first");
    let page = texts(&c[3]);
    let first_two: String = cli.lines().take(2).map(|l| format!("{l}\n")).collect();
    assert_eq!(page[0], first_two);
    assert!(page[1].starts_with("2 of 7 failed requests shown"), "{page:?}");
    assert_eq!(
        texts(&c[4]),
        [format!(
            "no failures between 2025-11-21T00:00:00.000Z and 2025-11-22T00:00:00.000Z in table {table}"
        )]
    );

    // Bad arguments: INVALID_PARAMS with the CLI's code, naming the argument.
    for (call, named) in [
        (&c[5], "since: \"soon\""),
        (&c[6], "since: the window is longer than 31 days"),
    ] {
        let e = &call["error"];
        assert_eq!(e["code"], -32602, "{call}");
        assert_eq!(e["data"], json!({"code": "bad_usage", "exit_code": 2}));
        assert!(e["message"].as_str().unwrap().starts_with(named), "{e}");
    }

    // metrics: the CLI's `metrics --json` for the published counts, 20 requests and 7 timeouts.
    let metrics = texts(&c[7]);
    let sums: Vec<Value> = metrics[0].lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        sums,
        [
            json!({"metric": "Requests", "api_id": "a1b2c3d4e5", "stage": "dev", "sum": 20.0}),
            json!({"metric": "Failures", "api_id": "a1b2c3d4e5", "stage": "dev",
                   "failure_reason": "LambdaTimeout", "sum": 7.0}),
        ]
    );

    // Nothing found is an answer (the CLI's line), not an error.
    assert_eq!(
        texts(&c[8]),
        [format!("no request or invocation no-such-request in table {table}")]
    );
    // doctor needs the indexer: the server was started without --function or --stack.
    let e = &c[9]["error"];
    assert_eq!(e["code"], -32602, "{e}");
    assert_eq!(e["data"]["code"], "bad_usage");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("--function NAME|ARN or --stack NAME"),
        "{e}"
    );
}

#[test]
fn an_mcp_client_gets_the_cli_error_code_for_a_missing_table_and_for_no_table() {
    let missing = moto::table_name("mcp-missing");
    let lookup = json!([{"name": "lookup", "arguments": {"id": API_ID}}]);
    let report = client(&["--table", &missing], lookup.clone());
    let e = &report["calls"][0]["error"];
    assert_eq!(e["code"], -32000, "{report}");
    assert_eq!(e["data"], json!({"code": "index_table_not_found", "exit_code": 3}));
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("table {missing} does not exist")) && message.contains(moto::endpoint()),
        "{message}"
    );

    let report = client(&[], lookup);
    let e = &report["calls"][0]["error"];
    assert_eq!(e["code"], -32602, "{report}");
    assert_eq!(e["data"]["code"], "bad_usage");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("give --table NAME (env INDEX_TABLE) or --stack NAME"),
        "{e}"
    );
}
