//! Fan-out over nodes, drift between them, and conflicts through the operations layer.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ucsconf::cluster::{self, Cell};
use ucsconf::inventory::NodeSpec;
use ucsconf::ops::{self, Change, Saved};
use ucsconf::{Error, ErrorClass};

async fn demo() -> (tempfile::TempDir, Vec<ops::Target>) {
    let dir = tempfile::tempdir().unwrap();
    let inv = ucsconf::demo::create_or_reuse(dir.path()).await.unwrap();
    let targets = inv.nodes.iter().map(NodeSpec::target).collect();
    (dir, targets)
}

#[tokio::test]
async fn drift_lists_exactly_the_settings_that_differ() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let (_dir, targets) = demo().await;
    let settings =
        cluster::for_each(&targets, 16, |t| async move { cluster::collect(&t).await }).await;
    let rows = cluster::drift(&settings);
    let names: Vec<&str> = rows.iter().map(|r| r.setting.as_str()).collect();
    assert_eq!(
        names,
        vec![
            cluster::CLIENT_ID_LABEL,
            cluster::SECRET_LABEL,
            "Presence.ini [Webex] WebexPresence.Enable"
        ]
    );
    let webex = &rows[2];
    assert_eq!(
        webex.cells,
        vec![Cell::Value("0".into()), Cell::Value("1".into())]
    );
    let secret = &rows[1];
    assert!(matches!(&secret.cells[0], Cell::Value(v) if v.starts_with("(sealed")));
    assert_eq!(secret.cells[1], Cell::Absent);

    // Make them agree: no drift left but the credentials.
    let change = Change::PresenceSet {
        section: None,
        key: "WebexPresence.Enable".into(),
        value: "1".into(),
    };
    let applied = cluster::for_each(&targets, 16, |t| {
        let change = change.clone();
        async move { ops::apply(&t, &change).await }
    })
    .await;
    assert!(matches!(
        applied[0].result.as_ref().unwrap().saved,
        Saved::Written(_)
    ));
    assert!(matches!(
        applied[1].result.as_ref().unwrap().saved,
        Saved::Unchanged
    ));
    let settings =
        cluster::for_each(&targets, 16, |t| async move { cluster::collect(&t).await }).await;
    assert_eq!(cluster::drift(&settings).len(), 2);
}

#[tokio::test]
async fn for_each_is_bounded_keeps_order_and_survives_failures() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let (_dir, targets) = demo().await;
    let many: Vec<ops::Target> = (0..8).map(|i| targets[i % 2].clone()).collect();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let results = cluster::for_each(&many, 3, |t| {
        let (running, peak) = (running.clone(), peak.clone());
        async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            if t.name() == "ucs-b" {
                return Err(Error::Failed("down".into()));
            }
            Ok(t.name().to_string())
        }
    })
    .await;
    assert!(peak.load(Ordering::SeqCst) <= 3);
    assert_eq!(results.len(), 8);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.node, if i % 2 == 0 { "ucs-a" } else { "ucs-b" });
        assert_eq!(r.result.is_ok(), i % 2 == 0);
    }
}

#[tokio::test]
async fn saving_over_a_file_changed_since_loading_is_a_conflict() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let (dir, targets) = demo().await;
    let t = &targets[0];
    let loaded = ops::load_ini(t, &t.paths.presence).await.unwrap();
    let mut doc = loaded.doc.clone();
    doc.set(Some("Webex"), "WebexPresence.Enable", "1").unwrap();
    let path = dir.path().join("ucs-a").join(&t.paths.presence);
    let theirs = std::fs::read(&path)
        .unwrap()
        .into_iter()
        .chain(*b"; edited\r\n")
        .collect::<Vec<u8>>();
    std::fs::write(&path, &theirs).unwrap();

    let err = ops::save_ini(t, &loaded, &doc).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Conflict, "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), theirs, "nothing written");

    // Overwrite after a conflict re-reads and writes over the current version.
    assert!(matches!(
        ops::overwrite_ini(t, &t.paths.presence, &doc)
            .await
            .unwrap(),
        Saved::Written(_)
    ));
}

#[tokio::test]
async fn the_node_key_is_created_once_and_reused() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let (_dir, targets) = demo().await;
    let t = &targets[1];
    assert!(ops::node_key(t, false).await.unwrap().is_none());
    let a = ops::node_key(t, true).await.unwrap().unwrap();
    let b = ops::node_key(t, true).await.unwrap().unwrap();
    assert_eq!(a.as_bytes(), b.as_bytes());
}

#[tokio::test]
async fn comparing_sealed_values_leaves_no_secret_in_the_log_scrubber() {
    // The drift view opens every node's secret to compare them; each used
    // to stay in the log's scrubber for the life of the process.
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let (_dir, targets) = demo().await;
    let secret = "drift-only-S3cret-value";
    for t in &targets {
        let typed = secrecy::SecretString::from(secret);
        ops::save_credentials(
            t,
            "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
            &typed,
            ops::KeyRule::Keep,
        )
        .await
        .unwrap();
    }
    let line = format!("a line with {secret}");
    assert_eq!(
        ucsconf::telemetry::redact(&line),
        line,
        "not in use after the save"
    );
    let settings =
        cluster::for_each(&targets, 16, |t| async move { cluster::collect(&t).await }).await;
    assert!(settings.iter().all(|s| s.result.is_ok()));
    assert_eq!(
        ucsconf::telemetry::redact(&line),
        line,
        "not registered by drift"
    );
    // While a secret is in use it is scrubbed.
    let in_use = ucsconf::telemetry::scrub_while(secret);
    assert_eq!(ucsconf::telemetry::redact(&line), "a line with [redacted]");
    drop(in_use);
}
