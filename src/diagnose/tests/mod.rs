//! Table-driven tests per family of reasons. Evidence lines are real captures (the source beside each case;
//! the same captures as `tests/it/execution_families.rs` where they overlap); REPORT figures are as Lambda
//! writes them.

use super::*;

mod access;
mod integration;
mod lambda;
mod stream;

pub(super) struct Case {
    pub(super) source: &'static str,
    pub(super) reason: FailureReason,
    pub(super) evidence: Evidence<'static>,
    pub(super) cfg: Configuration,
    /// Phrases the cause and the fix contain.
    pub(super) cause: &'static [&'static str],
    pub(super) fix: &'static [&'static str],
    /// Facts by name and value.
    pub(super) facts: &'static [(&'static str, &'static str)],
    /// Whether the logs leave something to look at next.
    pub(super) next: bool,
}

pub(super) fn ev(detail: &'static str) -> Evidence<'static> {
    Evidence {
        detail: Some(detail),
        ..Evidence::default()
    }
}

pub(super) fn inv(f: impl FnOnce(&mut Invocation<'static>)) -> Option<Invocation<'static>> {
    let mut i = Invocation {
        request_id: "5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f",
        function_name: Some("orders"),
        ..Invocation::default()
    };
    f(&mut i);
    Some(i)
}

pub(super) fn check(cases: Vec<Case>) {
    for c in cases {
        let e = Evidence {
            reason: Some(c.reason),
            ..c.evidence
        };
        let d = diagnose(&e, &c.cfg).expect("a failure has a diagnosis");
        for p in c.cause {
            assert!(d.cause.contains(p), "{}: cause {:?} lacks {p:?}", c.source, d.cause);
        }
        for p in c.fix {
            assert!(d.fix.contains(p), "{}: fix {:?} lacks {p:?}", c.source, d.fix);
        }
        for (name, value) in c.facts {
            let got = d.facts.iter().find(|f| f.name == *name).map(|f| match &f.value {
                FactValue::Int(n) => n.to_string(),
                FactValue::Float(v) => v.to_string(),
                FactValue::Text(t) => t.clone(),
            });
            assert_eq!(
                got.as_deref(),
                Some(*value),
                "{}: fact {name} in {:?}",
                c.source,
                d.facts
            );
        }
        assert_eq!(d.next.is_some(), c.next, "{}: next {:?}", c.source, d.next);
        assert!(d.reference.starts_with("https://"), "{}", c.source);
        never_invents(&d, c.source);
    }
}

/// Every number in the cause is a fact's value, the run after the answer's, a named constant or a status the
/// taxonomy implies.
fn never_invents(d: &Diagnosis, source: &str) {
    let mut known: Vec<String> = d
        .facts
        .iter()
        .map(|f| match &f.value {
            FactValue::Int(n) => n.to_string(),
            FactValue::Float(v) => format!("{v:.0}"),
            FactValue::Text(t) => t.clone(),
        })
        .collect();
    if let Some(a) = &d.after_response {
        known.extend(a.ran_after_response_ms.map(|v| format!("{v:.0}")));
        known.extend(a.billed_duration_ms.map(|v| v.to_string()));
        known.extend(a.memory_size_mb.map(|v| v.to_string()));
        known.extend(a.cost_usd.map(|v| format!("{v:.6}")));
        known.push(a.lambda_request_id.clone());
    }
    known.push(DEFAULT_INTEGRATION_TIMEOUT_MS.to_string());
    // The statuses the taxonomy names (`reason.rs`): the meaning of a reason, not a number from the evidence.
    known.extend(
        FailureReason::ALL
            .iter()
            .filter_map(|r| r.implied_status())
            .map(|s| s.to_string()),
    );
    for word in d
        .cause
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ';')
    {
        let number = word.trim_end_matches([',', ':']);
        if number.starts_with(|c: char| c.is_ascii_digit()) {
            assert!(
                known.iter().any(|k| k.contains(number)),
                "{source}: {number} in {:?} is in no fact {known:?}",
                d.cause
            );
        }
    }
}
