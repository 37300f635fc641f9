//! A variable's value as Ansible holds it: what Python's `ast.literal_eval`
//! (INI inventories) or PyYAML (YAML files) made of the text.

use serde_json::{Map, Value as Json};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    /// `!unsafe`: a string Ansible never renders as a template.
    Unsafe(String),
    /// `!vault`: encrypted, usable only by Ansible with the vault password.
    Encrypted,
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl Value {
    /// The text Ansible makes of a scalar where it wants a string (Python's
    /// `str()`); `None` for null, containers and encrypted values.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Str(s) | Value::Unsafe(s) => Some(s.clone()),
            Value::Bool(true) => Some("True".into()),
            Value::Bool(false) => Some("False".into()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(python_float(*f)),
            _ => None,
        }
    }

    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::Float(_) => "a number",
            Value::Str(_) | Value::Unsafe(_) => "a string",
            Value::Encrypted => "a vault-encrypted value",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// As `ansible-inventory --list` prints it.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => match i64::try_from(*i) {
                Ok(i) => Json::from(i),
                Err(_) => Json::from(*i as f64),
            },
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Str(s) => Json::String(s.clone()),
            Value::Unsafe(s) => serde_json::json!({ "__ansible_unsafe": s }),
            Value::Encrypted => serde_json::json!({ "__ansible_vault": "" }),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(pairs) => {
                let mut map = Map::new();
                for (k, v) in pairs {
                    map.insert(k.clone(), v.to_json());
                }
                Json::Object(map)
            }
        }
    }

    /// The value `ansible-inventory --list` printed (the other way round).
    pub fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i128::from(i)),
                None => match n.as_u64() {
                    Some(u) => Value::Int(i128::from(u)),
                    None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
                },
            },
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            Json::Object(map) => {
                if map.contains_key("__ansible_vault") {
                    return Value::Encrypted;
                }
                if let (1, Some(Json::String(s))) = (map.len(), map.get("__ansible_unsafe")) {
                    return Value::Unsafe(s.clone());
                }
                Value::Map(
                    map.iter()
                        .map(|(k, v)| (k.clone(), Value::from_json(v)))
                        .collect(),
                )
            }
        }
    }
}

/// Python's `repr` of a float, for the usual cases.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f.fract() == 0.0 && f.abs() < 1e16 {
        return format!("{f:.1}");
    }
    let text = format!("{f}");
    if f.abs() >= 1e16 || (f != 0.0 && f.abs() < 1e-4) {
        let e = format!("{f:e}");
        // Rust writes 1e16 and 1.5e-7; Python 1e+16 and 1.5e-07.
        if let Some((mantissa, exp)) = e.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
    }
    text
}

/// An ordered mapping of variables with Ansible's "replace" merge: a later
/// value of a name replaces the earlier one where it stood.
#[derive(Debug, Clone, PartialEq)]
pub struct Vars<T: Clone> {
    entries: Vec<(String, T)>,
}

impl<T: Clone> Default for Vars<T> {
    fn default() -> Self {
        Vars {
            entries: Vec::new(),
        }
    }
}

impl<T: Clone> Vars<T> {
    pub fn set(&mut self, name: &str, value: T) {
        match self.entries.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((name.to_string(), value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn extend(&mut self, other: &Vars<T>) {
        for (k, v) in &other.entries {
            self.set(k, v.clone());
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_does() {
        assert_eq!(python_float(1000.0), "1000.0");
        assert_eq!(python_float(1.5), "1.5");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(1.5e-7), "1.5e-07");
    }

    #[test]
    fn json_round_trips() {
        let v = Value::Map(vec![
            ("a".into(), Value::Int(22)),
            (
                "b".into(),
                Value::List(vec![Value::Bool(true), Value::Null]),
            ),
            ("c".into(), Value::Unsafe("{{ x }}".into())),
        ]);
        assert_eq!(Value::from_json(&v.to_json()), v);
    }
}
