//! Property tests: arbitrary bytes and arbitrary lines never panic any stage. Bounded case counts so the
//! suite stays fast; raise PROPTEST_CASES locally for a longer hunt.

use apigw_log_indexer::decode;
use apigw_log_indexer::encode;
use apigw_log_indexer::index::{ItemOptions, items_for_batch};
use apigw_log_indexer::join::Joined;
use apigw_log_indexer::parse::{ParseOptions, parse_batch};
use apigw_log_indexer::ports::item::is_valid_number;
use apigw_log_indexer::redact::Redactor;
use proptest::prelude::*;

use crate::helpers::{ACCESS_GROUP, EXEC_GROUP, LAMBDA_GROUP};

/// Starts of lines that steer arbitrary tails into each parser's deeper branches.
const PREFIXES: &[&str] = &[
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) ",
    "(PDS1PEC4oAMFpyA=) ",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method completed with status: ",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Received response. Status: ",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Endpoint response headers: {x-amzn-RequestId=",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Endpoint response body before transformations: {\"statusCode\":",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Gateway response type: ",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method request headers: {Authorization=",
    "START RequestId: 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f ",
    "REPORT RequestId: 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f\tDuration: ",
    "RequestId: 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f Error: Runtime exited",
    "2023-10-30T12:58:31.500Z\t5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f\tERROR\tInvoke Error ",
    "[ERROR]\t2024-01-29T16:40:40.116Z\t",
    "{\"type\":\"platform.report\",\"record\":{\"requestId\":\"5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f\",",
    "{\"requestId\":\"2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f\",\"status\":",
    "1.2.3.4 - - [21/Nov/2025:12:00:01 +0000] \"GET ",
    "INIT_START ",
    "Runtime.",
    // Hostile: secrets in every syntax the redactor reads, numbers DynamoDB cannot store.
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Endpoint request URI: https://h/p?token=",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method request body before transformations: {\"password\":\"",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Endpoint request body after transformations: {\"body\":\"{\\\"client_secret\\\":\\\"",
    "(2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f) Method request headers: {Authorization=Digest username=\"u\", response=",
    "2023-10-30T12:58:31.500Z\t5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f\tERROR\tInvoke Error \t{\"headers\":{\"authorization\":\"Bearer ",
    "REPORT RequestId: 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f\tDuration: 0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001",
    "REPORT RequestId: 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f\tDuration: 99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "{\"cookies\":[\"",
    "Bearer eyJ",
    "AKIAIOSFODNN7EXAMPLE ",
    "",
];

fn line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(PREFIXES),
        any::<String>(),
        prop::option::of("[ -~\t\n]{0,80}"),
    )
        .prop_map(|(p, tail, ascii)| format!("{p}{}", ascii.unwrap_or(tail)))
}

fn run(group: &str, lines: Vec<String>) {
    // Index items too: every number and key in them must be one DynamoDB accepts.
    let items = |batch: &apigw_log_indexer::ClassifiedBatch<'_>| {
        let built = items_for_batch(batch, &ItemOptions::full(30));
        assert_eq!(
            built.items_dropped, 0,
            "the layout keeps items within DynamoDB's limits"
        );
        for item in &built.items {
            for v in item.attrs.values() {
                if let Some(n) = v.as_n() {
                    assert!(is_valid_number(n), "{n}");
                }
            }
        }
    };
    let events = lines.into_iter().enumerate().map(|(i, l)| (i as i64, l)).collect();
    let event = encode::lambda_event(&encode::data_payload(
        group,
        "2024/01/29/fn[$LATEST]abc",
        1_700_000_000_000,
        events,
    ));
    let bytes =
        decode::decode_event(event.as_bytes(), decode::DEFAULT_MAX_DECODED_BYTES).expect("own encoding decodes");
    let payload = decode::parse_payload(&bytes).expect("own payload parses");
    items(&apigw_log_indexer::classify_batch(parse_batch(
        &payload,
        &Redactor::builtin(),
        ParseOptions { keep_lines: true },
    )));
    let batch = parse_batch(&payload, &Redactor::builtin(), ParseOptions { keep_lines: true });
    let mut joined = Joined::default();
    joined.add_batch(batch);
    let (api, lambda) = joined.records();
    serde_json::to_string(&(api, lambda)).expect("records serialize");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode::decode_event(&bytes, 1 << 20);
        let _ = decode::decode_data(&bytes, 1 << 20);
        let _ = decode::gunzip_capped(&bytes, 1 << 20);
        let _ = decode::parse_payload(&bytes);
    }

    #[test]
    fn corrupted_gzip_never_panics(flip in 0usize..4096, byte in any::<u8>()) {
        let mut gz = encode::gzip(br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"x"}]}"#);
        let i = flip % gz.len();
        gz[i] = byte;
        if let Ok(b) = decode::gunzip_capped(&gz, 1 << 20) {
            let _ = decode::parse_payload(&b);
        }
    }

    #[test]
    fn arbitrary_lines_never_panic_any_parser(lines in prop::collection::vec(line(), 1..12), group in 0usize..4) {
        let group = [EXEC_GROUP, LAMBDA_GROUP, ACCESS_GROUP, "custom-group"][group];
        run(group, lines);
    }

    /// Deliveries whose events carry arbitrary timestamps, IDs and message bytes (lone surrogates, invalid
    /// UTF-8): decoding never panics, every usable event is kept, and the others are marked.
    #[test]
    fn hostile_event_fields_never_panic_and_never_cost_the_valid_events(
        events in prop::collection::vec((0usize..8, any::<Vec<u8>>()), 1..10),
    ) {
        const TIMESTAMPS: [&str; 8] = ["1", "\"abc\"", "null", "-5", "1e300", "\"17\"", "[]", "{}"];
        let mut json = br#"{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":["#.to_vec();
        let mut usable = 0;
        for (i, (kind, bytes)) in events.iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.extend_from_slice(format!(r#"{{"id":"{i}","timestamp":{},"message":""#, TIMESTAMPS[*kind]).as_bytes());
            // Raw bytes, with quotes, backslashes and control bytes escaped so the JSON stays well-formed;
            // anything else (bytes >= 0x80 included) goes in raw, and every few a lone surrogate.
            for &b in bytes {
                match b {
                    b'"' | b'\\' => json.extend_from_slice(&[b'\\', b]),
                    0..=0x1f => json.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
                    _ => json.push(b),
                }
            }
            if bytes.len() % 5 == 1 {
                json.extend_from_slice(br"\udcff");
            }
            json.extend_from_slice(b"\"}");
            usable += usize::from(matches!(*kind, 0 | 5) && std::str::from_utf8(bytes).is_ok() && bytes.len() % 5 != 1);
        }
        json.extend_from_slice(b"]}");
        let payload = decode::parse_payload(&json).expect("well-formed JSON decodes, whatever its strings hold");
        prop_assert_eq!(payload.log_events.len(), events.len());
        prop_assert_eq!(payload.log_events.iter().filter(|e| e.problem.is_none()).count(), usable);
        let batch = parse_batch(&payload, &Redactor::builtin(), ParseOptions { keep_lines: true });
        prop_assert_eq!(batch.stats.events as usize, events.len());
        let mut joined = Joined::default();
        joined.add_batch(batch);
        let (api, lambda) = joined.records();
        serde_json::to_string(&(api, lambda)).expect("records serialize");
    }

    #[test]
    fn redaction_never_panics_and_never_leaves_the_value(name in prop::sample::select(&["Authorization", "cookie", "X-API-KEY"][..]), value in "[a-zA-Z0-9+/]{1,40}", before in any::<String>(), after in any::<String>()) {
        let r = Redactor::builtin();
        let _ = r.redact(&format!("{before}{after}"));
        let text = format!("{{Accept=*/*, {name}={value}}}");
        let out = r.redact(&text);
        prop_assert!(!out.contains(&format!("={value}}}")), "{}", out);
    }
}
