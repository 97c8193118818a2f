//! The known names, the plain values and the stored form of header maps, checked against the searches.

use super::super::{HEADER_LINES, TRUNCATED, map_values, split};
use super::*;
use crate::redact::{MASK, Redactor};

#[test]
fn every_known_name_is_found_in_any_case_and_nothing_else_is() {
    for (name, kind) in every_known() {
        assert_eq!(known(name), Some(kind), "{name}");
        assert_eq!(known(&name.to_ascii_uppercase()), Some(kind), "{name}");
        assert_eq!(known(&format!("{name}x")), None, "{name}");
        assert_eq!(known(&name[1..]), None, "{name}");
    }
    for other in ["", "x", "Host2", "Content-Typ", "X-Forwarded-Host", "Authorisation"] {
        assert_eq!(known(other), None, "{other}");
    }
    assert_eq!(known("Content-Type"), Some(Known::Allowed));
    assert_eq!(known("X-Amzn-RequestId"), Some(Known::Allowed));
    assert_eq!(known("Authorization"), Some(Known::Masked));
}

proptest::proptest! {
    /// The loop is the definition: every `;`-separated field a trace key, `=` and an ID.
    #[test]
    fn is_trace_header_is_its_definition(value in "((?i:root|parent|sampled|self|lineage|x)=[0-9a-f-]{0,12}[;=]?){0,4}|[ -~]{0,30}") {
        let definition = value.split(';').all(|field| {
            field.split_once('=').is_some_and(|(key, id)| {
                TRACE_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)) && super::super::is_id_text(id)
            })
        });
        proptest::prop_assert_eq!(is_trace_header(&value), definition, "{:?}", value);
    }
}

/// Only a letter's case may differ: any other byte changed, to any value, makes a name unknown.
#[test]
fn known_names_differ_from_a_byte_changed() {
    for (name, kind) in every_known() {
        for at in 0..name.len() {
            for b in 0..=u8::MAX {
                let mut changed = name.as_bytes().to_vec();
                changed[at] = b;
                let Ok(changed) = String::from_utf8(changed) else {
                    continue;
                };
                let same = b.to_ascii_lowercase() == name.as_bytes()[at];
                assert_eq!(known(&changed), same.then_some(kind), "{changed:?}");
            }
        }
    }
}

#[test]
fn known_names_are_lowercase_and_listed_once() {
    let names: Vec<&str> = every_known().map(|(n, _)| n).collect();
    for (i, name) in names.iter().enumerate() {
        assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{name}");
        assert!(!names[..i].contains(name), "{name} twice");
    }
}

/// What the stored form of a header map's line is when the searches run on it whatever its names.
fn searched(r: &Redactor, line: &str) -> String {
    let (prefix, map) = split(line, &HEADER_LINES).expect("a header map's line");
    let (kept, _) = map_values(prefix, map, true, |_| false);
    r.kept(line, kept).into_owned()
}

#[test]
fn no_fragment_spans_the_parts_of_a_map() {
    for fragment in crate::redact::fragments() {
        assert!(
            !fragment
                .bytes()
                .any(|b| b"{}=,*".contains(&b) || b.is_ascii_whitespace()),
            "{fragment:?} holds a byte that joins a map's parts"
        );
        assert!(!TRUNCATED.to_ascii_lowercase().contains(fragment), "{fragment:?}");
        assert!(!MASK.contains(fragment), "{fragment:?}");
    }
}

#[test]
fn known_names_change_nothing_the_searches_would() {
    let r = Redactor::builtin();
    let names: Vec<String> = every_known()
        .flat_map(|(n, _)| [n.to_owned(), n.to_ascii_uppercase()])
        .collect();
    let mut fast = 0;
    for a in &names {
        for b in &names {
            let line = format!("Method request headers: {{{a}=1, {b}=Root=1-abc;Sampled=1}}");
            let stored = r.execution_line(&line);
            assert_eq!(stored.as_str(), searched(&r, &line), "{line}");
            fast += usize::from(r.header_map_is_plain(&line));
        }
    }
    // Every pair took the way without the searches.
    assert_eq!(fast, names.len() * names.len());
}

#[test]
fn the_words_of_plain_values_hold_no_fragment() {
    let r = Redactor::builtin();
    for word in COMMON_VALUES
        .iter()
        .chain(&TRACE_KEYS)
        .chain(&DAYS)
        .chain(&MONTHS)
        .chain(&["GMT"])
    {
        assert!(!r.any_in_short.is_match(word), "{word}");
        assert!(!r.any_in_short.is_match(&format!("{word}=0")), "{word}");
    }
    for value in [
        "Mon, 30 Oct 2023 12:58:31 GMT",
        "Root=1-5e1b4151-5ac6c58f5b5daa6532e4c3f2;Parent=53995c3f42cd8ad8;Sampled=1",
        "root=1-1d43d1ff-46f57327e592067375305db7;sampled=1",
        "APPLICATION/JSON",
        "7ed4d57b-1e2f-4b89-814c-343c1027c4d1",
    ] {
        assert!(is_plain_value(value), "{value}");
    }
    for value in [
        "Root=1-abc;Token=x",
        "Mon, 30 Oct 2023 12:58:31 GMTx",
        "application/json; token=1",
        "",
    ] {
        assert!(!is_plain_value(value) || value.is_empty(), "{value}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
    /// A value told plain by its shape holds no fragment the automaton finds.
    #[test]
    fn plain_values_hold_no_fragment(value in plain_value_candidate()) {
        let r = Redactor::builtin();
        if is_plain_value(&value) {
            proptest::prop_assert!(!r.any_in_short.is_match(&value), "{:?}", value);
        }
    }

    /// Whatever a map holds (known names in any case, other names, spaces, values with or without
    /// fragments, a cut), its stored form is the one the searches give.
    #[test]
    fn header_maps_are_stored_as_the_searches_would(
        kind in 0..HEADER_LINES.len(),
        entries in proptest::collection::vec((name(), value()), 0..12),
        truncated in proptest::bool::ANY,
    ) {
        let r = Redactor::builtin();
        let map: Vec<String> = entries.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let cut = if truncated { TRUNCATED } else { "" };
        let line = format!("{}{{{}}}{cut}", HEADER_LINES[kind], map.join(", "));
        let stored = r.execution_line(&line);
        proptest::prop_assert_eq!(stored.as_str(), searched(&r, &line));
    }
}

/// A known name in any case, sometimes with a space, or another name (a sensitive one among them).
fn name() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let known: Vec<&str> = every_known().map(|(n, _)| n).collect();
    prop_oneof![
        6 => (proptest::sample::select(known), proptest::collection::vec(any::<bool>(), 40)).prop_map(
            |(n, upper)| n.chars().zip(upper).map(|(c, u)| if u { c.to_ascii_uppercase() } else { c }).collect()
        ),
        1 => proptest::sample::select(vec![" Accept", "Date ", "X-Token", "Password", "AKIAIOSFODNN7EXAMPLE", "x"])
            .prop_map(String::from),
        1 => "[A-Za-z-]{1,12}",
    ]
}

/// A value close to the plain shapes: dates and trace headers with any words and digits, common values
/// and fragments in any case, IDs.
fn plain_value_candidate() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    // Mostly the shapes' own words, so that most candidates are plain; else a fragment or any word.
    let word = |own: Vec<&'static str>| {
        prop_oneof![
            3 => proptest::sample::select(own).prop_map(String::from),
            1 => proptest::sample::select(crate::redact::fragments()).prop_map(String::from),
            1 => "[A-Za-z$]{1,8}",
        ]
    };
    prop_oneof![
        (
            word(DAYS.to_vec()),
            "[0-9]{2}",
            word(MONTHS.to_vec()),
            "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}"
        )
            .prop_map(|(d, n, m, rest)| format!("{d}, {n} {m} {rest} GMT")),
        proptest::collection::vec((word(TRACE_KEYS.to_vec()), "[0-9a-fA-F-]{0,24}"), 1..4).prop_map(|fields| {
            fields
                .iter()
                .map(|(k, id)| format!("{k}={id}"))
                .collect::<Vec<_>>()
                .join(";")
        }),
        (
            proptest::sample::select(COMMON_VALUES.to_vec()),
            proptest::collection::vec(any::<bool>(), 32)
        )
            .prop_map(|(v, upper)| v
                .chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()),
        "[0-9a-fA-F-]{0,40}",
        word(COMMON_VALUES.to_vec()),
    ]
}

/// A value: an ID, a plain word, a secret's name or shape, or any text.
fn value() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        "[0-9a-f-]{0,36}",
        "[A-Za-z0-9/;=. ]{0,24}",
        proptest::sample::select(vec![
            "application/json; token=abc",
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
            "https://user:pw@example.com",
            "ghp_0123456789abcdefABCDEF0123456789abcd",
            "pass=1",
            "Root=1-5e1b4151-5ac6c58f5b5daa6532e4c3f2;Sampled=1",
        ])
        .prop_map(String::from),
        "\\PC{0,16}",
    ]
}
