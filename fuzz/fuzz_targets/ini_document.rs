//! The INI document on arbitrary bytes.
//!
//! - Parsing never panics; what parses serializes to exactly its input.
//! - A sequence of `set`/`get`/`unset` derived from the input never panics,
//!   changes the key it is asked to and no other entry, leaves the document
//!   untouched when it refuses, and the edited bytes parse back to the same
//!   text and entries.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use ucsconf::ini::{Document, Encoding, IniError};

fuzz_target!(|data: &[u8]| {
    let Ok(mut doc) = Document::parse(data) else {
        return;
    };
    assert_eq!(
        doc.to_bytes(),
        data,
        "an unedited document is not its input"
    );
    let mut script = Script::new(data);
    for _ in 0..6 {
        let Some(op) = script.byte() else { break };
        let section = script.section(&doc);
        let key = script.key(&doc);
        match op % 3 {
            0 => check_set(&mut doc, section.as_deref(), &key, &script.value()),
            1 => check_unset(&mut doc, section.as_deref(), &key),
            _ => check_get(&doc, section.as_deref(), &key),
        }
        check_reparse(&doc);
    }
});

/// (folded section, folded key) -> value, as Windows reads the file.
type Entries = BTreeMap<(Option<String>, String), String>;

fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn trim(s: &str) -> &str {
    s.trim_matches(char::is_whitespace)
}

fn entries(doc: &Document) -> Entries {
    doc.entries()
        .into_iter()
        .map(|e| ((e.section.as_deref().map(fold), fold(&e.key)), e.value))
        .collect()
}

fn id(section: Option<&str>, key: &str) -> (Option<String>, String) {
    (section.map(|s| fold(trim(s))), fold(trim(key)))
}

fn check_set(doc: &mut Document, section: Option<&str>, key: &str, value: &str) {
    let before = doc.clone();
    let old = entries(doc);
    match doc.set(section, key, value) {
        Ok(changed) => {
            assert_eq!(doc.get(section, key), Some(trim(value)), "set then get");
            assert_eq!(changed, *doc != before, "set says whether it changed");
            let mut expected = old;
            expected.insert(id(section, key), trim(value).to_owned());
            assert_eq!(entries(doc), expected, "set moved another entry");
        }
        Err(
            IniError::Invalid(_) | IniError::Unrepresentable { .. } | IniError::TooLarge { .. },
        ) => {
            assert!(*doc == before, "a refused set changed the document");
        }
        Err(IniError::Binary) => panic!("set cannot find a document binary"),
    }
}

fn check_unset(doc: &mut Document, section: Option<&str>, key: &str) {
    let old = entries(doc);
    let target = id(section, key);
    let existed = doc.unset(section, key);
    assert_eq!(
        existed,
        old.contains_key(&target),
        "unset says whether it was there"
    );
    let mut now = entries(doc);
    let mut expected = old;
    // A duplicate below the removed line may become the effective one.
    expected.remove(&target);
    now.remove(&target);
    assert_eq!(now, expected, "unset moved another entry");
}

fn check_get(doc: &Document, section: Option<&str>, key: &str) {
    let got = doc.get(section, key);
    let listed = entries(doc);
    assert_eq!(
        got,
        listed.get(&id(section, key)).map(String::as_str),
        "get and entries disagree"
    );
    let _ = doc.sections_with_key(key);
    let _ = doc.sections();
}

/// The written bytes mean what the edited document means. Except in one
/// case: a Windows-1252 file whose only non-UTF-8 bytes went away with an
/// edit is read as UTF-8 next time. Its other lines keep their exact bytes
/// (what the suite reads is unchanged); only ucsconf's guess of the encoding
/// changes.
fn check_reparse(doc: &Document) {
    if starts_like_bom(doc) {
        // Only `unset` of the first line gets here (`set` refuses): the next
        // line's exact bytes now open the file and read as a byte-order mark.
        return;
    }
    let bytes = doc.to_bytes();
    let again = Document::parse(&bytes).expect("an edited document parses");
    if doc.encoding() == Encoding::Windows1252 && again.encoding() != Encoding::Windows1252 {
        assert!(
            std::str::from_utf8(&bytes).is_ok(),
            "re-read as UTF-8 only when it is UTF-8"
        );
        return;
    }
    assert_eq!(
        again.encoding(),
        doc.encoding(),
        "the written bytes read back in another encoding"
    );
    assert_eq!(
        again.text(),
        doc.text(),
        "the written text reads back differently"
    );
    assert_eq!(
        entries(&again),
        entries(doc),
        "the written entries read back differently"
    );
}

/// The text opens with what a reader takes for a byte-order mark.
fn starts_like_bom(doc: &Document) -> bool {
    let text = doc.text();
    match doc.encoding() {
        Encoding::Utf8 { bom: false } => text.starts_with('\u{feff}'),
        Encoding::Windows1252 => text.starts_with("ÿþ") || text.starts_with("ï»¿"),
        _ => false,
    }
}

/// Choices drawn from the input, from its end backwards.
struct Script<'a> {
    data: &'a [u8],
    at: usize,
}

/// Pieces that stress names and values: case folding, BOMs, structure
/// characters, line breaks, whitespace Rust trims.
const PIECES: &[&str] = &[
    "", " ", "a", "A", "k", "K", "\u{feff}", "ÿþ", "é", "É", "😀", "[", "]", "=", ";", "#", "\t",
    "\r", "\n", "\0", "\u{212A}", "ß", "İ", "\u{85}", "\u{a0}", "x y",
];

impl<'a> Script<'a> {
    fn new(data: &'a [u8]) -> Script<'a> {
        Script {
            data,
            at: data.len(),
        }
    }

    fn byte(&mut self) -> Option<u8> {
        self.at = self.at.checked_sub(1)?;
        Some(self.data[self.at])
    }

    fn pick(&mut self, n: usize) -> usize {
        self.byte().map_or(0, |b| usize::from(b) % n.max(1))
    }

    fn text(&mut self) -> String {
        let n = self.pick(4);
        (0..n).map(|_| PIECES[self.pick(PIECES.len())]).collect()
    }

    fn section(&mut self, doc: &Document) -> Option<String> {
        let sections = doc.sections();
        match self.pick(4) {
            0 => None,
            1 | 2 if !sections.is_empty() => sections[self.pick(sections.len())].clone(),
            _ => Some(self.text()),
        }
    }

    fn key(&mut self, doc: &Document) -> String {
        let entries = doc.entries();
        match self.pick(3) {
            0 | 1 if !entries.is_empty() => {
                let key = entries[self.pick(entries.len())].key.clone();
                if self.pick(2) == 0 {
                    key.to_uppercase()
                } else {
                    key
                }
            }
            _ => self.text(),
        }
    }

    fn value(&mut self) -> String {
        self.text()
    }
}
