//! Calendar.ini settings: every error and warning of SPEC §4 provoked on its
//! own, the order of warnings, reading from and writing back to `[Calendar]`.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use ucsconf::settings::calendar::{
    CalendarSettings, EXCHANGE_VERSIONS, Field, Finding, NOT_SET, PASSWORD_AAD, Password, Provider,
    Report, Severity,
};
use ucsconf::settings::seal::{self, NodeKey};

const TENANT: &str = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";
const CLIENT: &str = "9f8e7d6c-5b4a-4321-8fed-cba987654321";
const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";

/// Settings as read from a `[Calendar]` section with these keys.
fn from(pairs: &[(&str, &str)]) -> CalendarSettings {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_lowercase(), (*v).to_owned()))
        .collect();
    CalendarSettings::from_lookup(|key| map.get(&key.to_lowercase()).cloned())
}

fn exchange() -> CalendarSettings {
    from(&[
        ("Provider", "Exchange"),
        ("ExchangeVersion", "Exchange2013_SP1"),
        ("EwsUrl", EWS),
        ("RefreshIntervalSeconds", "300"),
    ])
}

fn office365_modern() -> CalendarSettings {
    from(&[
        ("Provider", "Office365"),
        ("ModernAuth", "1"),
        ("ModernAuth.TenantId", TENANT),
        ("ModernAuth.ClientId", CLIENT),
    ])
}

fn office365_basic() -> CalendarSettings {
    from(&[
        ("Provider", "Office365"),
        ("BasicAuth", "1"),
        ("BasicAuth.Username", "svc-cal@contoso.com"),
        (
            "BasicAuth.Password",
            "v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==",
        ),
    ])
}

/// The single error of a report, checked to be tied to `field`.
fn only_error(settings: &CalendarSettings, field: Field) -> Finding {
    let report = settings.validate();
    assert_eq!(report.errors.len(), 1, "{report:#?}");
    let error = report.errors[0].clone();
    assert_eq!(error.severity, Severity::Error);
    assert_eq!(error.field, Some(field), "{error:?}");
    error
}

fn warnings(report: &Report) -> Vec<&str> {
    report.warnings.iter().map(|w| w.message.as_str()).collect()
}

const O365_RETIREMENT: &str = "October 2026";

// ---- valid baselines ----

#[test]
fn complete_exchange_settings_are_clean() {
    assert_eq!(exchange().validate(), Report::default());
}

#[test]
fn office365_with_modern_auth_only_warns_of_the_retirement() {
    let report = office365_modern().validate();
    assert!(report.errors.is_empty(), "{report:#?}");
    assert_eq!(report.warnings.len(), 1);
    let w = &report.warnings[0];
    assert_eq!(w.severity, Severity::Warning);
    assert!(
        w.message.contains(O365_RETIREMENT) && w.message.contains("April 2027"),
        "{w:?}"
    );
    assert!(report.is_ok());
}

#[test]
fn nothing_set_is_an_empty_report() {
    assert_eq!(CalendarSettings::default().validate(), Report::default());
    assert_eq!(from(&[("Provider", "  ")]).validate(), Report::default());
}

// ---- errors, one at a time ----

#[test]
fn unknown_provider_lists_the_valid_ones() {
    let e = only_error(&from(&[("Provider", "Gmail")]), Field::Provider);
    assert!(e.message.contains("\"Gmail\""), "{e:?}");
    assert!(
        e.message.contains("Exchange") && e.message.contains("Office365"),
        "{e:?}"
    );
}

#[test]
fn no_provider_with_other_keys_set_is_an_error() {
    for settings in [
        from(&[("EwsUrl", EWS)]),
        from(&[("RefreshIntervalSeconds", "60")]),
        from(&[("ModernAuth", "1")]),
        from(&[("BasicAuth.Password", "v1:x:y")]),
    ] {
        let e = only_error(&settings, Field::Provider);
        assert!(e.message.contains("no provider chosen"), "{e:?}");
    }
}

#[test]
fn unknown_exchange_version_lists_the_valid_ones() {
    let mut s = exchange();
    s.set_text(Field::ExchangeVersion, Some("Exchange2016".into()));
    let e = only_error(&s, Field::ExchangeVersion);
    assert!(e.message.contains("\"Exchange2016\""));
    for v in EXCHANGE_VERSIONS {
        assert!(e.message.contains(v), "{v} missing from {e:?}");
    }
}

#[test]
fn ews_url_must_be_absolute_http_with_a_host() {
    for url in [
        "mail.contoso.com/EWS/Exchange.asmx",
        "/EWS/Exchange.asmx",
        "ftp://mail.contoso.com/EWS/Exchange.asmx",
        "https:///EWS/Exchange.asmx",
        "https://mail contoso.com/EWS/Exchange.asmx",
        "https://mail.contoso.com:notaport/EWS/Exchange.asmx",
    ] {
        let mut s = exchange();
        s.set_text(Field::EwsUrl, Some(url.into()));
        let e = only_error(&s, Field::EwsUrl);
        assert!(e.message.contains("absolute"), "{url}: {e:?}");
    }
}

#[test]
fn refresh_interval_must_be_whole_seconds_in_range() {
    for bad in [
        "0",
        "86401",
        "-5",
        "+5",
        "1.5",
        "1e3",
        "abc",
        "99999999999999999999",
        "6 0",
    ] {
        for mut s in [exchange(), office365_modern()] {
            s.set_text(Field::RefreshSecs, Some(bad.into()));
            let e = only_error(&s, Field::RefreshSecs);
            assert!(e.message.contains("1 to 86400"), "{bad}: {e:?}");
        }
    }
    for good in ["1", "86400", " 60 ", "0300"] {
        let mut s = exchange();
        s.set_text(Field::RefreshSecs, Some(good.into()));
        assert!(s.validate().errors.is_empty(), "{good}");
    }
}

#[test]
fn office365_needs_an_authentication() {
    let e = only_error(&from(&[("Provider", "Office365")]), Field::ModernAuth);
    assert!(e.message.contains("basic or modern"), "{e:?}");
}

#[test]
fn modern_auth_needs_a_tenant() {
    let mut s = office365_modern();
    s.set_text(Field::TenantId, None);
    let e = only_error(&s, Field::TenantId);
    assert!(e.message.contains("Directory (tenant) ID"), "{e:?}");
}

#[test]
fn tenant_must_be_a_guid_or_a_domain() {
    for bad in [
        "contoso",
        "not a guid",
        "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6",
        "1a2b3c4d5e6f4a8b9c0d1e2f3a4b5c6d",
        "{1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d}",
        "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6g",
        "contoso.123",
        "contoso.c",
        "-contoso.com",
        "contoso-.com",
        "con_toso.com",
        "contoso..com",
        "contoso.com.",
        "https://contoso.com",
    ] {
        let mut s = office365_modern();
        s.set_text(Field::TenantId, Some(bad.into()));
        let e = only_error(&s, Field::TenantId);
        assert!(e.message.contains("neither a GUID"), "{bad}: {e:?}");
    }
    for good in [
        TENANT,
        &TENANT.to_uppercase(),
        "contoso.onmicrosoft.com",
        "contoso.com",
        "my-org2.co.uk",
    ] {
        let mut s = office365_modern();
        s.set_text(Field::TenantId, Some(good.into()));
        assert!(s.validate().errors.is_empty(), "{good}");
    }
}

#[test]
fn modern_auth_needs_a_client_id() {
    let mut s = office365_modern();
    s.set_text(Field::ClientId, None);
    let e = only_error(&s, Field::ClientId);
    assert!(e.message.contains("Application (client) ID"), "{e:?}");
}

#[test]
fn client_id_must_be_a_guid() {
    for bad in [
        "contoso.onmicrosoft.com",
        "9f8e7d6c",
        "9f8e7d6c-5b4a-4321-8fed-cba98765432x",
    ] {
        let mut s = office365_modern();
        s.set_text(Field::ClientId, Some(bad.into()));
        let e = only_error(&s, Field::ClientId);
        assert!(e.message.contains("not a GUID"), "{bad}: {e:?}");
    }
    let mut s = office365_modern();
    s.set_text(Field::ClientId, Some(CLIENT.to_uppercase()));
    assert!(s.validate().errors.is_empty());
}

#[test]
fn basic_auth_needs_a_username() {
    let mut s = office365_basic();
    s.set_text(Field::Username, Some("   ".into()));
    let e = only_error(&s, Field::Username);
    assert!(e.message.contains("username"), "{e:?}");
}

#[test]
fn basic_auth_needs_a_password() {
    let mut s = office365_basic();
    s.set_secret(Field::Password, Password::None);
    let e = only_error(&s, Field::Password);
    assert!(e.message.contains("password"), "{e:?}");
}

#[test]
fn errors_come_in_field_order_all_at_once() {
    let s = from(&[
        ("Provider", "Office365"),
        ("RefreshIntervalSeconds", "0"),
        ("BasicAuth", "1"),
        ("ModernAuth", "1"),
    ]);
    let fields: Vec<_> = s.validate().errors.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            Some(Field::RefreshSecs),
            Some(Field::Username),
            Some(Field::Password),
            Some(Field::TenantId),
            Some(Field::ClientId),
        ]
    );
}

// ---- only the chosen provider's fields ----

#[test]
fn exchange_ignores_office365_fields() {
    let mut s = exchange();
    s.set_on(Field::BasicAuth, true);
    s.set_on(Field::ModernAuth, true);
    s.set_text(Field::TenantId, Some("garbage".into()));
    assert_eq!(s.validate(), Report::default());
}

#[test]
fn office365_ignores_exchange_fields() {
    let mut s = office365_modern();
    s.set_text(Field::ExchangeVersion, Some("Exchange1999".into()));
    s.set_text(Field::EwsUrl, Some("http://not a url".into()));
    let report = s.validate();
    assert!(report.errors.is_empty(), "{report:#?}");
    assert_eq!(report.warnings.len(), 1);
}

#[test]
fn turned_off_authentication_is_not_checked() {
    let mut s = office365_modern();
    s.set_text(Field::Username, Some(String::new()));
    s.set_secret(Field::Password, Password::None);
    assert!(s.validate().errors.is_empty());
    let mut s = office365_basic();
    s.set_text(Field::TenantId, Some("bad".into()));
    assert!(s.validate().errors.is_empty());
}

// ---- warnings, one at a time and in order ----

#[test]
fn both_authentications_warn_first_with_the_vendor_words() {
    let mut s = office365_modern();
    s.set_on(Field::BasicAuth, true);
    s.set_text(Field::Username, Some("svc".into()));
    s.set_secret(Field::Password, Password::Sealed("v1:x:y".into()));
    let report = s.validate();
    assert!(report.errors.is_empty(), "{report:#?}");
    let w = warnings(&report);
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(
        w[0].starts_with("Both basic and modern authentication are enabled"),
        "{w:#?}"
    );
    assert!(w[1].contains("October 2022"), "{w:#?}");
    assert!(w[2].contains(O365_RETIREMENT), "{w:#?}");
}

#[test]
fn basic_authentication_warns_of_its_end() {
    let report = office365_basic().validate();
    assert!(report.errors.is_empty(), "{report:#?}");
    let w = warnings(&report);
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(w[0].contains("Basic authentication") && w[0].contains("October 2022"));
    assert!(w[1].contains(O365_RETIREMENT));
    assert_eq!(report.warnings[0].field, Some(Field::BasicAuth));
}

#[test]
fn plain_http_ews_url_warns() {
    let mut s = exchange();
    s.set_text(
        Field::EwsUrl,
        Some("HTTP://mail.contoso.com/EWS/Exchange.asmx".into()),
    );
    let report = s.validate();
    assert!(report.errors.is_empty());
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(w[0].contains("http://") && w[0].contains("clear"), "{w:?}");
    assert_eq!(report.warnings[0].field, Some(Field::EwsUrl));
}

#[test]
fn ews_path_must_end_in_exchange_asmx() {
    for url in [
        "https://mail.contoso.com/",
        "https://mail.contoso.com",
        "https://mail.contoso.com/EWS/Exchange.asmx/extra",
        "https://mail.contoso.com/owa",
    ] {
        let mut s = exchange();
        s.set_text(Field::EwsUrl, Some(url.into()));
        let report = s.validate();
        let w = warnings(&report);
        assert_eq!(w.len(), 1, "{url}: {w:#?}");
        assert!(w[0].contains("/EWS/Exchange.asmx"), "{w:?}");
    }
    for url in [
        "https://mail.contoso.com/ews/exchange.ASMX",
        "https://mail.contoso.com:8443/EWS/Exchange.asmx?x=1",
        "https://mail.contoso.com/proxy/EWS/Exchange.asmx",
    ] {
        let mut s = exchange();
        s.set_text(Field::EwsUrl, Some(url.into()));
        assert_eq!(s.validate(), Report::default(), "{url}");
    }
}

#[test]
fn http_warning_comes_before_the_path_warning() {
    let mut s = exchange();
    s.set_text(Field::EwsUrl, Some("http://mail.contoso.com/owa".into()));
    let w = warnings(&s.validate()).join("\n");
    let http = w.find("clear").unwrap();
    let path = w.find("does not end").unwrap();
    assert!(http < path, "{w}");
}

#[test]
fn exchange_missing_url_or_version_is_only_a_warning() {
    let s = from(&[("Provider", "exchange")]);
    let report = s.validate();
    assert!(report.errors.is_empty(), "{report:#?}");
    let fields: Vec<_> = report.warnings.iter().map(|w| w.field).collect();
    assert_eq!(fields, [Some(Field::ExchangeVersion), Some(Field::EwsUrl)]);
    assert!(
        report
            .warnings
            .iter()
            .all(|w| w.message.contains("not set yet"))
    );
    let mut s = exchange();
    s.set_text(Field::ExchangeVersion, None);
    assert_eq!(warnings(&s.validate()).len(), 1);
}

// ---- case-insensitivity ----

#[test]
fn provider_and_version_match_any_case() {
    assert_eq!(Provider::parse(" OFFICE365 "), Some(Provider::Office365));
    assert_eq!(Provider::parse("exchange"), Some(Provider::Exchange));
    assert_eq!(Provider::parse("Office 365"), None);
    let s = from(&[
        ("provider", "EXCHANGE"),
        ("exchangeversion", "exchange2010_sp2"),
        ("EWSURL", EWS),
    ]);
    assert_eq!(s.validate(), Report::default());
    assert_eq!(s.display(Field::Provider), "Exchange");
    assert_eq!(s.display(Field::ExchangeVersion), "Exchange2010_SP2");
    let changes = s.changes(|_| None).unwrap();
    assert!(
        changes.contains(&("Provider", "Exchange".to_owned())),
        "{changes:?}"
    );
    assert!(changes.contains(&("ExchangeVersion", "Exchange2010_SP2".to_owned())));
}

#[test]
fn field_keys_and_labels() {
    let keys: Vec<_> = Field::ALL.iter().map(|f| f.key()).collect();
    assert_eq!(
        keys,
        [
            "Provider",
            "ExchangeVersion",
            "EwsUrl",
            "RefreshIntervalSeconds",
            "BasicAuth",
            "BasicAuth.Username",
            "BasicAuth.Password",
            "ModernAuth",
            "ModernAuth.TenantId",
            "ModernAuth.ClientId",
        ]
    );
    for f in Field::ALL {
        assert_eq!(Field::from_key(&f.key().to_uppercase()), Some(f));
        assert!(!f.label().is_empty());
    }
    assert_eq!(Field::EwsUrl.label(), "EWS URL");
    assert_eq!(Field::TenantId.label(), "Directory (tenant) ID");
}

// ---- reading ----

#[test]
fn toggles_read_one_or_true() {
    for (text, on) in [
        ("1", true),
        (" 1 ", true),
        ("true", true),
        ("TRUE", true),
        ("0", false),
        ("yes", false),
        ("2", false),
        ("", false),
    ] {
        let s = from(&[("BasicAuth", text), ("ModernAuth", text)]);
        assert_eq!(
            (s.on(Field::BasicAuth), s.on(Field::ModernAuth)),
            (on, on),
            "{text:?}"
        );
    }
    let s = from(&[]);
    assert!(!s.on(Field::BasicAuth) && !s.on(Field::ModernAuth));
}

#[test]
fn values_are_trimmed_and_blank_ones_unset() {
    let s = from(&[
        ("EwsUrl", "  https://x/EWS/Exchange.asmx "),
        ("ModernAuth.TenantId", "   "),
        ("BasicAuth.Password", ""),
    ]);
    assert_eq!(s.text(Field::EwsUrl), Some("https://x/EWS/Exchange.asmx"));
    assert_eq!(s.text(Field::TenantId), None);
    assert!(matches!(s.password(), Password::None));
    let s = from(&[("BasicAuth.Password", "v1:abc:def")]);
    assert!(matches!(s.password(), Password::Sealed(t) if t == "v1:abc:def"));
}

// ---- writing ----

#[test]
fn changes_write_only_set_fields_normalized() {
    let mut s = CalendarSettings::default();
    s.set_text(Field::Provider, Some("office365".into()));
    s.set_on(Field::ModernAuth, true);
    s.set_text(Field::TenantId, Some(format!(" {TENANT} ")));
    let changes = s.changes(|_| None).unwrap();
    assert_eq!(
        changes,
        [
            ("Provider", "Office365".to_owned()),
            ("ModernAuth", "1".to_owned()),
            ("ModernAuth.TenantId", TENANT.to_owned()),
        ]
    );
    // Against a file that already says so, nothing changes.
    let file: HashMap<&str, String> = changes.into_iter().collect();
    assert_eq!(s.changes(|k| file.get(k).cloned()).unwrap(), []);
    // Turning a toggle off writes 0 where it was on.
    s.set_on(Field::ModernAuth, false);
    assert_eq!(
        s.changes(|k| file.get(k).cloned()).unwrap(),
        [("ModernAuth", "0".to_owned())]
    );
}

#[test]
fn toggles_are_normalized_to_zero_and_one() {
    let s = from(&[("BasicAuth", "true"), ("ModernAuth", "false")]);
    let file = [("BasicAuth", "true"), ("ModernAuth", "false")];
    let changes = s
        .changes(|k| {
            file.iter()
                .find(|(f, _)| *f == k)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
    assert_eq!(
        changes,
        [
            ("BasicAuth", "1".to_owned()),
            ("ModernAuth", "0".to_owned())
        ]
    );
}

#[test]
fn reading_then_writing_back_changes_nothing() {
    let pairs = [
        ("Provider", "Office365"),
        ("ExchangeVersion", "Exchange2010"),
        ("EwsUrl", EWS),
        ("RefreshIntervalSeconds", "60"),
        ("BasicAuth", "1"),
        ("BasicAuth.Username", "svc"),
        ("BasicAuth.Password", "v1:abc:def"),
        ("ModernAuth", "0"),
        ("ModernAuth.TenantId", TENANT),
        ("ModernAuth.ClientId", CLIENT),
    ];
    let s = from(&pairs);
    let lookup = |k: &str| {
        pairs
            .iter()
            .find(|(f, _)| *f == k)
            .map(|(_, v)| v.to_string())
    };
    assert_eq!(s.changes(lookup).unwrap(), []);
    // And on a file without the key, an off toggle is not added.
    assert_eq!(
        from(&[("Provider", "Office365")])
            .changes(|_| None)
            .unwrap(),
        [("Provider", "Office365".to_owned())]
    );
}

#[test]
fn an_unsealed_password_is_never_written() {
    let mut s = CalendarSettings::default();
    s.set_secret(
        Field::Password,
        Password::New(SecretString::from("in clear")),
    );
    let err = s.changes(|_| None).unwrap_err();
    assert!(!err.to_string().contains("in clear"));
}

// ---- the password ----

#[test]
fn sealing_the_password_binds_it_to_the_calendar() {
    let key = NodeKey::generate();
    let mut s = office365_basic();
    s.set_secret(
        Field::Password,
        Password::New(SecretString::from("Calendar-Pa55")),
    );
    assert_eq!(
        s.open_password(&key).unwrap().unwrap().expose_secret(),
        "Calendar-Pa55"
    );
    s.seal_password(&key);
    let Password::Sealed(text) = s.password() else {
        panic!("not sealed: {:?}", s.password());
    };
    assert!(text.starts_with("v1:") && !text.contains("Calendar-Pa55"));
    let sealed = seal::Sealed::from_text(text).unwrap();
    assert!(seal::open(&key, &sealed, PASSWORD_AAD).is_ok());
    assert_eq!(
        s.open_password(&key).unwrap().unwrap().expose_secret(),
        "Calendar-Pa55"
    );
    assert!(s.open_password(&NodeKey::generate()).is_err());
    let changes = s.changes(|_| None).unwrap();
    assert!(changes.contains(&("BasicAuth.Password", text.clone())));
    // Sealing again leaves a sealed password as it is.
    let before = text.clone();
    s.seal_password(&key);
    assert!(matches!(s.password(), Password::Sealed(t) if *t == before));
}

#[test]
fn a_secret_sealed_for_another_use_does_not_open_as_the_password() {
    let key = NodeKey::generate();
    let other = seal::seal(&key, &SecretString::from("x"), b"ucsconf/cloud/v1\0id");
    let mut s = CalendarSettings::default();
    s.set_secret(Field::Password, Password::Sealed(other.to_text()));
    assert!(s.open_password(&key).is_err());
    assert_eq!(
        CalendarSettings::default()
            .open_password(&key)
            .unwrap()
            .map(|_| ()),
        None
    );
}

#[test]
fn display_shows_values_but_never_the_password() {
    let mut s = office365_basic();
    assert_eq!(s.display(Field::Password), "(set)");
    assert_eq!(s.display(Field::BasicAuth), "on");
    assert_eq!(s.display(Field::ModernAuth), "off");
    assert_eq!(s.display(Field::Username), "svc-cal@contoso.com");
    assert_eq!(s.display(Field::TenantId), NOT_SET);
    s.set_secret(
        Field::Password,
        Password::New(SecretString::from("Typed-Secret")),
    );
    assert_eq!(s.display(Field::Password), "(set)");
    let all: String = Field::ALL.iter().map(|f| s.display(*f)).collect();
    assert!(!all.contains("Typed-Secret") && !all.contains("v1:"));
    assert!(!format!("{s:?}").contains("Typed-Secret"));
    s.set_secret(Field::Password, Password::None);
    assert_eq!(s.display(Field::Password), "(not set)");
}

// ---- through a real Document (the INI engine) ----

mod document {
    use super::*;
    use ucsconf::ini::{Document, Encoding, LineEnding};

    const FILE: &str = "; calendar\r\n[Calendar]\r\nProvider = exchange\r\nEwsUrl=https://old/EWS/Exchange.asmx\r\nCustom=kept\r\n";

    #[test]
    fn reads_and_edits_the_calendar_section_minimally() {
        let mut doc = Document::parse(FILE.as_bytes()).unwrap();
        let mut s = CalendarSettings::from_document(&doc);
        assert_eq!(s.provider(), Some(Provider::Exchange));
        assert_eq!(s.text(Field::EwsUrl), Some("https://old/EWS/Exchange.asmx"));
        s.set_text(Field::EwsUrl, Some(EWS.into()));
        assert!(s.apply_to(&mut doc).unwrap());
        let text = String::from_utf8(doc.to_bytes()).unwrap();
        assert_eq!(
            text,
            format!(
                "; calendar\r\n[Calendar]\r\nProvider = Exchange\r\nEwsUrl={EWS}\r\nCustom=kept\r\n"
            )
        );
        assert!(!s.apply_to(&mut doc).unwrap());
    }

    #[test]
    fn writing_back_a_second_time_changes_nothing() {
        let mut doc = Document::parse(FILE.as_bytes()).unwrap();
        let s = CalendarSettings::from_document(&doc);
        // Provider is normalized: the only edit.
        assert!(s.apply_to(&mut doc).unwrap());
        let once = doc.to_bytes();
        assert!(
            !CalendarSettings::from_document(&doc)
                .apply_to(&mut doc)
                .unwrap()
        );
        assert_eq!(doc.to_bytes(), once);
    }

    #[test]
    fn a_refused_value_leaves_the_document_untouched() {
        let mut doc = Document::new(Encoding::Windows1252, LineEnding::CrLf);
        let before = doc.to_bytes();
        let mut s = CalendarSettings::default();
        s.set_text(Field::Provider, Some("Office365".into()));
        s.set_text(Field::Username, Some("svc-日本@contoso.com".into()));
        assert!(s.apply_to(&mut doc).is_err());
        assert_eq!(doc.to_bytes(), before);
    }
}
