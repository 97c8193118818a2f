//! The stored item format is a contract: every sample event in `events/` is laid out into exactly the
//! items recorded in `snapshots/items.jsonl` (keys, attributes, and a digest of each compressed blob).
//! A change to the layout, the stored fragment JSON or the codec shows up here; update the snapshot only
//! for a deliberate format change, with the reason in the commit.

use std::path::Path;

use apigw_log_indexer::index::{AttrValue, IndexItem};
use apigw_log_indexer::metrics::MetricsOptions;
use apigw_log_indexer::pipeline::{Delivery, PipelineConfig, plan_delivery};
use apigw_log_indexer::redact::Redactor;
use serde_json::{Value, json};

/// FNV-1a 64: a digest of a blob's exact bytes, so the snapshot stays small and any change shows.
fn digest(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}:{h:016x}", bytes.len())
}

fn item_json(event: &str, item: &IndexItem) -> Value {
    let attrs: serde_json::Map<String, Value> = item
        .attrs
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttrValue::S(s) => json!({ "S": s }),
                AttrValue::N(n) => json!({ "N": n }),
                AttrValue::B(b) => json!({ "B": digest(b) }),
                AttrValue::Bool(b) => json!({ "BOOL": b }),
            };
            (k.clone(), v)
        })
        .collect();
    json!({ "event": event, "pk": item.pk, "sk": item.sk, "attrs": attrs })
}

/// Every item of every sample event, one JSON object per line, events in name order.
pub fn items_of_events() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let cfg = PipelineConfig {
        access_log_groups: Vec::new(),
        execution_log_groups: Vec::new(),
        own_account: None,
        max_decoded_bytes: apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES,
        retention_days: 30,
        success: apigw_log_indexer::index::SuccessPolicy::FULL,
    };
    let mut out = String::new();
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let Ok(plan) = plan_delivery(
            Delivery::Event(&bytes),
            &Redactor::builtin(),
            &cfg,
            &MetricsOptions::default(),
            None,
            1_763_726_400_000,
        ) else {
            continue; // corrupt-*.json: refused whole, nothing stored
        };
        for item in &plan.items.items {
            out.push_str(&item_json(&name, item).to_string());
            out.push('\n');
        }
    }
    out
}

#[test]
fn sample_events_are_stored_as_the_snapshot_says() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/items.jsonl");
    let got = items_of_events();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert!(got.lines().count() > 100, "{} items", got.lines().count());
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "item {i} differs");
    }
    assert_eq!(got.lines().count(), want.lines().count());
}
