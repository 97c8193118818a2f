//! The layout end to end without DynamoDB: batches → items → the in-memory index → a lookup's records.

use crate::ports::schema;
use std::time::{Duration, Instant};

use super::layout::{API_PREFIX, LAMBDA_PREFIX, LINK_PREFIX, PARTS};
use super::part::TRUNCATION_MARKER;
use super::query::fetch_story;
use super::read::{Fragments, parse_sk};
use super::*;
use crate::decode;
use crate::encode;
use crate::memory::MemoryIndex;
use crate::parse::{ParseOptions, parse_batch};
use crate::ports::IndexWriter;
use crate::ports::item::MAX_ITEM_BYTES;
use crate::redact::Redactor;

const EXEC: &str = "API-Gateway-Execution-Logs_a1b2c3d4e5/dev";
const LAMBDA: &str = "/aws/lambda/fn";
const T0: i64 = 1_698_670_710_000;
const API_ID: &str = "11111111-2222-3333-4444-555555555555";
const LAMBDA_ID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

/// Items for messages of `group` (offsets in ms from T0).
fn items_of(group: &str, messages: Vec<(i64, String)>) -> BatchItems {
    let event = encode::lambda_event(&encode::data_payload(group, "s", T0, messages));
    let bytes = decode::decode_event(event.as_bytes(), decode::DEFAULT_MAX_DECODED_BYTES).unwrap();
    let payload = decode::parse_payload(&bytes).unwrap();
    let batch = parse_batch(&payload, &Redactor::builtin(), ParseOptions { keep_lines: true });
    items_for_batch(&crate::classify::classify_batch(batch), &ItemOptions::full(30))
}

fn timeout_request() -> Vec<(i64, String)> {
    [
        (0, "Extended Request Id: abc="),
        (1, "HTTP Method: GET, Resource Path: /items"),
        (1, "Starting execution for request: 11111111-2222-3333-4444-555555555555"),
        (1030, "Lambda execution failed with status 200 due to customer function error: Task timed out after 1.00 seconds. Lambda request id: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        (1030, "Method completed with status: 502"),
    ]
    .into_iter()
    .map(|(t, m)| (t, format!("({API_ID}) {m}")))
    .collect()
}

fn lambda_invocation() -> Vec<(i64, String)> {
    vec![
        (5, format!("START RequestId: {LAMBDA_ID} Version: $LATEST\n")),
        (1005, format!("{LAMBDA_ID} Task timed out after 1.00 seconds\n")),
        (
            1006,
            format!(
                "REPORT RequestId: {LAMBDA_ID}\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tStatus: timeout\n"
            ),
        ),
    ]
}

#[test]
fn a_lambda_backed_failure_is_three_items_with_a_failures_index_entry() {
    let api = items_of(EXEC, timeout_request());
    let keys: Vec<(&str, &str)> = api.items.iter().map(|i| (&*i.pk, &*i.sk)).collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].0, API_ID);
    assert!(keys[0].1.starts_with(API_PREFIX));
    assert_eq!(keys[1].0, LAMBDA_ID);
    assert!(keys[1].1.starts_with(&format!("{LINK_PREFIX}{API_ID}#")));
    let summary = &api.items[0];
    assert_eq!(summary.s("failure_reason"), Some("LambdaTimeout"));
    assert_eq!(summary.s(schema::FAILURES_PARTITION_KEY), Some("2023-10-30"));
    assert_eq!(summary.s(schema::FAILURES_SORT_KEY), Some(&*format!("{T0}#{API_ID}")));
    assert!(summary.get("data").is_none(), "the lines live with the Lambda ID");
    // TTL from log time: last line + 30 days, whenever this runs.
    assert_eq!(
        summary.int(schema::TTL_ATTRIBUTE),
        Some((T0 + 1030) / 1000 + 30 * 86_400)
    );
    let lambda = items_of(LAMBDA, lambda_invocation());
    assert_eq!(lambda.items.len(), 1);
    assert!(lambda.items[0].sk.starts_with(LAMBDA_PREFIX));
    assert_eq!(
        api.write_units() + lambda.write_units(),
        4,
        "3 items of ≤1 KB and one index entry"
    );
}

#[test]
fn the_same_batch_always_gives_the_same_items() {
    assert_eq!(items_of(EXEC, timeout_request()), items_of(EXEC, timeout_request()));
}

#[test]
fn successes_and_unanswered_generic_guesses_stay_out_of_the_failures_index() {
    let ok = items_of(EXEC, vec![(0, format!("({API_ID}) Method completed with status: 200"))]);
    assert!(!ok.items[0].in_failures_index());
    assert_eq!(ok.failures, 0);
}

#[tokio::test]
async fn lookups_merge_fragments_from_both_log_groups_in_two_queries() {
    let index = MemoryIndex::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    index
        .write(items_of(EXEC, timeout_request()).items, deadline)
        .await
        .unwrap();
    index
        .write(items_of(LAMBDA, lambda_invocation()).items, deadline)
        .await
        .unwrap();
    for id in [API_ID, LAMBDA_ID] {
        let story = fetch_story(&index, id).await.unwrap();
        assert_eq!(story.calls, 2);
        let fragments = Fragments::decode(&story.items);
        let (joined, problems) = fragments.joined();
        assert!(problems.is_empty() && fragments.problems.is_empty());
        let (api, lambda) = joined.records();
        assert_eq!(
            (api[0].status, api[0].failure_reason.map(|r| r.as_str())),
            (Some(502), Some("LambdaTimeout"))
        );
        assert_eq!(lambda[0].status, Some(crate::record::LambdaStatus::Timeout));
        assert_eq!(lambda[0].api_request_id.as_deref(), Some(API_ID));
        assert_eq!(joined.api_states()[0].core.lines().len(), 5);
        assert_eq!(joined.lambda_states()[0].core.lines().len(), 3);
    }
}

/// Pseudo-random hex: incompressible enough that compression cannot hide the size.
fn noise(seed: u64, len: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b"0123456789abcdef"[(x & 15) as usize])
        })
        .collect()
}

#[tokio::test]
async fn a_fragment_past_the_item_limit_is_split_into_parts_never_refused() {
    let lines: Vec<(i64, String)> = (0..1500)
        .map(|i| {
            (
                i,
                format!(
                    // A line stored as text (a body would be stored as its size and hash).
                    "({API_ID}) Execution failed due to configuration error: {}",
                    noise(i as u64, 900)
                ),
            )
        })
        .collect();
    let out = items_of(EXEC, lines);
    assert!(out.items.len() >= 4, "{} items", out.items.len());
    assert!(out.items.iter().all(|i| i.size() <= MAX_ITEM_BYTES), "every item fits");
    let head = &out.items[0];
    assert_eq!(head.int(PARTS), Some(out.items.len() as i64));
    assert!(
        out.items[1..]
            .iter()
            .all(|i| parse_sk(&i.sk).is_some_and(|(_, base, n)| base == head.sk && n > 0))
    );

    let index = MemoryIndex::new();
    index
        .write(out.items, Instant::now() + Duration::from_secs(5))
        .await
        .unwrap();
    let story = fetch_story(&index, API_ID).await.unwrap();
    let fragments = Fragments::decode(&story.items);
    let (joined, _) = fragments.joined();
    let lines = joined.api_states()[0].core.lines();
    assert_eq!(lines.len(), 1500);
    assert!(lines.windows(2).all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
}

#[test]
fn a_line_larger_than_an_item_is_cut_with_a_marker() {
    let line = format!("{LAMBDA_ID}\tINFO\t{}\n", noise(7, 2_000_000));
    let out = items_of(
        LAMBDA,
        vec![
            (0, format!("START RequestId: {LAMBDA_ID} Version: $LATEST\n")),
            (1, line),
        ],
    );
    assert!(out.items.iter().all(|i| i.size() <= MAX_ITEM_BYTES));
    let fragments = Fragments::decode(&out.items);
    let (joined, _) = fragments.joined();
    let stored = &joined.lambda_states()[0].core.lines()[1].message;
    assert!(
        stored.len() < 100_000 && stored.ends_with(TRUNCATION_MARKER),
        "{}",
        stored.len()
    );
}
