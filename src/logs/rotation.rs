//! Which files beside a log are its rotated parts: log4net's
//! RollingFileAppender renames `ApplicationSuite.log` to
//!
//! - `ApplicationSuite.log.1`, `.2`, … (size rolling; CountDirection says
//!   whether `.1` is the newest or the oldest, so the number orders nothing);
//! - `ApplicationSuite.log.2026-12-01`, or `ApplicationSuite.log20261201`
//!   (date rolling: whatever the datePattern prints);
//! - `ApplicationSuite.log.2026-12-01.1` (composite: a date, then a count);
//! - `ApplicationSuite.2026-12-01.log`, `ApplicationSuite.1.log`,
//!   `ApplicationSuite.2026-12-01.1.log` (PreserveLogFileNameExtension).
//!
//! A suffix is digits and the separators date patterns use (`.`, `-`, `_`),
//! with at least one digit. ucsconf's own backups (`….bak`) and temporary
//! files, and compressed archives (`.gz`, `.zip`), are not parts of the log.
//!
//! Since names cannot say which part is newer, the files are ordered by the
//! first timestamp they hold ([`super::history`]).

/// Whether `name` is a rotated part of the log named `live` (same folder).
pub fn is_rotated(live: &str, name: &str) -> bool {
    if name.eq_ignore_ascii_case(live) {
        return false;
    }
    if let Some(rest) = strip_prefix_ci(name, live)
        && is_suffix(rest)
    {
        return true;
    }
    // The extension kept at the end: `stem.<suffix>.ext`.
    let Some(dot) = live.rfind('.').filter(|&i| i > 0) else {
        return false;
    };
    let (stem, ext) = live.split_at(dot);
    let Some(middle) = strip_prefix_ci(name, stem).and_then(|r| strip_suffix_ci(r, ext)) else {
        return false;
    };
    middle.starts_with('.') && is_suffix(middle)
}

/// Digits and `.`, `-`, `_`, with a digit among them.
fn is_suffix(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'))
}

/// Windows names match case-insensitively.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE: &str = "ApplicationSuite.log";

    #[test]
    fn log4net_names_are_rotations() {
        for name in [
            "ApplicationSuite.log.1",
            "ApplicationSuite.log.12",
            "ApplicationSuite.log.2026-12-01",
            "ApplicationSuite.log20261201",
            "ApplicationSuite.log.2026-12-01.1",
            "ApplicationSuite.log.2026_12_01-23",
            "ApplicationSuite.2026-12-01.log",
            "ApplicationSuite.1.log",
            "ApplicationSuite.2026-12-01.3.log",
            "applicationsuite.LOG.4",
        ] {
            assert!(is_rotated(LIVE, name), "{name}");
        }
    }

    #[test]
    fn other_files_are_not() {
        for name in [
            "ApplicationSuite.log",
            "ApplicationSuite.log.bak",
            "ApplicationSuite.log.20261122T101500Z.bak",
            ".ApplicationSuite.log.ucsconf-12-ab.tmp",
            "ApplicationSuite.log.1.gz",
            "ApplicationSuite.log.old",
            "ApplicationSuite.log.",
            "ApplicationSuite.log.-",
            "ApplicationSuite.1log",
            "ApplicationSuite1.log",
            "ApplicationSuite.log.zip",
            "Other.log.1",
            "ApplicationSuite.txt.1",
        ] {
            assert!(!is_rotated(LIVE, name), "{name}");
        }
    }

    #[test]
    fn a_log_without_extension_has_only_appended_suffixes() {
        assert!(is_rotated("suite", "suite.1"));
        assert!(!is_rotated("suite", "suite"));
        assert!(!is_rotated("suite", "suite.x"));
    }
}
