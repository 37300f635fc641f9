//! Two files written as one change: a file, then a second file whose
//! content names the first's backup (the journal's record of the change).
//! The second is never in place unless the first is; a transport that can
//! overlaps them (over SSH, both in the round trips of one replace).

use super::{Expected, Node, NodeError, Written};

/// The first file of a pair.
pub struct Replace<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    pub expected: &'a Expected,
    pub private: bool,
    /// Backups kept beyond the newest five ([`Node::replace_keeping`]).
    pub keep: &'a [String],
}

/// The second file of a pair: its content is made from the first's backup
/// (its path as shown, `None` when there was none). It is not private: it
/// holds no secret.
pub struct Follower<'a> {
    pub path: &'a str,
    pub expected: &'a Expected,
    pub bytes: &'a (dyn Fn(Option<&str>) -> Vec<u8> + Send + Sync),
}

/// How a pair went.
#[derive(Debug)]
pub enum PairWritten {
    Both {
        first: Written,
        second: Written,
    },
    /// The first could not be written; the second was not either.
    FirstFailed(NodeError),
    /// The second could not be written; `first` is what became of the
    /// first (`None`: it was not written either).
    SecondFailed {
        first: Option<Written>,
        error: NodeError,
    },
    /// The first failed at its very end, after the second was put in place
    /// (both were renamed together): the second must be put back.
    OnlySecond {
        error: NodeError,
        second: Written,
    },
}

/// The pair one after the other: the first, then (if it was written) the
/// second. What every transport can do.
pub async fn in_turn<N: Node + ?Sized>(
    node: &N,
    first: Replace<'_>,
    second: Follower<'_>,
) -> PairWritten {
    let written = match node
        .replace_keeping(
            first.path,
            first.bytes,
            first.expected,
            first.private,
            first.keep,
        )
        .await
    {
        Ok(written) => written,
        Err(e) => return PairWritten::FirstFailed(e),
    };
    let bytes = (second.bytes)(written.backup.as_deref());
    match node
        .replace(second.path, &bytes, second.expected, false)
        .await
    {
        Ok(second) => PairWritten::Both {
            first: written,
            second,
        },
        Err(error) => PairWritten::SecondFailed {
            first: Some(written),
            error,
        },
    }
}
