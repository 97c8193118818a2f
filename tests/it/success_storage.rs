//! `SUCCESS_STORAGE=summary` over the generator's traffic: every success has exactly one summary item of at
//! most one write unit under its API request ID, and nothing else there unless an earlier delivery held
//! some of its lines (counted, and the count is the one `docs/cost.md` gives); every failure keeps the
//! items `full` writes for it except a clean invocation's (`index::clean`), and its verdict read back from
//! the index is the one `full` gives (classification never rests on a clean invocation).

use std::collections::BTreeMap;

use apigw_log_indexer::index::read::Fragments;
use apigw_log_indexer::index::success::{MAX_SUMMARY_ITEM_BYTES, SUMMARY_SK};
use apigw_log_indexer::index::{IndexItem, SuccessPolicy, SuccessStorage};

use crate::sink_cost::START_MS;

/// Items per partition key for every delivery of the generator's traffic, under `success`.
fn items_by_pk(files: &[std::path::PathBuf], success: SuccessPolicy) -> BTreeMap<String, Vec<IndexItem>> {
    let mut out: BTreeMap<String, Vec<IndexItem>> = BTreeMap::new();
    for f in files {
        let event = std::fs::read(f).unwrap();
        for item in crate::helpers::plan_with(&event, START_MS + 3_600_000, success)
            .items
            .items
        {
            out.entry(item.pk.clone()).or_default().push(item);
        }
    }
    out
}

#[test]
fn a_summarized_success_is_one_small_item_and_failures_keep_their_full_story() {
    let dir = std::env::temp_dir().join(format!("apigw-success-storage-{}", std::process::id()));
    let files = crate::helpers::generate(&dir, &crate::helpers::traffic(6, 1_000_000, 5, Some(START_MS)));
    let truth = crate::helpers::truth(&dir);
    let summary = SuccessPolicy {
        storage: SuccessStorage::Summary,
        ttl_days: 7,
    };
    let (full, summarized) = (items_by_pk(&files, SuccessPolicy::FULL), items_by_pk(&files, summary));
    let _ = std::fs::remove_dir_all(&dir);
    let none = Vec::new();
    let (mut one_item, mut split, mut failed_clean) = (0, 0, 0);
    for t in &truth {
        let id = t["request_id"].as_str().unwrap();
        let lambda = t["lambda_request_id"].as_str();
        let under = |m: &'_ BTreeMap<String, Vec<IndexItem>>| -> Vec<IndexItem> {
            let mut v = m.get(id).unwrap_or(&none).clone();
            v.extend(lambda.and_then(|l| m.get(l)).unwrap_or(&none).iter().cloned());
            v.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
            v
        };
        let (f, s) = (under(&full), under(&summarized));
        if !t["failure_reason"].is_null() {
            // The items `full` writes, less a clean invocation's `lambda#` items, and nothing else.
            let dropped: Vec<&IndexItem> = f.iter().filter(|i| !s.contains(i)).collect();
            assert!(s.iter().all(|i| f.contains(i)), "failed request {id}: nothing new");
            assert!(
                dropped
                    .iter()
                    .all(|i| Some(i.pk.as_str()) == lambda && i.sk.starts_with("lambda#")),
                "failed request {id}: only its clean invocation is left out: {dropped:#?}"
            );
            failed_clean += usize::from(!dropped.is_empty());
            assert_eq!(
                verdict(id, &f),
                verdict(id, &s),
                "failed request {id}: the verdict full gives"
            );
            assert_eq!(verdict(id, &s).1.as_deref(), t["failure_reason"].as_str(), "{id}");
            continue;
        }
        let api_side: Vec<&IndexItem> = s.iter().filter(|i| i.pk == id).collect();
        let oks: Vec<&IndexItem> = api_side.iter().copied().filter(|i| i.sk == SUMMARY_SK).collect();
        assert_eq!(oks.len(), 1, "success {id}: one summary item: {s:#?}");
        let ok = oks[0];
        assert!(ok.size() <= MAX_SUMMARY_ITEM_BYTES, "{id}: {} bytes", ok.size());
        assert_eq!(ok.pk, id);
        assert_eq!(ok.int("status"), t["status"].as_i64());
        assert_eq!(ok.s("lambda_request_id"), lambda);
        if api_side.len() == 1 {
            one_item += 1;
        } else {
            split += 1;
        }
    }
    let line = format!("({split} of {} successes on the generator's traffic)", one_item + split);
    eprintln!("{one_item} successes in one item; {line}");
    assert!(one_item > 10 * split, "most successes are one item");
    let doc = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cost.md")).unwrap();
    assert!(doc.contains(&line), "docs/cost.md lacks {line}");
    let failed = truth.iter().filter(|t| !t["failure_reason"].is_null()).count();
    let line = format!("{failed_clean} of {failed} failed requests of the generator's traffic");
    eprintln!("{line} were served by a clean invocation");
    assert!(
        failed_clean > 0,
        "the traffic has failures joined to a clean invocation"
    );
    assert!(doc.contains(&line), "docs/cost.md lacks {line}");
}

/// The status and reason of API request `id` as a lookup reads them from `items`.
fn verdict(id: &str, items: &[IndexItem]) -> (Option<u16>, Option<String>) {
    let fragments = Fragments::decode(items);
    let (joined, problems) = fragments.joined();
    assert!(problems.is_empty(), "{problems:?}");
    let (api, _) = joined.records();
    let r = api
        .iter()
        .find(|r| r.request_id == id)
        .expect("the request is read back");
    (r.status, r.failure_reason.map(|r| r.as_str().to_string()))
}
