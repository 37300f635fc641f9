//! YAML as Ansible loads it: PyYAML's YAML 1.1 rules (`yes`/`on` are
//! booleans, `0755` is octal, `1e3` is text, `<<` merges), Ansible's
//! `!unsafe` and `!vault` tags, the last of duplicate keys winning. The
//! events come from `saphyr-parser`; what each scalar means is decided here,
//! so that the types match Ansible's, and every node keeps its line.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use super::value::Value;

/// A loaded node with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub data: Data,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Scalar(Value),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A load error: the line (when known) and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: Option<usize>,
    pub message: String,
}

impl Node {
    /// The node as a variable's value (mapping keys become text, as in
    /// Ansible's JSON).
    pub fn to_value(&self) -> Value {
        match &self.data {
            Data::Scalar(v) => v.clone(),
            Data::Seq(items) => Value::List(items.iter().map(Node::to_value).collect()),
            Data::Map(pairs) => Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (key_text(k), v.to_value()))
                    .collect(),
            ),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.data {
            Data::Scalar(Value::Str(s) | Value::Unsafe(s)) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.data, Data::Scalar(Value::Null))
    }

    /// Python's truth of the value (`x or {}`).
    pub fn is_truthy(&self) -> bool {
        match &self.data {
            Data::Scalar(v) => match v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Int(i) => *i != 0,
                Value::Float(f) => *f != 0.0,
                Value::Str(s) | Value::Unsafe(s) => !s.is_empty(),
                Value::Encrypted => true,
                Value::List(l) => !l.is_empty(),
                Value::Map(m) => !m.is_empty(),
            },
            Data::Seq(items) => !items.is_empty(),
            Data::Map(pairs) => !pairs.is_empty(),
        }
    }

    /// Python's type name, for Ansible's messages.
    pub fn type_name(&self) -> &'static str {
        match &self.data {
            Data::Seq(_) => "list",
            Data::Map(_) => "dict",
            Data::Scalar(v) => match v {
                Value::Null => "NoneType",
                Value::Bool(_) => "bool",
                Value::Int(_) => "int",
                Value::Float(_) => "float",
                Value::Encrypted => "EncryptedString",
                _ => "str",
            },
        }
    }
}

/// A mapping key as text (`1` → `"1"`, `true` → `"true"`).
pub fn key_text(node: &Node) -> String {
    match &node.data {
        Data::Scalar(Value::Null) => "null".into(),
        Data::Scalar(Value::Bool(b)) => b.to_string(),
        Data::Scalar(v) => v.as_text().unwrap_or_default(),
        _ => format!("{:?}", node.to_value().to_json()),
    }
}

/// Loads one document; an empty stream is `None` (null).
pub fn load(text: &str) -> Result<Node, YamlError> {
    let mut loader = Loader {
        anchors: HashMap::new(),
        stack: Vec::new(),
        docs: Vec::new(),
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            line: Some(e.marker().line()),
            message: e.info().to_string(),
        })?;
        loader.event(event, span.start.line())?;
    }
    match loader.docs.len() {
        0 => Ok(Node {
            line: 1,
            data: Data::Scalar(Value::Null),
        }),
        1 => Ok(loader.docs.remove(0)),
        _ => Err(YamlError {
            line: loader.docs.get(1).map(|d| d.line),
            message: "expected a single document in the stream, but found another document".into(),
        }),
    }
}

enum Open {
    Seq(usize, usize, Vec<Node>),
    /// Anchor, line, pairs, a key waiting for its value.
    Map(usize, usize, Vec<(Node, Node)>, Option<Node>),
}

struct Loader {
    anchors: HashMap<usize, Node>,
    stack: Vec<Open>,
    docs: Vec<Node>,
}

impl Loader {
    fn event(&mut self, event: Event, line: usize) -> Result<(), YamlError> {
        let err = |message: String| YamlError {
            line: Some(line),
            message,
        };
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&text, style, tag.as_deref()).map_err(err)?;
                self.push(
                    Node {
                        line,
                        data: Data::Scalar(value),
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(anchor, tag) => {
                check_tag(tag.as_deref(), "seq").map_err(err)?;
                self.stack.push(Open::Seq(anchor, line, Vec::new()));
            }
            Event::MappingStart(anchor, tag) => {
                check_tag(tag.as_deref(), "map").map_err(err)?;
                self.stack.push(Open::Map(anchor, line, Vec::new(), None));
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq(anchor, l, items)) = self.stack.pop() {
                    self.push(
                        Node {
                            line: l,
                            data: Data::Seq(items),
                        },
                        anchor,
                    )?;
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map(anchor, l, pairs, _)) = self.stack.pop() {
                    let pairs = merge_keys(pairs).map_err(err)?;
                    self.push(
                        Node {
                            line: l,
                            data: Data::Map(pairs),
                        },
                        anchor,
                    )?;
                }
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| err("found undefined alias".into()))?;
                self.push(node, 0)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Seq(_, _, items)) => items.push(node),
            Some(Open::Map(_, _, pairs, key)) => match key.take() {
                None => {
                    if matches!(node.data, Data::Seq(_) | Data::Map(_)) {
                        return Err(YamlError {
                            line: Some(node.line),
                            message: "found unhashable key".into(),
                        });
                    }
                    *key = Some(node);
                }
                // The last of duplicate keys wins (Ansible warns).
                Some(k) => match pairs.iter_mut().find(|(old, _)| old.data == k.data) {
                    Some(slot) => slot.1 = node,
                    None => pairs.push((k, node)),
                },
            },
        }
        Ok(())
    }
}

fn check_tag(tag: Option<&Tag>, kind: &str) -> Result<(), String> {
    match tag {
        None => Ok(()),
        Some(t) if t.handle == "!" && t.suffix.is_empty() => Ok(()),
        Some(t) if t.is_yaml_core_schema() && t.suffix == kind => Ok(()),
        Some(t) => Err(format!(
            "could not determine a constructor for the tag '{}'",
            tag_name(t)
        )),
    }
}

fn tag_name(t: &Tag) -> String {
    if t.handle == "!" {
        format!("!{}", t.suffix)
    } else {
        format!("{}{}", t.handle, t.suffix)
    }
}

/// `<<: *base` (or a list of them): the merged keys first, the mapping's
/// own keys winning.
fn merge_keys(pairs: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, String> {
    let is_merge = |k: &Node| matches!(&k.data, Data::Scalar(Value::Str(s)) if s == "<<");
    if !pairs.iter().any(|(k, _)| is_merge(k)) {
        return Ok(pairs);
    }
    let mut merged: Vec<(Node, Node)> = Vec::new();
    let mut own: Vec<(Node, Node)> = Vec::new();
    for (k, v) in pairs {
        if !is_merge(&k) {
            own.push((k, v));
            continue;
        }
        let sources = match v.data {
            Data::Map(m) => vec![m],
            Data::Seq(items) => items
                .into_iter()
                .rev()
                .map(|n| match n.data {
                    Data::Map(m) => Ok(m),
                    _ => Err("expected a mapping for merging".to_string()),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err("expected a mapping or list of mappings for merging".into()),
        };
        for source in sources {
            for (k, v) in source {
                match merged.iter_mut().find(|(old, _)| old.data == k.data) {
                    Some(slot) => slot.1 = v,
                    None => merged.push((k, v)),
                }
            }
        }
    }
    for (k, v) in own {
        match merged.iter_mut().find(|(old, _)| old.data == k.data) {
            Some(slot) => slot.1 = v,
            None => merged.push((k, v)),
        }
    }
    Ok(merged)
}

/// What a scalar means: quoted and block scalars are text, plain ones go
/// through PyYAML's implicit resolvers.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(t) = tag {
        if t.handle == "!" {
            return match t.suffix.as_str() {
                "" => Ok(Value::Str(text.to_string())),
                "unsafe" => Ok(Value::Unsafe(text.to_string())),
                "vault" | "vault-encrypted" => Ok(Value::Encrypted),
                _ => Err(format!(
                    "could not determine a constructor for the tag '{}'",
                    tag_name(t)
                )),
            };
        }
        if t.is_yaml_core_schema() {
            return match t.suffix.as_str() {
                "str" => Ok(Value::Str(text.to_string())),
                "null" => Ok(Value::Null),
                "bool" => resolve_bool(text).ok_or_else(|| format!("not a boolean: {text}")),
                "int" => resolve_int(text).ok_or_else(|| format!("not an integer: {text}")),
                "float" => resolve_float(text).ok_or_else(|| format!("not a float: {text}")),
                _ => Err(format!(
                    "could not determine a constructor for the tag '{}'",
                    tag_name(t)
                )),
            };
        }
        return Err(format!(
            "could not determine a constructor for the tag '{}'",
            tag_name(t)
        ));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(text.to_string()));
    }
    Ok(implicit(text))
}

fn implicit(text: &str) -> Value {
    static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        )
        .unwrap()
    });
    static INT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        )
        .unwrap()
    });
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = resolve_bool(text) {
        return b;
    }
    if INT.is_match(text)
        && let Some(i) = resolve_int(text)
    {
        return i;
    }
    if FLOAT.is_match(text)
        && let Some(f) = resolve_float(text)
    {
        return f;
    }
    // Timestamps stay the text they were (Ansible prints dates as written).
    Value::Str(text.to_string())
}

fn resolve_bool(text: &str) -> Option<Value> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(Value::Bool(true))
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(Value::Bool(false))
        }
        _ => None,
    }
}

fn sign_of(text: &str) -> (i128, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    }
}

/// SafeConstructor.construct_yaml_int.
fn resolve_int(text: &str) -> Option<Value> {
    let cleaned = text.replace('_', "");
    let (sign, v) = sign_of(&cleaned);
    let n = if v == "0" {
        0
    } else if let Some(b) = v.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else if let Some(h) = v.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if v.starts_with('0') {
        i128::from_str_radix(v, 8).ok()?
    } else if v.contains(':') {
        let mut n: i128 = 0;
        for part in v.split(':') {
            n = n.checked_mul(60)?.checked_add(part.parse().ok()?)?;
        }
        n
    } else {
        v.parse().ok()?
    };
    Some(Value::Int(sign * n))
}

/// SafeConstructor.construct_yaml_float.
fn resolve_float(text: &str) -> Option<Value> {
    let cleaned = text.replace('_', "").to_ascii_lowercase();
    let (sign, v) = sign_of(&cleaned);
    let sign = sign as f64;
    let f = if v == ".inf" {
        f64::INFINITY
    } else if v == ".nan" {
        f64::NAN
    } else if v.contains(':') {
        let mut n = 0.0;
        for part in v.split(':') {
            n = n * 60.0 + part.parse::<f64>().ok()?;
        }
        n
    } else {
        v.parse().ok()?
    };
    Some(Value::Float(sign * f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        load(text).unwrap().to_value()
    }

    #[test]
    fn scalars_resolve_as_pyyaml_does() {
        assert_eq!(v("yes"), Value::Bool(true));
        assert_eq!(v("Off"), Value::Bool(false));
        assert_eq!(v("'yes'"), Value::Str("yes".into()));
        assert_eq!(v("22"), Value::Int(22));
        assert_eq!(v("0755"), Value::Int(0o755));
        assert_eq!(v("0x1f"), Value::Int(31));
        assert_eq!(v("1_000"), Value::Int(1000));
        assert_eq!(v("1:30"), Value::Int(90));
        assert_eq!(v("1e3"), Value::Str("1e3".into()));
        assert_eq!(v("1.5"), Value::Float(1.5));
        assert_eq!(v("10.0.0.1"), Value::Str("10.0.0.1".into()));
        assert_eq!(v("~"), Value::Null);
        assert_eq!(v(""), Value::Null);
        assert_eq!(v("!unsafe '{{ x }}'"), Value::Unsafe("{{ x }}".into()));
        assert_eq!(v("!!str 22"), Value::Str("22".into()));
    }

    #[test]
    fn merges_duplicates_and_lines() {
        let node = load("base: &b\n  a: 1\n  b: 2\nx:\n  <<: *b\n  b: 3\nx: 4\n").unwrap();
        let Data::Map(pairs) = &node.data else {
            panic!()
        };
        assert_eq!(pairs.len(), 2, "the duplicate x replaced the first");
        assert_eq!(pairs[1].1.to_value(), Value::Int(4));
        let node = load("x:\n  <<: {a: 1, b: 2}\n  b: 3\n").unwrap();
        assert_eq!(
            node.to_value(),
            Value::Map(vec![(
                "x".into(),
                Value::Map(vec![
                    ("a".into(), Value::Int(1)),
                    ("b".into(), Value::Int(3))
                ])
            )])
        );
        let Data::Map(pairs) = &load("a: 1\n\nb:\n  c: 2\n").unwrap().data else {
            panic!()
        };
        assert_eq!((pairs[0].0.line, pairs[1].0.line), (1, 3));
        let err = load("a: [1\n").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
        assert!(load("a: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3038\n").is_ok());
        assert!(load("a: !nope x\n").is_err());
    }
}
