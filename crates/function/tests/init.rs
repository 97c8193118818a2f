//! The function's start-up, run as the built binary: a setting it cannot use stops it with one line.

use std::process::Command;

/// Settings outside their documented range stop the start-up with one line naming the variable and the
/// range, not a Rust debug dump; `MAX_DECODED_BYTES=18446744073709551615` used to be accepted and then fail
/// every batch (the cap + 1 wrapped to 0).
#[test]
fn the_function_refuses_settings_outside_their_range_in_one_line() {
    for (name, value, allowed) in [
        ("MAX_DECODED_BYTES", "18446744073709551615", "from 1024 to 1073741824"),
        ("MAX_DECODED_BYTES", "100", "from 1024 to 1073741824"),
        ("RETENTION_DAYS", "0", "from 1 to 3650"),
        ("REDACT_FIELDS", "a b", "is not a name"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_apigw-log-indexer"))
            .env_clear()
            .env("INDEX_TABLE", "t")
            .env(name, value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}={value}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(
            lines[0].starts_with("apigw-log-indexer: invalid value")
                && lines[0].contains(name)
                && lines[0].contains(allowed)
                && !lines[0].contains('{'),
            "{stderr}"
        );
    }
}
