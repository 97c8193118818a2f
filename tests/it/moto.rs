//! The project's moto server (`scripts/moto.sh start`, once per test process), SDK clients configured for
//! it explicitly (nothing exported into the environment), and a fresh table per test.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use apigw_log_indexer::aws::dynamodb::DynamoIndex;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// The moto server's URL, starting it on first use.
pub fn endpoint() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/moto.sh");
        let out = Command::new("bash").arg(script).arg("start").output().unwrap();
        assert!(
            out.status.success(),
            "scripts/moto.sh start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    })
}

/// A DynamoDB client for moto: test credentials, us-east-1.
pub fn client() -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto-tests"))
        .build();
    Client::from_conf(config)
}

/// A table name no other test (in this process or an earlier run against the same server) uses.
pub fn table_name(test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "it-{test}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new, empty index table.
pub async fn new_index(test: &str) -> DynamoIndex {
    let index = DynamoIndex::new(client(), table_name(test));
    index.create_table().await.unwrap();
    index
}

/// Every item of `table` as the SDK returns it (a Scan: fine in a test).
async fn scan(table: &str) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let client = client();
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .unwrap();
        out.extend(page.items().iter().cloned());
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return out,
        }
    }
}

/// Every item of `table`, each as attribute name → value, in key order.
pub async fn dump(table: &str) -> Vec<BTreeMap<String, String>> {
    let mut out: Vec<BTreeMap<String, String>> = scan(table)
        .await
        .iter()
        .map(|item| item.iter().map(|(k, v)| (k.clone(), format!("{v:?}"))).collect())
        .collect();
    out.sort_by(|a, b| (a.get("request_id"), a.get("sk")).cmp(&(b.get("request_id"), b.get("sk"))));
    out
}

/// Every item of `table` as the index's own item type, in key order.
pub async fn items(table: &str) -> Vec<apigw_log_indexer::index::IndexItem> {
    use apigw_log_indexer::index::{AttrValue, IndexItem};
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut out = Vec::new();
    for raw in scan(table).await {
        let key = |k: &str| raw[k].as_s().unwrap().clone();
        let mut item = IndexItem::new(key("request_id"), key("sk"));
        for (name, v) in &raw {
            let v = match v {
                AttributeValue::S(s) => AttrValue::S(s.clone()),
                AttributeValue::N(n) => AttrValue::N(n.clone()),
                AttributeValue::B(b) => AttrValue::B(b.as_ref().to_vec()),
                AttributeValue::Bool(b) => AttrValue::Bool(*b),
                other => panic!("the index writes no {other:?}"),
            };
            if name != "request_id" && name != "sk" {
                item.attrs.insert(name.clone(), v);
            }
        }
        out.push(item);
    }
    out.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
    out
}
