//! The cluster as one: fan-out over nodes with bounded concurrency, a result
//! per node, and drift (where nodes' settings differ).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::ops::{self, Target};
use crate::settings::form::{Form, FormFile};
use crate::settings::schema::Secret;
use crate::settings::seal::NodeKey;
use crate::settings::{FormId, FormVisitor};
use crate::{Error, Result};

/// The drift label of the cloud credentials' client ID.
pub const CLIENT_ID_LABEL: &str = "Cloud credentials client ID";
/// The drift label of the cloud credentials' secret (compared, never shown).
pub const SECRET_LABEL: &str = "Cloud credentials secret";

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
    let limit = Arc::new(Semaphore::new(parallel.max(1)));
    let mut tasks = JoinSet::new();
    for (index, target) in targets.iter().enumerate() {
        let limit = Arc::clone(&limit);
        let work = f(target.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, work.await)
        });
    }
    let mut results: Vec<Option<Result<T>>> = targets.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        // A panicking node task must not take the others down; it is reported below.
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    targets
        .iter()
        .zip(results)
        .map(|(t, r)| NodeResult {
            node: t.name().to_string(),
            result: r.unwrap_or_else(|| Err(Error::Failed("the task for this node failed".into()))),
        })
        .collect()
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
    let mut values = BTreeMap::new();
    let presence = ops::load_ini(target, &target.paths.presence).await?;
    for e in presence.doc.entries() {
        let section = e
            .section
            .as_deref()
            .map(|s| format!("[{s}] "))
            .unwrap_or_default();
        values.insert(format!("Presence.ini {section}{}", e.key), e.value);
    }
    let key = ops::node_key(target, false).await?;
    for file in FormId::ALL {
        let form = file.visit(FormValues {
            target,
            key: key.as_ref(),
        });
        values.extend(form.await?);
    }
    let store = ops::load_store(target).await?;
    if let Some(id) = store.store.client_id() {
        values.insert(CLIENT_ID_LABEL.to_string(), id.to_string());
    }
    if let Some(key) = &key
        && let Ok(Some(secret)) = store.store.open_secret(key)
    {
        values.insert(
            SECRET_LABEL.to_string(),
            fingerprint(secret.expose_secret()),
        );
    }
    Ok(NodeSettings { values })
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

impl Cell {
    /// What a person is shown: a sealed value says only that it is sealed;
    /// that it differs is said by the row being there.
    pub fn shown(&self) -> String {
        match self {
            Cell::Value(v) if v.starts_with(SEALED_PREFIX) => "(sealed)".into(),
            Cell::Value(v) => v.clone(),
            Cell::Absent => "—".into(),
            Cell::Unreachable => "unreachable".into(),
        }
    }
}

/// The start of the opaque marker that stands for a sealed value in drift.
const SEALED_PREFIX: &str = "(sealed #";

/// A setting whose value differs between the reachable nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftRow {
    pub setting: String,
    /// One cell per node, in the nodes' order.
    pub cells: Vec<Cell>,
}

/// The settings that differ between nodes (reachable nodes compared only).
pub fn drift(nodes: &[NodeResult<NodeSettings>]) -> Vec<DriftRow> {
    let reachable: Vec<&NodeSettings> = nodes
        .iter()
        .filter_map(|n| n.result.as_ref().ok())
        .collect();
    let labels: BTreeSet<&String> = reachable.iter().flat_map(|n| n.values.keys()).collect();
    labels
        .into_iter()
        .filter(|label| {
            let mut seen = reachable.iter().map(|n| n.values.get(*label));
            let first = seen.next().flatten();
            seen.any(|v| v != first)
        })
        .map(|label| DriftRow {
            setting: label.clone(),
            cells: nodes
                .iter()
                .map(|n| match &n.result {
                    Err(_) => Cell::Unreachable,
                    Ok(s) => s
                        .values
                        .get(label)
                        .map_or(Cell::Absent, |v| Cell::Value(v.clone())),
                })
                .collect(),
        })
        .collect()
}

/// A form file's fields as drift compares them: `Calendar.ini Provider`.
struct FormValues<'a> {
    target: &'a Target,
    key: Option<&'a NodeKey>,
}

impl<'a> FormVisitor for FormValues<'a> {
    type Out = Pin<Box<dyn Future<Output = Result<Vec<(String, String)>>> + Send + 'a>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        Box::pin(async move {
            let loaded = ops::load_ini(self.target, F::path(&self.target.paths)).await?;
            let form = Form::<F>::from_document(&loaded.doc);
            Ok(F::ALL
                .iter()
                .filter_map(|f| {
                    let value = form_value(&form, *f, self.key)?;
                    Some((format!("{} {}", F::LABEL, f.spec().key), value))
                })
                .collect())
        })
    }
}

/// A field's comparable value; a sealed secret is compared by what it
/// decrypts to, through a fingerprint that reveals nothing of it.
fn form_value<F: FormFile>(form: &Form<F>, field: F, key: Option<&NodeKey>) -> Option<String> {
    if field.spec().is_bool() {
        return Some(form.display(field));
    }
    if !field.spec().is_secret() {
        let text = form.text(field).filter(|t| !t.trim().is_empty());
        return text.map(str::to_owned);
    }
    match form.secret(field) {
        Secret::None => None,
        Secret::New(_) => Some("(unsaved)".to_string()),
        Secret::Sealed(_) => Some(
            key.and_then(|k| form.open_secret(field, k).ok().flatten())
                .map_or_else(
                    || "(does not decrypt)".to_string(),
                    |p| fingerprint(p.expose_secret()),
                ),
        ),
    }
}

/// An opaque marker that is equal for equal secrets within one comparison,
/// and says nothing of the secret: a salted hash, truncated. The salt is
/// random per process, so the marker cannot be looked up or compared later.
fn fingerprint(secret: &str) -> String {
    static SALT: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    let salt = SALT.get_or_init(|| {
        let mut s = [0u8; 16];
        let _ = getrandom::fill(&mut s);
        s
    });
    let digest = Sha256::new()
        .chain_update(salt)
        .chain_update(secret.as_bytes())
        .finalize();
    let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{SEALED_PREFIX}{short})")
}
