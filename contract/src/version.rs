//! The one rule of versions in the contract, for the interface
//! ([`INTERFACE_VERSION`](crate::INTERFACE_VERSION)) and the host profile
//! ([`HOST_PROFILE_VERSION`](crate::host::HOST_PROFILE_VERSION)) alike: a party of version
//! `major.minor` serves one of the same major and a minor not newer, because a minor only adds
//! what the other party may ignore.

use std::fmt;

/// A `major.minor` version of the interface or of the host profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Changes when a party of the old version can no longer read the new one.
    pub major: u32,
    /// Changes when only optional fields or values are added.
    pub minor: u32,
}

impl Version {
    /// Reads `major.minor` (two runs of ASCII digits), ignoring surrounding ASCII white space
    /// (the Python and Node hosts read the same: `contract/vectors/host-profile-version.json`).
    pub fn parse(text: &str) -> Option<Version> {
        let (major, minor) = text.trim_ascii().split_once('.')?;
        let number = |part: &str| -> Option<u32> {
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| part.parse().ok()).flatten()
        };
        Some(Version {
            major: number(major)?,
            minor: number(minor)?,
        })
    }

    /// Tells whether a party of this version serves one of version `found`: the same major,
    /// and a minor not newer than this one's.
    pub fn serves(self, found: Version) -> bool {
        found.major == self.major && found.minor <= self.minor
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Tells whether a party of version `found` is served by one of version `ours`; false when
/// either is not `major.minor`.
pub fn is_served(found: &str, ours: &str) -> bool {
    match (Version::parse(found), Version::parse(ours)) {
        (Some(found), Some(ours)) => ours.serves(found),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_dot_minor_is_read_trimmed() {
        let read = |text| Version::parse(text).map(|v| (v.major, v.minor));
        assert_eq!(read("1.1"), Some((1, 1)));
        assert_eq!(read(" 2.10\n"), Some((2, 10)));
        for bad in [
            "", "1", "1.", ".1", "1.1.0", "one.1", "1.x", "+1.1", "1.-1", "1 .1",
        ] {
            assert_eq!(read(bad), None, "{bad:?}");
        }
        assert_eq!(read("99999999999.0"), None, "too large for a u32");
    }

    #[test]
    fn the_versions_the_crate_names_are_read() {
        for text in [crate::INTERFACE_VERSION, crate::host::HOST_PROFILE_VERSION] {
            let version = Version::parse(text).expect("major.minor");
            assert_eq!(version.to_string(), text);
        }
    }

    #[test]
    fn interface_versions_of_the_same_major_and_no_newer_minor_are_spoken() {
        let supported = crate::INTERFACE_VERSION;
        let Version { major, minor } = Version::parse(supported).expect("major.minor");
        for spoken in [format!("{major}.0"), supported.to_owned()] {
            assert!(is_served(&spoken, supported), "{spoken}");
        }
        let newer_minor = format!("{major}.{}", minor + 1);
        let next_major = format!("{}.0", major + 1);
        for unsupported in [&next_major, &newer_minor, "0.9", "1", "one", ""] {
            assert!(!is_served(unsupported, supported), "{unsupported}");
        }
    }

    #[test]
    fn versions_follow_the_vectors_every_host_reads() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../vectors/host-profile-version.json"))
                .expect("vector JSON");
        /// Returns what this rule makes of a case, when that is not the case's expectation.
        fn mismatch(case: &serde_json::Value) -> Option<String> {
            let input = &case["input"];
            let (Some(found), Some(ours)) = (input["found"].as_str(), input["ours"].as_str())
            else {
                return Some(format!("not a case: {case}"));
            };
            let got = is_served(found, ours);
            (Some(got) != case["expect"].as_bool()).then(|| format!("{case}: {got}"))
        }
        let cases = vectors["cases"].as_array().expect("cases");
        assert!(cases.len() > 10);
        crate::host::assert_follows_vectors(cases, &vectors["wrong_case"], mismatch);
    }

    #[test]
    fn only_ascii_white_space_around_a_version_is_ignored() {
        assert_eq!(
            Version::parse(" \t1.0\r\n"),
            Some(Version { major: 1, minor: 0 })
        );
        for other in ["\u{a0}1.0", "1.0\u{2028}", "\u{feff}1.0", "\u{b}1.0"] {
            assert_eq!(Version::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_party_serves_its_major_up_to_its_minor() {
        let ours = Version { major: 1, minor: 1 };
        assert!(ours.serves(Version { major: 1, minor: 0 }));
        assert!(ours.serves(ours));
        assert!(!ours.serves(Version { major: 1, minor: 2 }));
        assert!(!ours.serves(Version { major: 0, minor: 1 }));
        assert!(!ours.serves(Version { major: 2, minor: 0 }));
        assert!(!is_served("1.0", "not a version"));
    }
}
