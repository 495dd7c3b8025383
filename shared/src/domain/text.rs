//! Text users type and others read (nicknames, remarks): no control characters, and no
//! invisible format characters (Unicode category Cf) that can hide or reorder what is shown,
//! such as U+202E RIGHT-TO-LEFT OVERRIDE or U+200B ZERO WIDTH SPACE.

/// The ranges of Unicode's general category Cf (format), Unicode 15.1.
const FORMAT_CHARS: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// U+200D ZERO WIDTH JOINER: a format character that also glues emoji together (👨‍💻).
const ZWJ: char = '\u{200D}';

/// Whether `c` is in Unicode's general category Cf.
pub fn is_format_char(c: char) -> bool {
    let c = u32::from(c);
    FORMAT_CHARS.iter().any(|&(low, high)| (low..=high).contains(&c))
}

/// Whether `c` can stand on either side of a joiner in an emoji sequence.
fn is_emoji_part(c: char) -> bool {
    matches!(u32::from(c), 0x2600..=0x27BF | 0x1F300..=0x1FAFF | 0xFE0F)
}

/// Checks text shown to others: no control characters (but newlines when `newlines` is true) and
/// no invisible format characters. A zero-width joiner is kept only between two emoji, where it
/// makes one picture of them.
pub fn check_shown_text(text: &str, newlines: bool) -> Result<(), &'static str> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_control() && !(newlines && c == '\n') {
            return Err("must not contain control characters");
        }
        if c == ZWJ {
            let joins_emoji = i > 0
                && chars.get(i + 1).is_some_and(|&next| is_emoji_part(next))
                && is_emoji_part(chars[i - 1]);
            if joins_emoji {
                continue;
            }
        }
        if is_format_char(c) {
            return Err(
                "must not contain invisible or direction-changing characters (such as U+202E or U+200B)",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_overrides_and_zero_width_characters_are_refused() {
        for bad in [
            "abc\u{202E}gpj.exe",
            "a\u{200B}b",
            "\u{FEFF}name",
            "x\u{2066}y",
            "soft\u{00AD}hyphen",
            "tag\u{E0041}",
            "lone\u{200D}joiner",
        ] {
            assert!(check_shown_text(bad, false).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ordinary_text_chinese_and_emoji_sequences_are_kept() {
        for good in [
            "小明",
            "Zoë",
            "👨\u{200D}💻 coder",
            "❤\u{FE0F}\u{200D}🔥",
            "茶 🍵",
        ] {
            assert_eq!(check_shown_text(good, false), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn newlines_only_where_allowed() {
        assert!(check_shown_text("a\nb", true).is_ok());
        assert!(check_shown_text("a\nb", false).is_err());
        assert!(check_shown_text("a\tb", true).is_err());
    }
}
