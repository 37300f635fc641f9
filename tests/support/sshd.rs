//! A real OpenSSH server for tests: `/usr/sbin/sshd` on 127.0.0.1 on a free
//! port, a throwaway host key, an authorized test key, SFTP through
//! `internal-sftp`. Stopped by PID when dropped.
//!
//! Without sshd the tests fail, naming the package to install, unless
//! `UCSCONF_SKIP_SSH_TESTS=1` is set: then they say loudly that they skip.

use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const SSHD_CANDIDATES: &[&str] = &["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"];

/// Where sshd is, or `None` when the tests are to be skipped.
fn find_sshd() -> Option<PathBuf> {
    if let Some(p) = SSHD_CANDIDATES.iter().map(Path::new).find(|p| p.is_file()) {
        return Some(p.to_path_buf());
    }
    if std::env::var("UCSCONF_SKIP_SSH_TESTS").as_deref() == Ok("1") {
        eprintln!(
            "\n*** SKIPPED: OpenSSH's sshd is not installed and UCSCONF_SKIP_SSH_TESTS=1: \
             the SSH tests did NOT run ***\n"
        );
        return None;
    }
    panic!(
        "OpenSSH's sshd was not found (looked in {SSHD_CANDIDATES:?}): install the \
         `openssh-server` package, or set UCSCONF_SKIP_SSH_TESTS=1 to skip the SSH tests"
    );
}

/// Runs an OpenSSH tool (ssh-keygen, ssh-add), failing the test with its output.
pub fn run(program: &str, args: &[&str], env: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes a key pair with ssh-keygen (`passphrase` empty: unencrypted).
pub fn keygen(path: &Path, kind: &str, passphrase: &str) {
    let p = path.to_str().unwrap();
    run(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            kind,
            "-N",
            passphrase,
            "-C",
            "ucsconf-test",
            "-f",
            p,
        ],
        &[],
    );
}

/// The `SHA256:...` fingerprint ssh-keygen prints for a key file.
pub fn fingerprint_of(public_key: &Path) -> String {
    let out = run(
        "ssh-keygen",
        &["-l", "-f", public_key.to_str().unwrap()],
        &[],
    );
    out.split_whitespace().nth(1).unwrap().to_string()
}

/// The user the tests run as (and log in as).
pub fn current_user() -> String {
    run("id", &["-un"], &[]).trim().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A port on which nothing listens (for a node that is down).
pub fn closed_port() -> u16 {
    free_port()
}

/// Extra sshd settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Appended to `Subsystem sftp internal-sftp` (e.g. `-P posix-rename`).
    pub sftp_flags: String,
    /// No `sftp` subsystem at all.
    pub no_sftp: bool,
    /// More configuration lines (they win over the defaults).
    pub extra: Vec<String>,
    /// The type of the server's only host key, as ssh-keygen names it
    /// (`rsa`, `ecdsa`); `None`: ed25519.
    pub host_key_type: Option<&'static str>,
}

pub struct Sshd {
    pub port: u16,
    pub dir: TempDir,
    /// An unencrypted ed25519 key the server accepts.
    pub client_key: PathBuf,
    pub host_key_pub: PathBuf,
    child: Child,
}

impl Sshd {
    /// Starts a server; `None`: sshd is missing and the tests are skipped.
    pub fn start() -> Option<Sshd> {
        Sshd::start_with(Settings::default())
    }

    pub fn start_with(settings: Settings) -> Option<Sshd> {
        let sshd = find_sshd()?;
        let dir = tempfile::tempdir().unwrap();
        let kind = settings.host_key_type.unwrap_or("ed25519");
        let host_key = dir.path().join(format!("host_{kind}"));
        keygen(&host_key, kind, "");
        let client_key = dir.path().join("id_ed25519");
        keygen(&client_key, "ed25519", "");
        let authorized = dir.path().join("authorized_keys");
        fs::copy(client_key.with_extension("pub"), &authorized).unwrap();
        #[cfg(unix)]
        if current_user() == "root" {
            // Privilege separation needs it; it is the system's, not ours to remove.
            let _ = fs::create_dir_all("/run/sshd");
        }
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let config = write_config(&sshd, dir.path(), port, &host_key, &authorized, &settings);
            let log = fs::File::create(dir.path().join("sshd.log")).unwrap();
            let mut child = Command::new(&sshd)
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", sshd.display()));
            if wait_for_port(port, &mut child) {
                return Some(Sshd {
                    port,
                    client_key,
                    host_key_pub: host_key.with_extension("pub"),
                    dir,
                    child,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
            last_error = fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default();
        }
        panic!("sshd did not start: {last_error}");
    }

    /// A fresh folder to use as a node's root.
    pub fn root(&self, name: &str) -> PathBuf {
        let root = self.dir.path().join("roots").join(name);
        fs::create_dir_all(&root).unwrap();
        root
    }

    /// Lets `public_key` (a `.pub` file) log in too.
    pub fn authorize(&self, public_key: &Path) {
        let key = fs::read_to_string(public_key).unwrap();
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("authorized_keys"))
            .unwrap();
        f.write_all(key.as_bytes()).unwrap();
    }

    /// The line known_hosts needs for this server.
    pub fn known_hosts_line(&self) -> String {
        let key = fs::read_to_string(&self.host_key_pub).unwrap();
        let mut fields = key.split_whitespace();
        let (kind, blob) = (fields.next().unwrap(), fields.next().unwrap());
        format!("[127.0.0.1]:{} {kind} {blob}\n", self.port)
    }

    /// Writes a known_hosts file that trusts this server; returns its path.
    pub fn known_hosts(&self) -> PathBuf {
        let path = self.dir.path().join("known_hosts");
        fs::write(&path, self.known_hosts_line()).unwrap();
        path
    }

    pub fn fingerprint(&self) -> String {
        fingerprint_of(&self.host_key_pub)
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// The listening server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How many files under `dir` the server's processes hold open (a
    /// leaked SFTP handle is one), from /proc.
    pub fn open_files_under(&self, dir: &Path) -> usize {
        let mut pids = vec![self.child.id()];
        let mut i = 0;
        while i < pids.len() {
            pids.extend(children_of(pids[i]));
            i += 1;
        }
        pids.iter()
            .filter_map(|pid| fs::read_dir(format!("/proc/{pid}/fd")).ok())
            .flatten()
            .filter_map(|fd| fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.starts_with(dir))
            .count()
    }

    /// Cuts every client connection (kills the per-connection processes,
    /// children of this server) while the server keeps listening.
    pub fn drop_connections(&self) -> usize {
        let children = children_of(self.child.id());
        for pid in &children {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        children.len()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_config(
    sshd: &Path,
    dir: &Path,
    port: u16,
    host_key: &Path,
    authorized: &Path,
    settings: &Settings,
) -> PathBuf {
    let config = dir.join("sshd_config");
    // sshd takes the first value of a keyword: the extra lines go first.
    let mut lines = settings.extra.clone();
    lines.extend([
        format!("Port {port}"),
        "ListenAddress 127.0.0.1".into(),
        format!("HostKey {}", host_key.display()),
        format!("PidFile {}", dir.join("sshd.pid").display()),
        format!("AuthorizedKeysFile {}", authorized.display()),
        "StrictModes no".into(),
        "UsePAM no".into(),
        "PermitRootLogin yes".into(),
        "PasswordAuthentication no".into(),
        "KbdInteractiveAuthentication no".into(),
        "PubkeyAuthentication yes".into(),
        "AllowTcpForwarding yes".into(),
        // Twenty nodes connect at once in one test.
        "MaxStartups 100".into(),
        "LogLevel VERBOSE".into(),
    ]);
    if !settings.no_sftp {
        lines.push(format!(
            "Subsystem sftp internal-sftp {}",
            settings.sftp_flags
        ));
    }
    // Newer servers throttle clients that fail to log in; some tests fail on purpose.
    lines.push("PerSourcePenalties no".into());
    fs::write(&config, lines.join("\n") + "\n").unwrap();
    let check = Command::new(sshd)
        .arg("-t")
        .arg("-f")
        .arg(&config)
        .output()
        .unwrap();
    if !check.status.success()
        && String::from_utf8_lossy(&check.stderr).contains("PerSourcePenalties")
    {
        lines.pop();
        fs::write(&config, lines.join("\n") + "\n").unwrap();
    }
    config
}

fn wait_for_port(port: u16, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// PIDs whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|stat| {
                    // `pid (comm) state ppid ...`: comm may hold spaces.
                    let after = &stat[stat.rfind(')')? + 1..];
                    after.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// A running `ssh-agent` holding keys; killed when dropped.
pub struct Agent {
    pub socket: PathBuf,
    child: Child,
    _dir: TempDir,
}

impl Agent {
    pub fn start() -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent (package openssh-client) is needed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent {
            socket,
            child,
            _dir: dir,
        }
    }

    pub fn add(&self, key: &Path) {
        run(
            "ssh-add",
            &["-q", key.to_str().unwrap()],
            &[("SSH_AUTH_SOCK", &self.socket)],
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
