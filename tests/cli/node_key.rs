//! A missing node key is never replaced silently: while values sealed with
//! it exist, a new key is refused with the values named, `doctor` says so,
//! and `--new-key` makes one only when asked, saying what is lost.

use crate::support;

use std::fs;

use secrecy::SecretString;
use support::TempRoot as Node;
use ucsconf::inventory::NodeSpec;
use ucsconf::ops::{self, KeyRule, SealedValue};
use ucsconf::settings::FormId;

const KEY: &str = "Var/Secure/ucsconf.key";
const STORE: &str = "Var/Secure/CloudServices.json";
const CALENDAR: &str = "Apps/AttendantConsole/Settings/Calendar.ini";
const CLIENT_ID: &str = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";

fn run(node: &Node, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut cmd = node.command();
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const CALENDAR_SET: &[&str] = &[
    "calendar",
    "set",
    "--provider",
    "office365",
    "--basic-auth",
    "on",
    "--username",
    "svc@contoso.com",
    "--password-stdin",
];

#[test]
fn a_missing_key_is_not_replaced_while_sealed_values_depend_on_it() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::new();
    let (code, _, err) = run(
        &node,
        &[
            "credentials",
            "save",
            "--client-id",
            CLIENT_ID,
            "--secret-stdin",
        ],
        "first-S3cret\n",
    );
    assert_eq!(code, 0, "{err}");
    let old_key = node.read(KEY);
    let store = node.read(STORE);
    fs::rename(node.path(KEY), node.path("ucsconf.key.moved")).unwrap();

    // The finding: this exited 0, made a new key, and the store no longer opened.
    let (code, out, err) = run(&node, CALENDAR_SET, "Cal-Passw0rd\n");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("the node key Var/Secure/ucsconf.key is missing"),
        "{err}"
    );
    assert!(
        err.contains("the cloud client secret (Var/Secure/CloudServices.json)"),
        "{err}"
    );
    assert!(err.contains("--new-key"), "{err}");
    assert!(!node.path(KEY).exists(), "no key was made");
    assert!(!node.path(CALENDAR).exists(), "nothing was written");
    assert_eq!(node.read(STORE), store);

    let (code, out, _) = run(&node, &["doctor"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the node key Var/Secure/ucsconf.key is missing, but the cloud client secret"),
        "{out}"
    );
    assert!(out.contains("--new-key"), "{out}");

    // Put back, everything opens again: nothing was lost.
    fs::rename(node.path("ucsconf.key.moved"), node.path(KEY)).unwrap();
    let (code, out, err) = run(&node, &["credentials", "show"], "");
    assert_eq!(code, 0, "{out}{err}");
    fs::remove_file(node.path(KEY)).unwrap();

    // Asked for: a new key, and the loss said.
    let mut args = CALENDAR_SET.to_vec();
    args.push("--new-key");
    let (code, out, err) = run(&node, &args, "Cal-Passw0rd\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("warning: a new node key Var/Secure/ucsconf.key was made"),
        "{err}"
    );
    assert!(
        err.contains(
            "the cloud client secret (Var/Secure/CloudServices.json) can no longer be opened"
        ),
        "{err}"
    );
    assert_ne!(node.read(KEY), old_key);
    let (code, _, err) = run(&node, &["credentials", "show"], "");
    assert_eq!(code, 1);
    assert!(err.contains("cannot be opened"), "{err}");
    let (code, out, _) = run(&node, &["doctor"], "");
    assert_eq!(code, 1);
    assert!(
        out.contains("the saved credentials cannot be opened"),
        "{out}"
    );
}

#[tokio::test]
async fn a_saved_proxy_password_and_a_calendar_password_hold_the_key_too() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::new();
    let target = NodeSpec::local("local", &node.root).target();
    let key = ops::node_key(&target, true).await.unwrap().unwrap();
    let loaded = ops::load_store(&target).await.unwrap();
    let mut store = loaded.store.clone();
    let password = SecretString::from("Pr0xy-Passw0rd");
    store
        .set_proxy(
            &key,
            Some(("http://proxy:3128", Some("svc"), Some(&password))),
        )
        .unwrap();
    ops::save_store(&target, &loaded, &store).await.unwrap();
    let (code, _, err) = run(&node, CALENDAR_SET, "Cal-Passw0rd\n");
    assert_eq!(code, 0, "{err}");
    fs::remove_file(node.path(KEY)).unwrap();
    assert_eq!(
        ops::sealed_values(&target).await.unwrap(),
        [
            SealedValue::ProxyPassword,
            SealedValue::Form(FormId::Calendar, "BasicAuth.Password")
        ]
    );

    let (code, _, err) = run(
        &node,
        &[
            "credentials",
            "save",
            "--client-id",
            CLIENT_ID,
            "--secret-stdin",
        ],
        "second-S3cret\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "but the proxy password (Var/Secure/CloudServices.json) and the calendar password \
             BasicAuth.Password (Apps/AttendantConsole/Settings/Calendar.ini) were sealed with it"
        ),
        "{err}"
    );
    assert!(!node.path(KEY).exists());

    // What a save seals anew does not hold the key: only the others do.
    let secret = SecretString::from("third-S3cret");
    let refused = ops::save_credentials(&target, CLIENT_ID, &secret, KeyRule::Keep)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ucsconf::Error::KeyRefused(_)),
        "{refused}"
    );
    let replaced = ops::sealing_key(
        &target,
        &[
            SealedValue::ProxyPassword,
            SealedValue::Form(FormId::Calendar, "BasicAuth.Password"),
        ],
        KeyRule::Keep,
    )
    .await
    .unwrap();
    assert!(replaced.1.is_none(), "nothing is lost");
    assert!(node.path(KEY).exists());
}

#[tokio::test]
async fn a_key_file_that_cannot_be_used_is_replaced_only_when_asked() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let node = Node::new();
    let target = NodeSpec::local("local", &node.root).target();
    node.write(KEY, b"short");
    let err = ops::node_key(&target, true).await.unwrap_err();
    assert!(err.to_string().contains("cannot be used"), "{err}");
    assert_eq!(node.read(KEY), b"short");
    let secret = SecretString::from("fourth-S3cret");
    let applied = ops::save_credentials(&target, CLIENT_ID, &secret, KeyRule::Replace)
        .await
        .unwrap();
    let note = applied.warnings.join("\n");
    assert!(note.contains("the old node key is kept as"), "{note}");
    assert_eq!(node.read(KEY).len(), 32);
    let backups: Vec<String> = node
        .siblings(KEY)
        .into_iter()
        .filter(|n| n.starts_with("ucsconf.key.") && n.ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
}
