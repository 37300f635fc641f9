//! Watches that the SFTP server answers requests in the order they were
//! sent. Pipelined writes send dependent requests together (write, flush,
//! close on one handle) and rely on the server carrying them out in order,
//! as OpenSSH's sftp-server does and as OpenSSH's own client assumes; a
//! server seen answering out of order gets those writes refused
//! ([`Order::reordered`]).
//!
//! The watch sits on the byte stream under the SFTP session and reads only
//! each packet's type and request id.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// `SSH_FXP_INIT` and `SSH_FXP_VERSION` carry no request id.
const FXP_INIT: u8 = 1;
const FXP_VERSION: u8 = 2;

/// What the watch saw, shared with the session.
#[derive(Debug, Default)]
pub struct Order {
    /// Request ids sent and not answered yet, oldest first.
    pending: Mutex<VecDeque<u32>>,
    /// Answers that came before the answer to an older request.
    reordered: AtomicU64,
}

impl Order {
    /// How many answers so far came before an older request's answer.
    pub fn reordered(&self) -> u64 {
        self.reordered.load(Ordering::Relaxed)
    }

    fn sent(&self, id: u32) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(id);
    }

    fn answered(&self, id: u32) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        match pending.iter().position(|&p| p == id) {
            Some(0) => {
                pending.pop_front();
            }
            Some(i) => {
                pending.remove(i);
                self.reordered.fetch_add(1, Ordering::Relaxed);
            }
            // An answer to nothing asked: the session itself rejects it.
            None => {}
        }
    }
}

/// Cuts a byte stream into SFTP packets (`uint32 length, byte type, uint32
/// id, ...`) and reports each packet's type and id.
#[derive(Debug, Default)]
struct Framer {
    header: [u8; 9],
    have: usize,
    /// Bytes of the current packet still to pass over.
    skip: u64,
}

impl Framer {
    fn feed(&mut self, mut bytes: &[u8], mut packet: impl FnMut(u8, Option<u32>)) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = (self.skip.min(bytes.len() as u64)) as usize;
                self.skip -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            let n = (self.header.len() - self.have).min(bytes.len());
            self.header[self.have..self.have + n].copy_from_slice(&bytes[..n]);
            self.have += n;
            bytes = &bytes[n..];
            let length = || u32::from_be_bytes(self.header[..4].try_into().expect("4 bytes"));
            let kind = self.header[4];
            // INIT and VERSION are five bytes of header (no id), then data.
            if self.have >= 5 && matches!(kind, FXP_INIT | FXP_VERSION) {
                packet(kind, None);
                // What was read past the type is the packet's own (both
                // carry a version of four bytes at least).
                let read_past = (self.have - 5) as u64;
                self.skip = u64::from(length())
                    .saturating_sub(1)
                    .saturating_sub(read_past);
                self.have = 0;
                continue;
            }
            if self.have == self.header.len() {
                let id = u32::from_be_bytes(self.header[5..9].try_into().expect("4 bytes"));
                packet(kind, Some(id));
                self.skip = u64::from(length()).saturating_sub(5);
                self.have = 0;
            }
        }
    }
}

/// A stream under an SFTP session that tells [`Order`] what went each way.
pub struct Watched<S> {
    inner: S,
    order: Arc<Order>,
    out: Framer,
    into: Framer,
}

impl<S> Watched<S> {
    pub fn new(inner: S, order: Arc<Order>) -> Watched<S> {
        Watched {
            inner,
            order,
            out: Framer::default(),
            into: Framer::default(),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let this = &mut *self;
            let order = &this.order;
            this.into.feed(&buf.filled()[before..], |_, id| {
                if let Some(id) = id {
                    order.answered(id);
                }
            });
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            let this = &mut *self;
            let order = &this.order;
            this.out.feed(&buf[..n], |_, id| {
                if let Some(id) = id {
                    order.sent(id);
                }
            });
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(kind: u8, id: Option<u32>, body: usize) -> Vec<u8> {
        let mut p = Vec::new();
        let id_len = if id.is_some() { 4 } else { 0 };
        p.extend_from_slice(&((1 + id_len + body) as u32).to_be_bytes());
        p.push(kind);
        if let Some(id) = id {
            p.extend_from_slice(&id.to_be_bytes());
        }
        p.extend(std::iter::repeat_n(0xAB, body));
        p
    }

    #[test]
    fn packets_are_found_however_the_stream_is_cut() {
        let mut stream = packet(FXP_VERSION, None, 30);
        for (i, body) in [0, 7, 100, 3].into_iter().enumerate() {
            stream.extend(packet(101, Some(i as u32 + 1), body));
        }
        for cut in [1, 2, 3, 5, 8, 13, stream.len()] {
            let mut framer = Framer::default();
            let mut seen = Vec::new();
            for piece in stream.chunks(cut) {
                framer.feed(piece, |kind, id| seen.push((kind, id)));
            }
            let ids: Vec<_> = seen.iter().map(|s| s.1).collect();
            assert_eq!(ids, [None, Some(1), Some(2), Some(3), Some(4)], "cut {cut}");
        }
    }

    #[test]
    fn an_answer_before_an_older_one_is_counted() {
        let order = Order::default();
        for id in 1..=3 {
            order.sent(id);
        }
        order.answered(1);
        assert_eq!(order.reordered(), 0);
        order.answered(3);
        assert_eq!(order.reordered(), 1);
        order.answered(2);
        assert_eq!(order.reordered(), 1);
    }
}
