//! Compresses the indexer's stored part JSON with every codec worth considering and prints, per input batch,
//! one Markdown row per codec: compressed bytes, the write units of the items carrying the data, and CPU
//! time per batch. Usage: `codec-frontier DIR` where DIR holds `<input>.jsonl` from
//! `PIPELINE_BENCH_DUMP_PARTS=DIR` (one `{"other":N,"json":"…"}` per blob; `other` is the rest of its item).
//!
//! Per-part rows compress each part alone, as the items must be readable one by one. "One stream" rows
//! compress the batch's parts as one blob, the layout that would store a batch once and point into it: its
//! write units are the items without data plus the blob (1 KB per unit).

use std::io::Write as _;
use std::path::Path;

use flate2::{Compress, Compression, FlushCompress};
use serde::Deserialize;

/// The indexer's preset dictionary (format version 1).
static DICTIONARY: &[u8] = include_bytes!("../../../src/index/dictionary.txt");

/// DynamoDB bills writes per started kilobyte.
const WRITE_UNIT_BYTES: usize = 1024;

/// Each variant runs until it has used this much CPU time, so the 10 ms clock ticks are under 3% of it.
const MIN_CPU_TICKS: u64 = 40;

#[derive(Deserialize)]
struct Part {
    other: usize,
    json: String,
}

fn units(bytes: usize) -> usize {
    bytes.div_ceil(WRITE_UNIT_BYTES).max(1)
}

/// This process's user + system CPU time in 10 ms ticks (`/proc/self/stat` fields 14 and 15).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat (Linux)");
    let rest = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

/// CPU milliseconds per call of `f`.
fn cpu_ms(mut f: impl FnMut() -> usize) -> f64 {
    std::hint::black_box(f());
    let (start, mut calls) = (cpu_ticks(), 0u64);
    while cpu_ticks() - start < MIN_CPU_TICKS {
        std::hint::black_box(f());
        calls += 1;
    }
    (cpu_ticks() - start) as f64 * 10.0 / calls as f64
}

fn deflate(c: &mut Compress, dict: bool, input: &[u8]) -> Vec<u8> {
    c.reset();
    if dict {
        c.set_dictionary(DICTIONARY)
            .expect("a fresh raw stream takes a dictionary");
    }
    let mut out = Vec::with_capacity(input.len() + 64);
    c.compress_vec(input, &mut out, FlushCompress::Finish)
        .expect("deflate into a large enough buffer");
    out
}

/// A codec: compresses one input (a part, or a whole batch's parts).
type Codec = Box<dyn FnMut(&[u8]) -> Vec<u8>>;

fn per_part_codecs() -> Vec<(String, Codec)> {
    let mut codecs: Vec<(String, Codec)> = Vec::new();
    for level in [0u32, 1, 2, 3, 6, 9] {
        let mut c = Compress::new(Compression::new(level), false);
        codecs.push((
            format!("deflate {level} + dictionary"),
            Box::new(move |p| deflate(&mut c, true, p)),
        ));
    }
    for level in [1u32, 6] {
        let mut c = Compress::new(Compression::new(level), false);
        codecs.push((
            format!("deflate {level}, no dictionary"),
            Box::new(move |p| deflate(&mut c, false, p)),
        ));
    }
    for level in [1i32, 3, 5] {
        let dict = Box::leak(Box::new(zstd::dict::EncoderDictionary::copy(DICTIONARY, level)));
        let mut z = zstd::bulk::Compressor::with_prepared_dictionary(dict).expect("zstd compressor");
        codecs.push((
            format!("zstd {level} + dictionary (prepared once)"),
            Box::new(move |p| z.compress(p).expect("zstd")),
        ));
    }
    codecs.push((
        "lz4 + dictionary".into(),
        Box::new(|p| lz4_flex::block::compress_with_dict(p, DICTIONARY)),
    ));
    codecs.push(("lz4".into(), Box::new(lz4_flex::block::compress)));
    codecs.push(("none (JSON as is)".into(), Box::new(|p| p.to_vec())));
    codecs
}

fn stream_codecs() -> Vec<(String, Codec)> {
    let mut codecs: Vec<(String, Codec)> = Vec::new();
    for level in [1u32, 6] {
        let mut c = Compress::new(Compression::new(level), false);
        codecs.push((
            format!("one stream: deflate {level}"),
            Box::new(move |p| deflate(&mut c, false, p)),
        ));
    }
    for level in [1i32, 3] {
        let mut z = zstd::bulk::Compressor::new(level).expect("zstd compressor");
        codecs.push((
            format!("one stream: zstd {level}"),
            Box::new(move |p| z.compress(p).expect("zstd")),
        ));
    }
    codecs
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: codec-frontier DIR");
    let mut out = std::io::stdout().lock();
    for input in ["1mb", "lambda"] {
        let path = Path::new(&dir).join(format!("{input}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let parts: Vec<Part> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("dump line"))
            .collect();
        let json_bytes: usize = parts.iter().map(|p| p.json.len()).sum();
        writeln!(
            out,
            "\n{input}: {} parts, {json_bytes} bytes of part JSON\n",
            parts.len()
        )
        .unwrap();
        writeln!(out, "| Codec | Bytes | Write units of the data items | CPU per batch |").unwrap();
        writeln!(out, "| --- | --- | --- | --- |").unwrap();
        for (name, mut codec) in per_part_codecs() {
            // The stored blob is the codec's output after one version byte.
            let blobs: Vec<usize> = parts.iter().map(|p| 1 + codec(p.json.as_bytes()).len()).collect();
            let bytes: usize = blobs.iter().sum();
            let wu: usize = parts.iter().zip(&blobs).map(|(p, b)| units(p.other + b)).sum();
            let ms = cpu_ms(|| parts.iter().map(|p| codec(p.json.as_bytes()).len()).sum());
            writeln!(out, "| {name} | {bytes} | {wu} | {ms:.2} ms |").unwrap();
        }
        let all: Vec<u8> = parts.iter().flat_map(|p| p.json.bytes()).collect();
        let keys_only: usize = parts.iter().map(|p| units(p.other)).sum();
        for (name, mut codec) in stream_codecs() {
            let bytes = codec(&all).len();
            let ms = cpu_ms(|| codec(&all).len());
            writeln!(
                out,
                "| {name} | {bytes} | {} ({keys_only} + {}) | {ms:.2} ms |",
                keys_only + units(bytes),
                units(bytes)
            )
            .unwrap();
        }
    }
}
