//! "Output nobody can forge", as a property over generated values: whatever text a log puts in any field of
//! any record, every text rendering (`parse`'s table, `lookup`'s story and timeline, `failures` and
//! `failures --follow` rows, `parse`'s skipped summary), once through the one writer (`output::print`,
//! i.e. `terminal::escape_text`), holds no raw control, line-break, bidirectional or invisible character,
//! and has exactly one line per row it printed.

use std::borrow::Cow;

use apigw_log_indexer::classify::{classify_api, classify_lambda};
use apigw_log_indexer::diagnose::{self, Configuration};
use apigw_log_indexer::fragment::{ApiFragment, LambdaFragment, Line, LineSource};
use apigw_log_indexer::index::query::FailureEntry;
use apigw_log_indexer::parse::{ParseStats, SkipKind};
use apigw_log_indexer::reason::FailureReason;
use apigw_log_indexer::redact::Redactor;
use proptest::prelude::*;

use crate::terminal::{escape_text, is_unsafe};
use crate::{diagnosis, records, story};

/// Every character the writer must never let through raw, with ordinary text and the look-alikes of our
/// own layout (`  reason `, `API request `, two spaces, a timeline prefix).
const HOSTILE: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{1b}[2J",
    "\u{1b}]0;t\u{7}",
    "\u{9b}",
    "\u{7f}",
    "\0",
    "\u{202a}",
    "\u{202b}",
    "\u{202c}",
    "\u{202d}",
    "\u{202e}",
    "\u{2066}",
    "\u{2067}",
    "\u{2068}",
    "\u{2069}",
    "\u{200b}",
    "\u{200c}",
    "\u{200d}",
    "\u{2060}",
    "\u{feff}",
    "\u{200e}",
    "\u{200f}",
    "\t",
    "a",
    "Z",
    "/",
    " ",
    "  reason    LambdaTimeout: ",
    "API request ",
    "Timeline (1 lines)",
    "é",
    "日本",
    "gpj.exe",
];

/// Every character the writer escapes (Cc, Cf, Zl, Zp, Default_Ignorable_Code_Point: 4,000 and more, tag
/// characters past U+FFFF included), so a generated value may hold any of them, not only the ones above.
static UNSAFE: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    (0..=0x10_ffff)
        .filter_map(char::from_u32)
        .filter(|&c| c != '\n' && is_unsafe(c, true))
        .map(String::from)
        .collect()
});

fn hostile_text() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        prop::sample::select(HOSTILE).prop_map(str::to_string),
        prop::sample::select(UNSAFE.as_slice()),
    ];
    prop::collection::vec(part, 0..12).prop_map(|parts| parts.concat())
}

/// The final text as `output::print` writes it, checked: no unsafe character, and `rows` lines.
fn assert_unforgeable(rendered: &str, rows: usize) -> Result<(), TestCaseError> {
    let printed = escape_text(rendered);
    prop_assert!(
        !printed.chars().any(|c| is_unsafe(c, true)),
        "raw unsafe character in {printed:?}"
    );
    prop_assert_eq!(printed.lines().count(), rows, "rows in {:?}", printed);
    Ok(())
}

fn api_fragment(id: &str, v: &[String]) -> ApiFragment<'static> {
    let r = Redactor::builtin();
    let mut a = ApiFragment::new(id.to_string());
    a.method = Some(r.redact_owned(v[0].clone()));
    a.resource_path = Some(r.redact_owned(v[1].clone()));
    a.api_id = Some(r.redact_owned(v[2].clone()));
    a.stage = Some(r.redact_owned(v[3].clone()));
    a.lambda_request_id = Some(Cow::Owned(v[4].clone()));
    a.xray_trace_id = Some(r.redact_owned(v[5].clone()));
    a.status = Some(502);
    a.complete = true;
    a.core.touch(1_000);
    a.core
        .add_evidence(FailureReason::LambdaTimeout, 1_000, r.redact_owned(v[6].clone()));
    a
}

fn lambda_fragment(id: &str, v: &[String]) -> LambdaFragment<'static> {
    let r = Redactor::builtin();
    let mut l = LambdaFragment::new(id.to_string());
    l.function_name = Some(r.redact_owned(v[0].clone()));
    l.error_type = Some(r.redact_owned(v[1].clone()));
    l.core.touch(1_000);
    l.core
        .add_evidence(FailureReason::LambdaError, 1_000, r.redact_owned(v[2].clone()));
    l
}

/// A failures entry with a generated value in every text field.
fn entry(v: &[String]) -> FailureEntry {
    FailureEntry {
        request_id: v[0].clone(),
        first_timestamp_ms: Some(1_000),
        status: Some(502),
        failure_reason: Some(v[1].clone()),
        failure_detail: Some(v[2].clone()),
        api_id: Some(v[3].clone()),
        stage: Some(v[4].clone()),
        method: Some(v[5].clone()),
        resource_path: Some(v[6].clone()),
        lambda_request_id: Some(v[7].clone()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `parse`'s table: a header and one row per record, whatever the records hold.
    #[test]
    fn parse_table_rows_cannot_be_forged(id in hostile_text(), v in prop::collection::vec(hostile_text(), 7)) {
        let api = api_fragment(&id, &v);
        let lambda = lambda_fragment(&id, &v);
        let records = (vec![classify_api(&api, None)], vec![classify_lambda(&lambda, Some(Cow::Owned(v[3].clone())))]);
        // Header, row, blank line, header, row.
        assert_unforgeable(&records::records_table(&records.0, &records.1), 5)?;
    }

    /// `lookup`: every summary row, and one timeline row per line, however many line breaks a line holds.
    #[test]
    fn lookup_story_rows_cannot_be_forged(
        id in hostile_text(),
        v in prop::collection::vec(hostile_text(), 7),
        messages in prop::collection::vec(hostile_text(), 1..5),
    ) {
        let mut out = String::new();
        // With their diagnoses, whose causes and fixes quote the generated trace ID, error type and function.
        let cfg = Configuration::default();
        let api = classify_api(&api_fragment(&id, &v), None);
        story::api_text(&mut out, &api, diagnose::of_api(&api, &[], &cfg).as_ref());
        // Heading, api, reason, cause, fix, seen, lambda, trace, blank.
        assert_unforgeable(&out, 9)?;
        let mut out = String::new();
        let lambda = classify_lambda(&lambda_fragment(&id, &v), Some(Cow::Owned(v[4].clone())));
        story::lambda_text(&mut out, &lambda, diagnose::of_lambda(&lambda, &cfg).as_ref());
        // Heading, error, reason, cause, fix, next, seen, api req., blank.
        assert_unforgeable(&out, 9)?;
        let r = Redactor::builtin();
        let lines: Vec<Line<'_>> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| Line {
                timestamp_ms: 1_000 + i as i64,
                event_id: Cow::Borrowed("e"),
                source: LineSource::Lambda,
                message: r.redact(m),
            })
            .collect();
        let refs: Vec<&Line<'_>> = lines.iter().collect();
        let mut out = String::new();
        story::timeline(&mut out, &refs);
        assert_unforgeable(&out, 1 + lines.len())?;
    }

    /// `failures` and `failures --follow`: a header and one row per entry.
    #[test]
    fn failure_rows_cannot_be_forged(rows in prop::collection::vec(prop::collection::vec(hostile_text(), 8), 1..4)) {
        let entries: Vec<FailureEntry> = rows.iter().map(|v| entry(v)).collect();
        assert_unforgeable(&story::failures(&entries, false), 1 + entries.len())?;
        assert_unforgeable(&story::failure_rows(&entries, false, false), entries.len())?;
        assert_unforgeable(&diagnosis::explain(&entries, false, &diagnosis::IntegrationTimeouts::new()), entries.len())?;
    }

    /// `--json` stays exact: the same writer leaves JSON that decodes to the very value, and one object a line.
    #[test]
    fn json_output_stays_exact(rows in prop::collection::vec(prop::collection::vec(hostile_text(), 8), 1..4)) {
        let entries: Vec<FailureEntry> = rows.iter().map(|v| entry(v)).collect();
        let rendered = story::failures(&entries, true);
        assert_unforgeable(&rendered, entries.len())?;
        for (line, e) in escape_text(&rendered).lines().zip(&entries) {
            let back: serde_json::Value = serde_json::from_str(line).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back["request_id"].as_str(), Some(e.request_id.as_str()));
            prop_assert_eq!(back["resource_path"].as_str(), e.resource_path.as_deref());
        }
    }

    /// `parse`'s stderr summary names event IDs: one line.
    #[test]
    fn skipped_summary_is_one_line(ids in prop::collection::vec(hostile_text(), 1..5)) {
        let mut stats = ParseStats::default();
        for id in &ids {
            stats.skipped.insert(SkipKind::Empty, 1);
            stats.skipped_examples.push((SkipKind::Empty, id.clone()));
        }
        assert_unforgeable(&format!("{}\n", records::skipped_summary(&stats)), 1)?;
    }
}
