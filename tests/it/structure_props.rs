//! A planted secret in any position of any generated structure never reaches a stored item (decompressed),
//! the function's own log, or `parse` output (JSON and table): JSON nested to any depth (arrays of arrays,
//! objects in arrays), escaped 0 to 3 times, Python/Ruby/Java map renderings, form and URL encodings
//! (bracketed, percent-encoded, long flattened names), XML elements, Parameter Store pairs, values that span
//! lines (`KEY=` + a PEM block), URL user-info, header maps, and bodies. Each structure is carried by an
//! execution-log body, header map or query string, a Lambda failure message, or a function's own line.
//!
//! Two properties: the redactor alone on many generated cases, and the whole pipeline (items, log, `parse`)
//! on fewer, since each runs the function and the CLI.

use apigw_log_indexer::redact::Redactor;
use proptest::prelude::*;

use crate::helpers::{EXEC_GROUP, LAMBDA_GROUP};
use crate::hostile::{item_text, run_function, run_parse};

const API: &str = "3a1f0c2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f";
const LAMBDA: &str = "9e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f";
const TS: &str = "2023-10-30T12:58:31.500Z";

/// A secret with no vowel `a e i o`, `w` or `u`, so it holds no word the redactor looks for and no shape.
fn secret() -> impl Strategy<Value = String> {
    "[b-df-hj-np-tv-z0-9]{12}".prop_map(|s| format!("Zq{s}"))
}

/// Names real clients and libraries use for secrets, as they spell them.
fn sensitive_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("password".to_string()),
        Just("client_secret".to_string()),
        Just("accessToken".to_string()),
        Just("api_key".to_string()),
        Just("X-Api-Key".to_string()),
        Just("db_passwd".to_string()),
        Just("privateKey".to_string()),
        "[a-z]{2,8}".prop_map(|p| format!("{p}_token")),
        // A separator or a case change inside the word.
        Just("pass_word".to_string()),
        Just("Pass-Word".to_string()),
        Just("PASS.WORD".to_string()),
        Just("PassWord".to_string()),
    ]
}

/// The name as a JSON key with its `k`-th byte written as a `\u00XX` escape (`"\u0070assword"`).
fn json_escaped_name(text: &str, name: &str, k: usize) -> String {
    let k = k % name.len();
    let spelled = format!("{}\\u{:04x}{}", &name[..k], name.as_bytes()[k], &name[k + 1..]);
    text.replacen(&format!("\"{name}\""), &format!("\"{spelled}\""), 1)
}

/// A JSON value holding the secret at some depth: the secret string, an array or an object around one.
fn json_value(secret: String) -> impl Strategy<Value = serde_json::Value> {
    let leaf = Just(serde_json::Value::String(secret));
    leaf.prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            (inner.clone(), 0usize..3).prop_map(|(v, pad)| {
                let mut a: Vec<serde_json::Value> = (0..pad).map(|i| serde_json::json!(i)).collect();
                a.push(v);
                serde_json::Value::Array(a)
            }),
            (inner.clone()).prop_map(|v| serde_json::Value::Array(vec![serde_json::Value::Array(vec![v])])),
            // Keys never `n` (the sibling), so the secret is never overwritten.
            ("[b-df-hj-np-tv-z]{1,6}", inner).prop_map(|(k, v)| serde_json::json!({ format!("k{k}"): v, "n": 1 })),
        ]
    })
}

/// JSON text with the sensitive name's value holding the secret, nested under other keys and arrays,
/// then escaped `escapes` times (each time: the JSON text as the string value of `body`).
fn json_carrier(secret: String) -> impl Strategy<Value = String> {
    let escaped_byte = prop::option::of(0usize..16);
    (sensitive_name(), json_value(secret), 0usize..3, 0u32..4, escaped_byte).prop_map(
        |(name, value, depth, escapes, k)| {
            let mut v = serde_json::json!({ name.clone(): value, "after": "x" });
            for d in 0..depth {
                v = if d % 2 == 0 {
                    serde_json::json!({ "data": [v] })
                } else {
                    serde_json::json!({ "outer": v })
                };
            }
            let mut text = v.to_string();
            if let Some(k) = k {
                text = json_escaped_name(&text, &name, k);
            }
            for _ in 0..escapes {
                text = serde_json::json!({ "body": text }).to_string();
            }
            text
        },
    )
}

/// The other syntaxes a secret is written in.
fn other_carrier(secret: String) -> impl Strategy<Value = String> {
    let s = secret;
    (sensitive_name(), 0usize..41, 1usize..40, 0usize..3).prop_map(move |(name, kind, long, enc)| {
        // `%`, `%25`, `%2525`: percent-encoding once, twice, three times.
        let pct = format!("%{}", "25".repeat(enc));
        match kind {
        0 => format!("{{'{name}': '{s}', 'user': 'u'}}"),
        1 => format!("{{\"{name}\"=>\"{s}\", \"u\"=>1}}"),
        2 => format!("{{{name}={s}, user=u}}"),
        3 => format!("user[{name}]={s}&page=2"),
        4 => format!("user%5B{name}%5D={s}&page=2"),
        5 => format!("{}{name}={s}&page=2", "form.section.".repeat(long)),
        6 => format!("<request><{name}>{s}</{name}></request>"),
        7 => format!("{{\"Name\": \"/app/prod/{name}\", \"Value\": \"{s}\", \"Type\": \"SecureString\"}}"),
        8 => format!("{name}=-----BEGIN RSA PRIVATE KEY-----\nMIIEowIB{s}\nAKCAQEA{s}\n-----END RSA PRIVATE KEY-----"),
        9 => format!("calling postgres://admin:{s}@db.internal:5432/app"),
        10 => format!("{name}: {s}"),
        11 => format!("{{\"{name}\":{{\"a\":[[\"{s}\"],{{\"b\":\"{s}\"}}]}},\"z\":1}}"),
        // A query inside a query (a redirect URL), percent-encoded once or more.
        13 => format!("next={pct}2Flogin{pct}3F{name}{pct}3D{s}{pct}26page{pct}3D2&x=1"),
        14 => format!("user{pct}5B{name}{pct}5D={s}&page=2"),
        15 => format!("q={pct}7B{pct}22{name}{pct}22{pct}3A{pct}22{s}{pct}22{pct}7D"),
        // A multipart part, raw or inside a JSON string.
        16 => format!("--b\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{s}\r\n--b--"),
        17 => serde_json::json!({ "body": format!("--b\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{s}\r\n--b--") }).to_string(),
        // The name as an attribute or a key element.
        18 => format!("<form><field name=\"{name}\">{s}</field></form>"),
        19 => format!("<dict><key>{name}</key> <string>{s}</string></dict>"),
        // URL user-info behind an escaped or percent-encoded scheme separator.
        20 => format!("redirect=https{pct}3A{pct}2F{pct}2Fadmin{pct}3A{s}{pct}40db.internal"),
        21 => serde_json::json!({ "url": format!("postgres://admin:{s}@db") }).to_string().replace('/', "\\/"),
        22 => format!("{{\"cfg\":\"{{\\\"url\\\":\\\"amqps:\\\\/\\\\/guest:{s}@mq\\\"}}\"}}"),
        // Documented token prefixes without a name.
        23 => format!("calling with sk-proj-{s}Abc123 now"),
        24 => format!("hook signed with whsec_{s}xyz and hf_{s}qrs"),
        // JSON whose quotes are `\u0022` escapes (.NET's serializer), inside a JSON string.
        25 => format!("{{\"body\":\"{{\\u0022{name}\\u0022:\\u0022{s}\\u0022}}\"}}"),
        // XML: an element with attributes, CDATA, a name/value attribute pair.
        26 => format!("<{name} xsi:type=\"string\">{s}</{name}>"),
        27 => format!("<{name}><![CDATA[{s} <b>]]></{name}>"),
        28 => format!("<param name=\"{name}\" value=\"{s}\"/>"),
        // A YAML block scalar, with escaped line breaks, among other keys.
        29 => format!("cfg:\\n  {name}: |\\n    {s}\\n    {s}\\n  host: db"),
        // HTML character references (an HTML page showing JSON, an escaped query).
        30 => format!("<pre>{{&quot;user&quot;:{{&quot;{name}&quot;:&quot;{s}&quot;}}}}</pre>"),
        31 => format!("{name}&#61;{s}&amp;page=2"),
        // Webhook URLs whose path is the credential, and a PEM block spelled in lowercase.
        32 => format!("notify https://hooks.slack.com/services/T0{s}/B0{s}/{s} then https://discord.com/api/webhooks/1/{s}"),
        33 => format!("{name}=-----begin private key-----\nMIIE{s}\n-----end private key-----"),
        // A command line's long flag.
        34 => format!("exec tool --{name} {s} --verbose"),
        // Webhook URLs with escaped slashes (JSON from PHP, escaped once more inside a string) or
        // percent-encoded once or more (a query parameter).
        35 => serde_json::json!({ "hook": format!("https://hooks.slack.com/services/T0/B0/{s}") }).to_string().replace('/', "\\/"),
        36 => format!("GET /n?to=https{pct}3A{pct}2F{pct}2Fdiscord.com{pct}2Fapi{pct}2Fwebhooks{pct}2F1{pct}2F{s}&x=1"),
        // Azure connection strings and a shared access signature; documented token prefixes added later.
        37 => format!("DefaultEndpointsProtocol=https;AccountName=a;AccountKey={s}+/x==;EndpointSuffix=core.windows.net"),
        38 => format!("blob https://a.blob.core.windows.net/c/b?sv=2022-11-02&sig={s}%3D&sp=r"),
        39 => format!("tokens gldt-{s}{s} hvs.{s}{s} dp.st.prd.{s}{s} r8_{s}{s} SBP_{s}{s}"),
        _ => format!("?{name}={s}&x=1"),
        }
    })
}

fn carrier() -> impl Strategy<Value = (String, String)> {
    secret().prop_flat_map(|s| {
        let text = prop_oneof![json_carrier(s.clone()), other_carrier(s.clone())];
        (Just(s), text)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The redactor alone: a function's own line (the operator chose to log it) carrying any structure.
    #[test]
    fn no_generated_structure_keeps_its_secret((secret, text) in carrier()) {
        prop_assert!(text.contains(&secret), "the structure carries its secret: {text}");
        let out = Redactor::builtin().redact(&text);
        prop_assert!(!out.contains(&secret), "kept {secret} in {out}");
    }
}

/// Where in the logs a structure is carried.
fn deliveries(text: &str, place: usize) -> Vec<String> {
    let one_line = text.replace('\n', "\\n");
    let exec_line = match place {
        0 => format!("Method request body before transformations: {text}"),
        1 => format!("Endpoint response body before transformations: {text}"),
        2 => format!("Method request headers: {{Accept=*/*, X-Custom={one_line}}}"),
        3 => format!("Method request query string: {{q={one_line}, page=2}}"),
        4 => format!("Authorizer result body before parsing: {{\"principalId\":\"u\",\"context\":{text}}}"),
        _ => format!(
            "Lambda execution failed with status 200 due to customer function error: {text}. Lambda request id: {LAMBDA}"
        ),
    };
    let exec = vec![
        format!("({API}) HTTP Method: POST, Resource Path: /orders"),
        format!("({API}) {exec_line}"),
        format!("({API}) Method completed with status: 502"),
        format!("({API}) AWS Integration Endpoint RequestId : {LAMBDA}"),
    ];
    let lambda = vec![
        format!("START RequestId: {LAMBDA} Version: $LATEST"),
        format!("{TS}\t{LAMBDA}\tINFO\t{text}"),
        format!("END RequestId: {LAMBDA}"),
        format!(
            "REPORT RequestId: {LAMBDA}\tDuration: 3.2 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB"
        ),
    ];
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 60_000;
    let event = |group: &str, lines: Vec<String>| {
        let events = lines.into_iter().enumerate().map(|(i, l)| (i as i64, l)).collect();
        apigw_log_indexer::encode::lambda_event(&apigw_log_indexer::encode::data_payload(
            group, "stream-0", start, events,
        ))
    };
    vec![event(EXEC_GROUP, exec), event(LAMBDA_GROUP, lambda)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The whole pipeline: stored items (decompressed), the function's log, `parse --json` and `parse`.
    #[test]
    fn no_generated_structure_reaches_an_item_a_log_or_parse(((secret, text), place) in (carrier(), 0usize..6)) {
        prop_assert!(text.contains(&secret), "the structure carries its secret: {text}");
        let events = deliveries(&text, place);
        let (items, log) = run_function(&events);
        prop_assert!(items.len() >= 2, "{} items", items.len());
        for item in &items {
            let stored = item_text(item);
            prop_assert!(!stored.contains(&secret), "stored {secret} in {stored}");
        }
        prop_assert!(!log.contains(&secret), "logged {secret}: {log}");
        let printed = run_parse(&events);
        prop_assert!(!printed.contains(&secret), "printed {secret}: {printed}");
    }
}
