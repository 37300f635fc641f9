//! Moments given on the command line or typed in the editor (`--since 2h`,
//! `--at "2026-12-02 02:13"`), as the log's own clock reads them.
//!
//! The suite stamps its log in the node's local time without a zone, and
//! [`super::entry::parse_timestamp`] reads those stamps as if they were UTC
//! milliseconds. A moment here is the same kind of number: the wall-clock
//! reading, not an instant. "2h" is two hours before the local wall clock
//! of the machine ucsconf runs on.
//!
//! All date arithmetic of the log commands lives in this module (chrono).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// A moment that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a time: use a date and time (\"2026-12-02 02:13\", \"2026-12-02T02:13:05\"), a date (\"2026-12-02\"), a time today (\"02:13\"), or an age (\"90s\", \"30m\", \"2h\", \"1d\", \"1h30m\")"
)]
pub struct BadMoment(pub String);

/// The local wall clock now, as a log timestamp would read it.
pub fn now_local() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// Milliseconds of a wall-clock reading, on the log's scale.
pub fn to_ms(moment: NaiveDateTime) -> i64 {
    moment.and_utc().timestamp_millis()
}

/// `2026-12-02 02:13:05,120` for a log-scale timestamp (the suite's format).
pub fn format_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.naive_utc().format("%Y-%m-%d %H:%M:%S,%3f").to_string(),
        None => ms.to_string(),
    }
}

/// A file's modification time in this machine's local time, to the second.
pub fn format_local(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A file's modification time in UTC, RFC 3339 (for JSON).
pub fn format_utc(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads an absolute moment or an age before `now`; in log-scale ms.
pub fn parse(text: &str, now: NaiveDateTime) -> Result<i64, BadMoment> {
    let text = text.trim();
    let bad = || BadMoment(text.to_string());
    if let Some(age) = parse_age(text) {
        return now.checked_sub_signed(age).map(to_ms).ok_or_else(bad);
    }
    parse_absolute(text, now.date()).map(to_ms).ok_or_else(bad)
}

/// `90s`, `30m`, `2h`, `1d`, `1w` and sums of them (`1h30m`).
fn parse_age(text: &str) -> Option<Duration> {
    if text.is_empty() {
        return None;
    }
    let mut total = Duration::zero();
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        let part = match c.to_ascii_lowercase() {
            's' => Duration::try_seconds(n)?,
            'm' => Duration::try_minutes(n)?,
            'h' => Duration::try_hours(n)?,
            'd' => Duration::try_days(n)?,
            'w' => Duration::try_weeks(n)?,
            _ => return None,
        };
        total = total.checked_add(&part)?;
    }
    digits.is_empty().then_some(total)
}

/// A date and time, a date (its midnight), or a time of `today`.
fn parse_absolute(text: &str, today: NaiveDate) -> Option<NaiveDateTime> {
    // `,` before milliseconds, as the suite writes them.
    let text = text.replacen(',', ".", 1);
    const DATE_TIMES: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    for format in DATE_TIMES {
        if let Ok(t) = NaiveDateTime::parse_from_str(&text, format) {
            return Some(t);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    for format in ["%H:%M:%S%.f", "%H:%M"] {
        if let Ok(t) = NaiveTime::parse_from_str(&text, format) {
            return Some(today.and_time(t));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn absolute_moments_read_as_the_log_stamps_them() {
        let now = at("2026-12-02 10:00:00");
        let stamp = crate::logs::entry::parse_timestamp("2026-12-02 02:13:05,120 x").unwrap();
        assert_eq!(parse("2026-12-02 02:13:05,120", now), Ok(stamp));
        assert_eq!(parse("2026-12-02T02:13:05.120", now), Ok(stamp));
        assert_eq!(parse("02:13:05.120", now), Ok(stamp));
        assert_eq!(parse("2026-12-02 02:13", now), Ok(stamp - 5_120));
        assert_eq!(parse("02:13", now), Ok(stamp - 5_120));
        assert_eq!(
            parse("2026-12-02", now),
            Ok(stamp - ((2 * 60 + 13) * 60_000 + 5_120))
        );
        assert_eq!(format_ms(stamp), "2026-12-02 02:13:05,120");
    }

    #[test]
    fn ages_count_back_from_now() {
        let now = at("2026-12-02 10:00:00");
        let ms = |t| to_ms(at(t));
        assert_eq!(parse("2h", now), Ok(ms("2026-12-02 08:00:00")));
        assert_eq!(parse("1h30m", now), Ok(ms("2026-12-02 08:30:00")));
        assert_eq!(parse("90s", now), Ok(ms("2026-12-02 09:58:30")));
        assert_eq!(parse("1d", now), Ok(ms("2026-12-01 10:00:00")));
        assert_eq!(parse(" 1W ", now), Ok(ms("2026-11-25 10:00:00")));
    }

    #[test]
    fn nonsense_is_refused() {
        let now = at("2026-12-02 10:00:00");
        for text in [
            "",
            "2",
            "h",
            "2x",
            "2026-13-01",
            "25:00",
            "yesterday",
            "1h30",
        ] {
            assert_eq!(
                parse(text, now),
                Err(BadMoment(text.trim().into())),
                "{text}"
            );
        }
    }
}
