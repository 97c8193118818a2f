//! Metrics counted exactly once per batch, under the faults real AWS produces: lost responses, retried
//! invocations, concurrent attempts and processes killed mid-publish.
//!
//! The protocol, over the marker keyed by [`super::key`] and stored as [`super::item`]:
//!
//! 1. **Claim.** Create the marker `open`, owned by this attempt's random token, with a lease until this
//!    attempt's own deadline plus [`LEASE_MARGIN_MS`]. If one exists (the conditional write returns it):
//!    our own token means our claim was applied and only its answer was lost — continue; `done` means an
//!    earlier attempt settled the batch — skip; another owner's lease still running means it may be at
//!    work — wait for the lease to end if that fits our deadline, else fail (retryable); an expired
//!    lease means its owner is gone (Lambda stops an invocation at its deadline) — take the marker over
//!    with a write conditioned on the exact version found.
//! 2. **Publish**, one request at a time: mark request `i` `sending` (conditioned on our token), send it,
//!    and move on. A request is sent only by the holder of the token that marked it `sending`, and a
//!    takeover of a `sending` marker never sends that request again: it is counted as *maybe lost*.
//!    So nothing is ever published twice.
//! 3. **Outcome unknown** (the answer was lost after the request was sent): counted as maybe lost, never
//!    re-sent, and the publish goes on with the next request. A request that was provably not applied
//!    (refused, throttled until the deadline) gives the marker back (`open`, lease ended), so the retry
//!    resumes at that request at once.
//! 4. **Settle**: mark `done` with the counts of what may be lost; the attempt that settles reports them.
//!
//! Remaining window: a process killed while a request is in flight (or after it was answered and before
//! the next marker write) leaves that request counted as maybe lost — reported, never doubled, possibly
//! present after all.
//!
//! **Two writes for a sink that cannot fail ambiguously** (EMF, the template's default: a line written to
//! the function's own log either is written or fails, see [`MetricsSink::unambiguous`]): the claim is
//! created `sending` for request 0, unlisted, and the batch is settled `done` after the lines: 2 write
//! units instead of 5 (claim, listing entry, `sending`, `done`, listing exit). Why that keeps the counts
//! exact:
//! - The `open` claim exists so that a kill between the claim and the `sending` mark costs nothing; but
//!   the `sending` mark has the same window after it (applied, then killed before the send), so merging
//!   the two moves the window, it does not widen it: a kill between the claim and the last line is counted
//!   maybe lost and never written again, exactly as a kill after `sending` is today.
//! - A lost answer to the claim is retried by the SDK and finds our own token: ours, not yet written
//!   (the same attempt writes lines only after the claim returned), so it goes on without loss.
//! - The listing is for an operator to find batches left unsettled or with data that may be lost. The only
//!   way a line-sink batch gets there is a takeover of a `sending` marker (its owner died), and that
//!   takeover's write lists it (a marker with requests that may be lost enters the listing): so the
//!   listing entry is paid only when something went wrong. A batch whose every retry failed is not listed
//!   until its delivery is replayed from the on-failure queue, where the template sends it.
//!
//! Every marker item stays well under 1 KB (one write unit; `item.rs` tests it).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::metrics::{Datum, MetricKey, MetricSet, Unit, emf, names};
use crate::ports::{BatchLedger, Expect, Marker, MetricsError, MetricsSink, PublishReport, State, StoreError, Write};

/// Added to an owner's deadline to make its lease: covers clock differences between hosts and the last
/// marker write after the deadline. A live owner never sends after its deadline.
pub(crate) const LEASE_MARGIN_MS: i64 = 3_000;

/// One attempt at a batch's publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attempt {
    /// Random, unique per attempt.
    pub token: String,
    /// End of this attempt's lease (epoch ms).
    pub lease_until_ms: i64,
}

impl Attempt {
    /// A new attempt that stops by `deadline`.
    pub(crate) fn new(deadline: Instant) -> Self {
        let left = deadline.saturating_duration_since(Instant::now()).as_millis() as i64;
        Self {
            token: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
            lease_until_ms: now_ms() + left + LEASE_MARGIN_MS,
        }
    }
}

/// What to do with the marker a claim found. Pure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Ours (our claim was applied; its answer was lost): go on from it.
    Continue(Marker),
    /// Settled by an earlier attempt: publish nothing.
    Skip,
    /// Another attempt may still be at work until `until_ms`.
    Wait {
        /// The end of its lease (epoch ms).
        until_ms: i64,
    },
    /// Its owner is gone: write `marker` if the marker is still exactly the one found.
    TakeOver {
        /// The version found.
        expect: Expect,
        /// The marker after the takeover.
        marker: Marker,
    },
}

/// Decides what to do with `found`, for the attempt `me` at `now_ms`. `request_datums[i]` is the number
/// of data points in request `i` of this batch's publish.
pub(crate) fn decide(found: &Marker, me: &Attempt, now_ms: i64, request_datums: &[usize]) -> Decision {
    if found.token == me.token {
        return Decision::Continue(found.clone());
    }
    if found.state == State::Done {
        return Decision::Skip;
    }
    if now_ms < found.lease_until_ms {
        return Decision::Wait {
            until_ms: found.lease_until_ms,
        };
    }
    let mut marker = Marker {
        token: me.token.clone(),
        state: State::Open,
        lease_until_ms: me.lease_until_ms,
        requests: request_datums.len() as u32,
        ..found.clone()
    };
    if found.state == State::Sending {
        // The gone owner may have sent request `next`: never send it again, count it.
        marker.next += 1;
        marker.lost_requests += 1;
        marker.lost_datums += request_datums.get(found.next as usize).copied().unwrap_or(0) as u64;
    }
    Decision::TakeOver {
        expect: Expect::Exactly {
            token: found.token.clone(),
            state: found.state,
            next: found.next,
        },
        marker,
    }
}

/// What the protocol did for one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counted {
    /// An earlier attempt settled this batch: nothing published.
    pub already_counted: bool,
    /// This attempt took the marker over from a gone attempt.
    pub taken_over: bool,
    /// What this attempt published.
    pub report: PublishReport,
    /// When this attempt settled the batch: data points whose publish outcome is unknown (by this or an
    /// earlier attempt), counted and never re-sent.
    pub maybe_lost: u64,
}

/// Why the protocol stopped without settling the batch. Retrying the invocation is safe.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OnceError {
    /// The marker could not be read or written.
    #[error(transparent)]
    Ledger(#[from] StoreError),
    /// Publishing failed, the marker is held by another attempt, or it was taken over.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Publishes `set` through `sink` exactly once per batch `key` (see the module docs).
pub(crate) async fn publish_once<L, M>(
    ledger: &L,
    sink: &M,
    key: &str,
    expires_at: i64,
    set: &MetricSet,
    deadline: Instant,
) -> Result<Counted, OnceError>
where
    L: BatchLedger + Sync,
    M: MetricsSink + Sync,
{
    let requests = sink.requests(set);
    let sizes: Vec<usize> = requests.iter().map(Vec::len).collect();
    let me = Attempt::new(deadline);
    let mut counted = Counted::default();
    let lines = sink.unambiguous();
    let Some(mut marker) = claim(ledger, key, expires_at, &me, &sizes, lines, deadline, &mut counted).await? else {
        counted.already_counted = true;
        return Ok(counted);
    };
    // Our own claim, made `sending` (a line sink): request `next` is marked already, and not yet sent.
    let mut marked = marker.state == State::Sending && marker.token == me.token;
    while (marker.next as usize) < requests.len() {
        let i = marker.next as usize;
        if !std::mem::take(&mut marked) {
            let sending = Marker {
                state: State::Sending,
                ..marker.clone()
            };
            own_write(ledger, key, &me, &sending, deadline).await?;
        }
        match sink.send(&requests[i], deadline).await {
            Ok(r) => {
                counted.report.calls += r.calls;
                counted.report.datums += r.datums;
            }
            Err(e) if e.outcome_unknown() => {
                tracing::warn!(error = %e, request = i, datums = sizes[i], "metrics may be lost: not re-sent");
                marker.lost_requests += 1;
                marker.lost_datums += sizes[i] as u64;
            }
            Err(e) => {
                // Not applied: give the marker back (lease ended) so a retry resumes here at once. If that
                // write fails too, the lease ends on its own.
                let open = Marker {
                    lease_until_ms: 0,
                    ..marker
                };
                if let Err(w) = own_write(ledger, key, &me, &open, deadline + RELEASE_GRACE).await {
                    tracing::warn!(error = %w, "metrics marker not given back; a retry waits for its lease");
                }
                return Err(e.into());
            }
        }
        marker.next += 1;
    }
    let done = Marker {
        state: State::Done,
        ..marker
    };
    own_write(ledger, key, &me, &done, deadline + RELEASE_GRACE).await?;
    counted.maybe_lost = done.lost_datums;
    Ok(counted)
}

/// Marker writes that settle or give back a batch may use a little time past the deadline (the deadline
/// keeps a margin before Lambda stops the function): a settled marker saves a retry.
const RELEASE_GRACE: Duration = Duration::from_millis(500);

/// Claims the batch; `None` when it is already settled. `lines`: the sink cannot fail ambiguously, so the
/// claim is made `sending` for request 0 and unlisted (see the module docs).
#[allow(clippy::too_many_arguments)]
async fn claim<L: BatchLedger + Sync>(
    ledger: &L,
    key: &str,
    expires_at: i64,
    me: &Attempt,
    sizes: &[usize],
    lines: bool,
    deadline: Instant,
    counted: &mut Counted,
) -> Result<Option<Marker>, OnceError> {
    let fresh = Marker {
        token: me.token.clone(),
        state: if lines { State::Sending } else { State::Open },
        next: 0,
        requests: sizes.len() as u32,
        lost_requests: 0,
        lost_datums: 0,
        claimed_at_ms: now_ms(),
        lease_until_ms: me.lease_until_ms,
    };
    loop {
        let found = match ledger.create(key, &fresh, !lines, expires_at, deadline).await? {
            Write::Applied => return Ok(Some(fresh)),
            Write::Conflict(Some(found)) => found,
            // Gone between the two looks (it expired): claim again, while there is time.
            Write::Conflict(None) if Instant::now() < deadline => continue,
            Write::Conflict(None) => return Err(MetricsError::MarkerBusy { until_ms: 0 }.into()),
        };
        match decide(&found, me, now_ms(), sizes) {
            Decision::Continue(m) => return Ok(Some(m)),
            Decision::Skip => return Ok(None),
            Decision::Wait { until_ms } => {
                let wait = Duration::from_millis((until_ms - now_ms()).max(0) as u64 + 50);
                if Instant::now() + wait >= deadline {
                    return Err(MetricsError::MarkerBusy { until_ms }.into());
                }
                tokio::time::sleep(wait).await;
            }
            Decision::TakeOver { expect, marker } => match ledger.replace(key, &expect, &marker, deadline).await? {
                Write::Applied => {
                    counted.taken_over = true;
                    return Ok(Some(marker));
                }
                // Our takeover was applied; its answer was lost.
                Write::Conflict(Some(now)) if now.token == me.token => {
                    counted.taken_over = true;
                    return Ok(Some(now));
                }
                // Someone moved first: look again.
                Write::Conflict(_) => {}
            },
        }
        if Instant::now() >= deadline {
            return Err(MetricsError::MarkerBusy {
                until_ms: found.lease_until_ms,
            }
            .into());
        }
    }
}

/// Writes our own marker; another token found there means we were taken over and must stop.
async fn own_write<L: BatchLedger + Sync>(
    ledger: &L,
    key: &str,
    me: &Attempt,
    marker: &Marker,
    deadline: Instant,
) -> Result<(), OnceError> {
    match ledger
        .replace(key, &Expect::Owner(me.token.clone()), marker, deadline)
        .await?
    {
        Write::Applied => Ok(()),
        Write::Conflict(_) => Err(MetricsError::Superseded.into()),
    }
}

/// The self-metric for `datums` data points that may be lost, as EMF documents for the function's own
/// log: a report of a loss must not depend on the kind of call that just failed.
pub(crate) fn maybe_lost_report(namespace: &str, datums: u64, now_ms: i64) -> Vec<String> {
    let datum = Datum {
        key: MetricKey {
            name: names::METRICS_MAYBE_LOST,
            unit: Unit::Count,
            minute_ms: now_ms - now_ms.rem_euclid(60_000),
            dimensions: Vec::new(),
        },
        values: vec![(datums as f64, 1.0)],
    };
    emf::documents(namespace, &[datum])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(token: &str, state: State, next: u32, lease: i64) -> Marker {
        Marker {
            token: token.into(),
            state,
            next,
            requests: 2,
            lost_requests: 0,
            lost_datums: 0,
            claimed_at_ms: 1,
            lease_until_ms: lease,
        }
    }

    fn me() -> Attempt {
        Attempt {
            token: "me".into(),
            lease_until_ms: 10_000,
        }
    }

    #[test]
    fn our_own_claim_found_again_is_ours_whatever_its_state() {
        for state in [State::Open, State::Sending, State::Done] {
            let found = marker("me", state, 1, 5_000);
            assert_eq!(decide(&found, &me(), 9_000, &[3, 4]), Decision::Continue(found));
        }
    }

    #[test]
    fn a_settled_batch_is_skipped_and_a_live_owner_is_waited_for() {
        assert_eq!(
            decide(&marker("other", State::Done, 2, 99_999), &me(), 1, &[3, 4]),
            Decision::Skip
        );
        for state in [State::Open, State::Sending] {
            assert_eq!(
                decide(&marker("other", state, 0, 5_000), &me(), 4_999, &[3, 4]),
                Decision::Wait { until_ms: 5_000 }
            );
        }
    }

    #[test]
    fn a_gone_owners_open_marker_is_resumed_without_loss() {
        let Decision::TakeOver { expect, marker: m } =
            decide(&marker("other", State::Open, 1, 5_000), &me(), 5_000, &[3, 4])
        else {
            panic!("takeover expected")
        };
        assert_eq!(
            expect,
            Expect::Exactly {
                token: "other".into(),
                state: State::Open,
                next: 1
            }
        );
        assert_eq!(
            (m.token.as_str(), m.state, m.next, m.lost_requests),
            ("me", State::Open, 1, 0)
        );
        assert_eq!(m.lease_until_ms, 10_000);
    }

    #[test]
    fn the_maybe_lost_self_metric_is_one_emf_document_without_dimensions() {
        let docs = maybe_lost_report("NS", 7, 1_700_000_012_345);
        assert_eq!(docs.len(), 1);
        let v: serde_json::Value = serde_json::from_str(&docs[0]).unwrap();
        assert_eq!(v["MetricsMaybeLost"], 7.0);
        assert_eq!(v["_aws"]["Timestamp"], 1_699_999_980_000_i64, "the minute");
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "NS");
        assert_eq!(directive["Dimensions"], serde_json::json!([[]]));
        assert_eq!(directive["Metrics"][0]["Unit"], "Count");
    }

    #[test]
    fn a_gone_owners_request_in_flight_is_counted_as_maybe_lost_and_never_resent() {
        let Decision::TakeOver { marker: m, .. } =
            decide(&marker("other", State::Sending, 0, 5_000), &me(), 6_000, &[3, 4])
        else {
            panic!("takeover expected")
        };
        assert_eq!(
            (m.next, m.lost_requests, m.lost_datums, m.state),
            (1, 1, 3, State::Open)
        );
    }
}
