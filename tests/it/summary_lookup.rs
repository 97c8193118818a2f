//! A summarized success (`SUCCESS_STORAGE=summary`) as a user looks it up, against moto: `replay` writes
//! one item, `lookup` shows it and where its lines are, and `lookup --fetch-lines` reads those lines back
//! from CloudWatch Logs (FilterLogEvents over the recorded group, stream and window) and says what that
//! took. A clean invocation, which `summary` does not index, is read back the same way by its Lambda
//! request ID, alone or as the invocation of a failed request.

use apigw_log_indexer::encode;

use crate::dynamodb_cli::run;
use crate::moto;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Creates `group` and `stream` in moto's CloudWatch Logs and puts `events` (epoch ms, message) in it.
async fn put_lines(group: &str, stream: &str, events: &[(i64, &str)]) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&crate::onboard_moto::sdk("us-east-1").await);
    logs.create_log_group().log_group_name(group).send().await.unwrap();
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
    let mut put = logs.put_log_events().log_group_name(group).log_stream_name(stream);
    for (time, message) in events {
        put = put.log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(*time)
                .message(*message)
                .build()
                .unwrap(),
        );
    }
    put.send().await.unwrap();
}

#[test]
fn lookup_of_a_summarized_success_shows_it_and_reads_its_lines_back_from_cloudwatch_logs() {
    let table = moto::table_name("summary");
    // Unique per run: the moto server may outlive a test process.
    let group = format!(
        "API-Gateway-Execution-Logs_{}/dev",
        table.replace(['-', '_'], "").to_lowercase()
    );
    let (stream, rid) = ("summary-stream-1", "5a1e0000-1111-4222-8333-444455556666");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 60_000;
    let messages = [
        format!("({rid}) Extended Request Id: Xyz0AbCdEfGhI="),
        format!("({rid}) Verifying Usage Plan for request: {rid}. API Key:  API Stage: a1b2c3d4e5/dev"),
        format!("({rid}) Starting execution for request: {rid}"),
        format!("({rid}) HTTP Method: GET, Resource Path: /orders"),
        format!("({rid}) Method completed with status: 200"),
    ];
    let events: Vec<(i64, String)> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (i as i64 * 5, m.clone()))
        .collect();
    let dir = std::env::temp_dir().join(format!("apigw-summary-lookup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("exec.json");
    std::fs::write(
        &file,
        encode::lambda_event(&encode::data_payload(&group, stream, now, events.clone())),
    )
    .unwrap();

    let o = run(&table, &["create-table"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(
        &table,
        &["replay", "--success-storage", "summary", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&table, &["lookup", rid, "--verbose"]);
    let shown = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("1 items from 1 request IDs"),
        "{}",
        text(&o.stderr)
    );
    assert!(shown.contains("200") && shown.contains("GET /orders"), "{shown}");
    assert!(
        shown.contains(&format!("summarized success: log group {group}, stream {stream}")),
        "{shown}"
    );

    // The same lines in CloudWatch Logs, and a line of another request in the same stream and window.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let other = "(0ther000-1111-4222-8333-444455556666) Method completed with status: 200";
    let lines: Vec<(i64, &str)> = events
        .iter()
        .map(|(dt, m)| (now + dt, m.as_str()))
        .chain([(now + 21, other)])
        .collect();
    rt.block_on(put_lines(&group, stream, &lines));
    let o = run(&table, &["lookup", rid, "--fetch-lines"]);
    let shown = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let read_back = shown
        .split("Lines read back")
        .nth(1)
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(read_back.contains(&format!("{group} in {stream}")), "{read_back}");
    assert_eq!(
        read_back.matches(&format!("({rid})")).count(),
        messages.len(),
        "every line of the request, no other: {read_back}"
    );
    assert!(!read_back.contains("0ther000"), "{read_back}");
    assert!(
        read_back.contains("cost: 1 FilterLogEvents call over one stream of 20 ms"),
        "{read_back}"
    );

    // A clean invocation (START, END, REPORT with no error) is not indexed under `summary`: a lookup by its
    // Lambda request ID finds nothing and says why and how to read it; --fetch-lines reads it from the
    // function's log group.
    let lid = "1a2b3c4d-1111-4222-8333-444455556666";
    let function_group = format!("/aws/lambda/{table}");
    let lambda_lines = [
        format!("START RequestId: {lid} Version: $LATEST\n"),
        format!("END RequestId: {lid}\n"),
        format!(
            "REPORT RequestId: {lid}\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n"
        ),
    ];
    let lambda_events: Vec<(i64, String)> = lambda_lines
        .iter()
        .enumerate()
        .map(|(i, m)| (1 + i as i64, m.clone()))
        .collect();
    let lambda_stream = "2026/12/07/[$LATEST]0abc";
    let lambda_file = dir.join("lambda.json");
    std::fs::write(
        &lambda_file,
        encode::lambda_event(&encode::data_payload(
            &function_group,
            lambda_stream,
            now,
            lambda_events.clone(),
        )),
    )
    .unwrap();
    let o = run(
        &table,
        &["replay", "--success-storage", "summary", lambda_file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&table, &["lookup", lid]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!(
            "an invocation that ended cleanly is not indexed under SUCCESS_STORAGE=summary or off: if {lid} is its \
             Lambda request ID, `apigw-logs lookup {lid} --fetch-lines --log-group /aws/lambda/<function>"
        )),
        "{}",
        text(&o.stderr)
    );
    let lines: Vec<(i64, &str)> = lambda_events.iter().map(|(dt, m)| (now + dt, m.as_str())).collect();
    rt.block_on(put_lines(&function_group, lambda_stream, &lines));
    let o = run(
        &table,
        &[
            "lookup",
            lid,
            "--fetch-lines",
            "--log-group",
            &function_group,
            "--since",
            "10m",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let read_back = text(&o.stdout);
    assert!(
        read_back.contains(&format!("REPORT RequestId: {lid}"))
            && read_back.contains("cost: 1 FilterLogEvents call over the whole group"),
        "{read_back}"
    );

    // A failed request served by that clean invocation (the function answered, but not a proxy response):
    // its verdict is API Gateway's, the lookup names the invocation the index does not hold, and
    // --fetch-lines reads it by Lambda request ID from the group given, over the request's window and
    // Lambda's longest timeout after it.
    let bad = "bad00000-1111-4222-8333-444455556666";
    let exec_lines: Vec<(i64, String)> = [
        format!("Starting execution for request: {bad}"),
        "HTTP Method: GET, Resource Path: /orders".to_string(),
        format!(
            "Endpoint response headers: {{Date=Mon, 30 Oct 2023 12:58:31 GMT, Content-Type=application/json, \
             Content-Length=14, Connection=keep-alive, x-amzn-RequestId={lid}, X-Amz-Executed-Version=$LATEST}}"
        ),
        "Execution failed due to configuration error: Malformed Lambda proxy response".to_string(),
        "Method completed with status: 502".to_string(),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, m)| (i as i64, format!("({bad}) {m}")))
    .collect();
    let bad_file = dir.join("bad.json");
    std::fs::write(
        &bad_file,
        encode::lambda_event(&encode::data_payload(&group, stream, now, exec_lines)),
    )
    .unwrap();
    let o = run(
        &table,
        &["replay", "--success-storage", "summary", bad_file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&table, &["lookup", bad, "--logs-only"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("MalformedProxyResponse"),
        "{}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains(&format!("note: invocation {lid} is not in the index")),
        "{}",
        text(&o.stderr)
    );
    let o = run(
        &table,
        &[
            "lookup",
            bad,
            "--logs-only",
            "--fetch-lines",
            "--log-group",
            &function_group,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let read_back = text(&o.stdout);
    let read_back = read_back
        .split("Lines read back")
        .nth(1)
        .unwrap_or_else(|| panic!("{read_back}"));
    assert!(
        read_back.contains(&format!("REPORT RequestId: {lid}"))
            && read_back.contains(&format!("of {} ms", 4 + 900_000)),
        "{read_back}"
    );

    let access_group = format!("/aws/apigateway/access-{table}");
    let record = format!(r#"{{"requestId":"{rid}","status":"200","integration.requestId":"{lid}"}}"#);
    rt.block_on(put_lines(&access_group, "a", &[(now + 25, record.as_str())]));
    let o = run(
        &table,
        &[
            "lookup",
            lid,
            "--fetch-lines",
            "--log-group",
            &access_group,
            "--since",
            "10m",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let read_back = text(&o.stdout);
    let read_back = read_back
        .split("Lines read back")
        .nth(1)
        .unwrap_or_else(|| panic!("{read_back}"));
    assert!(
        read_back.contains(rid) && read_back.contains("every stream"),
        "{read_back}"
    );

    // Nothing recorded for an unknown ID: the window must be given, in one line.
    let o = run(
        &table,
        &["lookup", "0ther000-1111-4222-8333-444455556666", "--fetch-lines"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("give --log-group and --since"),
        "{}",
        text(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
