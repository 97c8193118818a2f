//! Which characters never reach a terminal raw, by Unicode property rather than by the ones an attack used
//! so far: general categories Cc (controls), Cf (format: bidirectional controls, zero-width characters, tag
//! characters, interlinear annotation), Zl and Zp (line and paragraph separators), and every
//! Default_Ignorable_Code_Point (characters a renderer shows as nothing: variation selectors, fillers,
//! the combining grapheme joiner).

use unicode_general_category::{GeneralCategory, get_general_category};

/// Default_Ignorable_Code_Point, from the Unicode Character Database's `DerivedCoreProperties.txt`
/// (Unicode 16.0, https://www.unicode.org/Public/16.0.0/ucd/DerivedCoreProperties.txt), adjacent ranges
/// merged. Most of it is Cf already; the rest is fillers (U+115F, U+3164, U+FFA0), variation selectors,
/// the combining grapheme joiner, Khmer inherent vowels, Mongolian free variation selectors, musical
/// symbol format marks and reserved code points (U+2065, U+FFF0–U+FFF8, U+E0000–U+E0FFF).
pub(super) const DEFAULT_IGNORABLE: [(u32, u32); 17] = [
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` is a control, a format character, a line or paragraph separator, or default-ignorable.
pub fn is_control_or_invisible(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    let code = u32::from(c);
    matches!(
        get_general_category(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) || DEFAULT_IGNORABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < code {
                std::cmp::Ordering::Less
            } else if lo > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for pair in DEFAULT_IGNORABLE.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 + 1 < pair[1].0, "{pair:x?}");
        }
    }

    #[test]
    fn every_character_an_attack_has_used_or_could_use_is_caught() {
        let known = [
            0x0, 0x1b, 0x7f, 0x85, 0x9b, 0xad, 0x34f, 0x61c, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180b, 0x180e, 0x180f,
            0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2060, 0x2064, 0x2066, 0x2069,
            0x206f, 0x3164, 0xfe00, 0xfe0f, 0xfeff, 0xffa0, 0xfff0, 0xfff9, 0xfffb, 0x110bd, 0x1bca0, 0x1bca3, 0x1d173,
            0x1d17a, 0xe0001, 0xe0041, 0xe007f, 0xe0100, 0xe0fff,
        ];
        for code in known {
            let c = char::from_u32(code).unwrap();
            assert!(is_control_or_invisible(c), "U+{code:04X}");
        }
        for visible in ['a', ' ', '\u{a0}', 'é', '日', '✓', '…', '\u{1f600}', '\u{300}'] {
            assert!(!is_control_or_invisible(visible), "{visible:?}");
        }
    }
}
