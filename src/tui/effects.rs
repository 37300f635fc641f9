//! Runs [`Effect`]s on tokio tasks and sends their results back as
//! [`Action`]s, so file and network work never blocks drawing. A task that
//! panics is reported as an error in the status line, not a crash.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::Event;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::action::{
    Action, AnyForm, ApplyOutcome, Effect, FileKind, Loaded, LogCredit, ProxyEdit, SaveFailure,
    SaveInfo,
};
use crate::cloud::TestOverrides;
use crate::cluster::{self, DEFAULT_PARALLEL};
use crate::doctor::{self, Finding, Severity};
use crate::error_class::ErrorClass;
use crate::inventory::NodeSpec;
use crate::journal::Stamp;
use crate::logs::{Follower, NodeLog, display_line, last_lines};
use crate::node::NodeError;
use crate::node::ssh::SshOptions;
use crate::ops::{self, KeyRule, Saved, SealedValue, Target};
use crate::settings::form::FormFile;
use crate::settings::{FormId, FormVisitor};

/// Lines read from the end of the log when the view opens.
pub const INITIAL_LINES: usize = 1000;
/// How often the log is polled for new lines.
pub const LOG_POLL: Duration = Duration::from_millis(250);
pub use super::tabs::logs::past::MAX_LINE;
/// How often a running credentials test reports its elapsed time.
pub const TEST_TICK: Duration = Duration::from_secs(1);

/// What reaches the event loop: terminal events and actions.
#[derive(Debug)]
pub enum Msg {
    Term(Event),
    Action(Box<Action>),
}

#[derive(Clone)]
pub struct Runner {
    targets: Arc<Vec<Target>>,
    /// Per node (same order as `targets`): how its credentials are tested.
    test_overrides: Arc<Vec<TestOverrides>>,
    /// The credentials test running on each node, to abort it.
    tests: Arc<Mutex<HashMap<usize, AbortHandle>>>,
    /// Per node: its inventory entry, to fetch a host key to trust.
    ssh: Arc<SshContext>,
    tx: UnboundedSender<Msg>,
}

/// What fetching an SSH node's host key takes.
#[derive(Debug, Default)]
struct SshContext {
    specs: Vec<Option<NodeSpec>>,
    options: SshOptions,
}

fn failure(e: crate::Error) -> SaveFailure {
    SaveFailure {
        conflict: e.class() == ErrorClass::Conflict,
        message: e.to_string(),
    }
}

/// After a save refused for want of a node key (sealed values depend on the
/// missing one): the question whether to make a new one, with the save to
/// run again if so.
fn new_key_question<T>(
    node: usize,
    saved: &crate::Result<T>,
    retry: impl FnOnce() -> Effect,
) -> Option<Action> {
    match saved {
        Err(crate::Error::KeyRefused(refused)) => Some(Action::NewKeyAsked {
            node,
            message: refused.to_string(),
            retry: Box::new(retry()),
        }),
        _ => None,
    }
}

fn info(saved: Saved, warnings: Vec<String>) -> SaveInfo {
    match saved {
        Saved::Unchanged => SaveInfo {
            unchanged: true,
            backup: None,
            warnings,
        },
        Saved::Written(w) => SaveInfo {
            unchanged: false,
            backup: w.backup,
            warnings,
        },
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

impl Runner {
    pub fn new(targets: Vec<Target>, tx: UnboundedSender<Msg>) -> Runner {
        Runner {
            targets: Arc::new(targets),
            test_overrides: Arc::new(Vec::new()),
            tests: Arc::default(),
            ssh: Arc::default(),
            tx,
        }
    }

    /// Per node, in the order of the targets: its inventory entry (`None`
    /// for one not from an inventory), and the SSH options the targets use.
    pub fn with_specs(mut self, specs: Vec<Option<NodeSpec>>, options: SshOptions) -> Runner {
        self.ssh = Arc::new(SshContext { specs, options });
        self
    }

    /// Per node, in the order of the targets: the credentials test's token
    /// URL, scope and proxy (nodes not given use the defaults).
    pub fn with_test_overrides(mut self, overrides: Vec<TestOverrides>) -> Runner {
        self.test_overrides = Arc::new(overrides);
        self
    }

    /// Whether a credentials test runs on `node` now.
    pub fn test_running(&self, node: usize) -> bool {
        self.tests
            .lock()
            .ok()
            .and_then(|t| t.get(&node).map(|h| !h.is_finished()))
            .unwrap_or(false)
    }

    fn send(tx: &UnboundedSender<Msg>, action: Action) {
        // The loop has ended when this fails: nothing left to tell.
        let _ = tx.send(Msg::Action(Box::new(action)));
    }

    /// Spawns `work`, reporting a panic in it as an error message.
    fn spawn<F>(&self, work: F) -> AbortHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let tx = self.tx.clone();
        let handle = tokio::spawn(work);
        let abort = handle.abort_handle();
        tokio::spawn(async move {
            if let Err(e) = handle.await
                && e.is_panic()
            {
                let text = panic_text(e.into_panic());
                Runner::send(&tx, Action::TaskFailed(text));
            }
        });
        abort
    }

    /// Starts a credentials test on `node` (aborting one still running there).
    fn start_test(&self, node: usize, id: u64) {
        let Some(t) = self.targets.get(node).cloned() else {
            return;
        };
        let overrides = self.test_overrides.get(node).cloned().unwrap_or_default();
        let tx = self.tx.clone();
        let abort = self.spawn(test_credentials(node, id, t, overrides, tx));
        if let Ok(mut tests) = self.tests.lock()
            && let Some(previous) = tests.insert(node, abort)
        {
            previous.abort();
        }
    }

    fn cancel_test(&self, node: usize) {
        if let Some(handle) = self.tests.lock().ok().and_then(|mut t| t.remove(&node)) {
            handle.abort();
        }
    }

    pub fn run(&self, effect: Effect) {
        let tx = self.tx.clone();
        // Each effect is one change in the nodes' journals (apply-to-all one
        // change on every node).
        let stamp = Stamp::new();
        let targets = self.targets.clone();
        let target = |node: usize| targets.get(node).map(|t| t.for_change(&stamp));
        match effect {
            Effect::LoadNode(node) => {
                let Some(t) = target(node) else { return };
                let ssh = self.ssh.clone();
                self.spawn(load_node(node, t, ssh, tx));
            }
            Effect::LoadFile { node, file } => {
                let Some(t) = target(node) else { return };
                self.spawn(async move {
                    let loaded = t.with_journal(load_file(&t, file)).await;
                    Runner::send(&tx, Action::Loaded { node, loaded });
                });
            }
            Effect::SaveIni {
                node,
                file,
                loaded,
                doc,
            } => {
                let Some(t) = target(node) else { return };
                self.spawn(async move {
                    let result = ops::save_ini(&t, &loaded, &doc)
                        .await
                        .map(|s| info(s, Vec::new()))
                        .map_err(failure);
                    Runner::send(&tx, Action::Saved { node, file, result });
                });
            }
            Effect::SaveForm {
                node,
                file,
                loaded,
                form,
                key,
            } => {
                let Some(t) = target(node) else { return };
                self.spawn(async move {
                    let saved = file
                        .visit(SaveForm {
                            target: &t,
                            loaded: &loaded,
                            form: &form,
                            key,
                        })
                        .await;
                    let retry = || Effect::SaveForm {
                        node,
                        file,
                        loaded: loaded.clone(),
                        form: form.clone(),
                        key: KeyRule::Replace,
                    };
                    let ask = new_key_question(node, &saved, retry);
                    let result = saved.map(|(s, w)| info(s, w)).map_err(failure);
                    let file = FileKind::Form(file);
                    Runner::send(&tx, Action::Saved { node, file, result });
                    if let Some(ask) = ask {
                        Runner::send(&tx, ask);
                    }
                });
            }
            Effect::LoadOverwriteBase { node, file } => {
                let Some(t) = target(node) else { return };
                self.spawn(async move {
                    let loaded = load_file(&t, file).await;
                    Runner::send(&tx, Action::OverwriteBase { node, file, loaded });
                });
            }
            Effect::SaveSystem {
                node,
                loaded,
                credentials,
                proxy,
                key,
            } => {
                let Some(t) = target(node) else { return };
                self.spawn(async move {
                    let saved =
                        save_system(&t, loaded.clone(), credentials.clone(), proxy.clone(), key)
                            .await;
                    let retry = || Effect::SaveSystem {
                        node,
                        loaded: loaded.clone(),
                        credentials: credentials.clone(),
                        proxy: proxy.clone(),
                        key: KeyRule::Replace,
                    };
                    let ask = new_key_question(node, &saved, retry);
                    let result = saved.map_err(failure);
                    let file = FileKind::Credentials;
                    Runner::send(&tx, Action::Saved { node, file, result });
                    if let Some(ask) = ask {
                        Runner::send(&tx, ask);
                    }
                });
            }
            Effect::ForgetCredentials { node } => {
                let Some(t) = target(node) else { return };
                self.spawn(async move {
                    let result = ops::forget_credentials(&t)
                        .await
                        .map(|s| info(s, Vec::new()))
                        .map_err(failure);
                    let file = FileKind::Credentials;
                    Runner::send(&tx, Action::Saved { node, file, result });
                });
            }
            Effect::StartLog(node) => {
                let Some(t) = target(node) else { return };
                self.spawn(follow_log(node, t, tx));
            }
            Effect::LogPast {
                nodes,
                id,
                cluster,
                query,
            } => {
                for node in nodes {
                    let Some(t) = target(node) else { continue };
                    let (tx, query) = (tx.clone(), query.clone());
                    self.spawn(async move {
                        let result = super::tabs::logs::past::read(&t, &query).await;
                        let action = Action::LogPast {
                            node,
                            id,
                            cluster,
                            result,
                        };
                        Runner::send(&tx, action);
                    });
                }
            }
            Effect::ListLogFiles { node } => {
                let Some(t) = target(node) else { return };
                self.spawn(async move {
                    let result = super::tabs::logs::past::list(&t).await;
                    Runner::send(&tx, Action::LogFiles { node, result });
                });
            }
            Effect::ApplyAll { file, change } => {
                let targets: Vec<Target> = targets.iter().map(|t| t.for_change(&stamp)).collect();
                self.spawn(async move {
                    let results = cluster::for_each(&targets, DEFAULT_PARALLEL, move |t| {
                        let change = change.clone();
                        async move { ops::apply(&t, &change).await }
                    })
                    .await;
                    let results = results
                        .into_iter()
                        .map(|r| {
                            let outcome = match r.result {
                                Ok(applied) => match applied.saved {
                                    Saved::Unchanged => ApplyOutcome::Unchanged,
                                    Saved::Written(w) => ApplyOutcome::Done {
                                        backup: w.backup,
                                        warnings: applied.warnings,
                                    },
                                },
                                Err(e) if e.class() == ErrorClass::Conflict => {
                                    ApplyOutcome::Conflict(e.to_string())
                                }
                                Err(e) => ApplyOutcome::Error(e.to_string()),
                            };
                            (r.node, outcome)
                        })
                        .collect();
                    Runner::send(&tx, Action::Applied { file, results });
                });
            }
            Effect::CollectDrift => {
                self.spawn(async move {
                    let results = cluster::for_each(&targets, DEFAULT_PARALLEL, |t| async move {
                        cluster::collect(&t).await
                    })
                    .await;
                    let rows = cluster::drift(&results);
                    let errors = results
                        .iter()
                        .filter_map(|r| {
                            r.result
                                .as_ref()
                                .err()
                                .map(|e| (r.node.clone(), e.to_string()))
                        })
                        .collect();
                    Runner::send(&tx, Action::Drift { rows, errors });
                });
            }
            Effect::ReadHistory => {
                self.spawn(async move { Runner::send(&tx, super::history::read(&targets).await) });
            }
            Effect::PrepareRestore { change } => {
                self.spawn(async move {
                    Runner::send(&tx, super::history::prepare(&targets, change).await)
                });
            }
            Effect::ApplyRestore { nodes } => {
                let targets: Vec<Target> = targets.iter().map(|t| t.for_change(&stamp)).collect();
                self.spawn(async move {
                    Runner::send(&tx, super::history::apply(&targets, nodes).await)
                });
            }
            Effect::CheckHealth => {
                self.spawn(async move {
                    let results = cluster::for_each(&targets, DEFAULT_PARALLEL, |t| async move {
                        Ok(doctor::check(&t).await)
                    })
                    .await;
                    let nodes = results
                        .into_iter()
                        .map(|r| {
                            let findings = r.result.unwrap_or_else(|e| {
                                vec![Finding {
                                    severity: Severity::Problem,
                                    what: format!("the checks did not run: {e}"),
                                    fix: doctor::Remedy::CheckConnection,
                                }]
                            });
                            (r.node, findings)
                        })
                        .collect();
                    Runner::send(&tx, Action::Doctor { nodes });
                });
            }
            Effect::TestCredentials { node, id } => self.start_test(node, id),
            Effect::TrustHostKey { node, info } => {
                self.spawn(async move {
                    let file = info.known_hosts.display().to_string();
                    let host = info.host.clone();
                    let result = tokio::task::spawn_blocking(move || info.trust())
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|r| r.map_err(|e| format!("{file}: {e}")))
                        .map(|()| file);
                    Runner::send(&tx, Action::HostKeyTrusted { node, host, result });
                });
            }
            Effect::CancelTest { node } => self.cancel_test(node),
            Effect::ExpireStatus { id, after } => {
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    Runner::send(&tx, Action::StatusExpired(id));
                });
            }
        }
    }
}

async fn load_ini(t: &Target, file: FileKind) -> Result<ops::LoadedIni, String> {
    let path = file.path(&t.paths);
    ops::load_ini(t, path).await.map_err(|e| e.to_string())
}

async fn load_file(t: &Target, file: FileKind) -> Loaded {
    match file {
        FileKind::Presence => Loaded::Presence(load_ini(t, file).await),
        FileKind::Form(form) => Loaded::Form(form, load_ini(t, file).await),
        FileKind::Credentials => Loaded::Store(ops::load_store(t).await.map_err(|e| e.to_string())),
    }
}

/// A form file's values saved over the version read.
struct SaveForm<'a> {
    target: &'a Target,
    loaded: &'a ops::LoadedIni,
    form: &'a AnyForm,
    key: KeyRule,
}

impl<'a> FormVisitor for SaveForm<'a> {
    type Out = Pin<Box<dyn Future<Output = crate::Result<(Saved, Vec<String>)>> + Send + 'a>>;
    fn visit<F: FormFile>(self) -> Self::Out {
        Box::pin(async move {
            let Some(form) = self.form.get::<F>() else {
                return Err(crate::Error::Failed(
                    "the form's values are of another file".into(),
                ));
            };
            ops::save_form(self.target, self.loaded, form, self.key).await
        })
    }
}

/// Probes the node, then loads its files at once. A host key that
/// known_hosts does not vouch for is reported for the admin to decide on.
async fn load_node(node: usize, t: Target, ssh: Arc<SshContext>, tx: UnboundedSender<Msg>) {
    let mut follow_up = None;
    let reach = match t.node.stat("").await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!("the root {} does not exist", t.node.root())),
        Err(e) => {
            let text = e.to_string();
            follow_up = host_key_question(node, e, &ssh).await;
            Err(text)
        }
    };
    Runner::send(
        &tx,
        Action::Loaded {
            node,
            loaded: Loaded::Reach(reach.clone()),
        },
    );
    if let Err(e) = reach {
        let forms = FormId::ALL.map(|f| Loaded::Form(f, Err(e.clone())));
        let files = [
            Loaded::Presence(Err(e.clone())),
            Loaded::Store(Err(e.clone())),
        ];
        for loaded in files.into_iter().chain(forms) {
            Runner::send(&tx, Action::Loaded { node, loaded });
        }
        if let Some(question) = follow_up {
            Runner::send(&tx, question);
        }
        return;
    }
    let files = [FileKind::Presence, FileKind::Credentials]
        .into_iter()
        .chain(FormId::ALL.map(FileKind::Form));
    // Read at once: over SSH each is a round trip of its own.
    let mut loads = tokio::task::JoinSet::new();
    for file in files {
        let t = t.clone();
        loads.spawn(async move { load_file(&t, file).await });
    }
    // The journal beside them, for the saves to come.
    t.with_journal(async {
        while let Some(loaded) = loads.join_next().await {
            if let Ok(loaded) = loaded {
                Runner::send(&tx, Action::Loaded { node, loaded });
            }
        }
    })
    .await;
}

/// Runs the test, reporting the elapsed seconds every [`TEST_TICK`] until it
/// ends (an abort stops both).
async fn test_credentials(
    node: usize,
    id: u64,
    t: Target,
    overrides: TestOverrides,
    tx: UnboundedSender<Msg>,
) {
    let started = Instant::now();
    let test = crate::cloud::test_saved_credentials(&t, &overrides);
    tokio::pin!(test);
    let mut ticks = tokio::time::interval_at((started + TEST_TICK).into(), TEST_TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let result = loop {
        tokio::select! {
            result = &mut test => break result,
            _ = ticks.tick() => {
                let secs = started.elapsed().as_secs();
                Runner::send(&tx, Action::TestProgress { node, id, secs });
            }
        }
    };
    let result = result.map(|info| info.summary()).map_err(test_failure);
    Runner::send(&tx, Action::TestDone { node, id, result });
}

/// A failed test in the TUI's words: a refused scope points at the
/// inventory, the only place the TUI takes one from.
fn test_failure(e: crate::Error) -> String {
    match e {
        crate::Error::Cloud(e) if e.scope_refused() => format!("{e} (cloud_scope in nodes.toml)"),
        e => e.to_string(),
    }
}

/// What to ask the admin about a connection refused over its host key: an
/// unknown key (fetched again, to show and trust exactly that key), or a
/// changed one.
async fn host_key_question(node: usize, e: NodeError, ssh: &SshContext) -> Option<Action> {
    let changed = |host, fingerprint, known_hosts| Action::HostKeyChanged {
        node,
        host,
        fingerprint,
        known_hosts,
    };
    match e {
        NodeError::UnknownHostKey { .. } | NodeError::OtherHostKeyTypes { .. } => {
            let spec = ssh.specs.get(node)?.as_ref()?;
            match crate::node::ssh::fetch_host_key(spec, &ssh.options).await {
                Ok(info) if !info.known => Some(Action::HostKeyUnknown {
                    node,
                    info: Box::new(info),
                }),
                Err(NodeError::ChangedHostKey {
                    host,
                    fingerprint,
                    known_hosts,
                }) => Some(changed(host, fingerprint, known_hosts)),
                _ => None,
            }
        }
        NodeError::ChangedHostKey {
            host,
            fingerprint,
            known_hosts,
        } => Some(changed(host, fingerprint, known_hosts)),
        _ => None,
    }
}

/// Credentials first, then the proxy on top of the store as it is then.
/// One node key seals both: made first, if it has to be, knowing all that
/// this save replaces.
async fn save_system(
    t: &Target,
    loaded: ops::LoadedStore,
    credentials: Option<(String, secrecy::SecretString)>,
    proxy: Option<Option<ProxyEdit>>,
    rule: KeyRule,
) -> crate::Result<SaveInfo> {
    use secrecy::ExposeSecret;
    let mut result = SaveInfo {
        unchanged: true,
        backup: None,
        warnings: Vec::new(),
    };
    let mut merge = |saved: Saved| {
        if let Saved::Written(w) = saved {
            result.unchanged = false;
            result.backup = result.backup.take().or(w.backup);
        }
    };
    let typed_password = proxy
        .as_ref()
        .and_then(|p| p.as_ref()?.password.as_ref())
        .filter(|p| !p.expose_secret().is_empty());
    let mut replacing = Vec::new();
    if credentials.is_some() {
        replacing.push(SealedValue::ClientSecret);
    }
    if matches!(proxy, Some(None)) || typed_password.is_some() {
        replacing.push(SealedValue::ProxyPassword);
    }
    if let Some((client_id, secret)) = &credentials {
        crate::settings::credentials::check_credentials(client_id, secret)?;
    }
    let key = if credentials.is_some() || typed_password.is_some() {
        let (key, note) = ops::sealing_key(t, &replacing, rule).await?;
        result.warnings.extend(note);
        Some(key)
    } else {
        ops::node_key(t, false).await?
    };
    let mut loaded = loaded;
    if let (Some((client_id, secret)), Some(key)) = (&credentials, &key) {
        // Over the store as the editor read it: a change made on the node
        // since is a conflict, for the admin to reload or overwrite.
        merge(ops::store_credentials(t, &loaded, key, client_id, secret).await?);
        loaded = ops::load_store(t).await?;
    }
    if let Some(proxy) = &proxy {
        let _in_use = typed_password.map(|p| crate::telemetry::scrub_while(p.expose_secret()));
        let mut store = loaded.store.clone();
        let edit = proxy
            .as_ref()
            .map(|p| (p.url.as_str(), p.user.as_deref(), p.password.as_ref()));
        store.set_proxy_with(key.as_ref(), edit)?;
        merge(ops::save_store(t, &loaded, &store).await?);
    }
    Ok(result)
}

/// The tail, then new lines every [`LOG_POLL`], until the interface ends.
/// After a burst it reads on without waiting, as fast as the interface
/// applies the batches: one at a time is in flight (see [`LogCredit`]).
async fn follow_log(node: usize, t: Target, tx: UnboundedSender<Msg>) {
    let source = NodeLog {
        node: t.node.clone(),
        path: t.paths.log.clone(),
    };
    let note = |text: String| Action::LogNote { node, text };
    let start = match last_lines(&source, INITIAL_LINES).await {
        Ok(tail) => {
            let lines = tail.lines().map(|l| display_line(&l, MAX_LINE)).collect();
            Runner::send(
                &tx,
                Action::LogLines {
                    node,
                    lines,
                    reset: true,
                    credit: LogCredit::default(),
                },
            );
            tail.end
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Runner::send(&tx, note(format!("waiting for {} to appear", t.paths.log)));
            0
        }
        Err(e) => {
            Runner::send(&tx, note(format!("log unreadable: {e}")));
            0
        }
    };
    let mut follower = Follower::new(source, start);
    let mut last_error: Option<String> = None;
    let in_flight = Arc::new(tokio::sync::Semaphore::new(1));
    let mut more = false;
    loop {
        if !more {
            tokio::time::sleep(LOG_POLL).await;
        }
        // The permit comes back when the interface has applied the last
        // batch, or has dropped it with its queue on the way out.
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        if tx.is_closed() {
            return;
        }
        match follower.poll().await {
            Ok(polled) => {
                more = polled.more;
                if last_error.take().is_some() {
                    Runner::send(&tx, note(String::new()));
                }
                if polled.rotated || polled.truncated {
                    let what = if polled.rotated {
                        "rotated"
                    } else {
                        "truncated"
                    };
                    Runner::send(
                        &tx,
                        note(format!("the log was {what}; following the new file")),
                    );
                }
                if !polled.lines.is_empty() {
                    let lines = polled
                        .lines
                        .iter()
                        .map(|l| display_line(l, MAX_LINE))
                        .collect();
                    Runner::send(
                        &tx,
                        Action::LogLines {
                            node,
                            lines,
                            reset: false,
                            credit: LogCredit::new(permit),
                        },
                    );
                }
            }
            Err(e) => {
                more = false;
                let text = format!("log unreadable: {e}");
                if last_error.as_deref() != Some(text.as_str()) {
                    Runner::send(&tx, note(text.clone()));
                    last_error = Some(text);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cloud::CloudError;

    fn refused(code: &str) -> crate::Error {
        crate::Error::Cloud(CloudError::Endpoint {
            status: 400,
            code: code.into(),
            description: None,
        })
    }

    #[test]
    fn a_refused_scope_points_at_the_inventory_and_names_no_flag() {
        let text = super::test_failure(refused("invalid_scope"));
        assert!(
            text.ends_with("check the scope (cloud_scope in nodes.toml)"),
            "{text}"
        );
        assert!(!text.contains("--"), "{text}");
        let other = super::test_failure(refused("invalid_client"));
        assert!(!other.contains("cloud_scope"), "{other}");
    }
}
