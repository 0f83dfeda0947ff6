//! The one rule of time in the contract: `as_of` is an RFC 3339 instant that names a real
//! moment of the calendar.

/// Tells whether `text` is an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`
/// with a real month, the days of that month (leap years counted), hours 00–23, minutes 00–59,
/// seconds 00–60 (a leap second) and an offset within ±23:59.
pub fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let separators = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't')
        && b[13] == b':'
        && b[16] == b':';
    if !separators {
        return false;
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        number(0..4),
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
        number(17..19),
    ) else {
        return false;
    };
    let calendar = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !calendar {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let digits = [h1, h2, m1, m2];
            digits.iter().all(|c| c.is_ascii_digit())
                && u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0') <= 23
                && u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0') <= 59
        }
        _ => false,
    }
}

/// Returns the number of days of `month` (1–12) in `year`.
pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_instants_are_accepted() {
        for good in [
            "2026-11-01T00:00:00Z",
            "2026-11-01T10:20:30.123+02:00",
            "2026-11-01t00:00:00z",
            "2024-02-29T23:59:59Z",
            "2000-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-01-31T00:00:00-23:59",
        ] {
            assert!(is_rfc3339(good), "{good}");
        }
    }

    #[test]
    fn impossible_dates_and_times_are_refused() {
        for bad in [
            "",
            "2026-11-01",
            "2026-11-01 00:00:00Z",
            "2026-11-01T00:00:00",
            "yesterday",
            "2026-11-01T00:00:00.Z",
            "2026-13-45T99:99:99Z",
            "2026-00-10T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-11-00T00:00:00Z",
            "2026-11-01T24:00:00Z",
            "2026-11-01T00:60:00Z",
            "2026-11-01T00:00:61Z",
            "2026-11-01T00:00:00+24:00",
            "2026-11-01T00:00:00+01:60",
            "2026-11-01T00:00:00+0100",
            "2026-11-01T00:00:00Zjunk",
            "２０２６-11-01T00:00:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
