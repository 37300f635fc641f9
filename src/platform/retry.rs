//! Replacing a file another program holds open. On Windows the suite may have
//! a settings file open without delete sharing for a moment, and the rename
//! over it fails with a sharing violation; trying again shortly after
//! succeeds. The policy (which errors, how long) is data, tested everywhere.

use std::io;
use std::time::Duration;

/// ERROR_ACCESS_DENIED: what a rename over a file open without delete sharing reports.
pub const ERROR_ACCESS_DENIED: i32 = 5;
/// ERROR_SHARING_VIOLATION.
pub const ERROR_SHARING_VIOLATION: i32 = 32;
/// ERROR_LOCK_VIOLATION: part of the file is locked.
pub const ERROR_LOCK_VIOLATION: i32 = 33;

/// The first wait, doubled each time up to [`MAX_DELAY`], for [`TOTAL_WAIT`] in all.
pub const FIRST_DELAY: Duration = Duration::from_millis(10);
pub const MAX_DELAY: Duration = Duration::from_millis(320);
pub const TOTAL_WAIT: Duration = Duration::from_secs(2);

/// Whether an error is another program holding the file, which goes away by
/// itself. Only Windows reports that; elsewhere these numbers mean other
/// things (EIO, EPIPE, EDOM) and nothing is retried.
pub fn is_busy(code: Option<i32>, windows: bool) -> bool {
    windows
        && matches!(
            code,
            Some(ERROR_ACCESS_DENIED | ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION)
        )
}

/// The waits between tries: 10 ms doubling up to 320 ms, the last one cut so
/// that they add up to exactly [`TOTAL_WAIT`].
pub fn schedule() -> Vec<Duration> {
    let mut delays = Vec::new();
    let (mut next, mut total) = (FIRST_DELAY, Duration::ZERO);
    while total < TOTAL_WAIT {
        let delay = next.min(TOTAL_WAIT - total);
        delays.push(delay);
        total += delay;
        next = (next * 2).min(MAX_DELAY);
    }
    delays
}

/// An operation that kept failing with a retryable error.
#[derive(Debug)]
pub struct Exhausted {
    /// The last error.
    pub error: io::Error,
    pub tries: u32,
    pub waited: Duration,
}

impl Exhausted {
    /// The error to report: what held the file, for how long it was tried,
    /// and that the file was left as it was.
    pub fn into_io(self) -> io::Error {
        if self.tries <= 1 {
            return self.error;
        }
        let reason = busy_reason(self.error.raw_os_error());
        io::Error::new(
            self.error.kind(),
            format!(
                "{reason}; gave up after {} tries over {:.1} s and left the file as it was ({})",
                self.tries,
                self.waited.as_secs_f64(),
                self.error
            ),
        )
    }
}

/// What a busy-file error means, in words.
pub fn busy_reason(code: Option<i32>) -> &'static str {
    match code {
        Some(ERROR_SHARING_VIOLATION) => "another program is using the file",
        Some(ERROR_LOCK_VIOLATION) => "another program has locked part of the file",
        Some(ERROR_ACCESS_DENIED) => {
            "access denied (another program may be using the file, or this account may not write it)"
        }
        _ => "the file stayed busy",
    }
}

/// Runs `op`; while it fails with an error `retryable` accepts, sleeps the
/// next delay and tries again. Any other error is returned at once.
pub fn retry<T>(
    mut op: impl FnMut() -> io::Result<T>,
    retryable: impl Fn(&io::Error) -> bool,
    delays: &[Duration],
    mut sleep: impl FnMut(Duration),
) -> Result<T, Exhausted> {
    let (mut tries, mut waited) = (0u32, Duration::ZERO);
    let mut delays = delays.iter();
    loop {
        tries += 1;
        let error = match op() {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        match delays.next() {
            Some(&delay) if retryable(&error) => {
                sleep(delay);
                waited += delay;
            }
            _ => {
                return Err(Exhausted {
                    error,
                    tries,
                    waited,
                });
            }
        }
    }
}

/// [`retry`] with this platform's busy errors and the standard schedule.
pub fn on_busy_file<T>(op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    retry(
        op,
        |e| is_busy(e.raw_os_error(), cfg!(windows)),
        &schedule(),
        std::thread::sleep,
    )
    .map_err(Exhausted::into_io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(code: i32) -> io::Error {
        io::Error::from_raw_os_error(code)
    }

    fn windows_busy(e: &io::Error) -> bool {
        is_busy(e.raw_os_error(), true)
    }

    #[test]
    fn sharing_lock_and_access_errors_are_busy_on_windows_only() {
        for code in [5, 32, 33] {
            assert!(is_busy(Some(code), true), "{code}");
            assert!(!is_busy(Some(code), false), "{code}");
        }
        for code in [2, 3, 80, 183] {
            assert!(!is_busy(Some(code), true), "{code}");
        }
        assert!(!is_busy(None, true));
    }

    #[test]
    fn the_schedule_backs_off_and_adds_up_to_the_total() {
        let delays = schedule();
        assert_eq!(delays.iter().sum::<Duration>(), TOTAL_WAIT);
        assert_eq!(delays[0], FIRST_DELAY);
        assert!(delays.iter().all(|d| *d <= MAX_DELAY && !d.is_zero()));
        let growing = delays.len() - 1;
        assert!(delays[..growing].windows(2).all(|w| w[0] <= w[1]));
        assert!(delays.contains(&MAX_DELAY), "reaches the cap: {delays:?}");
    }

    #[test]
    fn a_busy_file_is_tried_again_until_it_is_free() {
        let mut calls = 0;
        let mut slept = Vec::new();
        let result = retry(
            || {
                calls += 1;
                if calls < 4 {
                    Err(os(32))
                } else {
                    Ok("renamed")
                }
            },
            windows_busy,
            &schedule(),
            |d| slept.push(d),
        );
        assert_eq!(result.unwrap(), "renamed");
        assert_eq!(calls, 4);
        assert_eq!(slept, schedule()[..3]);
    }

    #[test]
    fn other_errors_are_not_retried() {
        let mut calls = 0;
        let result: Result<(), _> = retry(
            || {
                calls += 1;
                Err(os(2))
            },
            windows_busy,
            &schedule(),
            |_| panic!("no wait for a missing file"),
        );
        let exhausted = result.unwrap_err();
        assert_eq!((calls, exhausted.tries), (1, 1));
        let error = exhausted.into_io();
        assert_eq!(error.raw_os_error(), Some(2), "reported unchanged");
    }

    #[test]
    fn a_file_that_stays_busy_gives_up_after_the_schedule_with_a_clear_error() {
        let delays = schedule();
        let mut waited = Duration::ZERO;
        let exhausted = retry(
            || -> io::Result<()> { Err(os(32)) },
            windows_busy,
            &delays,
            |d| waited += d,
        )
        .unwrap_err();
        assert_eq!(exhausted.tries as usize, delays.len() + 1);
        assert_eq!(exhausted.waited, TOTAL_WAIT);
        assert_eq!(waited, TOTAL_WAIT);
        let text = exhausted.into_io().to_string();
        assert!(
            text.starts_with("another program is using the file"),
            "{text}"
        );
        assert!(
            text.contains(&format!("{} tries over 2.0 s", delays.len() + 1)),
            "{text}"
        );
        assert!(text.contains("left the file as it was"), "{text}");
    }

    #[test]
    fn each_busy_error_is_worded() {
        assert!(busy_reason(Some(33)).contains("locked"));
        assert!(busy_reason(Some(5)).starts_with("access denied"));
    }

    #[test]
    fn a_rename_that_cannot_succeed_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let error = on_busy_file(|| std::fs::rename(&missing, dir.path().join("to"))).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
