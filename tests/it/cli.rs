//! The `apigw-logs` binary: offline subcommands, exit codes and one-line errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use apigw_log_indexer::encode;

use crate::helpers::{EXEC_GROUP, event};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("apigw-logs runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("apigw-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn file(&self, name: &str, contents: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p.to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn awslogs(data: &[u8]) -> Vec<u8> {
    encode::awslogs_event(data).into_bytes()
}

/// 64 concatenated gzip members of 4 MiB of zeros each: 256 MiB once decompressed, ~260 KB on disk.
fn gzip_bomb() -> Vec<u8> {
    let member = encode::gzip(&vec![0u8; 4 << 20]);
    member.repeat(64)
}

#[test]
fn every_bad_input_is_exit_2_with_one_line_naming_the_file_and_the_problem() {
    let t = TempDir::new("bad");
    let good_gzip = encode::gzip(br#"{"messageType":"DATA_MESSAGE","logEvents":[]}"#);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not-json.json", b"hello".to_vec(), "event is not JSON"),
        ("no-awslogs.json", br#"{"Records":[]}"#.to_vec(), "no awslogs.data"),
        (
            "bad-base64.json",
            br#"{"awslogs":{"data":"%%%"}}"#.to_vec(),
            "not valid base64",
        ),
        ("not-gzip.json", awslogs(b"plain text"), "not a valid gzip stream"),
        (
            "truncated-gzip.json",
            awslogs(&good_gzip[..good_gzip.len() - 10]),
            "not a valid gzip stream",
        ),
        (
            "gzip-not-json.json",
            awslogs(&encode::gzip(b"<xml/>")),
            "decompressed payload is not JSON",
        ),
        (
            "wrong-shape.json",
            awslogs(&encode::gzip(br#"{"messageType":"DATA_MESSAGE","logEvents":"x"}"#)),
            "not a CloudWatch Logs message",
        ),
        ("bomb.json", awslogs(&gzip_bomb()), "exceeds the 67108864-byte cap"),
    ];
    for (name, bytes, problem) in cases {
        let path = t.file(name, &bytes);
        for sub in ["decode", "parse"] {
            let o = run(&[sub, &path]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{sub} {name}: {err}");
            assert_eq!(err.lines().count(), 1, "{sub} {name}: one line, got {err:?}");
            assert!(err.contains(&path) && err.contains(problem), "{sub} {name}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(o.stdout.is_empty() || sub == "parse", "{sub} {name} printed output");
        }
    }
    let o = run(&["decode", &t.0.join("missing.json").to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

#[test]
fn the_gzip_bomb_is_refused_within_bounded_memory() {
    let t = TempDir::new("bomb");
    let path = t.file("bomb.json", &awslogs(&gzip_bomb()));
    // 160 MB of address space: the 64 MiB cap plus the binary and allocator; a decoder that inflated the
    // whole 256 MiB would be killed by the limit instead of reporting the cap.
    let script = format!(
        "ulimit -v 163840 && exec {} decode {path}",
        env!("CARGO_BIN_EXE_apigw-logs")
    );
    let o = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("exceeds the 67108864-byte cap"), "{}", stderr(&o));
}

#[test]
fn parse_keeps_valid_files_when_others_are_bad_and_reads_stdin() {
    let t = TempDir::new("mixed");
    let good = event(
        EXEC_GROUP,
        &[
            "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: 504",
            "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Execution failed due to a timeout error",
        ],
    );
    let good_path = t.file("good.json", good.as_bytes());
    let bad_path = t.file("bad.json", b"{");
    let o = run(&["parse", "--json", &bad_path, &good_path]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    let rec: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(rec["failure_reason"], "IntegrationTimeout");
    assert_eq!(stderr(&o).lines().count(), 1);

    let mut child = bin()
        .args(["parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(good.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.contains("IntegrationTimeout") && table.contains("504"), "{table}");
}

#[test]
fn make_event_then_decode_round_trips_fixture_text() {
    let t = TempDir::new("make");
    let fixture = t.file("f.log", b"@0 START RequestId: 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f Version: $LATEST\n@5 REPORT RequestId: x\\\nXRAY TraceId: 1-2\n");
    let o = run(&[
        "make-event",
        "--log-group",
        "/aws/lambda/fn",
        "--log-stream",
        "s",
        "--start-ms",
        "1000",
        "--newline",
        &fixture,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ev = t.file("ev.json", &o.stdout);
    let o = run(&["decode", &ev]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["logGroup"], "/aws/lambda/fn");
    assert_eq!(p["logEvents"][1]["timestamp"], 1005);
    assert_eq!(p["logEvents"][1]["message"], "REPORT RequestId: x\nXRAY TraceId: 1-2\n");

    let o = run(&["make-event", "--control"]);
    let ev = t.file("control.json", &o.stdout);
    let o = run(&["parse", "--json", &ev]);
    assert_eq!(
        (o.status.code(), o.stdout.len()),
        (Some(0), 0),
        "a control message yields no records and no error"
    );
}

#[test]
fn usage_errors_are_exit_2() {
    assert_eq!(run(&["parse"]).status.code(), Some(2));
    assert_eq!(run(&["no-such-command"]).status.code(), Some(2));
}

/// A cap every range a configuration check could put on MAX_DECODED_BYTES still allows: 4 MiB.
const SMALL_CAP: usize = 4 << 20;

#[test]
fn an_input_past_the_cap_is_exit_2_naming_the_file_and_the_cap() {
    let t = TempDir::new("cap");
    let event = t.file("big.json", &vec![b' '; SMALL_CAP + 1]);
    let text = t.file("big.log", &vec![b'x'; SMALL_CAP + 1]);
    let cap = SMALL_CAP.to_string();
    let cases: [&[&str]; 4] = [
        &["decode", event.as_str()],
        &["parse", event.as_str()],
        &["make-event", text.as_str()],
        &["replay", "--dry-run", "--table", "t", event.as_str()],
    ];
    for args in cases {
        let o = bin()
            .args(args)
            .args(["--max-decoded-bytes", &cap])
            .env_remove("MAX_DECODED_BYTES")
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        let file = args[args.len() - 1];
        assert!(
            err.contains(&format!("{file}: input exceeds the {SMALL_CAP}-byte cap")),
            "{args:?}: {err}"
        );
    }
    // Exactly at the cap is still read (and then refused for what it is, not for its size).
    let at_cap = t.file("at-cap.json", &vec![b' '; SMALL_CAP]);
    let o = run(&["decode", &at_cap, "--max-decoded-bytes", &cap]);
    assert!(stderr(&o).contains("event is not JSON"), "{}", stderr(&o));
}

/// Runs `args` with `stdin`, failing the test if it has not exited within `limit`.
fn run_bounded(args: &[&str], stdin: Stdio, limit: std::time::Duration) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{args:?} still reading after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_endless_input_is_read_only_up_to_the_cap() {
    let cap = SMALL_CAP.to_string();
    let limit = std::time::Duration::from_secs(60);
    let zero = || Stdio::from(std::fs::File::open("/dev/zero").unwrap());
    for (args, input) in [
        (["decode", "/dev/zero"], Stdio::null()),
        (["parse", "-"], zero()),
        (["make-event", "-"], zero()),
    ] {
        let mut all = args.to_vec();
        all.extend(["--max-decoded-bytes", &cap]);
        let o = run_bounded(&all, input, limit);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("{}: input exceeds the {SMALL_CAP}-byte cap", args[1])),
            "{args:?}: {err}"
        );
    }
}

/// True for what a terminal would act on: C0 controls other than TAB and LF, DEL, and C1.
fn has_raw_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// An execution-log request whose resource path and a stored line carry terminal escapes: OSC retitle + BEL,
/// clear screen, CR, DEL and the C1 CSI (a body is stored as its size and hash, so the escapes ride on a line
/// that is kept as text).
pub fn hostile_event() -> String {
    event(
        EXEC_GROUP,
        &[
            "(6a0e1b7c-1f4d-4c3a-9a57-0c2d9e8f7a61) HTTP Method: POST, Resource Path: /pets\u{1b}[2J\u{9b}31m/x",
            "(6a0e1b7c-1f4d-4c3a-9a57-0c2d9e8f7a61) Starting execution for request: \
             {\"name\":\"\u{1b}]0;pwned\u{7}\u{1b}[2J\rspoofed\u{7f}\"}",
            "(6a0e1b7c-1f4d-4c3a-9a57-0c2d9e8f7a61) Execution failed due to a timeout error",
            "(6a0e1b7c-1f4d-4c3a-9a57-0c2d9e8f7a61) Method completed with status: 504",
        ],
    )
}

/// Asserts `stdout` shows the planted escapes escaped and carries none raw.
pub fn assert_terminal_safe(what: &str, stdout: &[u8], shows: &[&str]) {
    let out = String::from_utf8(stdout.to_vec()).unwrap();
    assert!(
        !has_raw_control(&out),
        "{what} printed a raw control character: {out:?}"
    );
    for s in shows {
        assert!(out.contains(s), "{what} does not show {s}: {out}");
    }
}

#[test]
fn parse_escapes_control_characters_from_logs_in_both_outputs() {
    let t = TempDir::new("ansi");
    let path = t.file("hostile.json", hostile_event().as_bytes());
    let o = run(&["parse", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_terminal_safe(
        "parse",
        &o.stdout,
        &["/pets\\u001b[2J\\u009b31m/x", "IntegrationTimeout"],
    );
    let o = run(&["parse", "--json", &path]);
    assert_terminal_safe("parse --json", &o.stdout, &[]);
    let rec: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        rec["resource_path"], "/pets\u{1b}[2J\u{9b}31m/x",
        "JSON keeps the exact text"
    );
}

#[test]
fn an_error_message_is_one_line_even_when_the_input_name_is_hostile() {
    let t = TempDir::new("name");
    let name = "bad\u{1b}]0;pwned\u{7}\nsecond line.json";
    let path = t.file(name, b"{");
    let o = run(&["decode", &path]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        !has_raw_control(&err) && err.contains("bad\\u001b]0;pwned\\u0007\\u000asecond"),
        "{err:?}"
    );
}

/// `parse` exits 0 on any well-formed batch, even one that yields no record (`docs/reference.md`): a batch of
/// init-phase lines is ordinary in real subscriptions. What it skipped is counted on stderr.
#[test]
fn parse_exits_zero_on_a_batch_without_records_and_counts_what_it_skipped() {
    let t = TempDir::new("init-only");
    let event = apigw_log_indexer::encode::lambda_event(&apigw_log_indexer::encode::data_payload(
        "/aws/lambda/fn",
        "2024/01/29/[$LATEST]94fa867e5374431291a7fc14e2f56ae7",
        1_700_000_000_000,
        vec![
            (0, "INIT_START Runtime Version: python:3.12.v16\n".into()),
            (
                1,
                "[WARNING]\t2024-01-29T16:40:40.116Z\t\tMatplotlib created a temporary cache directory\n".into(),
            ),
        ],
    ));
    let f = t.file("init-only.json", event.as_bytes());
    let o = run(&["parse", "--json", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("no request or invocation in 2 events (2 lines skipped)"),
        "{}",
        stderr(&o)
    );
}
