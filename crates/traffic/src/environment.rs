//! The function's execution environments: each has its own log stream and runs one invocation at a time
//! (START … REPORT, and the `Task timed out` line), as Lambda does outside Lambda Managed Instances. An
//! invocation takes a free environment when there is one; otherwise Lambda starts a new one, whose first
//! invocation is a cold start (its REPORT has an `Init Duration`).

use crate::rng::Rng;

/// Milliseconds in a day, to name a stream by the UTC date its environment started.
const DAY_MS: i64 = 86_400_000;

/// The pool of execution environments of the traffic's function.
#[derive(Debug, Default)]
pub struct Environments {
    /// Each environment's log stream and the last millisecond it is busy.
    pool: Vec<(String, i64)>,
}

/// Where an invocation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The environment's index (in order of creation).
    pub index: usize,
    /// A new environment: the invocation pays for the init.
    pub cold: bool,
}

impl Environments {
    /// Runs an invocation busy from `from_ms` to `until_ms` (its first and last lines) in the first free
    /// environment (its previous invocation's last line is older than `from_ms`), or in a new one whose
    /// stream name is drawn from `r`.
    pub fn place(&mut self, r: &mut Rng, from_ms: i64, until_ms: i64) -> Placement {
        if let Some(index) = self.pool.iter().position(|(_, busy)| *busy < from_ms) {
            self.pool[index].1 = until_ms;
            return Placement { index, cold: false };
        }
        let stream = format!("{}/[$LATEST]{}", utc_date(from_ms), r.hex(32));
        self.pool.push((stream, until_ms));
        Placement {
            index: self.pool.len() - 1,
            cold: true,
        }
    }

    /// The log stream of environment `index` (`YYYY/MM/DD/[$LATEST]` and 32 hex digits).
    pub fn stream(&self, index: usize) -> &str {
        &self.pool[index].0
    }

    /// How many environments have started.
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether none has started yet.
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }
}

/// `YYYY/MM/DD` of epoch milliseconds, in UTC (the days-to-civil conversion of the proleptic Gregorian
/// calendar, in eras of 400 years).
fn utc_date(ms: i64) -> String {
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}/{month:02}/{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_named_by_the_utc_date() {
        assert_eq!(utc_date(0), "1970/01/01");
        assert_eq!(utc_date(1_698_670_710_000), "2023/10/30");
        assert_eq!(utc_date(951_782_400_000), "2000/02/29");
        assert_eq!(utc_date(1_767_225_599_999), "2025/12/31");
    }

    #[test]
    fn a_busy_environment_is_never_shared_and_a_free_one_is_reused() {
        let (mut envs, mut r) = (Environments::default(), Rng::new(1));
        assert_eq!(envs.place(&mut r, 100, 200), Placement { index: 0, cold: true });
        assert_eq!(
            envs.place(&mut r, 200, 300),
            Placement { index: 1, cold: true },
            "busy until 200"
        );
        assert_eq!(envs.place(&mut r, 201, 400), Placement { index: 0, cold: false });
        assert_eq!(envs.len(), 2);
        assert!(envs.stream(1).starts_with("1970/01/01/[$LATEST]") && envs.stream(1).len() == 20 + 32);
    }
}
