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
    (name.len() == known_name.len() && same_name(name.as_bytes(), known_name.as_bytes())).then_some(known)
}

/// Whether `name` is `known` (a known name: lowercase letters and `-`, of the same length) in any case, read
/// eight bytes at a time: a letter of `known` (bit 6 set) matches its byte with bit 5 (case) set, and `-`
/// only itself (`known_names_are_lowercase_and_listed_once`, `known_names_differ_from_a_byte_changed`).
fn same_name(name: &[u8], known: &[u8]) -> bool {
    const LETTER: u64 = 0x4040_4040_4040_4040;
    let same = |n: u64, k: u64| (n | ((k & LETTER) >> 1)) == k;
    let len = name.len();
    if len < 8 {
        return name
            .iter()
            .zip(known)
            .fold(true, |ok, (&n, &k)| ok & same(u64::from(n), u64::from(k)));
    }
    let word = |b: &[u8], at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w)
    };
    // Whole words, then the last eight bytes (overlapping the last whole word when the length is no multiple).
    (0..len / 8).fold(same(word(name, len - 8), word(known, len - 8)), |ok, w| {
        ok & same(word(name, 8 * w), word(known, 8 * w))
    })
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
    // The date before the trace header: it is told by its length alone when it is none.
    super::is_id_text(value)
        || COMMON_VALUES.iter().any(|c| value.eq_ignore_ascii_case(c))
        || is_http_date(value)
        || is_trace_header(value)
}

/// `Root=1-…;Parent=…;Sampled=1`: fields split at `;`, each a key of [`TRACE_KEYS`], `=` and an ID
/// (`is_trace_header_is_its_definition`). Read with a plain loop: `str::split`'s searcher cost more than
/// the header (7% of storing an endpoint response's headers).
fn is_trace_header(value: &str) -> bool {
    let mut rest = value;
    loop {
        let (field, more) = match rest.bytes().position(|c| c == b';') {
            Some(end) => (&rest[..end], Some(&rest[end + 1..])),
            None => (rest, None),
        };
        let Some(eq) = field.bytes().position(|c| c == b'=') else {
            return false;
        };
        if !(TRACE_KEYS.iter().any(|k| field[..eq].eq_ignore_ascii_case(k)) && super::is_id_text(&field[eq + 1..])) {
            return false;
        }
        match more {
            Some(more) => rest = more,
            None => return true,
        }
    }
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
mod tests;
