//! Small zero-copy helpers over log text shared by the line parsers.

use memchr::memchr;

/// The message without its trailing line break(s).
pub(crate) fn trim_eol(s: &str) -> &str {
    s.trim_end_matches(['\n', '\r'])
}

/// An 8-4-4-4-12 hexadecimal UUID of any version (2018 captures show time-based ones).
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    // The dashes where they belong and no others (four in all), so hex digits elsewhere: read without a
    // branch per byte, and without telling each byte's position (a UUID is read whole, on most lines).
    b.len() == 36
        && b[8] == b'-'
        && b[13] == b'-'
        && b[18] == b'-'
        && b[23] == b'-'
        && b.iter().fold((true, 0u8), |(ok, dashes), &c| {
            let dash = c == b'-';
            (ok & (dash | c.is_ascii_hexdigit()), dashes + u8::from(dash))
        }) == (true, 4)
}

/// The text after the first occurrence of `key`.
pub(crate) fn after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    find(text.as_bytes(), key.as_bytes()).map(|i| &text[i + key.len()..])
}

/// The first occurrence of `needle` in `haystack`, found by jumping between occurrences of its first byte
/// (`memchr`). For one line and a short key this is faster than `memmem::find`, which builds a searcher
/// on every call; the worst case is a line's length times the key's, never more.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let mut from = 0;
    while let Some(p) = memchr(first, &haystack[from..]) {
        let at = from + p;
        if haystack[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The leading run of `s` up to whitespace or one of `,;})]"`.
pub(crate) fn token(s: &str) -> &str {
    let end = s
        .bytes()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b',' | b';' | b'}' | b')' | b']' | b'"'))
        .unwrap_or(s.len());
    &s[..end]
}

/// A leading unsigned integer of `s` (after optional spaces).
pub(crate) fn leading_u64(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let end = s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

/// A leading decimal number of `s` (after optional spaces), e.g. `3003.16`.
pub(crate) fn leading_f64(s: &str) -> Option<f64> {
    let s = s.trim_start();
    let end = s
        .bytes()
        .position(|b| !(b.is_ascii_digit() || b == b'.'))
        .unwrap_or(s.len());
    s[..end].parse().ok().filter(|f: &f64| f.is_finite())
}

/// A status code: three digits, 100–599.
pub(crate) fn status_code(s: &str) -> Option<u16> {
    leading_u64(s).filter(|n| (100..600).contains(n)).map(|n| n as u16)
}

/// An X-Ray trace ID from `Root=1-...;Sampled=1`, `root=1-...`, or a bare `1-...`.
pub(crate) fn trace_id(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let s = s.strip_prefix("Root=").or_else(|| s.strip_prefix("root=")).unwrap_or(s);
    let t = token(s);
    (t.starts_with("1-") && t.len() > 10).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_of_any_version_are_accepted_and_nothing_else() {
        assert!(is_uuid("8a699106-8d59-11e8-905d-b3747276ed60"));
        assert!(is_uuid("6234bffe-149a-b642-81ff-2e8e376d8aff"));
        assert!(!is_uuid("6234bffe-149a-b642-81ff-2e8e376d8af"));
        assert!(!is_uuid("6234bffe_149a-b642-81ff-2e8e376d8aff"));
        assert!(!is_uuid("PDS1PEC4oAMFpyA="));
        // The four dashes in place and a fifth where a digit belongs.
        assert!(!is_uuid("6234bffe-149a-b642-81ff-2e8e376d8-ff"));
        assert!(!is_uuid("-234bffe-149a-b642-81ff-2e8e376d8aff"));
    }

    proptest::proptest! {
        /// The branch-free reading is the plain definition: 36 bytes, dashes at 8, 13, 18, 23, hex elsewhere.
        #[test]
        fn is_uuid_is_its_definition(s in "[0-9a-fA-Fg-]{36}|[0-9a-f-]{8}-[0-9a-f-]{4}-[0-9a-f]{4}-[0-9a-f-]{4}-[0-9a-fG-]{12}|\\PC{0,40}") {
            let b = s.as_bytes();
            let definition = b.len() == 36
                && b.iter().enumerate().all(|(i, c)| match i {
                    8 | 13 | 18 | 23 => *c == b'-',
                    _ => c.is_ascii_hexdigit(),
                });
            proptest::prop_assert_eq!(is_uuid(&s), definition);
        }
    }

    #[test]
    fn find_is_the_first_occurrence_like_memmem() {
        for (hay, needle) in [
            ("", ""),
            ("abc", ""),
            ("", "a"),
            ("aab", "ab"),
            ("Lambda request id: Lambda request id: x", "Lambda request id: "),
            ("xx-amzn-RequestId", "x-amzn-RequestId"),
            ("aaa", "aaaa"),
            ("é, é", "é"),
        ] {
            assert_eq!(
                find(hay.as_bytes(), needle.as_bytes()),
                memchr::memmem::find(hay.as_bytes(), needle.as_bytes()),
                "{hay:?} {needle:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn find_agrees_with_memmem(hay in "[ab é]{0,24}", needle in "[ab é]{0,4}") {
            proptest::prop_assert_eq!(
                find(hay.as_bytes(), needle.as_bytes()),
                memchr::memmem::find(hay.as_bytes(), needle.as_bytes())
            );
        }
    }

    #[test]
    fn numbers_and_tokens() {
        assert_eq!(leading_u64(" 1030 ms"), Some(1030));
        assert_eq!(leading_f64("3003.16 ms"), Some(3003.16));
        assert_eq!(status_code("502"), Some(502));
        assert_eq!(status_code("999"), None);
        assert_eq!(token("abc, def"), "abc");
        assert_eq!(
            trace_id("Root=1-5c7674f4-aaaabbbbccccddddeeeeffff;Sampled=1"),
            Some("1-5c7674f4-aaaabbbbccccddddeeeeffff")
        );
        assert_eq!(
            trace_id("1-5c7674f4-aaaabbbbccccddddeeeeffff"),
            Some("1-5c7674f4-aaaabbbbccccddddeeeeffff")
        );
        assert_eq!(trace_id("-"), None);
    }
}
