//! Packaging from the outside: `--version`, completion scripts, the man page.

use std::process::Command as Std;

use assert_cmd::Command;

const SUBCOMMANDS: [&str; 8] = [
    "demo",
    "nodes",
    "presence",
    "calendar",
    "credentials",
    "logs",
    "doctor",
    "completions",
];

fn ucsconf() -> Command {
    Command::cargo_bin("ucsconf").unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = ucsconf().args(args).assert().success().get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

/// The commit the binary should name: the packager's, else git's, else "unknown".
fn expected_commit() -> String {
    if let Some(c) = option_env!("UCSCONF_BUILD_COMMIT").filter(|c| !c.trim().is_empty()) {
        return c.trim().to_string();
    }
    let git = Std::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match git {
        // No git to ask here (a Windows test binary run under Wine cannot
        // start the build machine's git): what the build recorded, which
        // must at least look like a commit.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let recorded = env!("UCSCONF_COMMIT");
            assert!(
                recorded == "unknown"
                    || (recorded.len() >= 7 && recorded.bytes().all(|b| b.is_ascii_hexdigit())),
                "{recorded}"
            );
            eprintln!("note: git is not available here; checking the commit the build recorded");
            recorded.to_string()
        }
        git => git
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "unknown".into()),
    }
}

#[test]
fn version_names_the_version_and_the_commit_built_from() {
    let version = stdout_of(&["--version"]);
    let want = format!(
        "ucsconf {} (commit {})\n",
        env!("CARGO_PKG_VERSION"),
        expected_commit()
    );
    assert_eq!(version, want);
}

#[test]
fn each_shell_gets_a_script_naming_the_subcommands() {
    for (shell, marker) in [
        ("bash", "complete -F _ucsconf"),
        ("zsh", "#compdef ucsconf"),
        ("fish", "complete -c ucsconf"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
    }
}

#[test]
fn the_bash_script_parses_and_registers_itself() {
    if Std::new("bash").arg("--version").output().is_err() {
        eprintln!("no bash here: only the text was checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ucsconf.bash");
    std::fs::write(&file, stdout_of(&["completions", "bash"])).unwrap();
    let out = Std::new("bash")
        .arg("-c")
        .arg(r#"set -e; bash -n "$1"; source "$1"; complete -p ucsconf"#)
        .arg("bash")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ucsconf"), "{stdout}");
}

#[test]
fn an_unknown_shell_is_bad_input() {
    ucsconf()
        .args(["completions", "cmd.exe"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("possible values"));
}

#[test]
fn the_man_page_is_roff_and_hidden_from_help() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH ucsconf 1"), "{page}");
    assert!(page.contains(".SH NAME"));
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "no {sub}");
    }
    let help = stdout_of(&["--help"]);
    assert!(
        help.starts_with("Edit Imagicle UC Suite node settings"),
        "{help}"
    );
    assert!(help.contains("completions"));
    assert!(!help.contains("  man "), "{help}");
}
