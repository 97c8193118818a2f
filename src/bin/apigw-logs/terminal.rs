//! Makes text from logs safe to print on a terminal: the one writer every command's output passes.
//!
//! Every log line is somebody's text, and a terminal obeys control characters: `ESC ]0;title BEL` retitles
//! the window, `ESC [2J` clears the screen, a bare CR overwrites what was printed before it on the line, and
//! the C1 controls (U+0080–U+009F, e.g. U+009B CSI) are escape sequences of their own on some terminals.
//! Text also lies without controls: a line break inside a value prints a row nobody wrote (NEL U+0085 and
//! LS/PS U+2028/U+2029 break lines in some terminals and most editors), a bidirectional override
//! (U+202A–U+202E, U+2066–U+2069) shows `/invoice<U+202E>gpj.exe` as `/invoiceexe.jpg`, and zero-width
//! characters (U+200B–U+200D, U+2060, U+FEFF), tag characters (U+E0000–U+E007F) and fillers (U+3164) make
//! two different IDs look the same. So the set is taken by Unicode property, not listed by example:
//! categories Cc, Cf, Zl, Zp and Default_Ignorable_Code_Point ([`invisible`]).
//!
//! Each such character is written as a JSON-style escape, `\u001b` (a surrogate pair past U+FFFF), so a planted character reads the same
//! in human and `--json` output (where the escape is valid JSON and decodes to the same value). Two
//! levels, one rule: [`cell`] is for a value placed into a row (everything above, line feeds included, so
//! a value is always on its row), [`escape_text`] for a whole rendering (the same, but the line feeds that
//! separate our rows are kept). TAB is kept (Lambda REPORT lines are tab-separated and a tab cannot move
//! the cursor anywhere a space could not).
//!
//! Backslashes are not escaped, so a log that contains the text `\u001b` prints the same as one that
//! contained the character; what matters here is that no such character reaches the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

mod invisible;

/// Text for stdout: unsafe characters escaped, line feeds (our row separators) kept.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// A value placed into a row of text output (a column, a detail, a log line) or a message on stderr:
/// unsafe characters and every line break escaped, so it can neither leave its row nor look like something
/// it is not, and a message is always one line.
pub fn cell(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Whether `c` must not reach a terminal raw: every control (C0 but TAB, and LF when `keep_lf`; DEL; C1),
/// format character (bidirectional controls, zero-width and tag characters), line or paragraph separator,
/// and default-ignorable character ([`invisible`]).
pub fn is_unsafe(c: char, keep_lf: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !keep_lf,
        _ => invisible::is_control_or_invisible(c),
    }
}

fn escape(text: &str, keep_lf: bool) -> Cow<'_, str> {
    let Some(first) = text.find(|c| is_unsafe(c, keep_lf)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if is_unsafe(c, keep_lf) {
            // Also a valid JSON escape, so the same function is safe on `--json` output, where serde_json
            // has escaped C0 already but writes DEL, C1 and the rest raw: UTF-16 units, so a character past
            // U+FFFF (a tag character) is a surrogate pair that decodes to that character.
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether to colour stdout: only on a terminal (never into `| less` or a file), and never when
/// `NO_COLOR` is set to anything but the empty string (no-color.org).
pub fn colour_stdout(no_color: Option<&str>) -> bool {
    use std::io::IsTerminal as _;
    no_color.is_none_or(str::is_empty) && std::io::stdout().is_terminal()
}

const BOLD: &str = "\u{1b}[1m";
const RED: &str = "\u{1b}[31m";
const RESET: &str = "\u{1b}[0m";

/// Colours a `lookup` story that has been escaped already (so every ESC in it is ours): headings bold,
/// the reason rows red. Whole lines only, so the plain text is unchanged when colour is off.
pub fn highlight_story(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len() + 256);
    for line in escaped.split_inclusive('\n') {
        let (text, newline) = line.strip_suffix('\n').map_or((line, ""), |t| (t, "\n"));
        let style = if [
            "API request ",
            "Lambda invocation ",
            "Where the time went",
            "Timeline (",
        ]
        .iter()
        .any(|h| text.starts_with(h))
        {
            Some(BOLD)
        } else if text.starts_with("  reason ") {
            Some(RED)
        } else {
            None
        };
        match style {
            Some(s) => out.push_str(&format!("{s}{text}{RESET}{newline}")),
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighting_wraps_headings_and_reasons_and_keeps_other_lines() {
        let story = "API request r  GET /  →  502\n  reason    LambdaTimeout: x\n  api       a / b\n";
        assert_eq!(
            highlight_story(story),
            "\u{1b}[1mAPI request r  GET /  →  502\u{1b}[0m\n\u{1b}[31m  reason    LambdaTimeout: x\u{1b}[0m\n  api       a / b\n"
        );
        assert!(!colour_stdout(Some("1")), "NO_COLOR wins");
    }

    #[test]
    fn ansi_osc_bel_cr_del_and_c1_are_escaped() {
        let planted = "a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc\rd\u{7f}e\u{9b}31mf\u{0}";
        assert_eq!(
            escape_text(planted),
            "a\\u001b]0;pwned\\u0007b\\u001b[2Jc\\u000dd\\u007fe\\u009b31mf\\u0000"
        );
    }

    #[test]
    fn tabs_and_text_line_feeds_are_kept_but_a_message_stays_one_line() {
        assert_eq!(escape_text("REPORT\tDuration\nnext"), "REPORT\tDuration\nnext");
        assert_eq!(cell("REPORT\tDuration\nnext"), "REPORT\tDuration\\u000anext");
    }

    #[test]
    fn clean_text_is_borrowed_and_other_unicode_is_untouched() {
        assert!(matches!(escape_text("plain ✓ é 日本 …"), Cow::Borrowed(_)));
        assert_eq!(escape_text("\u{a0}\u{100}✓"), "\u{a0}\u{100}✓");
    }

    /// Every code point: escaped exactly when it is a control, format, separator or default-ignorable
    /// character, and the escape (inside a JSON string) decodes to the very character.
    #[test]
    fn every_unsafe_code_point_is_escaped_to_a_json_escape_of_itself() {
        let mut escaped = 0;
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            let text = format!("\"{c}\"");
            let out = cell(&text);
            if !is_unsafe(c, false) {
                assert_eq!(out, text, "U+{:04X}", u32::from(c));
                continue;
            }
            escaped += 1;
            assert!(out.is_ascii(), "U+{:04X} printed raw: {out:?}", u32::from(c));
            if c != '"' && c != '\\' {
                let back: String = serde_json::from_str(&out).unwrap();
                assert_eq!(back, c.to_string(), "U+{:04X}", u32::from(c));
            }
        }
        assert!(escaped > 4_000, "{escaped} escaped");
    }

    #[test]
    fn json_stays_valid_and_means_the_same() {
        let json = serde_json::to_string(&serde_json::json!({"m": "x\u{9b}\u{7f}\u{1b}"})).unwrap();
        let escaped = escape_text(&json);
        assert!(!escaped.chars().any(char::is_control), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["m"], "x\u{9b}\u{7f}\u{1b}");
    }
}
