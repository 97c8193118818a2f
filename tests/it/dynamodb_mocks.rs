//! The writer's behaviour where moto is lax or cannot be provoked, with scripted SDK responses
//! (aws-smithy-mocks): UnprocessedItems, persistent throttling until the deadline, DynamoDB's per-call
//! limits (25 items, no duplicate keys), which moto does not enforce, and a call refused as invalid.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::dynamodb::{Backoff, DynamoIndex, MAX_BATCH_WRITE_ITEMS};
use apigw_log_indexer::index::{AttrValue, IndexItem};
use apigw_log_indexer::ports::{IndexWriter, StoreError};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemError, BatchWriteItemInput, BatchWriteItemOutput};
use aws_sdk_dynamodb::types::error::{ProvisionedThroughputExceededException, ResourceNotFoundException};
use aws_sdk_dynamodb::types::{AttributeValue, WriteRequest};
use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

const TABLE: &str = "mocked";

/// The keys of every call the client made, in order.
type Calls = Arc<Mutex<Vec<Vec<(String, String)>>>>;

fn keys(input: &BatchWriteItemInput) -> Vec<(String, String)> {
    let s = |m: &std::collections::HashMap<String, AttributeValue>, k: &str| m[k].as_s().unwrap().clone();
    input.request_items().unwrap()[TABLE]
        .iter()
        .map(|w| {
            let item = w.put_request().unwrap().item();
            (s(item, "request_id"), s(item, "sk"))
        })
        .collect()
}

fn client(rules: &[&Rule]) -> Client {
    // The SDK's own retries are off: the writer's retry loop is what is under test.
    mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, rules, |c| c
        .retry_config(RetryConfig::disabled()))
}

fn writer(client: Client) -> DynamoIndex {
    DynamoIndex::new(client, TABLE).with_backoff(Backoff {
        base: Duration::from_millis(2),
        cap: Duration::from_millis(20),
    })
}

fn items(n: usize) -> Vec<IndexItem> {
    (0..n)
        .map(|i| IndexItem::new(format!("req-{}", i % 7), format!("api#{i:03}")).with("v", AttrValue::int(i as i64)))
        .collect()
}

/// Answers every call by leaving its last `unprocessed` puts unprocessed on the first `times` calls.
fn partly_unprocessed(calls: Calls, unprocessed: usize, times: usize) -> Rule {
    let n = Arc::new(Mutex::new(0usize));
    mock!(Client::batch_write_item).then_compute_response(move |input| {
        calls.lock().unwrap().push(keys(input));
        let mut count = n.lock().unwrap();
        *count += 1;
        let requests: Vec<WriteRequest> = input.request_items().unwrap()[TABLE].clone();
        let left: Vec<WriteRequest> = if *count <= times {
            requests[requests.len().saturating_sub(unprocessed)..].to_vec()
        } else {
            Vec::new()
        };
        let mut out = BatchWriteItemOutput::builder();
        if !left.is_empty() {
            out = out.unprocessed_items(TABLE, left);
        }
        MockResponse::Output(out.build())
    })
}

#[tokio::test]
async fn unprocessed_items_are_retried_until_all_are_written() {
    let calls: Calls = Arc::default();
    let rule = partly_unprocessed(calls.clone(), 4, 3);
    let report = writer(client(&[&rule]))
        .write(items(60), Instant::now() + Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(report.items, 60);
    assert!(report.retries >= 3, "{report:?}");
    let calls = calls.lock().unwrap();
    let sent: HashSet<&(String, String)> = calls.iter().flatten().collect();
    assert_eq!(sent.len(), 60, "every item was sent");
    assert_eq!(calls.len(), report.calls);
}

#[tokio::test]
async fn no_call_carries_more_than_25_items_or_a_duplicate_key() {
    let calls: Calls = Arc::default();
    let rule = partly_unprocessed(calls.clone(), 5, 2);
    // 130 puts, 30 of them repeating an earlier key: DynamoDB refuses a call holding both.
    let mut batch = items(100);
    batch.extend(items(30).into_iter().map(|i| i.with("v", AttrValue::int(-1))));
    let report = writer(client(&[&rule]))
        .write(batch, Instant::now() + Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(report.items, 100, "a repeated key is one item (the last put wins)");
    for call in calls.lock().unwrap().iter() {
        assert!(call.len() <= MAX_BATCH_WRITE_ITEMS, "{} items in one call", call.len());
        let unique: HashSet<_> = call.iter().collect();
        assert_eq!(unique.len(), call.len(), "duplicate key in one call");
    }
}

#[tokio::test]
async fn persistent_throttling_fails_at_the_deadline_naming_what_remains() {
    let rule = mock!(Client::batch_write_item).then_error(|| {
        BatchWriteItemError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message("Throughput exceeds the current capacity of your table")
                .build(),
        )
    });
    let started = Instant::now();
    let err = writer(client(&[&rule]))
        .write(items(40), started + Duration::from_millis(300))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(2),
        "gave up at the deadline, not later: {elapsed:?}"
    );
    assert!(rule.num_calls() > 2, "retried before giving up: {}", rule.num_calls());
    match &err {
        StoreError::Deadline {
            remaining,
            total,
            last_error,
        } => {
            assert_eq!((*remaining, *total), (40, 40));
            assert!(
                last_error
                    .as_deref()
                    .unwrap_or("")
                    .contains("ProvisionedThroughputExceeded"),
                "{err}"
            );
        }
        other => panic!("expected a deadline error, got {other:?}"),
    }
    assert_eq!(err.code(), "index_deadline");
    assert!(err.to_string().starts_with("40 of 40 index items not written"), "{err}");
}

#[tokio::test]
async fn a_missing_table_fails_at_once() {
    let rule = mock!(Client::batch_write_item).then_error(|| {
        BatchWriteItemError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("Requested resource not found")
                .build(),
        )
    });
    let started = Instant::now();
    let err = writer(client(&[&rule]))
        .write(items(10), started + Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::TableNotFound { .. }), "{err:?}");
    assert_eq!(rule.num_calls(), 1, "not retried");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn an_item_refused_as_invalid_is_isolated_and_the_rest_of_its_call_written() {
    let calls: Calls = Arc::default();
    let refuse = mock!(Client::batch_write_item)
        .match_requests(|input| keys(input).iter().any(|(_, sk)| sk == "api#013"))
        .then_compute_response({
            let calls = calls.clone();
            move |input| {
                calls.lock().unwrap().push(keys(input));
                MockResponse::Error(BatchWriteItemError::generic(
                    ErrorMetadata::builder()
                        .code("ValidationException")
                        .message(
                            "Number overflow. Attempting to store a number with magnitude larger than supported range",
                        )
                        .build(),
                ))
            }
        });
    let accept = partly_unprocessed(calls.clone(), 0, 0);
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&refuse, &accept], |c| c
        .retry_config(RetryConfig::disabled()));
    let report = writer(client)
        .write(items(40), Instant::now() + Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!((report.items, report.rejected), (39, 1), "{report:?}");
    let calls = calls.lock().unwrap();
    // The refused call (25 items) was halved until the item stood alone: 25 → 13/12 → 7/6 → 4/3 → 2/2 → 1/1.
    let refused: Vec<usize> = calls
        .iter()
        .filter(|c| c.iter().any(|(_, sk)| sk == "api#013"))
        .map(Vec::len)
        .collect();
    assert_eq!(refused.last(), Some(&1), "{refused:?}");
    assert!(refused.len() <= 7, "a bisection, not one call per item: {refused:?}");
    let written: HashSet<&(String, String)> = calls
        .iter()
        .filter(|c| !c.iter().any(|(_, sk)| sk == "api#013"))
        .flatten()
        .collect();
    assert_eq!(written.len(), 39);
}

#[tokio::test]
async fn a_write_whose_every_item_is_refused_is_an_error() {
    let rule = mock!(Client::batch_write_item).then_error(|| {
        BatchWriteItemError::generic(
            ErrorMetadata::builder()
                .code("ValidationException")
                .message("One of the required keys was not given a value")
                .build(),
        )
    });
    let err = writer(client(&[&rule]))
        .write(items(3), Instant::now() + Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Rejected { remaining: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("required keys"), "{err}");
}
