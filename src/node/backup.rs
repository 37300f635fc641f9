//! Backup names (`<file>.<UTC timestamp>.bak`) and which old backups to prune.
//! Pure functions, shared by every transport.

use std::time::{Duration, SystemTime};

/// How many backups of a file are kept, newest first.
pub const KEEP: usize = 5;
/// How many backups the journal names are kept besides those, newest first:
/// the bound on what `restore` can go back to, per file.
pub const KEEP_NAMED: usize = 50;
/// A temporary file this old was left by a write that never finished (a
/// crash, a dropped connection): no write takes anywhere near that long, and
/// the margin covers clocks that disagree between the admin's machine and
/// the node.
pub const STALE_TEMP: Duration = Duration::from_secs(3600);

/// `20261122T101500Z` for a moment in UTC.
pub fn utc_stamp(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time)
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// The backup name for `file` (a bare file name); `attempt` > 0 adds a
/// counter for a second backup within the same second.
pub fn backup_name(file: &str, time: SystemTime, attempt: u32) -> String {
    let stamp = utc_stamp(time);
    if attempt == 0 {
        format!("{file}.{stamp}.bak")
    } else {
        format!("{file}.{stamp}-{attempt}.bak")
    }
}

/// The sort key of a backup of `file`, or `None` when `name` is not one.
fn backup_key<'a>(file: &str, name: &'a str) -> Option<(&'a str, u32)> {
    let middle = name
        .strip_prefix(file)?
        .strip_prefix('.')?
        .strip_suffix(".bak")?;
    let (stamp, counter) = match middle.split_once('-') {
        Some((s, c)) => (s, c.parse().ok()?),
        None => (middle, 0),
    };
    let well_formed = stamp.len() == 16
        && stamp.as_bytes()[8] == b'T'
        && stamp.ends_with('Z')
        && stamp[..8]
            .bytes()
            .chain(stamp[9..15].bytes())
            .all(|b| b.is_ascii_digit());
    well_formed.then_some((stamp, counter))
}

/// A file in the folder of the file being written, as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// Its modification time by the node's clock (`None`: not known).
    pub mtime: Option<SystemTime>,
}

impl Listed {
    pub fn new(name: impl Into<String>, mtime: Option<SystemTime>) -> Listed {
        Listed {
            name: name.into(),
            mtime,
        }
    }
}

/// The first counter to try for a new backup of `file` made at `time`: past
/// every backup already made within that second, so a pruned name is never
/// reused.
pub fn next_attempt(file: &str, time: SystemTime, listed: &[Listed]) -> u32 {
    let stamp = utc_stamp(time);
    listed
        .iter()
        .filter_map(|l| backup_key(file, &l.name))
        .filter(|(s, _)| *s == stamp)
        .map(|(_, c)| c + 1)
        .max()
        .unwrap_or(0)
}

/// After a write whose own backup is `made`: the backups of `file` in the
/// folder (`listed`) beyond the newest [`KEEP`]. Newest means the latest
/// modification time by the node's clock, then the latest name: the names
/// come from the clock of whichever machine wrote them, which may have been
/// wrong. `made` is never pruned, whatever its name or time say: it may be
/// the only copy of what the write replaced. Of the older ones, those in
/// `named` (the journal's) are kept too, the newest [`KEEP_NAMED`] of them.
pub fn backups_to_prune(
    file: &str,
    listed: &[Listed],
    made: &str,
    named: &[String],
) -> Vec<String> {
    let mut others: Vec<_> = listed
        .iter()
        .filter(|l| l.name != made)
        .filter_map(|l| backup_key(file, &l.name).map(|k| ((l.mtime, k), &l.name)))
        .collect();
    others.sort_by(|a, b| b.0.cmp(&a.0));
    let mut named_kept = 0;
    others
        .into_iter()
        .skip(KEEP - 1)
        .filter(|(_, n)| {
            let keep = named_kept < KEEP_NAMED && named.contains(n);
            named_kept += usize::from(keep);
            !keep
        })
        .map(|(_, n)| n.clone())
        .collect()
}

/// What a purge removes beside `file` (`listed` is its folder): every
/// backup of it, and what interrupted writes left (stale temporary files
/// only: a fresh one may belong to a write in progress). Sorted by name.
pub fn purgeable(file: &str, listed: &[Listed], now: SystemTime) -> Vec<String> {
    let mut names: Vec<String> = listed
        .iter()
        .filter(|l| {
            backup_key(file, &l.name).is_some()
                || (is_temp_of(file, &l.name) && l.mtime.is_some_and(|m| is_stale(m, now)))
        })
        .map(|l| l.name.clone())
        .collect();
    names.sort();
    names
}

/// A unique temporary name beside `file`, hidden and marked as ours.
pub fn temp_name(file: &str) -> String {
    let mut r = [0u8; 6];
    // A failing OS generator only makes a clash likelier; create_new still guards it.
    let _ = getrandom::fill(&mut r);
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    format!(".{file}.ucsconf-{}-{hex}.tmp", std::process::id())
}

/// Whether `name` is a temporary file [`temp_name`] made for `file`.
pub fn is_temp_of(file: &str, name: &str) -> bool {
    let inner = name
        .strip_prefix('.')
        .and_then(|n| n.strip_prefix(file))
        .and_then(|n| n.strip_prefix(".ucsconf-"))
        .and_then(|n| n.strip_suffix(".tmp"));
    let Some((pid, hex)) = inner.and_then(|n| n.split_once('-')) else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && hex.len() == 12
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a temporary file last modified at `modified` is a leftover.
pub fn is_stale(modified: SystemTime, now: SystemTime) -> bool {
    now.duration_since(modified)
        .is_ok_and(|age| age >= STALE_TEMP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn temp_names_are_recognised_and_nothing_else() {
        let temp = temp_name("Presence.ini");
        assert!(is_temp_of("Presence.ini", &temp), "{temp}");
        assert!(!is_temp_of("Calendar.ini", &temp));
        assert!(!is_temp_of("Presence", &temp), "another file's prefix");
        for other in [
            "Presence.ini",
            ".Presence.ini.ucsconf-12-0011223344.tmp",
            ".Presence.ini.ucsconf--001122334455.tmp",
            ".Presence.ini.ucsconf-12-00112233445g.tmp",
            ".Presence.ini.ucsconf-12-001122334455.tmp.bak",
            "Presence.ini.20261122T101500Z.bak",
        ] {
            assert!(!is_temp_of("Presence.ini", other), "{other}");
        }
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        assert!(is_stale(now - STALE_TEMP, now));
        assert!(!is_stale(now - Duration::from_secs(60), now));
        assert!(
            !is_stale(now + Duration::from_secs(60), now),
            "from the future"
        );
    }

    #[test]
    fn stamps_are_utc_calendar_times() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_338_900); // 2026-11-22T09:15:00Z
        assert_eq!(utc_stamp(t), "20261122T091500Z");
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(utc_stamp(leap), "20000229T000000Z");
    }

    #[test]
    fn prunes_all_but_the_newest_five_and_nothing_else() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_338_900);
        let at = |secs| Some(t + Duration::from_secs(secs));
        let mut listed: Vec<Listed> = (0..7)
            .map(|i| Listed::new(backup_name("a.ini", t + Duration::from_secs(i), 0), at(i)))
            .collect();
        listed.push(Listed::new(
            backup_name("a.ini", t + Duration::from_secs(6), 1),
            at(6),
        ));
        for other in ["a.ini", "b.ini.20261122T091500Z.bak", "a.ini.garbage.bak"] {
            listed.push(Listed::new(other, at(0)));
        }
        assert_eq!(
            next_attempt("a.ini", t + Duration::from_secs(6), &listed),
            2
        );
        assert_eq!(
            next_attempt("a.ini", t + Duration::from_secs(9), &listed),
            0
        );
        let made = backup_name("a.ini", t + Duration::from_secs(6), 1);
        assert_eq!(
            backups_to_prune("a.ini", &listed, &made, &[]),
            vec![
                backup_name("a.ini", t + Duration::from_secs(2), 0),
                backup_name("a.ini", t + Duration::from_secs(1), 0),
                backup_name("a.ini", t, 0),
            ]
        );
    }

    #[test]
    fn the_backup_just_made_is_kept_whatever_its_name_says() {
        // Five backups named in the future (made while a clock was ahead),
        // then a write whose own backup has an honest, earlier name.
        let now = UNIX_EPOCH + Duration::from_secs(1_795_338_900);
        let future = now + Duration::from_secs(365 * 86_400);
        let mut listed: Vec<Listed> = (0..5)
            .map(|i| {
                let name = backup_name("a.ini", future + Duration::from_secs(i), 0);
                Listed::new(name, Some(now - Duration::from_secs(100 - i)))
            })
            .collect();
        let made = backup_name("a.ini", now, 0);
        listed.push(Listed::new(made.clone(), Some(now)));
        let pruned = backups_to_prune("a.ini", &listed, &made, &[]);
        assert!(!pruned.contains(&made), "{pruned:?}");
        // The oldest by the node's clock goes, though its name is the newest but four.
        assert_eq!(pruned, vec![listed[0].name.clone()]);
        // Even a backup whose time is the oldest of all is kept when it is the one just made.
        listed[5].mtime = Some(now - Duration::from_secs(1000));
        assert_eq!(backups_to_prune("a.ini", &listed, &made, &[]), pruned);
    }

    #[test]
    fn backups_the_journal_names_are_kept_within_a_bound() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_338_900);
        let listed: Vec<Listed> = (0..(KEEP + KEEP_NAMED + 10) as u64)
            .map(|i| {
                let at = t + Duration::from_secs(i);
                Listed::new(backup_name("a.ini", at, 0), Some(at))
            })
            .collect();
        let made = listed.last().unwrap().name.clone();
        let everything: Vec<String> = listed.iter().map(|l| l.name.clone()).collect();
        let pruned = backups_to_prune("a.ini", &listed, &made, &everything);
        // The newest five, then the newest KEEP_NAMED of those named.
        assert_eq!(pruned.len(), listed.len() - KEEP - KEEP_NAMED);
        assert_eq!(pruned[0], listed[listed.len() - KEEP - KEEP_NAMED - 1].name);
        // One old backup named: it alone survives among the old ones.
        let oldest = vec![listed[0].name.clone()];
        let pruned = backups_to_prune("a.ini", &listed, &made, &oldest);
        assert_eq!(pruned.len(), listed.len() - KEEP - 1);
        assert!(!pruned.contains(&listed[0].name));
    }

    #[test]
    fn equal_times_are_ordered_by_name_and_unknown_times_are_the_oldest() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_338_900);
        let second = Some(t);
        let mut listed: Vec<Listed> = (0..11)
            .map(|i| Listed::new(backup_name("a.ini", t, i), second))
            .collect();
        listed.push(Listed::new(
            backup_name("a.ini", t + Duration::from_secs(60), 0),
            None,
        ));
        let made = backup_name("a.ini", t, 10);
        let pruned = backups_to_prune("a.ini", &listed, &made, &[]);
        // Kept: the one just made and counters 9, 8, 7, 6 (9 after 10: by number, not text).
        let mut expected: Vec<String> = (0..6).rev().map(|i| backup_name("a.ini", t, i)).collect();
        expected.push(listed[11].name.clone());
        assert_eq!(pruned, expected);
    }
}
