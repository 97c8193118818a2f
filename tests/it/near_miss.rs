//! Near-miss metrics from the generator's traffic: every value the indexer publishes equals what its truth
//! gives (the REPORT figures and integration latencies it wrote), and what hit a limit is left out.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use apigw_log_indexer::metrics::near_miss::REST_INTEGRATION_TIMEOUT_MS;
use apigw_log_indexer::pipeline::{Delivery, process_delivery};
use apigw_traffic::InvocationTruth;

use crate::hostile::memory_services;

/// Value (in hundredths, as the metric set keeps them) → count, over every data point named `name`.
type Samples = BTreeMap<i64, u64>;

fn hundredths(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

#[tokio::test]
async fn near_miss_values_equal_what_the_truth_gives_and_limits_hit_are_left_out() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let spec = crate::helpers::traffic(4, 200_000, 21, Some(now - 3_600_000));
    let generated = apigw_traffic::generate(&spec).unwrap();
    let s = memory_services();
    for b in &generated.batches {
        process_delivery(
            &s,
            Delivery::Event(b.event.as_bytes()),
            Instant::now() + Duration::from_secs(30),
        )
        .await
        .unwrap();
    }
    let mut published: BTreeMap<&str, Samples> = BTreeMap::new();
    let datums = s.metrics.published();
    for d in &datums {
        let samples = published.entry(d.key.name).or_default();
        for (v, c) in &d.values {
            *samples.entry(hundredths(*v)).or_default() += *c as u64;
        }
        if d.key.name.ends_with("OfTimeout") || d.key.name.ends_with("OfSize") {
            assert_eq!(d.key.unit.as_str(), "Percent", "{}", d.key.name);
        }
    }

    // From the truth: each invocation that ran, and whether it hit its timeout.
    let ran: Vec<(InvocationTruth, bool)> = generated
        .truth
        .iter()
        .filter_map(|t| Some((t.invocation?, t.failure_reason == Some("LambdaTimeout"))))
        .collect();
    let mut want: BTreeMap<&str, Samples> = BTreeMap::new();
    let mut add = |name, v: f64| *want.entry(name).or_default().entry(hundredths(v)).or_default() += 1;
    for (inv, timed_out) in &ran {
        // Integration latency is logged for every invocation, timed out or not (only an integration
        // timeout is left out, and that never reaches the function here).
        add(
            "IntegrationLatencyOfTimeout",
            inv.integration_latency_ms as f64 * 100.0 / REST_INTEGRATION_TIMEOUT_MS,
        );
        if *timed_out {
            continue;
        }
        add("LambdaDuration", inv.duration_centi_ms as f64 / 100.0);
        add(
            "LambdaMemoryOfSize",
            inv.max_memory_used_mb as f64 * 100.0 / inv.memory_size_mb as f64,
        );
    }
    assert!(
        ran.iter().any(|(_, t)| *t) && ran.iter().any(|(_, t)| !*t),
        "both kinds ran"
    );
    for name in ["LambdaDuration", "LambdaMemoryOfSize", "IntegrationLatencyOfTimeout"] {
        assert_eq!(published.get(name), want.get(name), "{name}");
    }

    // Duration against the timeout: only where the batch showed the timeout (a timed-out invocation of the
    // same function), so a subset of what the truth gives, and never a timed-out invocation (100%).
    let of_timeout = &published["LambdaDurationOfTimeout"];
    let mut possible: Samples = BTreeMap::new();
    for (inv, _) in ran.iter().filter(|(_, t)| !*t) {
        let p = inv.duration_centi_ms as f64 / 100.0 * 100.0 / inv.timeout_ms as f64;
        *possible.entry(hundredths(p)).or_default() += 1;
    }
    assert!(!of_timeout.is_empty());
    for (v, n) in of_timeout {
        assert!(possible.get(v).is_some_and(|p| p >= n), "{v}: {n} not in the truth");
        assert!(*v < 10_000, "a timed-out invocation is not a near miss");
    }
    // The maximum the dashboard and `health` read is the truth's maximum.
    let max_truth = ran
        .iter()
        .filter(|(_, t)| !*t)
        .map(|(i, _)| i.duration_centi_ms as i64)
        .max();
    assert_eq!(published["LambdaDuration"].keys().next_back().copied(), max_truth);
}
