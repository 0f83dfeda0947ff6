//! The contact details and names the recorder finds in text, each as a range of the text:
//! e-mail addresses and `Name <address>` mailboxes, IP addresses, phone numbers, and strings that
//! look like a person's name. [`personal`](crate::traffic::personal) finds the other kinds
//! (cards, IBANs, national ids, street addresses); [`recorder`](crate::traffic::recorder) decides
//! which of them to pseudonymize, and how.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// Lowercase words that may sit inside a name (`Ada de Moreau`).
const NAME_PARTICLES: &[&str] = &[
    "de", "da", "di", "du", "del", "der", "den", "van", "von", "le", "la", "bin", "al", "dos",
    "das",
];

/// The leading run of alphanumeric characters of `text`.
pub(crate) fn first_word(text: &str) -> &str {
    let end = text
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(text.len());
    &text[..end]
}

/// Tells whether `text` is one e-mail address (spaces around it aside).
pub(crate) fn is_email(text: &str) -> bool {
    let text = text.trim();
    matches!(&find_emails(text)[..], [email] if *email == (0..text.len()))
}

/// Tells whether `text` is one `Name <address>`.
pub(crate) fn is_mailbox(text: &str) -> bool {
    let text = text.trim();
    let emails = find_emails(text);
    emails.len() == 1
        && emails[0].end + 1 == text.len()
        && mailbox_name(text, &emails[0])
            .is_some_and(|name| text[..name.start].trim_matches('"').trim().is_empty())
}

/// Finds the e-mail addresses in `text`.
pub(crate) fn find_emails(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        for (i, c) in text[..at].char_indices().rev() {
            // RFC 5322 `atext` and dots, but for the URL delimiters `/`, `=`, `?` and `&`.
            if c.is_alphanumeric() || ".!#$%'*+-^_`{|}~".contains(c) {
                start = i;
            } else {
                break;
            }
        }
        while let Some(c) = text[start..at].chars().next() {
            if c.is_alphanumeric() {
                break;
            }
            start += c.len_utf8();
        }
        let mut end = at + 1;
        for c in text[at + 1..].chars() {
            if c.is_alphanumeric() || c == '.' || c == '-' {
                end += c.len_utf8();
            } else {
                break;
            }
        }
        while end > at + 1 && text[..end].ends_with(['.', '-']) {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        let top_level = domain.rsplit('.').next().unwrap_or("");
        if start < at
            && domain.contains('.')
            && !domain.starts_with(['.', '-'])
            && top_level.chars().count() >= 2
            && top_level.chars().all(char::is_alphabetic)
        {
            found.push(start..end);
        }
    }
    found
}

/// Finds the name before the e-mail address at `email` in `Name <address>` or
/// `"Name" <address>`: a quoted name, else the capitalized words just before (or up to three
/// words of any case after a line start, `,`, `;` or `:`).
pub(crate) fn mailbox_name(text: &str, email: &Range<usize>) -> Option<Range<usize>> {
    let before = text[..email.start].strip_suffix('<')?;
    if !text[email.end..].starts_with('>') {
        return None;
    }
    let before = before.trim_end();
    if let Some(quoted) = before.strip_suffix('"') {
        let open = quoted.rfind('"')? + 1;
        let name = quoted[open..].trim();
        let start = open + (quoted[open..].len() - quoted[open..].trim_start().len());
        return (!name.is_empty()).then_some(start..start + name.len());
    }
    let is_name_char = |c: char| c.is_alphabetic() || " .'’-".contains(c);
    let from = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_name_char(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let segment = &before[from..];
    let words: Vec<(usize, &str)> = segment
        .split(' ')
        .scan(from, |at, word| {
            let start = *at;
            *at += word.len() + 1;
            Some((start, word))
        })
        .filter(|(_, word)| !word.is_empty())
        .collect();
    let mut first = words.len();
    while first > 0 {
        let word = words[first - 1].1;
        let capitalized = word.starts_with(char::is_uppercase);
        let particle = first < words.len() && NAME_PARTICLES.contains(&word);
        if !(capitalized || particle) || words.len() - first == 4 {
            break;
        }
        first -= 1;
    }
    while first < words.len() && NAME_PARTICLES.contains(&words[first].1) {
        first += 1;
    }
    let start = if first < words.len() {
        words[first].0
    } else if (1..=3).contains(&words.len()) {
        words[0].0
    } else {
        return None;
    };
    Some(start..before.len())
}

/// Finds the IP addresses (v4 and v6) in `text` that stand on their own (not inside a word).
pub(crate) fn find_ips(text: &str) -> Vec<Range<usize>> {
    let stands_alone = |range: &Range<usize>| {
        !text[..range.start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            && !text[range.end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    };
    let mut found = Vec::new();
    let mut run_start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if c.is_ascii_hexdigit() || c == ':' || c == '.' {
            run_start.get_or_insert(i);
            continue;
        }
        let Some(start) = run_start.take() else {
            continue;
        };
        let run = &text[start..i];
        if run.matches(':').count() >= 2 {
            let mut candidate = start..i;
            if run.starts_with(':') && !run.starts_with("::") {
                candidate.start += 1;
            }
            while text[candidate.clone()].ends_with('.')
                || (text[candidate.clone()].ends_with(':')
                    && !text[candidate.clone()].ends_with("::"))
            {
                candidate.end -= 1;
            }
            let address = &text[candidate.clone()];
            let groups = address.split(':').filter(|g| !g.is_empty()).count();
            if groups >= 2 && address.parse::<Ipv6Addr>().is_ok() && stands_alone(&candidate) {
                found.push(candidate);
                continue;
            }
        }
        let mut at = start;
        for piece in run.split(':') {
            let leading = piece.len() - piece.trim_start_matches('.').len();
            let address = piece.trim_matches('.');
            let candidate = at + leading..at + leading + address.len();
            if address.parse::<Ipv4Addr>().is_ok() && stands_alone(&candidate) {
                found.push(candidate);
            }
            at += piece.len() + 1;
        }
    }
    found
}

/// Finds the phone numbers in `text` (see [`is_phone_shaped`]).
pub(crate) fn find_phones(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut previous: Option<char> = None;
    let mut earlier: Option<char> = None;
    let mut from = 0;
    for (start, c) in text.char_indices() {
        let before = previous.replace(c);
        let two_before = std::mem::replace(&mut earlier, before);
        if start < from || !(c.is_ascii_digit() || c == '+' || c == '(') {
            continue;
        }
        if before.is_some_and(|p| !(p.is_whitespace() || "\"'([{<,;:=>".contains(p))) {
            continue;
        }
        // Not the tail of a longer number of groups (`4111 1111 1111 1111`, `123-45-6789`).
        let separator = before.is_some_and(|p| " -./".contains(p));
        if separator && two_before.is_some_and(|p| p.is_ascii_digit()) {
            continue;
        }
        let mut end = start
            + 1
            + text[start + 1..]
                .find(|d: char| !(d.is_ascii_digit() || " -./()".contains(d)))
                .unwrap_or(text.len() - start - 1);
        while end > start && !text[..end].ends_with(|d: char| d.is_ascii_digit()) {
            end -= 1;
        }
        let followed_by_a_word = text[end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        if end > start && !followed_by_a_word && is_phone_shaped(&text[start..end]) {
            found.push(start..end);
            from = end;
        }
    }
    found
}

/// Tells whether `candidate` (digits and separators: space, `-`, `.`, `/`, parentheses, and
/// maybe a leading `+`) has the shape of a phone number: 7 to 15 digits, and either a leading
/// `+` or at least two digit groups with one separator between groups, and none of these:
///
/// - a group of more than four digits, unless the number starts with a trunk `0`
///   (`030 12345678`) — ids, versions and long counts have them;
/// - a date: groups `2026-11-01`, `01.11.2026` or `11/01/2026` (with one separator);
/// - a thousands-grouped count (`1 234 567`, `1.234.567`);
/// - dots only with a one-digit group (a version such as `16.0.1234.1000`);
/// - more than two one-digit groups (`3 4 5 6 7 8 9`).
pub(crate) fn is_phone_shaped(candidate: &str) -> bool {
    let international = candidate.starts_with('+');
    let body = candidate.strip_prefix('+').unwrap_or(candidate);
    let lead = body
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(body.len());
    if !["", "("].contains(&&body[..lead]) {
        return false;
    }
    let mut groups: Vec<&str> = Vec::new();
    let mut separators: Vec<&str> = Vec::new();
    let mut rest = &body[lead..];
    while !rest.is_empty() {
        let group = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        groups.push(&rest[..group]);
        rest = &rest[group..];
        let separator = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        if separator < rest.len() {
            separators.push(&rest[..separator]);
        }
        rest = &rest[separator..];
    }
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    let single_separators = separators
        .iter()
        .all(|s| s.chars().filter(|c| !matches!(c, '(' | ')')).count() <= 1);
    let parentheses = body.matches('(').count() <= 1 && body.matches(')').count() <= 1;
    if !(7..=15).contains(&digits) || body.contains('+') || !single_separators || !parentheses {
        return false;
    }
    if international {
        return true;
    }
    let same_separator = separators.windows(2).all(|pair| pair[0] == pair[1]);
    let date = groups.len() >= 3
        && separators[0] == separators[1]
        && ["-", ".", "/"].contains(&separators[0])
        && ((groups[0].len() == 4 && groups[1].len() <= 2 && groups[2].len() <= 2)
            || (groups[0].len() <= 2 && groups[1].len() <= 2 && groups[2].len() == 4));
    let thousands = groups.len() >= 3
        && same_separator
        && [" ", "."].contains(&separators[0])
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3);
    let version = separators.iter().all(|s| *s == ".") && groups.iter().any(|g| g.len() == 1);
    let trunk = body.trim_start_matches('(').starts_with('0');
    groups.len() >= 2
        && (trunk || groups.iter().all(|g| g.len() <= 4))
        && groups.iter().filter(|g| g.len() == 1).count() <= 2
        && !date
        && !thousands
        && !version
}

/// Tells whether `text`, the value of a phone key, is a phone number: 7 to 15 digits and
/// nothing but separators besides.
pub(crate) fn is_phone_value(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && text
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || " +-./()".contains(c))
}

/// Tells whether a number, the value of a phone key, is a phone number (7 to 15 digits).
pub(crate) fn is_phone_number(number: &serde_json::Number) -> bool {
    number
        .as_u64()
        .is_some_and(|n| (1_000_000..=999_999_999_999_999).contains(&n))
}

/// Tells whether `text`, under a person key, looks like a person's name rather than an id or a
/// word such as `system`: letters, spaces and `.'-,` only, with a capital or a space.
pub(crate) fn looks_like_a_name(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.chars().count() <= 100
        && text.chars().any(char::is_alphabetic)
        && text
            .chars()
            .all(|c| c.is_alphabetic() || " .'’-,".contains(c))
        && (text.contains(' ') || text.starts_with(char::is_uppercase))
}
