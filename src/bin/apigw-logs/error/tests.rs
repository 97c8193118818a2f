use super::*;

fn io() -> io::Error {
    io::Error::other("x")
}

#[test]
fn each_error_has_its_documented_exit_code_and_a_distinct_code() {
    let cases: Vec<(CliError, Exit)> = vec![
        (
            CliError::Read {
                input: "f".into(),
                source: io(),
            },
            Exit::Input,
        ),
        (
            CliError::TooLarge {
                input: "f".into(),
                limit: 1,
            },
            Exit::Input,
        ),
        (CliError::NotText { input: "f".into() }, Exit::Input),
        (
            CliError::Manifest {
                input: "m".into(),
                line: 1,
                problem: "p".into(),
            },
            Exit::Input,
        ),
        (
            CliError::Decode {
                input: "f".into(),
                source: DecodeError::NoAwslogs,
            },
            Exit::Input,
        ),
        (
            CliError::Usage {
                option: "--since",
                problem: "p".into(),
            },
            Exit::Input,
        ),
        (
            CliError::Write {
                output: "o".into(),
                source: io(),
            },
            Exit::Input,
        ),
        (
            CliError::Traffic(TrafficError::TooLarge {
                batches: 2,
                batch_bytes: 1 << 30,
                limit: 1 << 30,
            }),
            Exit::Input,
        ),
        (
            CliError::Traffic(TrafficError::Write {
                path: "d/truth.jsonl".into(),
                source: io(),
            }),
            Exit::Input,
        ),
        (CliError::Stdout(io()), Exit::Input),
        (
            CliError::Store {
                input: None,
                table: "t".into(),
                endpoint: None,
                source: Box::new(StoreError::TableNotFound { table: "t".into() }),
            },
            Exit::Aws,
        ),
        (CliError::Runtime(io()), Exit::Aws),
        (
            CliError::Deadline {
                what: "lookup",
                seconds: 30,
            },
            Exit::Aws,
        ),
        (CliError::Serve(Box::new(io())), Exit::Input),
        (CliError::ClosedPipe, Exit::Success),
    ];
    let mut codes: Vec<&str> = cases.iter().map(|(e, _)| e.code()).collect();
    for (e, exit) in &cases {
        assert_eq!(e.exit_code(), *exit, "{e}");
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), cases.len(), "codes are distinct: {codes:?}");
}

#[test]
fn a_missing_setting_names_what_to_set_and_a_local_endpoint_takes_test_credentials() {
    let e = |missing, endpoint: Option<&str>| {
        CliError::NotConfigured {
            input: None,
            missing,
            table: "t".into(),
            endpoint: endpoint.map(str::to_string),
            source: Box::new(StoreError::TableNotFound { table: "t".into() }),
        }
        .to_string()
    };
    let region = e(MissingSetting::Region, None);
    assert!(region.contains("AWS_REGION") && region.contains("--region"), "{region}");
    let creds = e(
        MissingSetting::Credentials,
        Some("https://dynamodb.eu-west-1.amazonaws.com"),
    );
    for name in ["AWS_PROFILE", "--profile", "AWS_ACCESS_KEY_ID"] {
        assert!(creds.contains(name), "{creds}");
    }
    assert!(!creds.contains("test credentials"), "{creds}");
    for local in ["http://127.0.0.1:5000", "http://localhost:8000/", "http://[::1]:5000"] {
        let creds = e(MissingSetting::Credentials, Some(local));
        assert!(
            creds.contains("AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"),
            "{creds}"
        );
    }
    assert!(!is_loopback("http://localhost.example.com"));
}

#[test]
fn several_inputs_exit_with_the_worst_and_report_each_once() {
    let store = CliError::Store {
        input: Some("b.json".into()),
        table: "t".into(),
        endpoint: Some("http://127.0.0.1:1".into()),
        source: Box::new(StoreError::TableNotFound { table: "t".into() }),
    };
    let read = CliError::Read {
        input: "a.json".into(),
        source: io(),
    };
    let all = CliError::from_inputs(vec![read, store]).unwrap_err();
    assert_eq!(all.exit_code(), Exit::Aws);
    let lines: Vec<String> = all.reported().iter().map(|e| e.to_string()).collect();
    assert_eq!(lines[0], "a.json: cannot read: x");
    assert!(
        lines[1].starts_with("b.json: table t does not exist")
            && lines[1].ends_with("[table t, endpoint http://127.0.0.1:1]"),
        "{}",
        lines[1]
    );
    assert!(CliError::from_inputs(Vec::new()).is_ok());
    assert!(CliError::ClosedPipe.reported().is_empty());
}
