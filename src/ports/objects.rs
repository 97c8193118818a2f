//! The objects port: reading one S3 object that holds delivered execution logs, bounded.

use std::future::Future;
use std::time::Instant;

/// The largest stored object read (before any decompression): 64 MiB. A log delivery to S3 batches a
/// stage's records into objects of a few MB at most; past this cap the object is refused unread, so one
/// object can never exhaust the function's memory. The decompressed text is capped separately
/// (`MAX_DECODED_BYTES`).
pub const MAX_S3_OBJECT_BYTES: u64 = 64 * 1024 * 1024;

/// Why an object could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// Larger than the cap (by its announced length or by what was read).
    #[error("object is larger than the {limit}-byte cap (MAX_S3_OBJECT_BYTES)")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// The object does not exist (deleted since the notification, or a wrong key).
    #[error("object not found: {message}")]
    NotFound {
        /// The service's words.
        message: String,
    },
    /// Reading failed (network, throttling, permissions, the deadline): retrying may help.
    #[error("reading the object failed: {message}")]
    Read {
        /// What failed and the service's code and message.
        message: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ObjectError {
    /// Stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "object_too_large",
            Self::NotFound { .. } => "object_not_found",
            Self::Read { .. } => "object_read_failed",
        }
    }

    /// Whether a retry of the invocation can help.
    pub const fn retryable(&self) -> bool {
        matches!(self, Self::Read { .. })
    }
}

/// Reads objects.
pub trait ObjectReader {
    /// The bytes of `bucket`/`key`, refusing more than `limit` bytes.
    fn read(
        &self,
        bucket: &str,
        key: &str,
        limit: u64,
        deadline: Instant,
    ) -> impl Future<Output = Result<Vec<u8>, ObjectError>> + Send;
}
