//! `replay FILE...`: exactly what the Lambda does with each event file (decode → parse → index → metrics
//! once per batch), file by file, with the same configuration variables as the function (flags override
//! them).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use apigw_log_indexer::config::{self, Config};
use apigw_log_indexer::memory::MemoryIndex;
use apigw_log_indexer::memory::RecordingMetrics;
use apigw_log_indexer::pipeline::{self, Delivery, NoLedger, Outcome as Indexed, PipelineError, Services};
use apigw_log_indexer::ports::BatchLedger;
use apigw_log_indexer::ports::MetricsSink;
use apigw_log_indexer::ports::{IndexWriter, WriteReport};
use apigw_log_indexer::services::{aws_services, services_with};
use clap::Args as ClapArgs;

use crate::aws_args::{AwsArgs, runtime};
use crate::error::CliError;
use crate::exit::Outcome;
use crate::input::Limits;
use crate::output;

/// Arguments of `replay`.
#[derive(ClapArgs)]
pub struct Args {
    /// Lambda event files (CloudWatch Logs subscription events), processed in order.
    #[arg(required = true)]
    files: Vec<String>,
    /// Days an indexed request is kept (TTL after its last line).
    #[arg(long, env = "RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    retention_days: u32,
    /// How successful requests are kept: summary (one item each), full or off (default: SUCCESS_STORAGE, else
    /// summary). Failures always keep every line.
    #[arg(long)]
    success_storage: Option<String>,
    /// Extra header names whose values are masked before anything is stored (comma-separated).
    #[arg(long, env = "REDACT_HEADERS", value_delimiter = ',')]
    redact_headers: Vec<String>,
    /// Time allowed for each file's writes, in seconds (the Lambda uses its remaining time).
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Decode, parse and lay out items, but write nothing: prints what a write would cost.
    #[arg(long)]
    dry_run: bool,
    /// Where metrics go: cloudwatch, emf (stdout) or off (default: METRICS_SINK, else cloudwatch). The
    /// namespace, DETAILED_METRICS and COUNT_FROM are read from the environment, as the function does.
    #[arg(long)]
    metrics_sink: Option<String>,
    /// CloudWatch namespace (default: the stack's, else METRICS_NAMESPACE, else ApiGatewayLogs).
    #[arg(long, env = "METRICS_NAMESPACE")]
    pub namespace: Option<String>,
    #[command(flatten)]
    limits: Limits,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Sums of a replay.
#[derive(Default)]
struct Totals {
    files: usize,
    events: u64,
    api: usize,
    lambda: usize,
    failures: usize,
    items: usize,
    units: u64,
    naive: u64,
    write: WriteReport,
    counted: u64,
    metric_calls: usize,
}

impl Totals {
    fn add(&mut self, o: &Indexed) {
        self.files += 1;
        self.events += o.events;
        self.api += o.api_fragments;
        self.lambda += o.lambda_fragments;
        self.failures += o.failures;
        self.items += o.items;
        self.units += o.write_units;
        self.naive += o.naive_write_units;
        self.write.items += o.write.items;
        self.write.calls += o.write.calls;
        self.write.retries += o.write.retries;
        self.counted += o.counted_requests;
        self.metric_calls += o.metrics.calls;
    }
}

fn describe(o: &Indexed) -> String {
    if o.control {
        return "control message, nothing to index".into();
    }
    let mut s = format!(
        "{} events: {} API request fragments ({} failed), {} Lambda invocation fragments; {} items, {} write units",
        o.events, o.api_fragments, o.failures, o.lambda_fragments, o.items, o.write_units
    );
    if o.lines_skipped > 0 {
        s.push_str(&format!("; {} lines not attributed", o.lines_skipped));
    }
    if o.metrics_already_counted {
        s.push_str("; metrics already published for this batch, not counted again");
    } else if o.counted_requests > 0 {
        s.push_str(&format!(
            "; {} requests counted in metrics ({} metric calls)",
            o.counted_requests, o.metrics.calls
        ));
    }
    // Counted once (`metrics::marker::once`): what this replay found and settled.
    if o.metrics_taken_over {
        s.push_str("; metrics taken over from an attempt that is gone");
    }
    if o.metrics_maybe_lost > 0 {
        s.push_str(&format!(
            "; {} data points may be lost (publish outcome unknown, never sent again)",
            o.metrics_maybe_lost
        ));
    }
    if o.metrics_out_of_range > 0 {
        s.push_str(&format!(
            "; {} data points too old or too new for CloudWatch, left out",
            o.metrics_out_of_range
        ));
    }
    if o.fragments_skipped > 0 {
        s.push_str(&format!(
            "; {} fragments with unusable request IDs skipped",
            o.fragments_skipped
        ));
    }
    s
}

/// `replay FILE...`: exactly the Lambda's path (decode → parse → index → metrics once per batch), file by
/// file, with the same configuration variables as the function (flags override them).
pub fn run(a: &Args) -> Result<Outcome, CliError> {
    let mut overrides: HashMap<&str, String> = HashMap::new();
    overrides.insert(config::INDEX_TABLE, a.aws.table().to_string());
    overrides.insert(config::RETENTION_DAYS, a.retention_days.to_string());
    overrides.insert(config::MAX_DECODED_BYTES, a.limits.max_decoded_bytes.to_string());
    overrides.insert(config::REDACT_HEADERS, a.redact_headers.join(","));
    if let Some(storage) = &a.success_storage {
        overrides.insert(config::SUCCESS_STORAGE, storage.clone());
    }
    if let Some(sink) = &a.metrics_sink {
        overrides.insert(config::METRICS_SINK, sink.clone());
    }
    if let Some(namespace) = &a.namespace {
        overrides.insert(config::METRICS_NAMESPACE, namespace.clone());
    }
    // Read once, validated like the function's; the CLI is not the function, so no own log group.
    let cfg = Config::from_lookup(|k| {
        (k != config::AWS_LAMBDA_LOG_GROUP_NAME)
            .then(|| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()))
            .flatten()
    })
    .map_err(CliError::Config)?;
    runtime()?.block_on(async {
        if a.dry_run {
            let services = services_with(&cfg, MemoryIndex::new(), RecordingMetrics::default(), NoLedger);
            replay_files(a, &services).await
        } else {
            let services = aws_services(&cfg, &a.aws.sdk().await);
            replay_files(a, &services).await
        }
    })
}

/// Replays file after file. A file that cannot be read or decoded is reported and the next one is
/// replayed; an AWS failure stops the replay (the next file would most likely fail the same way).
async fn replay_files<W, M, L>(a: &Args, services: &Services<W, M, L>) -> Result<Outcome, CliError>
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
{
    let limits = Limits {
        max_decoded_bytes: services.config.max_decoded_bytes,
    };
    let mut totals = Totals::default();
    let mut errors = Vec::new();
    let mut progress = Progress::default();
    for file in &a.files {
        let event = match limits.read(file) {
            Ok(b) => b,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let deadline = Instant::now() + Duration::from_secs(a.timeout);
        match pipeline::process_delivery(services, Delivery::Event(&event), deadline).await {
            Ok(o) => {
                progress.print(&format!("{file}: {}\n", describe(&o)));
                totals.add(&o);
            }
            Err(PipelineError::Decode(e)) => errors.push(CliError::decoding(file)(e)),
            Err(PipelineError::Store(e) | PipelineError::Ledger(e)) => {
                errors.push(a.aws.store_error(Some(file), e));
                return Err(CliError::all(errors));
            }
            Err(PipelineError::Metrics(source)) => {
                errors.push(CliError::Metrics {
                    context: file.clone(),
                    source: Box::new(source),
                });
                return Err(CliError::all(errors));
            }
        }
    }
    if totals.files > 1 || a.dry_run {
        progress.print(&total_line(&totals, a.dry_run));
    }
    errors.extend(progress.failed);
    CliError::from_inputs(errors)?;
    Ok(Outcome::Done)
}

/// Stdout for per-file progress. A replay's point is what it writes to the index, so a reader that closes
/// stdout (`| head`) only ends the printing; any other stdout failure is reported at the end.
#[derive(Default)]
struct Progress {
    closed: bool,
    failed: Option<CliError>,
}

impl Progress {
    fn print(&mut self, text: &str) {
        if self.closed {
            return;
        }
        if let Err(e) = output::print(text) {
            self.closed = true;
            if !matches!(e, CliError::ClosedPipe) {
                self.failed = Some(e);
            }
        }
    }
}

fn total_line(totals: &Totals, dry_run: bool) -> String {
    format!(
        "total: {} files, {} events, {} API request fragments ({} failed), {} Lambda invocation fragments; \
         {} items, {} write units (one item per line: {}); {} requests counted in metrics, {} metric calls{}\n",
        totals.files,
        totals.events,
        totals.api,
        totals.failures,
        totals.lambda,
        totals.items,
        totals.units,
        totals.naive,
        totals.counted,
        totals.metric_calls,
        if dry_run {
            " — dry run, nothing written or published".to_string()
        } else {
            format!(
                "; {} BatchWriteItem calls, {} retries",
                totals.write.calls, totals.write.retries
            )
        }
    )
}
