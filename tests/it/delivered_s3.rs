//! Delivered execution logs in S3 (moto serves S3): an object of a declared bucket and prefix, gzip'd JSON
//! lines or plain text, gives the same records as the standard form of the same requests, read over the
//! wire by the function's own S3 adapter; through the Lambda handler, an S3 notification's object is
//! indexed, an undeclared one counted and not read, a vanished one refused with its reason.
//!
//! The lines are the project's real-capture fixtures (`events/fixtures/*.log`, sources in
//! events/README.md). No real delivered record was found in public: the JSON form (`requestId`, `message`,
//! an RFC 3339 `timestamp`, the stage's ARN) is the tolerant reader's minimum, as docs/log-formats.md says.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use apigw_log_indexer::aws::s3::S3Objects;
use apigw_log_indexer::lambda;
use apigw_log_indexer::memory::{MemoryIndex, RecordingMetrics};
use apigw_log_indexer::parse::delivered::ExecutionLogGroup;
use apigw_log_indexer::ports::objects::ObjectReader;
use apigw_log_indexer::s3_delivery::{self, ObjectRef};
use apigw_log_indexer::timefmt::rfc3339_ms;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::json;
use serde_json::value::RawValue;

use crate::delivered::{START_MS, fixture, records, records_of};
use crate::helpers::EXEC_GROUP;

const PREFIX: &str = "AWSLogs/111122223333/APIGW_EXEC_LOGS/";

fn client() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(crate::moto::endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto-tests"))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A new bucket no other test uses.
async fn new_bucket() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!("it-s3-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    client()
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("CreateBucket");
    name
}

fn declared(bucket: &str) -> Vec<ExecutionLogGroup> {
    vec![ExecutionLogGroup::parse(&format!("s3://{bucket}/{PREFIX}=a1b2c3d4e5/dev")).expect("declaration")]
}

/// `(id) text` → the delivered JSON record of the same line, with its own time.
fn json_record((offset, line): &(i64, String)) -> String {
    let (id, text) = line[1..].split_once(") ").expect("standard line");
    json!({
        "timestamp": rfc3339_ms(START_MS + offset),
        "resourceArn": "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev",
        "requestId": id,
        "message": text,
    })
    .to_string()
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip");
    gz.finish().expect("gzip")
}

async fn put(bucket: &str, key: &str, body: Vec<u8>) {
    client()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body.into())
        .send()
        .await
        .expect("PutObject");
}

fn object(bucket: &str, key: &str, time_ms: i64) -> ObjectRef {
    ObjectRef {
        bucket: bucket.into(),
        key: key.into(),
        size: None,
        time_ms,
        sequencer: Some("0055AED6DCD90281E5".into()),
    }
}

#[tokio::test]
async fn an_s3_object_gives_the_records_of_its_standard_form() {
    let bucket = new_bucket().await;
    let groups = declared(&bucket);
    let deadline = Instant::now() + Duration::from_secs(30);
    for name in crate::delivered::REAL_CAPTURES {
        let lines = fixture(name);
        let (standard, standard_stats) = records(EXEC_GROUP, lines.clone(), &[]);
        assert!(!standard.is_empty(), "{name}");
        let json_lines: Vec<String> = lines.iter().map(json_record).collect();
        let plain_lines: Vec<String> = lines.iter().map(|(_, l)| l.clone()).collect();
        for (form, key, body) in [
            (
                "gzip'd JSON",
                format!("{PREFIX}us-east-1/2025/11/21/12/{name}.gz"),
                gzip(&json_lines.join("\n")),
            ),
            (
                "plain text",
                format!("{PREFIX}us-east-1/2025/11/21/12/{name}"),
                plain_lines.join("\n").into_bytes(),
            ),
        ] {
            put(&bucket, &key, body).await;
            let bytes = S3Objects::new(client())
                .read(&bucket, &key, 1 << 20, deadline)
                .await
                .expect("GetObject");
            let text = s3_delivery::object_text(&bytes, 1 << 24).expect("object text");
            // Plain lines carry no time of their own: the notification's, the first line's here.
            let obj = object(&bucket, &key, START_MS + lines[0].0);
            let source = s3_delivery::declared_source(&groups, &bucket, &key).expect("declared");
            let payload = s3_delivery::payload(&text, source, &obj);
            let (got, stats) = records_of(&payload, &groups);
            if form == "plain text" {
                // Times differ (one per object, so the order too): compare what the lines say, each
                // request's status, reason, API and stage.
                let said = |records: &[serde_json::Value]| {
                    let mut said: Vec<String> = records
                        .iter()
                        .map(|r| {
                            json!([
                                r["request_id"],
                                r["status"],
                                r["failure_reason"],
                                r["api_id"],
                                r["stage"]
                            ])
                            .to_string()
                        })
                        .collect();
                    said.sort();
                    said
                };
                assert_eq!(said(&got), said(&standard), "{name}: {form}");
            } else {
                assert_eq!(got, standard, "{name}: {form}");
            }
            assert_eq!(stats, standard_stats, "{name}: {form}");
        }
    }
}

#[tokio::test]
async fn the_object_reader_stops_at_its_cap() {
    let bucket = new_bucket().await;
    put(&bucket, "big", vec![b'x'; 4096]).await;
    let err = S3Objects::new(client())
        .read(&bucket, "big", 1024, Instant::now() + Duration::from_secs(30))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "object_too_large", "{err}");
}

fn s3_record(bucket: &str, key: &str, event_name: &str) -> serde_json::Value {
    json!({
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2025-11-21T12:00:00.000Z",
        "eventName": event_name,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "192.0.2.10"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "exec-logs",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": {"key": key, "size": 1024, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"}
        }
    })
}

#[tokio::test]
async fn an_s3_notification_is_indexed_and_undeclared_objects_are_counted() {
    let bucket = new_bucket().await;
    let key = format!("{PREFIX}us-east-1/2025/11/21/12/delivery 1.log.gz");
    let lines = fixture("reason-integration-timeout.log");
    put(
        &bucket,
        &key,
        gzip(&lines.iter().map(json_record).collect::<Vec<_>>().join("\n")),
    )
    .await;
    put(
        &bucket,
        "elsewhere/x.log",
        b"(r) Method completed with status: 200".to_vec(),
    )
    .await;
    let mut services = crate::helpers::services(
        MemoryIndex::new(),
        RecordingMetrics::default(),
        MemoryIndex::new(),
        None,
    );
    services.config.execution_log_groups = declared(&bucket);
    let encoded_key = key.replace(' ', "+");
    let event = json!({"Records": [
        s3_record(&bucket, &encoded_key, "ObjectCreated:Put"),
        s3_record(&bucket, "elsewhere/x.log", "ObjectCreated:Put"),
        s3_record(&bucket, &format!("{PREFIX}gone.log.gz"), "ObjectCreated:Put"),
        s3_record(&bucket, &encoded_key, "ObjectRemoved:Delete"),
    ]});
    let mut context = Context::default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    context.deadline = now + 30_000;
    let invocation = LambdaEvent::new(RawValue::from_string(event.to_string()).unwrap(), context);
    let out = lambda::handle_with(&services, &S3Objects::new(client()), invocation)
        .await
        .expect("handled");
    assert_eq!(
        out,
        json!({"indexed": 1, "undeclared": 1, "refused": 1, "failed": 0, "ignored": 1})
    );
    let (id, _) = lines[0].1[1..].split_once(") ").expect("standard line");
    let items = services.writer.dump();
    assert!(items.iter().any(|i| i.pk == id), "{id} not indexed");
    assert!(items.iter().all(|i| i.pk != "r"), "the undeclared object was read");
}

/// `lookup --fetch-lines` of a summarized success delivered to S3: the index recorded the declared
/// `s3://bucket/prefix` and the object's key, and the lines are read back by one GetObject of that key.
#[test]
fn lookup_reads_the_lines_of_a_summarized_s3_delivered_request_back_from_its_object() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bucket = rt.block_on(new_bucket());
    let key = format!("{PREFIX}2026/12/07/delivery-1.log.gz");
    let rid = "5a1e0000-2222-4333-8444-555566667777";
    let lines: Vec<(i64, String)> = [
        format!("({rid}) Starting execution for request: {rid}"),
        format!("({rid}) HTTP Method: GET, Resource Path: /orders"),
        "(0ther000-2222-4333-8444-555566667777) Method completed with status: 500".to_string(),
        format!("({rid}) Method completed with status: 200"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, l)| (i as i64 * 5, l))
    .collect();
    let records: String = lines.iter().map(|l| json_record(l) + "\n").collect();
    rt.block_on(put(&bucket, &key, gzip(&records)));

    // The same records as the function's S3 path indexes them: group the declaration, stream the key.
    let declared = format!("s3://{bucket}/{PREFIX}");
    let file = std::env::temp_dir().join(format!("apigw-s3-lookup-{}.json", std::process::id()));
    let own: Vec<(i64, String)> = lines.iter().filter(|(_, l)| l.contains(rid)).cloned().collect();
    std::fs::write(
        &file,
        apigw_log_indexer::encode::lambda_event(&apigw_log_indexer::encode::data_payload(
            &declared, &key, START_MS, own,
        )),
    )
    .unwrap();
    let table = crate::moto::table_name("s3lookup");
    let declaration = format!("{declared}=a1b2c3d4e5/dev");
    let run = |args: &[&str]| crate::dynamodb_cli::run_with(&table, args, &[("EXECUTION_LOG_GROUPS", &declaration)]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let o = run(&["create-table"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&["replay", "--success-storage", "summary", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let o = run(&["lookup", rid, "--fetch-lines"]);
    let shown = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let read_back = shown
        .split("Lines read back from S3")
        .nth(1)
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(read_back.contains(&format!("s3://{bucket}/{key}")), "{read_back}");
    assert_eq!(
        read_back.matches(rid).count(),
        4,
        "the request's three records (one names it twice): {read_back}"
    );
    assert!(!read_back.contains("0ther000"), "{read_back}");
    assert!(
        read_back.contains(&rfc3339_ms(START_MS + 15)),
        "each record's own time: {read_back}"
    );
    assert!(read_back.contains("cost: 1 GetObject of"), "{read_back}");

    // Given by hand, an S3 declaration is refused: its object is known only by the recorded key.
    let o = run(&[
        "lookup",
        rid,
        "--fetch-lines",
        "--log-group",
        &declared,
        "--since",
        "1h",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
}
