//! The all-in cost per million API requests in `docs/cost.md` ("All-in, per logging profile and success
//! knob"), recomputed from what the code writes for the generator's traffic: the API Gateway logs the
//! product asks for, and everything the indexer spends (index writes and storage, Lambda requests and
//! GB-seconds, metrics, the marker), per success and per failure, weighted at 1% and 5% failures; on
//! on-demand capacity and on provisioned capacity at the auto-scaling target utilisation.

use std::path::Path;

use apigw_log_indexer::decode::decode_event;
use apigw_log_indexer::index::success::{DEFAULT_SUCCESS_TTL_DAYS, is_summary};
use apigw_log_indexer::index::{SuccessPolicy, SuccessStorage};
use apigw_log_indexer::metrics::emf;
use apigw_traffic::{Profile, Spec};
use serde_json::Value;

use crate::daily_cost::{DYNAMODB_PER_GB_MONTH, LAMBDA_PER_INVOCATION};
use crate::sink_cost::{DYNAMODB_PER_WRU, LOG_EVENT_OVERHEAD_BYTES, LOG_INGESTION_PER_GB, MARKER_WRUS_EMF, START_MS};

/// Provisioned write capacity: $0.00065 per WCU-hour, us-east-1 (aws.amazon.com/dynamodb/pricing/provisioned/).
/// One WCU is one write unit per second, so 3,600 write units an hour.
const DYNAMODB_PER_WCU_HOUR: f64 = 0.000_65;
/// The template's `TableTargetUtilization` default (Application Auto Scaling's usual target): capacity is
/// kept at consumed / 0.70, so each consumed write unit pays for 1 / 0.70 of provisioned capacity.
const TARGET_UTILIZATION: f64 = 0.70;

/// How the table is billed.
#[derive(Clone, Copy, PartialEq)]
enum Capacity {
    OnDemand,
    Provisioned,
}

impl Capacity {
    fn name(self) -> &'static str {
        match self {
            Self::OnDemand => "on-demand",
            Self::Provisioned => "provisioned",
        }
    }

    /// Dollars per consumed write unit.
    fn per_write_unit(self) -> f64 {
        match self {
            Self::OnDemand => DYNAMODB_PER_WRU,
            Self::Provisioned => DYNAMODB_PER_WCU_HOUR / 3600.0 / TARGET_UTILIZATION,
        }
    }
}

/// Lambda duration: $0.0000166667 per GB-second, x86 (aws.amazon.com/lambda/pricing, us-east-1).
const LAMBDA_PER_GB_SECOND: f64 = 0.000_016_666_7;
/// The template's default `MemorySize` (MB).
const FUNCTION_MEMORY_MB: f64 = 128.0;
/// Measured CPU time per batch (docs/performance.md, one `scripts/bench.sh` run, criterion medians of the
/// `full` stage): 8.94 ms on a 1,117,557-byte execution-log batch and 3.15 ms on a 144,521-byte Lambda-log
/// batch, taken as a rate per decoded byte. Lambda bills each invocation's duration rounded up to 1 ms.
const CPU_MS_PER_EXEC_BYTE: f64 = 8.94 / 1_117_557.0;
const CPU_MS_PER_LAMBDA_BYTE: f64 = 3.15 / 144_521.0;
/// Items live `RETENTION_DAYS` = 30 days; storage is priced per GB-month.
const RETENTION_DAYS: f64 = 30.0;

#[derive(Default, Clone, Copy)]
struct Side {
    units: f64,
    /// Byte-months: bytes × days kept / 30.
    byte_months: f64,
}

struct Measured {
    ok: Side,
    bad: Side,
    /// Per request.
    gateway_log_bytes: f64,
    lambda_log_bytes: f64,
    invocations: f64,
    billed_ms: f64,
    emf_bytes: f64,
    /// Deliveries that publish metrics, so write a marker (one with nothing to publish writes none).
    marked: f64,
}

fn measure(files: &[std::path::PathBuf], truth: &[Value], success: SuccessPolicy) -> Measured {
    let mut failed_by_pk = std::collections::HashMap::new();
    for t in truth {
        let failed = !t["failure_reason"].is_null();
        failed_by_pk.insert(t["request_id"].as_str().unwrap().to_string(), failed);
        if let Some(l) = t["lambda_request_id"].as_str() {
            failed_by_pk.insert(l.to_string(), failed);
        }
    }
    let (mut ok, mut bad) = (Side::default(), Side::default());
    let (mut exec, mut lambda, mut billed_ms, mut emf_bytes, mut marked) = (0usize, 0usize, 0.0, 0usize, 0usize);
    for f in files {
        let event = std::fs::read(f).unwrap();
        let decoded = decode_event(&event, 1 << 26).unwrap();
        let payload: Value = serde_json::from_slice(&decoded).unwrap();
        let billed: usize = payload["logEvents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap().len() + LOG_EVENT_OVERHEAD_BYTES)
            .sum();
        let name = f.file_name().unwrap().to_str().unwrap();
        let is_exec = name.starts_with("exec-") || name.starts_with("access-");
        let rate = if is_exec {
            CPU_MS_PER_EXEC_BYTE
        } else {
            CPU_MS_PER_LAMBDA_BYTE
        };
        *(if is_exec { &mut exec } else { &mut lambda }) += billed;
        billed_ms += (decoded.len() as f64 * rate).ceil().max(1.0);
        let plan = crate::helpers::plan_with(&event, START_MS + 3_600_000, success);
        marked += usize::from(!plan.metrics.is_empty() && plan.marker.is_some());
        emf_bytes += emf::documents("ApiGatewayLogs", &plan.metrics.datums())
            .iter()
            .map(|doc| doc.len() + LOG_EVENT_OVERHEAD_BYTES)
            .sum::<usize>();
        for item in plan.items.items {
            let side = if failed_by_pk[&item.pk] { &mut bad } else { &mut ok };
            let days = if is_summary(&item) {
                f64::from(success.ttl_days)
            } else {
                RETENTION_DAYS
            };
            side.units += item.write_units() as f64;
            side.byte_months += item.size() as f64 * days / 30.0;
        }
    }
    let n = truth.len() as f64;
    let failed = truth.iter().filter(|t| !t["failure_reason"].is_null()).count() as f64;
    let per = |s: Side, k: f64| Side {
        units: s.units / k,
        byte_months: s.byte_months / k,
    };
    Measured {
        ok: per(ok, n - failed),
        bad: per(bad, failed),
        gateway_log_bytes: exec as f64 / n,
        lambda_log_bytes: lambda as f64 / n,
        invocations: files.len() as f64 / n,
        billed_ms: billed_ms / n,
        emf_bytes: emf_bytes as f64 / n,
        marked: marked as f64 / n,
    }
}

/// Dollars per million requests of each part at failure rate `rate`: logs, writes, storage, Lambda
/// requests, GB-seconds, metrics (EMF ingestion), marker (EMF, the template's default sink).
fn parts(m: &Measured, rate: f64, capacity: Capacity) -> [f64; 7] {
    let side = |f: fn(&Side) -> f64| (1.0 - rate) * f(&m.ok) + rate * f(&m.bad);
    [
        1e6 * m.gateway_log_bytes / 1e9 * LOG_INGESTION_PER_GB,
        1e6 * side(|s| s.units) * capacity.per_write_unit(),
        1e6 * side(|s| s.byte_months) / 1e9 * DYNAMODB_PER_GB_MONTH,
        1e6 * m.invocations * LAMBDA_PER_INVOCATION,
        1e6 * m.billed_ms / 1000.0 * FUNCTION_MEMORY_MB / 1024.0 * LAMBDA_PER_GB_SECOND,
        1e6 * m.emf_bytes / 1e9 * LOG_INGESTION_PER_GB,
        1e6 * m.marked * MARKER_WRUS_EMF * capacity.per_write_unit(),
    ]
}

/// The success knobs measured: `full` and the default, `summary`.
fn knobs() -> [(&'static str, SuccessPolicy); 2] {
    [
        ("full", SuccessPolicy::FULL),
        (
            "summary",
            SuccessPolicy {
                storage: SuccessStorage::Summary,
                ttl_days: DEFAULT_SUCCESS_TTL_DAYS,
            },
        ),
    ]
}

#[test]
fn the_all_in_cost_table_is_what_the_code_writes_for_the_generators_traffic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/cost.md")).unwrap();
    let (mut default_at_5, mut provisioned_at_5, mut missing) = (0.0, 0.0, Vec::new());
    for (profile_name, profile) in [("full", Profile::Full), ("lean", Profile::Lean)] {
        let dir = std::env::temp_dir().join(format!("apigw-all-in-cost-{profile_name}-{}", std::process::id()));
        let spec = Spec {
            profile,
            ..crate::helpers::traffic(6, 1_000_000, 5, Some(START_MS))
        };
        let files = crate::helpers::generate(&dir, &spec);
        let truth = crate::helpers::truth(&dir);
        for (knob, success) in knobs() {
            let m = measure(&files, &truth, success);
            // Provisioned only for the default knob and profile: the question is whether it reaches $1.
            let capacities: &[Capacity] = match (profile_name, knob) {
                ("lean", "summary") => &[Capacity::OnDemand, Capacity::Provisioned],
                _ => &[Capacity::OnDemand],
            };
            for &capacity in capacities {
                let (p1, p5) = (parts(&m, 0.01, capacity), parts(&m, 0.05, capacity));
                let row = format!(
                    "| {profile_name} | {knob} | {} | {:.0} | {:.2} / {:.2} | {:.0} / {:.0} | {:.0} | {:.0} | {:.0} | ${:.3} | ${:.3} | ${:.3} | ${:.2} | ${:.2} |",
                    capacity.name(),
                    m.gateway_log_bytes,
                    m.ok.units,
                    m.bad.units,
                    m.ok.byte_months,
                    m.bad.byte_months,
                    1e6 * m.invocations,
                    1e6 * m.marked,
                    1e6 * m.billed_ms / 1000.0 * FUNCTION_MEMORY_MB / 1024.0,
                    p5[5],
                    p5[6],
                    p5[3] + p5[4],
                    p1.iter().sum::<f64>(),
                    p5.iter().sum::<f64>(),
                );
                eprintln!("{row}");
                eprintln!(
                    "  parts at 5%: {p5:.3?}; function log bytes per request {:.0}",
                    m.lambda_log_bytes
                );
                missing.extend((!doc.contains(&row)).then_some(row));
                match (profile_name, knob, capacity) {
                    ("lean", "summary", Capacity::OnDemand) => default_at_5 = p5.iter().sum::<f64>(),
                    ("lean", "summary", Capacity::Provisioned) => provisioned_at_5 = p5.iter().sum::<f64>(),
                    _ => {}
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        missing.is_empty(),
        "docs/cost.md lacks the measured rows:\n{}",
        missing.join("\n")
    );
    let verdict = |x: f64| if x <= 1.0 { "meets" } else { "misses" };
    let readme_line = format!(
        "Cost, all-in per million API requests at 5% failures with the default `SuccessStorage=summary` and \
         the lean logging profile: ${default_at_5:.2} on on-demand capacity, ${provisioned_at_5:.2} with \
         `TableBillingMode=PROVISIONED` ([docs/cost.md](docs/cost.md#all-in-per-logging-profile-and-success-knob))."
    );
    let doc_line = format!(
        "**The $1 target at 5% failures**: lean with `summary` is ${default_at_5:.2} on on-demand capacity \
         ({} it) and ${provisioned_at_5:.2} on provisioned capacity at 70% utilisation ({} it).",
        verdict(default_at_5),
        verdict(provisioned_at_5)
    );
    eprintln!("{doc_line}");
    assert!(doc.contains(&doc_line), "docs/cost.md lacks:\n{doc_line}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains(&readme_line), "README.md lacks:\n{readme_line}");
}
