//! The cost per million API requests in `docs/cost.md` ("Per million API requests"), recomputed from what
//! the code writes for the generator's traffic (crate `apigw-traffic`): index write units and
//! bytes per successful and per failed request, measured separately (the generator's failure rate is fixed,
//! about 45%), then weighted at 1% and 5%; against the workshop's way, Logs Insights over the same logs.

use std::collections::HashMap;
use std::path::Path;

use apigw_log_indexer::decode::decode_event;
use serde_json::Value;

// The same write price and fixed start as the sink table's test.
use crate::sink_cost::{DYNAMODB_PER_WRU, START_MS};

/// DynamoDB Standard storage: $0.25 per GB-month (same page); items live `RETENTION_DAYS` = 30 days.
pub const DYNAMODB_PER_GB_MONTH: f64 = 0.25;
/// Lambda requests: $0.20 per million (aws.amazon.com/lambda/pricing).
pub const LAMBDA_PER_INVOCATION: f64 = 0.20 / 1e6;
/// Logs Insights: $0.005 per GB of log data scanned (aws.amazon.com/cloudwatch/pricing).
const INSIGHTS_PER_GB: f64 = 0.005;

#[derive(Default)]
struct Class {
    requests: f64,
    units: f64,
    bytes: f64,
}

#[test]
fn the_readme_cost_per_million_requests_is_what_the_index_writes_for_the_generators_traffic() {
    let dir = std::env::temp_dir().join(format!("apigw-daily-cost-{}", std::process::id()));
    let files = crate::helpers::generate(&dir, &crate::helpers::traffic(6, 1_000_000, 5, Some(START_MS)));
    let truth = crate::helpers::truth(&dir);
    // Every partition key (API request ID or Lambda request ID) → whether its API request failed.
    let mut failed_by_pk: HashMap<String, bool> = HashMap::new();
    for t in &truth {
        let failed = !t["failure_reason"].is_null();
        failed_by_pk.insert(t["request_id"].as_str().unwrap().into(), failed);
        if let Some(l) = t["lambda_request_id"].as_str() {
            failed_by_pk.insert(l.into(), failed);
        }
    }
    let (mut ok, mut bad) = (Class::default(), Class::default());
    ok.requests = truth.iter().filter(|t| t["failure_reason"].is_null()).count() as f64;
    bad.requests = truth.len() as f64 - ok.requests;
    let (mut log_bytes, mut unattributed) = (0usize, 0u64);
    for f in &files {
        let event = std::fs::read(f).unwrap();
        let payload: Value = serde_json::from_slice(&decode_event(&event, 1 << 26).unwrap()).unwrap();
        log_bytes += payload["logEvents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap().len())
            .sum::<usize>();
        for item in crate::helpers::plan(&event, START_MS + 3_600_000).items.items {
            let class = match failed_by_pk.get(&item.pk) {
                Some(true) => &mut bad,
                Some(false) => &mut ok,
                None => {
                    unattributed += item.write_units();
                    continue;
                }
            };
            class.units += item.write_units() as f64;
            class.bytes += item.size() as f64;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(unattributed, 0, "every item belongs to a request of the truth file");
    let batches = files.len() as f64; // one invocation per delivered batch (execution and Lambda logs)
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cost.md")).unwrap();
    let per = |c: &Class| (c.units / c.requests, c.bytes / c.requests);
    let ((ok_units, ok_bytes), (bad_units, bad_bytes)) = (per(&ok), per(&bad));
    let requests = truth.len() as f64;
    let measured = format!(
        "Measured on {requests:.0} requests ({:.0} failed): {ok_units:.2} write units and {ok_bytes:.0} stored bytes \
         per successful request, {bad_units:.2} and {bad_bytes:.0} per failed one; {:.0} requests per invocation; \
         {:.0} log bytes per request.",
        bad.requests,
        requests / batches,
        log_bytes as f64 / requests
    );
    eprintln!("{measured}");
    assert!(
        readme.contains(&measured),
        "docs/cost.md lacks the measured line:\n{measured}"
    );
    for rate in [0.01, 0.05] {
        let units = (1.0 - rate) * ok_units + rate * bad_units;
        let bytes = (1.0 - rate) * ok_bytes + rate * bad_bytes;
        let row = format!(
            "| {:.0}% | {units:.2} | ${:.2} | ${:.3} | ${:.4} | ${:.4} |",
            rate * 100.0,
            1e6 * units * DYNAMODB_PER_WRU,
            1e6 * bytes / 1e9 * DYNAMODB_PER_GB_MONTH,
            1e6 / (requests / batches) * LAMBDA_PER_INVOCATION,
            1e6 * log_bytes as f64 / requests / 1e9 * INSIGHTS_PER_GB,
        );
        eprintln!("{row}");
        assert!(readme.contains(&row), "docs/cost.md lacks the measured row:\n{row}");
    }
}
