//! Requests and failures per reason, summed from each place metrics can be: the generator's ground truth,
//! EMF documents (what the function writes to its log), `PutMetricData` request bodies (what the proxy saw),
//! a batch's planned metric set, and CloudWatch itself (read back from moto).

use std::collections::BTreeMap;
use std::path::Path;

use apigw_log_indexer::aws::cloudwatch::Totals;
use apigw_log_indexer::metrics::MetricSet;
use serde_json::Value;

/// `Requests` and `Failures` by `FailureReason` for the generator's API and stage, and the Lambda counters
/// (`LambdaTimeouts`, `LambdaOutOfMemory`, `LambdaColdStarts`) of its function.
#[derive(Debug, Clone, Default)]
pub struct Sums {
    pub requests: f64,
    pub failures: BTreeMap<String, f64>,
    pub lambda: BTreeMap<String, f64>,
}

/// Equal when every non-zero sum is (a metric with no data points and one that sums to 0 are the same).
impl PartialEq for Sums {
    fn eq(&self, other: &Self) -> bool {
        let nonzero = |m: &BTreeMap<String, f64>| {
            m.iter()
                .filter(|(_, n)| **n != 0.0)
                .map(|(k, n)| (k.clone(), *n))
                .collect::<Vec<_>>()
        };
        self.requests == other.requests
            && nonzero(&self.failures) == nonzero(&other.failures)
            && nonzero(&self.lambda) == nonzero(&other.lambda)
    }
}

const LAMBDA_COUNTERS: [&str; 3] = ["LambdaTimeouts", "LambdaOutOfMemory", "LambdaColdStarts"];

impl Sums {
    pub fn add(&mut self, other: &Sums) {
        self.requests += other.requests;
        for (r, n) in &other.failures {
            *self.failures.entry(r.clone()).or_default() += n;
        }
        for (m, n) in &other.lambda {
            *self.lambda.entry(m.clone()).or_default() += n;
        }
    }

    pub fn minus(&self, other: &Sums) -> Sums {
        let mut out = self.clone();
        out.requests -= other.requests;
        for (r, n) in &other.failures {
            *out.failures.entry(r.clone()).or_default() -= n;
        }
        for (m, n) in &other.lambda {
            *out.lambda.entry(m.clone()).or_default() -= n;
        }
        out.failures.retain(|_, n| *n != 0.0);
        out.lambda.retain(|_, n| *n != 0.0);
        out
    }

    fn count(&mut self, metric: &str, reason: Option<&str>, n: f64) {
        match (metric, reason) {
            ("Requests", None) => self.requests += n,
            ("Failures", Some(r)) => *self.failures.entry(r.to_string()).or_default() += n,
            (m, None) if LAMBDA_COUNTERS.contains(&m) => *self.lambda.entry(m.to_string()).or_default() += n,
            _ => {}
        }
    }
}

/// The generator's `truth.jsonl` (API metrics; `lambda` stays empty: the truth does not tell cold starts).
pub fn truth(dir: &Path) -> Sums {
    let mut s = Sums::default();
    for l in std::fs::read_to_string(dir.join("truth.jsonl")).unwrap().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        s.requests += 1.0;
        if let Some(r) = v["failure_reason"].as_str() {
            *s.failures.entry(r.to_string()).or_default() += 1.0;
        }
    }
    s
}

/// The EMF documents among `text`'s lines (other lines are ignored).
pub fn emf(text: &str) -> Sums {
    let mut s = Sums::default();
    for line in text.lines().filter(|l| l.starts_with('{')) {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(directive) = v["_aws"]["CloudWatchMetrics"].get(0) else {
            continue;
        };
        let dims: Vec<&str> = directive["Dimensions"][0]
            .as_array()
            .map(|d| d.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let by_reason = dims == ["ApiId", "Stage", "FailureReason"];
        if !(by_reason || dims == ["ApiId", "Stage"] || dims == ["FunctionName"]) {
            continue;
        }
        for m in directive["Metrics"].as_array().into_iter().flatten() {
            let name = m["Name"].as_str().unwrap_or_default();
            let n: f64 = match &v[name] {
                Value::Array(a) => a.iter().filter_map(Value::as_f64).sum(),
                other => other.as_f64().unwrap_or(0.0),
            };
            let reason = by_reason.then(|| v["FailureReason"].as_str().unwrap_or_default());
            s.count(name, reason, n);
        }
    }
    s
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 3 <= b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A `PutMetricData` request body (query protocol, `MetricData.member.N.…`).
pub fn put_metric_data(body: &str) -> Sums {
    #[derive(Default)]
    struct D {
        name: String,
        dims: BTreeMap<String, (String, String)>,
        value: Option<f64>,
        values: BTreeMap<usize, f64>,
        counts: BTreeMap<usize, f64>,
    }
    let mut data: BTreeMap<usize, D> = BTreeMap::new();
    for kv in body.split('&') {
        let Some((k, v)) = kv.split_once('=') else { continue };
        let (k, v) = (percent_decode(k), percent_decode(v));
        let Some(rest) = k.strip_prefix("MetricData.member.") else {
            continue;
        };
        let Some((n, field)) = rest.split_once('.') else {
            continue;
        };
        let d = data.entry(n.parse().unwrap()).or_default();
        let num = |s: &str| s.parse::<f64>().unwrap();
        match field.split('.').collect::<Vec<_>>()[..] {
            ["MetricName"] => d.name = v,
            ["Value"] => d.value = Some(num(&v)),
            ["Values", "member", i] => {
                d.values.insert(i.parse().unwrap(), num(&v));
            }
            ["Counts", "member", i] => {
                d.counts.insert(i.parse().unwrap(), num(&v));
            }
            ["Dimensions", "member", i, "Name"] => d.dims.entry(i.to_string()).or_default().0 = v,
            ["Dimensions", "member", i, "Value"] => d.dims.entry(i.to_string()).or_default().1 = v,
            _ => {}
        }
    }
    let mut s = Sums::default();
    for d in data.values() {
        let n = d.value.unwrap_or_else(|| {
            d.values
                .iter()
                .map(|(i, v)| v * d.counts.get(i).copied().unwrap_or(1.0))
                .sum()
        });
        let dims: BTreeMap<&str, &str> = d.dims.values().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        match (d.name.as_str(), dims.len(), dims.get("FailureReason")) {
            ("Requests", 2, None) => s.count("Requests", None, n),
            ("Failures", 3, Some(r)) => s.count("Failures", Some(r), n),
            (m, 1, None) if dims.contains_key("FunctionName") => s.count(m, None, n),
            _ => {}
        }
    }
    s
}

/// What a batch's publish would count (its planned metric set).
pub fn planned(set: &MetricSet) -> Sums {
    let mut s = Sums {
        requests: set.requests_counted as f64,
        failures: set
            .failures_counted
            .iter()
            .map(|(r, n)| (r.to_string(), *n as f64))
            .collect(),
        lambda: BTreeMap::new(),
    };
    for d in set.datums() {
        if d.key.dimensions.len() == 1 && d.key.dimensions[0].0 == "FunctionName" {
            s.count(d.key.name, None, d.values.iter().map(|(v, c)| v * c).sum());
        }
    }
    s
}

/// What a clean run publishes for the API (the generator's truth) and for its function (the batches'
/// planned sets, checked against the truth's Lambda timeouts).
pub fn expected(dir: &Path, sets: &[MetricSet]) -> Sums {
    let mut s = truth(dir);
    for set in sets {
        let lambda = Sums {
            lambda: planned(set).lambda,
            ..Sums::default()
        };
        s.add(&lambda);
    }
    let timeouts = s.failures.get("LambdaTimeout").copied().unwrap_or(0.0);
    assert_eq!(
        s.lambda.get("LambdaTimeouts").copied().unwrap_or(0.0),
        timeouts,
        "every Lambda timeout is a LambdaTimeout request"
    );
    s
}

/// CloudWatch's totals, as `apigw-logs metrics` reads them.
pub fn read_back(t: &Totals) -> Sums {
    Sums {
        requests: t.requests.values().sum(),
        failures: t.failures.iter().map(|((_, _, r), n)| (r.clone(), *n)).collect(),
        lambda: t.lambda.iter().map(|((m, _), n)| (m.clone(), *n)).collect(),
    }
}
