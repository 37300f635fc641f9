//! Host key verification against OpenSSH `known_hosts` files: plain, wildcard,
//! negated and hashed (`|1|salt|hash`) host patterns, `[host]:port` for ports
//! other than 22, and the `@revoked` marker. Nothing here ever accepts a key
//! by itself: adding one is the explicit [`trust`].

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::{HashAlg, PublicKey};

use super::config::glob;

/// How a presented host key compares with what the known_hosts files say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// A line lists this very key for this host.
    Known,
    /// No line lists a key of this type for this host.
    Unknown,
    /// The host is listed with a different key of the same type: the server
    /// changed its key, or someone is in between.
    Changed { file: PathBuf, line: usize },
    /// No line lists a key of this type for this host, but lines list keys
    /// of other types (`types`; the first at `file`:`line`): as suspicious
    /// as a changed key, since a server keeps its keys and someone in
    /// between may offer only a type known_hosts has no key of.
    OtherTypes {
        types: Vec<String>,
        file: PathBuf,
        line: usize,
    },
    /// The key is marked `@revoked`.
    Revoked { file: PathBuf, line: usize },
}

/// The `SHA256:...` fingerprint of a key, as OpenSSH prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// How the host appears in known_hosts: `host`, or `[host]:port` off port 22.
pub fn host_entry_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// One usable line of a known_hosts file.
#[derive(Debug)]
struct Entry<'a> {
    marker: Option<&'a str>,
    hosts: &'a str,
    key_type: &'a str,
    blob: Vec<u8>,
    line: usize,
}

fn entries(text: &str) -> impl Iterator<Item = Entry<'_>> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut fields = line.split_whitespace();
        let mut first = fields.next()?;
        let marker = first.starts_with('@').then(|| {
            let m = first;
            first = fields.next().unwrap_or("");
            m
        });
        let key_type = fields.next()?;
        let blob = STANDARD.decode(fields.next()?).ok()?;
        Some(Entry {
            marker,
            hosts: first,
            key_type,
            blob,
            line: i + 1,
        })
    })
}

/// Whether a comma-separated host pattern list names `name` (`host` or
/// `[host]:port`): a negated pattern that matches vetoes the line.
fn hosts_match(patterns: &str, name: &str) -> bool {
    let mut matched = false;
    for pattern in patterns.split(',') {
        if let Some(hashed) = pattern.strip_prefix("|1|") {
            matched |= hashed_matches(hashed, name);
        } else if let Some(negated) = pattern.strip_prefix('!') {
            if glob(&negated.to_ascii_lowercase(), name) {
                return false;
            }
        } else if glob(&pattern.to_ascii_lowercase(), name) {
            matched = true;
        }
    }
    matched
}

/// `salt|hash`, both base64: HMAC-SHA1 of the name keyed with the salt.
fn hashed_matches(hashed: &str, name: &str) -> bool {
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return false;
    };
    let Ok(mac) = Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.chain_update(name.as_bytes())
        .verify_slice(&hash)
        .is_ok()
}

/// Checks `key` for `host`:`port` against the files, in order (missing
/// files are empty). A revoked key wins over everything, then a match.
pub fn check(
    files: &[PathBuf],
    host: &str,
    port: u16,
    key: &PublicKey,
) -> io::Result<HostKeyStatus> {
    let name = host_entry_name(&host.to_ascii_lowercase(), port);
    let blob = key.to_bytes().map_err(io::Error::other)?;
    let key_type = key.algorithm().as_str().to_string();
    let (mut known, mut changed) = (false, None);
    let mut others: Option<HostKeyStatus> = None;
    for file in files {
        let text = match fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", file.display()))),
        };
        for entry in entries(&text) {
            if entry.marker == Some("@revoked") && entry.blob == blob {
                return Ok(HostKeyStatus::Revoked {
                    file: file.clone(),
                    line: entry.line,
                });
            }
            if entry.marker.is_some() || !hosts_match(entry.hosts, &name) {
                continue;
            }
            if entry.blob == blob {
                known = true;
            } else if entry.key_type == key_type {
                changed.get_or_insert(HostKeyStatus::Changed {
                    file: file.clone(),
                    line: entry.line,
                });
            } else {
                let other = others.get_or_insert(HostKeyStatus::OtherTypes {
                    types: Vec::new(),
                    file: file.clone(),
                    line: entry.line,
                });
                if let HostKeyStatus::OtherTypes { types, .. } = other
                    && !types.iter().any(|t| t == entry.key_type)
                {
                    types.push(entry.key_type.to_string());
                }
            }
        }
    }
    Ok(match (known, changed, others) {
        (true, _, _) => HostKeyStatus::Known,
        (false, Some(c), _) => c,
        (false, None, Some(o)) => o,
        (false, None, None) => HostKeyStatus::Unknown,
    })
}

/// The key types the files already list for the host, so that key exchange
/// can prefer them (as OpenSSH does) instead of asking about a new type.
pub fn known_types(files: &[PathBuf], host: &str, port: u16) -> Vec<String> {
    let name = host_entry_name(&host.to_ascii_lowercase(), port);
    let mut types = Vec::new();
    for text in files.iter().filter_map(|f| fs::read_to_string(f).ok()) {
        for entry in entries(&text) {
            if entry.marker.is_none()
                && hosts_match(entry.hosts, &name)
                && !types.iter().any(|t| t == entry.key_type)
            {
                types.push(entry.key_type.to_string());
            }
        }
    }
    types
}

/// Appends `host`:`port` with `key` to the known_hosts file at `path`,
/// creating it (and its folder) when missing.
pub fn trust(path: &Path, host: &str, port: u16, key: &PublicKey) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let mut line = String::new();
    if file.seek(SeekFrom::End(-1)).is_ok() {
        let mut last = [0u8; 1];
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            line.push('\n');
        }
    }
    let mut public = key.clone();
    public.set_comment("");
    let openssh = public.to_openssh().map_err(io::Error::other)?;
    line.push_str(&host_entry_name(host, port));
    line.push(' ');
    line.push_str(openssh.trim_end());
    line.push('\n');
    file.write_all(line.as_bytes())?;
    file.sync_all()
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const ED_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIA6rWI3G1sz07DnfFlrouTcysQlj2P+jpNSOEWD9OJ3X";

    fn key(b64: &str) -> PublicKey {
        PublicKey::from_openssh(&format!("ssh-ed25519 {b64}")).unwrap()
    }

    fn file_with(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// `|1|salt|hash` for a name, computed independently of the matcher.
    fn hashed(name: &str) -> String {
        let salt = [7u8; 20];
        let mac = Hmac::<sha1::Sha1>::new_from_slice(&salt)
            .unwrap()
            .chain_update(name.as_bytes())
            .finalize()
            .into_bytes();
        format!("|1|{}|{}", STANDARD.encode(salt), STANDARD.encode(mac))
    }

    #[test]
    fn known_unknown_and_changed_keys() {
        let text = format!(
            "# comment\n[ucs-a]:2222 ssh-ed25519 {ED_A}\nucs-b,10.0.0.2\tssh-ed25519 {ED_B} comment\n"
        );
        let (_d, path) = file_with(&text);
        let files = [path.clone()];
        let status = |h, p, k| check(&files, h, p, &key(k)).unwrap();
        assert_eq!(status("ucs-a", 2222, ED_A), HostKeyStatus::Known);
        assert_eq!(status("UCS-A", 2222, ED_A), HostKeyStatus::Known);
        assert_eq!(status("ucs-a", 22, ED_A), HostKeyStatus::Unknown);
        assert_eq!(status("10.0.0.2", 22, ED_B), HostKeyStatus::Known);
        assert_eq!(
            status("ucs-a", 2222, ED_B),
            HostKeyStatus::Changed {
                file: path,
                line: 2
            }
        );
        assert_eq!(status("ucs-c", 22, ED_A), HostKeyStatus::Unknown);
    }

    #[test]
    fn hashed_wildcard_and_negated_hosts() {
        let text = format!(
            "{} ssh-ed25519 {ED_A}\n*.ucs.lan,!evil.ucs.lan ssh-ed25519 {ED_B}\n",
            hashed("[10.1.1.1]:2022")
        );
        let (_d, path) = file_with(&text);
        let files = [path];
        assert_eq!(
            check(&files, "10.1.1.1", 2022, &key(ED_A)).unwrap(),
            HostKeyStatus::Known
        );
        assert_eq!(
            check(&files, "10.1.1.1", 22, &key(ED_A)).unwrap(),
            HostKeyStatus::Unknown
        );
        assert_eq!(
            check(&files, "a.ucs.lan", 22, &key(ED_B)).unwrap(),
            HostKeyStatus::Known
        );
        assert_eq!(
            check(&files, "evil.ucs.lan", 22, &key(ED_B)).unwrap(),
            HostKeyStatus::Unknown
        );
        assert_eq!(known_types(&files, "b.ucs.lan", 22), ["ssh-ed25519"]);
    }

    #[test]
    fn a_host_known_only_with_keys_of_other_types_is_not_merely_unknown() {
        const RSA: &str = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCzbGfGdDEJXdYZSVtIBJa733GJXwB9BhkpJ5+6auJJUzZigV1KcL2+CKGLBTJcQ4xAm8GxlvQfWpkIy0jERqPJxq64USNre4zGljGORnkt7821XCxr6bqGgk/Ui6S43Bgfl+RIn8LC1iU6RdHClqhSvklGkdCCumTkr5y4e/8yNw==";
        let text = format!("ucs-a ssh-ed25519 {ED_A}\nucs-a ssh-rsa {RSA}\n");
        let (_d, path) = file_with(&text);
        let files = [path.clone()];
        // A new key of a type on record is a changed key, as before.
        assert_eq!(
            check(&files, "ucs-a", 22, &key(ED_B)).unwrap(),
            HostKeyStatus::Changed {
                file: path.clone(),
                line: 1
            }
        );
        let ecdsa = PublicKey::from_openssh(
            "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEZCOENfxVSfO6vjhs2kCyIOc//Fm3ovvb+p7uxoNKM32dcuc+/HLqAvbZcNWDss4b6k2QdWBxcMjILNu6+CRFY=",
        )
        .unwrap();
        assert_eq!(
            check(&files, "ucs-a", 22, &ecdsa).unwrap(),
            HostKeyStatus::OtherTypes {
                types: vec!["ssh-ed25519".into(), "ssh-rsa".into()],
                file: path,
                line: 1
            }
        );
        assert_eq!(
            check(&files, "ucs-b", 22, &ecdsa).unwrap(),
            HostKeyStatus::Unknown
        );
    }

    #[test]
    fn revoked_keys_are_refused_even_when_listed() {
        let text = format!("ucs-a ssh-ed25519 {ED_A}\n@revoked * ssh-ed25519 {ED_A}\n");
        let (_d, path) = file_with(&text);
        let status = check(std::slice::from_ref(&path), "ucs-a", 22, &key(ED_A)).unwrap();
        assert_eq!(
            status,
            HostKeyStatus::Revoked {
                file: path,
                line: 2
            }
        );
    }

    #[test]
    fn trust_appends_a_line_that_check_then_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("known_hosts");
        let files = [path.clone()];
        assert_eq!(
            check(&files, "h", 2200, &key(ED_A)).unwrap(),
            HostKeyStatus::Unknown
        );
        trust(&path, "h", 2200, &key(ED_A)).unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"# no newline at the end")
            .unwrap();
        trust(&path, "other", 22, &key(ED_B)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            format!(
                "[h]:2200 ssh-ed25519 {ED_A}\n# no newline at the end\nother ssh-ed25519 {ED_B}\n"
            )
        );
        assert_eq!(
            check(&files, "h", 2200, &key(ED_A)).unwrap(),
            HostKeyStatus::Known
        );
        assert_eq!(
            check(&files, "other", 22, &key(ED_B)).unwrap(),
            HostKeyStatus::Known
        );
    }

    #[test]
    fn fingerprints_are_printed_as_openssh_does() {
        // What `ssh-keygen -lf` prints for ED_A.
        assert_eq!(
            fingerprint(&key(ED_A)),
            "SHA256:T7SvZ2cslqpPj6nKzitCBHHlpVF3r3MvLwmFL0fk0IE"
        );
    }
}
