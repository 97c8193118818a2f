//! The generator's traffic (crate `apigw-traffic`) against its ground truth.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::helpers::parse_events;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn parse_agrees_with_the_generators_truth_for_every_request() {
    let dir = std::env::temp_dir().join(format!("apigw-truth-{}", std::process::id()));
    let files = crate::helpers::generate(&dir, &crate::helpers::traffic(5, 200_000, 7, None));
    let events: Vec<String> = files.iter().map(|p| read(p)).collect();
    let out = parse_events(&events);
    let by_id: HashMap<&str, &Value> = out.api.iter().map(|r| (r["request_id"].as_str().unwrap(), r)).collect();
    let truth = crate::helpers::truth(&dir);
    assert!(truth.len() > 100, "the generator made {} requests", truth.len());
    let mut mismatches = Vec::new();
    for t in &truth {
        let got = by_id.get(t["request_id"].as_str().unwrap());
        let same = got.is_some_and(|g| {
            g["status"] == t["status"]
                && g["failure_reason"] == t["failure_reason"]
                && g["lambda_request_id"] == t["lambda_request_id"]
        });
        if !same {
            mismatches.push((t.clone(), got.cloned()));
        }
    }
    assert_eq!(out.api.len(), truth.len(), "one record per request, no extras");
    assert!(
        mismatches.is_empty(),
        "{} of {} disagree, e.g. {:#?}",
        mismatches.len(),
        truth.len(),
        mismatches.first()
    );
    // Every Lambda invocation in the traffic was served by an API request: all must be joined.
    assert!(
        out.lambda.iter().all(|l| l["api_request_id"].is_string()),
        "unjoined Lambda invocations"
    );
    assert_eq!(out.stats.skipped_total(), 0, "{:?}", out.stats.skipped);
    let _ = std::fs::remove_dir_all(&dir);
}
