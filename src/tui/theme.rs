//! Themes: named styles read from TOML. Four are built in (`themes/*.toml`);
//! `<user config dir>/ucsconf/themes/NAME.toml` adds or overrides one. A theme
//! file may give only some styles: the others come from the default theme.
//! `NO_COLOR` (non-empty) strips every colour but keeps emphasis, so the
//! selection stays visible (reversed and bold, plus the `›` marker).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("light", include_str!("../../themes/light.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme {name:?}; available: {}", available.join(", "))]
    Unknown {
        name: String,
        available: Vec<String>,
    },
    #[error("theme {name:?} ({origin}): {message}")]
    Invalid {
        name: String,
        origin: String,
        message: String,
    },
}

/// Declares the theme's styles once: the struct fields and their TOML names.
macro_rules! styles {
    ($($field:ident),* $(,)?) => {
        /// Every style the interface draws with.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            pub name: String,
            $(pub $field: Style,)*
        }

        impl Theme {
            /// The TOML names of the styles.
            pub const STYLE_NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            fn style_mut(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }

            fn styles_mut(&mut self) -> Vec<(&'static str, &mut Style)> {
                vec![$((stringify!($field), &mut self.$field)),*]
            }

            fn blank(name: &str) -> Theme {
                Theme { name: name.to_string(), $($field: Style::default(),)* }
            }
        }
    };
}

styles! {
    base, header, header_dim, dirty, ok, bad, pending, tab, tab_active, border, title,
    selection, marker, label, value, changed, dim, error, warning, warning_strong,
    status_ok, status_info, status_error, hint_key, hint_text, diff_add, diff_del,
    diff_hunk, level_trace, level_debug, level_info, level_warn, level_error,
    level_fatal, search_match, log_time, log_guid, log_address, log_url, log_node,
    button, button_focus, dialog,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    #[allow(dead_code)] // documents the file; the file name is what selects a theme
    name: Option<String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleDef {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
}

impl StyleDef {
    fn to_style(&self) -> Result<Style, String> {
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            style = style.fg(parse_color(fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(parse_color(bg)?);
        }
        let flags = [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ];
        for (on, modifier) in flags {
            if on {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    }
}

fn parse_color(text: &str) -> Result<Color, String> {
    text.parse::<Color>()
        .map_err(|_| format!("{text:?} is not a colour (a name, #rrggbb or 0-255)"))
}

impl Theme {
    /// Parses a theme file on top of `base` (styles it does not give are kept).
    pub fn from_toml(name: &str, text: &str, base: &Theme) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut theme = base.clone();
        theme.name = name.to_string();
        for (style_name, def) in &file.styles {
            let style = def
                .to_style()
                .map_err(|e| format!("style {style_name}: {e}"))?;
            match theme.style_mut(style_name) {
                Some(slot) => *slot = style,
                None => {
                    return Err(format!(
                        "unknown style {style_name:?}; known: {}",
                        Theme::STYLE_NAMES.join(", ")
                    ));
                }
            }
        }
        Ok(theme)
    }

    /// The same theme with every colour removed and emphasis kept; the
    /// selection and the active tab are forced to stay visible.
    pub fn without_colors(&self) -> Theme {
        let mut theme = self.clone();
        for (_, style) in theme.styles_mut() {
            style.fg = None;
            style.bg = None;
            style.underline_color = None;
        }
        for style in [
            &mut theme.selection,
            &mut theme.tab_active,
            &mut theme.button_focus,
        ] {
            *style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        theme
    }

    /// Whether any style carries a colour.
    pub fn has_colors(&self) -> bool {
        let mut copy = self.clone();
        copy.styles_mut()
            .iter()
            .any(|(_, s)| s.fg.is_some() || s.bg.is_some())
    }
}

/// True when `NO_COLOR` is set to a non-empty value.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn built_in_default() -> Theme {
    Theme::from_toml("default", BUILT_IN[0].1, &Theme::blank("default"))
        .expect("the built-in default theme parses")
}

fn user_theme_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("ucsconf").join("themes"))
}

/// Built-in and user themes, sorted, without duplicates.
pub fn available() -> Vec<String> {
    available_in(user_theme_dir().as_deref())
}

fn available_in(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(entries) = user_dir.and_then(|d| std::fs::read_dir(d).ok()) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Loads a theme by name: a user theme file first, then the built-in ones.
/// Under `NO_COLOR` its colours are removed.
pub fn load(name: &str) -> Result<Theme, ThemeError> {
    let theme = load_from(user_theme_dir().as_deref(), name)?;
    Ok(if no_color() {
        theme.without_colors()
    } else {
        theme
    })
}

/// [`load`] with an explicit user theme folder and no `NO_COLOR` handling.
pub fn load_from(user_dir: Option<&Path>, name: &str) -> Result<Theme, ThemeError> {
    let base = built_in_default();
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid_name && let Some(dir) = user_dir {
        let path = dir.join(format!("{name}.toml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Theme::from_toml(name, &text, &base).map_err(|message| ThemeError::Invalid {
                name: name.to_string(),
                origin: path.display().to_string(),
                message,
            });
        }
    }
    match BUILT_IN.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => {
            Theme::from_toml(name, text, &base).map_err(|message| ThemeError::Invalid {
                name: name.to_string(),
                origin: "built in".to_string(),
                message,
            })
        }
        None => Err(ThemeError::Unknown {
            name: name.to_string(),
            available: available_in(user_dir),
        }),
    }
}

/// The default theme, or `mono` when `NO_COLOR` is set.
pub fn default_theme() -> Theme {
    if no_color() {
        mono()
    } else {
        built_in_default()
    }
}

/// The built-in colourless theme.
pub fn mono() -> Theme {
    load_from(None, "mono")
        .expect("the built-in mono theme parses")
        .without_colors()
}

/// The built-in default theme, ignoring `NO_COLOR` (for tests and previews).
pub fn built_in(name: &str) -> Option<Theme> {
    load_from(None, name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_sets_every_style() {
        let blank = Theme::blank("x");
        for (name, text) in BUILT_IN {
            let theme = Theme::from_toml(name, text, &blank).unwrap();
            let file: ThemeFile = toml::from_str(text).unwrap();
            for style in Theme::STYLE_NAMES {
                assert!(
                    file.styles.contains_key(*style),
                    "{name} does not set {style}"
                );
            }
            assert_eq!(theme.name, *name);
        }
    }

    #[test]
    fn mono_has_no_colour_and_a_visible_selection() {
        let mono = mono();
        assert!(!mono.has_colors());
        assert!(mono.selection.add_modifier.contains(Modifier::REVERSED));
        let stripped = built_in("default").unwrap().without_colors();
        assert!(!stripped.has_colors());
        assert!(stripped.selection.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn unknown_theme_lists_the_available_ones() {
        let err = load_from(None, "nope").unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
        assert!(err.contains("default, high-contrast, light, mono"), "{err}");
    }

    #[test]
    fn user_theme_overrides_and_inherits() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("corp.toml"),
            "[styles]\nselection = { fg = \"#102030\", bold = true }\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("light.toml"),
            "[styles]\nerror = { fg = \"magenta\" }\n",
        )
        .unwrap();
        let corp = load_from(Some(dir.path()), "corp").unwrap();
        assert_eq!(corp.selection.fg, Some(Color::Rgb(0x10, 0x20, 0x30)));
        assert_eq!(corp.header, built_in("default").unwrap().header);
        let light = load_from(Some(dir.path()), "light").unwrap();
        assert_eq!(light.error.fg, Some(Color::Magenta));
        let names = available_in(Some(dir.path()));
        assert_eq!(names, ["corp", "default", "high-contrast", "light", "mono"]);
    }

    #[test]
    fn bad_theme_files_are_errors_naming_the_problem() {
        let base = built_in_default();
        let err = Theme::from_toml("x", "[styles]\nselecton = {}\n", &base).unwrap_err();
        assert!(err.contains("selecton"), "{err}");
        let err =
            Theme::from_toml("x", "[styles]\nbase = { fg = \"nocolour\" }\n", &base).unwrap_err();
        assert!(err.contains("nocolour"), "{err}");
    }
}
