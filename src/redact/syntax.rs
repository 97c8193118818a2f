//! The smallest pieces of log syntax every reader of names and shapes shares: what a bare name is made of,
//! spaces between a name, its delimiter and its value, and a percent-encoded byte.

/// Bytes a bare name is made of: ASCII letters and digits, `-`, `_`, `.`.
pub(super) const fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// The first byte at or after `i` that is not a space or a tab.
pub(super) fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// At `i`: `%` and, for each further level of encoding, `25`, then two hex digits: the byte they encode
/// and the length read.
pub(super) fn percent_byte(b: &[u8], i: usize) -> Option<(u8, usize)> {
    if b.get(i) != Some(&b'%') {
        return None;
    }
    let mut j = i + 1;
    while b.get(j..j + 2) == Some(b"25") && b.get(j + 2).is_some_and(u8::is_ascii_hexdigit) && j - i < 16 {
        j += 2;
    }
    let hex = std::str::from_utf8(b.get(j..j + 2)?).ok()?;
    Some((u8::from_str_radix(hex, 16).ok()?, j + 2 - i))
}
