//! Presence.ini keys the suite documents: what they mean, their values and
//! defaults, and validation of a value before it is written. Any other key
//! may be edited too; it is only checked to stay on one line.

/// The values a known key accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `0` (off) or `1` (on).
    Bool01,
    /// A whole number in `min..=max`.
    Integer { min: i64, max: i64 },
    /// One of these words (matched case-insensitively, written as spelled here).
    Choice(&'static [&'static str]),
    /// Any single-line text.
    Text,
}

/// A key the suite documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownKey {
    pub key: &'static str,
    /// The section it belongs in (used when the key is added to a file).
    pub section: &'static str,
    /// A short title for lists.
    pub title: &'static str,
    /// What it does and what to check, for the detail panel and `presence get`.
    pub help: &'static str,
    pub kind: ValueKind,
    /// The value the suite uses when the key is absent (`""`: none documented).
    pub default: &'static str,
}

/// Presence technologies that can win the rich presence state.
pub const PRESENCE_TECHNOLOGIES: &[&str] = &["Jabber", "Webex", "MSTeams"];

pub const KNOWN_KEYS: &[KnownKey] = &[
    KnownKey {
        key: "WebexPresence.Enable",
        section: "Webex",
        title: "Webex Calling presence",
        help: "Webex Calling presence retrieval. 0 = off (default), 1 = on. \
Needs the Webex tokens authorised for the customer's organization. \
If presence stays unknown with 1, check that authorisation first, then the \
Presence entries in the application log. Set the same value on every node: \
the suite does not copy this file between nodes.",
        kind: ValueKind::Bool01,
        default: "0",
    },
    KnownKey {
        key: "MSTeamsPresence.Enable",
        section: "MSTeams",
        title: "Microsoft Teams presence",
        help: "Microsoft Teams presence retrieval through Imagicle Cloud. \
0 = off (default), 1 = on. Needs the node to reach Imagicle Cloud over HTTPS \
(port 443, through the proxy of System Parameters if there is one) and a \
Microsoft 365 global admin of the customer's tenant to have granted consent \
to Imagicle's Teams presence connector. With 1, usually also set \
RichPresence.WinningTechnology to MSTeams. Set the same value on every node.",
        kind: ValueKind::Bool01,
        default: "0",
    },
    KnownKey {
        key: "RichPresence.WinningTechnology",
        section: "RichPresence",
        title: "Winning presence source",
        help: "Which presence source wins when several report a state for the \
same user: Jabber, Webex or MSTeams. Choose the one your users set their \
status in; the source chosen must itself be enabled (e.g. \
MSTeamsPresence.Enable = 1 for MSTeams), or operators see no state from it. \
Set the same value on every node.",
        kind: ValueKind::Choice(PRESENCE_TECHNOLOGIES),
        default: "",
    },
];

/// The known key named `key` (case-insensitive, as Windows reads INI keys).
pub fn known_key(key: &str) -> Option<&'static KnownKey> {
    let key = key.trim();
    KNOWN_KEYS.iter().find(|k| k.key.eq_ignore_ascii_case(key))
}

/// Whether `key` may be written in `section`: any section for an unknown
/// key; for a known key its own section, or one where the file already has
/// it (`present_there`: it is edited where it is). Otherwise the error
/// names the section it belongs in. Sections match case-insensitively.
pub fn check_section(key: &str, section: &str, present_there: bool) -> Result<(), String> {
    match known_key(key) {
        Some(known) if !present_there && !known.section.eq_ignore_ascii_case(section.trim()) => {
            Err(format!(
                "{} belongs in section [{}], not [{}]",
                known.key,
                known.section,
                section.trim()
            ))
        }
        _ => Ok(()),
    }
}

/// Why the section of a Presence.ini key could not be chosen. Its text
/// says what is wrong; each face adds how to choose (a flag on the command
/// line, the tree in the editor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionProblem {
    /// The section given is not the known key's own (`why` says so).
    NotItsOwn { why: String, own: &'static str },
    /// A key to add that is neither in the file nor a known key.
    UnknownNewKey { key: String },
    /// The key is in several sections.
    Several {
        key: String,
        sections: Vec<Option<String>>,
    },
    /// There is no Presence.ini on the node to add a key to.
    NoFile { path: String, node: String },
}

impl std::fmt::Display for SectionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SectionProblem::NotItsOwn { why, .. } => write!(f, "{why}"),
            SectionProblem::UnknownNewKey { key } => write!(
                f,
                "{key} is not in Presence.ini and is not a known key: its section is needed"
            ),
            SectionProblem::Several { key, sections } => {
                let names: Vec<String> = sections
                    .iter()
                    .map(|s| match s {
                        Some(name) => format!("[{name}]"),
                        None => "(before any section)".to_string(),
                    })
                    .collect();
                write!(f, "{key} is in several sections ({})", names.join(", "))
            }
            SectionProblem::NoFile { path, node } => write!(f, "{path} does not exist on {node}"),
        }
    }
}

/// Checks `value` for `key`. Known keys must match their kind (surrounding
/// whitespace aside, which INI readers drop); unknown keys accept any
/// single-line text. The error says what is accepted.
pub fn validate(key: &str, value: &str) -> Result<(), String> {
    normalize(key, value).map(|_| ())
}

/// The value as it should be written: trimmed, a choice in its documented
/// spelling, an integer without leading `+` or zeros. Errors as [`validate`].
pub fn normalize(key: &str, value: &str) -> Result<String, String> {
    if value.contains(['\r', '\n']) {
        return Err("the value must be on one line".to_owned());
    }
    let Some(known) = known_key(key) else {
        return Ok(value.trim().to_owned());
    };
    normalize_kind(known.key, known.kind, value.trim())
}

fn normalize_kind(key: &str, kind: ValueKind, text: &str) -> Result<String, String> {
    match kind {
        ValueKind::Bool01 => match text {
            "0" | "1" => Ok(text.to_owned()),
            _ => Err(format!("{key} must be 0 (off) or 1 (on), not {text:?}")),
        },
        ValueKind::Integer { min, max } => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            _ => Err(format!(
                "{key} must be a whole number from {min} to {max}, not {text:?}"
            )),
        },
        ValueKind::Choice(choices) => choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(text))
            .map(|c| (*c).to_owned())
            .ok_or_else(|| format!("{key} must be one of {}, not {text:?}", choices.join(", "))),
        ValueKind::Text => Ok(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_key_is_findable_and_its_default_valid() {
        for known in KNOWN_KEYS {
            assert_eq!(known_key(&known.key.to_uppercase()), Some(known));
            assert!(!known.help.is_empty() && !known.title.is_empty());
            if !known.default.is_empty() {
                assert_eq!(validate(known.key, known.default), Ok(()), "{}", known.key);
            }
        }
    }

    #[test]
    fn a_known_key_goes_in_its_own_section_or_where_it_already_is() {
        assert_eq!(
            check_section("WebexPresence.Enable", "Webex", false),
            Ok(())
        );
        assert_eq!(
            check_section("webexpresence.enable", " webex ", false),
            Ok(())
        );
        let err = check_section("WebexPresence.Enable", "Nope", false).unwrap_err();
        assert!(err.contains("[Webex]") && err.contains("[Nope]"), "{err}");
        assert_eq!(
            check_section("WebexPresence.Enable", "Presence", true),
            Ok(()),
            "a copy the file already has is edited where it is"
        );
        assert_eq!(check_section("Jabber.Domain", "Anything", false), Ok(()));
    }

    #[test]
    fn integer_kind_checks_range_and_normalizes() {
        // No documented key is an integer yet; exercise the kind directly.
        let kind = ValueKind::Integer { min: 1, max: 10 };
        assert_eq!(normalize_kind("X", kind, "+010"), Ok("10".to_owned()));
        assert_eq!(normalize_kind("X", kind, "1"), Ok("1".to_owned()));
        for bad in ["0", "11", "", "1.5", "ten", "-1"] {
            let err = normalize_kind("X", kind, bad).unwrap_err();
            assert!(err.contains("from 1 to 10"), "{bad}: {err}");
        }
        let text = ValueKind::Text;
        assert_eq!(normalize_kind("X", text, "a b"), Ok("a b".to_owned()));
    }
}
