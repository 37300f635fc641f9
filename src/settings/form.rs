//! A settings file made of described fields ([`FormFile`]), and its values
//! ([`Form`]): read from the INI section, edited, checked, and written back
//! with minimal edits. Everything here works from the description alone;
//! a file adds only what is its own (the rules between its fields).

use std::fmt::Debug;
use std::hash::Hash;
use std::marker::PhantomData;

use secrecy::SecretString;

use super::FormId;
use super::schema::{FieldSpec, FieldValue, Kind, Secret, toggle_on};
use super::seal::{self, NodeKey, SealError, Sealed};
use crate::ini::Document;
use crate::paths::Paths;

/// A settings file described as data: its fields, named by an enum of the
/// file's own, and the rules that tie them together.
pub trait FormFile: Copy + Eq + Ord + Hash + Debug + Send + Sync + 'static {
    /// Its place in the list of form files.
    const ID: FormId;
    /// Every field, in the form's order.
    const ALL: &'static [Self];
    /// The file's name for people (`Calendar.ini`).
    const LABEL: &'static str;
    /// The INI section that holds the fields.
    const SECTION: &'static str;
    /// Its command on the command line (`calendar`) and what it is about.
    const COMMAND: &'static str;
    const ABOUT: &'static str;
    /// Its tab's title in the editor.
    const TAB: &'static str;
    /// What doctor says when the file is missing, and the `set` flags that
    /// make it: (`no calendar integration`, `--provider ... (if ...)`).
    const IF_MISSING: (&'static str, &'static str);

    /// Where the file is on a node.
    fn path(paths: &Paths) -> &str;

    /// The rows the editor shows for these values (all fields unless the
    /// file hides some, such as another provider's).
    fn visible(form: &Form<Self>) -> Vec<Self> {
        let _ = form;
        Self::ALL.to_vec()
    }

    /// A choice as the editor shows it.
    fn shown(choice: &'static str) -> &'static str {
        choice
    }

    /// Whether the editor leaves a blank line after the field (ends a group).
    fn gap_after(self) -> bool {
        false
    }

    /// Whether the first warning is the one to act on first (drawn stronger).
    fn first_warning_strong(form: &Form<Self>) -> bool {
        let _ = form;
        false
    }

    /// The field whose description names `key`, spelled as there.
    fn with_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.spec().key == key)
    }

    /// The field's place in [`ALL`](Self::ALL).
    fn index(self) -> usize;
    /// Its description.
    fn spec(self) -> &'static FieldSpec;
    /// Every error and warning of `form`: the kinds' checks where they
    /// apply, and the rules between fields.
    fn validate(form: &Form<Self>) -> Report<Self>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One validation finding, tied to the field it is about where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<F> {
    pub severity: Severity,
    pub field: Option<F>,
    pub message: String,
}

/// Errors block saving; warnings are saved anyway, in the order an admin
/// should act on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<F> {
    pub errors: Vec<Finding<F>>,
    pub warnings: Vec<Finding<F>>,
}

impl<F> Default for Report<F> {
    fn default() -> Self {
        Report {
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl<F> Report<F> {
    /// True when nothing blocks saving.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn error(&mut self, field: F, message: String) {
        self.errors.push(Finding {
            severity: Severity::Error,
            field: Some(field),
            message,
        });
    }

    pub fn warning(&mut self, field: F, message: String) {
        self.warnings.push(Finding {
            severity: Severity::Warning,
            field: Some(field),
            message,
        });
    }
}

/// What [`Form::display`] shows for a field with no value.
pub const NOT_SET: &str = "(not set)";

/// The values of a [`FormFile`] as text from the file (so invalid values can
/// be shown and corrected): one slot per field, toggles as `1`/`0`, secrets
/// apart (sealed as stored, or newly typed).
#[derive(Debug, Clone)]
pub struct Form<F> {
    /// Text per field (`None`: absent or blank).
    values: Vec<Option<String>>,
    secrets: Vec<Secret>,
    file: PhantomData<F>,
}

impl<F: FormFile> Default for Form<F> {
    fn default() -> Self {
        Form {
            values: vec![None; F::ALL.len()],
            secrets: vec![Secret::None; F::ALL.len()],
            file: PhantomData,
        }
    }
}

impl<F: FormFile> Form<F> {
    /// Reads the file's section (missing keys are `None`/off).
    pub fn from_document(doc: &Document) -> Form<F> {
        Form::from_lookup(|key| doc.get(Some(F::SECTION), key).map(str::to_owned))
    }

    /// Builds the form from a lookup of values by INI key. Values are
    /// trimmed; empty ones count as not set. Toggles are on for `1` or
    /// `true` (any case).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Form<F> {
        let mut form = Form::default();
        for &field in F::ALL {
            let text = lookup(field.spec().key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
            match field.spec().kind {
                Kind::Secret { .. } => {
                    form.secrets[field.index()] = text.map_or(Secret::None, Secret::Sealed)
                }
                Kind::Bool => form.set_on(field, text.is_some_and(|v| toggle_on(&v))),
                _ => form.values[field.index()] = text,
            }
        }
        form
    }

    /// A text field as read or typed (`None`: not set); `None` for the
    /// toggles and the secrets.
    pub fn text(&self, field: F) -> Option<&str> {
        match field.spec().kind {
            Kind::Bool | Kind::Secret { .. } => None,
            _ => self.values[field.index()].as_deref(),
        }
    }

    /// Sets a text field (`None`: not set); toggles and secrets have their own.
    pub fn set_text(&mut self, field: F, text: Option<String>) {
        if !matches!(field.spec().kind, Kind::Bool | Kind::Secret { .. }) {
            self.values[field.index()] = text;
        }
    }

    /// Whether a toggle is on (false for any other field).
    pub fn on(&self, field: F) -> bool {
        field.spec().is_bool() && self.values[field.index()].as_deref() == Some("1")
    }

    pub fn set_on(&mut self, field: F, on: bool) {
        if field.spec().is_bool() {
            self.values[field.index()] = Some(if on { "1" } else { "0" }.to_owned());
        }
    }

    /// A secret field's value (none for any other field).
    pub fn secret(&self, field: F) -> &Secret {
        &self.secrets[field.index()]
    }

    pub fn set_secret(&mut self, field: F, secret: Secret) {
        if field.spec().is_secret() {
            self.secrets[field.index()] = secret;
        }
    }

    /// Puts one value from a change into its field; a text value for a
    /// toggle counts as on for `1`, `on` or `true`.
    pub fn set(&mut self, field: F, value: &FieldValue) {
        match (&field.spec().kind, value) {
            (Kind::Secret { .. }, FieldValue::Password(p)) => {
                self.set_secret(field, Secret::New(p.clone()))
            }
            (Kind::Secret { .. }, _) => {}
            (Kind::Bool, FieldValue::Toggle(on)) => self.set_on(field, *on),
            (Kind::Bool, FieldValue::Text(t)) => {
                self.set_on(field, matches!(t.trim(), "1" | "on" | "true"))
            }
            (_, FieldValue::Text(t)) => self.set_text(field, Some(t.clone())),
            (_, FieldValue::Toggle(on)) => {
                self.set_text(field, Some(if *on { "1" } else { "0" }.to_owned()))
            }
            (_, FieldValue::Password(_)) => {}
        }
    }

    /// The field's value as a change any node can take: `None` for a secret
    /// that is not newly typed (only a typed one can be applied).
    pub fn value(&self, field: F) -> Option<FieldValue> {
        match field.spec().kind {
            Kind::Secret { .. } => match self.secret(field) {
                Secret::New(secret) => Some(FieldValue::Password(secret.clone())),
                _ => None,
            },
            Kind::Bool => Some(FieldValue::Toggle(self.on(field))),
            _ => Some(FieldValue::Text(
                self.text(field).unwrap_or_default().to_owned(),
            )),
        }
    }

    /// Whether `field` differs in `other` from this form (as read); a newly
    /// typed secret always differs.
    pub fn differs(&self, other: &Form<F>, field: F) -> bool {
        match field.spec().kind {
            Kind::Secret { .. } => matches!(other.secret(field), Secret::New(_)),
            Kind::Bool => self.on(field) != other.on(field),
            _ => self.text(field) != other.text(field),
        }
    }

    /// Takes `field`'s value from `from`.
    pub fn copy_field(&mut self, from: &Form<F>, field: F) {
        let i = field.index();
        self.values[i] = from.values[i].clone();
        self.secrets[i] = from.secrets[i].clone();
    }

    /// Every error and warning (see [`FormFile::validate`]).
    pub fn validate(&self) -> Report<F> {
        F::validate(self)
    }

    /// The trimmed text of a text field, `None` when absent or blank.
    pub fn set_text_of(&self, field: F) -> Option<&str> {
        self.text(field).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Adds the field's kind check to `report`, when it is set and wrong.
    pub fn check(&self, field: F, report: &mut Report<F>) {
        if let Some(text) = self.set_text_of(field)
            && let Err(why) = field.spec().check(text)
        {
            report.error(field, why);
        }
    }

    /// Seals every newly typed secret so it can be written.
    pub fn seal_secrets(&mut self, key: &NodeKey) {
        for &field in F::ALL {
            if let (Kind::Secret { aad }, Secret::New(secret)) =
                (&field.spec().kind, self.secret(field))
            {
                let sealed = seal::seal(key, secret, aad);
                self.secrets[field.index()] = Secret::Sealed(sealed.to_text());
            }
        }
    }

    /// A secret in clear, to compare it (e.g. across nodes). `Ok(None)`: none set.
    pub fn open_secret(&self, field: F, key: &NodeKey) -> Result<Option<SecretString>, SealError> {
        let Kind::Secret { aad } = field.spec().kind else {
            return Ok(None);
        };
        match self.secret(field) {
            Secret::None => Ok(None),
            Secret::New(secret) => Ok(Some(secret.clone())),
            Secret::Sealed(text) => {
                let sealed = Sealed::from_text(text)?;
                seal::open(key, &sealed, aad).map(Some)
            }
        }
    }

    /// Whether any secret is newly typed (and so must be sealed to be written).
    pub fn has_new_secret(&self) -> bool {
        self.secrets.iter().any(|s| matches!(s, Secret::New(_)))
    }

    /// Writes every set field into the section with minimal edits (choices
    /// in their own spelling, toggles `0`/`1`). Fields that are not set are
    /// left as they are in the file. Returns whether anything changed.
    /// Errors: a typed secret not sealed yet, or text the file's encoding
    /// lacks; the document is left unchanged then.
    pub fn apply_to(&self, doc: &mut Document) -> Result<bool, crate::Error> {
        let changes = self.changes(|key| doc.get(Some(F::SECTION), key).map(str::to_owned))?;
        // Edit a copy so that a refused value leaves the document untouched.
        let mut edited = doc.clone();
        let mut changed = false;
        for (key, value) in changes {
            changed |= edited.set(Some(F::SECTION), key, &value)?;
        }
        *doc = edited;
        Ok(changed)
    }

    /// The `(key, value)` pairs [`apply_to`](Self::apply_to) writes, given the
    /// file's current values: only those whose text differs. Values are
    /// trimmed; choices take their own spelling when recognised; toggles are
    /// `0`/`1`, and an absent toggle that stays off is left absent (absent
    /// means off).
    pub fn changes(
        &self,
        current: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<(&'static str, String)>, crate::Error> {
        let mut changes = Vec::new();
        for &field in F::ALL {
            let Some(value) = self.value_to_write(field)? else {
                continue;
            };
            let key = field.spec().key;
            let unchanged = match current(key).as_deref().map(str::trim) {
                Some(now) => now == value,
                None => value.is_empty() || (field.spec().is_bool() && value == "0"),
            };
            if !unchanged {
                changes.push((key, value));
            }
        }
        Ok(changes)
    }

    /// The value shown for a field; a secret shows only whether one is set.
    /// Unset fields show [`NOT_SET`], toggles `on`/`off`.
    pub fn display(&self, field: F) -> String {
        match field.spec().kind {
            Kind::Secret { .. } if self.secret(field).is_set() => "(set)".to_owned(),
            Kind::Secret { .. } => NOT_SET.to_owned(),
            Kind::Bool => if self.on(field) { "on" } else { "off" }.to_owned(),
            _ => self.normalized(field).unwrap_or_else(|| NOT_SET.to_owned()),
        }
    }

    /// A text field trimmed, with its canonical spelling where it has one.
    fn normalized(&self, field: F) -> Option<String> {
        Some(field.spec().normalized(self.text(field)?))
    }

    fn value_to_write(&self, field: F) -> Result<Option<String>, crate::Error> {
        match field.spec().kind {
            Kind::Bool => Ok(Some(if self.on(field) { "1" } else { "0" }.to_owned())),
            Kind::Secret { .. } => match self.secret(field) {
                Secret::None => Ok(None),
                Secret::Sealed(text) => Ok(Some(text.trim().to_owned())),
                Secret::New(_) => Err(crate::Error::Failed(format!(
                    "the new {} must be sealed before it is written",
                    field.spec().noun
                ))),
            },
            _ => Ok(self.normalized(field)),
        }
    }
}
