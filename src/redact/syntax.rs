//! The smallest pieces of log syntax every reader of names and shapes shares: what a bare name is made of,
//! and spaces between a name, its delimiter and its value.

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
