//! The one JSON writer of the crate: objects with `", "` and `": "` separators and strings with every
//! character outside printable ASCII escaped, so the files are ASCII and their sizes do not depend on a
//! serializer's defaults.

use std::fmt::Write as _;

/// A JSON value the files need.
pub enum Value<'a> {
    /// A string.
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// `null`.
    Null,
}

/// Appends `s` as a JSON string.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Appends a flat object of `fields`, in order.
pub fn object(out: &mut String, fields: &[(&str, Value<'_>)]) {
    out.push('{');
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        string(out, key);
        out.push_str(": ");
        match value {
            Value::Str(s) => string(out, s),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Null => out.push_str("null"),
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_controls_and_non_ascii() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\te\u{1}é😀\u{7f}");
        assert_eq!(out, r#""a\"b\\c\nd\te\u0001\u00e9\ud83d\ude00\u007f""#);
    }

    #[test]
    fn objects_keep_field_order_and_separators() {
        let mut out = String::new();
        object(
            &mut out,
            &[("a", Value::Str("x")), ("n", Value::Int(-3)), ("z", Value::Null)],
        );
        assert_eq!(out, r#"{"a": "x", "n": -3, "z": null}"#);
    }
}
