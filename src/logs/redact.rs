//! Secrets taken out of text that leaves the node (the support bundle):
//! Authorization headers, bearer tokens and JWTs, `client_secret=` and the
//! like in query strings, forms and JSON, passwords in URLs, and values
//! sealed by ucsconf. Each replacement is counted, so the bundle's
//! manifest can say how many were made.
//!
//! It errs on the side of taking out too much: a support engineer can ask
//! for a value; a leaked secret cannot be taken back.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Names whose value is a secret, as `name=value`, `name: value` or `"name": "value"`.
const SECRET_NAMES: &str = r"client_secret|clientsecret|secret|password|passwd|pwd|passphrase|access_token|refresh_token|id_token|token|api_key|apikey|x-api-key|sharedsecret|shared_secret|private_key|sessionid|session_id|set-cookie|cookie|sig|signature";

struct Rule {
    regex: Regex,
    replace: fn(&Captures<'_>) -> String,
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let rule = |pattern: &str, replace: fn(&Captures<'_>) -> String| Rule {
        regex: Regex::new(pattern).expect("redaction patterns are valid"),
        replace,
    };
    vec![
        // `Authorization: Bearer x`, `Proxy-Authorization: Basic x`, `Authorization=x`.
        rule(
            r#"(?i)\b((?:proxy-)?authorization)("?\s*[:=]\s*"?)(?:(bearer|basic|negotiate|ntlm|digest|token)\s+)?[^\s"',;]+(?:\s*,\s*\w+="?[^\s"',]*"?)*"#,
            |c| {
                let scheme = c
                    .get(3)
                    .map_or(String::new(), |s| format!("{} ", s.as_str()));
                format!("{}{}{scheme}{REDACTED}", &c[1], &c[2])
            },
        ),
        // A bearer token on its own (`using Bearer eyJ...`).
        rule(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*", |c| {
            format!("{} {REDACTED}", &c[1])
        }),
        // `user:password@` in a URL.
        rule(
            r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@?#]*:)[^\s@/?#]+@",
            |c| format!("{}{REDACTED}@", &c[1]),
        ),
        // `client_secret=x`, `password: x`, `"access_token":"x"`, `Password=x;`.
        rule(
            &format!(r#"(?i)(\b(?:{SECRET_NAMES})\b"?\s*[=:]\s*)("?)(?:[^\s&"',;<>]+)"#),
            |c| format!("{}{}{REDACTED}", &c[1], &c[2]),
        ),
        // A JSON Web Token anywhere.
        rule(
            r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
            |_| REDACTED.to_string(),
        ),
        // A value sealed by ucsconf (`v1:<nonce>:<ciphertext>`).
        rule(r"\bv1:[A-Za-z0-9+/=_-]{8,}:[A-Za-z0-9+/=_-]{8,}", |_| {
            "sealed".to_string()
        }),
    ]
});

/// Text with its secrets replaced, and how many were.
pub fn redact(text: &str) -> (Cow<'_, str>, usize) {
    let mut count = 0;
    let mut current = Cow::Borrowed(text);
    for rule in RULES.iter() {
        if !rule.regex.is_match(&current) {
            continue;
        }
        let replaced = rule
            .regex
            .replace_all(&current, |c: &Captures<'_>| {
                let out = (rule.replace)(c);
                // A value already taken out is not counted twice.
                if c[0] != out && !c[0].ends_with(REDACTED) {
                    count += 1;
                }
                out
            })
            .into_owned();
        current = Cow::Owned(replaced);
    }
    (current, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_secret_is_taken_out_once() {
        let cases = [
            (
                "GET /api Authorization: Bearer abc.def-ghi",
                "GET /api Authorization: Bearer [redacted]",
            ),
            (
                "proxy-authorization=Basic dXNlcjpwYXNz",
                "proxy-authorization=Basic [redacted]",
            ),
            (
                "POST /token grant_type=client_credentials&client_secret=s3cr3t&scope=x",
                "POST /token grant_type=client_credentials&client_secret=[redacted]&scope=x",
            ),
            (
                r#"body {"client_id":"abc","client_secret":"s3cr3t"}"#,
                r#"body {"client_id":"abc","client_secret":"[redacted]"}"#,
            ),
            (
                "connecting to https://svc:P%40ss@proxy.local:3128/",
                "connecting to https://svc:[redacted]@proxy.local:3128/",
            ),
            (
                "Server=db;User Id=sa;Password=hunter2;",
                "Server=db;User Id=sa;Password=[redacted];",
            ),
            (
                "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc",
                "token [redacted]",
            ),
            ("stored v1:AAAAAAAAAAAA:BBBBBBBBBBBBBB", "stored sealed"),
        ];
        for (line, want) in cases {
            let (got, count) = redact(line);
            assert_eq!(got, want, "{line}");
            assert_eq!(count, 1, "{line}");
        }
    }

    #[test]
    fn ordinary_lines_are_left_alone() {
        for line in [
            "2026-12-02 02:13:05,120 [3] ERROR Imagicle.Calendar - EWS call failed: (401) Unauthorized",
            "Access token obtained from https://login.microsoftonline.com/ in 120 ms",
            "Polled presence for 4107 users",
        ] {
            let (got, count) = redact(line);
            assert_eq!((got.as_ref(), count), (line, 0));
        }
    }
}
