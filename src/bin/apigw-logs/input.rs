//! Reading file arguments, bounded like deliveries.
//!
//! An input is read up to the same cap as a decoded delivery (`--max-decoded-bytes`, `MAX_DECODED_BYTES`)
//! and refused past it, so `apigw-logs decode /dev/zero` stops at the cap instead of reading forever. An
//! event file is base64 of gzip, so a real one is far smaller than the payload it decodes to; a text file
//! for `make-event` becomes a payload about its own size.

use std::io::Read;

use apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES;
use clap::Args;

use crate::error::CliError;

/// The size cap shared by every command that reads files.
#[derive(Args, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed payload accepted, in bytes (a gzip bomb is refused at this size).
    #[arg(long, env = "MAX_DECODED_BYTES", default_value_t = DEFAULT_MAX_DECODED_BYTES)]
    pub max_decoded_bytes: usize,
}

impl Limits {
    /// Reads a file argument (`-` is stdin), refusing more than the cap.
    pub fn read(&self, input: &str) -> Result<Vec<u8>, CliError> {
        let read_error = |source| CliError::Read {
            input: input.to_string(),
            source,
        };
        let reader: Box<dyn Read> = if input == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(input).map_err(read_error)?)
        };
        let limit = self.max_decoded_bytes;
        let mut bytes = Vec::new();
        // One byte past the cap tells "exactly at the cap" from "over it" without reading further.
        reader
            .take((limit as u64).saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() > limit {
            return Err(CliError::TooLarge {
                input: input.to_string(),
                limit,
            });
        }
        Ok(bytes)
    }

    /// Reads a text file argument.
    pub fn read_text(&self, input: &str) -> Result<String, CliError> {
        String::from_utf8(self.read(input)?).map_err(|_| CliError::NotText {
            input: input.to_string(),
        })
    }
}
