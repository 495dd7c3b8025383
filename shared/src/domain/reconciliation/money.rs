//! Amounts as WeChat Pay's bills write them (yuan with a fixed number of decimals), read into
//! exact integers and written back, never through floating point.

/// Decimal places of a money amount: fen.
pub const FEN: u32 = 2;
/// Decimal places of a fee in a trade bill (fees are written with up to five).
pub const FEE: u32 = 5;

/// The largest whole part accepted (a trillion yuan), so that every amount fits an `i64`.
const MAX_WHOLE_DIGITS: usize = 13;

/// `text` (`12.34`, `-0.01`, `10.1`, `7`) as an integer count of `10^-scale` yuan: `12.34` at
/// scale 2 is 1234. At most `scale` decimals; anything else (an exponent, a second dot, a
/// thousands separator, a blank) is `None`.
pub fn parse_scaled(text: &str, scale: u32) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, decimals) = digits.split_once('.').unwrap_or((digits, ""));
    let well_formed = !whole.is_empty()
        && whole.len() <= MAX_WHOLE_DIGITS
        && whole.bytes().all(|b| b.is_ascii_digit())
        && decimals.len() <= scale as usize
        && decimals.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && decimals.is_empty());
    if !well_formed {
        return None;
    }
    let mut value: i64 = 0;
    for b in whole.bytes() {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    for place in 0..scale as usize {
        let digit = decimals.as_bytes().get(place).map_or(0, |b| i64::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(digit)?;
    }
    Some(if negative { -value } else { value })
}

/// `text` in yuan as fen: `0.01` is 1, `99999.99` is 9999999.
pub fn parse_fen(text: &str) -> Option<i64> {
    parse_scaled(text, FEN)
}

/// `units` of `10^-scale` yuan written as yuan with exactly `scale` decimals (`1234` at scale 2
/// is `12.34`).
pub fn format_scaled(units: i64, scale: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let magnitude = units.unsigned_abs();
    let one = 10u64.pow(scale);
    if scale == 0 {
        return format!("{sign}{magnitude}");
    }
    format!(
        "{sign}{}.{:0width$}",
        magnitude / one,
        magnitude % one,
        width = scale as usize
    )
}

/// Fen written as yuan with two decimals.
pub fn format_fen(fen: i64) -> String {
    format_scaled(fen, FEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bills_amounts_become_exact_fen() {
        assert_eq!(parse_fen("0.01"), Some(1));
        assert_eq!(parse_fen("10.10"), Some(1010));
        assert_eq!(parse_fen("99999.99"), Some(9_999_999));
        assert_eq!(parse_fen("10.1"), Some(1010));
        assert_eq!(parse_fen("7"), Some(700));
        assert_eq!(parse_fen("-0.01"), Some(-1));
        assert_eq!(parse_fen("0.00"), Some(0));
    }

    #[test]
    fn amounts_floats_would_round_are_exact() {
        // 0.1 + 0.2 and 1.005 * 100 are the classic float traps.
        assert_eq!(parse_fen("0.10").unwrap() + parse_fen("0.20").unwrap(), 30);
        assert_eq!(parse_fen("1.15"), Some(115));
        assert_eq!(parse_fen("4.35"), Some(435));
        let many: i64 = std::iter::repeat_n("0.01", 100_000).filter_map(parse_fen).sum();
        assert_eq!(many, 100_000);
    }

    #[test]
    fn anything_but_a_plain_decimal_is_refused() {
        for text in [
            "", "-", ".5", "1.", "1.234", "1,000.00", "1e3", " 1.00", "1.00 ", "+1.00", "1..0", "--1",
            "¥1.00",
        ] {
            assert_eq!(parse_fen(text), None, "{text:?}");
        }
        assert_eq!(
            parse_fen("99999999999999.00"),
            None,
            "past the largest whole part"
        );
    }

    #[test]
    fn fees_keep_five_decimals() {
        assert_eq!(parse_scaled("0.00123", FEE), Some(123));
        assert_eq!(parse_scaled("0.06", FEE), Some(6000));
        assert_eq!(format_scaled(123, FEE), "0.00123");
        assert_eq!(format_scaled(-6000, FEE), "-0.06000");
    }

    #[test]
    fn fen_are_written_back_as_the_bill_writes_them() {
        for text in ["0.01", "10.10", "99999.99", "0.00", "-3.50"] {
            assert_eq!(format_fen(parse_fen(text).unwrap()), text);
        }
    }
}
