//! Reading file arguments (`-` is stdin).

use std::io::Read;

use apigw_log_indexer::DEFAULT_MAX_DECODED_BYTES;
use clap::Args;

use crate::error::CliError;

/// The decoding limit shared by the offline commands.
#[derive(Args, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed payload accepted, in bytes (a gzip bomb is refused at this size).
    #[arg(long, env = "MAX_DECODED_BYTES", default_value_t = DEFAULT_MAX_DECODED_BYTES)]
    pub max_decoded_bytes: usize,
}

impl Limits {
    /// Reads a file argument (`-` is stdin).
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
        let mut bytes = Vec::new();
        let mut reader = reader;
        reader.read_to_end(&mut bytes).map_err(read_error)?;
        Ok(bytes)
    }

    /// Reads a text file argument.
    pub fn read_text(&self, input: &str) -> Result<String, CliError> {
        String::from_utf8(self.read(input)?).map_err(|_| CliError::NotText {
            input: input.to_string(),
        })
    }
}
