//! Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible's
//! INI reader uses to cut a host line into words. Its rules differ from a
//! shell's in places that matter for Windows paths: outside quotes a
//! backslash escapes the next character (`C:\Users` is `C:Users`), inside
//! double quotes it escapes only `"` and `\`, inside single quotes nothing;
//! an unquoted `#` starts a comment, even in the middle of a word.

/// The words of `line` (`comments`: an unquoted `#` ends the line), or
/// Python's error message.
pub fn split(line: &str, comments: bool) -> Result<Vec<String>, &'static str> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Space,
        Word,
        Quote(char),
        Escape(Esc),
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Esc {
        Word,
        Double,
    }
    const SPACE: [char; 4] = [' ', '\t', '\r', '\n'];
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut state = State::Space;
    let mut chars = line.chars();
    let mut finish = |word: &mut String, quoted: &mut bool| {
        if !word.is_empty() || *quoted {
            words.push(std::mem::take(word));
        }
        *quoted = false;
    };
    loop {
        let next = chars.next();
        match state {
            State::Space | State::Word => match next {
                None => {
                    finish(&mut word, &mut quoted);
                    break;
                }
                Some(c) if SPACE.contains(&c) => {
                    finish(&mut word, &mut quoted);
                    state = State::Space;
                }
                // A comment runs to the end of the line.
                Some('#') if comments => {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                    finish(&mut word, &mut quoted);
                    state = State::Space;
                }
                Some('\\') => state = State::Escape(Esc::Word),
                Some(q @ ('\'' | '"')) => state = State::Quote(q),
                Some(c) => {
                    word.push(c);
                    state = State::Word;
                }
            },
            State::Quote(q) => {
                quoted = true;
                match next {
                    None => return Err("No closing quotation"),
                    Some(c) if c == q => state = State::Word,
                    Some('\\') if q == '"' => state = State::Escape(Esc::Double),
                    Some(c) => word.push(c),
                }
            }
            State::Escape(from) => {
                let Some(c) = next else {
                    return Err("No escaped character");
                };
                // In double quotes only `"` and `\` are escaped; elsewhere the backslash stays.
                if from == Esc::Double && c != '"' && c != '\\' {
                    word.push('\\');
                }
                word.push(c);
                state = match from {
                    Esc::Word => State::Word,
                    Esc::Double => State::Quote('"'),
                };
            }
        }
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn words_split_as_python_shlex_does() {
        let cases: &[(&str, &[&str])] = &[
            ("a b  c", &["a", "b", "c"]),
            (
                "h x=\"Admin User\" y='a b'",
                &["h", "x=Admin User", "y=a b"],
            ),
            (r"k=C:\Users\a", &["k=C:Usersa"]),
            (r"k='C:\Users\a'", &[r"k=C:\Users\a"]),
            (r#"k="C:\Users\a""#, &[r"k=C:\Users\a"]),
            (r#"k="a\"b\\c""#, &[r#"k=a"b\c"#]),
            ("h # comment", &["h"]),
            ("h x=03#pa", &["h", "x=03"]),
            ("h x=\"'03#pa'\"", &["h", "x='03#pa'"]),
            ("h ''", &["h", ""]),
        ];
        for (line, want) in cases {
            assert_eq!(split(line, true).unwrap(), *want, "{line:?}");
        }
        assert_eq!(split("h x='open", true), Err("No closing quotation"));
        assert_eq!(split("-o A=#b", false).unwrap(), ["-o", "A=#b"]);
        assert_eq!(split("h \\", true), Err("No escaped character"));
    }
}
