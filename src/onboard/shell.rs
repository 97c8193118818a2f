//! The fix commands `doctor` prints are pasted into a shell: each word is written as a POSIX shell reads it.

/// A word as a POSIX shell reads it: quoted when it holds anything but plain characters (`$default`).
pub(crate) fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@,+%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
