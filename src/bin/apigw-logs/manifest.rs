//! The events manifest (`events/manifest.txt`): one row per `events/*.json` file, and how to build it.
//!
//! Columns, separated by whitespace (`#` starts a comment line):
//!
//! | column | meaning |
//! |---|---|
//! | name | `<name>.json` is written; data rows encode `fixtures/<name>.log` beside the manifest |
//! | start-ms | what the fixture's `@N ` offsets are relative to (`--start-ms`) |
//! | kind | `-` (data), `--newline` (data, each message ends in `\n`, as in Lambda text log groups), `--control` (the CONTROL_MESSAGE), `--corrupt` (a broken delivery; which one is the name after `corrupt-`) |
//! | log group | `--log-group` (`-` where unused) |
//! | log stream | `--log-stream` (`-` where unused) |
//!
//! Every file is built with `src/encode.rs`, so the events, the tests and `make-event` share one encoder.

use apigw_log_indexer::encode;
use base64::Engine as _;

use crate::error::CliError;

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// File name without `.json`.
    pub name: String,
    /// Epoch ms the fixture's offsets start from.
    pub start_ms: i64,
    /// What the file holds.
    pub kind: Kind,
    /// Log group of the payload.
    pub log_group: String,
    /// Log stream of the payload.
    pub log_stream: String,
}

/// What a row's file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The fixture's messages; `newline` appends the `\n` real Lambda text-format messages end in.
    Data {
        /// Append `\n` to each message.
        newline: bool,
    },
    /// CloudWatch Logs' health check of a new destination.
    Control,
    /// A delivery broken in one way.
    Corrupt(Corruption),
}

/// Every way the transport can be broken, each in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corruption {
    /// The event is not JSON.
    NotJson,
    /// Valid data, but not inside `awslogs`.
    NoAwslogs,
    /// `awslogs.data` is not base64.
    BadBase64,
    /// base64 of JSON that was never gzipped.
    NotGzip,
    /// A gzip stream cut in half.
    TruncatedGzip,
    /// Valid gzip of text that is not JSON.
    GzipNotJson,
    /// Valid gzip JSON where `logEvents` is not an array.
    WrongShape,
    /// 256 MiB once inflated (four times the default cap), inside a string that never closes.
    GzipBomb,
}

impl Corruption {
    const ALL: [(&'static str, Self); 8] = [
        ("not-json", Self::NotJson),
        ("no-awslogs", Self::NoAwslogs),
        ("bad-base64", Self::BadBase64),
        ("not-gzip", Self::NotGzip),
        ("truncated-gzip", Self::TruncatedGzip),
        ("gzip-not-json", Self::GzipNotJson),
        ("wrong-shape", Self::WrongShape),
        ("gzip-bomb", Self::GzipBomb),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }
}

/// Reads the manifest's rows; `input` names it in errors.
pub fn parse(input: &str, text: &str) -> Result<Vec<Row>, CliError> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let problem = |problem: String| CliError::Manifest {
            input: input.to_string(),
            line: n + 1,
            problem,
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        let &[name, start_ms, kind, log_group, log_stream] = cols.as_slice() else {
            return Err(problem(format!("{} columns, expected 5", cols.len())));
        };
        let start_ms = start_ms
            .parse()
            .map_err(|_| problem(format!("start-ms {start_ms:?} is not an integer")))?;
        let kind = match kind {
            "-" => Kind::Data { newline: false },
            "--newline" => Kind::Data { newline: true },
            "--control" => Kind::Control,
            "--corrupt" => name
                .strip_prefix("corrupt-")
                .and_then(Corruption::from_name)
                .map(Kind::Corrupt)
                .ok_or_else(|| {
                    let known: Vec<String> = Corruption::ALL.iter().map(|(n, _)| format!("corrupt-{n}")).collect();
                    problem(format!("{name:?} is not one of {}", known.join(", ")))
                })?,
            other => {
                return Err(problem(format!(
                    "kind {other:?} is not -, --newline, --control or --corrupt"
                )));
            }
        };
        if rows.iter().any(|r: &Row| r.name == name) {
            return Err(problem(format!("{name} is listed twice")));
        }
        rows.push(Row {
            name: name.to_string(),
            start_ms,
            kind,
            log_group: log_group.to_string(),
            log_stream: log_stream.to_string(),
        });
    }
    Ok(rows)
}

/// The one execution-log line the corrupt payloads carry (were they readable).
const CORRUPT_LINE: &str = "(7d1c9f0e-3a52-4b8e-9f6d-2c4b1a0e8d37) Method completed with status: 200";

/// The bytes of a row's file. `fixture` is the text of `fixtures/<name>.log` (data rows only).
pub fn render(row: &Row, fixture: Option<&str>, fixture_name: &str) -> Result<Vec<u8>, CliError> {
    let mut event = match row.kind {
        Kind::Data { newline } => {
            let events = encode::read_fixture(fixture.unwrap_or(""), newline).map_err(|source| CliError::Fixture {
                input: fixture_name.to_string(),
                source,
            })?;
            let payload = encode::data_payload(&row.log_group, &row.log_stream, row.start_ms, events);
            encode::lambda_event(&payload)
        }
        Kind::Control => encode::lambda_event(&encode::control_payload()),
        Kind::Corrupt(c) => corrupt(c, row),
    };
    event.push('\n');
    Ok(event.into_bytes())
}

/// A payload whose `logEvents` is a string. A struct, not a `serde_json::Value`: a `Value`'s key order
/// depends on whether some crate in the build enabled serde_json's `preserve_order`, and these bytes must
/// not depend on what else was built.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct WrongShape<'a> {
    message_type: &'a str,
    owner: &'a str,
    log_group: &'a str,
    log_stream: &'a str,
    subscription_filters: &'a [String],
    log_events: &'a str,
}

fn corrupt(c: Corruption, row: &Row) -> String {
    let payload = encode::data_payload(
        &row.log_group,
        &row.log_stream,
        row.start_ms,
        vec![(0, CORRUPT_LINE.to_string())],
    );
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    match c {
        Corruption::NotJson => "this is not JSON {\"awslogs\": ".into(),
        Corruption::NoAwslogs => {
            let data = base64::engine::general_purpose::STANDARD.encode(encode::gzip(&json));
            format!(r#"{{"data":"{data}"}}"#)
        }
        Corruption::BadBase64 => r#"{"awslogs":{"data":"H4sIAAAAAAAC/!!not*base64@@"}}"#.into(),
        Corruption::NotGzip => encode::awslogs_event(&json),
        Corruption::TruncatedGzip => {
            let gz = encode::gzip(&json);
            encode::awslogs_event(&gz[..gz.len() / 2])
        }
        Corruption::GzipNotJson => encode::awslogs_event(&encode::gzip(b"hello, this is not JSON\n")),
        Corruption::WrongShape => {
            let wrong = WrongShape {
                message_type: payload.message_type,
                owner: &payload.owner,
                log_group: &payload.log_group,
                log_stream: &payload.log_stream,
                subscription_filters: &payload.subscription_filters,
                log_events: "not-an-array",
            };
            encode::awslogs_event(&encode::gzip(&serde_json::to_vec(&wrong).unwrap_or_default()))
        }
        Corruption::GzipBomb => {
            // A real payload's start, then ASCII zeros inside the first message's string, which never
            // closes: only the decompressed-size cap can stop it, not a JSON syntax error.
            let text = String::from_utf8_lossy(&json);
            let head = &text[..text.find(CORRUPT_LINE).unwrap_or(text.len())];
            encode::awslogs_event(&encode::gzip_repeated(head.as_bytes(), &[b'0'; 1 << 20], 256))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_kinds_and_one_line_errors() {
        let text = "# comment\n\nwire  17  --newline  /aws/lambda/f  s\ncontrol-message 0 --control - -\n\
                    corrupt-not-gzip 5 --corrupt G S\n";
        let rows = parse("m", text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].kind, Kind::Data { newline: true });
        assert_eq!((rows[0].start_ms, rows[0].log_group.as_str()), (17, "/aws/lambda/f"));
        assert_eq!(rows[1].kind, Kind::Control);
        assert_eq!(rows[2].kind, Kind::Corrupt(Corruption::NotGzip));
        for (bad, problem) in [
            ("a 1 - g", "4 columns, expected 5"),
            ("a x - g s", "start-ms \"x\" is not an integer"),
            ("a 1 --loud g s", "kind \"--loud\""),
            (
                "corrupt-odd 1 --corrupt g s",
                "\"corrupt-odd\" is not one of corrupt-not-json",
            ),
            ("a 1 - g s\na 2 - g s", "a is listed twice"),
        ] {
            let e = parse("m", bad).unwrap_err().to_string();
            assert!(e.starts_with("m: line ") && e.contains(problem), "{bad:?}: {e}");
        }
    }

    #[test]
    fn corrupt_payloads_fail_to_decode_the_way_they_are_named() {
        use apigw_log_indexer::decode;
        for (name, kind) in Corruption::ALL {
            let row = Row {
                name: format!("corrupt-{name}"),
                start_ms: 1_763_733_600_000,
                kind: Kind::Corrupt(kind),
                log_group: "API-Gateway-Execution-Logs_a1b2c3d4e5/dev".into(),
                log_stream: "s".into(),
            };
            let event = render(&row, None, "").unwrap();
            // A 1 MiB cap: the bomb is refused as soon as it passes it, without inflating 64 MiB here.
            let code = match decode::decode_event(&event, 1 << 20) {
                Ok(bytes) => decode::parse_payload(&bytes).map(|_| ()).unwrap_err().code(),
                Err(e) => e.code(),
            };
            let want = match kind {
                Corruption::NotJson => "event_not_json",
                Corruption::NoAwslogs => "no_awslogs",
                Corruption::BadBase64 => "bad_base64",
                Corruption::NotGzip | Corruption::TruncatedGzip => "bad_gzip",
                Corruption::GzipNotJson => "payload_not_json",
                Corruption::WrongShape => "wrong_shape",
                Corruption::GzipBomb => "too_large",
            };
            assert_eq!(code, want, "{name}");
        }
    }
}
