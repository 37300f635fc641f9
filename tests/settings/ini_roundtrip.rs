//! Round trips and minimal edits over a corpus of INI files as admins have them.

use std::path::PathBuf;

use ucsconf::ini::{Document, Encoding, IniError, LineEnding, MAX_FILE_SIZE};

const CORPUS: &[&str] = &[
    "crlf.ini",
    "utf8_bom.ini",
    "utf16le.ini",
    "windows1252.ini",
    "no_final_newline.ini",
    "spacing.ini",
    "duplicates.ini",
    "unnamed.ini",
    "garbage.ini",
    "mixed_endings.ini",
    "odd_sections.ini",
];

fn corpus_bytes(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/ini")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(name: &str) -> (Vec<u8>, Document) {
    let bytes = corpus_bytes(name);
    let doc = Document::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    (bytes, doc)
}

/// The lines of a document's text, each with its own ending.
fn text_lines(doc: &Document) -> Vec<String> {
    doc.text()
        .split_inclusive('\n')
        .map(str::to_owned)
        .collect()
}

/// Serializes, parses back and checks the bytes say the same thing.
fn reparse(doc: &Document) -> Document {
    let bytes = doc.to_bytes();
    let again = Document::parse(&bytes).expect("a serialized document parses");
    assert_eq!(again.encoding(), doc.encoding());
    assert_eq!(again.text(), doc.text());
    assert_eq!(again.to_bytes(), bytes);
    again
}

fn ends_with_newline(doc: &Document) -> bool {
    doc.text().ends_with('\n')
}

/// The line `old` with its (trimmed) value replaced by `new`, as `set` must do it.
fn with_value(old: &str, old_value: &str, new: &str) -> String {
    let content = old
        .strip_suffix("\r\n")
        .or_else(|| old.strip_suffix('\n'))
        .unwrap_or(old);
    let ending = &old[content.len()..];
    let eq = content.find('=').unwrap();
    let after = &content[eq + 1..];
    let lead = after.len() - after.trim_start().len();
    let value_start = eq + 1 + lead;
    assert!(
        content[value_start..].starts_with(old_value),
        "{old:?} {old_value:?}"
    );
    let rest = &content[value_start + old_value.len()..];
    format!("{}{new}{rest}{ending}", &content[..value_start])
}

#[test]
fn unchanged_documents_serialize_to_the_input_bytes() {
    for name in CORPUS {
        let (bytes, doc) = load(name);
        assert_eq!(doc.to_bytes(), bytes, "{name}");
    }
}

#[test]
fn encodings_are_detected() {
    let expected = [
        ("crlf.ini", Encoding::Utf8 { bom: false }),
        ("utf8_bom.ini", Encoding::Utf8 { bom: true }),
        ("utf16le.ini", Encoding::Utf16Le),
        ("windows1252.ini", Encoding::Windows1252),
    ];
    for (name, encoding) in expected {
        assert_eq!(load(name).1.encoding(), encoding, "{name}");
    }
}

#[test]
fn setting_each_existing_key_changes_exactly_its_line() {
    for name in CORPUS {
        let (bytes, doc) = load(name);
        for entry in doc.entries() {
            let mut edited = doc.clone();
            let new_value = format!("new {}", entry.value.len());
            assert!(
                edited
                    .set(entry.section.as_deref(), &entry.key, &new_value)
                    .unwrap()
            );
            let (before, after) = (text_lines(&doc), text_lines(&edited));
            assert_eq!(before.len(), after.len(), "{name} {entry:?}");
            for (i, (b, a)) in before.iter().zip(&after).enumerate() {
                if i == entry.line {
                    assert_eq!(
                        *a,
                        with_value(b, &entry.value, &new_value),
                        "{name} {entry:?}"
                    );
                } else {
                    assert_eq!(a, b, "{name} {entry:?} line {i}");
                }
            }
            assert_eq!(
                edited.get(entry.section.as_deref(), &entry.key),
                Some(&*new_value)
            );
            let again = reparse(&edited);
            assert_eq!(
                again.get(entry.section.as_deref(), &entry.key),
                Some(&*new_value)
            );
            assert_eq!(
                ends_with_newline(&edited),
                ends_with_newline(&doc),
                "{name}"
            );
            assert_ne!(edited.to_bytes(), bytes);
        }
    }
}

#[test]
fn setting_the_same_value_changes_nothing() {
    for name in CORPUS {
        let (bytes, mut doc) = load(name);
        for entry in doc.entries() {
            assert!(
                !doc.set(entry.section.as_deref(), &entry.key, &entry.value)
                    .unwrap()
            );
            // Case differences in the names still find the same line.
            let upper_key = entry.key.to_uppercase();
            let lower_section = entry.section.as_deref().map(str::to_lowercase);
            assert!(
                !doc.set(lower_section.as_deref(), &upper_key, &entry.value)
                    .unwrap()
            );
        }
        assert_eq!(doc.to_bytes(), bytes, "{name}");
    }
}

#[test]
fn unsetting_each_key_removes_exactly_its_line() {
    for name in CORPUS {
        let (_, doc) = load(name);
        for entry in doc.entries() {
            let mut edited = doc.clone();
            assert!(edited.unset(entry.section.as_deref(), &entry.key.to_lowercase()));
            let (before, after) = (text_lines(&doc), text_lines(&edited));
            assert_eq!(after.len() + 1, before.len(), "{name} {entry:?}");
            let mut expected = before.clone();
            expected.remove(entry.line);
            if !ends_with_newline(&doc) && entry.line == before.len() - 1 {
                // The new last line gives up its ending: still no final newline.
                let last = expected.last_mut().unwrap();
                *last = last.trim_end_matches(['\r', '\n']).to_owned();
            }
            assert_eq!(after, expected, "{name} {entry:?}");
            assert_eq!(
                ends_with_newline(&edited),
                ends_with_newline(&doc) || after.is_empty()
            );
            reparse(&edited);
            // Other effective entries keep their values.
            for other in doc.entries().iter().filter(|o| o.line != entry.line) {
                assert_eq!(
                    edited.get(other.section.as_deref(), &other.key),
                    Some(&*other.value),
                    "{name}: unset {entry:?} changed {other:?}"
                );
            }
        }
        let mut doc = doc;
        assert!(!doc.unset(Some("NoSuchSection"), "Key"));
        assert!(!doc.unset(None, "NoSuchKey"));
        assert_eq!(doc.to_bytes(), corpus_bytes(name));
    }
}

#[test]
fn reads_follow_windows_semantics() {
    let (_, doc) = load("duplicates.ini");
    assert_eq!(doc.get(Some("general"), "MODE"), Some("first"));
    assert_eq!(doc.get(Some("GENERAL"), "mode"), Some("first"));
    // Keys of a later duplicate section are invisible.
    assert_eq!(doc.get(Some("General"), "OnlyHere"), None);
    assert_eq!(doc.get(Some("other"), "key"), Some("other"));
    assert_eq!(
        doc.sections(),
        [Some("General".to_owned()), Some("Other".to_owned())]
    );
    let entries: Vec<_> = doc
        .entries()
        .into_iter()
        .map(|e| (e.section, e.key, e.value, e.line))
        .collect();
    assert_eq!(
        entries,
        [
            (Some("General".into()), "Mode".into(), "first".into(), 1),
            (Some("Other".into()), "Key".into(), "other".into(), 6),
        ]
    );

    let (_, doc) = load("unnamed.ini");
    assert_eq!(doc.get(None, "version"), Some("3"));
    assert_eq!(doc.get(None, "build"), Some("1024"));
    assert_eq!(doc.get(Some("General"), "Version"), Some("section"));
    assert_eq!(doc.sections(), [None, Some("General".to_owned())]);
    assert_eq!(
        doc.sections_with_key("VERSION"),
        [None, Some("General".to_owned())]
    );
    assert_eq!(doc.sections_with_key("Build"), [None]);
    assert!(doc.sections_with_key("Missing").is_empty());

    let (_, doc) = load("spacing.ini");
    assert_eq!(doc.get(Some("General"), "Tabbed"), Some("yes"));
    assert_eq!(doc.get(Some("General"), "Indented"), Some("spaced value"));
    assert_eq!(
        doc.get(Some("General"), "Quoted"),
        Some("\"keep the quotes\"")
    );
    assert_eq!(doc.get(Some("General"), "Trailing"), Some("value"));
    assert_eq!(doc.get(Some(" timeouts "), " read "), Some("30"));

    let (_, doc) = load("garbage.ini");
    assert_eq!(doc.get(Some("General"), "Empty"), Some(""));
    assert_eq!(doc.get(Some("General"), "Spaces"), Some(""));
    assert_eq!(doc.get(Some("General"), "Key"), Some("value"));
    assert_eq!(doc.get(Some("General"), "Commented"), None);
    assert_eq!(doc.get(Some("General"), "# an indented comment"), None);
    let keys: Vec<_> = doc.entries().into_iter().map(|e| e.key).collect();
    assert_eq!(keys, ["Empty", "Spaces", "Key"]);

    let (_, doc) = load("odd_sections.ini");
    assert_eq!(doc.get(Some("General"), "A"), Some("1"));
    assert_eq!(doc.get(Some("tabbed"), "B"), Some("2"));
    assert_eq!(doc.get(Some("Commented"), "C"), Some("3"));
    // A header without `]` still starts its own section.
    assert_eq!(doc.get(Some("Broken"), "D"), Some("4"));
    assert_eq!(doc.get(Some("Empty"), "D"), None);
    let sections: Vec<_> = doc.sections().into_iter().flatten().collect();
    assert_eq!(
        sections,
        ["General", "Tabbed", "Commented", "Empty", "Broken"]
    );

    let (_, doc) = load("mixed_endings.ini");
    assert_eq!(doc.get(Some("General"), "C"), Some("3"));
    assert_eq!(doc.get(Some("Other"), "D"), Some("4"));
}

#[test]
fn encoded_values_are_read_as_text() {
    let (_, doc) = load("utf8_bom.ini");
    assert_eq!(doc.get(Some("General"), "Site"), Some("Genève"));
    assert_eq!(
        doc.get(Some("Directory"), "Filter"),
        Some("(objectClass=user)")
    );
    assert!(!doc.text().starts_with('\u{feff}'));
    let (_, doc) = load("utf16le.ini");
    assert_eq!(doc.get(Some("General"), "Site"), Some("Zürich"));
    assert_eq!(doc.get(Some("General"), "DisplayName"), Some("Accueil 😀"));
    let (_, doc) = load("windows1252.ini");
    assert_eq!(doc.get(Some("General"), "Site"), Some("Montréal"));
    assert_eq!(doc.get(Some("General"), "Owner"), Some("Zoë Brontë"));
    assert!(
        doc.text()
            .starts_with("; Paramètres modifiés par l’équipe réseau — coût 5 €\r\n")
    );
}

#[test]
fn reads_agree_with_rust_ini_on_simple_files() {
    for name in [
        "crlf.ini",
        "utf8_bom.ini",
        "utf16le.ini",
        "windows1252.ini",
        "no_final_newline.ini",
    ] {
        let (_, doc) = load(name);
        let other = ini::Ini::load_from_str(&doc.text()).unwrap();
        let mut count = 0;
        for (section, props) in other.iter() {
            for (key, value) in props.iter() {
                assert_eq!(
                    doc.get(section, key),
                    Some(value),
                    "{name} [{section:?}] {key}"
                );
                count += 1;
            }
        }
        assert_eq!(count, doc.entries().len(), "{name}");
    }
}

#[test]
fn a_new_key_goes_after_the_last_key_of_its_section_in_its_style() {
    let (_, mut doc) = load("crlf.ini");
    assert!(doc.set(Some("general"), "Timeout", "15").unwrap());
    let lines = text_lines(&doc);
    assert_eq!(lines[3], "Port = 8080\r\n");
    assert_eq!(lines[4], "Timeout = 15\r\n");
    assert_eq!(lines[5], "\r\n");
    assert_eq!(doc.get(Some("General"), "timeout"), Some("15"));

    let (_, mut doc) = load("spacing.ini");
    assert!(doc.set(Some("Timeouts"), "Write", "60").unwrap());
    assert_eq!(text_lines(&doc)[9], "Write\t=\t60\r\n");
    assert_eq!(text_lines(&doc).len(), 10);

    // A new key in the first of duplicate sections, not the shadowed one.
    let (_, mut doc) = load("duplicates.ini");
    assert!(doc.set(Some("GENERAL"), "OnlyHere", "visible").unwrap());
    assert_eq!(text_lines(&doc)[4], "OnlyHere=visible\r\n");
    assert_eq!(doc.get(Some("general"), "onlyhere"), Some("visible"));

    // A section without keys: right after its header.
    let (_, mut doc) = load("odd_sections.ini");
    assert!(doc.set(Some("empty"), "E", "5").unwrap());
    let lines = text_lines(&doc);
    assert_eq!(lines[6..9], ["[Empty]\n", "E=5\n", "\n"]);
}

#[test]
fn a_new_unnamed_key_goes_after_the_last_unnamed_key_or_at_the_top() {
    let (_, mut doc) = load("unnamed.ini");
    assert!(doc.set(None, "Channel", "stable").unwrap());
    assert_eq!(
        text_lines(&doc)[..3],
        ["Version=3\r\n", "Build = 1024\r\n", "Channel = stable\r\n"]
    );

    let (bytes, mut doc) = load("crlf.ini");
    assert!(doc.set(None, "Version", "4").unwrap());
    let mut expected = b"Version=4\r\n".to_vec();
    expected.extend_from_slice(&bytes);
    assert_eq!(doc.to_bytes(), expected);
    assert_eq!(doc.sections()[0], None);
}

#[test]
fn a_missing_section_is_appended_after_one_blank_line() {
    let (bytes, mut doc) = load("crlf.ini");
    assert!(doc.set(Some("Calendar"), "Provider", "Exchange").unwrap());
    let mut expected = bytes.clone();
    expected.extend_from_slice(b"\r\n[Calendar]\r\nProvider=Exchange\r\n");
    assert_eq!(doc.to_bytes(), expected);

    // Already ending with a blank line: no second one.
    let mut doc = Document::parse(b"[A]\nx=1\n\n").unwrap();
    doc.set(Some("B"), "y", "2").unwrap();
    assert_eq!(doc.to_bytes(), b"[A]\nx=1\n\n[B]\ny=2\n");

    let mut doc = Document::new(Encoding::Utf8 { bom: false }, LineEnding::CrLf);
    assert!(doc.set(Some("WebexPresence"), "Enable", "1").unwrap());
    assert_eq!(doc.to_bytes(), b"[WebexPresence]\r\nEnable=1\r\n");
}

#[test]
fn a_file_without_final_newline_keeps_that_state() {
    let (bytes, doc) = load("no_final_newline.ini");
    assert_eq!(doc.line_ending(), LineEnding::Lf);

    let mut edited = doc.clone();
    edited.set(Some("WebexPresence"), "Enable", "1").unwrap();
    assert_eq!(
        edited.to_bytes(),
        b"[General]\nSite=Lab\n\n[WebexPresence]\nEnable=1"
    );

    let mut edited = doc.clone();
    edited.set(Some("WebexPresence"), "Poll", "30").unwrap();
    let mut expected = bytes.clone();
    expected.extend_from_slice(b"\nPoll=30");
    assert_eq!(edited.to_bytes(), expected);

    let mut edited = doc.clone();
    edited
        .set(Some("Calendar"), "Provider", "Office365")
        .unwrap();
    expected = bytes.clone();
    expected.extend_from_slice(b"\n\n[Calendar]\nProvider=Office365");
    assert_eq!(edited.to_bytes(), expected);

    // A key in an earlier section: the end of the file is untouched.
    let mut edited = doc.clone();
    edited.set(Some("General"), "Owner", "IT").unwrap();
    assert_eq!(
        edited.to_bytes(),
        b"[General]\nSite=Lab\nOwner=IT\n\n[WebexPresence]\nEnable=0"
    );

    let mut edited = doc.clone();
    assert!(edited.unset(Some("WebexPresence"), "Enable"));
    assert_eq!(edited.to_bytes(), b"[General]\nSite=Lab\n\n[WebexPresence]");
}

#[test]
fn new_lines_use_the_dominant_line_ending() {
    let (_, mut doc) = load("mixed_endings.ini");
    assert_eq!(doc.line_ending(), LineEnding::CrLf);
    doc.set(Some("General"), "E", "5").unwrap();
    assert_eq!(text_lines(&doc)[5], "E=5\r\n");
    // The lone carriage return stays part of the comment line.
    assert_eq!(
        text_lines(&doc)[3],
        "; a lone \r carriage return in a comment\r\n"
    );

    let mut doc = Document::parse(b"[A]\nx=1\ny=2\r\nz=3\n").unwrap();
    assert_eq!(doc.line_ending(), LineEnding::Lf);
    doc.set(Some("A"), "w", "4").unwrap();
    assert_eq!(doc.to_bytes(), b"[A]\nx=1\ny=2\r\nz=3\nw=4\n");
}

#[test]
fn an_empty_value_is_filled_in_after_the_existing_spacing() {
    let (_, mut doc) = load("garbage.ini");
    doc.set(Some("General"), "Empty", "a").unwrap();
    doc.set(Some("General"), "Spaces", "b").unwrap();
    let lines = text_lines(&doc);
    assert_eq!(lines[3], "Empty=a\r\n");
    assert_eq!(lines[4], "Spaces =   b\r\n");
    // Garbage and key-less lines are untouched and still ignored.
    assert_eq!(lines[1], "this line has no equals sign\r\n");
    assert_eq!(lines[2], "=value without a key\r\n");
}

#[test]
fn values_are_trimmed_like_windows_reads_them() {
    let (_, mut doc) = load("crlf.ini");
    assert!(doc.set(Some(" General "), " Port ", "  9090\t").unwrap());
    assert_eq!(text_lines(&doc)[3], "Port = 9090\r\n");
    assert!(!doc.set(Some("General"), "Port", " 9090 ").unwrap());
}

#[test]
fn invalid_names_and_values_are_refused_and_nothing_changes() {
    let (bytes, mut doc) = load("crlf.ini");
    let cases: &[(Option<&str>, &str, &str)] = &[
        (Some("General"), "Port", "80\r\n[Evil]"),
        (Some("General"), "Port", "80\n"),
        (Some("General"), "Port", "8\r0"),
        (Some("General"), "Port", "8\u{0}0"),
        (Some("General"), "Po\nrt", "80"),
        (Some("General"), "Po=rt", "80"),
        (Some("General"), "", "80"),
        (Some("General"), "   ", "80"),
        (Some("General"), "[Port", "80"),
        (Some("General"), ";Port", "80"),
        (Some("General"), "#Port", "80"),
        (Some("Gen]eral"), "Port", "80"),
        (Some("Gen\neral"), "Port", "80"),
        (Some("New\r"), "Port", "80"),
        (None, "Key\0", "80"),
    ];
    for &(section, key, value) in cases {
        let result = doc.set(section, key, value);
        assert!(
            matches!(result, Err(IniError::Invalid(_))),
            "{section:?} {key:?} {value:?}: {result:?}"
        );
        assert_eq!(doc.to_bytes(), bytes);
    }
}

#[test]
fn windows_1252_refuses_what_it_cannot_represent() {
    let (bytes, mut doc) = load("windows1252.ini");
    for (section, key, value) in [
        (Some("General"), "Site", "日本"),
        (Some("General"), "Nouveau", "東京"),
        (Some("Général 日本"), "Site", "x"),
        (Some("General"), "Clé😀", "x"),
    ] {
        let result = doc.set(section, key, value);
        assert!(
            matches!(
                result,
                Err(IniError::Unrepresentable {
                    encoding: Encoding::Windows1252,
                    ..
                })
            ),
            "{result:?}"
        );
        assert_eq!(doc.to_bytes(), bytes);
    }
    // What Windows-1252 has is written as its single bytes.
    assert!(doc.set(Some("General"), "Site", "Zürich €").unwrap());
    let out = doc.to_bytes();
    assert!(out.windows(9).any(|w| w == b"Z\xFCrich \x80\r"), "{out:?}");
    assert_eq!(
        Document::parse(&out).unwrap().get(Some("general"), "site"),
        Some("Zürich €")
    );
}

#[test]
fn utf16_is_written_back_including_non_bmp_characters() {
    let (bytes, mut doc) = load("utf16le.ini");
    assert!(
        doc.set(Some("General"), "DisplayName", "Reception 𝄞 😀")
            .unwrap()
    );
    let out = doc.to_bytes();
    assert_eq!(&out[..2], b"\xFF\xFE");
    assert_eq!(out.len() % 2, 0);
    let units: Vec<u16> = out[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).unwrap();
    assert!(text.contains("DisplayName=Reception 𝄞 😀\r\n"));
    // U+1D11E as a surrogate pair.
    assert!(units.windows(2).any(|w| w == [0xD834, 0xDD1E]));
    // Only that line differs from the input.
    let old_units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let old_text = String::from_utf16(&old_units).unwrap();
    let changed: Vec<_> = old_text
        .lines()
        .zip(text.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [("DisplayName=Accueil 😀", "DisplayName=Reception 𝄞 😀")]
    );

    let mut doc = Document::new(Encoding::Utf16Le, LineEnding::CrLf);
    doc.set(Some("S"), "k", "é").unwrap();
    assert_eq!(
        doc.to_bytes(),
        b"\xFF\xFE[\0S\0]\0\r\0\n\0k\0=\0\xE9\0\r\0\n\0"
    );
}

#[test]
fn bad_files_are_refused() {
    assert!(matches!(
        Document::parse(b"[A]\r\nk=\0v\r\n"),
        Err(IniError::Binary)
    ));
    assert!(matches!(
        Document::parse(b"\xFF\xFE[\0A"),
        Err(IniError::Binary)
    ));
    let big = vec![b'a'; MAX_FILE_SIZE as usize + 1];
    assert!(
        matches!(Document::parse(&big), Err(IniError::TooLarge { size }) if size == MAX_FILE_SIZE + 1)
    );
    let limit = vec![b';'; MAX_FILE_SIZE as usize];
    assert!(Document::parse(&limit).is_ok());
}

#[test]
fn a_set_that_would_pass_the_size_limit_is_refused() {
    let mut text = vec![b';'; MAX_FILE_SIZE as usize - 100];
    text.extend_from_slice(b"\n[A]\nk=v\n");
    let mut doc = Document::parse(&text).unwrap();
    let huge = "x".repeat(200);
    assert!(matches!(
        doc.set(Some("A"), "k", &huge),
        Err(IniError::TooLarge { .. })
    ));
    assert_eq!(doc.get(Some("A"), "k"), Some("v"));
    assert!(doc.set(Some("A"), "k", "w").unwrap());
}

#[test]
fn debug_output_shows_no_content() {
    let doc = Document::parse(b"[Calendar]\r\nBasicAuth.Password=hunter2\r\n").unwrap();
    let debug = format!("{doc:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
}

#[test]
fn unsetting_the_last_key_after_a_blank_line_keeps_the_missing_final_newline() {
    let mut doc = ucsconf::ini::Document::parse(b"\nEnable=").unwrap();
    assert!(doc.unset(None, "Enable"));
    assert_eq!(doc.to_bytes(), b"");
}
