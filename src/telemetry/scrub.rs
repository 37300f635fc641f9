//! Secrets kept out of the log: those in use now (registered while they are
//! sealed, sent or handed to a proxy), in every form they may be written,
//! and anything that looks like a credential.

use std::borrow::Cow;
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use regex::Regex;
use zeroize::Zeroizing;

/// At most this many secrets are scrubbed at once (the newest): a bound for
/// safety, as each is scrubbed only while it is in use.
const MAX_SECRETS: usize = 32;

/// Secrets shorter than this are not scrubbed: they would mangle ordinary words.
const MIN_SECRET_LEN: usize = 4;

const REDACTED: &str = "[redacted]";

/// The secrets in use now, each in every form it may be written.
struct Registry {
    next: u64,
    entries: Vec<(u64, Vec<Zeroizing<String>>)>,
}

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
        next: 0,
        entries: Vec::new(),
    });
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps `secret` out of every log line (in clear, URL-encoded,
/// form-encoded or base64) while the guard lives: taken where a secret is
/// sealed, sent or handed to a proxy, for as long as that takes, so that the
/// log remembers only the secrets in use (a drift view that opens every
/// node's secret to compare them registers none). Short secrets are not
/// scrubbed.
#[must_use = "the secret is scrubbed only while the guard lives"]
pub fn scrub_while(secret: &str) -> ScrubGuard {
    if secret.chars().count() < MIN_SECRET_LEN {
        return ScrubGuard { id: None };
    }
    let mut registry = registry();
    let id = registry.next;
    registry.next += 1;
    registry.entries.push((id, forms(secret)));
    // A bound for safety only: guards are dropped when the work is done.
    let excess = registry.entries.len().saturating_sub(MAX_SECRETS);
    registry.entries.drain(..excess);
    ScrubGuard { id: Some(id) }
}

/// A secret scrubbed from the log until this is dropped; its forms are
/// wiped then.
pub struct ScrubGuard {
    id: Option<u64>,
}

impl Drop for ScrubGuard {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            registry().entries.retain(|(entry, _)| *entry != id);
        }
    }
}

/// The ways a secret may be written: as is, form- and percent-encoded,
/// base64 (unpadded, so that a padded copy matches too), each in memory
/// that is wiped on drop.
fn forms(secret: &str) -> Vec<Zeroizing<String>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let form =
        Zeroizing::new(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>());
    let percent = Zeroizing::new(form.replace('+', "%20"));
    let mut all = vec![
        Zeroizing::new(secret.to_owned()),
        form,
        percent,
        Zeroizing::new(STANDARD_NO_PAD.encode(secret.as_bytes())),
        Zeroizing::new(URL_SAFE_NO_PAD.encode(secret.as_bytes())),
    ];
    all.dedup();
    all
}

fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let assignment = r#"(?i)\b(client_secret|secret|password|passwd|pwd|access_token|refresh_token|token)(\s*["']?\s*[:=]\s*["']?)[^\s"'&,;]+"#;
        let credentials = r"(?i)\b(basic|bearer)(\s+)[A-Za-z0-9+/=._~-]{8,}";
        [assignment, credentials]
            .into_iter()
            .map(|p| (Regex::new(p).expect("a valid pattern"), "${1}${2}[redacted]"))
            .collect()
    })
}

/// The words the credential patterns start with (lower case).
const CREDENTIAL_WORDS: &[&str] = &[
    "secret", "password", "passwd", "pwd", "token", "basic", "bearer",
];

fn mentions_credentials(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    CREDENTIAL_WORDS.iter().any(|w| lower.contains(w))
}

/// `text` without any known secret and without credential-looking values.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (_, forms) in &registry().entries {
        for form in forms {
            if out.contains(form.as_str()) {
                out = Cow::Owned(out.replace(form.as_str(), REDACTED));
            }
        }
    }
    // Compiling the patterns costs more than starting the program: only a
    // line that mentions one of their words needs them.
    if !mentions_credentials(&out) {
        return out;
    }
    for (pattern, replacement) in patterns() {
        if pattern.is_match(&out) {
            out = Cow::Owned(pattern.replace_all(&out, *replacement).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lines_that_mention_credentials_go_through_the_patterns() {
        assert!(matches!(redact("ucsconf started pid=42"), Cow::Borrowed(_)));
        assert_eq!(redact("Password = hunter2xyz"), "Password = [redacted]");
        assert_eq!(
            redact("Authorization: Bearer abcdefgh12345"),
            "Authorization: Bearer [redacted]"
        );
    }

    #[test]
    fn secrets_in_use_are_scrubbed_in_every_form_and_only_while_in_use() {
        let secret = "Zq9/te+st s3cr=t";
        let guard = scrub_while(secret);
        for form in forms(secret) {
            let line = format!("before {} after", form.as_str());
            let clean = redact(&line);
            assert!(!clean.contains(form.as_str()), "{clean}");
            assert!(clean.contains("before") && clean.contains("after"));
        }
        let padded = base64::engine::general_purpose::STANDARD.encode(secret);
        assert!(!redact(&padded).contains(padded.trim_end_matches('=')));
        drop(guard);
        assert_eq!(redact("before Zq9/te+st s3cr=t"), "before Zq9/te+st s3cr=t");

        let _short = scrub_while("abc");
        assert_eq!(
            redact("abc abc"),
            "abc abc",
            "short secrets are not scrubbed"
        );
    }

    #[test]
    fn a_secret_in_use_twice_stays_scrubbed_until_both_are_done() {
        let first = scrub_while("tw1ce-used-S3cret");
        let second = scrub_while("tw1ce-used-S3cret");
        drop(first);
        assert!(!redact("x tw1ce-used-S3cret").contains("S3cret"));
        drop(second);
        assert!(redact("x tw1ce-used-S3cret").contains("S3cret"));
    }

    #[test]
    fn credential_looking_values_are_scrubbed() {
        for (line, gone) in [
            ("client_secret=hunter2xyz&grant_type=x", "hunter2xyz"),
            ("{\"password\": \"pa55word\"}", "pa55word"),
            (
                "Authorization: Basic dXNlcjpwYXNzd29yZA==",
                "dXNlcjpwYXNzd29yZA",
            ),
            ("bearer eyJhbGciOiJIUzI1NiJ9.x", "eyJhbGci"),
            ("Token=abcdef", "abcdef"),
        ] {
            let clean = redact(line);
            assert!(!clean.contains(gone), "{line} -> {clean}");
            assert!(clean.contains(REDACTED), "{clean}");
        }
        for plain in [
            "the password is empty",
            "token_url=https://login.example.com/t",
            "a basic check",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }
}
