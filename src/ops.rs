//! Operations on one node's settings files with the safety rules of SPEC §3:
//! load with a remembered version, save only what changed, atomically, with a
//! backup and a conflict check. Both faces (CLI and TUI) go through here.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::ini::{Document, Encoding, IniError, LineEnding, MAX_FILE_SIZE, SectionName};
use crate::journal::{self, FileKind, FileWrite, Stamp};
use crate::node::{Expected, Node, NodeError, Snapshot, Version, Written};
use crate::paths::Paths;
use crate::settings::FormId;
use crate::settings::FormVisitor;
use crate::settings::credentials::Store;
use crate::settings::form::{Form, FormFile};
use crate::settings::presence::{self, SectionProblem};
use crate::settings::schema::Secret;
use crate::settings::seal::{KeyRefused, NodeKey, join_and};
use crate::{Error, Result};

/// A node together with where its settings live.
#[derive(Clone)]
pub struct Target {
    pub node: Arc<dyn Node>,
    pub paths: Paths,
    /// Who writes, and the change the writes belong to (the journal's).
    pub stamp: Stamp,
    /// The node's journal as last read or written here.
    journal: journal::Cache,
}

impl Target {
    /// A target whose writes belong to this process's change.
    pub fn new(node: Arc<dyn Node>, paths: Paths) -> Target {
        Target {
            node,
            paths,
            stamp: Stamp::process(),
            journal: journal::Cache::default(),
        }
    }

    pub fn name(&self) -> &str {
        self.node.name()
    }

    /// This target, its writes journaled as part of `stamp`'s change.
    pub fn for_change(&self, stamp: &Stamp) -> Target {
        Target {
            stamp: stamp.clone(),
            ..self.clone()
        }
    }

    /// Writes a file ucsconf keeps (`after`: `None` removes it), with its
    /// journal record.
    pub async fn write(
        &self,
        path: &str,
        before: Option<&Snapshot>,
        after: Option<&[u8]>,
        expected: &Expected,
    ) -> Result<Written> {
        self.write_as(path, before, after, expected, None).await
    }

    /// [`Target::write`] for a restore of the change `restores`.
    pub async fn write_as(
        &self,
        path: &str,
        before: Option<&Snapshot>,
        after: Option<&[u8]>,
        expected: &Expected,
        restores: Option<&str>,
    ) -> Result<Written> {
        let kind = FileKind::of_path(path, &self.paths)
            .ok_or_else(|| Error::Failed(format!("{path}: not a file ucsconf keeps")))?;
        let write = FileWrite {
            kind,
            path,
            before,
            after,
            expected,
            restores,
        };
        journal::write(
            &*self.node,
            &self.paths.journal,
            &self.stamp,
            write,
            &self.journal,
        )
        .await
    }

    /// Reads the journal for the writes to come, beside `load` (over SSH in
    /// the same round trips): what a load before a change does.
    pub async fn with_journal<T>(&self, load: impl Future<Output = T>) -> T {
        let (loaded, ()) =
            tokio::join!(load, self.journal.refresh(&*self.node, &self.paths.journal));
        loaded
    }
}

/// An INI file as read: the version it was read at (`None`: it did not exist)
/// and the parsed document.
#[derive(Debug, Clone)]
pub struct LoadedIni {
    pub path: String,
    pub snapshot: Option<Snapshot>,
    pub doc: Document,
}

/// The credential store as read.
#[derive(Debug, Clone)]
pub struct LoadedStore {
    pub path: String,
    pub snapshot: Option<Snapshot>,
    pub store: Store,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The bytes were the same: the file was not rewritten.
    Unchanged,
    Written(Written),
}

/// Reads and parses an INI file; a missing file gives an empty document
/// (UTF-8, CRLF) with no snapshot.
pub async fn load_ini(target: &Target, path: &str) -> Result<LoadedIni> {
    let snapshot = target.node.read(path, MAX_FILE_SIZE).await?;
    let doc = match &snapshot {
        Some(s) => Document::parse(&s.bytes).map_err(|e| in_file(path, e))?,
        None => Document::new(Encoding::Utf8 { bom: false }, LineEnding::CrLf),
    };
    Ok(LoadedIni {
        path: path.to_string(),
        snapshot,
        doc,
    })
}

/// Writes `doc` over the file read in `loaded`, unless the bytes are identical.
/// Errors: a conflict when the file changed since it was read.
pub async fn save_ini(target: &Target, loaded: &LoadedIni, doc: &Document) -> Result<Saved> {
    let bytes = doc.to_bytes();
    if loaded.snapshot.as_ref().map(|s| s.bytes.as_slice()) == Some(bytes.as_slice()) {
        return Ok(Saved::Unchanged);
    }
    let expected = Expected::from_snapshot(loaded.snapshot.as_ref());
    let written = target
        .write(
            &loaded.path,
            loaded.snapshot.as_ref(),
            Some(&bytes),
            &expected,
        )
        .await?;
    Ok(Saved::Written(written))
}

/// Like [`save_ini`], but ignores what changed on the node since `loaded`:
/// re-reads the current version and overwrites it (the TUI's "overwrite"
/// after showing the diff of a conflict).
pub async fn overwrite_ini(target: &Target, path: &str, doc: &Document) -> Result<Saved> {
    let current = load_ini(target, path).await?;
    save_ini(target, &current, doc).await
}

/// The node key. With `create`, one is made (32 random bytes, private) when
/// there is none and nothing sealed depends on one (see [`sealing_key`]).
/// `Ok(None)`: none exists and `create` is false. Errors: a key file that
/// cannot be used (wrong length).
pub async fn node_key(target: &Target, create: bool) -> Result<Option<NodeKey>> {
    if create {
        return Ok(Some(sealing_key(target, &[], KeyRule::Keep).await?.0));
    }
    match read_key(target).await? {
        KeyState::Present(key) => Ok(Some(key)),
        KeyState::Missing => Ok(None),
        KeyState::Unusable { why, .. } => {
            Err(Error::Failed(format!("{}: {why}", target.paths.node_key)))
        }
    }
}

/// What a save may do when the node key is missing or cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyRule {
    /// Make one only when no sealed value depends on the old one.
    #[default]
    Keep,
    /// Make a new one even so (`--new-key`, or a yes in the editor): what
    /// was sealed with the old one can no longer be opened. A key that is
    /// there and works is kept all the same.
    Replace,
}

/// A value sealed with the node key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedValue {
    /// The cloud client secret, in CloudServices.json.
    ClientSecret,
    /// The proxy password, in CloudServices.json.
    ProxyPassword,
    /// A secret field of a form file (`BasicAuth.Password`, in Calendar.ini).
    Form(FormId, &'static str),
}

impl SealedValue {
    /// `the cloud client secret (Var/Secure/CloudServices.json)`.
    pub fn describe(self, paths: &Paths) -> String {
        match self {
            SealedValue::ClientSecret => format!("the cloud client secret ({})", paths.credentials),
            SealedValue::ProxyPassword => format!("the proxy password ({})", paths.credentials),
            SealedValue::Form(file, key) => {
                format!("the {} {key} ({})", file.noun_of(key), file.path(paths))
            }
        }
    }
}

/// The sealed secret fields of a form file as the node has it.
struct SealedIn<'a>(&'a Target);

impl<'a> FormVisitor for SealedIn<'a> {
    type Out = Pin<Box<dyn Future<Output = Result<Vec<SealedValue>>> + Send + 'a>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        Box::pin(async move {
            let loaded = load_ini(self.0, F::path(&self.0.paths)).await?;
            let form = Form::<F>::from_document(&loaded.doc);
            Ok(F::ALL
                .iter()
                .filter(|f| matches!(form.secret(**f), Secret::Sealed(_)))
                .map(|f| SealedValue::Form(F::ID, f.spec().key))
                .collect())
        })
    }
}

/// The values sealed on the node: in CloudServices.json and the form files.
/// Errors: either file cannot be read (then nobody can tell what depends on
/// the key).
pub async fn sealed_values(target: &Target) -> Result<Vec<SealedValue>> {
    let store = load_store(target).await?.store;
    let found = [
        (store.has_secret(), SealedValue::ClientSecret),
        (
            store.proxy().is_some_and(|p| p.has_password),
            SealedValue::ProxyPassword,
        ),
    ];
    let mut values: Vec<SealedValue> = found
        .into_iter()
        .filter(|(has, _)| *has)
        .map(|(_, v)| v)
        .collect();
    for file in FormId::ALL {
        values.extend(file.visit(SealedIn(target)).await?);
    }
    Ok(values)
}

/// The node key as found on the node.
pub enum KeyState {
    Present(NodeKey),
    Missing,
    /// A file that is not a key (wrong length): why, and its version.
    Unusable {
        why: String,
        version: Version,
    },
}

/// Reads the node key file.
pub async fn read_key(target: &Target) -> Result<KeyState> {
    let Some(s) = target.node.read(&target.paths.node_key, 1024).await? else {
        return Ok(KeyState::Missing);
    };
    Ok(match NodeKey::from_bytes(&s.bytes) {
        Ok(key) => KeyState::Present(key),
        Err(e) => KeyState::Unusable {
            why: e.to_string(),
            version: s.version,
        },
    })
}

/// The key to seal with: the node's; else a new one, when no sealed value
/// depends on the missing one (`replacing`: the values this save seals or
/// drops anew, which do not count) or when `rule` says to replace it.
/// Returns the key and, when a new key leaves sealed values behind, the
/// warning that names them.
///
/// Errors: [`Error::KeyRefused`] when a new key would orphan sealed values
/// (or the key file cannot be used) and `rule` is [`KeyRule::Keep`]; the
/// store or Calendar.ini cannot be read (nothing is made then).
pub async fn sealing_key(
    target: &Target,
    replacing: &[SealedValue],
    rule: KeyRule,
) -> Result<(NodeKey, Option<String>)> {
    let path = &target.paths.node_key;
    for _ in 0..2 {
        let (unusable, expected) = match read_key(target).await? {
            KeyState::Present(key) => return Ok((key, None)),
            KeyState::Missing => (None, Expected::Absent),
            KeyState::Unusable { why, version } => (Some(why), Expected::Version(version)),
        };
        let lost: Vec<String> = sealed_values(target)
            .await?
            .into_iter()
            .filter(|v| !replacing.contains(v))
            .map(|v| v.describe(&target.paths))
            .collect();
        if rule == KeyRule::Keep && (unusable.is_some() || !lost.is_empty()) {
            return Err(Error::KeyRefused(KeyRefused {
                key_path: path.clone(),
                unusable,
                lost,
            }));
        }
        let key = NodeKey::generate();
        match target
            .write(path, None, Some(key.as_bytes()), &expected)
            .await
        {
            Ok(written) => {
                let mut notes = Vec::new();
                if let Some(backup) = written.backup {
                    notes.push(format!("the old node key is kept as {backup}"));
                }
                if !lost.is_empty() {
                    notes.push(format!(
                        "{} can no longer be opened: type {} again",
                        join_and(&lost),
                        if lost.len() == 1 { "it" } else { "them" }
                    ));
                }
                let note = (!notes.is_empty())
                    .then(|| format!("a new node key {path} was made; {}", notes.join("; ")));
                return Ok((key, note));
            }
            // Another writer made or changed it first: look again.
            Err(Error::Node(NodeError::AlreadyExists { .. } | NodeError::Conflict { .. })) => {
                continue;
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::Failed(format!(
        "{path}: the node key keeps changing"
    )))
}

pub async fn load_store(target: &Target) -> Result<LoadedStore> {
    let path = &target.paths.credentials;
    let snapshot = target.node.read(path, MAX_FILE_SIZE).await?;
    let store = match &snapshot {
        Some(s) => Store::parse(&s.bytes).map_err(|e| Error::Failed(format!("{path}: {e}")))?,
        None => Store::default(),
    };
    Ok(LoadedStore {
        path: path.clone(),
        snapshot,
        store,
    })
}

/// Writes the store (private); an empty store removes the file.
pub async fn save_store(target: &Target, loaded: &LoadedStore, store: &Store) -> Result<Saved> {
    let current = loaded.snapshot.as_ref();
    if store.is_empty() {
        return match current {
            None => Ok(Saved::Unchanged),
            Some(s) => Ok(Saved::Written(
                target
                    .write(
                        &loaded.path,
                        Some(s),
                        None,
                        &Expected::Version(s.version.clone()),
                    )
                    .await?,
            )),
        };
    }
    let bytes = store.to_bytes();
    if current.map(|s| s.bytes.as_slice()) == Some(bytes.as_slice()) {
        return Ok(Saved::Unchanged);
    }
    let expected = Expected::from_snapshot(current);
    let written = target
        .write(&loaded.path, current, Some(&bytes), &expected)
        .await?;
    Ok(Saved::Written(written))
}

/// Seals and saves cloud credentials on the node; the warnings say what a
/// new node key cost, if one was made.
pub async fn save_credentials(
    target: &Target,
    client_id: &str,
    secret: &SecretString,
    rule: KeyRule,
) -> Result<Applied> {
    crate::settings::credentials::check_credentials(client_id, secret)?;
    // The store first: an unreadable one must not leave a new key behind.
    let loaded = target.with_journal(load_store(target)).await?;
    let (key, note) = sealing_key(target, &[SealedValue::ClientSecret], rule).await?;
    Ok(Applied {
        saved: store_credentials(target, &loaded, &key, client_id, secret).await?,
        warnings: note.into_iter().collect(),
    })
}

/// Seals the credentials with `key` into the store as `loaded`, and saves it.
pub async fn store_credentials(
    target: &Target,
    loaded: &LoadedStore,
    key: &NodeKey,
    client_id: &str,
    secret: &SecretString,
) -> Result<Saved> {
    let _in_use = crate::telemetry::scrub_while(secret.expose_secret());
    let mut store = loaded.store.clone();
    store.save_credentials(key, client_id, secret)?;
    save_store(target, loaded, &store).await
}

/// Removes the cloud credentials from the node.
pub async fn forget_credentials(target: &Target) -> Result<Saved> {
    let loaded = target.with_journal(load_store(target)).await?;
    let mut store = loaded.store.clone();
    store.forget_credentials();
    save_store(target, &loaded, &store).await
}

/// Removes every backup of the credential store, and what interrupted
/// writes of it left: they may hold an old sealed secret, which the node
/// key still opens. The names removed.
pub async fn purge_store_backups(target: &Target) -> Result<Vec<String>> {
    Ok(target
        .node
        .remove_backups(&target.paths.credentials)
        .await?)
}

/// Validates and saves a form file: errors are `Error::Invalid` listing
/// every error, nothing written; warnings are returned. Newly typed secrets
/// are sealed with the node key (made if need be, as `rule` allows).
pub async fn save_form<F: FormFile>(
    target: &Target,
    loaded: &LoadedIni,
    form: &Form<F>,
    rule: KeyRule,
) -> Result<(Saved, Vec<String>)> {
    let report = form.validate();
    if !report.errors.is_empty() {
        let lines: Vec<String> = report.errors.iter().map(|f| f.message.clone()).collect();
        return Err(Error::Invalid(format!(
            "{}: {}",
            loaded.path,
            lines.join("; ")
        )));
    }
    let mut form = form.clone();
    let mut warnings: Vec<String> = report.warnings.iter().map(|f| f.message.clone()).collect();
    let typed: Vec<F> = F::ALL
        .iter()
        .copied()
        .filter(|f| matches!(form.secret(*f), Secret::New(_)))
        .collect();
    let _in_use: Vec<_> = typed
        .iter()
        .filter_map(|f| match form.secret(*f) {
            Secret::New(p) => Some(crate::telemetry::scrub_while(p.expose_secret())),
            _ => None,
        })
        .collect();
    if !typed.is_empty() {
        let replacing: Vec<SealedValue> = typed
            .iter()
            .map(|f| SealedValue::Form(F::ID, f.spec().key))
            .collect();
        let (key, note) = sealing_key(target, &replacing, rule).await?;
        warnings.extend(note);
        form.seal_secrets(&key);
    }
    let mut doc = loaded.doc.clone();
    form.apply_to(&mut doc)?;
    let saved = save_ini(target, loaded, &doc).await?;
    Ok((saved, warnings))
}

pub use crate::settings::schema::FieldValue;

/// One change an admin makes, applicable to any node (and so to all of them).
#[derive(Debug, Clone)]
pub enum Change {
    PresenceSet {
        section: Option<String>,
        key: String,
        value: String,
    },
    PresenceUnset {
        section: Option<String>,
        key: String,
    },
    /// Fields of a form file to set (by their place in its description);
    /// validated on each node as it will be saved there.
    Form {
        file: FormId,
        fields: Vec<(usize, FieldValue)>,
    },
    CredentialsSave {
        client_id: String,
        secret: SecretString,
    },
    CredentialsForget,
}

/// The outcome of applying a change on one node.
#[derive(Debug, Clone)]
pub struct Applied {
    pub saved: Saved,
    /// `warning: ` lines without the prefix (calendar warnings, for instance).
    pub warnings: Vec<String>,
}

/// Applies one change on one node with every safety rule (validation,
/// conflict check, backup). Presence: a key found in several sections with no
/// section given is `Error::Invalid` listing them; a new key needs a section
/// unless it is a known key.
pub async fn apply(target: &Target, change: &Change) -> Result<Applied> {
    apply_with(target, change, KeyRule::Keep).await
}

/// [`apply`], with what a save that seals may do when the node key is
/// missing or cannot be used.
pub async fn apply_with(target: &Target, change: &Change, rule: KeyRule) -> Result<Applied> {
    match change {
        Change::PresenceSet {
            section,
            key,
            value,
        } => presence_set(target, section.as_deref(), key, value).await,
        Change::PresenceUnset { section, key } => {
            presence_unset(target, section.as_deref(), key).await
        }
        Change::Form { file, fields } => {
            file.visit(ApplyForm {
                target,
                fields,
                rule,
            })
            .await
        }
        Change::CredentialsSave { client_id, secret } => {
            save_credentials(target, client_id, secret, rule).await
        }
        Change::CredentialsForget => Ok(Applied {
            saved: forget_credentials(target).await?,
            warnings: Vec::new(),
        }),
    }
}

/// A form change applied on one node: read, set, validate, seal, write.
struct ApplyForm<'a> {
    target: &'a Target,
    fields: &'a [(usize, FieldValue)],
    rule: KeyRule,
}

impl<'a> FormVisitor for ApplyForm<'a> {
    type Out = Pin<Box<dyn Future<Output = Result<Applied>> + Send + 'a>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        Box::pin(async move {
            let loaded = self
                .target
                .with_journal(load_ini(self.target, F::path(&self.target.paths)))
                .await?;
            let mut form = Form::<F>::from_document(&loaded.doc);
            for (i, value) in self.fields {
                if let Some(field) = F::ALL.get(*i) {
                    form.set(*field, value);
                }
            }
            let (saved, warnings) = save_form(self.target, &loaded, &form, self.rule).await?;
            Ok(Applied { saved, warnings })
        })
    }
}

/// Names the file in an INI error while keeping its class.
fn in_file(path: &str, e: IniError) -> Error {
    match e {
        IniError::Invalid(msg) => Error::Invalid(format!("{path}: {msg}")),
        IniError::Binary | IniError::TooLarge { .. } | IniError::Unrepresentable { .. } => {
            Error::Invalid(format!("{path}: {e}; left untouched"))
        }
    }
}

/// Which section a presence key lives in: the one given (a known key only
/// in its own section, or where the file has it), else the one it is found
/// in, or a known key's own section. Errors when it is ambiguous.
pub fn resolve_presence_section(
    doc: &Document,
    section: Option<&str>,
    key: &str,
    creating: bool,
) -> Result<SectionName> {
    if let Some(s) = section {
        let present = doc.get(Some(s), key).is_some();
        presence::check_section(key, s, present).map_err(|why| {
            let own = presence::known_key(key).map_or("", |k| k.section);
            Error::Section(SectionProblem::NotItsOwn { why, own })
        })?;
        return Ok(Some(s.to_string()));
    }
    let found = doc.sections_with_key(key);
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => match presence::known_key(key) {
            Some(known) if creating => Ok(Some(known.section.to_string())),
            _ if creating => Err(Error::Section(SectionProblem::UnknownNewKey {
                key: key.to_string(),
            })),
            _ => Err(Error::Failed(format!("{key} is not set in Presence.ini"))),
        },
        many => Err(Error::Section(SectionProblem::Several {
            key: key.to_string(),
            sections: many.to_vec(),
        })),
    }
}

async fn presence_set(
    target: &Target,
    section: Option<&str>,
    key: &str,
    value: &str,
) -> Result<Applied> {
    presence::validate(key, value).map_err(|e| Error::Invalid(format!("{key}: {e}")))?;
    let path = &target.paths.presence;
    let loaded = target.with_journal(load_ini(target, path)).await?;
    if loaded.snapshot.is_none() && section.is_none() {
        return Err(Error::Section(SectionProblem::NoFile {
            path: path.clone(),
            node: target.name().to_string(),
        }));
    }
    let section = resolve_presence_section(&loaded.doc, section, key, true)?;
    let mut doc = loaded.doc.clone();
    doc.set(section.as_deref(), key, value)
        .map_err(|e| in_file(path, e))?;
    let saved = save_ini(target, &loaded, &doc).await?;
    Ok(Applied {
        saved,
        warnings: Vec::new(),
    })
}

async fn presence_unset(target: &Target, section: Option<&str>, key: &str) -> Result<Applied> {
    let path = &target.paths.presence;
    let loaded = target.with_journal(load_ini(target, path)).await?;
    if loaded.snapshot.is_none() {
        return Ok(Applied {
            saved: Saved::Unchanged,
            warnings: Vec::new(),
        });
    }
    let mut doc = loaded.doc.clone();
    let saved = match resolve_presence_section(&loaded.doc, section, key, false) {
        Ok(section) => {
            doc.unset(section.as_deref(), key);
            save_ini(target, &loaded, &doc).await?
        }
        // Unsetting a key that is not there is already done.
        Err(Error::Failed(_)) => Saved::Unchanged,
        Err(e) => return Err(e),
    };
    Ok(Applied {
        saved,
        warnings: Vec::new(),
    })
}
