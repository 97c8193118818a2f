use super::*;

#[test]
fn log_group_names_tell_the_source() {
    let of = |g| GroupKind::of(g, "e369853df766fa44e1ed0ff613f563bd", Sources::default());
    assert_eq!(
        of("API-Gateway-Execution-Logs_a1b2c3d4e5/dev"),
        GroupKind::Execution {
            api_id: "a1b2c3d4e5",
            stage: "dev"
        }
    );
    assert_eq!(
        of("API-Gateway-Execution-Logs_a1b2c3d4e5/prod/Canary"),
        GroupKind::Execution {
            api_id: "a1b2c3d4e5",
            stage: "prod"
        }
    );
    assert_eq!(
        of("/aws/apigateway/abcdef1234/production"),
        GroupKind::Execution {
            api_id: "abcdef1234",
            stage: "production"
        }
    );
    assert_eq!(of("/aws/lambda/my-fn"), GroupKind::Lambda { function_name: "my-fn" });
    assert_eq!(of("/aws/apigateway/azul-service-prod"), GroupKind::Access);
    assert_eq!(of("/aws/apigateway/access-logs-a1b2c3d4e5-dev"), GroupKind::Access);
    assert_eq!(of("API-Gateway-Execution-Logs_/dev"), GroupKind::Unknown);
    assert_eq!(of("/my/app/logs"), GroupKind::Unknown);
    assert_eq!(of("/aws/lambda/"), GroupKind::Unknown);
    // A custom Lambda log group is known by the stream name Lambda gives it, not by its lines.
    assert_eq!(
        GroupKind::of(
            "/orders-api/lambda",
            "2025/11/21/create-order[$LATEST]a033c264",
            Sources::default()
        ),
        GroupKind::Lambda {
            function_name: "create-order"
        }
    );
    // The operator names other access-log groups; that name wins over any other reading of it.
    let configured = ["/my/app/logs".to_string(), "/aws/lambda/edge".to_string()];
    let declared = [delivered::ExecutionLogGroup::parse("/delivered/exec=a1b2c3d4e5/dev").expect("declaration")];
    let sources = Sources {
        access_groups: &configured,
        execution_groups: &declared,
    };
    // A declared delivered-execution-log group is its stage's execution log, named by the declaration ...
    assert_eq!(
        GroupKind::of("/delivered/exec", "s", sources),
        GroupKind::Execution {
            api_id: "a1b2c3d4e5",
            stage: "dev"
        }
    );
    // ... never a function's own log that Lambda named.
    assert_eq!(
        GroupKind::of("/delivered/exec", "2025/11/21/f[$LATEST]a0", sources),
        GroupKind::Lambda { function_name: "f" }
    );
    assert_eq!(GroupKind::of("/my/app/logs", "s", sources), GroupKind::Access);
    // ... but never over a function's own log group.
    assert_eq!(
        GroupKind::of("/aws/lambda/edge", "s", sources),
        GroupKind::Lambda { function_name: "edge" }
    );
    assert_eq!(
        GroupKind::of("/my/app/logs", "2025/11/21/f[$LATEST]a0", sources),
        GroupKind::Lambda { function_name: "f" }
    );
}

proptest::proptest! {
    /// The entry is read as its definition: the value up to the next `, ` (or the map's end) is the ID when it
    /// is a UUID, at the map's start or after `, `, and two different such IDs name none.
    #[test]
    fn the_response_header_id_is_the_whole_entry(
        entries in proptest::collection::vec(
            "x-amzn-RequestId=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f-]{30,40})[ ,}a-z]{0,3}|[A-Za-z-]{1,12}=[ -~]{0,50}",
            0..5,
        ),
        braces in proptest::bool::ANY,
    ) {
        let inner = entries.join(", ");
        let map = if braces { format!("{{{inner}}}") } else { inner };
        // The map without its braces and trailing spaces.
        let inner = map.trim_end();
        let inner = inner.strip_prefix('{').and_then(|m| m.strip_suffix('}')).unwrap_or(inner);
        let mut found: Option<&str> = None;
        let mut clash = false;
        let mut from = 0;
        while let Some(at) = inner[from..].find("x-amzn-RequestId=").map(|i| from + i) {
            from = at + "x-amzn-RequestId=".len();
            let value = &inner[from..];
            let id = &value[..value.find(", ").unwrap_or(value.len())];
            if (at == 0 || inner[..at].ends_with(", ")) && text::is_uuid(id) {
                clash |= found.is_some_and(|f| f != id);
                found = Some(id);
            }
        }
        let definition = if clash { None } else { found };
        proptest::prop_assert_eq!(execution::header_request_id(&map), definition, "{}", map);
    }
}
