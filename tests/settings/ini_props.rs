//! Property tests: lossless round trips in every encoding, and edits that
//! change what they are asked to and nothing else.

use std::collections::BTreeMap;

use proptest::prelude::*;
use ucsconf::ini::{Document, Encoding, encoding};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 192,
        ..ProptestConfig::default()
    }
}

/// Pieces that make random text look like INI often enough to hit every branch.
fn ini_char_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => prop::sample::select(vec![
            "[", "]", "=", ";", "#", " ", "\t", "\r", "\n", "\r\n", "\u{feff}", "\u{a0}", "é", "😀",
        ])
        .prop_map(str::to_owned),
        1 => "[A-Za-z]{1,6}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

fn no_nul(text: String) -> String {
    text.replace('\0', "\u{1}")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn utf8_round_trips(text in ini_char_text().prop_map(no_nul), bom in any::<bool>()) {
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(text.as_bytes());
        let doc = Document::parse(&bytes).unwrap();
        prop_assert_eq!(doc.to_bytes(), bytes);
        let starts_with_bom = bom || text.starts_with('\u{feff}');
        prop_assert_eq!(doc.encoding(), Encoding::Utf8 { bom: starts_with_bom });
    }

    #[test]
    fn windows_1252_round_trips(
        mut bytes in prop::collection::vec(
            prop_oneof![1u8..=255, prop::sample::select(b"[]=;# \t\r\nab".to_vec())],
            0..120,
        ),
    ) {
        prop_assume!(!bytes.starts_with(b"\xFF\xFE"));
        // 0xFF is never valid UTF-8: this is the Windows-1252 fallback.
        bytes.push(0xFF);
        let doc = Document::parse(&bytes).unwrap();
        prop_assert_eq!(doc.encoding(), Encoding::Windows1252);
        prop_assert_eq!(doc.to_bytes(), bytes);
    }

    #[test]
    fn utf16le_round_trips(text in ini_char_text()) {
        let bytes = encoding::encode(&text, Encoding::Utf16Le).unwrap();
        let doc = Document::parse(&bytes).unwrap();
        prop_assert_eq!(doc.encoding(), Encoding::Utf16Le);
        prop_assert_eq!(doc.text(), text);
        prop_assert_eq!(doc.to_bytes(), bytes);
    }

    #[test]
    fn set_then_get_returns_the_value_and_nothing_else_moves(
        file in ini_file(),
        section in prop::option::of(section_name()),
        key in key_name(),
        value in set_value(),
    ) {
        let bytes = file.bytes();
        let mut doc = Document::parse(&bytes).unwrap();
        let before = effective(&doc);
        let had_newline = doc.text().is_empty() || doc.text().ends_with('\n');

        doc.set(section.as_deref(), &key, &value).unwrap();
        prop_assert_eq!(doc.get(section.as_deref(), &key), Some(value.as_str()));

        let target = (section.as_deref().map(str::to_lowercase), key.to_lowercase());
        let mut expected = before.clone();
        expected.remove(&target);
        let mut after = effective(&doc);
        let set_value = after.remove(&target).map(|(_, _, v)| v);
        prop_assert_eq!(set_value, Some(value.clone()));
        prop_assert_eq!(after, expected);

        prop_assert_eq!(doc.text().ends_with('\n'), had_newline);
        let again = Document::parse(&doc.to_bytes()).unwrap();
        prop_assert_eq!(effective(&again), effective(&doc));

        // Setting the same value again is a no-op.
        let unchanged = doc.to_bytes();
        prop_assert!(!doc.set(section.as_deref(), &key, &value).unwrap());
        prop_assert_eq!(doc.to_bytes(), unchanged);
    }

    #[test]
    fn set_of_an_existing_key_changes_one_line(file in ini_file(), pick in any::<prop::sample::Index>(), value in set_value()) {
        let doc = Document::parse(&file.bytes()).unwrap();
        let entries = doc.entries();
        prop_assume!(!entries.is_empty());
        let entry = pick.get(&entries);
        // A name with a CR in it (a mid-line CR, which Windows keeps) cannot be set.
        prop_assume!(!entry.key.contains('\r') && !entry.section.as_deref().unwrap_or("").contains('\r'));
        let mut edited = doc.clone();
        edited.set(entry.section.as_deref(), &entry.key, &value).unwrap();
        let before = windows_lines(&doc.text(), true);
        let after = windows_lines(&edited.text(), true);
        prop_assert_eq!(before.len(), after.len());
        let changed: Vec<usize> = (0..before.len()).filter(|&i| before[i] != after[i]).collect();
        let expected = if value == entry.value { vec![] } else { vec![entry.line] };
        prop_assert_eq!(changed, expected);
    }

    #[test]
    fn unset_removes_one_line_and_keeps_the_rest(file in ini_file(), pick in any::<prop::sample::Index>()) {
        let doc = Document::parse(&file.bytes()).unwrap();
        let entries = doc.entries();
        prop_assume!(!entries.is_empty());
        let entry = pick.get(&entries);
        let mut edited = doc.clone();
        prop_assert!(edited.unset(entry.section.as_deref(), &entry.key));
        // An empty last line without a newline is no line at all: removing the
        // key on the last line when the line before it is blank ("\nKey="
        // without a final newline) removes that blank line too.
        let text = doc.text();
        let lines = windows_lines(&text, false);
        let blank_before_last = !text.ends_with(['\n', '\r'])
            && entry.line + 1 == lines.len()
            && entry.line > 0
            && lines[entry.line - 1].trim().is_empty();
        let removed = lines.len() - windows_lines(&edited.text(), false).len();
        prop_assert!(removed == 1 || (blank_before_last && removed == 2));
        // A line keeps its LF when a CR in it would end a line without it.
        let kept_lf = entry.line > 0 && lines[entry.line - 1].contains('\r');
        let ended = text.ends_with(['\n', '\r']);
        prop_assert!(edited.text().is_empty() || blank_before_last || kept_lf || edited.text().ends_with(['\n', '\r']) == ended);
        for other in entries.iter().filter(|o| o.line != entry.line) {
            prop_assert_eq!(edited.get(other.section.as_deref(), &other.key), Some(other.value.as_str()));
        }
    }
}

/// The lines of `text` as Windows reads them: ended by LF (a CR before it
/// is part of the ending), and after the last LF by CR; with their endings
/// when `inclusive`.
fn windows_lines(text: &str, inclusive: bool) -> Vec<String> {
    let tail = text.rfind('\n').map_or(0, |i| i + 1);
    let pieces = |part: &str, end: char| -> Vec<String> {
        part.split_inclusive(end)
            .map(|l| match l.strip_suffix(end) {
                Some(bare) if !inclusive && end == '\n' => {
                    bare.strip_suffix('\r').unwrap_or(bare).to_owned()
                }
                Some(bare) if !inclusive => bare.to_owned(),
                _ => l.to_owned(),
            })
            .collect()
    };
    let mut lines = pieces(&text[..tail], '\n');
    lines.extend(pieces(&text[tail..], '\r'));
    lines
}

/// Effective entries keyed by lowercased (section, key), with spellings and value.
type Effective = BTreeMap<(Option<String>, String), (Option<String>, String, String)>;

fn effective(doc: &Document) -> Effective {
    doc.entries()
        .into_iter()
        .map(|e| {
            let id = (
                e.section.as_deref().map(str::to_lowercase),
                e.key.to_lowercase(),
            );
            (id, (e.section, e.key, e.value))
        })
        .collect()
}

/// A generated INI file: its lines and how they are stored.
#[derive(Debug, Clone)]
struct File {
    lines: Vec<(String, &'static str)>,
    final_newline: bool,
    encoding: Encoding,
}

impl File {
    fn bytes(&self) -> Vec<u8> {
        let mut text = String::new();
        for (i, (line, ending)) in self.lines.iter().enumerate() {
            text.push_str(line);
            if i + 1 < self.lines.len() || self.final_newline {
                text.push_str(ending);
            }
        }
        encoding::encode(&text, self.encoding).unwrap()
    }
}

fn ini_file() -> impl Strategy<Value = File> {
    // A bare CR ends a line only after the last LF (as Windows reads it).
    let line = (
        ini_line(),
        prop::sample::select(vec!["\n", "\r\n", "\n", "\r\n", "\r"]),
    );
    let encodings = prop::sample::select(vec![
        Encoding::Utf8 { bom: false },
        Encoding::Utf8 { bom: true },
        Encoding::Utf16Le,
        Encoding::Windows1252,
    ]);
    (prop::collection::vec(line, 0..16), any::<bool>(), encodings).prop_map(
        |(lines, final_newline, encoding)| File {
            lines,
            final_newline,
            encoding,
        },
    )
}

fn space() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", " ", "\t", "  "])
}

fn ini_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (space(), key_name(), space(), space(), stored_value(), space())
            .prop_map(|(a, k, b, c, v, d)| format!("{a}{k}{b}={c}{v}{d}")),
        2 => (space(), section_name(), space(), "[ a-z;]{0,4}")
            .prop_map(|(a, s, b, tail)| format!("{a}[{b}{s}{b}]{tail}")),
        1 => (space(), section_name()).prop_map(|(a, s)| format!("{a}[{s}")),
        1 => (space(), prop::sample::select(vec![";", "#"]), "[ a-zé€=\r]{0,10}")
            .prop_map(|(a, c, t)| format!("{a}{c}{t}")),
        1 => "[ a-zé’]{0,10}",
        1 => "=[a-z]{0,4}",
    ]
}

fn section_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "General",
        "general",
        "WebexPresence",
        "Calendar",
        "Réglages",
        "A b",
    ])
    .prop_map(str::to_owned)
}

fn key_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["Enable", "ENABLE", "Mode", "Site", "Clé", "Web.Port"])
        .prop_map(str::to_owned)
}

/// Values as found in files: anything on one line.
fn stored_value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 éü€’;#=\\[\\]\"]{0,12}"
}

/// Values to set: no surrounding whitespace, which Windows would not read back.
fn set_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9éü€’;#=\\[\\]\"]([a-zA-Z0-9 éü€’;#=\\[\\]\"]{0,10}[a-zA-Z0-9éü€’;#=\\[\\]\"])?",
    ]
}
