//! System Parameters: the Imagicle Cloud services credentials (saved: only
//! "Credentials saved using Client ID: <id>", with Test and Forget; none
//! saved: Client ID, a masked Client secret and Save) and the proxy.
//!
//! A typed secret lives only in a masked field, then as a `SecretString`
//! until the save is handed to the background task; it is never shown, never
//! in `Debug`, and not kept after that.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use secrecy::SecretString;

use super::file_edit::{self, EditsFile};
use super::{RenderCx, Tab};
use crate::ops::{Change, KeyRule, LoadedStore};
use crate::tui::action::Dialog;
use crate::tui::action::{Action, Effect, FileKind, Loaded, ProxyEdit, SystemAction};
use crate::tui::model::{Cx, Load, Modal};
use crate::tui::widgets;
use crate::tui::widgets::form::{FormRow, Masked};
use crate::tui::widgets::input::TextInput;

const LABEL_WIDTH: usize = 16;

/// The credentials test of this node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TestState {
    #[default]
    Idle,
    /// Running for `secs` whole seconds (the counter moves once a second).
    Running {
        id: u64,
        secs: u64,
    },
    Passed(String),
    Failed(String),
}

/// A focusable row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    ClientId,
    Secret,
    Save,
    Test,
    Forget,
    ProxyUrl,
    ProxyUser,
    ProxyPassword,
}

#[derive(Debug)]
struct Editor {
    item: Item,
    input: TextInput,
}

#[derive(Default)]
pub struct SystemTab {
    pub load: Load<LoadedStore>,
    pub focus: usize,
    client_id: String,
    secret: Option<SecretString>,
    proxy_url: String,
    proxy_user: String,
    /// A newly typed proxy password (`None`: keep the stored one).
    proxy_password: Option<SecretString>,
    editor: Option<Editor>,
    pub test: TestState,
    /// Identifies the latest test, so a late answer of an older one is ignored.
    tests_started: u64,
    /// Forget, kept once done here so it can be applied to all nodes.
    last_change: Option<Change>,
    /// The store as the node has it now, after a conflict: the next write goes over it.
    overwrite_base: Option<LoadedStore>,
}

impl std::fmt::Debug for SystemTab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemTab")
            .field("load", &self.load)
            .field("focus", &self.focus)
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "(typed)"))
            .field("proxy_url", &self.proxy_url)
            .field("proxy_user", &self.proxy_user)
            .field(
                "proxy_password",
                &self.proxy_password.as_ref().map(|_| "(typed)"),
            )
            .field("editor", &self.editor)
            .field("test", &self.test)
            .finish()
    }
}

impl SystemTab {
    fn saved_client_id(&self) -> Option<&str> {
        self.load.ready().and_then(|l| l.store.client_id())
    }

    /// The rows that can take the focus, in order.
    pub fn items(&self) -> Vec<Item> {
        let mut items = if self.saved_client_id().is_some() {
            vec![Item::Test, Item::Forget]
        } else {
            vec![Item::ClientId, Item::Secret, Item::Save, Item::Test]
        };
        items.extend([Item::ProxyUrl, Item::ProxyUser, Item::ProxyPassword]);
        items
    }

    fn focused(&self) -> Option<Item> {
        let items = self.items();
        items
            .get(self.focus.min(items.len().saturating_sub(1)))
            .copied()
    }

    fn stored_proxy(&self) -> (String, String, bool) {
        match self.load.ready().and_then(|l| l.store.proxy()) {
            Some(p) => (p.url, p.user.unwrap_or_default(), p.has_password),
            None => (String::new(), String::new(), false),
        }
    }

    fn proxy_changed(&self) -> bool {
        let (url, user, _) = self.stored_proxy();
        self.proxy_url != url || self.proxy_user != user || self.proxy_password.is_some()
    }

    fn credentials_typed(&self) -> bool {
        !self.client_id.is_empty() || self.secret.is_some()
    }

    pub fn testing(&self) -> bool {
        matches!(self.test, TestState::Running { .. })
    }

    fn reset_proxy_fields(&mut self) {
        let (url, user, _) = self.stored_proxy();
        self.proxy_url = url;
        self.proxy_user = user;
        self.proxy_password = None;
    }

    pub fn loaded(&mut self, result: Result<LoadedStore, String>) {
        let proxy_edited = self.load.ready().is_some() && self.proxy_changed();
        self.load = Load::from_result(result);
        if !proxy_edited {
            self.reset_proxy_fields();
        }
        self.focus = self.focus.min(self.items().len() - 1);
    }

    fn activate(&mut self, cx: &mut Cx) {
        let Some(item) = self.focused() else {
            return;
        };
        match item {
            Item::ClientId => self.edit(item, TextInput::plain(&self.client_id.clone())),
            Item::ProxyUrl => self.edit(item, TextInput::plain(&self.proxy_url.clone())),
            Item::ProxyUser => self.edit(item, TextInput::plain(&self.proxy_user.clone())),
            Item::Secret | Item::ProxyPassword => self.edit(item, TextInput::masked()),
            Item::Save => self.save(cx),
            Item::Test => self.start_test(cx),
            Item::Forget => {
                cx.modal = Some(Modal::Dialog(Dialog::confirm(
                    "Forget the credentials?",
                    vec![
                        format!(
                            "The Client ID and the sealed secret are removed from {} on {}.",
                            crate::paths::CREDENTIALS,
                            cx.node_name
                        ),
                        "The proxy settings stay.".to_string(),
                    ],
                    "Forget",
                    Action::System(SystemAction::ForgetConfirmed),
                )))
            }
        }
    }

    fn start_test(&mut self, cx: &mut Cx) {
        if self.testing() {
            return cx.info("A test is already running (Esc cancels it)");
        }
        self.tests_started += 1;
        let id = self.tests_started;
        self.test = TestState::Running { id, secs: 0 };
        cx.effects
            .push(Effect::TestCredentials { node: cx.node, id });
    }

    fn cancel_test(&mut self, cx: &mut Cx) {
        if !self.testing() {
            return;
        }
        self.test = TestState::Failed("cancelled".to_string());
        cx.effects.push(Effect::CancelTest { node: cx.node });
        cx.info(format!("Credentials test on {} cancelled", cx.node_name));
    }

    /// A running test's progress or outcome (whatever the tab is doing).
    pub fn on_test(&mut self, action: Action, cx: &mut Cx) {
        match action {
            Action::TestProgress { id, secs, .. } => {
                if let TestState::Running {
                    id: running,
                    secs: shown,
                } = &mut self.test
                    && *running == id
                {
                    *shown = secs;
                }
            }
            Action::TestDone { id, result, .. } => self.test_done(id, result, cx),
            _ => {}
        }
    }

    fn test_done(&mut self, id: u64, result: Result<String, String>, cx: &mut Cx) {
        if !matches!(self.test, TestState::Running { id: running, .. } if running == id) {
            return;
        }
        match result {
            Ok(summary) => {
                cx.ok(format!("{}: ✓ {summary}", cx.node_name));
                self.test = TestState::Passed(summary);
            }
            Err(e) => {
                cx.error(format!("{}: credentials test failed: {e}", cx.node_name));
                self.test = TestState::Failed(e);
            }
        }
    }

    /// The line under the form: the running test or its outcome.
    fn test_line(&self, rcx: &RenderCx) -> Option<Line<'static>> {
        let theme = rcx.theme;
        let label = Span::styled("Test: ", theme.label);
        let text = |t: &str| crate::tui::sanitize(t).into_owned();
        let outcome = match &self.test {
            TestState::Idle => return None,
            TestState::Running { secs, .. } => vec![
                Span::styled(format!("testing… {secs} s"), theme.pending),
                Span::styled("   (Esc cancels)", theme.dim),
            ],
            TestState::Passed(summary) => {
                vec![Span::styled(format!("✓ {}", text(summary)), theme.ok)]
            }
            TestState::Failed(e) => vec![Span::styled(format!("✗ {}", text(e)), theme.error)],
        };
        Some(Line::from(
            std::iter::once(label).chain(outcome).collect::<Vec<_>>(),
        ))
    }

    fn edit(&mut self, item: Item, input: TextInput) {
        self.editor = Some(Editor { item, input });
    }

    fn update_editor(&mut self, action: Action) {
        let Some(editor) = &mut self.editor else {
            return;
        };
        match action {
            Action::Input(request) => {
                editor.input.handle(request);
            }
            Action::InputCancel => self.editor = None,
            Action::InputCommit => {
                let Some(Editor { item, input }) = self.editor.take() else {
                    return;
                };
                match item {
                    Item::ClientId => self.client_id = input.value().trim().to_string(),
                    Item::ProxyUrl => self.proxy_url = input.value().trim().to_string(),
                    Item::ProxyUser => self.proxy_user = input.value().trim().to_string(),
                    Item::Secret if !input.is_empty() => self.secret = Some(input.into_secret()),
                    Item::ProxyPassword if !input.is_empty() => {
                        self.proxy_password = Some(input.into_secret())
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn render_item(&self, frame: &mut Frame, row: Rect, item: Item, focused: bool, rcx: &RenderCx) {
        let theme = rcx.theme;
        let field = |label: &str| FormRow::labelled(label, LABEL_WIDTH).lead("  ");
        let button = |text: &str| {
            FormRow::bare()
                .lead("  ")
                .value(Span::styled(text.to_string(), theme.button))
        };
        let style = |changed: bool| if changed { theme.changed } else { theme.value };
        let (stored_url, stored_user, stored_password) = self.stored_proxy();
        let form_row = match item {
            Item::ClientId => {
                field("Client ID").text(&self.client_id, "(empty)", 60, theme.value, theme)
            }
            Item::Secret => {
                let typed = self
                    .secret
                    .as_ref()
                    .map_or(Masked::None, |_| Masked::New { note: "" });
                field("Client secret").masked(typed, "(empty)", theme.changed, theme)
            }
            Item::Save => button("[ Save ]"),
            Item::Test => button("[ Test ]"),
            Item::Forget => button("[ Forget ]"),
            Item::ProxyUrl => field("URL").text(
                &self.proxy_url,
                "(none: direct connection)",
                60,
                style(self.proxy_url != stored_url),
                theme,
            ),
            Item::ProxyUser => field("User").text(
                &self.proxy_user,
                "(none)",
                60,
                style(self.proxy_user != stored_user),
                theme,
            ),
            Item::ProxyPassword => {
                let (shown, changed) = match (&self.proxy_password, stored_password) {
                    (Some(_), _) => (Masked::New { note: "  (new)" }, true),
                    (None, true) => (Masked::Stored, false),
                    (None, false) => (Masked::None, false),
                };
                field("Password").masked(shown, "(none)", style(changed), theme)
            }
        };
        let editing = self.editor.as_ref().filter(|e| e.item == item);
        form_row
            .editing(editing.map(|e| &e.input), 50)
            .render(frame, row, focused, theme);
    }
}

impl Tab for SystemTab {
    fn on_loaded(&mut self, loaded: Loaded) {
        if let Loaded::Store(result) = loaded {
            self.loaded(result);
        }
    }

    fn update(&mut self, action: Action, cx: &mut Cx) {
        if self.editor.is_some() {
            return self.update_editor(action);
        }
        match action {
            Action::Nav(nav) => self.focus = widgets::moved(self.focus, nav, self.items().len()),
            Action::System(SystemAction::CancelTest) => self.cancel_test(cx),
            Action::System(_) if self.load.ready().is_none() => match &self.load {
                Load::Failed(e) => cx.error(format!("CloudServices.json could not be read: {e}")),
                _ => cx.info("Still loading"),
            },
            Action::System(SystemAction::Activate) => self.activate(cx),
            Action::System(SystemAction::ForgetConfirmed) => {
                self.last_change = Some(Change::CredentialsForget);
                cx.effects.push(Effect::ForgetCredentials { node: cx.node });
                cx.info(format!("Forgetting the credentials on {}…", cx.node_name));
            }
            _ => {}
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        let theme = rcx.theme;
        let area = area.inner(ratatui::layout::Margin::new(1, 1));
        let loaded = match &self.load {
            Load::Ready(l) => l,
            Load::Failed(e) => {
                let line = Line::from(Span::styled(
                    format!(
                        "CloudServices.json could not be read: {}",
                        crate::tui::sanitize(e)
                    ),
                    theme.error,
                ));
                frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), area);
                return;
            }
            Load::Loading => {
                frame.render_widget(Line::from(Span::styled("Loading…", theme.pending)), area);
                return;
            }
        };
        let items = self.items();
        let focused = self.focus.min(items.len() - 1);
        let mut y = area.y;
        let line = |frame: &mut Frame, y: &mut u16, content: Line| {
            if *y < area.bottom() {
                frame.render_widget(content, Rect::new(area.x, *y, area.width, 1));
            }
            *y += 1;
        };
        line(
            frame,
            &mut y,
            Line::from(Span::styled(
                "Imagicle Cloud services authentication data",
                theme.title,
            )),
        );
        if self.saved_client_id().is_some() {
            line(
                frame,
                &mut y,
                Line::from(vec![
                    Span::raw("    "),
                    Span::styled(
                        crate::tui::sanitize(&loaded.store.status_line()).into_owned(),
                        theme.ok,
                    ),
                ]),
            );
        }
        for (index, item) in items.iter().enumerate() {
            if *item == Item::ProxyUrl {
                y += 1;
                line(
                    frame,
                    &mut y,
                    Line::from(Span::styled("Proxy", theme.title)),
                );
            }
            if y < area.bottom() {
                let row = Rect::new(area.x, y, area.width, 1);
                self.render_item(frame, row, *item, index == focused, rcx);
            }
            y += 1;
        }
        if let Some(test) = self.test_line(rcx) {
            y += 1;
            if y < area.bottom() {
                let rest = Rect::new(area.x, y, area.width, area.bottom() - y);
                frame.render_widget(Paragraph::new(test).wrap(Wrap { trim: false }), rest);
            }
        }
    }

    fn editing(&self) -> bool {
        self.editor.is_some()
    }

    fn dirty(&self) -> bool {
        self.load.ready().is_some() && (self.credentials_typed() || self.proxy_changed())
    }

    fn discard(&mut self) {
        self.client_id.clear();
        self.secret = None;
        self.proxy_password = None;
        self.editor = None;
        self.reset_proxy_fields();
    }

    /// Ctrl-S and the Save button: says what will be written, then asks.
    fn save(&mut self, cx: &mut Cx) {
        if self.load.ready().is_none() {
            return cx.info("CloudServices.json is not loaded");
        }
        if !self.dirty() {
            return cx.info("No unsaved changes in System Parameters");
        }
        let mut body = Vec::new();
        if self.credentials_typed() {
            if self.client_id.is_empty() || self.secret.is_none() {
                return cx.error("Enter both the Client ID and the Client secret");
            }
            body.push(format!(
                "Cloud credentials: Client ID {}; the secret sealed with {}'s key",
                self.client_id, cx.node_name
            ));
        }
        if self.proxy_changed() {
            if self.proxy_url.is_empty() {
                body.push("Proxy: removed".to_string());
            } else {
                let password = if self.proxy_password.is_some() {
                    "new (sealed)"
                } else {
                    "unchanged"
                };
                body.push(format!("Proxy URL:      {}", self.proxy_url));
                body.push(format!(
                    "Proxy user:     {}",
                    if self.proxy_user.is_empty() {
                        "(none)"
                    } else {
                        &self.proxy_user
                    }
                ));
                body.push(format!("Proxy password: {password}"));
            }
        }
        self.overwrite_base = None;
        body.push(String::new());
        body.push(format!(
            "Written to {} on {}.",
            crate::paths::CREDENTIALS,
            cx.node_name
        ));
        cx.modal = Some(Modal::Dialog(Dialog::confirm(
            format!("Save System Parameters on {}?", cx.node_name),
            body,
            "Save",
            Action::WriteConfirmed(FileKind::Credentials),
        )));
    }

    /// Typed credentials (saved on every node), else a forget done here.
    fn pending_change(&self) -> Option<(FileKind, Change, String)> {
        if let (false, Some(secret)) = (self.client_id.is_empty(), &self.secret) {
            return Some((
                FileKind::Credentials,
                Change::CredentialsSave {
                    client_id: self.client_id.clone(),
                    secret: secret.clone(),
                },
                format!(
                    "Save the cloud credentials (Client ID {}), sealed with each node's own key",
                    self.client_id
                ),
            ));
        }
        match &self.last_change {
            Some(Change::CredentialsForget) => Some((
                FileKind::Credentials,
                Change::CredentialsForget,
                "Forget the cloud credentials".to_string(),
            )),
            _ => None,
        }
    }

    fn on_file(&mut self, action: Action, cx: &mut Cx) {
        file_edit::on_file(self, action, cx);
    }
}

impl EditsFile for SystemTab {
    type Base = LoadedStore;
    const FILE: FileKind = FileKind::Credentials;

    fn base(&self) -> Option<&LoadedStore> {
        self.load.ready()
    }

    fn overwrite_base(&mut self) -> &mut Option<LoadedStore> {
        &mut self.overwrite_base
    }

    fn take(loaded: Loaded) -> Option<Result<LoadedStore, String>> {
        match loaded {
            Loaded::Store(result) => Some(result),
            _ => None,
        }
    }

    fn text(base: &LoadedStore) -> String {
        let proxy = base.store.proxy();
        summary(
            base.store.client_id(),
            base.store.client_id().map(|_| "sealed"),
            proxy.as_ref().map(|p| p.url.as_str()),
            proxy.as_ref().and_then(|p| p.user.as_deref()),
            proxy
                .as_ref()
                .is_some_and(|p| p.has_password)
                .then_some("sealed"),
        )
    }

    /// The store as read with the typed values in, secrets as placeholders.
    fn preview(&self, base: &LoadedStore) -> Result<String, String> {
        let stored = base.store.proxy();
        let typed = self.credentials_typed();
        let (id, secret) = if typed {
            (Some(self.client_id.as_str()), Some("sealed (new)"))
        } else {
            (
                base.store.client_id(),
                base.store.client_id().map(|_| "sealed"),
            )
        };
        let proxy_password = match (&self.proxy_password, &stored) {
            (Some(_), _) => Some("sealed (new)"),
            (None, Some(p)) if p.has_password => Some("sealed"),
            (None, _) => None,
        };
        let url = (!self.proxy_url.is_empty()).then_some(self.proxy_url.as_str());
        let user = (!self.proxy_user.is_empty()).then_some(self.proxy_user.as_str());
        Ok(match url {
            Some(_) => summary(id, secret, url, user, proxy_password),
            None => summary(id, secret, None, None, None),
        })
    }

    /// Hands the typed values to the background save; they are kept until
    /// the save is done, for an overwrite after a conflict.
    fn write(&mut self, loaded: LoadedStore, cx: &mut Cx) -> bool {
        let credentials = match (self.client_id.is_empty(), &self.secret) {
            (false, Some(secret)) => Some((self.client_id.clone(), secret.clone())),
            _ => None,
        };
        let proxy = self.proxy_changed().then(|| {
            (!self.proxy_url.is_empty()).then(|| ProxyEdit {
                url: self.proxy_url.clone(),
                user: (!self.proxy_user.is_empty()).then(|| self.proxy_user.clone()),
                password: self.proxy_password.clone(),
            })
        });
        cx.effects.push(Effect::SaveSystem {
            node: cx.node,
            loaded,
            credentials,
            proxy,
            key: KeyRule::Keep,
        });
        true
    }

    fn discard(&mut self) {
        Tab::discard(self);
    }

    /// The typed secrets are sealed on the node now: forget them.
    fn written(&mut self) {
        self.client_id.clear();
        self.secret = None;
        self.proxy_password = None;
    }
}

/// The store as lines for a diff: what it holds, never a secret.
fn summary(
    client_id: Option<&str>,
    secret: Option<&str>,
    proxy_url: Option<&str>,
    proxy_user: Option<&str>,
    proxy_password: Option<&str>,
) -> String {
    let none = "(none)";
    [
        format!("Client ID:      {}", client_id.unwrap_or(none)),
        format!("Client secret:  {}", secret.unwrap_or(none)),
        format!(
            "Proxy URL:      {}",
            proxy_url.unwrap_or("(none: direct connection)")
        ),
        format!("Proxy user:     {}", proxy_user.unwrap_or(none)),
        format!("Proxy password: {}", proxy_password.unwrap_or(none)),
    ]
    .join("\n")
        + "\n"
}

#[cfg(test)]
pub(crate) fn tab_with_store(store: crate::settings::credentials::Store) -> SystemTab {
    let mut tab = SystemTab::default();
    tab.loaded(Ok(LoadedStore {
        path: crate::paths::CREDENTIALS.to_string(),
        snapshot: None,
        store,
    }));
    tab
}

#[cfg(test)]
mod tests;
