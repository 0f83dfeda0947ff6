//! Personal data of fixed shapes in free text, for the recorder
//! ([`crate::traffic::recorder`]): payment card numbers, IBANs, US social security numbers, UK
//! national insurance numbers and street addresses, each found whole, and its pseudonym.
//!
//! Each finder returns the byte ranges of what it found, each standing alone (no letter or
//! digit right before or after it). Limits: a card number is 13 to 19 digits starting with 2
//! to 6 (the banking and travel ranges), written together or in groups with one kind of
//! separator (a space or `-`), and passes the Luhn check; an IBAN is in capitals, together or
//! in groups of four, and passes `iban_validate` (mod 97, the country's length and layout); an
//! SSN is `ddd-dd-dddd` (or with spaces) with a number the SSA can issue (not 000, 666 or 9xx,
//! nor 00 or 0000 parts); a NINO is `AB123456C` (or `AB 12 34 56 C`) with the prefixes HMRC can
//! issue. A street address is a house number (`221B`), one to four capitalized words and a
//! street suffix (`Street`, `Rd`, `Avenue`, …, see [`STREET_SUFFIXES`]): `221B Baker Street`.
//! That finds English-style addresses only (not `rue de la Paix 12` or `Hauptstraße 5`), and
//! keeps what follows the street (city, postcode); fields named like addresses (see
//! [`is_address_key`]) are replaced whole whatever their form.

use std::ops::Range;

/// A finder of this module: the ranges of what it found in a text.
pub type Finder = fn(&str) -> Vec<Range<usize>>;

/// Street suffixes that end a street address in free text.
pub const STREET_SUFFIXES: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "lane",
    "ln",
    "drive",
    "dr",
    "court",
    "ct",
    "place",
    "pl",
    "square",
    "sq",
    "terrace",
    "way",
    "close",
    "crescent",
    "parkway",
    "pkwy",
    "highway",
    "hwy",
    "row",
    "mews",
    "gardens",
    "grove",
    "walk",
    "alley",
];

/// Keys (normalized: lowercase, without `_`, `-`, `.` and spaces) inside an address object
/// that are kept: a city or a country alone is no one's address.
const KEPT_IN_AN_ADDRESS: &[&str] = &[
    "city",
    "town",
    "state",
    "region",
    "province",
    "county",
    "country",
    "countrycode",
    "countryorregion",
    "type",
    "kind",
];

/// Tells whether a normalized key holds a postal address, or a part of one: `address`,
/// `homeAddress`, `street`, `postalCode`, `zip`, … but not an e-mail, IP, MAC or web address.
pub fn is_address_key(key: &str) -> bool {
    let postal = ["address", "street", "postal", "postcode", "zipcode"]
        .iter()
        .any(|part| key.contains(part))
        || key == "zip";
    let other = [
        "email",
        "mailaddress",
        "ipaddress",
        "ipv4",
        "ipv6",
        "macaddress",
        "webaddress",
        "url",
        "host",
        "wallet",
    ]
    .iter()
    .any(|part| key.contains(part));
    postal && !other
}

/// Tells whether a normalized key inside an address object is kept (a city, a country).
pub fn is_kept_in_an_address(key: &str) -> bool {
    KEPT_IN_AN_ADDRESS.contains(&key)
}

/// Tells whether a normalized key holds a national id number.
pub fn is_national_id_key(key: &str) -> bool {
    [
        "ssn",
        "socialsecuritynumber",
        "socialsecurity",
        "nino",
        "nationalinsurancenumber",
        "nationalid",
        "nationalidnumber",
        "nationalidentifier",
        "nationalidentificationnumber",
    ]
    .contains(&key)
}

/// Returns the groups of each run of `text` made of bytes that are `part`s, with one of
/// `separators` between groups, that stands alone: the candidates of the finders here.
fn runs(text: &str, part: fn(&u8) -> bool, separators: &[u8]) -> Vec<Vec<Range<usize>>> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !part(&bytes[at]) {
            at += 1;
            continue;
        }
        let mut groups = Vec::new();
        let mut start = at;
        loop {
            while at < bytes.len() && part(&bytes[at]) {
                at += 1;
            }
            groups.push(start..at);
            let separated =
                at + 1 < bytes.len() && separators.contains(&bytes[at]) && part(&bytes[at + 1]);
            if !separated {
                break;
            }
            at += 1;
            start = at;
        }
        let first = groups[0].start;
        if !text[..first]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            runs.push(groups);
        }
    }
    runs
}

/// Tells whether nothing alphanumeric follows `end` in `text`.
fn ends_alone(text: &str, end: usize) -> bool {
    !text[end..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric)
}

/// Finds, in runs of capitals and digits one space apart, the longest candidate starting at
/// each group and at most `max_len` long that is `valid`.
fn find_in_capitals(text: &str, max_len: usize, valid: fn(&str) -> bool) -> Vec<Range<usize>> {
    let capital_or_digit = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    let mut found = Vec::new();
    for groups in runs(text, capital_or_digit, b" ") {
        let mut i = 0;
        while i < groups.len() {
            let start = groups[i].start;
            let longest = groups[i..]
                .iter()
                .map(|group| group.end)
                .take_while(|end| end - start <= max_len)
                .filter(|&end| ends_alone(text, end) && valid(&text[start..end]))
                .last();
            match longest {
                Some(end) => {
                    found.push(start..end);
                    i += groups[i..].iter().take_while(|g| g.end <= end).count();
                }
                None => i += 1,
            }
        }
    }
    found
}

/// Finds the runs of digits with one of `separators` between groups that stand alone and
/// are `valid` whole.
fn find_in_digits(text: &str, separators: &[u8], valid: fn(&str) -> bool) -> Vec<Range<usize>> {
    runs(text, u8::is_ascii_digit, separators)
        .into_iter()
        .filter_map(|groups| {
            let whole = groups[0].start..groups[groups.len() - 1].end;
            (ends_alone(text, whole.end) && valid(&text[whole.clone()])).then_some(whole)
        })
        .collect()
}

/// Finds the payment card numbers in `text` (see the module docs).
pub fn find_cards(text: &str) -> Vec<Range<usize>> {
    find_in_digits(text, b" -", |candidate| {
        let digits = candidate.bytes().filter(u8::is_ascii_digit).count();
        let mut separators = candidate.bytes().filter(|b| !b.is_ascii_digit());
        let first = separators.next();
        (13..=19).contains(&digits)
            && separators.all(|b| Some(b) == first)
            && (b'2'..=b'6').contains(&candidate.as_bytes()[0])
            && luhn::valid(candidate)
    })
}

/// Finds the IBANs in `text` (see the module docs).
pub fn find_ibans(text: &str) -> Vec<Range<usize>> {
    find_in_capitals(text, 42, |candidate| {
        let b = candidate.as_bytes();
        b.len() >= 15
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..4].iter().all(u8::is_ascii_digit)
            && candidate.parse::<iban::Iban>().is_ok()
    })
}

/// Finds the US social security numbers in `text` (see the module docs).
pub fn find_ssns(text: &str) -> Vec<Range<usize>> {
    find_in_digits(text, b" -", |candidate| {
        let b = candidate.as_bytes();
        b.len() == 11
            && (b[3] == b'-' || b[3] == b' ')
            && b[6] == b[3]
            && &b[0..3] != b"000"
            && &b[0..3] != b"666"
            && b[0] != b'9'
            && &b[4..6] != b"00"
            && &b[7..11] != b"0000"
    })
}

/// Finds the UK national insurance numbers in `text` (see the module docs).
pub fn find_ninos(text: &str) -> Vec<Range<usize>> {
    find_in_capitals(text, 13, |candidate| {
        let b = candidate.as_bytes();
        let spaced = b.len() == 13 && [2, 5, 8, 11].iter().all(|&i| b[i] == b' ');
        let compact: Vec<u8> = b.iter().copied().filter(|&c| c != b' ').collect();
        compact.len() == 9
            && (b.len() == 9 || spaced)
            && compact[0].is_ascii_uppercase()
            && !b"DFIQUV".contains(&compact[0])
            && compact[1].is_ascii_uppercase()
            && !b"DFIOQUV".contains(&compact[1])
            && !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]
                .iter()
                .any(|prefix| compact.starts_with(prefix.as_bytes()))
            && compact[2..8].iter().all(u8::is_ascii_digit)
            && (b'A'..=b'D').contains(&compact[8])
    })
}

/// Finds the street addresses in `text` (see the module docs).
pub fn find_street_addresses(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    for groups in runs(text, u8::is_ascii_alphanumeric, b"") {
        let number = groups[0].clone();
        let house = &text[number.clone()];
        let digits = house.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=5).contains(&digits) || house.len() > digits + 1 {
            continue;
        }
        // Up to five words after it, one space apart; the address ends at the first suffix
        // after at least one capitalized name word.
        let mut end = number.end;
        for words in 1..=5 {
            let Some(word) = text[end..].strip_prefix(' ').map(|rest| {
                let len = rest.find(|c: char| !(c.is_alphabetic() || c == '\'' || c == '-'));
                &rest[..len.unwrap_or(rest.len())]
            }) else {
                break;
            };
            if !word.starts_with(|c: char| c.is_uppercase()) {
                break;
            }
            end += 1 + word.len();
            if words >= 2 && STREET_SUFFIXES.contains(&word.to_lowercase().as_str()) {
                if text[end..].starts_with('.') && word.len() <= 4 {
                    end += 1;
                }
                found.push(number.start..end);
                break;
            }
        }
    }
    found
}

/// Writes the `pseudonym`'s letters and digits in turn into the layout of `original`, whose
/// other characters (spaces, dashes) stay: `4111-1111-…` gives `4000-0000-…`.
pub fn laid_out_like(pseudonym: &str, original: &str) -> String {
    let mut fill = pseudonym.chars();
    original
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                fill.next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// Returns the `n`th pseudonymous card number with as many digits as `original`: a Visa test
/// number (`4000 0000 0000 0002`) that passes the Luhn check.
pub fn card_pseudonym(n: usize, original: &str) -> String {
    let digits = original.bytes().filter(u8::is_ascii_digit).count();
    let width = digits.saturating_sub(2);
    let counter = n % 10usize.saturating_pow(u32::try_from(width).unwrap_or(0).min(18));
    let body = format!("4{counter:0width$}");
    let number = (0..10)
        .map(|check| format!("{body}{check}"))
        .find(|number| luhn::valid(number))
        .unwrap_or_else(|| format!("{body}0"));
    laid_out_like(&number, original)
}

/// Returns the `n`th pseudonymous IBAN, laid out as `original` (together or in groups):
/// `GB00TEST…`, whose check digits `00` no real IBAN has.
pub fn iban_pseudonym(n: usize, original: &str) -> String {
    let electronic = format!("GB00TEST{:014}", n % 100_000_000_000_000);
    if original.contains(' ') {
        let groups: Vec<&str> = electronic
            .as_bytes()
            .chunks(4)
            .filter_map(|group| std::str::from_utf8(group).ok())
            .collect();
        groups.join(" ")
    } else {
        electronic
    }
}

/// Returns the `n`th pseudonymous SSN, laid out as `original`: `000-00-0001`, an area number
/// the SSA never issues.
pub fn ssn_pseudonym(n: usize, original: &str) -> String {
    let pseudonym = format!("00000{:04}", n % 10_000);
    if text_has_nine_digits(original) {
        laid_out_like(&pseudonym, original)
    } else {
        format!("000-00-{:04}", n % 10_000)
    }
}

/// Returns the `n`th pseudonymous NINO, laid out as `original`: `QQ000001A`, a prefix HMRC
/// never issues.
pub fn nino_pseudonym(n: usize, original: &str) -> String {
    laid_out_like(&format!("QQ{:06}A", n % 1_000_000), original)
}

/// Returns the `n`th pseudonymous street address: `1 Example Street`.
pub fn address_pseudonym(n: usize) -> String {
    format!("{n} Example Street")
}

fn text_has_nine_digits(text: &str) -> bool {
    text.bytes().filter(u8::is_ascii_digit).count() == 9
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, finder: Finder) -> Vec<&str> {
        finder(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn card_numbers_are_found_whole_with_the_luhn_check() {
        let text = "Visa 4111 1111 1111 1111, MC 5555-5555-5555-4444, Amex 378282246310005; \
            not 4111 1111 1111 1112, id 1234567890123452, 4111 1111-1111 1111 or x4111111111111111";
        assert_eq!(
            found(text, find_cards),
            [
                "4111 1111 1111 1111",
                "5555-5555-5555-4444",
                "378282246310005"
            ]
        );
    }

    #[test]
    fn ibans_are_found_in_either_layout() {
        let text = "Pay GB82 WEST 1234 5698 7654 32 Today or DE89370400440532013000, \
            not GB82 WEST 1234 5698 7654 33 nor GB00TEST00000000000001";
        assert_eq!(
            found(text, find_ibans),
            ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"]
        );
    }

    #[test]
    fn national_ids_are_found_when_they_could_be_issued() {
        let text = "SSN 123-45-6789 or 078 05 1120, not 000-12-3456, 666-12-3456, 123-45-67890; \
            NINO AB123456C, QQ 12 34 56 C is an example, AB 12 34 56 C, not GB123456A";
        assert_eq!(found(text, find_ssns), ["123-45-6789", "078 05 1120"]);
        assert_eq!(found(text, find_ninos), ["AB123456C", "AB 12 34 56 C"]);
    }

    #[test]
    fn street_addresses_are_a_number_words_and_a_suffix() {
        let text = "Ship to 221B Baker Street, London NW1 6XE; or 1600 Pennsylvania Avenue NW, \
            10 Downing St. today; not 3 users on the Road, 12 Street or 5 Big Things";
        assert_eq!(
            found(text, find_street_addresses),
            [
                "221B Baker Street",
                "1600 Pennsylvania Avenue",
                "10 Downing St."
            ]
        );
    }

    #[test]
    fn pseudonyms_keep_the_layout_and_their_checks() {
        let card = card_pseudonym(2, "4111-1111-1111-1111");
        assert_eq!(card, "4000-0000-0000-0028");
        assert!(luhn::valid(&card));
        assert_eq!(card_pseudonym(1, "378282246310005").len(), 15);
        assert_eq!(
            iban_pseudonym(3, "GB82 WEST 1234 5698 7654 32"),
            "GB00 TEST 0000 0000 0000 03"
        );
        assert_eq!(
            iban_pseudonym(3, "DE89370400440532013000"),
            "GB00TEST00000000000003"
        );
        assert_eq!(ssn_pseudonym(4, "123 45 6789"), "000 00 0004");
        assert_eq!(ssn_pseudonym(4, "AB-123"), "000-00-0004");
        assert_eq!(nino_pseudonym(5, "AB 12 34 56 C"), "QQ 00 00 05 A");
        assert_eq!(address_pseudonym(6), "6 Example Street");
    }

    #[test]
    fn address_keys_are_postal_ones() {
        for key in [
            "address",
            "homeaddress",
            "streetaddress",
            "street",
            "postalcode",
            "zip",
        ] {
            assert!(is_address_key(key), "{key}");
        }
        for key in [
            "emailaddress",
            "ipaddress",
            "macaddress",
            "mailaddress",
            "webaddress",
            "zipfile",
        ] {
            assert!(!is_address_key(key), "{key}");
        }
    }
}
