//! The template shows the near-miss metrics the indexer publishes, and the demo's example alarm warns before
//! the demo function's first timeout: its `LambdaDuration` maximum above 80% of its own `Timeout`.

use std::path::Path;

use apigw_log_indexer::health::DEFAULT_THRESHOLD_PERCENT;
use apigw_log_indexer::metrics::names;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The value of `key: value` in the lines of the top-level resource `name` (indent 2).
fn property(template: &str, name: &str, key: &str) -> String {
    let block: Vec<&str> = template
        .lines()
        .skip_while(|l| *l != format!("  {name}:"))
        .skip(1)
        .take_while(|l| !(l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':')))
        .collect();
    block
        .iter()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("{name} has no {key}: {block:#?}"))
        .to_string()
}

#[test]
fn the_dashboard_shows_every_near_miss_metric() {
    let t = read("template.yaml");
    let dashboard = &t[t.find("  Dashboard:").unwrap()..t.find("\nOutputs:").unwrap()];
    for name in [
        names::LAMBDA_DURATION,
        names::LAMBDA_DURATION_OF_TIMEOUT,
        names::LAMBDA_MEMORY_OF_SIZE,
        names::LAMBDA_INIT_DURATION,
        names::INTEGRATION_LATENCY_OF_TIMEOUT,
    ] {
        assert!(
            dashboard.contains(&format!("MetricName=\\\"{name}\\\"")),
            "{name} is not on the dashboard"
        );
    }
    assert!(dashboard.contains(&format!("\"value\": {DEFAULT_THRESHOLD_PERCENT}")));
}

#[test]
fn the_demo_alarm_warns_at_80_percent_of_the_demo_functions_timeout() {
    let demo = read("demo/template.yaml");
    let timeout_s: f64 = property(&demo, "DemoFunction", "Timeout").parse().unwrap();
    let alarm = "DemoNearTimeoutAlarm";
    assert_eq!(property(&demo, alarm, "MetricName"), names::LAMBDA_DURATION);
    assert_eq!(property(&demo, alarm, "Statistic"), "Maximum");
    let threshold: f64 = property(&demo, alarm, "Threshold").parse().unwrap();
    assert_eq!(threshold, timeout_s * 1_000.0 * DEFAULT_THRESHOLD_PERCENT / 100.0);
    assert!(demo.contains("- { Name: FunctionName, Value: !Ref DemoFunction }"));
    let t = read("template.yaml");
    assert!(t.contains("Value: !GetAtt DemoApp.Outputs.NearTimeoutAlarmName"));
}
