//! Pseudonyms for the personal data `record` finds: which values are people, phone numbers,
//! addresses or national ids (by their key, their object and the request's path), and one
//! consistent pseudonym for each across a recording. The rules are stated in full in
//! [`recorder`](crate::traffic::recorder)'s documentation; the scanners that find e-mail and IP
//! addresses, phone numbers and names inside text are [`contacts`](crate::traffic::contacts)
//! and [`personal`].

use std::cmp::Reverse;
use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;

use serde_json::{Map, Value};

use crate::traffic::contacts::{
    find_emails, find_ips, find_phones, first_word, is_email, is_mailbox, is_phone_number,
    is_phone_value, looks_like_a_name, mailbox_name,
};
use crate::traffic::personal;
use crate::traffic::replay::percent_decode;

/// Keys (compared in lowercase without `_`, `-`, `.` and spaces) that hold the name of the
/// person the object is about.
pub(crate) const OWN_NAME_KEYS: &[&str] = &[
    "fullname",
    "displayname",
    "firstname",
    "lastname",
    "givenname",
    "surname",
    "familyname",
    "middlename",
    "nickname",
    "username",
    "userprincipalname",
    "upn",
    "samaccountname",
    "mailnickname",
    "preferredname",
    "legalname",
    "realname",
    "screenname",
    "loginname",
    "personname",
];

/// Keys (compared as above, singular or with a plural `s`) whose value is a person or people.
pub(crate) const PERSON_KEYS: &[&str] = &[
    "user",
    "manager",
    "owner",
    "contact",
    "member",
    "person",
    "people",
    "employee",
    "assignee",
    "assignedto",
    "requester",
    "requestedby",
    "reporter",
    "reportedby",
    "author",
    "creator",
    "createdby",
    "modifiedby",
    "updatedby",
    "lastmodifiedby",
    "deletedby",
    "approver",
    "approvedby",
    "sender",
    "recipient",
    "technician",
    "admin",
    "administrator",
    "actor",
    "invitedby",
    "sponsor",
    "delegate",
    "attendee",
    "guest",
];

/// Keys (compared as above) that hold a phone number, besides any key containing `phone`.
pub(crate) const PHONE_KEYS: &[&str] = &[
    "mobile",
    "mobilenumber",
    "cell",
    "cellnumber",
    "tel",
    "telephone",
    "telephonenumber",
    "fax",
    "faxnumber",
    "msisdn",
];

/// Keys under which an API wraps the items of a list (`{"data": [...], "total": 3}`).
pub(crate) const WRAPPER_KEYS: &[&str] = &[
    "data", "items", "results", "value", "values", "records", "list", "content", "entries", "hits",
    "rows", "nodes", "elements",
];

/// Tells whether a request path asks for a list of people: its last segment is a person key
/// (`/api/v1/users`, `/members`).
pub(crate) fn lists_people(raw_path: &str) -> bool {
    raw_path
        .rsplit('/')
        .find(|segment| !segment.is_empty())
        .is_some_and(|segment| is_person_key(&normalized(&percent_decode(segment, false))))
}

/// What a JSON value holds, as its key tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Anything: e-mail addresses, IP addresses, phone numbers and known names inside it are
    /// pseudonymized; objects in it are people when they look like people.
    Text,
    /// A person's name (every string in it, if it is an object such as `{"first", "last"}`).
    Name,
    /// A person or people (`manager`, `members`): objects in it are people, strings that look
    /// like names are names.
    Person,
    /// A phone number.
    Phone,
    /// A postal address, or a part of one: replaced whole (every string in it, if an object,
    /// but a city or a country).
    Address,
    /// A national id number (SSN, NINO): replaced whole.
    NationalId,
}

impl Role {
    /// The rule for persons and organizations (the module documentation says it in full):
    ///
    /// - a person-name key holds a name anywhere: the person's own ([`OWN_NAME_KEYS`]) or a
    ///   person key followed by `name` (`contactName`, `managerName`, `ownerName`, …);
    /// - the key `name` holds a name only in an object that is a person: one under a person key
    ///   ([`PERSON_KEYS`]; `in_a_person` then), or one that says so itself
    ///   ([`looks_like_a_person`]);
    /// - any other object, such as a customer (`id`, `name`, `customerDomain`, `status`, …),
    ///   keeps its `name`.
    pub(crate) fn of(key: &str, in_a_person: bool) -> Role {
        let key = normalized(key);
        if is_person_name_key(&key) || (in_a_person && key == "name") {
            Role::Name
        } else if is_person_key(&key) {
            Role::Person
        } else if is_phone_key(&key) {
            Role::Phone
        } else if personal::is_address_key(&key) {
            Role::Address
        } else if personal::is_national_id_key(&key) {
            Role::NationalId
        } else {
            Role::Text
        }
    }
}

/// A key in lowercase, without `_`, `-`, `.` and spaces: `first_name` is `firstname`.
pub(crate) fn normalized(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) fn is_person_key(key: &str) -> bool {
    PERSON_KEYS.contains(&key)
        || key
            .strip_suffix('s')
            .is_some_and(|singular| PERSON_KEYS.contains(&singular))
}

pub(crate) fn is_person_name_key(key: &str) -> bool {
    OWN_NAME_KEYS.contains(&key) || key.strip_suffix("name").is_some_and(is_person_key)
}

pub(crate) fn is_phone_key(key: &str) -> bool {
    key.contains("phone") || PHONE_KEYS.contains(&key)
}

pub(crate) fn is_wrapper_key(key: &str) -> bool {
    WRAPPER_KEYS.contains(&normalized(key).as_str())
}

/// Tells whether `fields` describe a person by themselves: they have a person-name key of their
/// own ([`OWN_NAME_KEYS`]), an e-mail address or `Name <address>` as a value, or a phone number
/// under a phone key.
pub(crate) fn looks_like_a_person(fields: &Map<String, Value>) -> bool {
    fields.iter().any(|(key, value)| {
        let key = normalized(key);
        let phone_key = is_phone_key(&key);
        OWN_NAME_KEYS.contains(&key.as_str())
            || match value {
                Value::String(text) => {
                    is_email(text) || is_mailbox(text) || (phone_key && is_phone_value(text))
                }
                Value::Number(number) => phone_key && is_phone_number(number),
                _ => false,
            }
    })
}

/// The kinds of personal data, in the order they win when found at the same place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Email,
    Ip,
    Card,
    Iban,
    Ssn,
    Nino,
    Address,
    Phone,
    Person,
}

/// Consistent pseudonyms for personal data.
#[derive(Default)]
pub(crate) struct Pseudonyms {
    by_original: HashMap<(Kind, String), String>,
    emails: usize,
    ips: usize,
    phones: usize,
    people: usize,
    /// How many of each other kind have a pseudonym.
    others: HashMap<Kind, usize>,
    /// Names of more than one word already pseudonymized, by their first word, to find them in
    /// free text.
    known_names: HashMap<String, Vec<String>>,
}

impl Pseudonyms {
    pub(crate) fn of_value(&mut self, value: Value, role: Role) -> Value {
        match (value, role) {
            (Value::String(text), Role::Name) => Value::String(self.of_name(&text)),
            (Value::String(text), Role::Person) if looks_like_a_name(&text) => {
                Value::String(self.pseudonym(Kind::Person, &text))
            }
            (Value::String(text), Role::Phone) if is_phone_value(&text) => {
                Value::String(self.pseudonym(Kind::Phone, &text))
            }
            (Value::String(text), Role::Address) => Value::String(self.of_address(&text)),
            (Value::String(text), Role::NationalId) if !text.trim().is_empty() => {
                let nino = personal::find_ninos(text.trim()).len() == 1;
                let kind = if nino { Kind::Nino } else { Kind::Ssn };
                Value::String(self.pseudonym(kind, &text))
            }
            (Value::String(text), _) => Value::String(self.of_text(&text)),
            (Value::Number(number), Role::Phone) if is_phone_number(&number) => {
                let pseudonym = self.pseudonym(Kind::Phone, &number.to_string());
                let digits: String = pseudonym.chars().filter(char::is_ascii_digit).collect();
                digits
                    .parse::<u64>()
                    .map_or(Value::Number(number), Value::from)
            }
            (Value::Array(items), role) => Value::Array(
                items
                    .into_iter()
                    .map(|item| self.of_value(item, role))
                    .collect(),
            ),
            (Value::Object(fields), Role::Name) => Value::Object(
                fields
                    .into_iter()
                    .map(|(key, item)| (self.of_text(&key), self.of_value(item, Role::Name)))
                    .collect(),
            ),
            (Value::Object(fields), Role::Address) => Value::Object(
                fields
                    .into_iter()
                    .map(|(key, item)| {
                        let kept = personal::is_kept_in_an_address(&normalized(&key));
                        let role = if kept { Role::Text } else { Role::Address };
                        (self.of_text(&key), self.of_value(item, role))
                    })
                    .collect(),
            ),
            (Value::Object(fields), role) => {
                Value::Object(self.of_object(fields, role == Role::Person))
            }
            (other, _) => other,
        }
    }

    /// Pseudonymizes an object; `people` tells that it sits under a person key, so it is a
    /// person, or a wrapper (`{"data": [...]}`) around people.
    pub(crate) fn of_object(
        &mut self,
        fields: Map<String, Value>,
        people: bool,
    ) -> Map<String, Value> {
        let own_evidence = looks_like_a_person(&fields);
        let wrapper = people
            && !own_evidence
            && !fields.contains_key("name")
            && fields
                .iter()
                .any(|(key, value)| is_wrapper_key(key) && value.is_array());
        let person = own_evidence || (people && !wrapper);
        fields
            .into_iter()
            .map(|(key, value)| {
                let role = if wrapper && is_wrapper_key(&key) {
                    Role::Person
                } else {
                    Role::of(&key, person)
                };
                (self.of_text(&key), self.of_value(value, role))
            })
            .collect()
    }

    /// A value that holds a name: a whole e-mail address or `Name <address>` is pseudonymized
    /// as such, anything else as one name.
    pub(crate) fn of_name(&mut self, text: &str) -> String {
        if text.trim().is_empty() {
            text.to_owned()
        } else if is_email(text) || is_mailbox(text) {
            self.of_text(text)
        } else {
            self.pseudonym(Kind::Person, text)
        }
    }

    /// A value that holds a postal address: an e-mail or IP address (`emailAddress` aside, a key
    /// may say `address` of those) is pseudonymized as such, anything else as one address.
    pub(crate) fn of_address(&mut self, text: &str) -> String {
        let trimmed = text.trim();
        if trimmed.is_empty() || is_email(text) || trimmed.parse::<IpAddr>().is_ok() {
            self.of_text(text)
        } else {
            self.pseudonym(Kind::Address, text)
        }
    }

    /// Pseudonymizes the personal data inside free text, or inside the JSON it encodes.
    pub(crate) fn of_text(&mut self, text: &str) -> String {
        if let Some(json) = self.of_embedded_json(text) {
            return json;
        }
        let mut found: Vec<(Range<usize>, Kind)> = Vec::new();
        for email in find_emails(text) {
            if let Some(name) = mailbox_name(text, &email) {
                found.push((name, Kind::Person));
            }
            found.push((email, Kind::Email));
        }
        found.extend(find_ips(text).into_iter().map(|ip| (ip, Kind::Ip)));
        let finders: [(personal::Finder, Kind); 5] = [
            (personal::find_cards, Kind::Card),
            (personal::find_ibans, Kind::Iban),
            (personal::find_ssns, Kind::Ssn),
            (personal::find_ninos, Kind::Nino),
            (personal::find_street_addresses, Kind::Address),
        ];
        for (finder, kind) in finders {
            found.extend(finder(text).into_iter().map(|range| (range, kind)));
        }
        found.extend(find_phones(text).into_iter().map(|p| (p, Kind::Phone)));
        found.extend(self.find_known_names(text).map(|n| (n, Kind::Person)));
        if found.is_empty() {
            return text.to_owned();
        }
        // Each kind in the order of `Kind` takes its places first, so that a phone number is
        // never found inside a card number or an SSN; then they are written in text order.
        found.sort_by_key(|(range, kind)| (*kind, range.start, Reverse(range.end)));
        let mut taken: std::collections::BTreeMap<usize, (usize, Kind)> = Default::default();
        for (range, kind) in found {
            let before = taken.range(..range.end).next_back();
            if before.is_none_or(|(_, (end, _))| *end <= range.start) {
                taken.insert(range.start, (range.end, kind));
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, (end, kind)) in taken {
            let range = start..end;
            out.push_str(&text[at..range.start]);
            out.push_str(&self.pseudonym(kind, &text[range.clone()]));
            at = range.end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// Pseudonymizes a string that is a JSON object or array; `None` if it is not one.
    pub(crate) fn of_embedded_json(&mut self, text: &str) -> Option<String> {
        let inner = text.trim();
        let bracketed = (inner.starts_with('{') && inner.ends_with('}'))
            || (inner.starts_with('[') && inner.ends_with(']'));
        if !bracketed {
            return None;
        }
        let json: Value = serde_json::from_str(inner).ok()?;
        let pseudonymized = self.of_value(json.clone(), Role::Text);
        if pseudonymized == json {
            return Some(text.to_owned());
        }
        let start = text.len() - text.trim_start().len();
        let end = start + inner.len();
        Some(format!("{}{pseudonymized}{}", &text[..start], &text[end..]))
    }

    /// Finds the names of more than one word already pseudonymized.
    pub(crate) fn find_known_names<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = Range<usize>> + 't {
        let mut previous = None;
        text.char_indices().filter_map(move |(start, c)| {
            let word_start = c.is_alphanumeric() && !previous.is_some_and(char::is_alphanumeric);
            previous = Some(c);
            if !word_start || self.known_names.is_empty() {
                return None;
            }
            let names = self.known_names.get(first_word(&text[start..]))?;
            names
                .iter()
                .filter(|name| text[start..].starts_with(name.as_str()))
                .map(|name| start..start + name.len())
                .filter(|range| {
                    !text[range.end..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
                })
                .max_by_key(|range| range.end)
        })
    }

    /// Returns the pseudonym of `original`, the same for the same person, address or number.
    pub(crate) fn pseudonym(&mut self, kind: Kind, original: &str) -> String {
        let key = match kind {
            Kind::Email => original.to_lowercase(),
            Kind::Ip => original
                .parse::<IpAddr>()
                .map_or_else(|_| original.to_owned(), |ip| ip.to_string()),
            Kind::Phone | Kind::Card | Kind::Ssn => {
                original.chars().filter(char::is_ascii_digit).collect()
            }
            Kind::Iban | Kind::Nino => original
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase(),
            Kind::Person | Kind::Address => original.trim().to_owned(),
        };
        if let Some(known) = self.by_original.get(&(kind, key.clone())) {
            return known.clone();
        }
        let pseudonym = match kind {
            Kind::Email => {
                self.emails += 1;
                let domain = key.rsplit_once('@').map_or("", |(_, domain)| domain);
                format!("person-{}@{domain}", self.emails)
            }
            Kind::Ip => {
                self.ips += 1;
                match key.parse::<IpAddr>() {
                    Ok(IpAddr::V6(_)) => format!("2001:db8::{:x}", self.ips),
                    _ => format!("198.51.100.{}", self.ips % 254 + 1),
                }
            }
            Kind::Phone => {
                self.phones += 1;
                format!("+1-555-01{:02}", (self.phones - 1) % 100)
            }
            Kind::Card | Kind::Iban | Kind::Ssn | Kind::Nino | Kind::Address => {
                let n = self.others.entry(kind).or_default();
                *n += 1;
                let original = original.trim();
                match kind {
                    Kind::Card => personal::card_pseudonym(*n, original),
                    Kind::Iban => personal::iban_pseudonym(*n, original),
                    Kind::Ssn => personal::ssn_pseudonym(*n, original),
                    Kind::Nino => personal::nino_pseudonym(*n, original),
                    _ => personal::address_pseudonym(*n),
                }
            }
            Kind::Person => {
                self.people += 1;
                if key.contains(char::is_whitespace) && key.starts_with(char::is_alphanumeric) {
                    let names = self
                        .known_names
                        .entry(first_word(&key).to_owned())
                        .or_default();
                    names.push(key.clone());
                }
                format!("Person {}", self.people)
            }
        };
        self.by_original.insert((kind, key), pseudonym.clone());
        pseudonym
    }
}
