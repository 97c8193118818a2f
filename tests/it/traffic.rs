//! The traffic generator (crate `apigw-traffic`) read by the indexer: its deliveries decode with the
//! indexer's own decoder, a request cut between two deliveries still joins, and `apigw-logs make-traffic`
//! writes exactly what the crate generates.

use std::collections::HashMap;
use std::process::Command;

use apigw_log_indexer::decode::{self, DEFAULT_MAX_DECODED_BYTES};
use apigw_traffic::{Truth, generate};

use crate::cli::TempDir;
use crate::helpers::{parse_events, traffic};

fn events(g: &apigw_traffic::Generated) -> Vec<String> {
    g.batches.iter().map(|b| b.event.clone()).collect()
}

#[test]
fn every_delivery_decodes_with_the_indexers_decoder_into_its_log_group() {
    let g = generate(&traffic(3, 80_000, 21, None)).unwrap();
    let mut requests_seen = 0;
    for b in &g.batches {
        let raw = decode::decode_event(b.event.as_bytes(), DEFAULT_MAX_DECODED_BYTES)
            .unwrap_or_else(|e| panic!("{}: {e}", b.file_name));
        let payload = decode::parse_payload(&raw).unwrap_or_else(|e| panic!("{}: {e}", b.file_name));
        let want = if b.file_name.starts_with("exec-") {
            apigw_traffic::shape::EXEC_GROUP
        } else {
            apigw_traffic::shape::LAMBDA_GROUP
        };
        assert_eq!(payload.log_group, want, "{}", b.file_name);
        assert!(!payload.log_events.is_empty(), "{}", b.file_name);
        if b.file_name.starts_with("exec-") {
            requests_seen += payload
                .log_events
                .iter()
                .filter(|e| e.message.contains("Extended Request Id: "))
                .count();
        }
    }
    assert_eq!(
        requests_seen,
        g.truth.len(),
        "every request's first line is delivered once"
    );
}

/// The first request whose execution-log lines are in two consecutive deliveries, and that delivery pair.
fn a_request_cut_in_two(g: &apigw_traffic::Generated) -> Option<(Truth, usize)> {
    let exec: Vec<&str> = g
        .batches
        .iter()
        .filter(|b| b.file_name.starts_with("exec-"))
        .map(|b| b.event.as_str())
        .collect();
    let texts: Vec<Vec<u8>> = exec
        .iter()
        .map(|e| decode::decode_event(e.as_bytes(), DEFAULT_MAX_DECODED_BYTES).unwrap())
        .collect();
    for i in 0..texts.len() - 1 {
        let (a, b) = (
            String::from_utf8_lossy(&texts[i]),
            String::from_utf8_lossy(&texts[i + 1]),
        );
        let cut = g.truth.iter().find(|t| {
            let tag = format!("({}) ", t.request_id);
            t.lambda_request_id.is_some() && a.contains(&tag) && b.contains(&tag)
        });
        if let Some(t) = cut {
            return Some((t.clone(), i));
        }
    }
    None
}

#[test]
fn a_request_cut_between_two_deliveries_still_joins_to_its_invocation() {
    let g = generate(&traffic(4, 60_000, 3, None)).unwrap();
    let (truth, at) = a_request_cut_in_two(&g).expect("requests overlap the cuts");
    let out = parse_events(&events(&g));
    let by_id: HashMap<&str, &serde_json::Value> =
        out.api.iter().map(|r| (r["request_id"].as_str().unwrap(), r)).collect();
    let record = by_id[truth.request_id.as_str()];
    assert_eq!(record["status"], truth.status, "cut after delivery {at}");
    assert_eq!(record["failure_reason"].as_str(), truth.failure_reason);
    assert_eq!(record["lambda_request_id"].as_str(), truth.lambda_request_id.as_deref());
    // The same request, from its two deliveries alone, is still one record.
    let exec_pair: Vec<String> = g
        .batches
        .iter()
        .filter(|b| b.file_name.starts_with("exec-"))
        .skip(at)
        .take(2)
        .map(|b| b.event.clone())
        .collect();
    let pair = parse_events(&exec_pair);
    let records: Vec<_> = pair
        .api
        .iter()
        .filter(|r| r["request_id"] == truth.request_id.as_str())
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["status"], truth.status);
}

#[test]
fn make_traffic_writes_the_crates_files_and_refuses_bad_sizes_in_one_line() {
    let t = TempDir::new("make-traffic");
    let out = t.path().join("traffic");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
            .arg("make-traffic")
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        "--out",
        out.to_str().unwrap(),
        "--batches",
        "2",
        "--batch-bytes",
        "30000",
        "--seed",
        "8",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let g = generate(&traffic(2, 30_000, 8, None)).unwrap();
    let failed = g.truth.iter().filter(|t| t.failure_reason.is_some()).count();
    let lambda = g.batches.iter().filter(|b| b.file_name.starts_with("lambda-")).count();
    assert_eq!(
        (g.batches.len() - lambda, lambda),
        (2, 13),
        "two execution-log deliveries; each half of the Lambda log as one delivery per environment's stream"
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "wrote {} event files and truth.jsonl ({} requests, {failed} failed) into {}\n",
            g.batches.len(),
            g.truth.len(),
            out.display()
        )
    );
    for b in &g.batches {
        assert_eq!(
            std::fs::read_to_string(out.join(&b.file_name)).unwrap(),
            b.event,
            "{}",
            b.file_name
        );
    }
    let truth = std::fs::read_to_string(out.join("truth.jsonl")).unwrap();
    assert_eq!(truth, apigw_traffic::batches::truth_jsonl(&g.truth));

    for (args, says) in [
        (vec!["--batches", "0"], "--batches"),
        (vec!["--batch-bytes", "x"], "--batch-bytes"),
        (
            vec!["--batches", "4096", "--batch-bytes", "1000000"],
            "make-traffic: 4096 batches of 1000000 bytes",
        ),
    ] {
        let mut all = vec!["--out", out.to_str().unwrap()];
        all.extend(args);
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {err}");
        assert!(err.contains(says), "{all:?}: {err}");
    }
}
