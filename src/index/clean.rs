//! Clean invocations: under `SUCCESS_STORAGE=summary` or `off`, an invocation the platform itself reports as
//! a plain success is not indexed. Its lines stay in the function's log group, and `lookup --fetch-lines`
//! reads them back by its Lambda request ID ([`super::not_indexed`] finds them). Pure.
//!
//! Clean is decided from the platform's own evidence only, never from what API Gateway said (which may
//! arrive in another delivery, before or after): the batch holds the invocation's START and its REPORT
//! (so every line of it is here), the REPORT states success or no status and no error type, no line of it
//! is failure evidence (a timeout, a crash, an out-of-memory, a runtime error), and nothing in the batch
//! was ambiguous or counted (a skipped line, platform-shaped output, interleaved platform records): any
//! doubt keeps the invocation in full, as under `full`.
//!
//! What that loses, and why it is safe: a request's verdict never rests on a clean invocation, since
//! classification only takes the invocation's failure evidence and a clean one has none (`classify_api`);
//! the near-miss metrics are computed per delivery from the REPORT figures before anything is indexed. A
//! failed request joined to a clean invocation (a malformed proxy response, an answer after API Gateway
//! stopped waiting) keeps its own items, its Lambda request ID, and the `hint#` item when the function's
//! log named the API request (small, and the only way a lookup by API ID finds the invocation when API
//! Gateway's log does not name it).

use crate::classify::{ClassifiedBatch, ClassifiedLambda};
use crate::fragment::ReportStatus;
use crate::record::LambdaStatus;

/// Whether `c` is a clean invocation of `batch`: see the module documentation.
pub fn clean_invocation(batch: &ClassifiedBatch<'_>, c: &ClassifiedLambda<'_>) -> bool {
    let (frag, rec, stats) = (&c.fragment, &c.record, &batch.stats);
    let unambiguous_batch =
        stats.skipped.is_empty() && stats.platform_shaped_output == 0 && stats.platform_order_ambiguous == 0;
    let clean_report = frag
        .report
        .as_ref()
        .is_some_and(|r| r.status.is_none_or(|s| s == ReportStatus::Success) && r.error_type.is_none());
    unambiguous_batch
        && clean_report
        && batch.whole_invocations.contains(&*frag.request_id)
        && rec.status == Some(LambdaStatus::Success)
        && rec.failure_reason.is_none()
        && rec.error_type.is_none()
        && frag.error_type.is_none()
        && frag.core.evidence().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify_batch;
    use crate::index::{ItemOptions, SuccessPolicy, SuccessStorage, items_for_batch};
    use crate::parse::{ParseOptions, parse_batch};
    use crate::redact::Redactor;
    use crate::{decode, encode};

    const ID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    const API: &str = "11111111-2222-3333-4444-555555555555";

    fn start() -> String {
        format!("START RequestId: {ID} Version: $LATEST\n")
    }
    fn report(tail: &str) -> String {
        format!(
            "REPORT RequestId: {ID}\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t{tail}\n"
        )
    }

    /// (clean, items written under `summary`, items under `full`) for one delivery of `messages`.
    fn judged(messages: &[String]) -> (bool, usize, usize) {
        let events = messages
            .iter()
            .enumerate()
            .map(|(i, m)| (i as i64, m.clone()))
            .collect();
        let event = encode::lambda_event(&encode::data_payload("/aws/lambda/fn", "s", 1_698_670_710_000, events));
        let bytes = decode::decode_event(event.as_bytes(), decode::DEFAULT_MAX_DECODED_BYTES).unwrap();
        let payload = decode::parse_payload(&bytes).unwrap();
        let batch = classify_batch(parse_batch(
            &payload,
            &Redactor::builtin(),
            ParseOptions { keep_lines: true },
        ));
        let c = batch
            .lambda
            .iter()
            .find(|c| c.fragment.request_id == ID)
            .expect("the invocation");
        let with = |storage| {
            let success = SuccessPolicy { storage, ttl_days: 7 };
            let opts = ItemOptions {
                success,
                ..ItemOptions::full(30)
            };
            items_for_batch(&batch, &opts).items.len()
        };
        (
            clean_invocation(&batch, c),
            with(SuccessStorage::Summary),
            with(SuccessStorage::Full),
        )
    }

    #[test]
    fn only_a_whole_invocation_the_platform_reports_as_a_success_is_clean() {
        let end = format!("END RequestId: {ID}\n");
        let cases: [(&str, Vec<String>, bool); 8] = [
            ("START, END, REPORT", vec![start(), end.clone(), report("")], true),
            (
                "a JSON-format success",
                vec![
                    format!(
                        r#"{{"time":"2023-10-30T12:58:30.000Z","type":"platform.start","record":{{"requestId":"{ID}","version":"$LATEST"}}}}"#
                    ),
                    format!(
                        r#"{{"time":"2023-10-30T12:58:30.012Z","type":"platform.report","record":{{"requestId":"{ID}","metrics":{{"durationMs":12.0,"billedDurationMs":13,"memorySizeMB":128,"maxMemoryUsedMB":60}},"status":"success"}}}}"#
                    ),
                ],
                true,
            ),
            ("no START in this delivery", vec![end.clone(), report("")], false),
            ("no REPORT in this delivery", vec![start(), end.clone()], false),
            (
                "a timeout",
                vec![
                    start(),
                    format!("{ID} Task timed out after 1.00 seconds\n"),
                    report("Status: timeout"),
                ],
                false,
            ),
            (
                "an error type",
                vec![
                    start(),
                    end.clone(),
                    report("Status: error\tError Type: Runtime.ExitError"),
                ],
                false,
            ),
            (
                "error evidence in its lines",
                vec![
                    start(),
                    format!(
                        "2023-10-30T12:58:30.005Z\t{ID}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"x\"}}\n"
                    ),
                    end.clone(),
                    report(""),
                ],
                false,
            ),
            (
                "a skipped line in the delivery",
                vec![
                    start(),
                    end,
                    report(""),
                    "INIT_START Runtime Version: python:3.12".into(),
                ],
                false,
            ),
        ];
        for (name, messages, want) in cases {
            let (clean, summary, full) = judged(&messages);
            assert_eq!(clean, want, "{name}");
            // Under `summary` a clean invocation writes nothing; anything else what `full` writes.
            assert_eq!(summary, if want { 0 } else { full }, "{name}");
            assert!(full > 0, "{name}");
        }
        // A clean invocation whose own log names the API request it served keeps only its `hint#` item: a
        // lookup by the API ID (an integration timeout's log names no invocation) still finds the invocation.
        let named = [
            start(),
            format!("[APIG: {API}] handled\n"),
            format!("END RequestId: {ID}\n"),
            report(""),
        ];
        assert!(judged(&named).0);
        assert_eq!(judged(&named).1, 1, "the hint only");
    }
}
