//! Processes killed mid-batch: the real `apigw-logs replay` (the Lambda's code path) as a subprocess, its
//! request held by the proxy at a chosen point and the process killed (SIGKILL) right there, then the same
//! batch replayed again, as Lambda retries a crashed invocation. Kill points: during the index write, after
//! the claim was applied, after `sending` was marked, with `PutMetricData` applied or not, and before the
//! batch was settled. Asserted: nothing counted twice; the index equals a clean run's; every batch whose
//! metrics may be lost is reported by the retry and listed by `unsettled_markers`, and exactly the
//! batches whose data never reached the sink are missing from the sums.
//!
//! With the EMF sink the marker takes two writes (a claim made `sending`, then `done`: `marker::once`), so
//! its kill points are the claim (applied: lost, reported, as a kill after `sending` is with
//! `PutMetricData`) and the settle (the lines written: present, reported).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::cloudwatch::CloudWatchMetrics;
use apigw_log_indexer::metrics::marker::item::unsettled_markers;

use super::proxy::{KillPoint, Proxy};
use super::sums::{self, Sums};
use super::{API, HOLD, SEEDS, Traffic, clean_index, index_items, now_ms, plan, read_back_cloudwatch, traffic};
use crate::moto;

/// Where a process is killed, and what that must leave behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    /// During the index write: no marker yet.
    IndexWrite,
    /// The claim applied, its answer never read: the retry waits out the lease, takes over, publishes.
    AfterClaim,
    /// `sending` marked, nothing sent: the retry must not send (it cannot know) — lost, reported.
    AfterSending,
    /// `PutMetricData` applied, its answer never read: reported, present.
    PublishApplied,
    /// `PutMetricData` never reached CloudWatch: lost, reported.
    PublishNotApplied,
    /// Published, not yet settled: reported, present.
    BeforeSettle,
}

impl Point {
    fn proxy(self, sink: &str) -> KillPoint {
        let (op, nth, forward) = match self {
            Self::IndexWrite => ("BatchWriteItem", 1, false),
            Self::AfterClaim => ("PutItem", 1, true),
            Self::AfterSending => ("UpdateItem", 1, true),
            Self::PublishApplied => ("PutMetricData", 1, true),
            Self::PublishNotApplied => ("PutMetricData", 1, false),
            // EMF: `done` is the marker's only update.
            Self::BeforeSettle if sink == "emf" => ("UpdateItem", 1, false),
            Self::BeforeSettle => ("UpdateItem", 2, false),
        };
        KillPoint { op, nth, forward }
    }

    /// The retry reports the batch's metrics as maybe lost.
    fn reported(self, sink: &str) -> bool {
        match sink {
            "emf" => self != Self::IndexWrite,
            _ => !matches!(self, Self::IndexWrite | Self::AfterClaim),
        }
    }

    /// Only `PutMetricData` has these points (EMF has no `PutMetricData`, and no `sending` write of its own).
    fn needs_cloudwatch(self) -> bool {
        matches!(
            self,
            Self::PublishApplied | Self::PublishNotApplied | Self::AfterSending
        )
    }

    /// The data never reached the sink.
    fn lost(self, sink: &str) -> bool {
        match sink {
            "emf" => self == Self::AfterClaim,
            _ => matches!(self, Self::AfterSending | Self::PublishNotApplied),
        }
    }
}

/// The killed run's `--timeout`: room for its index write on a busy machine. Its lease, and so the retry's
/// wait, ends this plus the lease margin after it started.
const KILLED_TIMEOUT_S: u64 = 6;

const ALL_POINTS: [Point; 6] = [
    Point::IndexWrite,
    Point::AfterClaim,
    Point::AfterSending,
    Point::PublishApplied,
    Point::PublishNotApplied,
    Point::BeforeSettle,
];

struct Replay<'a> {
    table: &'a str,
    namespace: &'a str,
    endpoint: &'a str,
    dir: &'a Path,
}

impl Replay<'_> {
    fn spawn(&self, file: &Path, sink: &str, timeout_s: u64, n: usize) -> (Child, PathBuf) {
        let out = self.dir.join(format!("replay-{n}.out"));
        let child = Command::new(env!("CARGO_BIN_EXE_apigw-logs"))
            .arg("replay")
            .arg(file)
            .args([
                "--table",
                self.table,
                "--metrics-sink",
                sink,
                "--timeout",
                &timeout_s.to_string(),
            ])
            .args(["--endpoint-url", self.endpoint, "--region", "us-east-1"])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("METRICS_NAMESPACE", self.namespace)
            // The clean run it is compared with keeps successes in full.
            .env("SUCCESS_STORAGE", "full")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("INDEX_TABLE")
            .env_remove("METRICS_SINK")
            .env_remove("DETAILED_METRICS")
            .env_remove("COUNT_FROM")
            .stdin(Stdio::null())
            .stdout(File::create(&out).unwrap())
            .stderr(File::create(out.with_extension("err")).unwrap())
            .spawn()
            .unwrap();
        (child, out)
    }
}

fn wait_bounded(child: &mut Child, bound: Duration) -> Option<std::process::ExitStatus> {
    let until = Instant::now() + bound;
    while Instant::now() < until {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// One seed: every batch replayed by the CLI, four execution-log batches killed at points drawn from the
/// seeded RNG (sink drawn per batch), each killed batch replayed again.
async fn kill_seed(seed: u64, t: &Traffic) {
    let clean = clean_index(t).await;
    let index = moto::new_index("kills").await;
    let namespace = moto::table_name("kills-ns");
    let proxy = Proxy::start(moto::endpoint(), HOLD);
    let replay = Replay {
        table: index.table(),
        namespace: &namespace,
        endpoint: &proxy.url,
        dir: &t.dir,
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    let exec: Vec<usize> = (0..t.files.len())
        .filter(|&i| t.files[i].file_name().unwrap().to_str().unwrap().starts_with("exec"))
        .collect();
    let mut victims = exec.clone();
    rng.shuffle(&mut victims);
    // Four different kill points per seed, one per victim batch.
    let mut points = ALL_POINTS.to_vec();
    rng.shuffle(&mut points);
    let schedule: Vec<(usize, Point)> = victims.into_iter().zip(points).take(4).collect();
    let (mut outputs, mut kills, mut n) = (Vec::new(), Vec::new(), 0);
    for (i, file) in t.files.iter().enumerate() {
        let point = schedule.iter().find(|(v, _)| *v == i).map(|(_, p)| *p);
        // EMF has no PutMetricData to kill at.
        let sink = if point.is_some_and(Point::needs_cloudwatch) || rng.bool() {
            "cloudwatch"
        } else {
            "emf"
        };
        if let Some(point) = point {
            let (tx, rx) = mpsc::channel();
            proxy.kill_at(point.proxy(sink), tx);
            let (mut child, out) = replay.spawn(file, sink, KILLED_TIMEOUT_S, n);
            n += 1;
            let held = rx.recv_timeout(Duration::from_secs(60)).is_ok();
            let _ = child.kill();
            let _ = child.wait();
            proxy.pass();
            assert!(held, "seed {seed}: {point:?} never reached in {}", file.display());
            outputs.push(out);
            kills.push((i, sink, point));
        }
        let (mut child, out) = replay.spawn(file, sink, 20, n);
        n += 1;
        let status = wait_bounded(&mut child, Duration::from_secs(90));
        let err = std::fs::read_to_string(out.with_extension("err")).unwrap_or_default();
        assert!(
            status.is_some_and(|s| s.success()),
            "seed {seed}: replay {}: {err}",
            file.display()
        );
        let said = std::fs::read_to_string(&out).unwrap();
        if let Some(&(_, sink, point)) = kills.iter().find(|(k, _, _)| *k == i) {
            assert_eq!(
                said.contains("data points may be lost"),
                point.reported(sink),
                "seed {seed}: {point:?}: the retry says so: {said}"
            );
            assert_eq!(
                said.contains("taken over from an attempt that is gone"),
                point != Point::IndexWrite,
                "seed {seed}: {point:?}: {said}"
            );
        } else {
            assert!(!said.contains("may be lost"), "seed {seed}: {said}");
        }
        outputs.push(out);
    }

    let mut got = Sums::default();
    for out in &outputs {
        got.add(&sums::emf(&std::fs::read_to_string(out).unwrap()));
    }
    let direct = CloudWatchMetrics::new(read_back_cloudwatch(), &namespace);
    let totals = direct
        .totals(now_ms() - 3 * 3_600_000, now_ms() + 600_000, Some(API.0), Some(API.1))
        .await
        .unwrap();
    got.add(&sums::read_back(&totals));
    let mut lost = Sums::default();
    let mut expect_listed = Vec::new();
    for &(i, sink, point) in &kills {
        let (key, set) = plan(&t.files[i]);
        if point.lost(sink) {
            lost.add(&sums::planned(&set));
        }
        if point.reported(sink) {
            expect_listed.push(key);
        }
    }
    let listed = unsettled_markers(&index, now_ms() - 3_600_000, now_ms() + 60_000)
        .await
        .unwrap();
    let mut listed_keys: Vec<String> = listed.iter().map(|m| m.key.clone()).collect();
    listed_keys.sort();
    expect_listed.sort();
    let expected = t.truth.minus(&lost);
    eprintln!(
        "kills seed {seed}: {:?}; listed maybe lost {} batches ({} data points); lost for good {:?}; sums {:?}; \
         truth minus lost {:?}",
        kills
            .iter()
            .map(|(i, s, p)| format!("file {i} {s} {p:?}"))
            .collect::<Vec<_>>(),
        listed.len(),
        listed.iter().map(|m| m.marker.lost_datums).sum::<u64>(),
        lost,
        got,
        expected
    );
    assert_eq!(
        got, expected,
        "seed {seed}: nothing doubled; only the batches reported lost are missing"
    );
    assert_eq!(
        listed_keys, expect_listed,
        "seed {seed}: every possibly lost batch is listed"
    );
    assert!(listed.iter().all(|m| m.marker.lost_datums > 0));
    assert!(
        index_items(index.table()).await == clean,
        "seed {seed}: the index equals a clean run's"
    );
}

/// Seeds run side by side, each on its own thread and runtime: most of their time is spent waiting for
/// a killed attempt's lease to end.
#[test]
fn killed_mid_batch_metrics_are_never_doubled_and_every_possible_loss_is_reported() {
    let started = Instant::now();
    let runs: Vec<_> = SEEDS
        .iter()
        .map(|&seed| {
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let t = traffic("kills", seed);
                rt.block_on(kill_seed(seed, &t));
                let _ = std::fs::remove_dir_all(&t.dir);
            })
        })
        .collect();
    for r in runs {
        r.join().unwrap();
    }
    eprintln!(
        "kills: {} seeds in {:.1} s",
        SEEDS.len(),
        started.elapsed().as_secs_f64()
    );
}
