//! `last_lines` against the real `tail -n` binary, on many generated files.

use std::io;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use ucsconf::logs::{LocalLog, LogSource, LogStat, NodeLog, last_lines};
use ucsconf::node::LocalNode;

/// A deterministic xorshift generator for file shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A file of `lines` lines mixing the awkward cases.
fn generate(rng: &mut Rng, lines: usize, huge: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    for i in 0..lines {
        let len = match rng.below(20) {
            0 | 1 => 0,
            2 if huge => 64 * 1024 + rng.below(200 * 1024) as usize,
            3 => rng.below(3000) as usize,
            _ => rng.below(120) as usize,
        };
        bytes.extend((0..len).map(|j| b"abcdefghij \t\xc3\xa9xyz"[(i + j) % 17]));
        if rng.below(4) == 0 {
            bytes.push(b'\r');
        }
        bytes.push(b'\n');
    }
    if rng.below(3) == 0 {
        // No final newline: the last line is still a line.
        bytes.extend_from_slice(b"unterminated last line");
    }
    bytes
}

fn real_tail(path: &Path, n: usize) -> Option<Vec<u8>> {
    let out = Command::new("tail")
        .arg("-n")
        .arg(n.to_string())
        .arg(path)
        .output()
        .ok()?;
    assert!(out.status.success(), "tail failed: {:?}", out);
    Some(out.stdout)
}

fn tail_available() -> bool {
    let ok = Command::new("tail").arg("--version").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: no `tail` binary on PATH to compare against");
    }
    ok
}

#[tokio::test(flavor = "multi_thread")]
async fn agrees_with_tail_binary_on_generated_files() {
    if !tail_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut compared = 0;
    for case in 0..40 {
        let lines = match case % 5 {
            0 => rng.below(4) as usize,
            1 => rng.below(50) as usize,
            _ => rng.below(3000) as usize,
        };
        let bytes = generate(&mut rng, lines, case % 4 == 1);
        let path = dir.path().join(format!("case{case}.log"));
        std::fs::write(&path, &bytes).unwrap();
        let source = LocalLog::new(&path);
        let total = lines + 1;
        for n in [0, 1, 2, 3, 10, 100, total / 2, total, total + 5] {
            let expected = real_tail(&path, n).unwrap();
            let tail = last_lines(&source, n).await.unwrap();
            assert_eq!(
                tail.bytes,
                expected,
                "case {case} ({} bytes) n={n}",
                bytes.len()
            );
            assert_eq!(tail.end, bytes.len() as u64);
            assert_eq!(&bytes[tail.start as usize..], &tail.bytes[..]);
            compared += 1;
        }
    }
    assert_eq!(compared, 360);
}

#[tokio::test(flavor = "multi_thread")]
async fn special_shapes_agree_with_tail_binary() {
    if !tail_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let long = vec![b'x'; 300 * 1024];
    let mut shapes: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\n".to_vec(),
        b"\n\n\n\n".to_vec(),
        b"no newline at all".to_vec(),
        b"a\r\nb\r\n\r\nc\r\n".to_vec(),
        b"\r\n\r\n".to_vec(),
        long.clone(),
    ];
    let mut long_lines = long.clone();
    long_lines.push(b'\n');
    long_lines.extend_from_slice(&long);
    long_lines.extend_from_slice(b"\nshort\n");
    long_lines.extend_from_slice(&long);
    shapes.push(long_lines);
    // Newlines exactly at block boundaries (64 KiB).
    let mut aligned = vec![b'y'; 64 * 1024 - 1];
    aligned.push(b'\n');
    aligned.extend(vec![b'z'; 64 * 1024 - 1]);
    aligned.push(b'\n');
    shapes.push(aligned);
    for (i, bytes) in shapes.iter().enumerate() {
        let path = dir.path().join(format!("shape{i}.log"));
        std::fs::write(&path, bytes).unwrap();
        for n in 0..6 {
            let expected = real_tail(&path, n).unwrap();
            let tail = last_lines(&LocalLog::new(&path), n).await.unwrap();
            assert_eq!(tail.bytes, expected, "shape {i} n={n}");
        }
    }
}

/// Counts the bytes read through a real local file.
struct Counting {
    inner: LocalLog,
    read: AtomicU64,
}

#[async_trait]
impl LogSource for Counting {
    async fn stat(&self) -> io::Result<Option<LogStat>> {
        self.inner.stat().await
    }
    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let bytes = self.inner.read_at(offset, len).await?;
        self.read.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_only_the_end_of_a_big_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let line = b"2026-11-22 10:15:00,004 [14] INFO  Imagicle.Presence.PresenceEngine - Polled presence for 1204 users in 812 ms\r\n";
    let mut bytes = Vec::with_capacity(line.len() * 200_000);
    for _ in 0..200_000 {
        bytes.extend_from_slice(line);
    }
    std::fs::write(&path, &bytes).unwrap();
    let source = Counting {
        inner: LocalLog::new(&path),
        read: AtomicU64::new(0),
    };
    let tail = last_lines(&source, 100).await.unwrap();
    assert_eq!(tail.bytes.len(), line.len() * 100);
    assert_eq!(tail.lines().count(), 100);
    let read = source.read.load(Ordering::Relaxed);
    assert!(
        read <= 128 * 1024,
        "read {read} of {} bytes for 100 lines",
        bytes.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn through_a_node_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let node = Arc::new(LocalNode::new("ucs-a", dir.path()));
    let rel = "Var/Log/w3wp/ApplicationSuite.log";
    let source = NodeLog::new(node.clone(), rel);
    let missing = last_lines(&source, 10).await.unwrap_err();
    assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    let local_missing = last_lines(&LocalLog::new(dir.path().join("nope.log")), 10)
        .await
        .unwrap_err();
    assert_eq!(local_missing.kind(), io::ErrorKind::NotFound);

    let path = node.resolve(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut rng = Rng(42);
    let bytes = generate(&mut rng, 500, true);
    std::fs::write(&path, &bytes).unwrap();
    for n in [1, 7, 499, 1000] {
        let via_node = last_lines(&source, n).await.unwrap();
        let local = last_lines(&LocalLog::new(&path), n).await.unwrap();
        assert_eq!(via_node, local, "n={n}");
        if let Some(expected) = real_tail(&path, n) {
            assert_eq!(via_node.bytes, expected, "n={n}");
        }
    }
}
