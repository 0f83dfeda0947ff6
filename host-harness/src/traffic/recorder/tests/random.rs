//! The property test: random keys and people never survive a recording.

use super::*;

/// A small deterministic generator (xorshift64*), so that the property test needs no crate.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn key(&mut self) -> String {
        const CHARS: &[&str] = &[
            "a", "Z", "q", "7", "0", "-", "_", ".", "~", "+", "/", "=", "%", "&", "?", "#", "\"",
            "\\", "'", ":", " ", "é", "ß", "中", "🔑", "Ω", "\u{a0}",
        ];
        const AROUND: &[&str] = &["", " ", "  ", "\t", "\u{a0}", "\u{3000}", "\n"];
        let inner: String = (0..8 + self.below(17)).map(|_| self.pick(CHARS)).collect();
        let inner = inner.trim();
        // Starts and ends with a letter so that trimming leaves the whole inner part.
        format!("{}x{inner}y{}", self.pick(AROUND), self.pick(AROUND))
    }

    fn word(&mut self) -> String {
        const SYLLABLES: &[&str] = &[
            "zo", "ra", "vek", "tu", "lin", "qa", "mor", "bex", "ul", "dri", "ka", "yth",
        ];
        let word: String = (0..3).map(|_| self.pick(SYLLABLES)).collect();
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    /// A card number that passes the Luhn check, in groups of four.
    fn card(&mut self) -> String {
        let body = format!("4{}", self.digits(14));
        let number = (0..10)
            .map(|check| format!("{body}{check}"))
            .find(|number| luhn::valid(number))
            .unwrap();
        let separator = self.pick(&[" ", "-", ""]);
        let groups: Vec<&str> = (0..4).map(|i| &number[4 * i..4 * i + 4]).collect();
        groups.join(separator)
    }

    /// A British IBAN with its mod-97 check digits.
    fn iban(&mut self) -> String {
        let bban = format!("WEST{}", self.digits(14));
        let digits: String = format!("{bban}GB00")
            .chars()
            .map(|c| c.to_digit(36).unwrap().to_string())
            .collect();
        let remainder = digits
            .bytes()
            .fold(0u32, |r, d| (r * 10 + u32::from(d - b'0')) % 97);
        format!("GB{:02}{bban}", 98 - remainder)
    }

    fn ssn(&mut self) -> String {
        format!(
            "{:03}-{:02}-{:04}",
            1 + self.below(665),
            1 + self.below(99),
            1 + self.below(9999)
        )
    }

    fn nino(&mut self) -> String {
        let prefix = self.pick(&["AB", "CE", "JM", "PR", "WX"]);
        format!(
            "{prefix}{}{}",
            self.digits(6),
            self.pick(&["A", "B", "C", "D"])
        )
    }

    fn phone(&mut self) -> String {
        match self.below(4) {
            0 => format!(
                "+33 6 {} {} {} {}",
                self.digits(2),
                self.digits(2),
                self.digits(2),
                self.digits(2)
            ),
            1 => format!(
                "({}{}) {}-{}",
                1 + self.below(9),
                self.digits(2),
                self.digits(3),
                self.digits(4)
            ),
            2 => format!("+44 20 {} {}", self.digits(4), self.digits(4)),
            _ => format!(
                "0{} {} {} {} {}",
                1 + self.below(9),
                self.digits(2),
                self.digits(2),
                self.digits(2),
                self.digits(2)
            ),
        }
    }
}

struct Someone {
    first: String,
    last: String,
    email: String,
    phone: String,
    ipv4: String,
    ipv6: String,
    card: String,
    iban: String,
    ssn: String,
    nino: String,
    street: String,
}

impl Someone {
    fn new(generator: &mut Generator, n: usize) -> Someone {
        let (first, last) = (generator.word(), generator.word());
        Someone {
            email: format!(
                "{}.{}{n}@corp{}.example",
                first.to_lowercase(),
                last.to_lowercase(),
                generator.below(3)
            ),
            phone: generator.phone(),
            card: generator.card(),
            iban: generator.iban(),
            ssn: generator.ssn(),
            nino: generator.nino(),
            street: format!("{} {} Road", 1 + generator.below(999), generator.word()),
            ipv4: format!(
                "10.{}.{}.{}",
                generator.below(256),
                generator.below(256),
                1 + generator.below(254)
            ),
            ipv6: format!(
                "fd{:02x}:{:x}::{:x}",
                generator.below(256),
                1 + generator.below(0xfffe),
                1 + generator.below(0xfffe)
            ),
            first,
            last,
        }
    }

    fn full(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

#[test]
fn random_keys_and_people_never_survive_a_recording() {
    let customers = r#"[{"billingUsers":{"count":3},"createTime":"2026-11-01T00:00:00Z","customerDomain":"acme.example","id":"c1","mappedTo":"29683412","name":"Acme & Sons","status":"active","version":"10.0.19045.2965"}]"#;
    let mut generator = Generator(0x9e37_79b9_7f4a_7c15);
    for round in 0..40 {
        let typed = generator.key();
        let sent = typed.trim().to_owned();
        let (encoded, b64) = (percent_encode(&sent), base64(sent.as_bytes()));
        // Every form a vendor may echo the key in (twice percent-encoded, byte by byte,
        // base64 after `user:`, hex, HTML references, …): the scanner sees each.
        let echoed = crate::traffic::echo::echo_forms(&sent);
        for form in &echoed {
            assert!(Secrets::new([typed.as_str()]).found_in(form), "{form}");
        }
        let echoed = echoed.join(" ");
        let people: Vec<Someone> = (0..3).map(|n| Someone::new(&mut generator, n)).collect();
        let [a, b, c] = [&people[0], &people[1], &people[2]];
        let headers = |raw: &mut RawExchange| {
            raw.request_headers = [
                ("api_key".to_owned(), sent.clone()),
                ("authorization".to_owned(), format!("Bearer {b64}")),
                (
                    "proxy-authorization".to_owned(),
                    format!("Basic {}", base64(format!("user:{sent}").as_bytes())),
                ),
                ("x-echo".to_owned(), echoed.clone()),
            ]
            .into();
            raw.response_headers
                .insert("location".into(), format!("/x?k={encoded}"));
        };
        let base = "http://127.0.0.1:9/api/v1";
        let users = json!([
            {"id": "u1", "name": a.full(), "email": a.email, "mobilePhone": a.phone,
             "lastLoginIp": a.ipv4, "echo": sent, "homeAddress": a.street, "ssn": a.ssn,
             "payment": format!("card {} iban {}", a.card, a.iban), "nino": a.nino,
             "manager": {"displayName": b.full(), "mail": b.email}},
            {"id": "u2", "name": b.full(), "email": b.email, "manager": a.full()}
        ]);
        let events = json!({"data": [{
            "description": format!("Sign-in by {} <{}> from {}, call {}; key {sent}; \
                lives at {}, SSN {}, NINO {}, card {}, IBAN {}",
                b.full(), b.email, b.ipv6, b.phone, b.street, b.ssn, b.nino, b.card, b.iban),
            "actor": b.email,
            "raw": format!("{encoded} {b64} {echoed}"),
            sent.clone(): "echoed as a key",
            "payload": json!({"user": {"fullName": c.full(), "email": c.email,
                "ip": c.ipv4, "token": sent}}).to_string()
        }]});
        let profile = json!({"givenName": a.first, "surname": a.last,
            "contacts": {c.email.clone(): {"phone": c.phone, "from": c.ipv6,
                "address": {"street": c.street, "city": "Leeds"}, "ssn": c.ssn,
                "paidWith": format!("{} / {} / {}", c.card, c.iban, c.nino)}}});
        let csv = format!(
            "name,email,phone,ip,key\n{},{},{},{},{sent}\n{},{},{},{},{b64}\n{echoed}\n",
            a.full(),
            a.email,
            a.phone,
            a.ipv4,
            c.full(),
            c.email,
            c.phone,
            c.ipv6
        );
        let mut raws = vec![
            raw(
                &format!("{base}/users?key={encoded}"),
                "application/json",
                &users.to_string(),
            ),
            raw(
                &format!("{base}/events/{encoded}?user={}", percent_encode(&a.email)),
                "application/json",
                &events.to_string(),
            ),
            raw(
                &format!("{base}/profile"),
                "application/json",
                &format!("\u{feff}{profile}"),
            ),
            raw(&format!("{base}/export.csv"), "text/csv", &csv),
        ];
        raws.push(raw(
            &format!("{base}/customers"),
            "application/json",
            customers,
        ));
        raws.iter_mut().for_each(headers);
        let secrets = Secrets::new([typed.as_str()]);
        let credentials: Credentials = [
            ("api_key", typed.as_str()),
            ("api_url", "http://127.0.0.1:9/api/v1"),
        ]
        .into_iter()
        .collect();
        let (recording, replay) = fixtures_of(
            &raws,
            &credentials,
            &secrets,
            &["api_url".into()],
            "generated".into(),
        );
        let written = serde_json::to_string_pretty(&recording).unwrap()
            + &serde_json::to_string_pretty(&replay).unwrap();
        assert!(
            !secrets.found_in(&written),
            "round {round}, key {typed:?}: {written}"
        );
        assert_eq!(replay.get("api_key"), Some(REPLAY_SECRET));
        for someone in &people {
            for original in [
                &someone.first,
                &someone.last,
                &someone.email,
                &someone.phone,
                &someone.ipv4,
                &someone.ipv6,
                &someone.card,
                &someone.iban,
                &someone.ssn,
                &someone.nino,
                &someone.street,
            ] {
                assert!(
                    !written.contains(original.as_str()),
                    "round {round}: {original} survived in {written}"
                );
            }
        }
        assert_eq!(body(&recording, 4).to_string(), customers, "round {round}");
    }
}
