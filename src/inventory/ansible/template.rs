//! The Jinja2 templates ucsconf renders without Ansible: `{{ name }}`
//! references to other variables (`{{ inventory_hostname }}.contoso.local`),
//! rendered as Ansible does (a whole-value reference keeps the value's
//! type; text around one makes text). Anything else (filters, tests,
//! lookups, `{% %}` blocks) is refused, naming the variable: a value is
//! never used as written when Ansible would have rendered it.

use super::value::Value;

/// How deep references may nest before it counts as a loop.
const MAX_DEPTH: usize = 32;

/// Whether Ansible would render `text` as a template.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Renders `value` (the value of `name`); `lookup` finds other variables.
pub fn render(
    name: &str,
    value: &Value,
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<Value, String> {
    render_at(name, value, lookup, 0)
}

fn render_at(
    name: &str,
    value: &Value,
    lookup: &dyn Fn(&str) -> Option<Value>,
    depth: usize,
) -> Result<Value, String> {
    let Value::Str(text) = value else {
        return Ok(value.clone());
    };
    if !is_template(text) {
        return Ok(value.clone());
    }
    if depth > MAX_DEPTH {
        return Err(format!(
            "{name}: the templates refer to each other in a loop"
        ));
    }
    let refuse = |what: &str| {
        format!(
            "{name} is the Jinja2 template {text:?}, which ucsconf cannot render without Ansible ({what}); \
             install ansible-core so that ucsconf reads the inventory with it, or write the value out"
        )
    };
    if text.contains("{%") || text.contains("{#") {
        return Err(refuse("only {{ variable }} references are rendered"));
    }
    let mut parts: Vec<Part> = Vec::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or_else(|| refuse("an unclosed {{"))?;
        let inner = after[..close].trim_matches([' ', '\t']);
        if !is_identifier(inner) {
            return Err(refuse("only {{ variable }} references are rendered"));
        }
        parts.push(Part::Var(inner.to_string()));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    if rest.contains("}}") && !text.contains("{{") {
        return Err(refuse("a stray }}"));
    }
    let resolve = |var: &str| -> Result<Value, String> {
        let found = lookup(var).ok_or_else(|| {
            format!("{name} refers to the variable {var}, which is not defined for this host")
        })?;
        render_at(var, &found, lookup, depth + 1)
    };
    if let [Part::Var(var)] = parts.as_slice() {
        return resolve(var);
    }
    let mut out = String::new();
    for part in &parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Var(var) => match resolve(var)? {
                v @ (Value::Str(_) | Value::Unsafe(_) | Value::Int(_)) => {
                    out.push_str(&v.as_text().unwrap_or_default())
                }
                other => {
                    return Err(refuse(&format!("{var} is {}", other.kind())));
                }
            },
        }
    }
    Ok(Value::Str(out))
}

enum Part {
    Text(String),
    Var(String),
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !matches!(s, "true" | "false" | "none" | "True" | "False" | "None")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<Value> {
        match name {
            "inventory_hostname" => Some(Value::Str("ucs-a".into())),
            "p" => Some(Value::Int(2222)),
            "q" => Some(Value::Str("{{ p }}".into())),
            "loop" => Some(Value::Str("{{ loop }}".into())),
            "flag" => Some(Value::Bool(true)),
            _ => None,
        }
    }

    fn r(text: &str) -> Result<Value, String> {
        render("ansible_host", &Value::Str(text.into()), &vars)
    }

    #[test]
    fn references_render_and_the_rest_is_refused() {
        assert_eq!(
            r("{{ inventory_hostname }}.lan"),
            Ok(Value::Str("ucs-a.lan".into()))
        );
        assert_eq!(r("{{p}}"), Ok(Value::Int(2222)));
        assert_eq!(r("{{ q }}"), Ok(Value::Int(2222)));
        assert_eq!(r("plain"), Ok(Value::Str("plain".into())));
        for (text, needle) in [
            ("{{ nope }}", "variable nope, which is not defined"),
            ("{{ p | int }}", "cannot render"),
            ("{% if x %}a{% endif %}", "cannot render"),
            ("{{ loop }}", "loop"),
            ("x{{ flag }}", "flag is a boolean"),
        ] {
            let err = r(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
            assert!(
                err.contains("ansible_host") || err.contains("loop"),
                "{err}"
            );
        }
    }
}
