//! S3 object-created notifications: each object read and indexed through `crate::pipeline::process_object`
//! (delivered execution logs in S3, `crate::s3_delivery`), counted by what became of it.

use std::time::Instant;

use aws_lambda_events::event::s3::{S3Event, S3EventRecord};

use super::{FunctionError, log_summary, report_maybe_lost};
use crate::pipeline::{ObjectOutcome, Outcome, PipelineError, Services, process_object};
use crate::ports::objects::{ObjectError, ObjectReader};
use crate::ports::{BatchLedger, IndexWriter, MetricsSink};
use crate::s3_delivery::{ObjectRef, url_decode_key};

/// Whether `Records` come from S3 (`eventSource` `aws:s3`, the first record telling; Kinesis records say
/// `aws:kinesis`). Reads only that field.
pub(super) fn records_are_s3(raw: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Records {
        #[serde(rename = "Records")]
        records: Vec<Source>,
    }
    #[derive(serde::Deserialize)]
    struct Source {
        #[serde(rename = "eventSource")]
        event_source: Option<String>,
    }
    serde_json::from_str::<Records>(raw)
        .ok()
        .and_then(|r| r.records.into_iter().next())
        .and_then(|r| r.event_source)
        .is_some_and(|s| s == "aws:s3")
}

/// An S3 notification: each object-created record's object read and indexed, one summary line each. An
/// undeclared or refused object is counted (and its reason logged); a failure a retry may cure fails the
/// invocation once every object was tried, so Lambda retries the event (idempotently).
pub(super) async fn handle_s3<W, M, L, O>(
    services: &Services<W, M, L>,
    objects: &O,
    raw: &str,
    deadline: Instant,
) -> Result<serde_json::Value, FunctionError>
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
    O: ObjectReader + Sync,
{
    let event: S3Event = serde_json::from_str(raw).map_err(FunctionError::S3)?;
    let mut counts = S3Counts::default();
    let mut first_error = None;
    for record in &event.records {
        let Some(object) = object_ref(record) else {
            counts.ignored += 1;
            continue;
        };
        let started = Instant::now();
        let result = process_object(services, objects, &object, deadline).await;
        match result {
            Ok(ObjectOutcome::Indexed(outcome)) => {
                counts.indexed += 1;
                let result = Ok(*outcome);
                log_summary(&result, started);
                report_maybe_lost(&services.metrics, &result);
            }
            Ok(ObjectOutcome::Undeclared) => {
                counts.undeclared += 1;
                tracing::warn!(bucket = %object.bucket, "object under no declared s3:// prefix (EXECUTION_LOG_GROUPS): not read");
            }
            Ok(ObjectOutcome::Unread(source)) => {
                counts.failed += 1;
                tracing::error!(error_type = source.code(), bucket = %object.bucket, key = %object.key, error = %source, "object not read");
                first_error.get_or_insert(FunctionError::ObjectUnread {
                    bucket: object.bucket.clone(),
                    key: object.key.clone(),
                    source,
                });
            }
            Ok(ObjectOutcome::Refused { code, reason }) => {
                counts.refused += 1;
                tracing::error!(error_type = code, bucket = %object.bucket, key = %object.key, error = %reason, "object refused");
            }
            Err(e) => {
                counts.failed += 1;
                let result: Result<Outcome, PipelineError> = Err(e);
                log_summary(&result, started);
                if let Err(e) = result {
                    first_error.get_or_insert(FunctionError::Pipeline(e));
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => serde_json::to_value(counts).map_err(FunctionError::ResponseNotSerializable),
    }
}

/// What an S3 notification's records came to.
#[derive(Debug, Default, serde::Serialize)]
struct S3Counts {
    indexed: usize,
    undeclared: usize,
    refused: usize,
    failed: usize,
    /// Records that are no object creation (a removal, a test event) or name no object.
    ignored: usize,
}

/// The object an object-created record names; `None` for other records.
fn object_ref(record: &S3EventRecord) -> Option<ObjectRef> {
    if !record.event_name.as_deref()?.starts_with("ObjectCreated:") {
        return None;
    }
    Some(ObjectRef {
        bucket: record.s3.bucket.name.clone()?,
        key: url_decode_key(record.s3.object.key.as_deref()?)?,
        size: record.s3.object.size.and_then(|n| u64::try_from(n).ok()),
        time_ms: record.event_time.timestamp_millis(),
        sequencer: record.s3.object.sequencer.clone(),
    })
}

/// Objects are read by no one: an S3 notification reaching a function built without a reader fails each
/// read, retryably.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObjects;

impl ObjectReader for NoObjects {
    async fn read(&self, _: &str, _: &str, _: u64, _: Instant) -> Result<Vec<u8>, ObjectError> {
        Err(ObjectError::Read {
            message: "this function reads no S3 objects".into(),
            source: "no object reader".into(),
        })
    }
}
