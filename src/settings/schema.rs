//! Settings described as data: a settings file is a list of fields, each
//! with its key, its label, the kind of value it takes, and its help. The
//! command line's flags, the editor's form rows, apply-to-all and the
//! comparison across nodes are all read from that one description, so a
//! field is never mapped by hand twice.

use std::ops::RangeInclusive;

use secrecy::SecretString;

use super::url::parse_http_url;

/// The kind of value a field takes, with what checking it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Any single-line text.
    Text,
    /// A secret: typed masked, stored sealed (bound to `aad`), never shown.
    Secret { aad: &'static [u8] },
    /// On or off: written `1`/`0`, read as on for `1` or `true`; absent is off.
    Bool,
    /// One of these spellings, matched case-insensitively and written as spelled here.
    Choice(&'static [&'static str]),
    /// A whole number in a range, of `unit`.
    Number {
        range: RangeInclusive<u32>,
        unit: &'static str,
    },
    /// An absolute http:// or https:// URL with a host name.
    Url { example: &'static str },
    /// A hyphenated GUID; `note` is added to the error (where to find one).
    Guid { note: &'static str },
    /// A hyphenated GUID or a DNS domain.
    GuidOrDomain { example: &'static str },
}

/// One field of a settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// The key in the file (`ModernAuth.TenantId`).
    pub key: &'static str,
    /// The form's label (`Directory (tenant) ID`).
    pub label: &'static str,
    /// The field named in a sentence (`Directory (tenant) ID`, `refresh interval`).
    pub noun: &'static str,
    /// The command line's flag without its dashes (`tenant-id`).
    pub flag: &'static str,
    /// The placeholder in the flag's help (`ID`).
    pub value_name: &'static str,
    pub kind: Kind,
    /// The flag's help line (may be empty).
    pub help: &'static str,
}

impl FieldSpec {
    /// Checks the trimmed, non-empty `text` against the field's kind. The
    /// error names the field and what it accepts.
    pub fn check(&self, text: &str) -> Result<(), String> {
        let noun = self.noun;
        let refused = match &self.kind {
            Kind::Text | Kind::Secret { .. } | Kind::Bool => None,
            Kind::Choice(choices) => canonical_choice(choices, text)
                .is_none()
                .then(|| format!("unknown {noun} {text:?}: choose {}", either(choices))),
            Kind::Number { range, unit } => parse_number(text, range).is_none().then(|| {
                format!(
                    "{noun} {text:?} must be a whole number of {unit} from {} to {}",
                    range.start(),
                    range.end()
                )
            }),
            Kind::Url { example } => parse_http_url(text).is_none().then(|| {
                format!("{noun} {text:?} is not an absolute http:// or https:// URL with a host name (e.g. {example})")
            }),
            Kind::Guid { note } => (!is_guid(text))
                .then(|| format!("{noun} {text:?} is not a GUID (8-4-4-4-12 hex digits{note})")),
            Kind::GuidOrDomain { example } => (!is_guid(text) && !is_domain(text)).then(|| {
                format!("{noun} {text:?} is neither a GUID (8-4-4-4-12 hex digits) nor a domain such as {example}")
            }),
        };
        refused.map_or(Ok(()), Err)
    }

    /// The text as written: trimmed, a choice in its own spelling.
    pub fn normalized(&self, text: &str) -> String {
        let text = text.trim();
        match &self.kind {
            Kind::Choice(choices) => canonical_choice(choices, text).unwrap_or(text),
            _ => text,
        }
        .to_owned()
    }

    pub fn is_bool(&self) -> bool {
        self.kind == Kind::Bool
    }

    pub fn is_secret(&self) -> bool {
        matches!(self.kind, Kind::Secret { .. })
    }
}

/// A field's new value in a change, as the command line or the editor gives it.
#[derive(Debug, Clone)]
pub enum FieldValue {
    Text(String),
    Toggle(bool),
    /// A newly typed secret, sealed under each node's own key on save.
    Password(SecretString),
}

impl FieldValue {
    /// `Key = value` for a summary; a secret only says it is new.
    pub fn describe(&self, key: &str) -> String {
        match self {
            FieldValue::Text(t) => format!("{key} = {t}"),
            FieldValue::Toggle(on) => format!("{key} = {}", u8::from(*on)),
            FieldValue::Password(_) => format!("{key} = (new password, sealed per node)"),
        }
    }
}

/// A stored secret: none, sealed in the file, or newly typed (sealed on save).
#[derive(Clone, Default)]
pub enum Secret {
    #[default]
    None,
    /// The sealed text as stored (`v1:...`).
    Sealed(String),
    New(SecretString),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Secret::None => "None",
            Secret::Sealed(_) => "Sealed(..)",
            Secret::New(_) => "New(..)",
        })
    }
}

impl Secret {
    /// Whether a secret is stored or typed.
    pub fn is_set(&self) -> bool {
        !matches!(self, Secret::None)
    }
}

/// `1` or `true` (any case), surrounding whitespace ignored.
pub fn toggle_on(text: &str) -> bool {
    let text = text.trim();
    text == "1" || text.eq_ignore_ascii_case("true")
}

/// The choice `text` names (case-insensitively), in its own spelling.
pub fn canonical_choice(choices: &[&'static str], text: &str) -> Option<&'static str> {
    let text = text.trim();
    choices
        .iter()
        .copied()
        .find(|c| c.eq_ignore_ascii_case(text))
}

/// `A or B` for two choices, `one of A, B, C` for more.
fn either(choices: &[&str]) -> String {
    match choices {
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", choices.join(", ")),
    }
}

/// A whole number (digits only, leading zeros allowed) in `range`.
pub fn parse_number(text: &str, range: &RangeInclusive<u32>) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // More significant digits than u32 holds are out of any range anyway.
    let significant = text.trim_start_matches('0');
    let n = match significant {
        "" => 0,
        _ if significant.len() > 9 => return None,
        _ => significant.parse::<u32>().ok()?,
    };
    range.contains(&n).then_some(n)
}

/// A hyphenated GUID: 8-4-4-4-12 hex digits.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A DNS domain such as `contoso.onmicrosoft.com`: at least two labels of
/// letters, digits and inner hyphens, the last one alphabetic.
pub fn is_domain(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()));
    text.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind) -> FieldSpec {
        FieldSpec {
            key: "K",
            label: "K",
            noun: "thing",
            flag: "k",
            value_name: "V",
            kind,
            help: "",
        }
    }

    #[test]
    fn guid_shape() {
        assert!(is_guid("00000000-0000-0000-0000-000000000000"));
        assert!(is_guid("ABCDEF01-abcd-EF01-2345-6789abcdef01"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000"));
        assert!(!is_guid("00000000-0000-0000-0000-0000000000000"));
        assert!(!is_guid("0000000-00000-0000-0000-000000000000"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000g"));
        assert!(!is_guid("00000000_0000_0000_0000_000000000000"));
    }

    #[test]
    fn domain_shape() {
        assert!(is_domain("contoso.onmicrosoft.com"));
        assert!(is_domain("a-b.c1.io"));
        assert!(!is_domain("localhost"));
        assert!(!is_domain("contoso.c0m"));
        assert!(!is_domain(&format!("{}.com", "a".repeat(64))));
        assert!(!is_domain("contosö.com"));
    }

    #[test]
    fn number_bounds() {
        let range = 1..=86400;
        assert_eq!(parse_number("1", &range), Some(1));
        assert_eq!(parse_number("000086400", &range), Some(86400));
        assert_eq!(parse_number("86401", &range), None);
        assert_eq!(parse_number("0000", &range), None);
        assert_eq!(parse_number("4294967296", &range), None);
        assert_eq!(parse_number("", &range), None);
        let field = spec(Kind::Number {
            range,
            unit: "seconds",
        });
        let err = field.check("0").unwrap_err();
        assert_eq!(
            err,
            "thing \"0\" must be a whole number of seconds from 1 to 86400"
        );
    }

    #[test]
    fn choices_are_matched_in_any_case_and_written_as_spelled() {
        let field = spec(Kind::Choice(&["Exchange", "Office365"]));
        assert_eq!(field.normalized(" office365 "), "Office365");
        assert_eq!(field.check("EXCHANGE"), Ok(()));
        assert_eq!(
            field.check("gmail").unwrap_err(),
            "unknown thing \"gmail\": choose Exchange or Office365"
        );
        let three = spec(Kind::Choice(&["A", "B", "C"]));
        assert!(
            three
                .check("d")
                .unwrap_err()
                .ends_with("choose one of A, B, C")
        );
    }

    #[test]
    fn each_kind_refuses_what_it_does_not_take() {
        assert!(spec(Kind::Url { example: "e" }).check("mail.x/y").is_err());
        assert!(
            spec(Kind::Url { example: "e" })
                .check("https://m.x/y")
                .is_ok()
        );
        assert!(spec(Kind::Guid { note: "" }).check("contoso.com").is_err());
        let tenant = spec(Kind::GuidOrDomain { example: "e" });
        assert!(tenant.check("contoso.com").is_ok());
        assert!(tenant.check("not a tenant").is_err());
        assert!(spec(Kind::Text).check("anything").is_ok());
    }

    #[test]
    fn a_secret_never_shows_in_debug() {
        let typed = Secret::New(SecretString::from("hunter2"));
        assert_eq!(format!("{typed:?}"), "New(..)");
        assert_eq!(
            format!("{:?}", Secret::Sealed("v1:a:b".into())),
            "Sealed(..)"
        );
    }
}
