//! The short-text check in [`Redactor::mask`] never skips a text that a rule would change: its automaton finds
//! exactly the texts whose lowercased copy holds a fragment or a configured name, and masking with and without
//! the check gives the same text.

use super::*;

/// Pieces that spell every fragment and configured name below, in mixed case, cut and joined with the bytes
/// around names and shapes.
fn short_text() -> impl Strategy<Value = String> {
    let mut pieces: Vec<String> = fragments().iter().map(|f| f.to_string()).collect();
    pieces.extend(["SSN", "x-Trace-Secret"].map(String::from));
    pieces.extend(
        [
            "=", ":", " ", "\"", "\\", "{", "}", "[", "]", ",", "/", "@", "-", "_", ".", "a", "Z", "9", "é",
        ]
        .map(String::from),
    );
    let piece = (prop::sample::select(pieces), any::<u64>(), 0usize..4).prop_map(|(p, case, cut)| {
        // A random case per byte, and sometimes only part of the piece (a fragment cut short matches nothing).
        let cased: String = p
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if case >> (i % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        match cut {
            0 if cased.is_char_boundary(cased.len().saturating_sub(1)) => {
                cased[..cased.len().saturating_sub(1)].to_string()
            }
            _ => cased,
        }
    });
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// The built-in rules, and with configured names (built once: building the automata is the slow part).
static REDACTORS: std::sync::LazyLock<[Redactor; 2]> = std::sync::LazyLock::new(|| {
    [
        Redactor::builtin(),
        Redactor::new(["ssn", "X-Trace-Secret"]).expect("valid names"),
    ]
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_short_check_finds_exactly_the_texts_with_a_fragment(text in short_text()) {
        for r in REDACTORS.iter() {
            let lower = text.to_ascii_lowercase();
            let holds = fragments().iter().map(|f| f.to_string()).chain(r.extra.iter().cloned()).any(|f| lower.contains(&f));
            prop_assert_eq!(r.any_in_short.is_match(&text), holds, "{:?}", text);
        }
    }

    #[test]
    fn masking_with_and_without_the_short_check_agrees(text in short_text()) {
        for r in REDACTORS.iter() {
            prop_assert_eq!(r.mask(&text), r.mask_every_rule(&text), "{:?}", text);
        }
    }
}

#[test]
fn every_fragment_in_any_case_is_found_in_a_short_text() {
    let r = Redactor::builtin();
    for f in fragments() {
        for text in [
            f.to_string(),
            f.to_ascii_uppercase(),
            format!("x={}!", f.to_ascii_uppercase()),
        ] {
            assert!(text.len() <= SHORT_TEXT);
            assert!(r.any_in_short.is_match(&text), "{text}");
        }
    }
    assert_eq!(r.redact("password=hunter2"), "password=****");
    assert_eq!(r.redact("Bearer abcdefghijk"), "Bearer ****");
}

/// The second probe's spellings (`spelled.rs`) in texts short enough for the check: each is masked, and the
/// same with and without the check (a spelled rule must start from a fragment the check knows).
#[test]
fn spelled_names_in_a_short_text_are_masked() {
    let r = Redactor::builtin();
    for text in [
        "pass_word=s3cr",
        "Pass-Word: s3cr",
        "PASS.WORD=s3cr",
        r#""\u0070assword":"s3cr"#,
        "u%5Bpassword%5D=s3cr",
        "u%255Bpassword%255D=s3cr",
        r"https:\/\/u:s3cr@h",
        "ftp%3A%2F%2Fu:s3cr@h",
        "password&#61;s3cr",
    ] {
        assert!(text.len() <= SHORT_TEXT, "{text}");
        let masked = r.mask(text);
        assert_eq!(masked, r.mask_every_rule(text), "{text}");
        assert!(!masked.contains("s3cr"), "{text} -> {masked}");
    }
}
