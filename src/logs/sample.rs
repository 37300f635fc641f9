//! Realistic, deterministic log4net lines in the suite's format, for the
//! demo, manual tests and benchmarks.

use std::time::SystemTime;

/// A seeded generator of application log entries.
#[derive(Debug, Clone)]
pub struct SampleLog {
    rng: SplitMix64,
}

impl SampleLog {
    pub fn new(seed: u64) -> Self {
        SampleLog {
            rng: SplitMix64(seed),
        }
    }

    /// One entry stamped `now` (UTC): one line, or more for an exception
    /// with its stack trace. Every line ends in `\r\n`, as the suite writes.
    pub fn next_entry(&mut self, now: SystemTime) -> String {
        let thread = self.rng.range(1, 64);
        let roll = self.rng.below(100);
        let (level, logger, message, trace) = match roll {
            0..=69 => self.info(),
            70..=83 => self.debug(),
            84..=95 => self.warn(),
            _ => self.error(),
        };
        let mut entry = format!(
            "{} [{thread}] {level:<5} {logger} - {message}\r\n",
            format_timestamp(now)
        );
        for line in trace {
            entry.push_str(&line);
            entry.push_str("\r\n");
        }
        entry
    }

    fn info(&mut self) -> (&'static str, &'static str, String, Vec<String>) {
        let r = &mut self.rng;
        let (logger, message) = match r.below(8) {
            0 => (
                "Imagicle.Presence.PresenceEngine",
                format!(
                    "Polled presence for {} users in {} ms",
                    r.range(40, 5000),
                    r.range(80, 2500)
                ),
            ),
            1 => (
                "Imagicle.Presence.WebexPresenceProvider",
                format!(
                    "Webex presence subscription renewed for {} users, expires in {} min",
                    r.range(10, 2000),
                    r.range(30, 120)
                ),
            ),
            2 => (
                "Imagicle.Calendar.EwsSync",
                format!(
                    "Calendar sync completed: {} mailboxes, {} appointments in {} ms",
                    r.range(5, 800),
                    r.range(0, 9000),
                    r.range(200, 30000)
                ),
            ),
            3 => (
                "Imagicle.Web.RequestLogger",
                format!(
                    "{} {} from {} completed 200 in {} ms",
                    r.pick(&["GET", "GET", "GET", "POST"]),
                    api_path(r),
                    ip(r),
                    r.range(2, 900)
                ),
            ),
            4 => (
                "Imagicle.CloudServices.TokenClient",
                format!(
                    "Access token obtained from https://login.imagicle.cloud/oauth2/token for client {}, valid {} min",
                    guid(r),
                    r.pick(&["60", "60", "30"])
                ),
            ),
            5 => (
                "Imagicle.Web.Authentication",
                format!("User {} signed in from {}", user(r), ip(r)),
            ),
            6 => {
                // The seats first: never more in use than there are.
                let seats = [1000, 500, 250][r.below(3) as usize];
                (
                    "Imagicle.CloudServices.LicenseSync",
                    format!(
                        "License check succeeded: {} of {seats} seats in use",
                        r.range(10, seats)
                    ),
                )
            }
            _ => (
                "Imagicle.Calendar.Office365Provider",
                format!(
                    "Fetched {} events for {} from https://graph.microsoft.com/v1.0/users/{}/calendarView",
                    r.range(0, 40),
                    user(r),
                    guid(r)
                ),
            ),
        };
        ("INFO", logger, message, Vec::new())
    }

    fn debug(&mut self) -> (&'static str, &'static str, String, Vec<String>) {
        let r = &mut self.rng;
        let (logger, message) = match r.below(4) {
            0 => (
                "Imagicle.Calendar.CalendarCache",
                format!(
                    "Cache hit for mailbox {} ({} items)",
                    user(r),
                    r.range(0, 300)
                ),
            ),
            1 => (
                "Imagicle.Calendar.EwsSync",
                format!(
                    "Sending EWS request FindItem to https://mail.contoso.com/EWS/Exchange.asmx (request id {})",
                    guid(r)
                ),
            ),
            2 => (
                "Imagicle.Presence.JabberConnector",
                format!(
                    "Presence change for {}: {} -> {}",
                    guid(r),
                    r.pick(&["Available", "Away", "Busy"]),
                    r.pick(&["Busy", "DoNotDisturb", "Available", "Offline"])
                ),
            ),
            _ => (
                "Imagicle.Web.Api.AttendantController",
                format!(
                    "Search '{}' returned {} contacts in {} ms",
                    r.pick(&["ross", "mar", "support", "sales", "ber"]),
                    r.range(0, 50),
                    r.range(1, 120)
                ),
            ),
        };
        ("DEBUG", logger, message, Vec::new())
    }

    fn warn(&mut self) -> (&'static str, &'static str, String, Vec<String>) {
        let r = &mut self.rng;
        let (logger, message) = match r.below(4) {
            0 => (
                "Imagicle.Web.RequestLogger",
                format!(
                    "GET {} from {} took {} ms",
                    api_path(r),
                    ip(r),
                    r.range(3000, 20000)
                ),
            ),
            1 => (
                "Imagicle.Calendar.EwsSync",
                format!(
                    "EWS throttling: server asked to back off {} s (ErrorServerBusy)",
                    r.range(5, 300)
                ),
            ),
            2 => (
                "Imagicle.Presence.WebexPresenceProvider",
                format!(
                    "Webex API rate limit reached, retry after {} s ({} users pending)",
                    r.range(1, 60),
                    r.range(1, 500)
                ),
            ),
            _ => (
                "Imagicle.CloudServices.TokenClient",
                format!(
                    "Token endpoint slow to answer ({} ms), retrying",
                    r.range(2000, 15000)
                ),
            ),
        };
        ("WARN", logger, message, Vec::new())
    }

    fn error(&mut self) -> (&'static str, &'static str, String, Vec<String>) {
        let r = &mut self.rng;
        let kind = r.below(4);
        let (logger, message, exception, frames): (_, _, _, &[&str]) = match kind {
            0 => (
                "Imagicle.Calendar.EwsSync",
                "EWS call failed: (401) Unauthorized".to_string(),
                "System.Net.WebException: The remote server returned an error: (401) Unauthorized.",
                &[
                    "System.Net.HttpWebRequest.GetResponse()",
                    "Microsoft.Exchange.WebServices.Data.EwsHttpWebRequest.GetResponse()",
                    "Imagicle.Calendar.Ews.EwsClient.FindAppointments(String mailbox) in C:\\Build\\UCSuite\\src\\Calendar\\Ews\\EwsClient.cs:line 142",
                    "Imagicle.Calendar.Ews.Sync() in C:\\Build\\UCSuite\\src\\Calendar\\Ews\\Sync.cs:line 88",
                    "Imagicle.Calendar.EwsSync.Run(CancellationToken token) in C:\\Build\\UCSuite\\src\\Calendar\\EwsSync.cs:line 57",
                ],
            ),
            1 => (
                "Imagicle.CloudServices.TokenClient",
                format!("Token request failed for client {}", guid(r)),
                "System.Net.Http.HttpRequestException: Response status code does not indicate success: 400 (Bad Request).",
                &[
                    "System.Net.Http.HttpResponseMessage.EnsureSuccessStatusCode()",
                    "Imagicle.CloudServices.TokenClient.<RequestTokenAsync>d__12.MoveNext() in C:\\Build\\UCSuite\\src\\CloudServices\\TokenClient.cs:line 201",
                    "--- End of stack trace from previous location where exception was thrown ---",
                    "System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)",
                    "Imagicle.CloudServices.LicenseSync.<RefreshAsync>d__7.MoveNext() in C:\\Build\\UCSuite\\src\\CloudServices\\LicenseSync.cs:line 64",
                ],
            ),
            2 => (
                "Imagicle.Presence.PresenceEngine",
                format!("Presence poll failed for {} users", r.range(10, 3000)),
                "System.TimeoutException: The operation has timed out.",
                &[
                    "Imagicle.Presence.Webex.WebexClient.GetPresence(IReadOnlyList`1 ids) in C:\\Build\\UCSuite\\src\\Presence\\Webex\\WebexClient.cs:line 118",
                    "Imagicle.Presence.PresenceEngine.PollBatch(Int32 batch) in C:\\Build\\UCSuite\\src\\Presence\\PresenceEngine.cs:line 233",
                    "Imagicle.Presence.PresenceEngine.Poll() in C:\\Build\\UCSuite\\src\\Presence\\PresenceEngine.cs:line 190",
                ],
            ),
            _ => (
                "Imagicle.Web.Api.AttendantController",
                format!("Unhandled exception in GET {} from {}", api_path(r), ip(r)),
                "System.NullReferenceException: Object reference not set to an instance of an object.",
                &[
                    "Imagicle.Web.Api.AttendantController.GetContact(String id) in C:\\Build\\UCSuite\\src\\Web\\Api\\AttendantController.cs:line 77",
                    "lambda_method(Closure , ControllerBase , Object[] )",
                    "System.Web.Http.Controllers.ReflectedHttpActionDescriptor.ActionExecutor.Execute(Object instance, Object[] arguments)",
                    "System.Web.Http.Controllers.ApiControllerActionInvoker.InvokeActionAsyncCore(HttpActionContext actionContext, CancellationToken cancellationToken)",
                ],
            ),
        };
        let shown = r.range(2, frames.len() as u64 + 1) as usize;
        let mut trace = vec![exception.to_string()];
        trace.extend(frames[..shown].iter().map(|f| frame(f)));
        if kind == 2 && r.below(2) == 0 {
            trace.insert(
                1,
                " ---> System.Net.Sockets.SocketException: A connection attempt failed because the connected party did not properly respond after a period of time".to_string(),
            );
            trace.insert(
                2,
                "   --- End of inner exception stack trace ---".to_string(),
            );
        }
        let level = if r.below(20) == 0 { "FATAL" } else { "ERROR" };
        (level, logger, message, trace)
    }
}

fn frame(f: &str) -> String {
    if f.starts_with("---") {
        f.to_string()
    } else {
        format!("   at {f}")
    }
}

fn api_path(r: &mut SplitMix64) -> String {
    match r.below(4) {
        0 => format!(
            "/api/attendant/contacts?query={}",
            r.pick(&["ross", "mar", "sales"])
        ),
        1 => format!("/api/attendant/presence/{}", guid(r)),
        2 => "/api/attendant/timeout".to_string(),
        _ => format!("/api/queue/{}/calls", r.range(1, 40)),
    }
}

fn ip(r: &mut SplitMix64) -> String {
    format!(
        "10.{}.{}.{}",
        r.range(0, 40),
        r.range(0, 255),
        r.range(1, 254)
    )
}

fn user(r: &mut SplitMix64) -> String {
    let names = [
        "mario.rossi",
        "anna.bianchi",
        "j.smith",
        "reception",
        "l.ferrari",
        "helpdesk",
    ];
    format!("{}@contoso.com", r.pick(&names))
}

fn guid(r: &mut SplitMix64) -> String {
    let a = r.next();
    let b = r.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// `YYYY-MM-DD HH:MM:SS,mmm` in UTC, as log4net writes its `%date`.
pub fn format_timestamp(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time)
        .format("%Y-%m-%d %H:%M:%S,%3f")
        .to_string()
}

/// Sebastiano Vigna's splitmix64: tiny, fast, good enough for sample text.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// In `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::entry::{Level, parse_level, parse_timestamp};
    use std::time::Duration;
    use std::time::UNIX_EPOCH;

    #[test]
    fn same_seed_same_text_and_lines_parse() {
        let start = UNIX_EPOCH + Duration::from_millis(1_795_342_500_004);
        let mut a = SampleLog::new(7);
        let mut b = SampleLog::new(7);
        let mut levels = std::collections::HashSet::new();
        let mut traces = 0;
        for i in 0..2000u64 {
            let now = start + Duration::from_millis(i * 37);
            let entry = a.next_entry(now);
            assert_eq!(entry, b.next_entry(now));
            assert!(entry.ends_with("\r\n"));
            let lines: Vec<&str> = entry.split_terminator("\r\n").collect();
            assert!(!lines.iter().any(|l| l.contains('\n') || l.contains('\r')));
            let ms = 1_795_342_500_004 + i as i64 * 37;
            assert_eq!(parse_timestamp(lines[0]), Some(ms), "{}", lines[0]);
            levels.insert(parse_level(lines[0]).expect(lines[0]));
            for cont in &lines[1..] {
                assert_eq!(parse_timestamp(cont), None, "{cont}");
            }
            traces += usize::from(lines.len() > 1);
        }
        assert!(levels.contains(&Level::Info) && levels.contains(&Level::Error));
        assert!(levels.contains(&Level::Warn) && levels.contains(&Level::Debug));
        assert!(traces > 20 && traces < 200, "{traces}");
        assert_ne!(
            SampleLog::new(1).next_entry(start),
            SampleLog::new(2).next_entry(start)
        );
    }

    #[test]
    fn never_more_seats_in_use_than_there_are() {
        let mut log = SampleLog::new(3);
        let mut seen = 0;
        for _ in 0..5000 {
            let entry = log.next_entry(UNIX_EPOCH);
            let Some((_, rest)) = entry.split_once("License check succeeded: ") else {
                continue;
            };
            let words: Vec<&str> = rest.split_whitespace().collect();
            let (used, seats): (u64, u64) = (words[0].parse().unwrap(), words[2].parse().unwrap());
            assert!(used <= seats, "{entry}");
            seen += 1;
        }
        assert!(seen > 50, "{seen}");
    }

    #[test]
    fn timestamp_format() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_342_500_004);
        assert_eq!(format_timestamp(t), "2026-11-22 10:15:00,004");
    }
}
