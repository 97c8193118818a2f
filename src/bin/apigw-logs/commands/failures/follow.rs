//! `failures --follow`: polls the failures index and prints each new failed request once, until Ctrl-C.
//!
//! The index is keyed by the time of the log line that showed the failure, not by when it was indexed, and
//! a batch reaches the index seconds to minutes after its lines were logged (subscription delivery, Lambda
//! retries). So each poll reads a sliding window that reaches [`OVERLAP_MS`] back from now, and a seen-set
//! keyed by request ID keeps a request that several polls read from printing twice. The set forgets a
//! request once its time has left the window (it cannot be read again), and holds at most [`MAX_SEEN`].
//!
//! A request is printed once, with what its first indexed fragment said. When a later batch refines it
//! (the Lambda's REPORT arrives after the gateway's 502), the line is not printed again; `lookup ID`
//! shows the refined story.

use std::collections::HashMap;
use std::time::Duration;

use apigw_log_indexer::aws::retry::{Backoff, RETRYABLE_CODES};
use apigw_log_indexer::index::query::{self, FailureEntry};
use apigw_log_indexer::ports::{FailureFilter, IndexReader, StoreError};
use apigw_log_indexer::timefmt::parse_duration_ms;

use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::Outcome;
use crate::window::now_ms;
use crate::{output, story};

/// How far back each poll reaches: batches are indexed after their lines were logged, usually within
/// seconds; five minutes also covers a Lambda retry of a throttled batch.
pub const OVERLAP_MS: i64 = 5 * 60_000;
/// How far ahead of this machine's clock a poll reaches, for log times from a clock that runs ahead.
const AHEAD_MS: i64 = 60_000;
/// Request IDs remembered at most (about 100 bytes each): the failures of five minutes at 300 per second.
pub const MAX_SEEN: usize = 100_000;
/// The shortest `--interval`: faster polls cost read units and show nothing sooner than indexing allows.
const MIN_INTERVAL_MS: i64 = 100;
/// Pauses after a failed poll: one second, doubling, at most a minute.
const BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(1),
    cap: Duration::from_secs(60),
};

/// The request IDs already printed, with the time each failed at.
#[derive(Debug, Default)]
pub struct Seen {
    at: HashMap<String, i64>,
}

impl Seen {
    /// Whether `id` is new; remembers it.
    pub fn first_time(&mut self, id: &str, at_ms: i64) -> bool {
        if self.at.contains_key(id) {
            return false;
        }
        if self.at.len() >= MAX_SEEN {
            self.forget_oldest(self.at.len() + 1 - MAX_SEEN);
        }
        self.at.insert(id.to_string(), at_ms);
        true
    }

    /// Forgets the requests that failed before `from_ms`: no poll reads them again.
    pub fn forget_before(&mut self, from_ms: i64) {
        self.at.retain(|_, at| *at >= from_ms);
    }

    fn forget_oldest(&mut self, n: usize) {
        let mut times: Vec<i64> = self.at.values().copied().collect();
        times.sort_unstable();
        if let Some(&cut) = times.get(n.saturating_sub(1)) {
            self.at.retain(|_, at| *at > cut);
        }
    }

    /// How many are remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.at.len()
    }
}

/// Whether a failed poll is worth repeating: throttling, a server fault, a network blip.
fn transient(e: &StoreError) -> bool {
    match e {
        StoreError::Unreachable { .. } | StoreError::Deadline { .. } => true,
        StoreError::Rejected { message, .. } => RETRYABLE_CODES
            .iter()
            .any(|code| message.starts_with(&format!("{code}:"))),
        StoreError::TableNotFound { .. } | StoreError::SchemaMismatch { .. } | StoreError::NotConfigured { .. } => {
            false
        }
    }
}

/// The failures in `[from, until]`, oldest first.
async fn poll<R: IndexReader>(
    index: &R,
    from: i64,
    until: i64,
    filter: &FailureFilter,
) -> Result<Vec<FailureEntry>, StoreError> {
    let mut entries = Vec::new();
    query::list_failures(index, from, until, filter, |e| entries.push(e)).await?;
    entries.reverse();
    Ok(entries)
}

/// Parses `--interval`.
pub fn interval(text: &str) -> Result<Duration, CliError> {
    match parse_duration_ms(text) {
        Some(ms) if ms >= MIN_INTERVAL_MS => Ok(Duration::from_millis(ms as u64)),
        _ => Err(CliError::Usage {
            option: "--interval",
            problem: format!("{text:?} is not a duration of at least {MIN_INTERVAL_MS}ms (500ms, 5s, 1m)"),
        }),
    }
}

/// Follows the index from `since_ms` (the first poll shows the `--since` window) until Ctrl-C.
pub fn run(
    aws: &AwsArgs,
    filter: &FailureFilter,
    since_ms: i64,
    every: Duration,
    json: bool,
) -> Result<Outcome, CliError> {
    runtime()?.block_on(async {
        let index = aws.index().await;
        let stop = tokio::signal::ctrl_c();
        tokio::pin!(stop);
        let mut seen = Seen::default();
        let (mut from, mut header, mut failed_polls, mut first) = (since_ms, !json, 0u32, true);
        loop {
            let now = now_ms();
            let polled = tokio::select! {
                _ = &mut stop => return Ok(Outcome::Done),
                r = poll(&index, from, now + AHEAD_MS, filter) => r,
            };
            let pause = match polled {
                Ok(entries) => {
                    let new: Vec<FailureEntry> = entries
                        .into_iter()
                        .filter(|e| seen.first_time(&e.request_id, e.first_timestamp_ms.unwrap_or(now)))
                        .collect();
                    if !new.is_empty() || header {
                        output::print(&story::failure_rows(&new, json, header))?;
                        header = false;
                    }
                    (failed_polls, first) = (0, false);
                    from = (now - OVERLAP_MS).max(since_ms);
                    seen.forget_before(from);
                    every
                }
                // The first poll's error is the setup's (no table, no credentials): say it and stop.
                Err(e) if first || !transient(&e) => return Err(aws.store_error(None, e)),
                Err(e) => {
                    failed_polls += 1;
                    let pause = BACKOFF.delay(failed_polls).max(every);
                    output::warn(format_args!("{e}; polling again in {:.1}s", pause.as_secs_f64()));
                    pause
                }
            };
            tokio::select! {
                _ = &mut stop => return Ok(Outcome::Done),
                () = tokio::time::sleep(pause) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_is_new_once_until_it_leaves_the_window() {
        let mut seen = Seen::default();
        assert!(seen.first_time("a", 100));
        assert!(!seen.first_time("a", 100), "a second poll reads it again");
        assert!(seen.first_time("b", 200));
        seen.forget_before(150);
        assert_eq!(seen.len(), 1, "a left the window");
        assert!(!seen.first_time("b", 200));
    }

    #[test]
    fn the_set_is_bounded_by_forgetting_the_oldest() {
        let mut seen = Seen::default();
        for i in 0..MAX_SEEN as i64 + 10 {
            assert!(seen.first_time(&i.to_string(), i));
        }
        assert!(seen.len() <= MAX_SEEN);
        assert!(
            !seen.first_time(&(MAX_SEEN as i64 + 9).to_string(), 0),
            "the newest are kept"
        );
    }

    #[test]
    fn throttling_and_network_errors_are_retried_but_a_missing_table_is_not() {
        let rejected = |m: &str| StoreError::Rejected {
            remaining: 0,
            message: m.into(),
            source: Box::new(std::io::Error::other(m.to_string())),
        };
        assert!(transient(&rejected(
            "ProvisionedThroughputExceededException: slow down"
        )));
        assert!(transient(&rejected("ThrottlingException: Rate exceeded")));
        assert!(!transient(&rejected("AccessDeniedException: no")));
        assert!(!transient(&StoreError::TableNotFound { table: "t".into() }));
    }

    #[test]
    fn interval_takes_durations_down_to_the_minimum() {
        assert_eq!(interval("200ms").unwrap(), Duration::from_millis(200));
        assert_eq!(interval("5s").unwrap(), Duration::from_secs(5));
        assert!(interval("10ms").is_err() && interval("soon").is_err());
    }
}
