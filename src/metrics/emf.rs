//! CloudWatch Embedded Metric Format: the same data points as JSON documents on stdout, which the Lambda
//! runtime's log pipeline turns into metrics (no API call). Pure: returns the documents.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Datum, Dimension, Unit};

/// EMF: at most 100 metrics per directive and 100 values per metric array (EMF specification).
pub(crate) const MAX_METRICS_PER_DOCUMENT: usize = 100;
/// EMF: at most 100 values in one metric's array.
pub(crate) const MAX_VALUES_PER_METRIC: usize = 100;

type Dimensions = Vec<Dimension>;
/// Metric name → (unit, samples) for one minute and dimension set.
type Samples = BTreeMap<&'static str, (Unit, Vec<f64>)>;

/// One JSON document per line, grouping metrics that share a minute and a dimension set.
pub fn documents(namespace: &str, datums: &[Datum]) -> Vec<String> {
    let mut groups: BTreeMap<(i64, &Dimensions), Samples> = BTreeMap::new();
    for d in datums {
        let g = groups.entry((d.key.minute_ms, &d.key.dimensions)).or_default();
        let (_, samples) = g.entry(d.key.name).or_insert((d.key.unit, Vec::new()));
        for (v, c) in &d.values {
            // EMF has no counts: a distribution is its samples, repeated.
            samples.extend(std::iter::repeat_n(*v, (*c as usize).max(1)));
        }
    }
    let mut out = Vec::new();
    for ((minute, dims), mut metrics) in groups {
        while metrics.values().any(|(_, s)| !s.is_empty()) {
            let mut root = Map::new();
            let mut defs = Vec::new();
            for (name, (unit, samples)) in metrics
                .iter_mut()
                .filter(|(_, (_, s))| !s.is_empty())
                .take(MAX_METRICS_PER_DOCUMENT)
            {
                let take: Vec<f64> = samples.drain(..samples.len().min(MAX_VALUES_PER_METRIC)).collect();
                let value = if take.len() == 1 { json!(take[0]) } else { json!(take) };
                root.insert((*name).to_string(), value);
                defs.push(json!({"Name": name, "Unit": unit.as_str()}));
            }
            for (k, v) in dims.iter() {
                root.insert((*k).to_string(), Value::String(v.to_string()));
            }
            let names: Vec<&str> = dims.iter().map(|(k, _)| *k).collect();
            root.insert(
                "_aws".into(),
                json!({"Timestamp": minute, "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [names], "Metrics": defs}]}),
            );
            out.push(Value::Object(root).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricKey;

    /// Checks a document against the EMF specification's required structure.
    fn assert_valid_emf(doc: &str) -> Value {
        let v: Value = serde_json::from_str(doc).unwrap();
        let aws = v["_aws"].as_object().expect("_aws object");
        assert!(aws["Timestamp"].as_i64().is_some(), "Timestamp is epoch ms");
        let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics array");
        for d in directives {
            let ns = d["Namespace"].as_str().unwrap();
            assert!(!ns.is_empty() && ns.len() <= 255);
            for set in d["Dimensions"].as_array().unwrap() {
                let set = set.as_array().unwrap();
                assert!(set.len() <= 30);
                for name in set {
                    assert!(
                        v[name.as_str().unwrap()].is_string(),
                        "dimension {name} is a string member"
                    );
                }
            }
            let metrics = d["Metrics"].as_array().unwrap();
            assert!(!metrics.is_empty() && metrics.len() <= MAX_METRICS_PER_DOCUMENT);
            for m in metrics {
                let value = &v[m["Name"].as_str().unwrap()];
                match value {
                    Value::Number(_) => {}
                    Value::Array(a) => assert!(a.len() <= MAX_VALUES_PER_METRIC && a.iter().all(Value::is_number)),
                    other => panic!("metric value {other}"),
                }
                assert!(["Count", "Milliseconds", "Percent"].contains(&m["Unit"].as_str().unwrap()));
            }
        }
        v
    }

    #[test]
    fn documents_follow_the_specification_and_carry_every_sample() {
        let dims = vec![("ApiId", "a1b2c3d4e5".into()), ("Stage", "dev".into())];
        let key = |name, unit| MetricKey {
            name,
            unit,
            minute_ms: 1_763_726_400_000,
            dimensions: dims.clone(),
        };
        let datums = vec![
            Datum {
                key: key("Requests", Unit::Count),
                values: vec![(160.0, 1.0)],
            },
            Datum {
                key: key("IntegrationLatency", Unit::Milliseconds),
                values: (0..90).map(|v| (v as f64, 2.0)).collect(),
            },
        ];
        let docs = documents("ApiGatewayLogs", &datums);
        assert_eq!(docs.len(), 2, "180 latency samples need two documents");
        let mut samples = 0;
        for d in &docs {
            let v = assert_valid_emf(d);
            assert_eq!(v["ApiId"], "a1b2c3d4e5");
            samples += v["IntegrationLatency"].as_array().map_or(0, Vec::len);
        }
        assert_eq!(samples, 180);
        assert_eq!(serde_json::from_str::<Value>(&docs[0]).unwrap()["Requests"], 160.0);
    }
}
