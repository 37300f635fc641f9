//! Following a log over SSH against a real sshd: the last lines, appends,
//! a partial line completed later, rotation and truncation.

use crate::support;

use std::fs;
use std::io::Write;
use std::sync::Arc;

use support::sshd::Sshd;
use support::{isolated_options, spec_for};
use ucsconf::logs::{Follower, NodeLog, last_lines};
use ucsconf::node::ssh::SshNode;

const LOG: &str = "Var/Log/w3wp/ApplicationSuite.log";

fn append(path: &std::path::Path, text: &str) {
    let mut f = fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn lines(polled: &ucsconf::logs::Polled) -> Vec<String> {
    polled
        .lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

#[tokio::test]
async fn a_log_is_followed_over_sftp_across_rotation_and_truncation() {
    let Some(sshd) = Sshd::start() else { return };
    let root = sshd.root("n1");
    let spec = spec_for(&sshd, "n1", &root);
    let node = Arc::new(SshNode::new(&spec, isolated_options(&sshd)));
    let local = root.join(LOG);
    fs::create_dir_all(local.parent().unwrap()).unwrap();
    fs::write(&local, "one\r\ntwo\r\nthree\r\n").unwrap();

    let source = NodeLog::new(node.clone(), LOG.to_string());
    let tail = last_lines(&source, 2).await.unwrap();
    assert_eq!(tail.bytes, b"two\r\nthree\r\n");

    let mut follower = Follower::new(NodeLog::new(node.clone(), LOG.to_string()), tail.end);
    assert!(follower.poll().await.unwrap().lines.is_empty());

    append(&local, "four\r\nfi");
    assert_eq!(lines(&follower.poll().await.unwrap()), vec!["four\r"]);
    append(&local, "ve\r\n");
    assert_eq!(lines(&follower.poll().await.unwrap()), vec!["five\r"]);

    // Rotation: renamed away, a new file started (shorter than the offset).
    fs::rename(&local, local.with_extension("log.1")).unwrap();
    fs::write(&local, "six\r\n").unwrap();
    let polled = follower.poll().await.unwrap();
    assert!(polled.rotated || polled.truncated, "{polled:?}");
    assert_eq!(lines(&polled), vec!["six\r"]);

    // Truncation in place.
    fs::write(&local, "").unwrap();
    follower.poll().await.unwrap();
    append(&local, "seven\r\n");
    assert_eq!(lines(&follower.poll().await.unwrap()), vec!["seven\r"]);
}
