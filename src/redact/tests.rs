use super::*;

/// Each syntax a secret is carried in, with what is stored. Samples: API Gateway execution-log lines as in
/// `docs/log-formats.md` §3 (header maps, query-string maps, URIs), Lambda proxy events and Node.js /
/// Python output (§4), RFC 7616 (Digest) and the AWS SigV4 documentation's `Authorization` examples, AWS's
/// documented example key pair (`AKIAIOSFODNN7EXAMPLE`), and the JWT of RFC 7519 §3.1.
#[test]
fn masks_every_syntax_and_leaves_the_rest_untouched() {
    let r = Redactor::builtin();
    let cases = [
        // API Gateway header maps, including values with ", " and the last entry.
        (
            "Method request headers: {Accept=*/*, Authorization=Bearer abc.def, X-Forwarded-For=1.2.3.4, 5.6.7.8, cookie=a=b; c=d}",
            "Method request headers: {Accept=*/*, Authorization=****, X-Forwarded-For=1.2.3.4, 5.6.7.8, cookie=****}",
        ),
        (
            "Endpoint request headers: {X-Amz-Security-Token=IQoJb3JpZ2lu, User-Agent=AmazonAPIGateway_x}",
            "Endpoint request headers: {X-Amz-Security-Token=****, User-Agent=AmazonAPIGateway_x}",
        ),
        // JSON objects, string and array values, at depth.
        (
            r#"{"headers":{"Authorization":"Bearer x\"y","X-Api-Key": "k"},"multiValueHeaders":{"Cookie":["a","b"]}}"#,
            r#"{"headers":{"Authorization":"****","X-Api-Key": "****"},"multiValueHeaders":{"Cookie":["****"]}}"#,
        ),
        (
            r#"{"user":{"name":"bob","password":"hunter2","pin":1,"client_secret":"cs","refreshToken":"rt"}}"#,
            r#"{"user":{"name":"bob","password":"****","pin":1,"client_secret":"****","refreshToken":"****"}}"#,
        ),
        (r#"{"api_key": 12345, "ok": true}"#, r#"{"api_key": ****, "ok": true}"#),
        (
            r#"{"credentials": {"user": "u", "value": "v"}, "next": 1}"#,
            r#"{"credentials": {****}, "next": 1}"#,
        ),
        // HTTP API cookies arrays.
        (
            r#"{"version":"2.0","cookies":["session=s1","theme=dark"],"rawPath":"/"}"#,
            r#"{"version":"2.0","cookies":["****"],"rawPath":"/"}"#,
        ),
        // JSON escaped inside a string, once and twice.
        (
            r#"{"body":"{\"authorization\":\"Bearer t0k3n-value\",\"a\":1}"}"#,
            r#"{"body":"{\"authorization\":\"****\",\"a\":1}"}"#,
        ),
        (
            r#"{"m":"{\"body\":\"{\\\"password\\\":\\\"p4ss\\\"}\"}"}"#,
            r#"{"m":"{\"body\":\"{\\\"password\\\":\\\"****\\\"}\"}"}"#,
        ),
        // Raw HTTP, util.inspect, Python reprs, `Name : value`.
        (
            "Proxy-Authorization: Basic Zm9v\nnext",
            "Proxy-Authorization: ****\nnext",
        ),
        (
            "{ authorization: 'Bearer t', host: 'h' }",
            "{ authorization: '****', host: 'h' }",
        ),
        ("{'password': 'pw', 'user': 'u'}", "{'password': '****', 'user': 'u'}"),
        ("Authorization : s3cr3t-v4lue", "Authorization : ****"),
        ("Cookie: a=1; b=2\nHost: h", "Cookie: ****\nHost: h"),
        // Query strings in URIs and query-string maps.
        (
            "Endpoint request URI: https://x.example/p?user=u&token=abc123&x=1",
            "Endpoint request URI: https://x.example/p?user=u&token=****&x=1",
        ),
        (
            "Sending request to https://h/p?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=f00d",
            "Sending request to https://h/p?X-Amz-Credential=****&X-Amz-Signature=****",
        ),
        (
            "Method request query string: {access_token=at, page=2}",
            "Method request query string: {access_token=****, page=2}",
        ),
        // Whole Authorization values: Digest and SigV4 parameters.
        (
            r#"{Authorization=Digest username="u", realm="r", nonce="n", uri="/", response="6629fae4", Accept=*/*}"#,
            r#"{Authorization=****, Accept=*/*}"#,
        ),
        (
            r#"Authorization: Digest username="u", realm="r", response="6629fae4""#,
            "Authorization: ****",
        ),
        (
            "{Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b, Host=h}",
            "{Authorization=****, Host=h}",
        ),
        // Shapes, wherever they are.
        (
            "upstream said Bearer abcdefgh12345678 ok",
            "upstream said Bearer **** ok",
        ),
        // The scheme written twice, a common client slip: the token follows the last one.
        (
            "upstream said Bearer Bearer abcdefgh12345678 ok, bearer  BEARER bearer abcdefgh12345678",
            "upstream said Bearer Bearer **** ok, bearer  BEARER bearer ****",
        ),
        (
            "keys AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY in use",
            "keys **** **** in use",
        ),
        (
            "got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk!",
            "got ****!",
        ),
        // Cut lines keep their marker.
        ("{Set-Cookie=session=abc [TRUNCATED]", "{Set-Cookie=**** [TRUNCATED]"),
    ];
    for (input, want) in cases {
        assert_eq!(r.redact(input), want, "input: {input}");
    }
}

#[test]
fn words_that_name_nothing_are_left_alone() {
    let r = Redactor::builtin();
    for text in [
        "{X-Forwarded-Host=keep}",
        "Authorization failed for user",
        "API Key authorized because method 'GET /' does not require API Key. Request will not contribute to throttle or quota limits",
        "Starting authorizer: abc123 for request: x",
        "Unauthorized request: 2f0f3a2e-6b1c-4a8e-9d3f-0a1b2c3d4e5f",
        "Missing Authentication Token",
        "{Authorization=}",
        r#"{"Authorization": null}"#,
        r#"{"type":"bearer","expires_in":3600}"#,
        "Endpoint request URI: https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:session-api:live/invocations",
        "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 3.1 ms",
        "in ASIA-Pacific, eyJ alone",
    ] {
        assert!(matches!(r.redact(text).into_cow(), Cow::Borrowed(_)), "{text}");
    }
}

#[test]
fn configured_names_are_masked_as_whole_names() {
    let r = Redactor::new(["X-Session-Id", "ssn"]).unwrap();
    assert_eq!(r.redact("{x-session-id=s3cret, A=b}"), "{x-session-id=****, A=b}");
    assert_eq!(
        r.redact(r#"{"SSN":"123-45-6789","ssnote":"x"}"#),
        r#"{"SSN":"****","ssnote":"x"}"#
    );
    for bad in ["x y", "k=v", "\"q\"", &"n".repeat(MAX_NAME_BYTES + 1)] {
        assert!(
            matches!(Redactor::new([bad]), Err(RedactorError::InvalidName(_))),
            "{bad}"
        );
    }
    let many: Vec<String> = (0..=MAX_EXTRA_NAMES).map(|i| format!("n{i}")).collect();
    assert!(Redactor::new(&many).is_err());
}

#[test]
fn masking_twice_changes_nothing_more() {
    let r = Redactor::builtin();
    let once = r
        .redact(r#"{"password":"x","cookies":["a"]} Bearer abcdefghijk AKIAIOSFODNN7EXAMPLE"#)
        .into_owned();
    assert!(matches!(r.redact(&once).into_cow(), Cow::Borrowed(_)), "{once}");
}

/// Distinct secret values (no trigger word inside, so a masked secret cannot look like a name).
fn secret() -> impl proptest::strategy::Strategy<Value = String> {
    "[0-9][0-9a-zA-Z+/]{11,30}".prop_map(|s| format!("Q{s}"))
}

use proptest::prelude::*;

/// One secret in one position: a name (in one of its spellings) and a syntax.
fn planted() -> impl Strategy<Value = (String, String)> {
    let name = prop::sample::select(vec![
        "Authorization",
        "authorization",
        "X-Api-Key",
        "password",
        "db_password",
        "Passwd",
        "client_secret",
        "secretAccessKey",
        "access_token",
        "refreshToken",
        "id_token",
        "apiKey",
        "api-key",
        "private_key",
        "credentials",
        "Cookie",
        "set-cookie",
        "session",
        "X-Amz-Signature",
        "pwd",
        "auth",
    ]);
    let syntax = 0usize..15;
    (name, syntax, secret()).prop_map(|(n, syntax, s)| {
        let text = match syntax {
            0 => format!("{{Accept=*/*, {n}={s}, Host=h}}"),
            1 => format!("{{{n}={s}}}"),
            2 => format!("{n}: {s}\nnext"),
            3 => format!("{n} : {s}"),
            4 => format!(r#"{{"a":{{"b":[{{"{n}":"{s}"}}]}}}}"#),
            5 => format!(r#"{{"body":"{{\"{n}\":\"{s}\"}}"}}"#),
            6 => format!(r#"{{"m":"{{\"b\":\"{{\\\"{n}\\\":\\\"{s}\\\"}}\"}}"}}"#),
            7 => format!("https://h/p?x=1&{n}={s}&y=2"),
            8 => format!("Method request query string: {{{n}={s}, page=1}}"),
            9 => format!(r#"{{"{n}": ["{s}", "{s}"]}}"#),
            10 => format!("{{'{n}': '{s}'}}"),
            11 => format!(r#"{{"{n}":{{"inner":"{s}"}}}}"#),
            12 => format!(r#"{{"errorMessage":"{n}: {s}","x":1}}"#),
            13 => format!(r#"{{"errorMessage":"{n}: Bearer {s}","x":1}}"#),
            _ => format!(r#"{{"m":"{{\"errorMessage\":\"{n}={s}\"}}"}}"#),
        };
        (text, s)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_planted_secret_never_survives(
        (text, secret) in planted(),
        before in "[ -~]{0,24}",
        after in "[ -~]{0,24}",
    ) {
        let line = format!("{before} {text} {after}");
        let out = Redactor::builtin().redact(&line);
        // The soup around may repeat the secret's characters, never the whole secret.
        prop_assert!(!out.contains(&secret) || before.contains(&secret) || after.contains(&secret), "{}", out);
    }

    #[test]
    fn secret_shapes_never_survive(kind in 0usize..4, body in "[A-Z0-9]{16}", b64 in "[A-Za-z0-9+/]{40}", seg in "[A-Za-z0-9_-]{12,40}") {
        let (line, secret) = match kind {
            0 => (format!("x Bearer {seg} y"), seg.clone()),
            1 => (format!("id=AKIA{body}, other"), format!("AKIA{body}")),
            2 => (format!("ASIA{body} {b64}"), b64.clone()),
            _ => (format!("t=eyJ{seg}.{seg}.{seg}"), format!("eyJ{seg}")),
        };
        let out = Redactor::builtin().redact(&line);
        prop_assert!(!out.contains(&secret), "{}", out);
    }

    #[test]
    fn arbitrary_text_never_panics_and_masks_idempotently(text in "(password|token|\"|\\\\|=|:|,|\\{|\\}|\\[|\\]| |Bearer |eyJ|AKIA|a|1|é|\\?|&)*") {
        let r = Redactor::builtin();
        let once = r.redact(&text).into_owned();
        prop_assert_eq!(r.redact(&once).into_owned(), once.clone());
    }

    // No vowels and no `w`: no sensitive name can be spelt (`pwd` and `jwt` have no vowel).
    #[test]
    fn text_without_a_trigger_word_is_borrowed(text in "[b-df-hj-np-vx-z0-9 =:,{}\"\\[\\]]{0,80}") {
        prop_assert!(matches!(Redactor::builtin().redact(&text).into_cow(), Cow::Borrowed(_)));
    }
}

/// The byte-at-a-time definition `kv_map_value_end` must keep.
fn kv_map_value_end_bytewise(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'}' | b'\n' | b'\r' => return i,
            b',' if bytes.get(i + 1) == Some(&b' ') && names::pair_delimiter(bytes, i + 2, false).is_some() => {
                return i;
            }
            b' ' if names::is_truncation_marker(&bytes[i..]) => return i,
            _ => i += 1,
        }
    }
    i
}

proptest! {
    #[test]
    fn map_values_end_where_the_bytewise_definition_says(
        text in "(Cookie|a|=|, |,| |\\}|\\n| \\[TRUNCATED\\]|x-y|é)*",
        start in 0usize..64,
    ) {
        let start = start.min(text.len());
        prop_assume!(text.is_char_boundary(start));
        prop_assert_eq!(
            names::kv_map_value_end(text.as_bytes(), start, &mut names::Breaks::default()),
            kv_map_value_end_bytewise(text.as_bytes(), start)
        );
    }

    /// A walk over a map's entries ends each value where `kv_map_value_end` does, and names the next pair's
    /// `=` exactly when a `, Name=` ended it.
    #[test]
    fn map_entries_end_values_as_kv_map_value_end(
        text in "(Cookie|a|=|, |,| |\\}|\\n| \\[TRUNCATED\\]|x-y|é)*",
        first in 0usize..64,
        later in 0usize..64,
    ) {
        let b = text.as_bytes();
        let (first, start) = (first.min(b.len()), (first + later).min(b.len()));
        prop_assume!(text.is_char_boundary(first) && text.is_char_boundary(start));
        let (end, next) = names::MapEntries::new(b, first).entry_end(b, start);
        prop_assert_eq!(end, names::kv_map_value_end(b, start, &mut names::Breaks::default()));
        let ended_by_a_pair = b.get(end) == Some(&b',');
        prop_assert_eq!(next, ended_by_a_pair.then(|| names::pair_delimiter(b, end + 2, false)).flatten());
    }
}

/// A line that repeats the patterns (a hostile function can print one of 1 MB) is still read about once:
/// no step rereads what another has masked or read.
#[test]
fn a_line_repeating_patterns_is_read_in_linear_time() {
    let r = Redactor::builtin();
    for unit in [
        "token=",
        "eyJab.",
        "Bearer ",
        r#""password":""#,
        "tokentoken",
        "AKIA",
        "Authorization: x, realm=y",
    ] {
        let small = unit.repeat(1_000);
        let large = unit.repeat(16_000);
        // The fastest of five runs: other work on the machine only ever adds time, so the minimum is the
        // closest to the cost of the work itself.
        let time = |text: &str| {
            (0..5)
                .map(|_| {
                    let started = std::time::Instant::now();
                    std::hint::black_box(r.redact(text));
                    started.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        let (t_small, t_large) = (time(&small), time(&large));
        // 16 times the text: linear is ~16 times the time; quadratic would be ~256.
        assert!(
            t_large < t_small * 64 + std::time::Duration::from_millis(50),
            "{unit:?}: {t_small:?} for 1000, {t_large:?} for 16000"
        );
    }
}

#[test]
fn the_quick_word_check_knows_every_word() {
    for w in SENSITIVE_WORDS {
        let whole = matches!(w, "authorization" | "cookie");
        assert_eq!(names::word_at(w.as_bytes()), Some(whole), "{w}");
        assert!(NAME_FRAGMENTS.iter().any(|f| w.contains(f)), "{w} has a fragment");
    }
    for n in SENSITIVE_NAMES {
        assert!(
            NAME_FRAGMENTS.contains(&n) || NAME_FRAGMENTS.iter().any(|f| n.contains(f)),
            "{n} has a fragment"
        );
    }
}

#[test]
fn a_key_id_inside_a_masked_value_still_marks_its_secret_key() {
    let line = "creds token=AKIAIOSFODNN7EXAMPLE; then wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let out = Redactor::builtin().redact(line);
    assert!(
        !out.contains("AKIAIOSFODNN7EXAMPLE") && !out.contains("wJalrXUtnFEMI"),
        "{out}"
    );
}

#[test]
fn a_token_that_starts_in_a_masked_value_is_masked_to_its_end() {
    let r = Redactor::builtin();
    assert_eq!(
        r.redact(r#"{"errorMessage":"Authorization: Bearer Zq0123456789abc","x":1}"#),
        r#"{"errorMessage":"Authorization: ****","x":1}"#
    );
    assert_eq!(r.redact("token=x Bearer Zq0123456789abc"), "token=****");
    assert_eq!(
        r.redact("say:token Bearer Zq0123456789abc end"),
        "say:token Bearer **** end"
    );
}

mod precheck;
mod structure;
