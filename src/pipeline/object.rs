//! One S3 object of delivered execution logs through the pipeline: find the stage it is declared for,
//! read it (bounded), turn its lines into one delivery (`crate::s3_delivery`), then plan and execute it
//! as any delivery. Retrying is as safe as for a subscription: the events' IDs come from the
//! notification's sequencer and the line numbers, so a redelivered notification writes the same items and
//! finds its metrics marker.

use std::time::Instant;

use super::{Outcome, PipelineError, Services, execute, now_ms, plan_payload};
use crate::ports::objects::{MAX_S3_OBJECT_BYTES, ObjectError, ObjectReader};
use crate::ports::{BatchLedger, IndexWriter, MetricsSink};
use crate::s3_delivery::{self, ObjectRef};

/// What one object produced.
#[derive(Debug)]
pub enum ObjectOutcome {
    /// Read and indexed.
    Indexed(Box<Outcome>),
    /// Under no declared bucket and prefix: not read, counted.
    Undeclared,
    /// Not read, for a reason a retry may cure (network, throttling, permissions, the deadline).
    Unread(ObjectError),
    /// Refused for good (too large, gone, not lines): retrying cannot help. The stable code and the
    /// one-line reason.
    Refused {
        /// Stable code.
        code: &'static str,
        /// One line: what is wrong with the object.
        reason: String,
    },
}

/// Processes one object. An error is the pipeline's (writing, publishing: retryable).
pub async fn process_object<W, M, L, O>(
    services: &Services<W, M, L>,
    objects: &O,
    object: &ObjectRef,
    deadline: Instant,
) -> Result<ObjectOutcome, PipelineError>
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
    O: ObjectReader + Sync,
{
    let cfg = &services.config;
    let Some(source) = s3_delivery::declared_source(&cfg.execution_log_groups, &object.bucket, &object.key) else {
        return Ok(ObjectOutcome::Undeclared);
    };
    let refused = |code, reason: String| Ok(ObjectOutcome::Refused { code, reason });
    if object.size.is_some_and(|size| size > MAX_S3_OBJECT_BYTES) {
        let e = ObjectError::TooLarge {
            limit: MAX_S3_OBJECT_BYTES,
        };
        return refused(e.code(), e.to_string());
    }
    let bytes = match objects
        .read(&object.bucket, &object.key, MAX_S3_OBJECT_BYTES, deadline)
        .await
    {
        Ok(bytes) => bytes,
        Err(e) if !e.retryable() => return refused(e.code(), e.to_string()),
        Err(e) => return Ok(ObjectOutcome::Unread(e)),
    };
    let text = match s3_delivery::object_text(&bytes, cfg.max_decoded_bytes) {
        Ok(text) => text,
        Err(e) => return refused(e.code(), e.to_string()),
    };
    let payload = s3_delivery::payload(&text, source, object);
    let plan = plan_payload(
        &payload,
        &services.redactor,
        cfg,
        &services.metrics_options,
        services.own_log_group.as_deref(),
        now_ms(),
    );
    Ok(ObjectOutcome::Indexed(Box::new(
        execute(services, plan, deadline).await?,
    )))
}
