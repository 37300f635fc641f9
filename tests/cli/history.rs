//! The journal end to end on local nodes: `history` and `restore` across a
//! cluster, a file changed meanwhile, sealed credentials, a lost backup and
//! a damaged journal.

use crate::support;

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

const PRESENCE: &str = "Apps/Presence/Settings/Presence.ini";
const STORE: &str = "Var/Secure/CloudServices.json";
const JOURNAL: &str = "Var/Secure/ucsconf-journal.jsonl";
const SEED: &[u8] = b"; kept\r\n[Webex]\r\nWebexPresence.Enable=0\r\nPollSeconds=30\r\n";

/// Local nodes n0, n1, ... in one inventory, each with the same Presence.ini.
struct Cluster {
    _dir: tempfile::TempDir,
    inventory: PathBuf,
    roots: Vec<PathBuf>,
}

impl Cluster {
    fn new(nodes: usize) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let mut toml = String::new();
        let mut roots = Vec::new();
        for i in 0..nodes {
            let root = dir.path().join(format!("n{i}"));
            fs::create_dir_all(root.join(PRESENCE).parent().unwrap()).unwrap();
            fs::write(root.join(PRESENCE), SEED).unwrap();
            toml.push_str(&format!(
                "[[node]]\nname = \"n{i}\"\nroot = '{}'\n",
                root.display()
            ));
            roots.push(root);
        }
        let inventory = dir.path().join("nodes.toml");
        fs::write(&inventory, toml).unwrap();
        Cluster {
            _dir: dir,
            inventory,
            roots,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("ucsconf").unwrap();
        c.env_remove("UCSCONF_CONFIG")
            .env("UCSCONF_LOG", "off")
            .arg("--config")
            .arg(&self.inventory)
            .args(args);
        c
    }

    /// Runs `args`, expecting exit `code`; stdout and stderr.
    fn run(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.cmd(args).output().unwrap();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}\nstdout: {stdout}\nstderr: {stderr}"
        );
        (stdout, stderr)
    }

    fn presence(&self, i: usize) -> Vec<u8> {
        fs::read(self.roots[i].join(PRESENCE)).unwrap()
    }

    fn journal(&self, i: usize) -> Vec<Value> {
        let text = fs::read_to_string(self.roots[i].join(JOURNAL)).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// `history --json`: its changes, newest first.
    fn changes(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["--json", "history"];
        all.extend(args);
        let (stdout, _) = self.run(&all, 0);
        let doc: Value = serde_json::from_str(&stdout).unwrap();
        doc["changes"].as_array().unwrap().clone()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn enable(value: &str) -> [&str; 4] {
    ["presence", "set", "WebexPresence.Enable", value]
}

#[test]
fn one_command_on_three_nodes_is_one_change_and_each_node_journals_it() {
    let cluster = Cluster::new(3);
    cluster.run(&enable("1"), 0);
    for i in 0..3 {
        let records = cluster.journal(i);
        assert_eq!(records.len(), 1, "n{i}: {records:?}");
        let r = &records[0];
        assert_eq!(r["file"], "presence");
        assert_eq!(r["path"], PRESENCE);
        assert_eq!(
            r["fields"],
            serde_json::json!([{"field": "[Webex] WebexPresence.Enable", "old": "0", "new": "1"}])
        );
        // The backup it names holds the file as it was.
        let backup = r["backup"].as_str().unwrap();
        let dir = cluster.roots[i].join(PRESENCE);
        assert_eq!(fs::read(dir.parent().unwrap().join(backup)).unwrap(), SEED);
        assert_eq!(r["ucsconf"], env!("CARGO_PKG_VERSION"));
        assert!(r["time"].as_str().unwrap().ends_with('Z'), "UTC: {r}");
    }
    let ids: Vec<Value> = (0..3)
        .map(|i| cluster.journal(i)[0]["change"].clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");

    let (stdout, _) = cluster.run(&["history"], 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one change, one field: {stdout}");
    assert!(
        lines[0].contains("presence") && lines[0].ends_with("on n0, n1, n2"),
        "{stdout}"
    );
    assert!(lines[0].contains(ids[0].as_str().unwrap()), "{stdout}");
    assert_eq!(lines[1].trim(), "[Webex] WebexPresence.Enable: 0 → 1");

    // A change on one node only, then the filters.
    cluster.run(&["--node", "n1", "presence", "set", "PollSeconds", "60"], 0);
    let changes = cluster.changes(&[]);
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["nodes"], serde_json::json!(["n1"]));
    assert_eq!(changes[1]["nodes"], serde_json::json!(["n0", "n1", "n2"]));
    assert!(cluster.changes(&["--file", "calendar"]).is_empty());
    assert_eq!(cluster.changes(&["--since", "1h"]).len(), 2);
    let (_, stderr) = cluster.run(&["history", "--file", "nope"], 2);
    assert!(stderr.contains("--file"), "{stderr}");
}

#[test]
fn restore_on_three_nodes_puts_back_two_and_refuses_the_one_changed_meanwhile() {
    let cluster = Cluster::new(3);
    cluster.run(&enable("1"), 0);
    let change = cluster.journal(0)[0]["change"]
        .as_str()
        .unwrap()
        .to_string();
    let set = cluster.presence(0);

    // n1 is edited by hand since: history says so, restore leaves it alone.
    let by_hand = b"; kept\r\n[Webex]\r\nWebexPresence.Enable=1\r\nPollSeconds=45\r\n";
    fs::write(cluster.roots[1].join(PRESENCE), by_hand).unwrap();
    let (stdout, _) = cluster.run(&["history"], 0);
    assert!(
        stdout.contains(&format!(
            "n1: {PRESENCE}: changed outside ucsconf (after change {change}"
        )),
        "{stdout}"
    );
    assert!(
        !stdout.contains("n0: ") && !stdout.contains("n2: "),
        "{stdout}"
    );

    // Without --yes and without a terminal, nothing is written.
    let (_, stderr) = cluster.run(&["restore", &change], 2);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(cluster.presence(0), set);

    let (stdout, stderr) = cluster.run(&["restore", &change[..4], "--yes"], 4);
    for i in [0, 2] {
        assert_eq!(cluster.presence(i), SEED, "n{i} is restored");
        assert!(
            stdout.contains(&format!("n{i}: {PRESENCE}: restored (backup ")),
            "{stdout}"
        );
        let records = cluster.journal(i);
        assert_eq!(records.len(), 2, "the restore is journaled");
        assert_eq!(records[1]["restores"], change.as_str());
        assert_eq!(
            records[1]["fields"],
            serde_json::json!([{"field": "[Webex] WebexPresence.Enable", "old": "1", "new": "0"}])
        );
    }
    assert!(
        stderr.contains(&format!(
            "n1: {PRESENCE} was changed outside ucsconf since change {change}"
        )),
        "{stderr}"
    );
    assert_eq!(
        cluster.presence(1),
        by_hand,
        "n1 is left as the admin made it"
    );
    assert_eq!(cluster.journal(1).len(), 1);
    // The preview showed what would change, per node.
    assert!(
        stdout.contains("n0: Apps/Presence/Settings/Presence.ini: back to Presence.ini."),
        "{stdout}"
    );

    // The restore is itself a change, shown as one.
    let changes = cluster.changes(&[]);
    assert_eq!(changes[0]["restores"], change.as_str());
    assert_eq!(changes[0]["nodes"], serde_json::json!(["n0", "n2"]));
}

#[test]
fn a_later_change_blocks_a_restore_unless_it_is_restored_too() {
    let cluster = Cluster::new(1);
    cluster.run(&enable("1"), 0);
    cluster.run(&["presence", "set", "PollSeconds", "60"], 0);
    let first = cluster.journal(0)[0]["change"]
        .as_str()
        .unwrap()
        .to_string();
    let second = cluster.journal(0)[1]["change"]
        .as_str()
        .unwrap()
        .to_string();
    let before = cluster.presence(0);

    let (_, stderr) = cluster.run(&["restore", &first, "--yes"], 3);
    assert!(
        stderr.contains(&format!("was changed since, by change {second}")),
        "{stderr}"
    );
    assert_eq!(cluster.presence(0), before, "nothing written");
    assert_eq!(cluster.journal(0).len(), 2);

    // Back to before both: every change since then is undone at once.
    let (stdout, _) = cluster.run(&["restore", "--to", "1h", "--yes"], 0);
    assert!(stdout.contains("restored"), "{stdout}");
    assert_eq!(cluster.presence(0), SEED);
    let last = cluster.journal(0).pop().unwrap();
    assert_eq!(last["restores"], format!("{first},{second}").as_str());

    // An unknown change is a usage error.
    let (_, stderr) = cluster.run(&["restore", "ffffffff", "--yes"], 2);
    assert!(stderr.contains("ffffffff"), "{stderr}");
}

#[test]
fn a_missing_backup_is_a_clear_error_and_nothing_is_written() {
    let cluster = Cluster::new(1);
    cluster.run(&enable("1"), 0);
    let record = cluster.journal(0).remove(0);
    let backup = record["backup"].as_str().unwrap();
    let settings = cluster.roots[0].join(PRESENCE);
    let dir = settings.parent().unwrap();
    fs::remove_file(dir.join(backup)).unwrap();
    let before = support::contents_of(dir);
    let journal = fs::read(cluster.roots[0].join(JOURNAL)).unwrap();

    let change = record["change"].as_str().unwrap();
    let (_, stderr) = cluster.run(&["restore", change, "--yes"], 1);
    assert!(
        stderr.contains(&format!(
            "{backup}: the backup the journal names is missing; nothing was written"
        )),
        "{stderr}"
    );
    assert_eq!(support::contents_of(dir), before);
    assert_eq!(fs::read(cluster.roots[0].join(JOURNAL)).unwrap(), journal);
}

#[test]
fn a_damaged_journal_line_is_skipped_with_a_warning_and_the_next_write_keeps_the_rest() {
    let cluster = Cluster::new(1);
    cluster.run(&enable("1"), 0);
    let path = cluster.roots[0].join(JOURNAL);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"v\":1,\"change\":\"trunc\n\x1b[31mnot json\n");
    fs::write(&path, &bytes).unwrap();

    let (stdout, stderr) = cluster.run(&["history"], 0);
    assert!(stdout.contains("WebexPresence.Enable: 0 → 1"), "{stdout}");
    assert!(
        stderr.contains("line 2: not a journal record; skipped")
            && stderr.contains("line 3: not a journal record; skipped"),
        "{stderr}"
    );
    assert!(!stderr.contains('\x1b'), "no escape reaches the terminal");

    cluster.run(&enable("0"), 0);
    let records = cluster.journal(0);
    assert_eq!(
        records.len(),
        2,
        "the good records stay, the damaged lines go"
    );
}

#[test]
fn restoring_credentials_puts_the_sealed_value_back_as_it_was() {
    if support::skip_under_wine(support::NO_ACLS) {
        return;
    }
    let cluster = Cluster::new(1);
    let save = |id: &str, secret: &str| {
        let out = cluster
            .cmd(&["credentials", "save", "--client-id", id, "--secret-stdin"])
            .write_stdin(format!("{secret}\n"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    save("9f8e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "first-Secret-41");
    let store = cluster.roots[0].join(STORE);
    let first = fs::read(&store).unwrap();
    save("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "second-Secret-42");

    let changes = cluster.changes(&["--file", "credentials"]);
    assert_eq!(changes.len(), 2);
    let fields = changes[0]["by_node"]["n0"]["fields"].to_string();
    assert!(fields.contains("\"sealed\":true"), "{fields}");
    let journal = fs::read_to_string(cluster.roots[0].join(JOURNAL)).unwrap();
    for secret in ["first-Secret-41", "second-Secret-42"] {
        assert!(!journal.contains(secret), "the journal holds a secret");
    }
    assert!(!journal.contains("v1:"), "the journal holds a ciphertext");

    let change = changes[0]["change"].as_str().unwrap();
    cluster.run(&["restore", change, "--yes"], 0);
    assert_eq!(
        fs::read(&store).unwrap(),
        first,
        "the sealed value as it was"
    );
    let (stdout, _) = cluster.run(&["credentials", "show"], 0);
    assert!(
        stdout.contains("9f8e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_fails_the_save_and_puts_the_file_back() {
    use std::sync::Arc;
    use ucsconf::node::{LastCheckHook, LocalNode};
    use ucsconf::ops::{self, Change, Target};
    use ucsconf::paths::Paths;

    let cluster = Cluster::new(1);
    let root = cluster.roots[0].clone();
    let journal = root.join(JOURNAL);
    fs::create_dir_all(journal.parent().unwrap()).unwrap();
    fs::write(&journal, "").unwrap();
    // Another writer appends to the journal at the last moment of every
    // attempt, so each one meets a conflict until ucsconf gives up.
    let theirs = journal.clone();
    let hook = LastCheckHook::new(move |path| {
        if path.ends_with("ucsconf-journal.jsonl") {
            let mut bytes = fs::read(&theirs).unwrap();
            bytes.extend_from_slice(b"{}\n");
            fs::write(&theirs, bytes).unwrap();
        }
    });
    let node = LocalNode::new("n0", &root).with_last_check_hook(hook);
    let target = Target::new(Arc::new(node), Paths::default());
    let change = Change::PresenceSet {
        section: None,
        key: "WebexPresence.Enable".into(),
        value: "1".into(),
    };
    let Err(err) = ops::apply(&target, &change).await else {
        panic!("the save succeeded without its journal record");
    };
    let text = err.to_string();
    assert!(
        text.contains("the journal Var/Secure/ucsconf-journal.jsonl could not be written")
            && text.contains(&format!(
                "{PRESENCE} was put back as it was: nothing changed"
            )),
        "{text}"
    );
    assert_eq!(cluster.presence(0), SEED, "the file is not left changed");
}

#[test]
fn a_change_made_without_the_session_variables_names_the_account() {
    let cluster = Cluster::new(1);
    let out = cluster
        .cmd(&enable("1"))
        .env_remove("USER")
        .env_remove("USERNAME")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let user = cluster.journal(0)[0]["user"].as_str().unwrap().to_string();
    assert_ne!(user, "unknown");
    assert!(!user.is_empty());
    // What the system itself says the process runs as.
    #[cfg(unix)]
    {
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .expect("id (coreutils)");
        assert_eq!(user, text(&id.stdout).trim());
    }
}
