//! Known Presence.ini keys: lookup, documentation and validation.

use ucsconf::settings::presence::{KNOWN_KEYS, ValueKind, known_key, normalize, validate};

#[test]
fn webex_presence_is_known_with_its_documented_meaning() {
    let k = known_key("webexpresence.enable").expect("known");
    assert_eq!(k.key, "WebexPresence.Enable");
    assert_eq!(k.section, "Webex");
    assert_eq!(k.kind, ValueKind::Bool01);
    assert_eq!(k.default, "0");
    assert!(
        k.help.starts_with(
            "Webex Calling presence retrieval. 0 = off (default), 1 = on. \
Needs the Webex tokens authorised for the customer's organization."
        ),
        "{}",
        k.help
    );
}

#[test]
fn teams_and_winning_technology_are_known() {
    let teams = known_key(" MSTEAMSPRESENCE.ENABLE ").expect("known");
    assert_eq!(
        (teams.section, teams.kind, teams.default),
        ("MSTeams", ValueKind::Bool01, "0")
    );
    assert!(teams.help.contains("Imagicle Cloud"));
    let win = known_key("RichPresence.WinningTechnology").expect("known");
    assert_eq!(win.section, "RichPresence");
    let ValueKind::Choice(choices) = win.kind else {
        panic!("{:?}", win.kind)
    };
    for c in ["Jabber", "Webex", "MSTeams"] {
        assert!(choices.contains(&c), "{c}");
    }
}

#[test]
fn unknown_keys_are_not_known() {
    assert_eq!(known_key("WebexPresence.Enabled"), None);
    assert_eq!(known_key(""), None);
}

#[test]
fn keys_are_unique_and_documented() {
    for (i, a) in KNOWN_KEYS.iter().enumerate() {
        assert!(a.help.len() > 40, "{} needs real help", a.key);
        assert!(!a.section.is_empty() && !a.title.is_empty());
        for b in &KNOWN_KEYS[i + 1..] {
            assert!(!a.key.eq_ignore_ascii_case(b.key), "{} twice", a.key);
        }
    }
}

#[test]
fn bool_keys_take_zero_or_one() {
    for key in ["WebexPresence.Enable", "mstEAMSpresence.enable"] {
        assert_eq!(validate(key, "0"), Ok(()));
        assert_eq!(validate(key, "1"), Ok(()));
        assert_eq!(normalize(key, " 1 "), Ok("1".to_owned()));
        for bad in ["2", "on", "true", "", "01", "-1"] {
            let err = validate(key, bad).unwrap_err();
            assert!(err.contains("0 (off) or 1 (on)"), "{bad}: {err}");
        }
    }
}

#[test]
fn choices_match_any_case_and_are_written_as_documented() {
    let key = "RichPresence.WinningTechnology";
    assert_eq!(normalize(key, "msteams"), Ok("MSTeams".to_owned()));
    assert_eq!(validate(key, "WEBEX"), Ok(()));
    let err = validate(key, "Skype").unwrap_err();
    assert!(
        err.contains("\"Skype\"") && err.contains("Jabber, Webex, MSTeams"),
        "{err}"
    );
}

#[test]
fn unknown_keys_take_any_single_line() {
    assert_eq!(validate("LogLevel", "Info"), Ok(()));
    assert_eq!(validate("Anything", ""), Ok(()));
    assert_eq!(validate("Anything", "a = b ; c"), Ok(()));
    for bad in ["a\nb", "a\r\nb", "x\r"] {
        assert!(validate("Anything", bad).is_err(), "{bad:?}");
        assert!(validate("WebexPresence.Enable", bad).is_err(), "{bad:?}");
    }
}
