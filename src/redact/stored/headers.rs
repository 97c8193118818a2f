//! The header names a header map's stored form knows: the allowed ones, whose values are kept, and the names
//! API Gateway's maps commonly carry besides, whose values are masked. Knowing every name of a map lets its
//! stored form skip the names' and shapes' searches (`Redactor::header_map`); an unknown name only means the
//! searches run.

/// Header names whose values are kept (ASCII case-insensitively): the request and trace IDs the joins and
/// `lookup` use, the error type and function-error flag the classifier reads, and content type and length.
pub const ALLOWED_HEADERS: [&str; 14] = [
    "x-amzn-requestid",
    "x-amz-apigw-id",
    "x-amzn-lambda-integration-tag",
    "x-amzn-trace-id",
    "x-amzn-errortype",
    "x-amz-function-error",
    "x-amz-executed-version",
    "x-amzn-remapped-content-length",
    "content-type",
    "content-length",
    "retry-after",
    "date",
    "x-amzn-remapped-date",
    "connection",
];

/// Other header names API Gateway's maps commonly carry (their values are masked): what browsers, HTTP
/// clients and CloudFront send (`Method request headers`, as in `docs/log-formats.md` §3), what API Gateway
/// sends a Lambda integration (`Endpoint request headers`), and common response headers. Five are sensitive
/// names (`Authorization`, `Cookie`, `X-Api-Key`, `X-Amz-Security-Token`, `Postman-Token`): their values are
/// masked here, and the searches would mask nothing more (`known_names_change_nothing_the_searches_would`).
const OTHER_KNOWN_HEADERS: [&str; 50] = [
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "access-control-allow-credentials",
    "access-control-allow-headers",
    "access-control-allow-methods",
    "access-control-allow-origin",
    "authorization",
    "cache-control",
    "cloudfront-forwarded-proto",
    "cloudfront-is-desktop-viewer",
    "cloudfront-is-mobile-viewer",
    "cloudfront-is-smarttv-viewer",
    "cloudfront-is-tablet-viewer",
    "cloudfront-viewer-asn",
    "cloudfront-viewer-country",
    "content-encoding",
    "cookie",
    "dnt",
    "etag",
    "host",
    "if-modified-since",
    "if-none-match",
    "origin",
    "postman-token",
    "pragma",
    "priority",
    "referer",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "sec-fetch-dest",
    "sec-fetch-mode",
    "sec-fetch-site",
    "sec-fetch-user",
    "server",
    "upgrade-insecure-requests",
    "user-agent",
    "vary",
    "via",
    "x-amz-cf-id",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-source-arn",
    "x-amzn-apigateway-api-id",
    "x-api-key",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
];

/// What the stored form does with a known name's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Known {
    /// On [`ALLOWED_HEADERS`]: kept.
    Allowed,
    /// On [`OTHER_KNOWN_HEADERS`]: masked.
    Masked,
}

/// Slots of the table of known names: a power of two, with room to spare so that a few seeds give no clash
/// (with 64 names in 1,024 slots, one seed in seven or so).
const SLOTS: usize = 1024;

/// Every known name ([`ALLOWED_HEADERS`] first), by its index in the table.
const KNOWN: [(&str, Known); ALLOWED_HEADERS.len() + OTHER_KNOWN_HEADERS.len()] = {
    let mut all = [("", Known::Allowed); ALLOWED_HEADERS.len() + OTHER_KNOWN_HEADERS.len()];
    let mut i = 0;
    while i < all.len() {
        all[i] = if i < ALLOWED_HEADERS.len() {
            (ALLOWED_HEADERS[i], Known::Allowed)
        } else {
            (OTHER_KNOWN_HEADERS[i - ALLOWED_HEADERS.len()], Known::Masked)
        };
        i += 1;
    }
    all
};

/// A slot from a name's length and four of its bytes (the first, the one after the middle, the last two),
/// ASCII-lowercased: what tells the known names apart (`CloudFront-Is-Mobile-Viewer` from
/// `CloudFront-Is-Tablet-Viewer`), read without a pass over the name. `seed` is the first that gives every
/// known name a slot of its own (found at compile time). `name` is not empty.
const fn slot(name: &[u8], seed: u32) -> usize {
    let len = name.len();
    let mid = if len / 2 + 1 < len { len / 2 + 1 } else { len - 1 };
    let h = (len as u32)
        .wrapping_mul(0x9E37_79B1)
        .wrapping_add(lower(name[0]).wrapping_mul(seed))
        .wrapping_add(lower(name[mid]).wrapping_mul(0x85EB_CA6B))
        .wrapping_add(lower(name[len.saturating_sub(2)]).wrapping_mul(0xC2B2_AE35))
        .wrapping_add(lower(name[len - 1]).wrapping_mul(0x27D4_EB2F ^ seed));
    ((h ^ (h >> 15)).wrapping_mul(0x2C1B_3C6D) >> 22) as usize % SLOTS
}

/// `b` with a letter lowercased (`| 0x20`); other bytes it may change, but a clash costs only the compare.
const fn lower(b: u8) -> u32 {
    (b | 0x20) as u32
}

/// Each slot's name, as 1 + its index in [`KNOWN`] (0: none), and the seed that spreads them.
const TABLE: ([u8; SLOTS], u32) = {
    assert!(KNOWN.len() < u8::MAX as usize);
    let mut seed = 1;
    loop {
        let mut table = [0u8; SLOTS];
        let mut clash = false;
        let mut i = 0;
        while i < KNOWN.len() {
            let s = slot(KNOWN[i].0.as_bytes(), seed);
            if table[s] != 0 {
                clash = true;
                break;
            }
            table[s] = i as u8 + 1;
            i += 1;
        }
        if !clash {
            break (table, seed);
        }
        assert!(seed < 1_000, "no seed gives every known header name a slot of its own");
        seed += 2;
    }
};

/// Whether `name` is a known header name (ASCII case-insensitively), and what its value gets.
pub(super) fn known(name: &str) -> Option<Known> {
    if name.is_empty() {
        return None;
    }
    let (table, seed) = &TABLE;
    let index = usize::from(table[slot(name.as_bytes(), *seed)]).checked_sub(1)?;
    let (known_name, known) = KNOWN[index];
    // Known names are lowercase: only the name is lowercased, and without a branch per byte.
    let same = name.len() == known_name.len()
        && name
            .bytes()
            .zip(known_name.bytes())
            .fold(true, |same, (a, k)| same & (a.to_ascii_lowercase() == k));
    same.then_some(known)
}

/// Values of allowed headers so common that they are told by a compare (ASCII case-insensitively): content
/// types, `Connection`'s, Lambda's `$LATEST` and function-error kinds.
const COMMON_VALUES: [&str; 9] = [
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "text/html",
    "keep-alive",
    "close",
    "$LATEST",
    "Unhandled",
    "Handled",
];

/// The keys of an X-Ray trace header (`Root=1-…;Parent=…;Sampled=1`,
/// https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader).
const TRACE_KEYS: [&str; 4] = ["root", "parent", "sampled", "self"];

/// Day and month names of an HTTP date (`Mon, 30 Oct 2023 12:58:31 GMT`, RFC 9110 §5.6.7 IMF-fixdate).
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Whether a kept value is of a shape no fragment of a rule can be read in, told without the automaton of
/// fragments (which costs more than the rest of a map's walk): an ID (hex digits and `-`), a common value,
/// an X-Ray trace header of IDs, or an HTTP date. Made of words that hold no fragment (checked) joined by
/// bytes no fragment holds (`;`, `=`, `,`, ` `, `:` between digits); `plain_values_hold_no_fragment` checks
/// the claim against the automaton on generated values.
pub(super) fn is_plain_value(value: &str) -> bool {
    super::is_id_text(value)
        || COMMON_VALUES.iter().any(|c| value.eq_ignore_ascii_case(c))
        || is_trace_header(value)
        || is_http_date(value)
}

/// `Root=1-…;Parent=…;Sampled=1`: keys of [`TRACE_KEYS`], each with an ID.
fn is_trace_header(value: &str) -> bool {
    value.split(';').all(|field| {
        field
            .split_once('=')
            .is_some_and(|(key, id)| TRACE_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)) && super::is_id_text(id))
    })
}

/// `Mon, 30 Oct 2023 12:58:31 GMT`, exactly.
fn is_http_date(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    b.len() == 29
        && DAYS.iter().any(|d| d.as_bytes() == &b[..3])
        && &b[3..5] == b", "
        && digits(5..7)
        && b[7] == b' '
        && MONTHS.iter().any(|m| m.as_bytes() == &b[8..11])
        && b[11] == b' '
        && digits(12..16)
        && b[16] == b' '
        && digits(17..19)
        && b[19] == b':'
        && digits(20..22)
        && b[22] == b':'
        && digits(23..25)
        && &b[25..] == b" GMT"
}

/// Every known name, and what its value gets.
#[cfg(test)]
pub(super) fn every_known() -> impl Iterator<Item = (&'static str, Known)> {
    KNOWN.into_iter()
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn known_names_are_lowercase_and_listed_once() {
        let names: Vec<&str> = every_known().map(|(n, _)| n).collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(*name, name.to_ascii_lowercase());
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
}
