//! Builds batches from readable lines and runs them through the library's offline pipeline.

use apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES;
use apigw_log_indexer::decode;
use apigw_log_indexer::encode;
use apigw_log_indexer::join::Joined;
use apigw_log_indexer::metrics::MetricsOptions;
use apigw_log_indexer::parse::{ParseOptions, ParseStats, parse_batch};
use std::num::{NonZeroU32, NonZeroU64};
use std::path::{Path, PathBuf};

use apigw_log_indexer::pipeline::{Delivery, PipelineConfig, Plan, Services, plan_delivery};
use apigw_log_indexer::redact::Redactor;
use apigw_traffic::Spec;
use serde_json::Value;

pub const EXEC_GROUP: &str = "API-Gateway-Execution-Logs_a1b2c3d4e5/dev";
pub const LAMBDA_GROUP: &str = "/aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ";
pub const ACCESS_GROUP: &str = "/aws/apigateway/access-logs-dev";

/// The records of parsing some batches together: API records and Lambda records as JSON values.
pub struct Out {
    pub api: Vec<Value>,
    pub lambda: Vec<Value>,
    pub stats: ParseStats,
}

impl Out {
    pub fn api(&self, id: &str) -> &Value {
        self.api
            .iter()
            .find(|r| r["request_id"] == id)
            .unwrap_or_else(|| panic!("no API record {id}: {:#?}", self.api))
    }
    pub fn lambda(&self, id: &str) -> &Value {
        self.lambda
            .iter()
            .find(|r| r["request_id"] == id)
            .unwrap_or_else(|| panic!("no Lambda record {id}: {:#?}", self.lambda))
    }
}

/// Encodes `lines` (fixture syntax) as an event of `group`, exactly as CloudWatch Logs would deliver it.
pub fn event(group: &str, lines: &[&str]) -> String {
    let events = encode::read_fixture(&lines.join("\n"), false).expect("fixture lines");
    encode::lambda_event(&encode::data_payload(group, "stream-0", 1_700_000_000_000, events))
}

/// An event of `group` with one log event per message, 1 ms apart, from a Lambda-style stream.
pub fn event_of(group: &str, messages: &[String]) -> String {
    let events = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (i as i64, m.clone()))
        .collect();
    encode::lambda_event(&encode::data_payload(
        group,
        "2025/11/21/[$LATEST]0123456789abcdef0123456789abcdef",
        1_763_726_400_000,
        events,
    ))
}

/// Decodes and parses events together (as `apigw-logs parse` does).
pub fn parse_events(events: &[String]) -> Out {
    let decoded: Vec<Vec<u8>> = events
        .iter()
        .map(|e| decode::decode_event(e.as_bytes(), decode::DEFAULT_MAX_DECODED_BYTES).expect("decodes"))
        .collect();
    let payloads: Vec<_> = decoded
        .iter()
        .map(|b| decode::parse_payload(b).expect("payload"))
        .collect();
    let redactor = Redactor::builtin();
    let mut joined = Joined::default();
    let mut stats = ParseStats::default();
    for p in &payloads {
        let batch = parse_batch(p, &redactor, ParseOptions { keep_lines: true });
        stats.add(&batch.stats);
        joined.add_batch(batch);
    }
    let (api, lambda) = joined.records();
    Out {
        api: api
            .iter()
            .map(|r| serde_json::to_value(r).expect("serializes"))
            .collect(),
        lambda: lambda
            .iter()
            .map(|r| serde_json::to_value(r).expect("serializes"))
            .collect(),
        stats,
    }
}

/// Parses one batch of `group`.
pub fn parse(group: &str, lines: &[&str]) -> Out {
    parse_events(&[event(group, lines)])
}

/// The pipeline's services around the given adapters, with default settings.
pub fn services<W, M, L>(writer: W, metrics: M, ledger: L, own_log_group: Option<&str>) -> Services<W, M, L> {
    Services {
        config: PipelineConfig {
            access_log_groups: Vec::new(),
            execution_log_groups: Vec::new(),
            own_account: None,
            max_decoded_bytes: DEFAULT_MAX_DECODED_BYTES,
            retention_days: 30,
            success: apigw_log_indexer::index::SuccessPolicy::FULL,
        },
        redactor: Redactor::builtin(),
        metrics_options: MetricsOptions::default(),
        own_log_group: own_log_group.map(str::to_string),
        writer,
        metrics,
        ledger,
    }
}

/// An execution-log event of one line, logged a minute ago (recent enough for CloudWatch metrics).
pub fn recent_event(line: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    encode::lambda_event(&encode::data_payload(
        EXEC_GROUP,
        "s",
        now - 60_000,
        vec![(0, line.to_string())],
    ))
}

/// The generator's traffic for `batches` deliveries per stream of about `batch_bytes`, from `seed`, its first
/// request at `start_ms` (`None`: the generator's default start).
pub fn traffic(batches: u32, batch_bytes: u64, seed: u64, start_ms: Option<i64>) -> Spec {
    let default = Spec::default();
    Spec {
        batches: NonZeroU32::new(batches).expect("at least one batch"),
        batch_bytes: NonZeroU64::new(batch_bytes).expect("a batch size above zero"),
        seed,
        start_ms: start_ms.unwrap_or(default.start_ms),
        profile: default.profile,
    }
}

/// Writes the generator's traffic (crate `apigw-traffic`, in process) into `dir`: `exec-NNNN.json`,
/// `lambda-NNNN.json` and `truth.jsonl`; its event files, in order.
pub fn generate(dir: &Path, spec: &Spec) -> Vec<PathBuf> {
    apigw_traffic::generate(spec)
        .and_then(|generated| generated.write(dir))
        .unwrap_or_else(|e| panic!("generating traffic into {}: {e}", dir.display()))
}

/// The `truth.jsonl` that [`generate`] wrote into `dir`: one JSON object per request.
pub fn truth(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("truth.jsonl"))
        .unwrap_or_else(|e| panic!("reading {}/truth.jsonl: {e}", dir.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("truth.jsonl line {l:?}: {e}")))
        .collect()
}

/// What the pipeline plans for an event with the default settings, at `now_ms`.
pub fn plan(event: &[u8], now_ms: i64) -> Plan {
    plan_with(event, now_ms, apigw_log_indexer::index::SuccessPolicy::FULL)
}

/// What the pipeline plans for an event with the default settings but `success`, at `now_ms`.
pub fn plan_with(event: &[u8], now_ms: i64, success: apigw_log_indexer::index::SuccessPolicy) -> Plan {
    let mut s = services((), (), (), None);
    s.config.success = success;
    plan_delivery(
        Delivery::Event(event),
        &s.redactor,
        &s.config,
        &s.metrics_options,
        None,
        now_ms,
    )
    .expect("a valid event")
}
