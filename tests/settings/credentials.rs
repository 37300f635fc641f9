//! The Cloud services credential store: JSON format, sealing and binding of
//! the secrets, validation, and errors that never carry secret material.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use ucsconf::settings::credentials::{FORMAT_VERSION, ProxySettings, Store};
use ucsconf::settings::seal::{NodeKey, SealError};
use ucsconf::{Error, ErrorClass};

const CLIENT_ID: &str = "3f2a9c1e-7b4d-4e21-9a0f-1c2d3e4f5a6b";
const SECRET: &str = "Sup3r-S3cret~value";
const PROXY_PW: &str = "pr0xy-pa55";

fn secret(text: &str) -> SecretString {
    SecretString::from(text)
}

fn saved(key: &NodeKey) -> Store {
    let mut store = Store::default();
    store
        .save_credentials(key, CLIENT_ID, &secret(SECRET))
        .unwrap();
    store
}

fn json_of(store: &Store) -> Value {
    serde_json::from_slice(&store.to_bytes()).unwrap()
}

fn parse_value(value: &Value) -> Result<Store, Error> {
    Store::parse(value.to_string().as_bytes())
}

fn invalid_message(result: Result<(), Error>) -> String {
    match result {
        Err(e @ Error::Invalid(_)) => {
            assert_eq!(e.class(), ErrorClass::Invalid);
            e.to_string()
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn parse_error(bytes: &[u8]) -> String {
    match Store::parse(bytes) {
        Err(e) => {
            assert_eq!(e.class(), ErrorClass::Failed, "{e}");
            e.to_string()
        }
        Ok(store) => panic!("{:?} parsed as {store:?}", String::from_utf8_lossy(bytes)),
    }
}

#[test]
fn empty_store_says_no_credentials() {
    let store = Store::default();
    assert_eq!(store.status_line(), "No credentials saved");
    assert_eq!(store.client_id(), None);
    assert!(store.is_empty());
    assert!(store.open_secret(&NodeKey::generate()).unwrap().is_none());
    assert_eq!(store.proxy(), None);
}

#[test]
fn saved_credentials_show_the_client_id_and_open_with_the_key() {
    let key = NodeKey::generate();
    let store = saved(&key);
    assert_eq!(
        store.status_line(),
        format!("Credentials saved using Client ID: {CLIENT_ID}")
    );
    assert_eq!(store.client_id(), Some(CLIENT_ID));
    assert!(!store.is_empty());
    let opened = store.open_secret(&key).unwrap().unwrap();
    assert_eq!(opened.expose_secret(), SECRET);
}

#[test]
fn json_holds_version_client_id_and_sealed_secret_only() {
    let key = NodeKey::generate();
    let store = saved(&key);
    let bytes = store.to_bytes();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.ends_with("}\n"), "{text}");
    assert!(text.contains("\n  \"version\": 1"), "not pretty: {text}");
    assert!(!text.contains(SECRET));
    assert!(!text.contains(&BASE64.encode(SECRET)));
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(value["version"], json!(FORMAT_VERSION));
    assert_eq!(value["client_id"], json!(CLIENT_ID));
    let sealed = value["secret"].as_str().unwrap();
    assert!(sealed.starts_with("v1:"), "{sealed}");
    assert_eq!(value.as_object().unwrap().len(), 3);
}

#[test]
fn store_round_trips_through_its_bytes() {
    let key = NodeKey::generate();
    let mut store = saved(&key);
    store
        .set_proxy(
            &key,
            Some((
                "http://proxy.corp.local:3128",
                Some("svc"),
                Some(&secret(PROXY_PW)),
            )),
        )
        .unwrap();
    let back = Store::parse(&store.to_bytes()).unwrap();
    assert_eq!(back, store);
    assert_eq!(back.to_bytes(), store.to_bytes());
    assert_eq!(
        back.open_secret(&key).unwrap().unwrap().expose_secret(),
        SECRET
    );
    assert_eq!(
        back.open_proxy_password(&key)
            .unwrap()
            .unwrap()
            .expose_secret(),
        PROXY_PW
    );
}

#[test]
fn a_byte_order_mark_is_tolerated() {
    let key = NodeKey::generate();
    let store = saved(&key);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(store.to_bytes());
    assert_eq!(Store::parse(&bytes).unwrap(), store);
}

#[test]
fn each_save_seals_afresh() {
    let key = NodeKey::generate();
    let a = json_of(&saved(&key));
    let b = json_of(&saved(&key));
    assert_ne!(a["secret"], b["secret"]);
}

#[test]
fn swapping_the_client_id_in_the_file_breaks_the_secret() {
    let key = NodeKey::generate();
    let mut value = json_of(&saved(&key));
    value["client_id"] = json!("00000000-0000-0000-0000-000000000000");
    let store = parse_value(&value).unwrap();
    assert!(matches!(store.open_secret(&key), Err(SealError::Decrypt)));
}

#[test]
fn a_secret_moved_from_another_store_does_not_open() {
    let key = NodeKey::generate();
    let mut other = Store::default();
    other
        .save_credentials(&key, "other-client", &secret("other secret"))
        .unwrap();
    let mut value = json_of(&saved(&key));
    value["secret"] = json_of(&other)["secret"].clone();
    let store = parse_value(&value).unwrap();
    assert!(matches!(store.open_secret(&key), Err(SealError::Decrypt)));
}

#[test]
fn another_key_does_not_open_the_secret() {
    let store = saved(&NodeKey::generate());
    assert!(matches!(
        store.open_secret(&NodeKey::generate()),
        Err(SealError::Decrypt)
    ));
}

#[test]
fn client_id_is_validated() {
    let key = NodeKey::generate();
    let s = secret(SECRET);
    let cases: [(&str, &str); 6] = [
        ("", "empty"),
        ("   ", "empty"),
        ("3f2a 9c1e", "whitespace"),
        ("3f2a\t9c1e", "whitespace"),
        ("3f2a\u{1b}[2J", "control character"),
        ("abc\u{7f}", "control character"),
    ];
    for (id, why) in cases {
        let mut store = Store::default();
        let msg = invalid_message(store.save_credentials(&key, id, &s));
        assert!(msg.contains(why), "{id:?}: {msg}");
        assert!(store.is_empty(), "{id:?} changed the store");
    }
    let mut store = Store::default();
    let msg = invalid_message(store.save_credentials(&key, &"a".repeat(257), &s));
    assert!(msg.contains("256"), "{msg}");
    store.save_credentials(&key, &"a".repeat(256), &s).unwrap();
}

#[test]
fn client_id_is_trimmed_and_secret_kept_exactly() {
    let key = NodeKey::generate();
    let mut store = Store::default();
    store
        .save_credentials(&key, "  my-client\n", &secret(" padded secret "))
        .unwrap();
    assert_eq!(store.client_id(), Some("my-client"));
    assert_eq!(
        store.open_secret(&key).unwrap().unwrap().expose_secret(),
        " padded secret "
    );
}

#[test]
fn empty_secret_is_refused_and_the_old_one_kept() {
    let key = NodeKey::generate();
    let mut store = saved(&key);
    for empty in ["", "  "] {
        let msg = invalid_message(store.save_credentials(&key, "new-id", &secret(empty)));
        assert!(msg.contains("secret is empty"), "{msg}");
    }
    assert_eq!(store.client_id(), Some(CLIENT_ID));
}

#[test]
fn validation_errors_never_echo_the_secret() {
    let key = NodeKey::generate();
    let mut store = Store::default();
    let msg = invalid_message(store.save_credentials(&key, "bad id", &secret(SECRET)));
    assert!(!msg.contains(SECRET));
}

#[test]
fn forget_removes_credentials_but_keeps_the_proxy() {
    let key = NodeKey::generate();
    let mut store = saved(&key);
    store
        .set_proxy(&key, Some(("http://proxy:3128", None, None)))
        .unwrap();
    store.forget_credentials();
    assert_eq!(store.status_line(), "No credentials saved");
    assert!(store.open_secret(&key).unwrap().is_none());
    assert!(!store.is_empty());
    assert_eq!(store.proxy().unwrap().url, "http://proxy:3128");
    let value = json_of(&store);
    assert!(value.get("client_id").is_none() && value.get("secret").is_none());
    store.set_proxy(&key, None).unwrap();
    assert!(store.is_empty());
}

#[test]
fn proxy_with_user_and_password() {
    let key = NodeKey::generate();
    let mut store = Store::default();
    store
        .set_proxy(
            &key,
            Some((
                " https://proxy.corp.local:3128/ ",
                Some("svc-proxy"),
                Some(&secret(PROXY_PW)),
            )),
        )
        .unwrap();
    assert_eq!(
        store.proxy(),
        Some(ProxySettings {
            url: "https://proxy.corp.local:3128/".to_owned(),
            user: Some("svc-proxy".to_owned()),
            has_password: true,
        })
    );
    let text = String::from_utf8(store.to_bytes()).unwrap();
    assert!(!text.contains(PROXY_PW), "{text}");
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["proxy"]["user"], json!("svc-proxy"));
    assert!(
        value["proxy"]["password"]
            .as_str()
            .unwrap()
            .starts_with("v1:")
    );
    let shown = format!("{store:?}");
    assert!(
        !shown.contains(PROXY_PW) && !shown.contains(value["proxy"]["password"].as_str().unwrap())
    );
}

#[test]
fn proxy_password_is_bound_to_the_proxy_url() {
    let key = NodeKey::generate();
    let mut store = Store::default();
    store
        .set_proxy(
            &key,
            Some(("http://proxy-a:3128", None, Some(&secret(PROXY_PW)))),
        )
        .unwrap();
    let mut value = json_of(&store);
    value["proxy"]["url"] = json!("http://evil:3128");
    let moved = parse_value(&value).unwrap();
    assert!(matches!(
        moved.open_proxy_password(&key),
        Err(SealError::Decrypt)
    ));
}

#[test]
fn proxy_password_kept_cleared_or_asked_again() {
    let key = NodeKey::generate();
    let mut store = Store::default();
    store
        .set_proxy(
            &key,
            Some(("http://proxy:3128", Some("a"), Some(&secret(PROXY_PW)))),
        )
        .unwrap();
    // Same URL, no password given: kept (the user may change).
    store
        .set_proxy(&key, Some(("http://proxy:3128", Some("b"), None)))
        .unwrap();
    assert_eq!(
        store
            .open_proxy_password(&key)
            .unwrap()
            .unwrap()
            .expose_secret(),
        PROXY_PW
    );
    assert_eq!(store.proxy().unwrap().user.as_deref(), Some("b"));
    // Another URL without a password: refused, nothing changed.
    let msg = invalid_message(store.set_proxy(&key, Some(("http://other:3128", Some("b"), None))));
    assert!(msg.contains("password again"), "{msg}");
    assert_eq!(store.proxy().unwrap().url, "http://proxy:3128");
    // An empty password clears it.
    store
        .set_proxy(&key, Some(("http://other:3128", None, Some(&secret("")))))
        .unwrap();
    assert_eq!(
        store.proxy(),
        Some(ProxySettings {
            url: "http://other:3128".to_owned(),
            user: None,
            has_password: false,
        })
    );
    assert!(store.open_proxy_password(&key).unwrap().is_none());
    // Without a stored password another URL is fine.
    store
        .set_proxy(&key, Some(("http://third:8080", None, None)))
        .unwrap();
    assert_eq!(store.proxy().unwrap().url, "http://third:8080");
}

#[test]
fn proxy_url_and_user_are_validated() {
    let key = NodeKey::generate();
    let pw = secret(PROXY_PW);
    for (url, why) in [
        ("proxy:3128", "http://host"),
        ("socks5://proxy:1080", "http://host"),
        ("http://", "http://host"),
        ("http://proxy:3128/path", "no path"),
        ("http://proxy:3128/?x=1", "no path"),
        ("http://user:pw@proxy:3128", "must not contain a user"),
        ("http://proxy:70000", "http://host"),
    ] {
        let mut store = Store::default();
        let msg = invalid_message(store.set_proxy(&key, Some((url, None, Some(&pw)))));
        assert!(msg.contains(why), "{url}: {msg}");
        assert!(!msg.contains(PROXY_PW));
        assert!(store.is_empty());
    }
    let mut store = Store::default();
    let msg = invalid_message(store.set_proxy(&key, Some(("http://p:1", Some("sv\nc"), None))));
    assert!(msg.contains("control"), "{msg}");
    store
        .set_proxy(&key, Some(("http://p:1", Some("  "), None)))
        .unwrap();
    assert_eq!(store.proxy().unwrap().user, None);
}

#[test]
fn foreign_or_broken_files_are_refused_without_quoting_them() {
    let key = NodeKey::generate();
    let good = json_of(&saved(&key));
    let with = |path: &[&str], v: Value| {
        let mut value = good.clone();
        let mut target = &mut value;
        for p in &path[..path.len() - 1] {
            target = &mut target[*p];
        }
        target[path[path.len() - 1]] = v;
        value.to_string().into_bytes()
    };
    let without = |field: &str| {
        let mut value = good.clone();
        value.as_object_mut().unwrap().remove(field);
        value.to_string().into_bytes()
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "not valid JSON"),
        (
            b"{\"version\": 1, \"secret\": \"hunter2".to_vec(),
            "not valid JSON",
        ),
        (b"[1]".to_vec(), "not a JSON object"),
        (without("version"), "\"version\" is missing"),
        (with(&["version"], json!(2)), "version 2 is not supported"),
        (with(&["version"], json!("1")), "version"),
        (with(&["extra"], json!("hunter2")), "unknown field"),
        (without("secret"), "without \"secret\""),
        (without("client_id"), "without \"client_id\""),
        (
            with(&["secret"], json!("hunter2")),
            "\"secret\" is not a sealed value",
        ),
        (with(&["secret"], json!(42)), "\"secret\" is not a string"),
        (with(&["client_id"], json!("a b")), "whitespace"),
        (
            with(&["proxy"], json!("hunter2")),
            "\"proxy\" is not an object",
        ),
        (
            with(&["proxy"], json!({"user": "x"})),
            "\"proxy.url\" is missing",
        ),
        (with(&["proxy"], json!({"url": "ftp://x"})), "proxy.url"),
        (
            with(
                &["proxy"],
                json!({"url": "http://x:1", "password": "hunter2"}),
            ),
            "\"proxy.password\" is not a sealed value",
        ),
        (
            with(&["proxy"], json!({"url": "http://x:1", "pass": "hunter2"})),
            "unknown field proxy.",
        ),
    ];
    for (bytes, why) in cases {
        let msg = parse_error(&bytes);
        assert!(
            msg.contains(why),
            "{}: {msg}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(!msg.contains("hunter2"), "the error quotes the file: {msg}");
    }
}

#[test]
fn null_fields_count_as_absent() {
    let bytes = br#"{"version": 1, "client_id": null, "secret": null, "proxy": null}"#;
    assert!(Store::parse(bytes).unwrap().is_empty());
}
