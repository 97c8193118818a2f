//! `template.yaml` agrees with the code: the table's schema with `src/index/schema.rs` (what
//! `create-table` builds), the function's binary with Cargo's, its environment with `src/config.rs`.
//! Text checks on the resource block: CloudFormation's `!Ref`/`!If` tags defeat plain YAML parsers.

use std::path::Path;

use apigw_log_indexer::config;
use apigw_log_indexer::index::schema;

fn template() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml")).unwrap()
}

/// The lines of one top-level resource (indent 2) up to the next one.
fn resource(template: &str, name: &str) -> Vec<String> {
    let mut lines = template.lines().skip_while(|l| *l != format!("  {name}:"));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("resource {name} not in template.yaml"));
    std::iter::once(head)
        .chain(lines.take_while(|l| !(l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))))
        .map(|l| l.split('#').next().unwrap_or("").trim_end().to_string())
        .collect()
}

fn has(block: &[String], line: &str) -> bool {
    block.iter().any(|l| l.trim() == line)
}

#[test]
fn the_table_in_the_template_is_the_schema_create_table_builds() {
    let t = template();
    let table = resource(&t, "IndexTable");
    for line in [
        "Type: AWS::DynamoDB::Table".to_string(),
        "BillingMode: PAY_PER_REQUEST".to_string(),
        format!("- {{ AttributeName: {}, KeyType: HASH }}", schema::PARTITION_KEY),
        format!("- {{ AttributeName: {}, KeyType: RANGE }}", schema::SORT_KEY),
        format!("- IndexName: {}", schema::FAILURES_INDEX),
        format!(
            "- {{ AttributeName: {}, KeyType: HASH }}",
            schema::FAILURES_PARTITION_KEY
        ),
        format!("- {{ AttributeName: {}, KeyType: RANGE }}", schema::FAILURES_SORT_KEY),
        "ProjectionType: INCLUDE".to_string(),
        format!("AttributeName: {}", schema::TTL_ATTRIBUTE),
        "SSEEnabled: true".to_string(),
    ] {
        assert!(has(&table, &line), "IndexTable lacks `{line}`:\n{}", table.join("\n"));
    }
    for key in [
        schema::PARTITION_KEY,
        schema::SORT_KEY,
        schema::FAILURES_PARTITION_KEY,
        schema::FAILURES_SORT_KEY,
    ] {
        assert!(
            has(&table, &format!("- {{ AttributeName: {key}, AttributeType: S }}")),
            "{key} is a string key"
        );
    }
    let projected: Vec<&str> = table
        .iter()
        .skip_while(|l| l.trim() != "NonKeyAttributes:")
        .skip(1)
        .map(|l| l.trim())
        .take_while(|l| l.starts_with("- "))
        .map(|l| &l[2..])
        .collect();
    assert_eq!(projected, schema::FAILURES_PROJECTED, "projected attributes");
}

#[test]
fn the_function_builds_the_lambda_binary_and_sets_only_known_variables() {
    let t = template();
    let function = resource(&t, "IndexerFunction");
    assert!(has(&function, "Binary: apigw-log-indexer"), "BuildProperties: Binary");
    assert!(has(&function, "BuildMethod: rust-cargolambda"));
    assert!(has(&function, "Runtime: provided.al2023"));
    let cargo = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(
        cargo.contains("name = \"apigw-log-indexer\""),
        "Cargo.toml builds the binary the template names"
    );
    let known = [
        config::INDEX_TABLE,
        config::METRICS_NAMESPACE,
        config::METRICS_SINK,
        config::DETAILED_METRICS,
        config::RETENTION_DAYS,
        config::REDACT_HEADERS,
        config::MAX_DECODED_BYTES,
        config::COUNT_FROM,
    ];
    let vars: Vec<&str> = function
        .iter()
        .skip_while(|l| l.trim() != "Variables:")
        .skip(1)
        .take_while(|l| l.starts_with("          ") && l.contains(':'))
        .map(|l| l.trim().split(':').next().unwrap_or(""))
        .collect();
    assert!(vars.contains(&config::INDEX_TABLE), "INDEX_TABLE is set: {vars:?}");
    for v in &vars {
        assert!(known.contains(v), "template sets {v}, which the function does not read");
    }
}

#[test]
fn the_functions_role_allows_exactly_the_dynamodb_calls_it_makes() {
    let role = resource(&template(), "IndexerRole");
    // src/aws/dynamodb: BatchWriteItem (write.rs), conditional PutItem and UpdateItem (ledger.rs).
    assert!(
        has(
            &role,
            "Action: [dynamodb:BatchWriteItem, dynamodb:PutItem, dynamodb:UpdateItem]"
        ),
        "IndexerRole:\n{}",
        role.join("\n")
    );
    assert!(
        !role.iter().any(|l| l.contains("dynamodb:Scan")),
        "the function never scans"
    );
}
