//! `apigw-logs failures --follow` as a user runs it, against moto: batches replayed while it runs show up,
//! each failure once, within a few poll intervals; SIGINT ends it with exit 0.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{helpers, moto};

fn cli(table: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_apigw-logs"));
    c.args(args)
        .args([
            "--table",
            table,
            "--endpoint-url",
            moto::endpoint(),
            "--region",
            "us-east-1",
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("INDEX_TABLE");
    c
}

fn ok(c: &mut Command) {
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Every stdout line of `child`, collected as it comes.
fn collect(child: &mut Child) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (out, sink) = (child.stdout.take().unwrap(), Arc::clone(&lines));
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

fn ids(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            v["request_id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn follow_prints_each_failure_of_batches_replayed_while_it_runs_once_and_stops_on_sigint() {
    let table = moto::table_name("follow");
    ok(&mut cli(&table, &["create-table"]));
    let dir = std::env::temp_dir().join(format!("apigw-follow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let start = now as i64 - 30_000;
    let files = helpers::generate(&dir, &helpers::traffic(6, 20_000, 15, Some(start)));
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).unwrap();
    let failed: BTreeSet<String> = truth
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|t| !t["failure_reason"].is_null())
        .map(|t| t["request_id"].as_str().unwrap().to_string())
        .collect();
    assert!(failed.len() >= 3, "the generator's traffic has failures: {truth}");

    let mut follow = cli(&table, &["failures", "--follow", "--interval", "200ms", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = collect(&mut follow);
    // Each batch (an execution-log file and its Lambda-log file) while it polls.
    let (exec, lambda): (Vec<_>, Vec<_>) = files
        .iter()
        .partition(|f| f.file_name().unwrap().to_str().unwrap().starts_with("exec-"));
    for (e, l) in exec.iter().zip(&lambda) {
        ok(cli(&table, &["replay"]).args([e, l]));
        std::thread::sleep(Duration::from_millis(300));
    }
    // Within a few poll intervals of the last batch, then a few more to catch any repeat.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && ids(&lines.lock().unwrap()).len() < failed.len() {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1000));

    let status = Command::new("kill")
        .args(["-INT", &follow.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = Instant::now() + Duration::from_secs(5);
    let code = loop {
        if let Some(s) = follow.try_wait().unwrap() {
            break s.code();
        }
        if Instant::now() > stopped {
            let _ = follow.kill();
            panic!("--follow did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(&dir);
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut follow.stderr.take().unwrap(), &mut stderr);
    assert_eq!(code, Some(0), "Ctrl-C is a clean exit: {stderr}");

    let shown = ids(&lines.lock().unwrap());
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &shown {
        *counts.entry(id).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "each failure once: {repeated:?}");
    let shown: BTreeSet<String> = shown.into_iter().collect();
    assert_eq!(
        shown, failed,
        "every failure of the replayed batches, nothing else; {stderr}"
    );
}
