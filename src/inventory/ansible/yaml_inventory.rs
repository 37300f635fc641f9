//! Ansible's YAML inventory reader (`plugins/inventory/yaml.py`): top-level
//! keys are groups, each with `hosts`, `vars` and `children` mappings.

use super::data::{Data, Var};
use super::yaml::{self, Data as Y, Node};
use super::{ParseError, ranges};
use crate::provenance::{Kind, Origin};

/// What happened to keys Ansible skips with a warning.
pub type Warnings = Vec<String>;

/// Reads one YAML inventory into `data`.
pub fn parse(
    data: &mut Data,
    text: &str,
    file: &str,
    warnings: &mut Warnings,
) -> Result<(), ParseError> {
    let root = yaml::load(text).map_err(|e| ParseError {
        file: file.to_string(),
        line: e.line,
        message: format!("YAML parsing failed: {}", e.message),
    })?;
    let err = |line: usize, msg: String| ParseError::at(file, line, msg);
    if !root.is_truthy() {
        return Err(err(root.line, "Parsed empty YAML file".into()));
    }
    let Y::Map(groups) = &root.data else {
        return Err(err(
            root.line,
            format!(
                "YAML inventory has invalid structure, it should be a dictionary, got: {}",
                root.type_name()
            ),
        ));
    };
    if let Some((_, v)) = groups.iter().find(|(k, _)| k.as_str() == Some("plugin"))
        && v.is_truthy()
    {
        let name = v.as_str().unwrap_or("?");
        return Err(err(
            v.line,
            format!(
                "Plugin configuration YAML file, not YAML inventory (the {name} inventory plugin needs Ansible)"
            ),
        ));
    }
    let mut reader = Reader {
        data,
        file,
        warnings,
    };
    for (name, body) in groups {
        reader.group(name, body)?;
    }
    Ok(())
}

struct Reader<'a> {
    data: &'a mut Data,
    file: &'a str,
    warnings: &'a mut Warnings,
}

impl Reader<'_> {
    fn err(&self, line: usize, msg: String) -> ParseError {
        ParseError::at(self.file, line, msg)
    }

    fn origin(&self, line: usize, name: &str) -> Origin {
        Origin::at(Kind::Inventory, self.file, Some(line)).named(name)
    }

    /// `_parse_group`: returns the group's name.
    fn group(&mut self, name: &Node, body: &Node) -> Result<String, ParseError> {
        let group_name = match name.as_str() {
            Some(n) => n.to_string(),
            None => yaml::key_text(name),
        };
        if !matches!(body.data, Y::Map(_)) && !body.is_null() {
            self.warnings.push(format!(
                "{}:{}: skipping '{group_name}' as this is not a valid group definition",
                self.file, name.line
            ));
            return Ok(group_name);
        }
        if name.as_str().is_none() {
            return Err(self.err(
                name.line,
                format!(
                    "Unable to add group {group_name}: Invalid group name supplied, expected a string but got {}",
                    name.type_name()
                ),
            ));
        }
        let g = self
            .data
            .add_group(&group_name)
            .map_err(|e| self.err(name.line, format!("Unable to add group {group_name}: {e}")))?;
        let Y::Map(sections) = &body.data else {
            return Ok(group_name);
        };
        // A plain string in vars, children or hosts stands for {string: None}.
        let mut normalised: Vec<(Node, Node)> = Vec::new();
        for (key, value) in sections {
            let section = key.as_str().unwrap_or("");
            let value = if matches!(section, "vars" | "children" | "hosts")
                && let Some(s) = value.as_str()
            {
                Node {
                    line: value.line,
                    data: Y::Map(vec![(
                        Node {
                            line: value.line,
                            data: Y::Scalar(super::value::Value::Str(s.to_string())),
                        },
                        Node {
                            line: value.line,
                            data: Y::Scalar(super::value::Value::Null),
                        },
                    )]),
                }
            } else {
                value.clone()
            };
            if matches!(section, "vars" | "children" | "hosts")
                && !matches!(value.data, Y::Map(_))
                && !value.is_null()
            {
                return Err(self.err(
                    value.line,
                    format!(
                        "Invalid \"{section}\" entry for \"{group_name}\" group, requires a dictionary, found \"{}\" instead.",
                        value.type_name()
                    ),
                ));
            }
            normalised.push((key.clone(), value));
        }
        for (key, value) in &normalised {
            let section = key
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| yaml::key_text(key));
            let Y::Map(entries) = &value.data else {
                if !value.is_null() {
                    self.warnings.push(format!(
                        "{}:{}: skipping key ({section}) in group ({group_name}) as it is not a mapping, it is a {}",
                        self.file,
                        key.line,
                        value.type_name()
                    ));
                }
                continue;
            };
            match section.as_str() {
                "vars" => {
                    for (var, v) in entries {
                        let var_name = yaml::key_text(var);
                        let var = Var {
                            value: v.to_value(),
                            origin: self.origin(var.line, &var_name),
                        };
                        self.data
                            .set_group_var(g, &var_name, var)
                            .map_err(|e| self.err(v.line, e))?;
                    }
                }
                "children" => {
                    for (child, child_body) in entries {
                        let child_name = self.group(child, child_body)?;
                        let origin = self.origin(child.line, "children");
                        self.data
                            .add_child(&group_name, &child_name, &origin)
                            .map_err(|e| self.err(child.line, e))?;
                    }
                }
                "hosts" => {
                    for (pattern, host_vars) in entries {
                        self.hosts(g, pattern, host_vars)?;
                    }
                }
                other => self.warnings.push(format!(
                    "{}:{}: skipping unexpected key ({other}) in group ({group_name}), only \"vars\", \"children\" and \"hosts\" are valid",
                    self.file, key.line
                )),
            }
        }
        Ok(group_name)
    }

    fn hosts(&mut self, g: usize, pattern: &Node, host_vars: &Node) -> Result<(), ParseError> {
        let Some(text) = pattern.as_str() else {
            return Err(self.err(
                pattern.line,
                format!(
                    "Host pattern {} must be a string. Enclose integers/floats in quotation marks.",
                    yaml::key_text(pattern)
                ),
            ));
        };
        let (name, port) = ranges::parse_address(text).unwrap_or((text.to_string(), None));
        let hosts = ranges::expand(&name).map_err(|e| self.err(pattern.line, e))?;
        let vars: &[(Node, Node)] = match &host_vars.data {
            Y::Map(pairs) => pairs,
            _ if !host_vars.is_truthy() => &[],
            _ => {
                return Err(self.err(
                    host_vars.line,
                    format!(
                        "Invalid data from file, expected dictionary and got: {}",
                        host_vars.type_name()
                    ),
                ));
            }
        };
        let origin = Origin::at(Kind::Inventory, self.file, Some(pattern.line));
        for host in hosts {
            let h = self
                .data
                .add_host(&host, Some(g), port, &origin)
                .map_err(|e| self.err(pattern.line, e))?;
            for (k, v) in vars {
                let name = yaml::key_text(k);
                let var = Var {
                    value: v.to_value(),
                    origin: self.origin(k.line, &name),
                };
                self.data.set_host_var(h, &name, var);
            }
        }
        Ok(())
    }
}
