//! S3 adapter of the objects port: `GetObject`, read as a stream and stopped at the cap, so an object
//! larger than announced still costs no more than the cap in memory.

use std::time::Instant;

use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::operation::get_object::GetObjectError;

use super::sdk_error::{chain, service_code};
use crate::ports::objects::{ObjectError, ObjectReader};

/// Reads delivered execution-log objects.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: Client,
}

impl S3Objects {
    /// Over a ready client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// From the shared configuration. With an endpoint override (a local S3 such as moto, a VPC endpoint
    /// URL), bucket names go in the path: such endpoints serve no per-bucket host names.
    pub fn from_sdk(sdk: &SdkConfig) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        Self::new(Client::from_conf(conf))
    }
}

impl ObjectReader for S3Objects {
    async fn read(&self, bucket: &str, key: &str, limit: u64, deadline: Instant) -> Result<Vec<u8>, ObjectError> {
        let call = self.client.get_object().bucket(bucket).key(key).send();
        let out = match tokio::time::timeout_at(deadline.into(), call).await {
            Err(elapsed) => return Err(read_error("GetObject passed the deadline".into(), elapsed)),
            Ok(Err(e)) if service_code(&e) == Some("NoSuchKey") || is_no_such_key(&e) => {
                return Err(ObjectError::NotFound { message: chain(&e) });
            }
            Ok(Err(e)) => return Err(read_error(format!("GetObject: {}", chain(&e)), e)),
            Ok(Ok(out)) => out,
        };
        if out
            .content_length()
            .is_some_and(|n| u64::try_from(n).unwrap_or(0) > limit)
        {
            return Err(ObjectError::TooLarge { limit });
        }
        let mut body = out.body;
        let mut bytes = Vec::new();
        loop {
            let chunk = match tokio::time::timeout_at(deadline.into(), body.next()).await {
                Err(elapsed) => return Err(read_error("reading the body passed the deadline".into(), elapsed)),
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(read_error(format!("reading the body: {e}"), e)),
                Ok(Some(Ok(chunk))) => chunk,
            };
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(ObjectError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn is_no_such_key<R>(e: &aws_smithy_runtime_api::client::result::SdkError<GetObjectError, R>) -> bool {
    e.as_service_error().is_some_and(GetObjectError::is_no_such_key)
}

fn read_error(message: String, source: impl std::error::Error + Send + Sync + 'static) -> ObjectError {
    ObjectError::Read {
        message,
        source: Box::new(source),
    }
}
