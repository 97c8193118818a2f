//! Benchmarks of the offline pipeline over batches of the traffic generator (crate `apigw-traffic`, the same
//! files `apigw-logs make-traffic` writes): every stage alone,
//! the whole pipeline, and the floor (what any implementation must spend: base64 + gunzip + `serde_json`
//! into borrowed strings, with the same decompression and JSON libraries the pipeline uses, and nothing else).
//!
//! Inputs (generated into `target/bench-data/` on first use, deterministic for the generator's default seed):
//! `1mb` is an execution-log batch of ~1.1 MB decoded, `64kb` one of ~74 KB, `lambda` the Lambda-log batch the
//! generator writes next to the 1 MB one (~145 KB decoded).
//!
//! Two ways to run:
//! - `cargo bench --bench pipeline [-- FILTER]`: criterion, wall time per batch (single thread, so equal to
//!   CPU time when nothing preempts it).
//! - `PIPELINE_BENCH_CPU=full/1mb:300,floor/1mb:300 cargo bench --bench pipeline`: runs each `stage/input`
//!   that many times in a plain loop and prints the process CPU time (user + system, from `/proc/self/stat`)
//!   per iteration, the same measure `scripts/bench.sh` takes of the Python baseline. The loop is the
//!   non-inlined `run_stage`, so `valgrind --tool=callgrind --toggle-collect='*run_stage*'` counts exactly it.
//!
//! Under `cargo test --all-targets` (no `--bench` flag) criterion runs each benchmark once, as a smoke test.

use std::borrow::Cow;
use std::hint::black_box;
use std::io::Read as _;
use std::num::{NonZeroU32, NonZeroU64};
use std::path::{Path, PathBuf};
use std::time::Duration;

use apigw_log_indexer::classify::{ClassifiedBatch, classify_batch};
use apigw_log_indexer::decode::{self, DEFAULT_MAX_DECODED_BYTES, LogsPayload};
use apigw_log_indexer::index::{ItemOptions, blob, items_for_batch, layout};
use apigw_log_indexer::join::Joined;
use apigw_log_indexer::metrics::{self, MetricSet, MetricsOptions};
use apigw_log_indexer::parse::{ParseOptions, ParsedBatch, parse_batch};
use apigw_log_indexer::redact::Redactor;
use base64::Engine as _;
use criterion::{BatchSize, Criterion, Throughput};
use serde::Deserialize;

/// One benchmark input: the Lambda event as delivered, and its decompressed payload.
struct Input {
    name: &'static str,
    event: Vec<u8>,
    decoded: Vec<u8>,
}

/// Generator runs: (directory under `target/bench-data`, `--batch-bytes`).
const DATASETS: [(&str, u64); 2] = [("1mb", 1_000_000), ("64kb", 64_000)];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Generates the data sets that are missing (the generator's default seed and start, one batch each).
fn ensure_data(dir: &Path) {
    for (name, bytes) in DATASETS {
        let out = dir.join(name);
        if out.join("exec-0000.json").exists() && out.join("lambda-0000-0000.json").exists() {
            continue;
        }
        let spec = apigw_traffic::Spec {
            batches: NonZeroU32::MIN,
            batch_bytes: NonZeroU64::new(bytes).expect("a batch size above zero"),
            ..apigw_traffic::Spec::default()
        };
        apigw_traffic::generate(&spec)
            .and_then(|generated| generated.write(&out))
            .unwrap_or_else(|e| panic!("benchmark data {name}: {e}"));
    }
}

fn load(dir: &Path, name: &'static str, file: &str) -> Input {
    let event = std::fs::read(dir.join(file)).expect("benchmark event is readable");
    let decoded = decode::decode_event(&event, DEFAULT_MAX_DECODED_BYTES).expect("benchmark event decodes");
    Input { name, event, decoded }
}

fn inputs(dir: &Path) -> Vec<Input> {
    vec![
        load(dir, "1mb", "1mb/exec-0000.json"),
        load(dir, "64kb", "64kb/exec-0000.json"),
        load(dir, "lambda", "1mb/lambda-0000-0000.json"),
    ]
}

// ---------------------------------------------------------------------------------------------------------
// The floor: the same bytes through the same libraries, into a borrowed struct of `LogsPayload`'s shape.

#[derive(Deserialize)]
struct FloorEnvelope<'a> {
    #[serde(borrow)]
    awslogs: FloorAwslogs<'a>,
}

#[derive(Deserialize)]
struct FloorAwslogs<'a> {
    #[serde(borrow)]
    data: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // read only by the deserializer: that is the work being measured
struct FloorPayload<'a> {
    #[serde(borrow)]
    message_type: Cow<'a, str>,
    #[serde(borrow)]
    owner: Cow<'a, str>,
    #[serde(borrow)]
    log_group: Cow<'a, str>,
    #[serde(borrow)]
    log_stream: Cow<'a, str>,
    subscription_filters: Vec<String>,
    #[serde(borrow)]
    log_events: Vec<FloorEvent<'a>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct FloorEvent<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    timestamp: i64,
    #[serde(borrow)]
    message: Cow<'a, str>,
}

/// Event JSON → base64 → gunzip (`read_to_end`, flate2 with the crate's backend) → payload JSON.
fn floor(event: &[u8]) -> usize {
    let env: FloorEnvelope<'_> = serde_json::from_slice(event).expect("event JSON");
    let gz = base64::engine::general_purpose::STANDARD
        .decode(env.awslogs.data.as_bytes())
        .expect("base64");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut bytes)
        .expect("gzip");
    let payload: FloorPayload<'_> = serde_json::from_slice(&bytes).expect("payload JSON");
    black_box(&payload);
    payload.log_events.len()
}

// ---------------------------------------------------------------------------------------------------------
// The pipeline's stages.

fn decode_stage(event: &[u8]) -> usize {
    let bytes = decode::decode_event(event, DEFAULT_MAX_DECODED_BYTES).expect("decode");
    let payload = decode::parse_payload(&bytes).expect("payload");
    black_box(&payload);
    payload.log_events.len()
}

fn parse_stage<'a>(payload: &'a LogsPayload<'_>, redactor: &Redactor) -> ParsedBatch<'a> {
    parse_batch(payload, redactor, ParseOptions { keep_lines: true })
}

/// Merges one batch's fragments and classifies every request and invocation.
fn join_classify_stage(batch: ParsedBatch<'_>) -> usize {
    let mut joined = Joined::default();
    joined.add_batch(batch);
    let (api, lambda) = joined.records();
    black_box((&api, &lambda));
    api.len() + lambda.len()
}

/// Classifies one batch's fragments, once, as the pipeline does before the index layout and the metrics.
fn classify_stage(batch: ParsedBatch<'_>) -> ClassifiedBatch<'_> {
    classify_batch(batch)
}

/// Aggregates the batch's metrics into the data points and `PutMetricData` calls that would be sent.
fn metrics_stage(batch: &ClassifiedBatch<'_>, now_ms: i64) -> usize {
    let mut set = MetricSet::default();
    set.add_batch(batch, &MetricsOptions::default(), now_ms);
    let datums = metrics::chunk::split_values(set.datums());
    let calls = metrics::chunk::calls(&datums);
    black_box(&calls);
    calls.len()
}

/// Lays out the batch's DynamoDB items (summaries, compressed line data, keys), as the Lambda writes them.
/// Stops at `IndexItem`: the SDK's request serialization (in the adapter) is not included.
fn items_stage(batch: &ClassifiedBatch<'_>) -> usize {
    let items = items_for_batch(batch, &ItemOptions::full(30));
    black_box(&items);
    items.items.len()
}

/// "Now" for metrics: the batch's own latest event, so every data point is inside CloudWatch's window.
fn batch_now_ms(payload: &LogsPayload<'_>) -> i64 {
    payload.log_events.iter().map(|e| e.timestamp).max().unwrap_or(0)
}

/// Everything the Lambda computes for one event: decode → parse → classify → metrics → index items.
fn full_stage(event: &[u8], redactor: &Redactor) -> usize {
    pipeline(event, redactor, true)
}

/// The same without the index items: the part of the work the floor and the Python baseline's parsing
/// compare with directly (the items add JSON and deflate of every kept line).
fn full_no_items_stage(event: &[u8], redactor: &Redactor) -> usize {
    pipeline(event, redactor, false)
}

fn pipeline(event: &[u8], redactor: &Redactor, with_items: bool) -> usize {
    let bytes = decode::decode_event(event, DEFAULT_MAX_DECODED_BYTES).expect("decode");
    let payload = decode::parse_payload(&bytes).expect("payload");
    let batch = classify_stage(parse_stage(&payload, redactor));
    let calls = metrics_stage(&batch, batch_now_ms(&payload));
    let items = if with_items { items_stage(&batch) } else { 0 };
    calls + items
}

// ---------------------------------------------------------------------------------------------------------
// Criterion.

fn benches(c: &mut Criterion, inputs: &[Input]) {
    let redactor = Redactor::builtin();
    let decoded_len = |i: &Input| Throughput::Bytes(i.decoded.len() as u64);

    let mut g = c.benchmark_group("floor");
    for i in inputs {
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| b.iter(|| floor(black_box(&i.event))));
    }
    g.finish();

    let mut g = c.benchmark_group("decode");
    for i in inputs {
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| b.iter(|| decode_stage(black_box(&i.event))));
    }
    g.finish();

    let mut g = c.benchmark_group("parse");
    for i in inputs {
        let payload = decode::parse_payload(&i.decoded).expect("payload");
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| b.iter(|| parse_stage(black_box(&payload), &redactor)));
    }
    g.finish();

    let mut g = c.benchmark_group("join_classify");
    for i in inputs {
        let payload = decode::parse_payload(&i.decoded).expect("payload");
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| {
            b.iter_batched(
                || parse_stage(&payload, &redactor),
                join_classify_stage,
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("classify");
    for i in inputs {
        let payload = decode::parse_payload(&i.decoded).expect("payload");
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| {
            b.iter_batched(
                || parse_stage(&payload, &redactor),
                |batch| classify_stage(batch).api.len(),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("metrics");
    for i in inputs {
        let payload = decode::parse_payload(&i.decoded).expect("payload");
        let batch = classify_stage(parse_stage(&payload, &redactor));
        let now = batch_now_ms(&payload);
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| b.iter(|| metrics_stage(black_box(&batch), now)));
    }
    g.finish();

    let mut g = c.benchmark_group("items");
    for i in inputs {
        let payload = decode::parse_payload(&i.decoded).expect("payload");
        let batch = classify_stage(parse_stage(&payload, &redactor));
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| b.iter(|| items_stage(black_box(&batch))));
    }
    g.finish();

    let mut g = c.benchmark_group("full");
    for i in inputs {
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| b.iter(|| full_stage(black_box(&i.event), &redactor)));
    }
    g.finish();

    let mut g = c.benchmark_group("full_no_items");
    for i in inputs {
        g.throughput(decoded_len(i));
        g.bench_function(i.name, |b| {
            b.iter(|| full_no_items_stage(black_box(&i.event), &redactor))
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------------------------------------
// CPU-time mode (`PIPELINE_BENCH_CPU`).

/// The stages the CPU-time loop can run.
const STAGES: [&str; 9] = [
    "floor",
    "decode",
    "parse",
    "join_classify",
    "classify",
    "metrics",
    "items",
    "full",
    "full_no_items",
];

/// This process's CPU time (user + system) in clock ticks of 10 ms, from `/proc/self/stat`.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat (Linux)");
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    let rest = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    let field = |n: usize| fields[n - 3].parse::<u64>().expect("numeric stat field");
    field(14) + field(15)
}

/// `/proc` reports CPU time in USER_HZ ticks, which Linux fixes at 100 per second for user space.
const TICK_NS: f64 = 10_000_000.0;

/// Calls `routine` `iters` times; kept out of line so profilers can select exactly this loop.
#[inline(never)]
fn run_stage(routine: &mut dyn FnMut() -> usize, iters: u64) -> usize {
    (0..iters).map(|_| routine()).sum()
}

/// `spec` is `stage/input:iterations[,…]`; prints one `cpu stage/input iters=N ns_per_iter=X` line each.
/// Each stage's input is prepared before the loop, so only the stage itself is timed.
fn cpu_mode(spec: &str, inputs: &[Input]) {
    let redactor = Redactor::builtin();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (id, iters) = item.split_once(':').unwrap_or((item, "100"));
        let iters: u64 = iters.parse().expect("iterations is a number");
        let (stage, name) = id.split_once('/').expect("stage/input");
        let input = inputs
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("unknown input {name:?}"));
        let payload = decode::parse_payload(&input.decoded).expect("payload");
        let batch = classify_stage(parse_stage(&payload, &redactor));
        let now = batch_now_ms(&payload);
        // join/classify and classify consume their batch: one parsed batch per iteration, made before the loop.
        let mut batches: Vec<ParsedBatch<'_>> = match stage {
            "join_classify" | "classify" => (0..=iters).map(|_| parse_stage(&payload, &redactor)).collect(),
            _ => Vec::new(),
        };
        let mut routine: Box<dyn FnMut() -> usize + '_> = match stage {
            "floor" => Box::new(|| floor(black_box(&input.event))),
            "decode" => Box::new(|| decode_stage(black_box(&input.event))),
            "parse" => Box::new(|| parse_stage(black_box(&payload), &redactor).api.len()),
            "join_classify" => Box::new(|| join_classify_stage(batches.pop().expect("one batch per iteration"))),
            "classify" => Box::new(|| {
                classify_stage(batches.pop().expect("one batch per iteration"))
                    .api
                    .len()
            }),
            "metrics" => Box::new(|| metrics_stage(black_box(&batch), now)),
            "items" => Box::new(|| items_stage(black_box(&batch))),
            "full" => Box::new(|| full_stage(black_box(&input.event), &redactor)),
            "full_no_items" => Box::new(|| full_no_items_stage(black_box(&input.event), &redactor)),
            other => panic!("unknown stage {other:?}; one of {STAGES:?}"),
        };
        // One untimed run: page in the code and warm the allocator, as criterion's warm-up does.
        black_box(run_stage(&mut *routine, 1));
        let before = cpu_ticks();
        black_box(run_stage(&mut *routine, iters));
        let ticks = cpu_ticks() - before;
        println!(
            "cpu {id} iters={iters} ns_per_iter={:.0} decoded_bytes={}",
            ticks as f64 * TICK_NS / iters as f64,
            input.decoded.len()
        );
    }
}

/// Writes, for each input, the uncompressed JSON of every `data` blob the Lambda would store, one JSON line
/// per blob with the size of the rest of its item (`{"other":N,"json":"…"}`), to `out/<input>.jsonl`. The
/// codec comparison (`benches/codec-frontier`) compresses exactly these bytes.
fn dump_parts(out: &Path, inputs: &[Input]) {
    std::fs::create_dir_all(out).expect("dump directory");
    let redactor = Redactor::builtin();
    for input in inputs {
        let payload = decode::parse_payload(&input.decoded).expect("payload");
        let batch = classify_stage(parse_stage(&payload, &redactor));
        let mut lines = String::new();
        for item in items_for_batch(&batch, &ItemOptions::full(30)).items {
            let Some(blob) = item.get(layout::DATA).and_then(|d| d.as_b()) else {
                continue;
            };
            let json = blob::decompress(blob).expect("a blob just made decodes");
            let json = String::from_utf8(json).expect("part JSON is UTF-8");
            let other = item.size() - blob.len();
            lines.push_str(&serde_json::json!({ "other": other, "json": json }).to_string());
            lines.push('\n');
        }
        std::fs::write(out.join(format!("{}.jsonl", input.name)), lines).expect("write the dump");
    }
}

fn main() {
    let dir = std::env::var_os("PIPELINE_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target/bench-data"));
    ensure_data(&dir);
    let inputs = inputs(&dir);
    if let Some(out) = std::env::var_os("PIPELINE_BENCH_DUMP_PARTS") {
        dump_parts(Path::new(&out), &inputs);
        return;
    }
    if let Ok(spec) = std::env::var("PIPELINE_BENCH_CPU") {
        cpu_mode(&spec, &inputs);
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    benches(&mut c, &inputs);
    c.final_summary();
}
