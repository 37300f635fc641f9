//! Following real files: appends, partial lines, rotation, truncation, bursts.
//! Polling is explicit, so no test sleeps.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use ucsconf::logs::follow::{FINGERPRINT_LEN, POLL_LIMIT, READ_CHUNK};
use ucsconf::logs::{
    Follower, LocalLog, LogSource, LogStat, NodeLog, Polled, display_line, last_lines,
};
use ucsconf::node::LocalNode;

const REL: &str = "Var/Log/w3wp/ApplicationSuite.log";

/// A temporary node root with the log's directory.
struct Site {
    _dir: tempfile::TempDir,
    node: Arc<LocalNode>,
    path: PathBuf,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let node = Arc::new(LocalNode::new("ucs-a", dir.path()));
        let path = node.resolve(REL);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        Site {
            _dir: dir,
            node,
            path,
        }
    }

    fn local(&self) -> LocalLog {
        LocalLog::new(&self.path)
    }

    fn via_node(&self) -> NodeLog {
        NodeLog::new(self.node.clone(), REL)
    }

    fn rotated_path(&self, n: u32) -> PathBuf {
        self.path.with_extension(format!("log.{n}"))
    }

    fn append(&self, bytes: &[u8]) {
        append(&self.path, bytes);
    }

    /// log4net's rolling: rename the file away, start a new one.
    fn rotate(&self, n: u32, first: &[u8]) {
        fs::rename(&self.path, self.rotated_path(n)).unwrap();
        fs::write(&self.path, first).unwrap();
    }

    /// Truncates in place (same inode) and writes `bytes`.
    fn truncate_to(&self, bytes: &[u8]) {
        let mut f = OpenOptions::new().write(true).open(&self.path).unwrap();
        f.set_len(0).unwrap();
        f.write_all(bytes).unwrap();
    }
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

/// A source that knows no file identity, as on Windows.
struct NoIdentity(LocalLog);

#[async_trait]
impl LogSource for NoIdentity {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        Ok(self.0.stat().await?.map(|s| LogStat { id: None, ..s }))
    }
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.0.read_at(offset, len).await
    }
}

fn text(polled: &Polled) -> Vec<String> {
    polled
        .lines
        .iter()
        .map(|l| String::from_utf8(l.clone()).unwrap())
        .collect()
}

fn strs(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

/// Polls until a poll has nothing more pending; everything found, merged.
async fn poll_all<S: LogSource>(follower: &mut Follower<S>) -> Polled {
    let mut all = Polled::default();
    loop {
        let p = follower.poll().await.unwrap();
        all.lines.extend(p.lines);
        all.rotated |= p.rotated;
        all.truncated |= p.truncated;
        if !p.more {
            return all;
        }
    }
}

async fn follow_from_end<S: LogSource>(source: S) -> Follower<S> {
    let tail = last_lines(&source, 10).await.unwrap();
    Follower::new(source, tail.end)
}

async fn appends_and_partial_lines<S: LogSource>(site: &Site, source: S) {
    site.append(b"old 1\nold 2\n");
    let mut f = follow_from_end(source).await;
    let p = f.poll().await.unwrap();
    assert_eq!(p, Polled::default());

    site.append(b"new 1\nnew 2\nnew 3\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["new 1", "new 2", "new 3"]));
    assert!(!p.rotated && !p.truncated && !p.more);
    assert!(f.poll().await.unwrap().lines.is_empty());

    // A line written in pieces is handed out once, whole.
    site.append(b"par");
    assert!(f.poll().await.unwrap().lines.is_empty());
    site.append(b"tial");
    assert!(f.poll().await.unwrap().lines.is_empty());
    site.append(b" line\nnext ");
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["partial line"]));
    site.append(b"one\n\n");
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["next one", ""]));
    assert_eq!(f.offset(), fs::metadata(&site.path).unwrap().len());
}

#[tokio::test(flavor = "multi_thread")]
async fn appends_and_partial_lines_local() {
    let site = Site::new();
    appends_and_partial_lines(&site, site.local()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn appends_and_partial_lines_through_a_node() {
    let site = Site::new();
    appends_and_partial_lines(&site, site.via_node()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn crlf_lines_keep_their_cr_until_displayed() {
    let site = Site::new();
    let mut f = Follower::new(site.local(), 0);
    site.append(b"2026-11-22 10:15:00,004 [14] INFO  a - one\r\n\r\ntwo\r");
    let p = f.poll().await.unwrap();
    assert_eq!(
        p.lines,
        vec![
            b"2026-11-22 10:15:00,004 [14] INFO  a - one\r".to_vec(),
            b"\r".to_vec()
        ]
    );
    assert_eq!(
        display_line(&p.lines[0], 1000),
        "2026-11-22 10:15:00,004 [14] INFO  a - one"
    );
    assert_eq!(display_line(&p.lines[1], 1000), "");
    // The CR of a line whose LF has not arrived yet stays with it.
    site.append(b"\n");
    assert_eq!(f.poll().await.unwrap().lines, vec![b"two\r".to_vec()]);
}

async fn missing_file_that_appears<S: LogSource>(site: &Site, source: S) {
    let mut f = Follower::new(source, 0);
    for _ in 0..3 {
        assert_eq!(f.poll().await.unwrap(), Polled::default());
    }
    site.append(b"first\nsecond\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["first", "second"]));
    assert!(!p.rotated && !p.truncated);
    site.append(b"third\n");
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["third"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_file_that_appears_local() {
    let site = Site::new();
    missing_file_that_appears(&site, site.local()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_file_that_appears_through_a_node() {
    let site = Site::new();
    missing_file_that_appears(&site, site.via_node()).await;
}

/// Rotation polled between every step: nothing lost or repeated on any source.
async fn rotation_polled_between_steps<S: LogSource>(site: &Site, source: S) {
    site.append(b"a1\na2\n");
    let mut f = follow_from_end(source).await;
    site.append(b"a3\n");
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["a3"]));

    fs::rename(&site.path, site.rotated_path(1)).unwrap();
    assert_eq!(f.poll().await.unwrap(), Polled::default());
    fs::write(&site.path, b"b1\nb2\n").unwrap();
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["b1", "b2"]));
    assert!(p.rotated && !p.truncated);

    site.append(b"b3\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["b3"]));
    assert!(!p.rotated);

    // Renamed and recreated between two polls: a new identity; without
    // identities (Windows) a shorter file.
    site.rotate(2, b"c1\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["c1"]));
    assert!(p.rotated || (cfg!(not(unix)) && p.truncated));
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_local() {
    let site = Site::new();
    rotation_polled_between_steps(&site, site.local()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_through_a_node() {
    let site = Site::new();
    rotation_polled_between_steps(&site, site.via_node()).await;
}

/// Without identities (Windows) a replaced file is seen as truncated when it
/// is shorter, or when its first bytes differ.
#[tokio::test(flavor = "multi_thread")]
async fn rotation_without_identity_is_seen_as_truncation() {
    let site = Site::new();
    site.append(b"2026-11-22 10:00:00,000 first file line 1\nline 2\n");
    let mut f = follow_from_end(NoIdentity(site.local())).await;
    assert!(f.poll().await.unwrap().lines.is_empty());

    site.rotate(1, b"2026-11-22 10:00:01,000 x\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["2026-11-22 10:00:01,000 x"]));
    assert!(p.truncated);

    // Longer than the offset, but different first bytes.
    let mut longer = b"2026-11-22 10:00:02,000 replaced\n".to_vec();
    longer.extend(b"filler line\n".repeat(20));
    site.rotate(2, &longer);
    let p = poll_all(&mut f).await;
    assert!(p.truncated);
    assert_eq!(p.lines.len(), 21);
    assert_eq!(p.lines[0], b"2026-11-22 10:00:02,000 replaced");

    // Vanished, then back: a new file.
    fs::rename(&site.path, site.rotated_path(3)).unwrap();
    assert_eq!(f.poll().await.unwrap(), Polled::default());
    fs::write(&site.path, b"after\n").unwrap();
    let p = f.poll().await.unwrap();
    assert!(p.rotated);
    assert_eq!(text(&p), strs(&["after"]));
}

/// Unix: the follower keeps a descriptor on the file it reads, so lines the
/// writer added after the last poll and before the rename are not lost.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn rotation_loses_nothing_written_just_before_it_local() {
    let site = Site::new();
    site.append(b"a1\n");
    let mut f = follow_from_end(site.local()).await;
    assert!(f.poll().await.unwrap().lines.is_empty());

    site.append(b"a2\na3 partial");
    site.rotate(1, b"b1\n");
    append(&site.rotated_path(1), b" done\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["a2", "a3 partial done", "b1"]));
    assert!(p.rotated && !p.truncated);

    // Renamed away and not recreated yet: the old file is still followed.
    site.append(b"b2\n");
    fs::rename(&site.path, site.rotated_path(2)).unwrap();
    append(&site.rotated_path(2), b"b3\nb4 unfinished");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["b2", "b3"]));
    assert!(!p.rotated);
    fs::write(&site.path, b"c1\n").unwrap();
    let p = f.poll().await.unwrap();
    // The old file is over: its unfinished last line is all there is.
    assert_eq!(text(&p), strs(&["b4 unfinished", "c1"]));
    assert!(p.rotated);
}

async fn truncation<S: LogSource>(site: &Site, source: S) {
    site.append(b"line 1\nline 2\nline 3\n");
    let mut f = follow_from_end(source).await;
    site.append(b"line 4\n");
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["line 4"]));

    // Shorter than the offset.
    site.truncate_to(b"fresh 1\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["fresh 1"]));
    assert!(p.truncated && !p.rotated);
    site.append(b"fresh 2\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["fresh 2"]));
    assert!(!p.truncated);

    // Truncated and rewritten past the old offset: the first bytes tell.
    let rewritten: Vec<String> = (0..40).map(|i| format!("rewritten {i:02}")).collect();
    site.truncate_to(format!("{}\n", rewritten.join("\n")).as_bytes());
    let p = poll_all(&mut f).await;
    assert!(p.truncated);
    assert_eq!(text(&p), rewritten);

    // Emptied: the partial line that was waiting is handed out, not lost.
    site.append(b"waiting");
    assert!(f.poll().await.unwrap().lines.is_empty());
    site.truncate_to(b"");
    let p = f.poll().await.unwrap();
    assert!(p.truncated);
    assert_eq!(text(&p), strs(&["waiting"]));
    site.append(b"again\n");
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["again"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn truncation_local() {
    let site = Site::new();
    truncation(&site, site.local()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn truncation_through_a_node() {
    let site = Site::new();
    truncation(&site, site.via_node()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fingerprint_grows_with_a_young_file() {
    // A file shorter than the fingerprint, later rewritten with the same
    // first bytes but different ones after them.
    let site = Site::new();
    let mut f = Follower::new(site.local(), 0);
    site.append(b"ab\n");
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["ab"]));
    let long: Vec<u8> = (0..FINGERPRINT_LEN * 2)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    site.append(&long);
    site.append(b"\n");
    assert_eq!(f.poll().await.unwrap().lines.len(), 1);
    let mut changed = b"ab\n".to_vec();
    changed.extend(vec![b'z'; FINGERPRINT_LEN * 3]);
    changed.push(b'\n');
    site.truncate_to(&changed);
    let p = poll_all(&mut f).await;
    assert!(p.truncated);
    assert_eq!(p.lines.len(), 2);
}

/// Rotation and truncation with no poll in between: every line still in a
/// file at poll time is handed out, none twice (Unix: the old file is
/// finished through the descriptor kept on it).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn rotation_and_truncation_in_quick_succession() {
    let site = Site::new();
    site.append(b"x1\n");
    let mut f = follow_from_end(site.local()).await;
    assert!(f.poll().await.unwrap().lines.is_empty());

    // Truncate, then rotate, then truncate the new file.
    site.truncate_to(b"t1\nt2\n");
    site.rotate(1, b"gone\n");
    site.truncate_to(b"n1\n");
    let p = f.poll().await.unwrap();
    assert!(p.rotated);
    // The old file, truncated and refilled, is read through its descriptor.
    assert!(p.truncated);
    assert_eq!(text(&p), strs(&["t1", "t2", "n1"]));

    // Rotate, write, truncate, write, with polls only at the end.
    site.append(b"n2\n");
    site.rotate(2, b"r1\nr2\nr3\n");
    site.truncate_to(b"s1\n");
    site.append(b"s2\n");
    let p = f.poll().await.unwrap();
    assert!(p.rotated);
    assert_eq!(text(&p), strs(&["n2", "s1", "s2"]));

    // Then a plain truncation right after a rotation was seen.
    site.rotate(3, b"u1\nu2\n");
    let p = f.poll().await.unwrap();
    assert_eq!(text(&p), strs(&["u1", "u2"]));
    site.truncate_to(b"v1\n");
    let p = f.poll().await.unwrap();
    assert!(p.truncated && !p.rotated);
    assert_eq!(text(&p), strs(&["v1"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_big_append_is_read_over_several_polls() {
    let site = Site::new();
    let mut f = Follower::new(site.local(), 0);
    let line = vec![b'q'; 999];
    let count = (POLL_LIMIT * 2 + READ_CHUNK) / 1000 + 17;
    let mut bytes = Vec::with_capacity(count * 1000);
    for _ in 0..count {
        bytes.extend_from_slice(&line);
        bytes.push(b'\n');
    }
    site.append(&bytes);
    let first = f.poll().await.unwrap();
    assert!(first.more);
    assert!(first.lines.len() < count);
    let rest = poll_all(&mut f).await;
    assert_eq!(first.lines.len() + rest.lines.len(), count);
    assert!(rest.lines.iter().all(|l| *l == line));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_longer_than_a_read_arrives_whole() {
    let site = Site::new();
    let mut f = Follower::new(site.local(), 0);
    let long: Vec<u8> = (0..READ_CHUNK * 3 + 123)
        .map(|i| b'A' + (i % 26) as u8)
        .collect();
    site.append(&long[..READ_CHUNK + 5]);
    assert!(poll_all(&mut f).await.lines.is_empty());
    site.append(&long[READ_CHUNK + 5..]);
    assert!(poll_all(&mut f).await.lines.is_empty());
    site.append(b"\nshort\n");
    let p = poll_all(&mut f).await;
    assert_eq!(p.lines.len(), 2);
    assert_eq!(p.lines[0], long);
    assert_eq!(p.lines[1], b"short");
}

/// Writes `count` numbered lines in batches on a thread, rotating every
/// `rotate_every` lines (0: never). Before each rotation it waits until the
/// follower has polled twice since the current file was created: two
/// rotations between polls cannot be followed by anyone.
fn spawn_writer(
    path: PathBuf,
    count: u64,
    rotate_every: u64,
    polls: Arc<AtomicU64>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let mut created_at = polls.load(Ordering::SeqCst);
        let mut rotations = 0;
        let mut batch = String::new();
        for i in 0..count {
            batch.push_str(&format!(
                "2026-11-22 10:15:00,004 [14] INFO  Imagicle.Burst - line {i}\r\n"
            ));
            let last = i + 1 == count;
            if batch.len() > 8000 || last {
                file.write_all(batch.as_bytes()).unwrap();
                batch.clear();
            }
            if rotate_every > 0 && (i + 1) % rotate_every == 0 && !last {
                while polls.load(Ordering::SeqCst) < created_at + 2 {
                    std::thread::yield_now();
                }
                rotations += 1;
                fs::rename(&path, path.with_extension(format!("log.{rotations}"))).unwrap();
                file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .unwrap();
                created_at = polls.load(Ordering::SeqCst);
            }
        }
    })
}

async fn burst<S: LogSource>(site: &Site, source: S, rotate_every: u64) {
    const COUNT: u64 = 200_000;
    site.append(b"");
    let mut f = Follower::new(source, 0);
    let polls = Arc::new(AtomicU64::new(0));
    let writer = spawn_writer(site.path.clone(), COUNT, rotate_every, polls.clone());
    let mut seen = 0u64;
    let mut rotations = 0;
    loop {
        let finished = writer.is_finished();
        let p = f.poll().await.unwrap();
        polls.fetch_add(1, Ordering::SeqCst);
        rotations += usize::from(p.rotated);
        assert!(!p.truncated);
        for line in &p.lines {
            let expected =
                format!("2026-11-22 10:15:00,004 [14] INFO  Imagicle.Burst - line {seen}\r");
            assert_eq!(
                String::from_utf8_lossy(line),
                expected,
                "line {seen} lost, repeated or mangled"
            );
            seen += 1;
        }
        // Written completely before this poll began, and all read.
        if finished && !p.more {
            break;
        }
        tokio::task::yield_now().await;
    }
    writer.join().unwrap();
    assert_eq!(seen, COUNT);
    let expected_rotations = (COUNT - 1).checked_div(rotate_every).unwrap_or(0);
    assert_eq!(rotations as u64, expected_rotations);
}

#[tokio::test(flavor = "multi_thread")]
async fn burst_of_200000_lines_local() {
    let site = Site::new();
    burst(&site, site.local(), 0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn burst_of_200000_lines_through_a_node() {
    let site = Site::new();
    burst(&site, site.via_node(), 0).await;
}

/// With rotations in the middle of the burst; needs the held descriptor.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn burst_with_rotations_local() {
    let site = Site::new();
    burst(&site, site.local(), 30_000).await;
}

/// A real file whose reads past `fail_from` fail once (a dropped link).
struct FailsOnce {
    inner: LocalLog,
    fail_from: u64,
    failed: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl LogSource for FailsOnce {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        self.inner.stat().await
    }
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        if offset >= self.fail_from && !self.failed.swap(true, Ordering::SeqCst) {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "link dropped",
            ));
        }
        self.inner.read_at(offset, len).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_error_mid_poll_loses_nothing() {
    let site = Site::new();
    let lines: Vec<String> = (0..100_000)
        .map(|i| format!("line {i:06} of the burst"))
        .collect();
    site.append(format!("{}\n", lines.join("\n")).as_bytes());
    let source = FailsOnce {
        inner: site.local(),
        fail_from: READ_CHUNK as u64,
        failed: Default::default(),
    };
    let mut f = Follower::new(source, 0);
    let first = f.poll().await.unwrap();
    assert!(
        first.more,
        "the lines found before the error come with `more`"
    );
    assert!(!first.lines.is_empty() && first.lines.len() < lines.len());
    let rest = poll_all(&mut f).await;
    let mut all = text(&first);
    all.extend(text(&rest));
    assert_eq!(all, lines);

    // An error before anything was found is an error.
    let failing = FailsOnce {
        inner: site.local(),
        fail_from: 0,
        failed: Default::default(),
    };
    let mut f = Follower::new(failing, 0);
    let err = f.poll().await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    assert_eq!(poll_all(&mut f).await.lines.len(), lines.len());
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A UTF-16LE log as Windows services write it: a byte-order mark, CRLF,
/// characters whose code unit holds a `0A` byte (U+010A, U+0A0D), and
/// writes that stop half-way through a code unit.
async fn utf16_appends_and_rotation<S: LogSource>(site: &Site, source: S) {
    let mut bytes = b"\xff\xfe".to_vec();
    bytes.extend(utf16("2026-11-22 10:15:00,004 [1] INFO  a - Ċ one\r\n"));
    site.append(&bytes);
    let mut f = Follower::new(source, 0);
    let p = f.poll().await.unwrap();
    assert_eq!(
        text(&p),
        strs(&["2026-11-22 10:15:00,004 [1] INFO  a - Ċ one\r"]),
        "the byte-order mark is no part of the first line"
    );

    // Written in pieces, one of them ending in the middle of a code unit.
    let next = utf16("\u{a0d}two ☃\r\nthree\n");
    site.append(&next[..3]);
    assert!(f.poll().await.unwrap().lines.is_empty());
    site.append(&next[3..9]);
    assert!(f.poll().await.unwrap().lines.is_empty());
    site.append(&next[9..]);
    assert_eq!(
        text(&f.poll().await.unwrap()),
        strs(&["\u{a0d}two ☃\r", "three"])
    );

    // Rotated to a new UTF-16 file, then truncated and rewritten as UTF-8.
    let mut fresh = b"\xff\xfe".to_vec();
    fresh.extend(utf16("new file\n"));
    site.rotate(1, &fresh);
    let p = f.poll().await.unwrap();
    // Without file identities (Windows) a rotation is seen as a truncation
    // (see the follower's notes): the new file is read from its start either way.
    assert!(p.rotated || (cfg!(not(unix)) && p.truncated), "{p:?}");
    assert_eq!(text(&p), strs(&["new file"]));
    site.truncate_to("utf-8 now é\n".as_bytes());
    let p = poll_all(&mut f).await;
    assert!(p.truncated || p.rotated, "{p:?}");
    assert_eq!(text(&p), strs(&["utf-8 now é"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn utf16_appends_and_rotation_local() {
    let site = Site::new();
    utf16_appends_and_rotation(&site, site.local()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn utf16_appends_and_rotation_through_a_node() {
    let site = Site::new();
    utf16_appends_and_rotation(&site, site.via_node()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn utf16_followed_from_the_end_of_its_tail() {
    let site = Site::new();
    let mut bytes = b"\xff\xfe".to_vec();
    for i in 0..50 {
        bytes.extend(utf16(&format!("line {i} Ċ\r\n")));
    }
    site.append(&bytes);
    let tail = last_lines(&site.local(), 2).await.unwrap();
    let lines: Vec<String> = tail.lines().map(|l| display_line(&l, 100)).collect();
    assert_eq!(lines, strs(&["line 48 Ċ", "line 49 Ċ"]));
    let mut f = Follower::new(site.local(), tail.end);
    site.append(&utf16("line 50\r\n"));
    assert_eq!(text(&f.poll().await.unwrap()), strs(&["line 50\r"]));
}
