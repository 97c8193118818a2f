//! What each metrics sink costs per batch, measured on the generator's traffic: `PutMetricData` calls
//! (billed per request) and EMF bytes (billed as log ingestion), and the marker's DynamoDB writes that
//! protect both. The cost table in `docs/cost.md` ("Metrics: which sink") is these figures at list prices;
//! this test recomputes it and fails when that page no longer says what the code does.

use std::path::Path;

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::metrics::emf;
use apigw_log_indexer::ports::MetricsSink;

/// `PutMetricData`: $0.01 per 1,000 requests (aws.amazon.com/cloudwatch/pricing, us-east-1).
const PUT_METRIC_DATA_PER_REQUEST: f64 = 0.01 / 1000.0;
/// CloudWatch Logs standard ingestion, also the first tier of Lambda logs: $0.50 per GB (same page).
pub const LOG_INGESTION_PER_GB: f64 = 0.50;
/// CloudWatch Logs bills each event's UTF-8 bytes plus 26 bytes (CloudWatch Logs quotas: event size).
pub const LOG_EVENT_OVERHEAD_BYTES: usize = 26;
/// DynamoDB on-demand writes: $0.625 per million write request units (aws.amazon.com/dynamodb/pricing).
pub const DYNAMODB_PER_WRU: f64 = 0.625 / 1e6;
/// The marker of a one-request batch: claim (1 WRU, plus 1 for its entry in the listing index), `sending`
/// (1), `done` (1, plus 1 to leave the listing). Each item is well under 1 KB (unit-tested in `ledger`).
pub const MARKER_WRUS: f64 = 5.0;
/// The marker with the EMF sink (the template's default): the claim made `sending` (1) and `done` (1),
/// unlisted (`metrics::marker::once`). Both counts are what `once.rs` measures the protocol writing.
pub const MARKER_WRUS_EMF: f64 = 2.0;
const SECONDS_PER_MONTH: f64 = 30.0 * 86_400.0;
/// A fixed start, so the minutes the traffic spans (and so the data points) are the same in every run.
pub const START_MS: i64 = 1_698_670_710_000;

/// Per batch: `PutMetricData` calls, EMF bytes as billed, data points, and the index's own write units.
fn measure(batch_bytes: u32) -> (f64, f64, f64, f64) {
    let dir = std::env::temp_dir().join(format!("apigw-sink-cost-{batch_bytes}-{}", std::process::id()));
    let spec = crate::helpers::traffic(6, u64::from(batch_bytes), 5, Some(START_MS));
    let files = crate::helpers::generate(&dir, &spec);
    let conf = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
        .build();
    let cw = CloudWatchMetrics::new(aws_sdk_cloudwatch::Client::from_conf(conf), "ApiGatewayLogs");
    let (mut calls, mut emf_bytes, mut datums, mut units) = (0usize, 0usize, 0usize, 0u64);
    for f in &files {
        let p = crate::helpers::plan(&std::fs::read(f).unwrap(), START_MS + 3_600_000);
        units += p.items.write_units();
        let set = p.metrics;
        calls += cw.requests(&set).len();
        let d = set.datums();
        datums += d.len();
        emf_bytes += emf::documents("ApiGatewayLogs", &d)
            .iter()
            .map(|doc| doc.len() + LOG_EVENT_OVERHEAD_BYTES)
            .sum::<usize>();
    }
    let _ = std::fs::remove_dir_all(&dir);
    let n = files.len() as f64;
    (
        calls as f64 / n,
        emf_bytes as f64 / n,
        datums as f64 / n,
        units as f64 / n,
    )
}

fn dollars(x: f64) -> String {
    if x < 10.0 {
        format!("${x:.2}")
    } else {
        format!("${x:.0}")
    }
}

#[test]
fn the_readme_cost_table_is_what_the_sinks_cost_on_the_generators_traffic() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cost.md")).unwrap();
    for batch_bytes in [120_000, 1_000_000] {
        let (calls, bytes, datums, units) = measure(batch_bytes);
        let line = format!(
            "Batches of {} KB: {calls:.1} `PutMetricData` calls, {bytes:.0} EMF bytes, {datums:.0} data points, \
             {units:.0} index write units per batch.",
            batch_bytes / 1000
        );
        eprintln!("{line}");
        assert!(readme.contains(&line), "docs/cost.md lacks the measured line:\n{line}");
        for rate in [1.0, 10.0, 100.0] {
            let batches = rate * SECONDS_PER_MONTH;
            let row = format!(
                "| {} KB | {rate:.0} | {} | {} | {} | {} |",
                batch_bytes / 1000,
                dollars(batches * calls * PUT_METRIC_DATA_PER_REQUEST),
                dollars(batches * bytes / f64::from(1u32 << 30) * LOG_INGESTION_PER_GB),
                dollars(batches * MARKER_WRUS * DYNAMODB_PER_WRU),
                dollars(batches * units * DYNAMODB_PER_WRU),
            );
            eprintln!("{row}");
            assert!(readme.contains(&row), "docs/cost.md lacks the measured row:\n{row}");
        }
    }
}
