//! Python's `ast.literal_eval`, as Ansible's INI reader applies it to every
//! value: `22` is a number, `'22'` a string, `[1, 2]` a list, `True` a
//! boolean. Text that is not a Python literal stays the text it was, as in
//! Ansible (which catches the `ValueError` or `SyntaxError`).

use super::value::{Value, python_float};

/// The value Ansible makes of `text`.
pub fn parse_value(text: &str) -> Value {
    literal_eval(text).unwrap_or_else(|| Value::Str(text.to_string()))
}

/// `ast.literal_eval(text)`, or `None` where Python would raise.
pub fn literal_eval(text: &str) -> Option<Value> {
    // literal_eval strips leading spaces and tabs (Python 3.9+).
    let text = text.trim_start_matches([' ', '\t']);
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0 };
    let value = p.top()?;
    (p.pos == p.tokens.len()).then_some(value)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i128),
    Float(f64),
    Imag(f64),
    Str(String),
    Bytes(String),
    Name(String),
    Punct(char),
    Ellipsis,
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    // A string followed by a string concatenates; bytes and str do not mix.
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\x0c' => i += 1,
            // A physical newline ends the logical line; literal_eval's
            // input is one line here, so any newline is trailing.
            '\n' | '\r' => {
                if chars[i..].iter().all(|c| c.is_whitespace()) {
                    break;
                }
                return None;
            }
            '#' => break,
            '[' | ']' | '(' | ')' | '{' | '}' | ',' | ':' | '+' | '-' => {
                tokens.push(Tok::Punct(c));
                i += 1;
            }
            '.' if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') => {
                tokens.push(Tok::Ellipsis);
                i += 3;
            }
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                let (tok, next) = number(&chars, i)?;
                tokens.push(tok);
                i = next;
            }
            '0'..='9' => {
                let (tok, next) = number(&chars, i)?;
                tokens.push(tok);
                i = next;
            }
            c if c == '_' || c.is_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i] == '_' || chars[i].is_alphanumeric()) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if matches!(chars.get(i), Some('\'' | '"')) && is_prefix(&word) {
                    let (tok, next) = string(&chars, i, &word.to_ascii_lowercase())?;
                    push_string(&mut tokens, tok)?;
                    i = next;
                } else {
                    tokens.push(Tok::Name(word));
                }
            }
            '\'' | '"' => {
                let (tok, next) = string(&chars, i, "")?;
                push_string(&mut tokens, tok)?;
                i = next;
            }
            _ => return None,
        }
    }
    Some(tokens)
}

fn is_prefix(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "r" | "u" | "b" | "br" | "rb" | "f" | "fr" | "rf"
    )
}

fn push_string(tokens: &mut Vec<Tok>, tok: Tok) -> Option<()> {
    match (tokens.last_mut(), tok) {
        (Some(Tok::Str(a)), Tok::Str(b)) => a.push_str(&b),
        (Some(Tok::Bytes(a)), Tok::Bytes(b)) => a.push_str(&b),
        (Some(Tok::Str(_)), Tok::Bytes(_)) | (Some(Tok::Bytes(_)), Tok::Str(_)) => return None,
        (_, tok) => tokens.push(tok),
    }
    Some(())
}

/// Digits with single underscores between them (`1_000`).
fn digits(chars: &[char], mut i: usize, ok: fn(char) -> bool) -> Option<(String, usize)> {
    let mut out = String::new();
    if !chars.get(i).is_some_and(|c| ok(*c)) {
        return None;
    }
    while i < chars.len() {
        if ok(chars[i]) {
            out.push(chars[i]);
            i += 1;
        } else if chars[i] == '_' && chars.get(i + 1).is_some_and(|c| ok(*c)) {
            i += 1;
        } else {
            break;
        }
    }
    Some((out, i))
}

fn number(chars: &[char], start: usize) -> Option<(Tok, usize)> {
    let dec = |c: char| c.is_ascii_digit();
    let after = |i: usize| -> Option<()> {
        // A number glued to a name or another number is a syntax error.
        match chars.get(i) {
            Some(c) if c.is_alphanumeric() || *c == '_' || *c == '.' => None,
            _ => Some(()),
        }
    };
    if chars[start] == '0' {
        let radix = match chars.get(start + 1) {
            Some('x' | 'X') => Some(16),
            Some('o' | 'O') => Some(8),
            Some('b' | 'B') => Some(2),
            _ => None,
        };
        if let Some(radix) = radix {
            let mut i = start + 2;
            if chars.get(i) == Some(&'_') {
                i += 1;
            }
            let ok: fn(char) -> bool = match radix {
                16 => |c| c.is_ascii_hexdigit(),
                8 => |c| ('0'..='7').contains(&c),
                _ => |c| c == '0' || c == '1',
            };
            let (text, i) = digits(chars, i, ok)?;
            after(i)?;
            return Some((Tok::Int(i128::from_str_radix(&text, radix).ok()?), i));
        }
    }
    let (int_part, mut i) = if chars[start] == '.' {
        (String::new(), start)
    } else {
        digits(chars, start, dec)?
    };
    let mut float = false;
    let mut text = int_part.clone();
    if chars.get(i) == Some(&'.') {
        float = true;
        text.push('.');
        i += 1;
        if chars.get(i).is_some_and(|c| dec(*c)) {
            let (frac, next) = digits(chars, i, dec)?;
            text.push_str(&frac);
            i = next;
        } else if int_part.is_empty() {
            return None;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        let mut exp = String::from("e");
        if let Some(sign @ ('+' | '-')) = chars.get(j) {
            exp.push(*sign);
            j += 1;
        }
        let (e, next) = digits(chars, j, dec)?;
        exp.push_str(&e);
        text.push_str(&exp);
        i = next;
        float = true;
    }
    if matches!(chars.get(i), Some('j' | 'J')) {
        after(i + 1)?;
        return Some((Tok::Imag(text.parse().ok()?), i + 1));
    }
    after(i)?;
    if float {
        return Some((Tok::Float(text.parse().ok()?), i));
    }
    // "Leading zeros in decimal integer literals are not permitted" (but 00 is 0).
    if int_part.len() > 1 && int_part.starts_with('0') && int_part.chars().any(|c| c != '0') {
        return None;
    }
    Some((Tok::Int(int_part.parse().ok()?), i))
}

/// A string literal at `start` (the quote), with a lowercase `prefix`.
fn string(chars: &[char], start: usize, prefix: &str) -> Option<(Tok, usize)> {
    let raw = prefix.contains('r');
    let bytes = prefix.contains('b');
    if prefix.contains('f') {
        // An f-string is a JoinedStr: not a literal.
        return None;
    }
    let q = chars[start];
    let triple = chars.get(start + 1) == Some(&q) && chars.get(start + 2) == Some(&q);
    let mut i = start + if triple { 3 } else { 1 };
    let mut out = String::new();
    loop {
        let c = *chars.get(i)?;
        if c == q {
            if !triple {
                i += 1;
                break;
            }
            if chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q) {
                i += 3;
                break;
            }
        }
        if (c == '\n' || c == '\r') && !triple {
            return None;
        }
        if bytes && !c.is_ascii() {
            return None;
        }
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *chars.get(i + 1)?;
        if raw {
            out.push('\\');
            out.push(e);
            i += 2;
            continue;
        }
        i += 2;
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut n = e.to_digit(8)?;
                for _ in 0..2 {
                    match chars.get(i).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            n = n * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                if bytes && n > 0xff {
                    return None;
                }
                out.push(char::from_u32(n)?);
            }
            'x' => {
                let hex: String = chars.get(i..i + 2)?.iter().collect();
                let n = u32::from_str_radix(&hex, 16).ok()?;
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(char::from_u32(n)?);
                i += 2;
            }
            'u' | 'U' if !bytes => {
                let len = if e == 'u' { 4 } else { 8 };
                let hex: String = chars.get(i..i + len)?.iter().collect();
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                // Surrogates are valid in Python but not in the text Ansible keeps.
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                i += len;
            }
            // \N{NAME} needs the Unicode name table: treated as not understood.
            'N' if !bytes => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some((
        if bytes {
            Tok::Bytes(out)
        } else {
            Tok::Str(out)
        },
        i,
    ))
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// An expression, or a bare tuple `1, 2` at the top.
    fn top(&mut self) -> Option<Value> {
        let first = self.expr()?;
        if !self.eat(',') {
            return Some(first);
        }
        let mut items = vec![first];
        while self.peek().is_some() {
            items.push(self.expr()?);
            if !self.eat(',') {
                break;
            }
        }
        Some(Value::List(items))
    }

    fn expr(&mut self) -> Option<Value> {
        let start = self.pos;
        let left = self.atom()?;
        // Only `real + imaginary` (and `-`) is an allowed operation.
        if let Some(Tok::Punct(op @ ('+' | '-'))) = self.peek().cloned() {
            let is_num = matches!(left, Num::Int(_) | Num::Float(_));
            if !is_num {
                return None;
            }
            self.pos += 1;
            let Num::Imag(im) = self.unsigned_num()? else {
                return None;
            };
            let re = left.real();
            let im = if op == '-' { -im } else { im };
            let _ = start;
            return Some(Value::Str(complex_str(re, im)));
        }
        Some(left.into_value())
    }

    fn unsigned_num(&mut self) -> Option<Num> {
        let tok = self.peek()?.clone();
        self.pos += 1;
        match tok {
            Tok::Int(i) => Some(Num::Int(i)),
            Tok::Float(f) => Some(Num::Float(f)),
            Tok::Imag(f) => Some(Num::Imag(f)),
            _ => None,
        }
    }

    fn atom(&mut self) -> Option<Num> {
        let tok = self.peek()?.clone();
        self.pos += 1;
        Some(match tok {
            Tok::Punct(sign @ ('+' | '-')) => match self.unsigned_num()? {
                Num::Int(i) => Num::Int(if sign == '-' { i.checked_neg()? } else { i }),
                Num::Float(f) => Num::Float(if sign == '-' { -f } else { f }),
                Num::Imag(f) => Num::Complex(
                    0.0_f64.copysign(if sign == '-' { -1.0 } else { 1.0 }),
                    if sign == '-' { -f } else { f },
                ),
                _ => return None,
            },
            Tok::Int(i) => Num::Int(i),
            Tok::Float(f) => Num::Float(f),
            Tok::Imag(f) => Num::Imag(f),
            Tok::Str(s) | Tok::Bytes(s) => Num::Other(Value::Str(s)),
            Tok::Ellipsis => Num::Other(Value::Str("...".into())),
            Tok::Name(n) => Num::Other(match n.as_str() {
                "True" => Value::Bool(true),
                "False" => Value::Bool(false),
                "None" => Value::Null,
                _ => return None,
            }),
            Tok::Punct('[') => Num::Other(Value::List(self.items(']')?)),
            Tok::Punct('(') => {
                if self.eat(')') {
                    return Some(Num::Other(Value::List(Vec::new())));
                }
                let first = self.expr()?;
                if self.eat(')') {
                    return Some(Num::Other(first));
                }
                if !self.eat(',') {
                    return None;
                }
                let mut items = vec![first];
                items.extend(self.items(')')?);
                Num::Other(Value::List(items))
            }
            Tok::Punct('{') => Num::Other(self.dict_or_set()?),
            _ => return None,
        })
    }

    /// Comma-separated expressions up to `close` (a trailing comma allowed).
    fn items(&mut self, close: char) -> Option<Vec<Value>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.expr()?);
            if !self.eat(',') {
                return self.eat(close).then_some(items);
            }
        }
    }

    fn dict_or_set(&mut self) -> Option<Value> {
        if self.eat('}') {
            return Some(Value::Map(Vec::new()));
        }
        let first = self.expr()?;
        if !self.eat(':') {
            // A set; Ansible turns it into a list.
            let mut items = vec![first];
            if self.eat(',') {
                items.extend(self.items('}')?);
            } else if !self.eat('}') {
                return None;
            }
            return Some(Value::List(items));
        }
        let mut pairs: Vec<(String, Value)> = Vec::new();
        let mut key = first;
        loop {
            let value = self.expr()?;
            let name = dict_key(&key)?;
            match pairs.iter_mut().find(|(k, _)| *k == name) {
                Some(slot) => slot.1 = value,
                None => pairs.push((name, value)),
            }
            if !self.eat(',') || self.peek() == Some(&Tok::Punct('}')) {
                break;
            }
            key = self.expr()?;
            if !self.eat(':') {
                return None;
            }
        }
        self.eat('}').then_some(Value::Map(pairs))
    }
}

/// A key as JSON shows it; lists and mappings cannot be keys.
fn dict_key(key: &Value) -> Option<String> {
    match key {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::List(_) | Value::Map(_) => None,
        other => other.as_text(),
    }
}

enum Num {
    Int(i128),
    Float(f64),
    Imag(f64),
    Complex(f64, f64),
    Other(Value),
}

impl Num {
    fn real(&self) -> f64 {
        match self {
            Num::Int(i) => *i as f64,
            Num::Float(f) => *f,
            _ => 0.0,
        }
    }

    fn into_value(self) -> Value {
        match self {
            Num::Int(i) => Value::Int(i),
            Num::Float(f) => Value::Float(f),
            // Ansible keeps complex numbers as their Python text.
            Num::Imag(f) => Value::Str(format!("{}j", imag_text(f))),
            Num::Complex(re, im) => Value::Str(complex_str(re, im)),
            Num::Other(v) => v,
        }
    }
}

fn imag_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{}", f as i128)
    } else {
        python_float(f)
    }
}

/// Python's `str()` of a complex number.
fn complex_str(re: f64, im: f64) -> String {
    let re_text = if re == 0.0 && re.is_sign_negative() {
        "-0".to_string()
    } else {
        imag_text(re)
    };
    let sign = if im < 0.0 || (im == 0.0 && im.is_sign_negative()) {
        "-"
    } else {
        "+"
    };
    format!("({re_text}{sign}{}j)", imag_text(im.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    #[test]
    fn literals_become_values_and_the_rest_stays_text() {
        let cases = [
            ("22", Value::Int(22)),
            ("-3", Value::Int(-3)),
            ("0x1F", Value::Int(31)),
            ("1_000", Value::Int(1000)),
            ("022", s("022")),
            ("00", Value::Int(0)),
            ("1e3", Value::Float(1000.0)),
            (".5", Value::Float(0.5)),
            ("True", Value::Bool(true)),
            ("true", s("true")),
            ("None", Value::Null),
            ("'03#pa33w0rd'", s("03#pa33w0rd")),
            ("\"a\" 'b'", s("ab")),
            ("8080 # comment", Value::Int(8080)),
            ("admin # comment", s("admin # comment")),
            ("10.0.0.1", s("10.0.0.1")),
            ("1, 2", Value::List(vec![Value::Int(1), Value::Int(2)])),
            ("[1, 'a',]", Value::List(vec![Value::Int(1), s("a")])),
            ("(1)", Value::Int(1)),
            ("{'k': 1}", Value::Map(vec![("k".into(), Value::Int(1))])),
            ("1+2", s("1+2")),
            ("1j", s("1j")),
            ("2+3j", s("(2+3j)")),
            ("...", s("...")),
            ("'C:\\Users\\a'", s("'C:\\Users\\a'")),
            ("'C:\\temp'", s("C:\temp")),
            ("r'C:\\Users'", s("C:\\Users")),
            ("'a\\d'", s("a\\d")),
            ("b'x'", s("x")),
            ("f'x'", s("f'x'")),
            ("  7", Value::Int(7)),
            ("'unclosed", s("'unclosed")),
            ("{{ foo }}", s("{{ foo }}")),
            ("", s("")),
        ];
        for (text, want) in cases {
            assert_eq!(parse_value(text), want, "{text:?}");
        }
    }
}
