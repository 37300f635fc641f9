//! The cluster as one: fan-out over nodes with bounded concurrency, a result
//! per node, and drift (where nodes' settings differ).

use std::collections::BTreeMap;
use std::future::Future;

use crate::Result;
use crate::ops::Target;

/// How many nodes are worked on at once by default.
pub const DEFAULT_PARALLEL: usize = 16;

/// One node's result.
#[derive(Debug)]
pub struct NodeResult<T> {
    pub node: String,
    pub result: Result<T>,
}

/// Runs `f` on every target, at most `parallel` at a time; one failing node
/// does not stop the others. Results come back in the targets' order.
pub async fn for_each<T, F, Fut>(targets: &[Target], parallel: usize, f: F) -> Vec<NodeResult<T>>
where
    T: Send + 'static,
    F: Fn(Target) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let _ = (targets, parallel, f);
    todo!()
}

/// Every comparable setting of one node, keyed by a stable label such as
/// `Presence.ini [Webex] WebexPresence.Enable`, `Calendar.ini ModernAuth.ClientId`,
/// `Cloud credentials client ID`. Sealed values are never shown: their value
/// here is an opaque marker that differs when they decrypt differently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeSettings {
    pub values: BTreeMap<String, String>,
}

/// Reads every comparable setting of a node.
pub async fn collect(target: &Target) -> Result<NodeSettings> {
    let _ = target;
    todo!()
}

/// One node's value in a drift row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Value(String),
    /// Not set on this node.
    Absent,
    /// The node could not be read (its error is reported separately).
    Unreachable,
}

/// A setting whose value differs between the reachable nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftRow {
    pub setting: String,
    /// One cell per node, in the nodes' order.
    pub cells: Vec<Cell>,
}

/// The settings that differ between nodes (reachable nodes compared only).
pub fn drift(nodes: &[NodeResult<NodeSettings>]) -> Vec<DriftRow> {
    let _ = nodes;
    todo!()
}
