//! The sample events in `events/`: each decodes to its readable fixture, each reason fixture yields its
//! reason, and `parse --json` over all of them matches the reviewed snapshot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::TempDir;

use apigw_log_indexer::{decode, encode};
use serde_json::Value;

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("events")
}

/// One row of `events/manifest.txt`: name, start-ms, kind, log group, log stream.
fn manifest() -> Vec<[String; 5]> {
    let text = std::fs::read_to_string(events_dir().join("manifest.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            cols.try_into()
                .unwrap_or_else(|c: Vec<String>| panic!("manifest row {l:?} has {} columns", c.len()))
        })
        .collect()
}

/// The rows whose file encodes a readable fixture (not the control message or a corrupt payload).
fn fixture_rows() -> Vec<[String; 5]> {
    manifest()
        .into_iter()
        .filter(|[_, _, kind, ..]| kind == "-" || kind == "--newline")
        .collect()
}

#[test]
fn every_event_decodes_to_its_fixture() {
    let table = fixture_rows();
    assert!(table.len() >= 40, "{} fixtures", table.len());
    for [name, start_ms, kind, group, stream] in table {
        let text = std::fs::read_to_string(events_dir().join(format!("fixtures/{name}.log"))).unwrap();
        let expected = encode::read_fixture(&text, kind == "--newline").unwrap();
        let event = std::fs::read(events_dir().join(format!("{name}.json"))).unwrap();
        let bytes = decode::decode_event(&event, decode::DEFAULT_MAX_DECODED_BYTES).unwrap();
        let payload = decode::parse_payload(&bytes).unwrap();
        assert_eq!(
            (&*payload.log_group, &*payload.log_stream),
            (group.as_str(), stream.as_str()),
            "{name}"
        );
        let start: i64 = start_ms.parse().unwrap();
        let got: Vec<(i64, &str)> = payload
            .log_events
            .iter()
            .map(|e| (e.timestamp - start, &*e.message))
            .collect();
        let want: Vec<(i64, &str)> = expected.iter().map(|(t, m)| (*t, m.as_str())).collect();
        assert_eq!(
            got, want,
            "{name}.json does not decode to fixtures/{name}.log: regenerate with events/generate.sh"
        );
    }
}

/// `reason-backend-5xx-lambda` → `Backend5XX`.
fn reason_of(name: &str) -> String {
    let base = name.strip_prefix("reason-").unwrap();
    let base = ["-httpapi-access", "-access", "-lambda"]
        .iter()
        .fold(base, |b, s| b.strip_suffix(s).unwrap_or(b));
    base.split('-')
        .map(|w| match w {
            "5xx" => "5XX".to_string(),
            "4xx" => "4XX".to_string(),
            "api" => "Api".to_string(),
            w => w[..1].to_uppercase() + &w[1..],
        })
        .collect()
}

fn parse_json(files: &[PathBuf]) -> Vec<Value> {
    let o = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .arg("parse")
        .arg("--json")
        .args(files)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_reason_fixture_yields_its_reason_with_its_companions() {
    let mut groups: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for [name, ..] in fixture_rows() {
        if name.starts_with("reason-") {
            let key = reason_of(&name);
            groups
                .entry(key)
                .or_default()
                .push(events_dir().join(format!("{name}.json")));
        }
    }
    for r in apigw_log_indexer::FailureReason::ALL {
        assert!(groups.contains_key(r.as_str()), "no fixture for {r}");
    }
    for (reason, files) in groups {
        let records = parse_json(&files);
        let api: Vec<&Value> = records.iter().filter(|r| r["kind"] == "api").collect();
        let reasons: Vec<&Value> = api
            .iter()
            .map(|r| &r["failure_reason"])
            .filter(|r| !r.is_null())
            .collect();
        assert!(!reasons.is_empty(), "{reason}: no failed request in {files:?}");
        assert!(reasons.iter().all(|r| **r == *reason), "{reason}: got {reasons:?}");
    }
}

#[test]
fn parse_json_over_all_events_matches_the_snapshot() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("corrupt-"))
        .collect();
    files.sort();
    let got: String = parse_json(&files)
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/parse-events.jsonl");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
        std::fs::write(&snapshot, &got).unwrap();
    }
    let want = std::fs::read_to_string(&snapshot).unwrap_or_default();
    if got != want {
        let first = got.lines().zip(want.lines()).position(|(a, b)| a != b);
        panic!(
            "parse --json over events/ differs from {} (first differing record: {first:?}; {} vs {} records). \
             Review, then rerun with UPDATE_SNAPSHOTS=1.",
            snapshot.display(),
            got.lines().count(),
            want.lines().count()
        );
    }
}

#[test]
fn regenerating_from_the_manifest_gives_the_committed_files_byte_for_byte() {
    let out = TempDir::new("events-regenerated");
    let o = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
        .args(["make-event", "--manifest"])
        .arg(events_dir().join("manifest.txt"))
        .arg("--out-dir")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let names = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        v.sort();
        v
    };
    let committed = names(&events_dir());
    let listed: Vec<String> = {
        let mut v: Vec<String> = manifest().into_iter().map(|[n, ..]| format!("{n}.json")).collect();
        v.sort();
        v
    };
    assert_eq!(
        listed, committed,
        "every events/*.json has a manifest row, and only those"
    );
    assert_eq!(names(out.path()), committed);
    for name in &committed {
        let want = std::fs::read(events_dir().join(name)).unwrap();
        let got = std::fs::read(out.path().join(name)).unwrap();
        assert!(
            got == want,
            "events/{name} is not what the manifest generates ({} vs {} bytes): run events/generate.sh",
            got.len(),
            want.len()
        );
    }
}
