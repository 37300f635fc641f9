//! The line-preserving INI document.
//!
//! The file is kept as its lines, each with its own line ending, so that an
//! unedited document serializes to its exact input bytes and an edit rewrites
//! only the lines it touches.
//!
//! Reading follows Windows `GetPrivateProfileString`:
//! - lines end at LF (a CR right before it belongs to the ending, any other
//!   CR to the text); where no LF is left in the file, lines end at CR, so a
//!   file with bare-CR line endings reads line by line, not as one line.
//!   Lines added after such a CR-ended line end with CR too: an LF after
//!   them would make Windows read them as one line;
//! - a line whose trimmed text starts with `;` or `#` is a comment;
//! - a line whose trimmed text starts with `[` is a section header, named by
//!   the text up to the first `]`, trimmed. A header without `]` still starts
//!   a section, named by all the text after `[` (trimmed), so that the keys
//!   below a mistyped header never leak into the section above it;
//! - any other line with `=` is a key line: the key is the trimmed text before
//!   the first `=`, the value the trimmed text after it (quotes are kept);
//!   a line with an empty key, and a line without `=`, is kept and ignored;
//! - names match case-insensitively (Unicode simple lowercase);
//! - the first of duplicate sections wins: keys in a later section of the
//!   same name are invisible, for reads and writes; within a section the
//!   first of duplicate keys wins;
//! - keys before any header belong to the unnamed section (`None`).

use std::collections::HashSet;
use std::ops::Range;

use super::encoding::{self, bom_len, can_represent, encoded_len};
use super::{Encoding, IniError, LineEnding, MAX_FILE_SIZE};

/// A section's name; `None` is the unnamed section of keys before any `[section]`.
pub type SectionName = Option<String>;

/// One effective key (the first of duplicates) as Windows would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section as spelled in the file (`None`: before any section).
    pub section: SectionName,
    /// The key as spelled in the file.
    pub key: String,
    /// The value, surrounding whitespace trimmed.
    pub value: String,
    /// Zero-based line number in the file.
    pub line: usize,
}

/// A parsed INI file that serializes back to the exact bytes it came from,
/// and whose edits touch only the lines they must.
///
/// `Debug` shows the shape only, never the content (a file may hold secrets).
#[derive(Clone, PartialEq, Eq)]
pub struct Document {
    encoding: Encoding,
    line_ending: LineEnding,
    lines: Vec<Line>,
}

/// One line: its text without the ending, and the ending itself (`None` only
/// on a last line that has no final newline).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    text: String,
    ending: Option<LineEnding>,
    kind: Kind,
}

/// What a line means; ranges are byte offsets into the line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Blank, comment, garbage without `=`, or a key line with an empty key.
    Other,
    Section {
        name: Range<usize>,
    },
    Key {
        key: Range<usize>,
        eq: usize,
        value: Range<usize>,
    },
}

/// The lines of one effective section: its header (none for the unnamed
/// section) and the lines up to the next header.
struct Span {
    header: Option<usize>,
    body: Range<usize>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("encoding", &self.encoding)
            .field("line_ending", &self.line_ending)
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

impl Document {
    /// Parses bytes in any supported encoding. Errors: binary or oversized input.
    pub fn parse(bytes: &[u8]) -> Result<Document, IniError> {
        let size = bytes.len() as u64;
        if size > MAX_FILE_SIZE {
            return Err(IniError::TooLarge { size });
        }
        let (text, encoding) = encoding::decode(bytes)?;
        let lines = split_lines(&text);
        let line_ending = dominant_ending(&lines);
        Ok(Document {
            encoding,
            line_ending,
            lines,
        })
    }

    /// A new, empty document (for a file that does not exist yet).
    pub fn new(encoding: Encoding, line_ending: LineEnding) -> Document {
        Document {
            encoding,
            line_ending,
            lines: Vec::new(),
        }
    }

    /// The exact bytes: identical to the input when nothing was edited.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Every line was either decoded from this encoding or checked by `set`.
        encoding::encode(&self.text(), self.encoding)
            .expect("document text is representable in its own encoding")
    }

    /// The text as decoded (no BOM), for raw views and diffs.
    pub fn text(&self) -> String {
        let len = self.lines.iter().map(|l| l.text.len() + 2).sum();
        let mut out = String::with_capacity(len);
        for line in &self.lines {
            out.push_str(&line.text);
            out.push_str(line.ending.map_or("", LineEnding::as_str));
        }
        out
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The dominant line ending (used for new lines).
    pub fn line_ending(&self) -> LineEnding {
        self.line_ending
    }

    /// The effective sections in file order (first of duplicates), as spelled.
    pub fn sections(&self) -> Vec<SectionName> {
        let mut out = Vec::new();
        if self.unnamed_body().any(|i| self.lines[i].key().is_some()) {
            out.push(None);
        }
        let mut seen = HashSet::new();
        for line in &self.lines {
            if let Some(name) = line.section_name()
                && seen.insert(fold(name))
            {
                out.push(Some(name.to_owned()));
            }
        }
        out
    }

    /// Every effective entry in file order: the first of duplicate sections and
    /// keys only, as Windows reads them.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut seen_sections = HashSet::new();
        let mut section: Option<&str> = None;
        let mut effective = true;
        let mut seen_keys = HashSet::new();
        for (index, line) in self.lines.iter().enumerate() {
            if let Some(name) = line.section_name() {
                section = Some(name);
                effective = seen_sections.insert(fold(name));
                seen_keys.clear();
            } else if let Some((key, value)) = line.key_value()
                && effective
                && seen_keys.insert(fold(key))
            {
                out.push(Entry {
                    section: section.map(str::to_owned),
                    key: key.to_owned(),
                    value: value.to_owned(),
                    line: index,
                });
            }
        }
        out
    }

    /// The value of `key` in `section` (both case-insensitive; first wins).
    pub fn get(&self, section: Option<&str>, key: &str) -> Option<&str> {
        let span = self.find_section(section.map(trim))?;
        let index = self.find_key(&span, trim(key))?;
        self.lines[index].key_value().map(|(_, value)| value)
    }

    /// The effective sections (as spelled) that contain `key`.
    pub fn sections_with_key(&self, key: &str) -> Vec<SectionName> {
        let key = trim(key);
        self.entries()
            .into_iter()
            .filter(|entry| eq_ci(&entry.key, key))
            .map(|entry| entry.section)
            .collect()
    }

    /// Sets `key` in `section`: replaces only the value part of the existing line,
    /// or adds a line after the last key of the section, or appends a new section.
    /// Returns whether the document changed. Errors: names or values with line
    /// breaks, keys with `=` or starting with `[`, `;`, `#`, empty keys, and text
    /// the file's encoding cannot represent (nothing is changed then).
    ///
    /// Names and the value are trimmed first, as Windows trims them when
    /// reading, so that `get` returns what was set.
    pub fn set(&mut self, section: Option<&str>, key: &str, value: &str) -> Result<bool, IniError> {
        let (section, key, value) = self.validate(section, key, value)?;
        let Some(span) = self.find_section(section) else {
            let section = section.expect("the unnamed section always exists");
            self.check_growth(&[section, key, value])?;
            self.append_section(section, key, value);
            return Ok(true);
        };
        if let Some(index) = self.find_key(&span, key) {
            return self.replace_value(index, value);
        }
        self.check_growth(&[key, value])?;
        if self.inserts_at_top(&span) && reads_as_bom(key, self.encoding) {
            return Err(IniError::Invalid(format!(
                "key {key:?} cannot start the file: its first characters would read as a byte-order mark"
            )));
        }
        self.insert_key(&span, key, value);
        Ok(true)
    }

    /// Removes the effective line of `key` in `section`. Returns whether it existed.
    pub fn unset(&mut self, section: Option<&str>, key: &str) -> bool {
        let Some(span) = self.find_section(section.map(trim)) else {
            return false;
        };
        let Some(index) = self.find_key(&span, trim(key)) else {
            return false;
        };
        let removed = self.lines.remove(index);
        if removed.ending.is_none()
            && let Some(last) = self.lines.last_mut()
            // Without its LF, a CR in it would end a line for Windows.
            && (last.ending == Some(LineEnding::Cr) || !last.text.contains('\r'))
        {
            // The file had no final newline: keep it that way.
            last.ending = None;
        }
        true
    }

    /// Checks and trims what `set` was given.
    fn validate<'a>(
        &self,
        section: Option<&'a str>,
        key: &'a str,
        value: &'a str,
    ) -> Result<(Option<&'a str>, &'a str, &'a str), IniError> {
        let invalid = |msg: String| Err(IniError::Invalid(msg));
        if let Some(name) = section
            && let Some(c) = name.chars().find(|&c| is_break(c) || c == ']')
        {
            return invalid(format!("section name {name:?} must not contain {c:?}"));
        }
        if let Some(c) = key.chars().find(|&c| is_break(c) || c == '=') {
            return invalid(format!("key {key:?} must not contain {c:?}"));
        }
        if let Some(c) = value.chars().find(|&c| is_break(c)) {
            return invalid(format!("the value must not contain {c:?}"));
        }
        let (section, key, value) = (section.map(trim), trim(key), trim(value));
        if key.is_empty() {
            return invalid("the key must not be empty".to_owned());
        }
        if key.starts_with(['[', ';', '#']) {
            return invalid(format!("key {key:?} must not start with '[', ';' or '#'"));
        }
        let parts = [
            ("section name", section.unwrap_or("")),
            ("key", key),
            ("value", value),
        ];
        for (what, text) in parts {
            if !can_represent(text, self.encoding) {
                return Err(IniError::Unrepresentable {
                    what,
                    text: text.to_owned(),
                    encoding: self.encoding,
                });
            }
        }
        Ok((section, key, value))
    }

    /// Refuses an edit that could push the file past [`MAX_FILE_SIZE`]
    /// (counting generously for brackets, separators and line endings).
    fn check_growth(&self, added: &[&str]) -> Result<(), IniError> {
        let unit = encoded_len("x", self.encoding);
        let current: usize = self.lines.iter().map(|l| self.line_len(l)).sum();
        let extra: usize = added.iter().map(|t| encoded_len(t, self.encoding)).sum();
        let size = (bom_len(self.encoding) + current + extra + 16 * unit) as u64;
        if size > MAX_FILE_SIZE {
            return Err(IniError::TooLarge { size });
        }
        Ok(())
    }

    fn line_len(&self, line: &Line) -> usize {
        let ending = line.ending.map_or("", LineEnding::as_str);
        encoded_len(&line.text, self.encoding) + encoded_len(ending, self.encoding)
    }

    /// Puts `value` in place of the trimmed value of key line `index`.
    fn replace_value(&mut self, index: usize, value: &str) -> Result<bool, IniError> {
        let line = &self.lines[index];
        let Kind::Key { value: range, .. } = line.kind.clone() else {
            unreachable!("find_key returns key lines")
        };
        if &line.text[range.clone()] == value {
            return Ok(false);
        }
        self.check_growth(&[value])?;
        let line = &mut self.lines[index];
        line.text.replace_range(range, value);
        line.kind = classify(&line.text);
        debug_assert_eq!(line.key_value().map(|(_, v)| v), Some(value));
        Ok(true)
    }

    /// Whether a new key in `span` becomes the file's first line.
    fn inserts_at_top(&self, span: &Span) -> bool {
        span.header.is_none() && !span.body.clone().any(|i| self.lines[i].key().is_some())
    }

    /// Adds a key line to an existing section: after its last key line, else
    /// right after its header, else (unnamed section) at the top of the file.
    fn insert_key(&mut self, span: &Span, key: &str, value: &str) {
        let last_key = span
            .body
            .clone()
            .rev()
            .find(|&i| self.lines[i].key().is_some());
        let text = match last_key {
            Some(i) => self.lines[i].styled(key, value),
            None => format!("{key}={value}"),
        };
        let at = match (last_key, span.header) {
            (Some(i), _) | (None, Some(i)) => i + 1,
            (None, None) => 0,
        };
        self.insert_line(at, text);
    }

    /// Appends `[section]` and the key line at the end of the file, after one
    /// blank line unless the file is empty or already ends with one.
    fn append_section(&mut self, section: &str, key: &str, value: &str) {
        let needs_blank = self.lines.last().is_some_and(|l| !trim(&l.text).is_empty());
        if needs_blank {
            self.insert_line(self.lines.len(), String::new());
        }
        self.insert_line(self.lines.len(), format!("[{section}]"));
        self.insert_line(self.lines.len(), format!("{key}={value}"));
    }

    /// Inserts a line before index `at`, keeping the final-newline state: a
    /// line added after a last line without newline takes over that state.
    fn insert_line(&mut self, at: usize, text: String) {
        let mut new_ending = Some(self.ending_at(at));
        if at == self.lines.len()
            && let Some(last) = self.lines.last_mut()
            && last.ending.is_none()
        {
            last.ending = new_ending;
            new_ending = None;
        }
        let kind = classify(&text);
        self.lines.insert(
            at,
            Line {
                text,
                ending: new_ending,
                kind,
            },
        );
    }

    /// The ending of a line inserted before index `at`. Windows ends lines
    /// at CR only after the file's last LF: before an LF the new line ends
    /// with LF (a CR would join it to the next line); after it, among
    /// CR-ended lines, with CR (an LF would join those into one line).
    fn ending_at(&self, at: usize) -> LineEnding {
        let lf_like = |l: &Line| matches!(l.ending, Some(LineEnding::Lf | LineEnding::CrLf));
        let tail = self.lines.iter().rposition(lf_like).map_or(0, |i| i + 1);
        let cr_tail = self.lines[tail..]
            .iter()
            .any(|l| l.ending == Some(LineEnding::Cr));
        // Right after the last LF an LF-ended line keeps the CR-ended ones
        // apart too, unless the file has no LF at all.
        if cr_tail && (at > tail || tail == 0) {
            return LineEnding::Cr;
        }
        match self.line_ending {
            LineEnding::Cr => dominant_ending(&self.lines[..tail]),
            ending => ending,
        }
    }

    /// The first section named `name` (case-insensitive); `None` is the
    /// unnamed section, which always exists (possibly empty).
    fn find_section(&self, name: Option<&str>) -> Option<Span> {
        let Some(name) = name else {
            return Some(Span {
                header: None,
                body: self.unnamed_body(),
            });
        };
        let header = self
            .lines
            .iter()
            .position(|l| l.section_name().is_some_and(|n| eq_ci(n, name)))?;
        let end = self.lines[header + 1..]
            .iter()
            .position(|l| l.section_name().is_some())
            .map_or(self.lines.len(), |i| header + 1 + i);
        Some(Span {
            header: Some(header),
            body: header + 1..end,
        })
    }

    fn unnamed_body(&self) -> Range<usize> {
        let end = self
            .lines
            .iter()
            .position(|l| l.section_name().is_some())
            .unwrap_or(self.lines.len());
        0..end
    }

    /// The first key line for `key` (case-insensitive) in `span`.
    fn find_key(&self, span: &Span, key: &str) -> Option<usize> {
        span.body
            .clone()
            .find(|&i| self.lines[i].key().is_some_and(|k| eq_ci(k, key)))
    }
}

impl Line {
    fn section_name(&self) -> Option<&str> {
        match &self.kind {
            Kind::Section { name } => Some(&self.text[name.clone()]),
            _ => None,
        }
    }

    fn key(&self) -> Option<&str> {
        self.key_value().map(|(key, _)| key)
    }

    fn key_value(&self) -> Option<(&str, &str)> {
        match &self.kind {
            Kind::Key { key, value, .. } => {
                Some((&self.text[key.clone()], &self.text[value.clone()]))
            }
            _ => None,
        }
    }

    /// `key` and `value` joined with this key line's spacing around `=`.
    fn styled(&self, key: &str, value: &str) -> String {
        let Kind::Key {
            key: k,
            eq,
            value: v,
        } = &self.kind
        else {
            return format!("{key}={value}");
        };
        let before = &self.text[k.end..*eq];
        // With no value, what follows `=` is trailing space, not a style.
        let after = if v.is_empty() {
            before
        } else {
            &self.text[eq + 1..v.start]
        };
        format!("{key}{before}={after}{value}")
    }
}

/// Splits text into lines as Windows reads them: at `\n` (a `\r` right
/// before it belongs to the ending, any other `\r` to the text), and after
/// the last `\n`, at `\r`.
fn split_lines(text: &str) -> Vec<Line> {
    let tail_start = memchr::memrchr(b'\n', text.as_bytes()).map_or(0, |i| i + 1);
    let mut lines = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut push = |piece: &str, ending| {
        lines.push(Line {
            text: piece.to_owned(),
            ending,
            kind: classify(piece),
        })
    };
    let mut rest = &text[..tail_start];
    while let Some(i) = memchr::memchr(b'\n', rest.as_bytes()) {
        match rest[..i].strip_suffix('\r') {
            Some(piece) => push(piece, Some(LineEnding::CrLf)),
            None => push(&rest[..i], Some(LineEnding::Lf)),
        }
        rest = &rest[i + 1..];
    }
    let mut rest = &text[tail_start..];
    while !rest.is_empty() {
        match memchr::memchr(b'\r', rest.as_bytes()) {
            Some(i) => {
                push(&rest[..i], Some(LineEnding::Cr));
                rest = &rest[i + 1..];
            }
            None => {
                push(rest, None);
                rest = "";
            }
        }
    }
    lines
}

/// The most frequent ending; CRLF on a tie or when there is none, as these
/// are Windows files.
fn dominant_ending(lines: &[Line]) -> LineEnding {
    let count = |ending| lines.iter().filter(|l| l.ending == Some(ending)).count();
    let (lf, crlf, cr) = (
        count(LineEnding::Lf),
        count(LineEnding::CrLf),
        count(LineEnding::Cr),
    );
    if lf > crlf && lf >= cr {
        LineEnding::Lf
    } else if cr > crlf && cr > lf {
        LineEnding::Cr
    } else {
        LineEnding::CrLf
    }
}

fn classify(text: &str) -> Kind {
    let start = text.len() - text.trim_start_matches(is_space).len();
    match text[start..].chars().next() {
        None | Some(';') | Some('#') => Kind::Other,
        Some('[') => {
            let open = start + 1;
            let close = text[open..].find(']').map_or(text.len(), |i| open + i);
            Kind::Section {
                name: trim_range(text, open..close),
            }
        }
        Some(_) => {
            let Some(eq) = text[start..].find('=').map(|i| start + i) else {
                return Kind::Other;
            };
            let key = trim_range(text, start..eq);
            if key.is_empty() {
                return Kind::Other;
            }
            let value = trim_range(text, eq + 1..text.len());
            Kind::Key { key, eq, value }
        }
    }
}

/// `range` of `text` without surrounding whitespace; for whitespace only,
/// the empty range at its end.
fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let part = &text[range.clone()];
    let start = range.start + part.len() - part.trim_start_matches(is_space).len();
    let len = part.trim_matches(is_space).len();
    start..start + len
}

/// Whether `text` at the very start of a file in `encoding` would be read
/// back as a byte-order mark (and so change the encoding or lose characters).
fn reads_as_bom(text: &str, encoding: Encoding) -> bool {
    match encoding {
        Encoding::Utf8 { bom: false } => text.starts_with('\u{feff}'),
        // FF FE (UTF-16LE) or EF BB BF (UTF-8) once encoded.
        Encoding::Windows1252 => text.starts_with("ÿþ") || text.starts_with("ï»¿"),
        // The BOM already there is the one stripped; a second one stays text.
        Encoding::Utf8 { bom: true } | Encoding::Utf16Le => false,
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\0')
}

fn trim(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Case-insensitive equality, consistent with [`fold`].
fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The case-folded form under which names are compared.
fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_value(line: &str) -> Option<(&str, &str)> {
        match classify(line) {
            Kind::Key { key, value, .. } => Some((&line[key], &line[value])),
            _ => None,
        }
    }

    fn section(line: &str) -> Option<&str> {
        match classify(line) {
            Kind::Section { name } => Some(&line[name]),
            _ => None,
        }
    }

    #[test]
    fn classifies_lines() {
        assert_eq!(key_value(" Key \t= a = b \r"), Some(("Key", "a = b")));
        assert_eq!(key_value("Key=\"quoted\""), Some(("Key", "\"quoted\"")));
        assert_eq!(key_value("Key=   "), Some(("Key", "")));
        assert_eq!(key_value("=value"), None);
        assert_eq!(key_value("  = value"), None);
        assert_eq!(key_value("no equals"), None);
        assert_eq!(key_value("  ; Key=value"), None);
        assert_eq!(key_value("#Key=value"), None);
        assert_eq!(section("  [ Name ]  ; note"), Some("Name"));
        assert_eq!(section("[a]b]"), Some("a"));
        assert_eq!(section("[Unclosed "), Some("Unclosed"));
        assert_eq!(section("[]"), Some(""));
        assert_eq!(section("[x]=1"), Some("x"));
        assert_eq!(classify(""), Kind::Other);
        assert_eq!(classify(" \t "), Kind::Other);
    }

    #[test]
    fn splits_lines_keeping_lone_carriage_returns() {
        let lines = split_lines("a\r\nb\r\r\nc\rd\ne");
        let got: Vec<_> = lines.iter().map(|l| (l.text.as_str(), l.ending)).collect();
        assert_eq!(
            got,
            [
                ("a", Some(LineEnding::CrLf)),
                ("b\r", Some(LineEnding::CrLf)),
                ("c\rd", Some(LineEnding::Lf)),
                ("e", None),
            ]
        );
        assert!(split_lines("").is_empty());
        assert_eq!(split_lines("\n").len(), 1);
    }

    #[test]
    fn after_the_last_line_feed_lines_end_at_carriage_returns() {
        let lines = split_lines("a\r\nb\rc\r\rd");
        let got: Vec<_> = lines.iter().map(|l| (l.text.as_str(), l.ending)).collect();
        assert_eq!(
            got,
            [
                ("a", Some(LineEnding::CrLf)),
                ("b", Some(LineEnding::Cr)),
                ("c", Some(LineEnding::Cr)),
                ("", Some(LineEnding::Cr)),
                ("d", None),
            ]
        );
        assert_eq!(dominant_ending(&split_lines("a\rb\r")), LineEnding::Cr);
        assert_eq!(dominant_ending(&split_lines("a\r\nb\r")), LineEnding::CrLf);
    }

    #[test]
    fn a_file_with_bare_cr_line_endings_is_read_and_edited_line_by_line() {
        // Before, the whole file was one line: the key was not found, and a
        // set added a duplicate that Windows never reads.
        let bytes = b"[Webex]\rWebexPresence.Enable=0\rOther=1\r";
        let mut doc = Document::parse(bytes).unwrap();
        assert_eq!(doc.get(Some("Webex"), "WebexPresence.Enable"), Some("0"));
        assert_eq!(doc.get(Some("webex"), "Other"), Some("1"));
        assert_eq!(doc.line_ending(), LineEnding::Cr);
        assert_eq!(doc.to_bytes(), bytes);
        doc.set(Some("Webex"), "WebexPresence.Enable", "1").unwrap();
        doc.set(Some("Webex"), "New", "2").unwrap();
        doc.set(Some("Added"), "K", "v").unwrap();
        assert_eq!(
            doc.to_bytes(),
            b"[Webex]\rWebexPresence.Enable=1\rOther=1\rNew=2\r\r[Added]\rK=v\r"
        );
    }

    #[test]
    fn lines_added_among_cr_ended_lines_keep_them_apart() {
        // The CR-ended lines come after the last LF: an LF-ended line after
        // them would join them into one line for Windows.
        let mut doc = Document::parse(b"[A]\r\nx=1\r\n[B]\ry=2\rz=3").unwrap();
        assert_eq!(doc.get(Some("B"), "y"), Some("2"));
        assert_eq!(doc.get(Some("B"), "z"), Some("3"));
        doc.set(Some("B"), "w", "4").unwrap();
        doc.set(Some("A"), "v", "5").unwrap();
        let bytes = doc.to_bytes();
        assert_eq!(bytes, b"[A]\r\nx=1\r\nv=5\r\n[B]\ry=2\rz=3\rw=4");
        let again = Document::parse(&bytes).unwrap();
        for (section, key, value) in [("A", "x", "1"), ("A", "v", "5"), ("B", "y", "2")] {
            assert_eq!(again.get(Some(section), key), Some(value), "{key}");
        }
        assert_eq!(again.get(Some("B"), "z"), Some("3"));
        assert_eq!(again.get(Some("B"), "w"), Some("4"));
    }

    #[test]
    fn new_keys_copy_the_spacing_around_equals() {
        let styled = |line: &str| {
            Line {
                text: line.to_owned(),
                ending: None,
                kind: classify(line),
            }
            .styled("K", "v")
        };
        assert_eq!(styled("a=1"), "K=v");
        assert_eq!(styled("  a \t=  1  "), "K \t=  v");
        assert_eq!(styled("a =   "), "K = v");
        assert_eq!(styled("a="), "K=v");
    }

    #[test]
    fn names_compare_without_case() {
        assert!(eq_ci("WebexPresence.Enable", "webexpresence.ENABLE"));
        assert!(eq_ci("Réglages", "RÉGLAGES"));
        assert!(!eq_ci("Réglages", "Reglages"));
        assert_eq!(fold("ÉCOLE"), fold("école"));
        // Kelvin sign folds to an ASCII k, consistently in both functions.
        assert!(eq_ci("\u{212A}ey", "key"));
        assert_eq!(fold("\u{212A}ey"), fold("KEY"));
    }

    #[test]
    fn dominant_ending_prefers_crlf_on_ties() {
        assert_eq!(dominant_ending(&split_lines("a\nb\r\n")), LineEnding::CrLf);
        assert_eq!(dominant_ending(&split_lines("a\nb\nc\r\n")), LineEnding::Lf);
        assert_eq!(dominant_ending(&split_lines("a")), LineEnding::CrLf);
    }

    #[test]
    fn a_key_under_an_unclosed_header_stays_out_of_the_section_above() {
        let mut doc = Document::parse(b"[A]\nx=1\n[B\ny=2\n").unwrap();
        assert_eq!(doc.get(Some("A"), "y"), None);
        assert_eq!(doc.get(Some("B"), "y"), Some("2"));
        doc.set(Some("B"), "z", "3").unwrap();
        assert_eq!(doc.to_bytes(), b"[A]\nx=1\n[B\ny=2\nz=3\n");
    }

    #[test]
    fn a_new_first_key_never_reads_back_as_a_byte_order_mark() {
        // Found by fuzzing: the key became the first bytes of the file, and
        // the next read took them for a BOM (or for UTF-16).
        let mut doc = Document::parse(b"[A]\r\nx=1\r\n").unwrap();
        let err = doc.set(None, "\u{feff}k", "v").unwrap_err();
        assert!(matches!(err, IniError::Invalid(_)), "{err}");
        assert_eq!(doc.to_bytes(), b"[A]\r\nx=1\r\n");
        let mut latin = Document::parse(b"[A]\r\nx=\xE9\r\n").unwrap();
        assert_eq!(latin.encoding(), Encoding::Windows1252);
        assert!(latin.set(None, "ÿþk", "v").is_err());
        // Anywhere but the top it is only an odd key.
        let mut doc = Document::parse(b"a=1\r\n").unwrap();
        assert!(doc.set(None, "\u{feff}k", "v").unwrap());
        let again = Document::parse(&doc.to_bytes()).unwrap();
        assert_eq!(again.get(None, "\u{feff}k"), Some("v"));
    }

    #[test]
    fn unset_of_a_duplicate_key_uncovers_the_next_one() {
        let mut doc = Document::parse(b"[A]\r\nk=1\r\nK=2\r\n").unwrap();
        assert!(doc.unset(Some("a"), "k"));
        assert_eq!(doc.to_bytes(), b"[A]\r\nK=2\r\n");
        assert_eq!(doc.get(Some("A"), "k"), Some("2"));
    }
}
