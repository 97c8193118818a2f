//! The generator's contract: deterministic by seed, truth that matches what it emitted, the documented mix
//! of outcomes, and deliveries cut by size without losing or reordering an event.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::io::Read as _;
use std::num::{NonZeroU32, NonZeroU64};

use apigw_traffic::shape::EXEC_EVENT_MAX_BYTES;
use apigw_traffic::{Mode, Spec, Traffic, generate};
use base64::Engine as _;

fn spec(batches: u32, batch_bytes: u64, seed: u64) -> Spec {
    Spec {
        batches: NonZeroU32::new(batches).unwrap(),
        batch_bytes: NonZeroU64::new(batch_bytes).unwrap(),
        seed,
        ..Spec::default()
    }
}

/// The JSON inside a delivery's `awslogs.data`, decoded here without the indexer (the indexer's own
/// decoder reads the same files in its integration tests).
fn payload(event: &str) -> String {
    let data = event
        .strip_prefix("{\"awslogs\": {\"data\": \"")
        .and_then(|s| s.strip_suffix("\"}}"))
        .unwrap();
    let gz = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    let mut out = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut out).unwrap();
    out
}

/// The Lambda deliveries of `spec(3, 50_000, 11)`, as the code cuts them (measured, pinned).
const LAMBDA_FILES_3X50K_SEED11: usize = 39;

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    let a = generate(&spec(3, 50_000, 11)).unwrap();
    let b = generate(&spec(3, 50_000, 11)).unwrap();
    assert_eq!(a, b);
    let c = generate(&spec(3, 50_000, 12)).unwrap();
    assert_ne!(a.truth, c.truth);
    let exec = a.batches.iter().filter(|b| b.file_name.starts_with("exec-")).count();
    assert_eq!(
        (exec, a.batches.len() - exec),
        (3, LAMBDA_FILES_3X50K_SEED11),
        "3 execution-log deliveries; each third of the Lambda log, one delivery per environment's stream"
    );
}

/// Pins the first request of seed 1: any change to the draws or the texts changes every figure measured on
/// the traffic, so it has to be deliberate.
#[test]
fn seed_one_starts_with_the_same_request() {
    let mut traffic = Traffic::new(1, Spec::default().start_ms);
    assert_eq!(traffic.streams().exec, "cd613e30d8f16adf91b7584a2265b1f5");
    let first = traffic.next().unwrap();
    assert_eq!(first.mode, Mode::Ok);
    assert_eq!(first.truth.request_id, "7ed4d57b-1e2f-4b89-814c-343c1027c4d1");
    assert_eq!(
        first.truth.lambda_request_id.as_deref(),
        Some("a6cecc1b-78e5-4061-b311-d8a3c2ce6f44")
    );
    assert_eq!(first.start_ms, Spec::default().start_ms);
    assert_eq!(
        first.exec[0].id,
        "36000000000000000000000000000000000000000000000000000007"
    );
}

#[test]
fn every_request_logs_what_its_truth_says() {
    let mut emitted_exec = 0;
    for r in Traffic::new(3, 0).take(3000) {
        let t = &r.truth;
        let (status, reason, invoked) = match r.mode {
            Mode::Ok => (200, None, true),
            Mode::Timeout => (502, Some("LambdaTimeout"), true),
            Mode::ThrottledLambda => (500, Some("LambdaThrottled"), true),
            Mode::Malformed => (502, Some("MalformedProxyResponse"), true),
            Mode::Error => (502, Some("LambdaError"), true),
            Mode::KeyThrottle => (429, Some("Throttled"), false),
            Mode::Unauthorized => (401, Some("Unauthorized"), false),
            Mode::IntegrationTimeout => (504, Some("IntegrationTimeout"), false),
        };
        assert_eq!(
            (t.status, t.failure_reason, t.lambda_request_id.is_some()),
            (status, reason, invoked)
        );
        let prefix = format!("({}) ", t.request_id);
        assert!(r.exec.iter().all(|e| e.message.starts_with(&prefix)), "{:?}", r.exec[0]);
        assert!(r.exec.iter().all(|e| e.message.len() <= EXEC_EVENT_MAX_BYTES));
        assert!(r.exec.iter().all(|e| e.timestamp >= r.start_ms));
        let completed = format!("{prefix}Method completed with status: {status}");
        assert_eq!(
            r.exec.iter().any(|e| e.message == completed),
            r.mode != Mode::Unauthorized,
            "{:?}",
            r.mode
        );
        // The function logs exactly when it ran (a throttled invocation never starts).
        let ran = invoked && r.mode != Mode::ThrottledLambda;
        assert_eq!(!r.lambda.is_empty(), ran, "{:?}", r.mode);
        assert_eq!(r.environment.is_some(), ran, "{:?}", r.mode);
        if let (true, Some(lrid)) = (ran, &t.lambda_request_id) {
            assert_eq!(
                r.lambda[0].message,
                format!("START RequestId: {lrid} Version: $LATEST\n")
            );
            assert!(
                r.lambda
                    .last()
                    .unwrap()
                    .message
                    .starts_with(&format!("REPORT RequestId: {lrid}\t"))
            );
            assert_eq!(
                r.lambda.iter().any(|e| e.message.contains("Task timed out")),
                r.mode == Mode::Timeout
            );
        }
        emitted_exec += r.exec.len();
    }
    assert!(emitted_exec > 3000 * 3);
}

#[test]
fn the_mix_of_outcomes_is_the_documented_one_for_a_fixed_seed() {
    let n = 20_000;
    let mut by_mode: HashMap<Mode, usize> = HashMap::new();
    let mut longest = 0;
    for r in Traffic::new(5, 0).take(n) {
        *by_mode.entry(r.mode).or_default() += 1;
        longest = longest.max(r.exec.iter().map(|e| e.message.len()).max().unwrap_or(0));
    }
    let share = |m: Mode| by_mode.get(&m).copied().unwrap_or(0) as f64 / n as f64;
    // 90% reach the function; its sleep is uniform over 250–1500 ms under a 1 s timeout: 60% of those
    // succeed (54% of all), 40% time out (36% of all); each of the six rare outcomes is 10% / 6 ≈ 1.7%.
    let within = |m: Mode, expected: f64, tolerance: f64| {
        assert!(
            (share(m) - expected).abs() < tolerance,
            "{m:?}: {} (expected {expected})",
            share(m)
        );
    };
    within(Mode::Ok, 0.54, 0.015);
    within(Mode::Timeout, 0.36, 0.015);
    assert_eq!(apigw_traffic::request::RARE.len(), 6, "six rare outcomes");
    for rare in apigw_traffic::request::RARE {
        within(rare, 0.1 / 6.0, 0.004);
    }
    // INFO with full data: long header lines, yet under the 1024-byte cut.
    assert!((900..EXEC_EVENT_MAX_BYTES).contains(&longest), "{longest}");
}

#[test]
fn deliveries_hold_every_event_once_in_time_order_and_the_truth_names_the_emitted_requests() {
    let g = generate(&spec(4, 100_000, 9)).unwrap();
    let (mut exec_ids, mut last_ts) = (Vec::new(), HashMap::new());
    let mut streams_of_env = HashMap::new();
    let mut exec_text = String::new();
    let mut sizes = Vec::new();
    for b in &g.batches {
        let p = payload(&b.event);
        let kind = b.file_name.split('-').next().unwrap();
        // Per stream: `exec`, or the Lambda environment (`lambda-NNNN-EEEE.json`).
        let stream = match kind {
            "exec" => "exec".to_string(),
            _ => b.file_name[12..16].to_string(),
        };
        let name = p
            .split("\"logStream\": \"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            streams_of_env.entry(stream.clone()).or_insert_with(|| name.clone()),
            &name,
            "{} keeps its environment's stream",
            b.file_name
        );
        let group = if kind == "exec" {
            "API-Gateway-Execution-Logs_a1b2c3d4e5/dev"
        } else {
            "/aws/lambda/"
        };
        assert!(p.contains(&format!("\"logGroup\": \"{group}")), "{}", b.file_name);
        assert!(p.is_ascii(), "written as ASCII JSON");
        let events = p.matches("{\"id\": ").count();
        for ts in p.split("\"timestamp\": ").skip(1) {
            let ts: i64 = ts[..ts.find(',').unwrap()].parse().unwrap();
            let last = last_ts.entry(stream.clone()).or_insert(i64::MIN);
            assert!(ts >= *last, "{} is in time order", b.file_name);
            *last = ts;
        }
        if kind == "exec" {
            exec_ids.extend(p.split("{\"id\": \"").skip(1).map(|s| s[..56].to_string()));
            exec_text.push_str(&p);
            sizes.push(p.len());
        }
        assert!(events > 0, "{} is not empty", b.file_name);
    }
    let unique: HashSet<&String> = exec_ids.iter().collect();
    assert_eq!(unique.len(), exec_ids.len(), "no event twice");
    // Each execution-log delivery is about batch_bytes decoded.
    assert!(sizes.iter().all(|s| (80_000..130_000).contains(s)), "{sizes:?}");
    assert!(g.truth.len() > 50);
    for t in &g.truth {
        assert!(
            exec_text.contains(&format!("({}) ", t.request_id)),
            "{} was emitted",
            t.request_id
        );
        if let Some(l) = &t.lambda_request_id {
            // API Gateway names the invocation it made (the join key to the Lambda log).
            assert!(exec_text.contains(l.as_str()), "{l} is in the execution log");
        }
    }
}

#[test]
fn truth_jsonl_has_one_line_per_request_with_the_four_fields() {
    let g = generate(&spec(1, 20_000, 2)).unwrap();
    let text = apigw_traffic::batches::truth_jsonl(&g.truth);
    assert_eq!(text.lines().count(), g.truth.len());
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("{\"request_id\": \""), "{first}");
    for field in ["\"status\": ", "\"failure_reason\": ", "\"lambda_request_id\": "] {
        assert!(text.lines().all(|l| l.contains(field)), "{field}");
    }
}

#[test]
fn an_oversized_run_is_refused_before_anything_is_generated() {
    let e = generate(&spec(u32::MAX, u64::MAX, 1)).unwrap_err();
    assert_eq!(e.code(), "traffic_too_large");
    assert!(e.to_string().contains("4294967295 batches"), "{e}");
}

/// The files of `spec(2, 20_000, 4)`, as the code names them (measured, pinned).
const WRITTEN_2X20K_SEED4: [&str; 12] = [
    "exec-0000.json",
    "exec-0001.json",
    "lambda-0000-0000.json",
    "lambda-0000-0001.json",
    "lambda-0000-0002.json",
    "lambda-0000-0003.json",
    "lambda-0000-0004.json",
    "lambda-0000-0005.json",
    "lambda-0001-0000.json",
    "lambda-0001-0001.json",
    "lambda-0001-0003.json",
    "lambda-0001-0005.json",
];

#[test]
fn write_puts_the_files_in_place_and_names_a_path_it_cannot_write() {
    let dir = std::env::temp_dir().join(format!("apigw-traffic-write-{}", std::process::id()));
    let g = generate(&spec(2, 20_000, 4)).unwrap();
    let files = g.write(&dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into())
        .collect();
    assert_eq!(names, WRITTEN_2X20K_SEED4);
    assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), g.batches[0].event);
    assert_eq!(
        std::fs::read_to_string(dir.join("truth.jsonl")).unwrap(),
        apigw_traffic::batches::truth_jsonl(&g.truth)
    );
    let blocked = files[0].join("sub");
    let e = g.write(&blocked).unwrap_err();
    assert!(e.to_string().starts_with(&blocked.display().to_string()), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// One execution environment runs one invocation at a time: in each Lambda stream, an invocation's START
/// comes after the previous one's last line (REPORT); an environment's first invocation is its cold start
/// (`Init Duration`), and only that one.
#[test]
fn each_environment_runs_one_invocation_at_a_time_and_starts_cold_once() {
    let mut traffic = Traffic::new(6, 0);
    let mut streams: HashMap<usize, Vec<(i64, i64, bool)>> = HashMap::new();
    for r in traffic.by_ref().take(5000) {
        let Some(env) = r.environment else { continue };
        let (first, last) = (r.lambda.first().unwrap(), r.lambda.last().unwrap());
        let cold = last.message.contains("Init Duration: ");
        streams
            .entry(env)
            .or_default()
            .push((first.timestamp, last.timestamp, cold));
    }
    assert_eq!(streams.len(), traffic.environments());
    let mut names = HashSet::new();
    for (env, runs) in &streams {
        let name = traffic.lambda_stream(*env);
        assert!(name.starts_with("1970/01/01/[$LATEST]") && name.len() == 52, "{name}");
        assert!(names.insert(name.to_string()), "{name} is one environment's");
        assert!(runs[0].2, "environment {env} starts cold");
        assert!(runs[1..].iter().all(|r| !r.2), "environment {env} is cold once");
        for pair in runs.windows(2) {
            assert!(pair[0].1 < pair[1].0, "environment {env} runs {pair:?} one at a time");
        }
    }
    // About 30 run at once (a request every 32.5 ms on average, 1 s each); 5000 invocations reuse them.
    assert_eq!(traffic.environments(), ENVIRONMENTS_5000_SEED6);
}

/// The environments `Traffic::new(6, 0)` starts over 5000 requests (measured, pinned).
const ENVIRONMENTS_5000_SEED6: usize = 35;
