//! The marker port: the per-batch metrics markers that keep a batch's metrics counted exactly once
//! (the protocol is `crate::metrics::marker::once`; the stored item is `crate::metrics::marker::item`).
//!
//! A marker records who owns the batch's publish (an attempt's random token and the end of its lease),
//! where the publish stands (`open`: the request `next` is the next to send and nothing is in flight;
//! `sending`: request `next` is, or may be, in flight; `done`), and what may be lost (requests whose
//! outcome is unknown and their data points).

use std::future::Future;
use std::time::Instant;

use super::StoreError;

/// Where a batch's publish stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Requests before `next` are settled; nothing is in flight.
    Open,
    /// Request `next` is in flight, or about to be, for the owner.
    Sending,
    /// Every request is settled (published, or counted as maybe lost).
    Done,
}

impl State {
    /// Stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Sending => "sending",
            Self::Done => "done",
        }
    }

    /// Parses a stored name.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "open" => Self::Open,
            "sending" => Self::Sending,
            "done" => Self::Done,
            _ => return None,
        })
    }
}

/// One batch's marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The owning attempt's token.
    pub token: String,
    /// Where the publish stands.
    pub state: State,
    /// The request in flight (`Sending`) or next to send (`Open`); requests before it are settled.
    pub next: u32,
    /// Requests the batch's publish takes.
    pub requests: u32,
    /// Requests whose outcome is unknown: counted here, never sent again.
    pub lost_requests: u32,
    /// Data points in those requests.
    pub lost_datums: u64,
    /// When the batch was first claimed (epoch ms).
    pub claimed_at_ms: i64,
    /// Until when the owner may still be at work (epoch ms): its own deadline plus a margin.
    pub lease_until_ms: i64,
}

impl Marker {
    /// Whether settling this marker takes it out of the listing (nothing may be lost).
    pub(crate) fn settled_cleanly(&self) -> bool {
        self.state == State::Done && self.lost_requests == 0
    }
}

/// What a conditional marker write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// The write was applied.
    Applied,
    /// The condition failed; the marker as it is (`None`: there is none).
    Conflict(Option<Marker>),
}

/// Which marker a conditional replace may overwrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Any marker this token owns (the owner's own transitions: idempotent, so a retried write whose
    /// first response was lost applies again harmlessly).
    Owner(String),
    /// Exactly this version (a takeover: it fails if the owner moved on meanwhile).
    Exactly {
        /// The owner's token.
        token: String,
        /// Its state.
        state: State,
        /// Its request.
        next: u32,
    },
}

/// Stores the per-batch markers with conditional writes. Each call retries transient failures
/// (throttling, timeouts, lost connections) until `deadline`: every write here is safe to repeat.
pub trait BatchLedger {
    /// Creates the marker `key` unless one exists; on conflict returns the existing one. `listed`: it enters
    /// the listing of unsettled markers at once (one more write unit, for the `failures` index entry).
    fn create(
        &self,
        key: &str,
        marker: &Marker,
        listed: bool,
        expires_at: i64,
        deadline: Instant,
    ) -> impl Future<Output = Result<Write, StoreError>> + Send;

    /// Replaces the marker's state if `expect` holds; on conflict returns the marker as it is. A marker
    /// that is settled cleanly leaves the listing; one with requests that may be lost enters it.
    fn replace(
        &self,
        key: &str,
        expect: &Expect,
        marker: &Marker,
        deadline: Instant,
    ) -> impl Future<Output = Result<Write, StoreError>> + Send;
}
