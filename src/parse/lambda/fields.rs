//! The fields of Lambda's text lines that both the keyed (`text.rs`) and the unkeyed (`loose.rs`) readers
//! look at: a leaf, so neither reader imports the other for them.

use memchr::memmem;

use crate::parse::text::is_uuid;

/// Node.js: `<ISO-ts>\t<requestId>\t<LEVEL>\t<message>` → (id, message).
pub(super) fn node_fields(msg: &str) -> Option<(&str, &str)> {
    let mut f = msg.splitn(4, '\t');
    let (ts, id, _level) = (f.next()?, f.next()?, f.next()?);
    (looks_like_iso_ts(ts) && is_uuid(id)).then(|| (id, f.next().unwrap_or("")))
}

pub(super) fn looks_like_iso_ts(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[..4].iter().all(u8::is_ascii_digit)
}

/// The value after `key`, where `key` starts a field (not inside a longer key such as `Billed Duration: `).
pub(super) fn field<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    memmem::find_iter(text.as_bytes(), key.as_bytes())
        .find(|&i| {
            let before = &text[..i];
            let boundary = before.is_empty() || before.ends_with(['\t', ' ', '\n']);
            boundary && !before.ends_with("Billed ") && !before.ends_with("Init ") && !before.ends_with("Max Memory ")
                || (key != "Duration: " && key != "Used: " && boundary)
        })
        .map(|i| &text[i + key.len()..])
}
