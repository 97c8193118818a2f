//! Redaction by structure and shape, and what each kind of execution line keeps (issue 20's allow-list).

use super::*;

/// Structure the first probe did not reach: values at any depth, names as clients spell them, values that
/// span lines, and secrets recognised by shape (sources beside each rule in `shapes.rs`).
#[test]
fn masks_structure_and_shapes() {
    let r = Redactor::builtin();
    let cases = [
        // Arrays of arrays and objects in arrays: masked to the matching bracket.
        (
            r#"{"password":[["a1",["b2"]],{"c":"c3"}],"next":"ok"}"#,
            r#"{"password":[["****"}],"next":"ok"}"#,
        ),
        (r#"{"tokens":[[1,2],[3]],"n":1}"#, r#"{"tokens":[****],"n":1}"#),
        (
            r#"{"b":"{\"secret\":[[\"x1\"],{\"y\":\"y2\"}],\"k\":1}"}"#,
            r#"{"b":"{\"secret\":[[\"****\"}],\"k\":1}"}"#,
        ),
        // Form and URL encodings.
        ("user[password]=hunter2&x=1", "user[password]=****&x=1"),
        ("user%5Bpassword%5D=hunter2&x=1", "user%5Bpassword%5D=****&x=1"),
        ("a[b][api_key][]=k1&x=1", "a[b][api_key][]=****&x=1"),
        // A long flattened name that ends in a sensitive word.
        (
            &format!("{}.password=hunter2, next=1", "section.".repeat(30)),
            &format!("{}.password=****, next=1", "section.".repeat(30)),
        ),
        // Ruby hashes.
        (r#"{"password"=>"pw1", "u"=>"x"}"#, r#"{"password"=>"****", "u"=>"x"}"#),
        // XML elements.
        (
            "<user><password>pw2</password></user>",
            "<user><password>****</password></user>",
        ),
        ("<ns:ApiKey>k2</ns:ApiKey>", "<ns:ApiKey>****</ns:ApiKey>"),
        // Parameter Store style pairs.
        (
            r#"{"Name": "/app/db/password", "Value": "pw3", "Type": "SecureString"}"#,
            r#"{"Name": "/app/db/password", "Value": "****", "Type": "SecureString"}"#,
        ),
        (
            "{Name=/app/token, Value=tk4, Version=1}",
            "{Name=/app/token, Value=****, Version=1}",
        ),
        // URL user-info.
        (
            "connect postgres://admin:pw5@db.internal:5432/x",
            "connect postgres://****@db.internal:5432/x",
        ),
        // Basic credentials in free text (base64 of `user:pass`), not prose.
        (
            "sent Basic dXNlcjpwYXNz to the backend",
            "sent Basic **** to the backend",
        ),
        ("Basic configuration loaded", "Basic configuration loaded"),
        // Documented token prefixes.
        ("gh ghp_abcdefghijklmnopqrstuvwxyz0123456789 x", "gh **** x"),
        ("slack xoxb-123456789012-1234567890123-abcdefghij", "slack ****"),
        ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc ok", "stripe **** ok"),
        ("google AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe ok", "google **** ok"),
        (
            "npm_modules and npm_config are words",
            "npm_modules and npm_config are words",
        ),
        // Webhook URLs whose path is the credential; other paths on those hosts, and other hosts, stay.
        (
            "post to https://hooks.slack.com/services/T0123ABCD/B0123456789/Zq7xYw3VbN2mKp9LrT4sQe1u ok",
            "post to https://hooks.slack.com/services/**** ok",
        ),
        (
            r#"{"url":"https://HOOKS.slack.com/triggers/T0123/4567/abcdef0123456789"}"#,
            r#"{"url":"https://HOOKS.slack.com/triggers/****"}"#,
        ),
        (
            "https://discord.com/api/webhooks/223704706495545344/3d89bb7572e0fb30d8128367b3b1b44f x",
            "https://discord.com/api/webhooks/**** x",
        ),
        (
            "https://user:pw@discordapp.com/api/webhooks/1/tok?wait=true",
            "https://****@discordapp.com/api/webhooks/****?wait=true",
        ),
        (
            "https://hooks.slack.com/ and https://discord.com/channels/1/2",
            "https://hooks.slack.com/ and https://discord.com/channels/1/2",
        ),
        (
            "https://hooks.slack.com.example/services/T1/B2/c3",
            "https://hooks.slack.com.example/services/T1/B2/c3",
        ),
        // The same URLs with their slashes escaped (PHP's `json_encode`, at any depth) or percent-encoded (a
        // query parameter), the secret path masked up to the string's or the parameter's end.
        (
            r#"{"hook":"https:\/\/hooks.slack.com\/services\/T0123ABCD\/B0123456789\/Zq7xYw3VbN2mKp9LrT4sQe1u"}"#,
            r#"{"hook":"https:\/\/hooks.slack.com\/services\/****"}"#,
        ),
        (
            r#"{\"hook\":\"https:\\\/\\\/discord.com\\\/api\\\/webhooks\\\/1234\\\/tok3n\"}"#,
            r#"{\"hook\":\"https:\\\/\\\/discord.com\\\/api\\\/webhooks\\\/****\"}"#,
        ),
        (
            "GET /notify?to=https%3A%2F%2Fhooks.slack.com%2Fservices%2FT01%2FB02%2Fxyz123&x=1",
            "GET /notify?to=https%3A%2F%2Fhooks.slack.com%2Fservices%2F****&x=1",
        ),
        (
            "to=https%253A%252F%252Fhooks.slack.com%252Fservices%252FT01%252FB02%252Fxyz123 ok",
            "to=https%253A%252F%252Fhooks.slack.com%252Fservices%252F**** ok",
        ),
        (
            r#"{"url":"https:\/\/hooks.slack.com\/apps\/A1"}"#,
            r#"{"url":"https:\/\/hooks.slack.com\/apps\/A1"}"#,
        ),
        // Azure connection strings and a shared access signature URL (its `sig` grants access).
        (
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zq7xYw3V+bN2mKp9/LrT4sQe1u==;EndpointSuffix=core.windows.net",
            // The value runs on to the line's end: `;` ends no value in text.
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=****",
        ),
        (
            "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=Zq7xYw3V+bN2mK/p9=",
            "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=****",
        ),
        (
            "GET https://acme.blob.core.windows.net/c/b.pdf?sv=2022-11-02&se=2026-12-08&sr=b&sp=r&sig=Zq7xYw3V%2BbN2mK%3D ok",
            "GET https://acme.blob.core.windows.net/c/b.pdf?sv=2022-11-02&se=2026-12-08&sr=b&sp=r&sig=**** ok",
        ),
        ("a design to assign a signal", "a design to assign a signal"),
        // A name written as a command line's long flag, then its value.
        (
            "mysqldump --password hunter2 --verbose",
            "mysqldump --password **** --verbose",
        ),
        ("run --client-secret 'a b c' next", "run --client-secret '****' next"),
        (
            r#"{"cmd":"deploy --api-key k123","n":1}"#,
            r#"{"cmd":"deploy --api-key ****","n":1}"#,
        ),
        ("--token --verbose", "--token --verbose"),
    ];
    for (input, want) in cases {
        assert_eq!(r.redact(input), want, "{input}");
    }
}

#[test]
fn a_pem_private_key_is_masked_whole_across_lines_and_escapes() {
    let r = Redactor::builtin();
    let body = "MIIEowIBAAKCAQEAzq1\nQm9ndXNrZXlib2R5\n";
    for (line, inside) in [
        (
            format!("KEY=-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\nnext"),
            "Qm9ndXNrZXlib2R5",
        ),
        (
            r#"{"k":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nQm9ndXNr\n-----END PRIVATE KEY-----\n","n":1}"#
                .to_string(),
            "Qm9ndXNr",
        ),
    ] {
        let out = r.redact(&line);
        assert!(!out.contains(inside) && !out.contains("MIIE"), "{out}");
    }
    // RFC 7468 writes labels in capitals; a key spelled in lowercase is masked all the same.
    let lower = "k -----begin private key-----\nMIIEvQIBADANBg\n-----end private key----- next";
    assert_eq!(r.redact(lower), "k **** next");
    // A certificate is public.
    let cert = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----";
    assert_eq!(r.redact(cert), cert);
}

#[test]
fn execution_lines_keep_what_their_kind_allows() {
    let r = Redactor::builtin();
    let body = r#"Endpoint response body before transformations: {"statusCode":502,"errorType":"Runtime.ExitError","name":"Zq7"}"#;
    let out = r.execution_line(body);
    assert!(
        out.starts_with("Endpoint response body before transformations: ["),
        "{out}"
    );
    assert!(
        out.contains(" statusCode=502") && out.contains(" errorType=Runtime.ExitError"),
        "{out}"
    );
    assert!(!out.contains("Zq7"), "{out}");
    // A request body is the client's: what it says of a status or an error type is not read.
    let request = r.execution_line(r#"Method request body before transformations: {"statusCode":502,"errorType":"X"}"#);
    assert!(
        request.starts_with("Method request body before transformations: [")
            && !request.contains("statusCode=")
            && !request.contains("errorType="),
        "{request}"
    );
    assert_eq!(
        r.clone()
            .keeping_bodies(true)
            .execution_line("Method request body before transformations: {\"a\":1}"),
        "Method request body before transformations: {\"a\":1}"
    );
    assert_eq!(
        r.execution_line("Endpoint response headers: {Date=Mon, 30 Oct 2023 12:58:31 GMT, x-amzn-RequestId=5e2e, X-Custom=v1, Content-Type=application/json}"),
        "Endpoint response headers: {Date=Mon, 30 Oct 2023 12:58:31 GMT, x-amzn-RequestId=5e2e, X-Custom=****, Content-Type=application/json}"
    );
    assert_eq!(
        r.execution_line("Method request query string: {email=a@b.c, page=2}"),
        "Method request query string: {email=****, page=****}"
    );
    assert_eq!(
        r.execution_line("Endpoint request URI: https://h.example/p?email=a@b.c&page=2"),
        "Endpoint request URI: https://h.example/p?email=****&page=****"
    );
    assert_eq!(
        r.execution_line("Method completed with status: 200"),
        "Method completed with status: 200"
    );
}

/// Every documented prefix in the table masks a token of the documented alphabet after it, at the start of
/// a line and after a delimiter, and a prefix glued to a word before it is not a token.
#[test]
fn every_documented_token_prefix_masks_its_token() {
    let r = Redactor::builtin();
    for prefix in super::tokens::TOKEN_PREFIXES.map(|p| p.text) {
        let token = format!("{prefix}A1b2C3d4E5f6G7h8J9k0");
        for (input, want) in [
            (token.clone(), "****".to_string()),
            (format!("v={token} ok"), "v=**** ok".to_string()),
        ] {
            assert_eq!(r.redact(&input), want.as_str(), "{input}");
        }
        let glued = format!("x{token}");
        assert_eq!(r.redact(&glued), glued.as_str());
    }
    for (input, want) in [
        // Doppler's service tokens may name a config.
        (
            "doppler dp.st.prd.Zq7xYw3VbN2mKp9LrT4sQe1uZq7xYw3VbN2mKp9L ok",
            "doppler **** ok",
        ),
        // Words that share a prefix's start are not tokens.
        (
            "global dp.state hvs.x r8_y glimt-z",
            "global dp.state hvs.x r8_y glimt-z",
        ),
    ] {
        assert_eq!(r.redact(input), want, "{input}");
    }
    // Teddy, the shapes' SIMD search, takes at most 64 patterns; beyond, the search would fall back to a
    // much slower automaton.
    assert!(
        super::shape_fragments().len() <= 64,
        "{}",
        super::shape_fragments().len()
    );
}
