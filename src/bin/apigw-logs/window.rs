//! The `--since` / `--until` time window of `failures` and `metrics`.

use apigw_log_indexer::timefmt::{parse_duration_ms, parse_rfc3339, rfc3339_ms};

use crate::error::CliError;

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The window of `--since` (a duration back from `--until`, or an RFC 3339 time) and `--until` (an
/// RFC 3339 time, default now), as epoch ms.
pub fn window(since: &str, until: Option<&str>) -> Result<(i64, i64), CliError> {
    let until = match until {
        None => now_ms(),
        Some(t) => parse_rfc3339(t).ok_or_else(|| CliError::Usage {
            option: "--until",
            problem: format!("{t:?} is not an RFC 3339 time"),
        })?,
    };
    let since = match (parse_duration_ms(since), parse_rfc3339(since)) {
        (Some(d), _) => until.saturating_sub(d),
        (None, Some(t)) => t,
        (None, None) => {
            return Err(CliError::Usage {
                option: "--since",
                problem: format!("{since:?} is not a duration (30m, 6h, 7d) or RFC 3339 time"),
            });
        }
    };
    if since > until {
        return Err(CliError::Usage {
            option: "--since",
            problem: "is after --until".into(),
        });
    }
    Ok((since, until))
}

/// The window as an empty result names it: `between <rfc3339> and <rfc3339>`.
pub fn between(since_ms: i64, until_ms: i64) -> String {
    format!("between {} and {}", rfc3339_ms(since_ms), rfc3339_ms(until_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_a_duration_back_from_until_or_a_time() {
        let until = "2025-11-23T00:00:00Z";
        let end = parse_rfc3339(until).unwrap();
        assert_eq!(window("1h", Some(until)).unwrap(), (end - 3_600_000, end));
        assert_eq!(
            window("2025-11-22T23:00:00Z", Some(until)).unwrap(),
            (end - 3_600_000, end)
        );
        for (since, until, option) in [("soon", None, "--since"), ("1h", Some("noon"), "--until")] {
            match window(since, until) {
                Err(CliError::Usage { option: o, .. }) => assert_eq!(o, option),
                other => panic!("{since} {until:?}: {other:?}"),
            }
        }
        assert!(
            window("2025-11-24T00:00:00Z", Some(until)).is_err(),
            "since after until"
        );
        assert_eq!(
            between(end - 3_600_000, end),
            "between 2025-11-22T23:00:00.000Z and 2025-11-23T00:00:00.000Z"
        );
    }
}
