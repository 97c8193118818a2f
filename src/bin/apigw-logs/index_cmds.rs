//! The index subcommands: `create-table`, `replay`, `lookup`, `failures`. They build one SDK client from the
//! common options and call the library's use cases; rendering is in `story.rs`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use apigw_log_indexer::FailureReason;
use apigw_log_indexer::aws::dynamodb::{DynamoIndex, TableStatus};
use apigw_log_indexer::aws::{AwsOptions, sdk_config};
use apigw_log_indexer::config::{self, Config};
use apigw_log_indexer::index::MemoryIndex;
use apigw_log_indexer::index::port::{FailureFilter, IndexWriter, StoreError, WriteReport};
use apigw_log_indexer::index::query::{self, MAX_FAILURE_DAYS};
use apigw_log_indexer::metrics::ledger::BatchLedger;
use apigw_log_indexer::metrics::sink::{MetricsSink, RecordingMetrics};
use apigw_log_indexer::pipeline::{self, Delivery, NoLedger, Outcome, PipelineConfig, PipelineError, Services};
use apigw_log_indexer::services::aws_services;
use apigw_log_indexer::timefmt::{parse_duration_ms, parse_rfc3339};
use aws_config::SdkConfig;
use clap::Args;

use crate::story;
use crate::{EXIT_AWS, EXIT_NOT_FOUND, EXIT_OK, Limits, input_error, runtime};

/// Where and as whom to call AWS; shared by every subcommand that does.
#[derive(Args, Clone)]
pub struct EndpointArgs {
    /// Endpoint URL (moto, DynamoDB Local). Without it the SDK reads AWS_ENDPOINT_URL itself.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// AWS region (else the SDK's default chain: AWS_REGION, the profile).
    #[arg(long)]
    pub region: Option<String>,
    /// Named profile of the shared AWS config files.
    #[arg(long)]
    pub profile: Option<String>,
    /// An apigw-log-indexer stack: the table, namespace, function and queue come from its outputs.
    #[arg(long, env = "APIGW_LOGS_STACK")]
    pub stack: Option<String>,
}

impl EndpointArgs {
    /// The SDK configuration these options select.
    pub async fn sdk(&self) -> SdkConfig {
        sdk_config(&AwsOptions {
            endpoint_url: self.endpoint_url.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
        })
        .await
    }
}

/// Options every index subcommand takes.
#[derive(Args, Clone)]
pub struct AwsArgs {
    /// DynamoDB table of the index (or --stack).
    #[arg(long, env = "INDEX_TABLE")]
    pub(crate) table: Option<String>,
    #[command(flatten)]
    pub(crate) endpoint: EndpointArgs,
}

impl AwsArgs {
    /// The table (given, or from the stack: `crate::stack::fill` runs first).
    fn table(&self) -> &str {
        self.table.as_deref().unwrap_or_default()
    }

    async fn sdk(&self) -> SdkConfig {
        self.endpoint.sdk().await
    }

    async fn index(&self) -> DynamoIndex {
        DynamoIndex::new(aws_sdk_dynamodb::Client::new(&self.sdk().await), self.table())
    }

    /// One line on stderr for an AWS or endpoint failure; exit code 3.
    fn fail(&self, context: &str, e: &StoreError) -> u8 {
        let at = self
            .endpoint
            .endpoint_url
            .as_deref()
            .map(|u| format!(", endpoint {u}"))
            .unwrap_or_default();
        eprintln!("apigw-logs: {context}{e} [table {}{at}]", self.table());
        EXIT_AWS
    }
}

/// `create-table`.
pub fn create_table(aws: &AwsArgs) -> u8 {
    let Some(rt) = runtime() else { return EXIT_AWS };
    rt.block_on(async {
        match aws.index().await.create_table().await {
            Ok(TableStatus::Created) => {
                println!("created table {}", aws.table());
                EXIT_OK
            }
            Ok(TableStatus::Existed) => {
                println!("table {} already exists with the index schema", aws.table());
                EXIT_OK
            }
            Err(e) => aws.fail("", &e),
        }
    })
}

/// Arguments of `replay`.
#[derive(Args)]
pub struct ReplayArgs {
    /// Lambda event files (CloudWatch Logs subscription events), processed in order.
    #[arg(required = true)]
    files: Vec<String>,
    /// Days an indexed request is kept (TTL after its last line).
    #[arg(long, env = "RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    retention_days: u32,
    /// Extra header names whose values are masked before anything is stored (comma-separated).
    #[arg(long, env = "REDACT_HEADERS", value_delimiter = ',')]
    redact_headers: Vec<String>,
    /// Time allowed for each file's writes, in seconds (the Lambda uses its remaining time).
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Decode, parse and lay out items, but write nothing: prints what a write would cost.
    #[arg(long)]
    dry_run: bool,
    /// Where metrics go: cloudwatch, emf (stdout) or off (default: METRICS_SINK, else cloudwatch).
    /// DETAILED_METRICS and COUNT_FROM are read from the environment, as the function does.
    #[arg(long)]
    metrics_sink: Option<String>,
    /// CloudWatch namespace (default: the stack's, else ApiGatewayLogs).
    #[arg(long, env = "METRICS_NAMESPACE")]
    pub(crate) namespace: Option<String>,
    #[command(flatten)]
    limits: Limits,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
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
    fn add(&mut self, o: &Outcome) {
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

fn describe(o: &Outcome) -> String {
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
pub fn replay(a: &ReplayArgs) -> u8 {
    let mut overrides: HashMap<&str, String> = HashMap::new();
    overrides.insert(config::INDEX_TABLE, a.aws.table().to_string());
    overrides.insert(config::RETENTION_DAYS, a.retention_days.to_string());
    overrides.insert(config::MAX_DECODED_BYTES, a.limits.max_decoded_bytes.to_string());
    overrides.insert(config::REDACT_HEADERS, a.redact_headers.join(","));
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
    });
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => return input_error("configuration", &e),
    };
    let Some(rt) = runtime() else { return EXIT_AWS };
    rt.block_on(async {
        if a.dry_run {
            let services = Services {
                config: PipelineConfig {
                    max_decoded_bytes: cfg.max_decoded_bytes,
                    retention_days: cfg.retention_days,
                },
                redactor: cfg.redactor.clone(),
                metrics_options: cfg.metrics.clone(),
                own_log_group: None,
                writer: MemoryIndex::new(),
                metrics: RecordingMetrics::default(),
                ledger: NoLedger,
            };
            run_replay(a, &services).await
        } else {
            let services = aws_services(&cfg, &a.aws.sdk().await);
            run_replay(a, &services).await
        }
    })
}

async fn run_replay<W, M, L>(a: &ReplayArgs, services: &Services<W, M, L>) -> u8
where
    W: IndexWriter + Sync,
    M: MetricsSink + Sync,
    L: BatchLedger + Sync,
{
    let mut totals = Totals::default();
    let mut code = EXIT_OK;
    for file in &a.files {
        let event = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                code = input_error(file, &format_args!("cannot read: {e}"));
                continue;
            }
        };
        let deadline = Instant::now() + Duration::from_secs(a.timeout);
        match pipeline::process_delivery(services, Delivery::Event(&event), deadline).await {
            Ok(o) => {
                println!("{file}: {}", describe(&o));
                totals.add(&o);
            }
            Err(PipelineError::Decode(e)) => code = input_error(file, &e),
            Err(PipelineError::Store(e) | PipelineError::Ledger(e)) => return a.aws.fail(&format!("{file}: "), &e),
            Err(PipelineError::Metrics(e)) => {
                eprintln!("apigw-logs: {file}: {e}");
                return EXIT_AWS;
            }
        }
    }
    if totals.files > 1 || a.dry_run {
        println!(
            "total: {} files, {} events, {} API request fragments ({} failed), {} Lambda invocation fragments; \
             {} items, {} write units (one item per line: {}); {} requests counted in metrics, {} metric calls{}",
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
            if a.dry_run {
                " — dry run, nothing written or published".to_string()
            } else {
                format!(
                    "; {} BatchWriteItem calls, {} retries",
                    totals.write.calls, totals.write.retries
                )
            }
        );
    }
    code
}

/// Arguments of `lookup`.
#[derive(Args)]
pub struct LookupArgs {
    /// An API Gateway request ID or a Lambda request ID.
    id: String,
    /// The API record, then its Lambda record(s), one JSON object per line, each with its lines.
    #[arg(long)]
    json: bool,
    /// Also print how many items and Query calls the lookup took (stderr).
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

/// `lookup ID`.
pub fn lookup(a: &LookupArgs) -> u8 {
    let id = a.id.trim();
    if id.is_empty() {
        return input_error("ID", &"is empty");
    }
    let Some(rt) = runtime() else { return EXIT_AWS };
    let fetched = rt.block_on(async { query::fetch_story(&a.aws.index().await, id).await });
    let story = match fetched {
        Ok(s) => s,
        Err(e) => return a.aws.fail("", &e),
    };
    if a.verbose {
        eprintln!(
            "apigw-logs: {} items from {} request IDs in {} Query calls",
            story.items.len(),
            story.queried.len(),
            story.calls
        );
    }
    if story.items.is_empty() {
        eprintln!("apigw-logs: no request or invocation {id} in table {}", a.aws.table());
        return EXIT_NOT_FOUND;
    }
    story::print(&story, a.json)
}

/// Arguments of `failures`.
#[derive(Args)]
pub struct FailuresArgs {
    /// How far back from --until to look: 30m, 6h, 7d (or an RFC 3339 time).
    #[arg(long, default_value = "24h")]
    since: String,
    /// End of the window: an RFC 3339 time such as 2023-10-30T13:00:00Z (default: now).
    #[arg(long)]
    until: Option<String>,
    /// Only this failure reason (LambdaTimeout, Throttled, ...).
    #[arg(long)]
    reason: Option<String>,
    /// Only this API ID.
    #[arg(long = "api")]
    api_id: Option<String>,
    /// Only this stage.
    #[arg(long)]
    stage: Option<String>,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The time window of `--since` (a duration back from `--until`, or an RFC 3339 time) and `--until`
/// (an RFC 3339 time, default now), as epoch ms; a bad value is reported and its exit code returned.
pub fn window(since: &str, until: Option<&str>) -> Result<(i64, i64), u8> {
    let until = match until {
        None => now_ms(),
        Some(t) => {
            parse_rfc3339(t).ok_or_else(|| input_error("--until", &format_args!("{t:?} is not an RFC 3339 time")))?
        }
    };
    let since = match (parse_duration_ms(since), parse_rfc3339(since)) {
        (Some(d), _) => until.saturating_sub(d),
        (None, Some(t)) => t,
        (None, None) => {
            return Err(input_error(
                "--since",
                &format_args!("{since:?} is not a duration (30m, 6h, 7d) or RFC 3339 time"),
            ));
        }
    };
    if since > until {
        return Err(input_error("--since", &"is after --until"));
    }
    Ok((since, until))
}

/// `failures`: newest first, one Query per day of the window (and page), never a Scan.
pub fn failures(a: &FailuresArgs) -> u8 {
    let (since, until) = match window(&a.since, a.until.as_deref()) {
        Ok(w) => w,
        Err(code) => return code,
    };
    if (until - since) / 86_400_000 >= MAX_FAILURE_DAYS {
        return input_error(
            "--since",
            &format_args!("the window is longer than {MAX_FAILURE_DAYS} days"),
        );
    }
    if let Some(r) = &a.reason
        && FailureReason::from_name(r).is_none()
    {
        let names: Vec<&str> = FailureReason::ALL.iter().map(|r| r.as_str()).collect();
        return input_error("--reason", &format_args!("{r:?} is not one of {}", names.join(", ")));
    }
    let filter = FailureFilter {
        reason: a.reason.clone(),
        api_id: a.api_id.clone(),
        stage: a.stage.clone(),
    };
    let Some(rt) = runtime() else { return EXIT_AWS };
    let mut printer = story::FailurePrinter::new(a.json);
    let listed = rt.block_on(async {
        let index = a.aws.index().await;
        query::list_failures(&index, since, until, &filter, |e| printer.print(&e)).await
    });
    match listed {
        Ok(s) if s.entries == 0 => {
            eprintln!("apigw-logs: no failures in table {} in that window", a.aws.table());
            EXIT_NOT_FOUND
        }
        Ok(_) => EXIT_OK,
        Err(e) => a.aws.fail("", &e),
    }
}
