//! `lookup --fetch-lines`: the lines of a success the index keeps only as a summary
//! (`SUCCESS_STORAGE=summary`, or `off` with a group and window given), read back from CloudWatch Logs.
//! Bounded: the recorded group, stream and time window (or the ones given), one filter pattern (the
//! request ID), at most `MAX_FILTER_CALLS` pages. A record delivered to S3 (its group the declared
//! `s3://bucket/prefix`, its stream the key) is read back by one GetObject of that key, within
//! `MAX_S3_OBJECT_BYTES`. Every line is redacted and escaped before it is printed.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use apigw_log_indexer::aws::logs::CloudWatchLogs;
use apigw_log_indexer::aws::s3::S3Objects;
use apigw_log_indexer::decode::DEFAULT_MAX_DECODED_BYTES;
use apigw_log_indexer::index::not_indexed::{NotIndexed, invocations_not_indexed};
use apigw_log_indexer::index::query::Story;
use apigw_log_indexer::index::read::{Kind, parse_sk};
use apigw_log_indexer::index::success::is_summary;
use apigw_log_indexer::onboard::OnboardError;
use apigw_log_indexer::ports::log_lines::{Fetched, LinesQuery, LogLines};
use apigw_log_indexer::ports::objects::{MAX_S3_OBJECT_BYTES, ObjectReader};
use apigw_log_indexer::ports::schema::attr;
use apigw_log_indexer::redact::Redactor;
use apigw_log_indexer::s3_delivery::{lines_with, object_text, split_s3};
use apigw_log_indexer::timefmt::rfc3339_ms;
use clap::Args as ClapArgs;

use crate::aws_args::AwsArgs;
use crate::error::CliError;
use crate::terminal::cell;
use crate::window::window;

/// Options of `lookup` for reading a summarized success's lines.
#[derive(ClapArgs, Clone, Default)]
pub struct FetchArgs {
    /// Read the lines of a summarized success back from CloudWatch Logs (FilterLogEvents over the recorded
    /// log group, stream and time window; --log-group and --since override them).
    #[arg(long)]
    pub fetch_lines: bool,
    /// Log group to read (default: the one the summary recorded).
    #[arg(long, requires = "fetch_lines")]
    pub log_group: Option<String>,
    /// Start of the window to read: a duration back from --until (30m, 6h) or an RFC 3339 time (default:
    /// the summary's first line).
    #[arg(long, requires = "fetch_lines")]
    pub since: Option<String>,
    /// End of the window (RFC 3339; default: the summary's last line, else now).
    #[arg(long, requires = "since")]
    pub until: Option<String>,
}

/// What to read for `id`: one query per summary of the story, with the given options overriding what it
/// recorded; or, with nothing stored, the group and window given.
pub fn queries(story: &Story, id: &str, a: &FetchArgs) -> Result<Vec<LinesQuery>, CliError> {
    let given = a.since.as_deref().map(|s| window(s, a.until.as_deref())).transpose()?;
    let mut out = Vec::new();
    for item in story.items.iter().filter(|i| is_summary(i)) {
        let group = a
            .log_group
            .clone()
            .or_else(|| item.s(attr::LOG_GROUP).map(str::to_string));
        let recorded = item
            .int(attr::FIRST_TIMESTAMP_MS)
            .zip(item.int(attr::LAST_TIMESTAMP_MS));
        let (Some(group), Some((start_ms, end_ms))) = (group, given.or(recorded)) else {
            return Err(missing(id));
        };
        // A stream is only named when it is the recorded group's: a group given by hand is searched whole
        // (an S3 object is read only by the key the index recorded).
        let stream = a
            .log_group
            .is_none()
            .then(|| item.s(attr::LOG_STREAM).map(str::to_string))
            .flatten();
        out.push(LinesQuery {
            group,
            stream,
            start_ms,
            end_ms,
            request_id: item.pk.clone(),
        });
    }
    // Invocations the index names but does not hold (clean ones under `summary`/`off`): by Lambda request ID
    // in the function's log group, which a hint names, or the one given.
    for n in invocations_not_indexed(&story.items, &story.queried) {
        let Some(group) = a.log_group.clone().or_else(|| function_group(&n)) else {
            continue;
        };
        let (start_ms, end_ms) = given.unwrap_or((n.start_ms, n.end_ms));
        out.push(LinesQuery {
            group,
            stream: None,
            start_ms,
            end_ms,
            request_id: n.lambda_request_id,
        });
    }
    if out.is_empty() {
        let (Some(group), Some((start_ms, end_ms))) = (a.log_group.clone(), given) else {
            return Err(missing(id));
        };
        out.push(LinesQuery {
            group,
            stream: None,
            start_ms,
            end_ms,
            request_id: id.to_string(),
        });
    }
    Ok(out)
}

/// Whether the story is an invocation with no API request linked to it: under `SUCCESS_STORAGE=summary` a
/// success's summary lives under its API request ID only, so a lookup by the Lambda request ID reaches the
/// invocation but not the request, which the access log names (`integration.requestId`).
pub fn unlinked_invocation(story: &Story) -> bool {
    let kinds: Vec<Kind> = story
        .items
        .iter()
        .filter_map(|i| parse_sk(&i.sk))
        .map(|(k, ..)| k)
        .collect();
    kinds.contains(&Kind::Lambda) && !kinds.iter().any(|k| matches!(k, Kind::Api | Kind::Link | Kind::Hint))
}

/// `/aws/lambda/<name>`, the function's default log group, when its name is known.
fn function_group(n: &NotIndexed) -> Option<String> {
    n.function_name.as_ref().map(|f| format!("/aws/lambda/{f}"))
}

/// One line per invocation the story names but the index does not hold, saying why and how to read it.
pub fn not_indexed_notes(story: &Story, id: &str) -> Vec<String> {
    invocations_not_indexed(&story.items, &story.queried)
        .iter()
        .map(|n| {
            let group = function_group(n).unwrap_or_else(|| "/aws/lambda/<function>".into());
            format!(
                "note: invocation {} is not in the index: an invocation that ended cleanly is not indexed under \
                 SUCCESS_STORAGE=summary or off (or its log was not delivered): `apigw-logs lookup {id} \
                 --fetch-lines --log-group {group}` reads its lines from CloudWatch Logs",
                cell(&n.lambda_request_id),
                id = cell(id),
                group = cell(&group),
            )
        })
        .collect()
}

/// What `lookup` says when nothing is stored under `id`, which may be a clean invocation's Lambda request ID.
pub fn nothing_stored_note(id: &str) -> String {
    format!(
        "note: an invocation that ended cleanly is not indexed under SUCCESS_STORAGE=summary or off: if {} is \
         its Lambda request ID, `apigw-logs lookup {} --fetch-lines --log-group /aws/lambda/<function> --since \
         <window>` reads its lines from CloudWatch Logs",
        cell(id),
        cell(id)
    )
}

fn missing(id: &str) -> CliError {
    CliError::Usage {
        option: "--fetch-lines",
        problem: format!("no recorded log group and window for {id}: give --log-group and --since"),
    }
}

/// Reads every query's lines and renders them, with what the reads took.
pub async fn fetch_text(aws: &AwsArgs, queries: &[LinesQuery]) -> Result<String, CliError> {
    let sdk = aws.sdk().await;
    let logs = CloudWatchLogs::new(aws_sdk_cloudwatchlogs::Client::new(&sdk));
    let redactor = Redactor::builtin();
    let mut out = String::new();
    for q in queries {
        if let Some((bucket, _)) = split_s3(&q.group) {
            fetch_object(&mut out, &S3Objects::from_sdk(&sdk), bucket, q, &redactor).await?;
            continue;
        }
        let fetched = logs.fetch(q).await.map_err(|source| CliError::Onboard {
            context: format!("lookup --fetch-lines, log group {}", q.group),
            source: Box::new(source),
        })?;
        render(&mut out, q, &fetched, &redactor);
    }
    Ok(out)
}

/// How long reading one object back may take.
const OBJECT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The request's lines in the S3 object the index recorded: one bounded GetObject of that key.
async fn fetch_object(
    out: &mut String,
    s3: &S3Objects,
    bucket: &str,
    q: &LinesQuery,
    redactor: &Redactor,
) -> Result<(), CliError> {
    let Some(key) = q.stream.as_deref() else {
        return Err(CliError::Usage {
            option: "--log-group",
            problem: format!(
                "{} is an S3 delivery: its lines are read by the key the index recorded",
                q.group
            ),
        });
    };
    let object = format!("s3://{bucket}/{key}");
    let failed =
        |code: &'static str, message: String, source: Box<dyn std::error::Error + Send + Sync>| CliError::Onboard {
            context: format!("lookup --fetch-lines, object {object}"),
            source: Box::new(OnboardError::Rejected {
                service: "S3",
                operation: "GetObject",
                code: Some(code.into()),
                message,
                source,
            }),
        };
    let deadline = Instant::now() + OBJECT_READ_TIMEOUT;
    let bytes = s3
        .read(bucket, key, MAX_S3_OBJECT_BYTES, deadline)
        .await
        .map_err(|e| failed(e.code(), e.to_string(), Box::new(e)))?;
    let text =
        object_text(&bytes, DEFAULT_MAX_DECODED_BYTES).map_err(|e| failed(e.code(), e.to_string(), Box::new(e)))?;
    let text = String::from_utf8_lossy(&text);
    let _ = writeln!(out, "\nLines read back from S3 ({}):", cell(&object));
    for (time, line) in lines_with(&text, &q.request_id) {
        let message = redactor.redact(line.trim_end());
        let when = time.map_or_else(|| "(no time in the record)".into(), rfc3339_ms);
        let _ = writeln!(out, "  {when} {}", cell(&message));
    }
    let _ = writeln!(out, "  cost: 1 GetObject of {} bytes", bytes.len());
    Ok(())
}

fn render(out: &mut String, q: &LinesQuery, f: &Fetched, redactor: &Redactor) {
    let _ = writeln!(
        out,
        "\nLines read back from CloudWatch Logs ({} in {}, {} to {}):",
        cell(&q.group),
        q.stream.as_deref().map_or_else(|| "every stream".into(), cell),
        rfc3339_ms(q.start_ms),
        rfc3339_ms(q.end_ms)
    );
    for l in &f.lines {
        let message = redactor.redact(l.message.trim_end());
        let _ = writeln!(out, "  {} {}", rfc3339_ms(l.timestamp_ms), cell(&message));
    }
    let _ = writeln!(
        out,
        "  cost: {} FilterLogEvents call{} over {} of {} ms{}; FilterLogEvents has no per-request price on \
         the CloudWatch pricing page (a Logs Insights query over the same lines is $0.005 per GB scanned)",
        f.calls,
        if f.calls == 1 { "" } else { "s" },
        if q.stream.is_some() {
            "one stream"
        } else {
            "the whole group"
        },
        q.end_ms.saturating_sub(q.start_ms),
        if f.truncated {
            "; stopped at the page cap: narrow the window to read the rest"
        } else {
            ""
        }
    );
}
