//! The lean logging profile (execution logs at `ERROR`, the recommended access-log format) against the full
//! one (`INFO` with full request/response data), on the same generated requests: the reason the indexer
//! gives each failed request must agree on at least 99% of them, and the reasons lean cannot tell apart are
//! the ones `docs/cost.md` lists.

use std::collections::BTreeMap;

use apigw_traffic::Profile;
use serde_json::Value;

use crate::sink_cost::START_MS;

/// Request ID → (status, failure reason) as the indexer sees the traffic of `profile`, and the truth.
fn reasons(profile: Profile) -> (BTreeMap<String, (Value, Value)>, Vec<Value>) {
    let spec = apigw_traffic::Spec {
        profile,
        ..crate::helpers::traffic(6, 1_000_000, 5, Some(START_MS))
    };
    let generated = apigw_traffic::generate(&spec).unwrap();
    let events: Vec<String> = generated.batches.iter().map(|b| b.event.clone()).collect();
    let out = crate::helpers::parse_events(&events);
    let by_id = out
        .api
        .iter()
        .map(|r| {
            let id = r["request_id"].as_str().unwrap().to_string();
            (id, (r["status"].clone(), r["failure_reason"].clone()))
        })
        .collect();
    let truth = apigw_traffic::batches::truth_jsonl(&generated.truth)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (by_id, truth)
}

#[test]
fn lean_agrees_with_full_on_the_reason_of_at_least_99_percent_of_failed_requests() {
    let ((full, truth), (lean, lean_truth)) = (reasons(Profile::Full), reasons(Profile::Lean));
    assert_eq!(truth, lean_truth, "the same requests");
    let (mut failed, mut agree) = (0, 0);
    let mut apart: BTreeMap<(String, String), usize> = BTreeMap::new();
    for t in &truth {
        let id = t["request_id"].as_str().unwrap();
        let lean_seen = lean.get(id).unwrap_or_else(|| panic!("lean has no record of {id}"));
        assert_eq!(lean_seen.0, t["status"], "{id}: lean knows every request's status");
        if t["failure_reason"].is_null() {
            assert!(
                lean_seen.1.is_null(),
                "{id}: a success stays one under lean: {lean_seen:?}"
            );
            continue;
        }
        failed += 1;
        let full_reason = &full[id].1;
        if lean_seen.1 == *full_reason {
            agree += 1;
        } else {
            *apart
                .entry((full_reason.to_string(), lean_seen.1.to_string()))
                .or_default() += 1;
        }
    }
    let share = f64::from(agree) / f64::from(failed);
    eprintln!("lean agrees with full on {agree} of {failed} failed requests ({share:.4}); apart: {apart:?}");
    assert!(share >= 0.99, "{agree} of {failed}; apart: {apart:?}");
    let doc = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cost.md")).unwrap();
    let line = format!("lean agrees with full on the reason of {agree} of {failed} failed requests");
    assert!(doc.contains(&line), "docs/cost.md lacks: {line}");
}
