//! The Lambda end to end: the real `apigw-log-indexer` binary, run by cargo-lambda's emulator of the Lambda runtime
//! API (`cargo lambda watch`) and invoked through `cargo lambda invoke` with the workshop events, against the
//! project's moto server. Then `apigw-logs failures`, `lookup --json` and `metrics --json` show what the function
//! indexed and published, and a retried invocation must leave the metrics as they were.
//!
//! Everything the test starts is its own: a table and a metrics namespace no other test uses, a free loopback port
//! for the emulator (stopped by a guard, whatever happens), and a temporary directory (kept when the test fails,
//! with the emulator's log in it).

use std::fs::{self, File};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::moto;

mod emulator;
use emulator::Emulator;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CLI: &str = env!("CARGO_BIN_EXE_apigw-logs");
const API_ID: &str = "a1b2c3d4e5";
const STAGE: &str = "dev";
const FUNCTION: &str = "module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ";
/// The workshop's events in delivery order (`events/README.md`): 20 requests, 7 of them timed out.
const WORKSHOP: [&str; 3] = ["workshop-exec", "workshop-lambda", "workshop-access"];

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The last `n` lines of a file, for panic messages.
fn tail(path: &Path, n: usize) -> String {
    let s = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs `cmd` to completion, but for at most `bound`; its output goes through files in `dir` (a pipe nobody reads
/// could fill up and stall the child). Panics, naming `what`, if it does not finish in time.
fn run_bounded(cmd: &mut Command, bound: Duration, what: &str, dir: &Path) -> Output {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let (out_path, err_path) = (dir.join(format!("run-{n}.out")), dir.join(format!("run-{n}.err")));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    let deadline = Instant::now() + bound;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what}: did not finish within {} s; stderr so far:\n{}",
                bound.as_secs(),
                tail(&err_path, 30)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: fs::read(&out_path).unwrap(),
        stderr: fs::read(&err_path).unwrap(),
    }
}

/// `apigw-logs ARGS` against moto, with test credentials for the child only.
fn cli(args: &[&str], dir: &Path) -> Output {
    let mut cmd = Command::new(CLI);
    cmd.args(args)
        .args(["--endpoint-url", moto::endpoint(), "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("INDEX_TABLE")
        .env_remove("METRICS_NAMESPACE");
    run_bounded(
        &mut cmd,
        Duration::from_secs(120),
        &format!("apigw-logs {}", args.join(" ")),
        dir,
    )
}

/// `cli`, expecting success; its stdout as JSON lines.
fn cli_json(args: &[&str], dir: &Path) -> Vec<Value> {
    let o = cli(args, dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "apigw-logs {}: {}",
        args.join(" "),
        text(&o.stderr)
    );
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// PATH with the project's cargo-lambda virtualenv first: `cargo lambda` finds its helpers (zig) through it. Set
/// on each child, so the test does not depend on the caller's PATH (scripts/test.sh sets it, plain `cargo test`
/// does not).
fn lambda_path() -> String {
    let bin = Path::new(ROOT).join(".tools/lambda/bin");
    match std::env::var_os("PATH") {
        Some(p) => format!("{}:{}", bin.display(), p.to_string_lossy()),
        None => bin.display().to_string(),
    }
}

fn cargo_lambda() -> Command {
    // The venv's executable itself, rather than `cargo lambda`, so the child's PID is the emulator's.
    let mut cmd = Command::new(Path::new(ROOT).join(".tools/lambda/bin/cargo-lambda"));
    cmd.arg("lambda").current_dir(ROOT).env("PATH", lambda_path());
    cmd
}

/// PIDs of `parent`'s children, from /proc.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid ...": comm may contain spaces, so split after the last ')'.
            let ppid: u32 = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

/// `make-event` for one row of events/manifest.txt (log group, stream, flags), with `start_ms` instead of the
/// row's start time.
fn make_event(name: &str, start_ms: i64, dir: &Path) -> PathBuf {
    let table = fs::read_to_string(Path::new(ROOT).join("events/manifest.txt")).unwrap();
    let row: Vec<&str> = table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() == 5 && f[0] == name)
        .unwrap_or_else(|| panic!("no row for {name} in events/manifest.txt"));
    let (flags, group, stream) = (row[2], row[3], row[4]);
    let fixture = Path::new(ROOT).join(format!("events/fixtures/{name}.log"));
    let mut cmd = Command::new(CLI);
    cmd.args(["make-event", "--log-group", group, "--log-stream", stream])
        .args(["--start-ms", &start_ms.to_string()]);
    if flags != "-" {
        cmd.arg(flags);
    }
    let o = run_bounded(cmd.arg(&fixture), Duration::from_secs(60), "make-event", dir);
    assert!(o.status.success(), "make-event {name}: {}", text(&o.stderr));
    let path = dir.join(format!("{name}.json"));
    fs::write(&path, &o.stdout).unwrap();
    path
}

/// The sums `apigw-logs metrics --json` reads back, as (metric, dimension values) → sum, in a stable order.
fn metrics(namespace: &str, dir: &Path) -> Vec<(String, String, f64)> {
    let mut sums: Vec<(String, String, f64)> = cli_json(&["metrics", "--json", "--namespace", namespace], dir)
        .iter()
        .map(|m| {
            let dims = [&m["api_id"], &m["stage"], &m["failure_reason"], &m["function_name"]]
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join("/");
            (
                m["metric"].as_str().unwrap().to_string(),
                dims,
                m["sum"].as_f64().unwrap(),
            )
        })
        .collect();
    sums.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    sums
}

fn sum_of(sums: &[(String, String, f64)], metric: &str, dims: &str) -> f64 {
    sums.iter()
        .find(|(m, d, _)| m == metric && d == dims)
        .map(|(_, _, s)| *s)
        .unwrap_or_else(|| panic!("no {metric} for {dims} in {sums:?}"))
}

#[test]
fn the_lambda_under_cargo_lambda_indexes_the_workshop_and_counts_a_retry_once() {
    let dir = std::env::temp_dir().join(format!(
        "apigw-lambda-e2e-{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
    ));
    fs::create_dir_all(&dir).unwrap();

    // The pinned cargo-lambda (a no-op once installed; about a minute on a fresh machine).
    let o = run_bounded(
        Command::new("bash")
            .arg(Path::new(ROOT).join("scripts/tools.sh"))
            .arg("lambda"),
        Duration::from_secs(900),
        "scripts/tools.sh lambda",
        &dir,
    );
    assert!(
        o.status.success(),
        "scripts/tools.sh lambda failed: {}",
        text(&o.stderr)
    );

    // A table and a namespace of this test's own, on the project's moto server.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let table = rt.block_on(moto::new_index("lambda-e2e")).table().to_string();
    let namespace = format!("LambdaE2E/{table}");

    let mut lambda = Emulator::start(&table, &namespace, dir.clone());

    // The workshop events with recent timestamps (CloudWatch refuses data points older than two weeks, so the
    // committed 2025 events would publish no metrics), one start time for the three so a request's execution,
    // Lambda and access lines line up.
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let start_ms = now_ms - 600_000;
    let events: Vec<PathBuf> = WORKSHOP.iter().map(|name| make_event(name, start_ms, &dir)).collect();
    for event in &events {
        let summary = lambda.invoke(event, Duration::from_secs(120));
        assert!(
            summary.contains("metrics_already_counted=false"),
            "a first delivery is counted: {summary}"
        );
    }

    // The seven timed-out requests, each with its whole story, by either ID.
    let t = table.as_str();
    let failed = cli_json(&["failures", "--json", "--table", t], &dir);
    assert_eq!(failed.len(), 7, "failures: {failed:#?}");
    for f in &failed {
        assert_eq!(f["failure_reason"], "LambdaTimeout", "{f}");
        assert_eq!(f["status"], 502, "{f}");
        let api_id = f["request_id"].as_str().unwrap();
        let lambda_id = f["lambda_request_id"].as_str().unwrap();

        let story = cli_json(&["lookup", "--json", api_id, "--table", t], &dir);
        let api = &story[0];
        assert_eq!(api["kind"], "api", "the API record comes first: {story:#?}");
        assert_eq!(api["request_id"], api_id);
        assert_eq!(
            (api["api_id"].as_str(), api["stage"].as_str()),
            (Some(API_ID), Some(STAGE))
        );
        assert_eq!(api["status"], 502);
        assert_eq!(api["failure_reason"], "LambdaTimeout");
        assert_eq!(api["lambda_request_id"], lambda_id);
        assert_eq!(api["complete"], true);
        let sources: Vec<&str> = api["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["source"].as_str().unwrap())
            .collect();
        assert!(
            sources.contains(&"execution") && sources.contains(&"access"),
            "execution and access lines: {sources:?}"
        );

        let invocation = story
            .iter()
            .find(|r| r["kind"] == "lambda" && r["request_id"] == lambda_id)
            .unwrap_or_else(|| panic!("no Lambda record {lambda_id} joined to {api_id}: {story:#?}"));
        assert_eq!(invocation["status"], "timeout", "{invocation}");
        assert_eq!(invocation["function_name"], FUNCTION);
        assert_eq!(invocation["api_request_id"], api_id);
        // The REPORT line's figures (the workshop function: 128 MB, 1 s timeout).
        assert_eq!(invocation["duration_ms"], 1000.0, "{invocation}");
        assert_eq!(invocation["billed_duration_ms"], 1000, "{invocation}");
        assert_eq!(invocation["memory_size_mb"], 128, "{invocation}");
        assert!(
            invocation["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["source"] == "lambda" && l["message"].as_str().unwrap().contains("Task timed out")),
            "the timeout line: {invocation}"
        );

        let by_lambda_id = cli_json(&["lookup", "--json", lambda_id, "--table", t], &dir);
        assert_eq!(
            by_lambda_id, story,
            "lookup by the Lambda request ID {lambda_id} tells the same story as by {api_id}"
        );
    }

    // What the function published: each request counted once, though both its execution and access logs came.
    let before = metrics(&namespace, &dir);
    let api = format!("{API_ID}/{STAGE}");
    assert_eq!(sum_of(&before, "Requests", &api), 20.0, "{before:?}");
    assert_eq!(
        sum_of(&before, "Failures", &format!("{api}/LambdaTimeout")),
        7.0,
        "{before:?}"
    );
    assert_eq!(sum_of(&before, "LambdaTimeouts", FUNCTION), 7.0, "{before:?}");

    // Lambda retries a delivery (the same batch) after a failed asynchronous invocation: the function recognises
    // the batch and does not count it again.
    let summary = lambda.invoke(&events[0], Duration::from_secs(120));
    assert!(
        summary.contains("metrics_already_counted=true"),
        "the retried batch is recognised: {summary}"
    );
    assert_eq!(
        metrics(&namespace, &dir),
        before,
        "a retried invocation left the metrics unchanged"
    );
    assert_eq!(
        cli_json(&["failures", "--json", "--table", t], &dir),
        failed,
        "and the index unchanged"
    );
}
