//! Secrets planted in every position a log line can carry one (header maps, `Name: value`, JSON bodies at
//! depth, JSON escaped once and twice, query strings and query-string maps, Authorization/SigV4 values,
//! bearer tokens, AWS key pairs, JWTs, HTTP API cookies) across execution, access and Lambda lines never
//! reach an index item (summary attributes or the decompressed `data`), `parse` output (JSON and table), or
//! the function's own log. In memory as a property test, and once over the wire into moto.

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use apigw_log_indexer::encode;
use apigw_log_indexer::index::{AttrValue, IndexItem, blob};
use apigw_log_indexer::lambda;
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::memory::RecordingMetrics;
use apigw_log_indexer::pipeline::{self, PipelineConfig, Services};
use apigw_log_indexer::redact::Redactor;
use lambda_runtime::tracing::subscriber;
use lambda_runtime::{Context, LambdaEvent};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::value::RawValue;

use crate::helpers::{ACCESS_GROUP, EXEC_GROUP, LAMBDA_GROUP};
use crate::moto;

const API: &str = "2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f";
const API2: &str = "7c1d9e3a-2b4f-4c6d-8e0f-1a2b3c4d5e6f";
const LAMBDA: &str = "5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f";
const TS: &str = "2023-10-30T12:58:31.500Z";

/// The secrets of one case: plain values (`g`), an AWS key pair, and two JWTs.
#[derive(Debug, Clone)]
pub struct Secrets {
    g: Vec<String>,
    key_ids: [String; 2],
    secret_key: String,
    jwts: [String; 2],
}

impl Secrets {
    pub fn all(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.g.iter().map(String::as_str).collect();
        v.extend(self.key_ids.iter().map(String::as_str));
        v.push(&self.secret_key);
        v.extend(self.jwts.iter().map(String::as_str));
        v
    }
}

/// Values with no vowel `a e i o` nor `w`, so that no secret contains a word the redactor looks for.
fn plain() -> impl Strategy<Value = String> {
    "[b-df-hj-np-vx-z0-9]{14}".prop_map(|s| format!("Zq{s}"))
}

pub fn secrets() -> impl Strategy<Value = Secrets> {
    let jwt = "[A-Za-z0-9_-]{10,20}\\.[A-Za-z0-9_-]{10,20}\\.[A-Za-z0-9_-]{10,30}".prop_map(|s| format!("eyJ{s}"));
    (
        prop::collection::vec(plain(), 26),
        ["AKIA[A-Z0-9]{16}", "ASIA[A-Z0-9]{16}"],
        "[A-Za-z0-9+/]{40}",
        [jwt.clone(), jwt],
    )
        .prop_map(|(g, key_ids, secret_key, jwts)| Secrets {
            g,
            key_ids,
            secret_key,
            jwts,
        })
}

/// The three deliveries (execution, access, Lambda logs) with every secret planted.
pub fn deliveries(s: &Secrets) -> Vec<String> {
    let g = &s.g;
    let [akid, akid2] = &s.key_ids;
    let [jwt, jwt2] = &s.jwts;
    let sk = &s.secret_key;
    let exec: Vec<String> = [
        format!("Method request headers: {{Accept=*/*, Authorization=Bearer {}, X-Api-Key={}, Cookie=sid={}; theme=dark}}", g[0], g[1], g[2]),
        format!("Method request query string: {{access_token={}, page=2}}", g[3]),
        format!(r#"Method request body before transformations: {{"user":{{"password":"{}","profile":{{"client_secret":"{}"}}}}}}"#, g[4], g[5]),
        format!("Endpoint request URI: https://h.example/p?token={}&x=1", g[6]),
        format!("Endpoint request headers: {{Authorization=AWS4-HMAC-SHA256 Credential={akid}/20240101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature={}, X-Amz-Security-Token={}}}", g[7], g[8]),
        format!(r#"Endpoint request body after transformations: {{"headers":{{"authorization":"Bearer {jwt}"}},"body":"{{\"refresh_token\":\"{}\",\"x\":{{\"api_key\":\"{}\"}}}}","cookies":["session={}"]}}"#, g[9], g[10], g[11]),
        format!("Sending request to https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:fn/invocations?X-Amz-Signature={}", g[12]),
        format!(r#"Endpoint response body before transformations: {{"statusCode":502,"body":"{{\"access_token\":\"{}\"}}"}}"#, g[13]),
        format!("Lambda execution failed with status 200 due to customer function error: Authorization: Bearer {}. Lambda request id: {LAMBDA}", g[14]),
        format!("Execution failed due to configuration error: Malformed Lambda proxy response password={}", g[15]),
        "Method completed with status: 502".to_string(),
        format!("AWS Integration Endpoint RequestId : {LAMBDA}"),
    ]
    .into_iter()
    .map(|l| format!("({API}) {l}"))
    .collect();
    let access = vec![format!(
        r#"{{"requestId":"{API2}","status":"502","httpMethod":"GET","resourcePath":"/p","error.message":"Internal server error","integrationErrorMessage":"Lambda Customer Function Error: token={}","userAgent":"curl Bearer {}","path":"/p?api_key={}"}}"#,
        g[16], g[17], g[18]
    )];
    let lambda = vec![
        format!("START RequestId: {LAMBDA} Version: $LATEST"),
        format!(
            r#"{TS}	{LAMBDA}	ERROR	Invoke Error 	{{"errorType":"Error","errorMessage":"Authorization: Bearer {}","headers":{{"Cookie":"a={}"}}}}"#,
            g[19], g[20]
        ),
        format!(
            "[INFO]\t{TS}\t{LAMBDA}\t{{'password': '{}', 'keys': '{akid2} {sk}'}}",
            g[21]
        ),
        format!(
            r#"{{"timestamp":"{TS}","level":"ERROR","requestId":"{LAMBDA}","message":"Invoke Error {{\"event\":{{\"body\":\"{{\\\"client_secret\\\":\\\"{}\\\"}}\"}}}}"}}"#,
            g[22]
        ),
        format!(
            "RequestId: {LAMBDA} Error: Runtime exited with error: signal: killed token={}",
            g[23]
        ),
        format!("user logged in with Bearer {} and id token {jwt2}", g[24]),
        format!("{TS}\t{LAMBDA}\tINFO\t{{ cookies: [ 'c={}' ] }}", g[25]),
        format!("END RequestId: {LAMBDA}"),
        format!(
            "REPORT RequestId: {LAMBDA}\tDuration: 3.2 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: error\tError Type: Runtime.OutOfMemory"
        ),
    ];
    let start = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64 - 60_000;
    let event = |group: &str, lines: Vec<String>| {
        let events = lines.into_iter().enumerate().map(|(i, l)| (i as i64, l)).collect();
        encode::lambda_event(&encode::data_payload(group, "stream-0", start, events))
    };
    vec![
        event(EXEC_GROUP, exec),
        event(ACCESS_GROUP, access),
        event(LAMBDA_GROUP, lambda),
    ]
}

/// Everything an item holds as text: keys, string attributes, numbers, and the decompressed data.
pub fn item_text(item: &IndexItem) -> String {
    let mut out = format!("{} {}", item.pk, item.sk);
    for (name, v) in &item.attrs {
        let text = match v {
            AttrValue::S(s) | AttrValue::N(s) => s.clone(),
            AttrValue::B(b) => String::from_utf8(blob::decompress(b).expect("a stored blob decodes")).unwrap(),
            AttrValue::Bool(b) => b.to_string(),
        };
        out.push_str(&format!(" {name}={text}"));
    }
    out
}

/// Collects what the tracing subscriber writes.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Captures what the function logs on this thread until the guard is dropped.
pub fn capture_log() -> (Captured, lambda_runtime::tracing::dispatcher::DefaultGuard) {
    let log = Captured::default();
    let writer = log.clone();
    let sub = subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (log, subscriber::util::SubscriberInitExt::set_default(sub))
}

/// The function's services with in-memory adapters.
pub fn memory_services() -> Services<MemoryIndex, RecordingMetrics, MemoryIndex> {
    crate::helpers::services(
        MemoryIndex::new(),
        RecordingMetrics::default(),
        MemoryIndex::new(),
        None,
    )
}

/// Runs the Lambda handler on each delivery with in-memory adapters; returns the items stored and the
/// function's own log output.
pub fn run_function(events: &[String]) -> (Vec<IndexItem>, String) {
    let (log, _guard) = capture_log();
    let services = memory_services();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for e in events {
        let mut context = Context::default();
        context.deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64 + 30_000;
        let event = LambdaEvent::new(RawValue::from_string(e.clone()).unwrap(), context);
        rt.block_on(lambda::handle(&services, event)).unwrap();
    }
    (services.writer.dump(), log.text())
}

/// `apigw-logs parse` (JSON and table) on the deliveries, stdout and stderr together.
pub fn run_parse(events: &[String]) -> String {
    let dir = std::env::temp_dir().join(format!("hostile-parse-{}-{}", std::process::id(), fastrand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let p = dir.join(format!("e{i}.json"));
            std::fs::File::create(&p).unwrap().write_all(e.as_bytes()).unwrap();
            p.display().to_string()
        })
        .collect();
    let mut out = String::new();
    for json in [true, false] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_apigw-logs"));
        cmd.arg("parse");
        if json {
            cmd.arg("--json");
        }
        let o = cmd.args(&files).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out.push_str(&String::from_utf8_lossy(&o.stdout));
        out.push_str(&String::from_utf8_lossy(&o.stderr));
    }
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn fastrand_suffix() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

fn leaked<'s>(secrets: &'s Secrets, text: &str) -> Vec<&'s str> {
    secrets.all().into_iter().filter(|s| text.contains(s)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn no_planted_secret_is_stored_printed_or_logged(s in secrets()) {
        let events = deliveries(&s);
        let (items, log) = run_function(&events);
        prop_assert!(items.len() >= 4, "{} items", items.len());
        for item in &items {
            let text = item_text(item);
            prop_assert!(leaked(&s, &text).is_empty(), "stored {:?} in {}", leaked(&s, &text), text);
        }
        prop_assert!(log.contains("batch indexed"), "{}", log);
        prop_assert!(leaked(&s, &log).is_empty(), "logged {:?}: {}", leaked(&s, &log), log);
        let printed = run_parse(&events);
        prop_assert!(printed.contains("LambdaOutOfMemory"), "{}", printed);
        prop_assert!(leaked(&s, &printed).is_empty(), "printed {:?}: {}", leaked(&s, &printed), printed);
    }
}

/// The same deliveries over the wire: every item moto holds, read back raw and decompressed.
#[tokio::test]
async fn no_planted_secret_reaches_dynamodb() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let s = secrets().new_tree(&mut runner).unwrap().current();
    let index = moto::new_index("hostile-secrets").await;
    let cfg = PipelineConfig {
        access_log_groups: Vec::new(),
        execution_log_groups: Vec::new(),
        own_account: None,
        max_decoded_bytes: apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES,
        retention_days: 30,
        success: apigw_log_indexer::index::SuccessPolicy::FULL,
    };
    for e in deliveries(&s) {
        let deadline = Instant::now() + Duration::from_secs(60);
        pipeline::process(e.as_bytes(), &Redactor::builtin(), &cfg, &index, deadline)
            .await
            .unwrap();
    }
    let items = moto::items(index.table()).await;
    assert!(items.len() >= 4, "{} items", items.len());
    let planted = s.all().len();
    for item in &items {
        let text = item_text(item);
        assert!(leaked(&s, &text).is_empty(), "stored {:?} in {text}", leaked(&s, &text));
    }
    eprintln!("{planted} secrets planted: 0 stored in {} items", items.len());
}
