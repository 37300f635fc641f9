//! A node whose every settings read and write goes to the program's own
//! log (see `telemetry`), wrapped around any transport.

use std::sync::Arc;

use async_trait::async_trait;

use crate::node::{
    DirEntry, Expected, FileStat, Follower, Node, NodeError, PairWritten, Readers, Replace,
    Snapshot, Transport, Version, Written,
};

/// `node` with every settings read and write logged (the log tail's
/// frequent `stat` and `read_at` only at trace level).
pub fn logged(node: Arc<dyn Node>) -> Arc<dyn Node> {
    Arc::new(Logged { inner: node })
}

struct Logged {
    inner: Arc<dyn Node>,
}

fn failed(node: &str, op: &str, path: &str, e: &NodeError) {
    match e {
        NodeError::Conflict { .. } | NodeError::AlreadyExists { .. } => {
            tracing::warn!(node, path, "{op}: conflict, nothing written: {e}");
        }
        _ => tracing::error!(node, path, "{op} failed: {e}"),
    }
}

#[async_trait]
impl Node for Logged {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn transport(&self) -> Transport {
        self.inner.transport()
    }

    fn root(&self) -> &str {
        self.inner.root()
    }

    async fn read(&self, path: &str, limit: u64) -> Result<Option<Snapshot>, NodeError> {
        let node = self.name();
        let result = self.inner.read(path, limit).await;
        match &result {
            Ok(Some(s)) => tracing::info!(node, path, bytes = s.bytes.len(), "read"),
            Ok(None) => tracing::info!(node, path, "read: absent"),
            Err(e) => failed(node, "read", path, e),
        }
        result
    }

    async fn stat(&self, path: &str) -> Result<Option<FileStat>, NodeError> {
        let result = self.inner.stat(path).await;
        if let Err(e) = &result {
            tracing::debug!(node = self.name(), path, "stat failed: {e}");
        }
        result
    }

    async fn list_dir(&self, path: &str) -> Result<Option<Vec<DirEntry>>, NodeError> {
        let result = self.inner.list_dir(path).await;
        if let Err(e) = &result {
            tracing::debug!(node = self.name(), path, "list failed: {e}");
        }
        result
    }

    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Vec<u8>, NodeError> {
        let result = self.inner.read_at(path, offset, len).await;
        match &result {
            Ok(bytes) => tracing::trace!(
                node = self.name(),
                path,
                offset,
                bytes = bytes.len(),
                "read_at"
            ),
            Err(e) => tracing::debug!(node = self.name(), path, offset, "read_at failed: {e}"),
        }
        result
    }

    async fn replace_keeping(
        &self,
        path: &str,
        bytes: &[u8],
        expected: &Expected,
        private: bool,
        keep: &[String],
    ) -> Result<Written, NodeError> {
        let node = self.name();
        let result = self
            .inner
            .replace_keeping(path, bytes, expected, private, keep)
            .await;
        match &result {
            Ok(w) => tracing::info!(
                node,
                path,
                bytes = bytes.len(),
                backup = w.backup.as_deref().unwrap_or("none"),
                "written"
            ),
            Err(e) => failed(node, "write", path, e),
        }
        result
    }

    async fn remove_keeping(
        &self,
        path: &str,
        expected: &Version,
        keep: &[String],
    ) -> Result<Written, NodeError> {
        let node = self.name();
        let result = self.inner.remove_keeping(path, expected, keep).await;
        match &result {
            Ok(w) => tracing::info!(
                node,
                path,
                backup = w.backup.as_deref().unwrap_or("none"),
                "removed"
            ),
            Err(e) => failed(node, "remove", path, e),
        }
        result
    }

    async fn replace_pair(&self, first: Replace<'_>, second: Follower<'_>) -> PairWritten {
        let node = self.name();
        let (path, bytes, follower) = (first.path, first.bytes.len(), second.path);
        let result = self.inner.replace_pair(first, second).await;
        let written = |w: &Written| w.backup.clone().unwrap_or_else(|| "none".into());
        match &result {
            PairWritten::Both { first, .. } => {
                tracing::info!(node, path, bytes, backup = written(first), "written");
                tracing::info!(node, path = follower, "written");
            }
            PairWritten::FirstFailed(e) => failed(node, "write", path, e),
            PairWritten::SecondFailed { first, error } => {
                if let Some(first) = first {
                    tracing::info!(node, path, bytes, backup = written(first), "written");
                }
                failed(node, "write", follower, error);
            }
            PairWritten::OnlySecond { error, .. } => {
                failed(node, "write", path, error);
                tracing::info!(node, path = follower, "written");
            }
        }
        result
    }

    async fn remove_backups(&self, path: &str) -> Result<Vec<String>, NodeError> {
        let node = self.name();
        let result = self.inner.remove_backups(path).await;
        match &result {
            Ok(names) => tracing::info!(node, path, removed = names.len(), "backups purged"),
            Err(e) => failed(node, "purge backups", path, e),
        }
        result
    }

    async fn owner_only(&self, path: &str) -> Result<Option<bool>, NodeError> {
        self.inner.owner_only(path).await
    }

    async fn readers(&self, path: &str) -> Result<Readers, NodeError> {
        self.inner.readers(path).await
    }

    fn connect_time(&self) -> Option<std::time::Duration> {
        self.inner.connect_time()
    }

    async fn round_trip(&self) -> Result<std::time::Duration, NodeError> {
        self.inner.round_trip().await
    }
}
