//! The flags of a `set` command, made from a settings file's description
//! (`settings::schema`): one flag per field, `on|off` for a toggle, and for
//! a secret `--<flag>-stdin` (with `--new-key`) and a hidden `--<flag>` that
//! is refused, because a secret in argv shows in `ps`.

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::settings::schema::{FieldSpec, FieldValue, Kind};

/// What the flags of a `set` command held, by index into the description.
#[derive(Debug, Default)]
pub struct FieldFlags {
    /// The values given, in the description's order (a secret is not here).
    pub values: Vec<(usize, FieldValue)>,
    /// The secret whose `--<secret>-stdin` was given.
    pub secret_stdin: Option<usize>,
    /// `--new-key` was given.
    pub new_key: bool,
    /// The refused `--<secret>` flag, if it was given.
    pub secret_in_argv: Option<&'static str>,
}

const NEW_KEY: &str = "new-key";

/// `password-stdin` for the secret `password`.
fn stdin_flag(field: &FieldSpec) -> String {
    format!("{}-stdin", field.flag)
}

/// Adds one flag per field of `fields` to `cmd`.
pub fn augment(mut cmd: Command, fields: &[&'static FieldSpec]) -> Command {
    for field in fields {
        cmd = match field.kind {
            Kind::Secret { .. } => {
                let stdin = stdin_flag(field);
                cmd.arg(
                    Arg::new(stdin.clone())
                        .long(stdin.clone())
                        .action(ArgAction::SetTrue)
                        .help(field.help),
                )
                .arg(
                    Arg::new(NEW_KEY)
                        .long(NEW_KEY)
                        .action(ArgAction::SetTrue)
                        .requires(stdin)
                        .help("Where the node key is missing or unusable, make a new one even though values sealed with the old one are then lost (they are named)"),
                )
            }
            Kind::Bool => cmd.arg(
                Arg::new(field.flag)
                    .long(field.flag)
                    .value_name(field.value_name)
                    .value_parser(["on", "off"])
                    .help(field.help),
            ),
            _ => cmd.arg(
                Arg::new(field.flag)
                    .long(field.flag)
                    .value_name(field.value_name)
                    .help(field.help),
            ),
        };
    }
    // Last, as they are not shown: the refused flags of the secrets.
    for field in fields.iter().filter(|f| f.is_secret()) {
        cmd = cmd.arg(
            Arg::new(field.flag)
                .long(field.flag)
                .hide(true)
                .value_name(field.value_name)
                .help("Refused: a secret on the command line shows in `ps`"),
        );
    }
    cmd
}

/// Reads the flags [`augment`] added.
pub fn read(matches: &ArgMatches, fields: &[&'static FieldSpec]) -> FieldFlags {
    let mut flags = FieldFlags::default();
    for (i, field) in fields.iter().enumerate() {
        if field.is_secret() {
            if matches.get_flag(&stdin_flag(field)) {
                flags.secret_stdin = Some(i);
            }
            flags.new_key |= matches.get_flag(NEW_KEY);
            if matches.contains_id(field.flag) && matches.get_one::<String>(field.flag).is_some() {
                flags.secret_in_argv = Some(field.flag);
            }
            continue;
        }
        let Some(text) = matches.get_one::<String>(field.flag) else {
            continue;
        };
        let value = match field.kind {
            Kind::Bool => FieldValue::Toggle(text == "on"),
            _ => FieldValue::Text(text.clone()),
        };
        flags.values.push((i, value));
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::calendar::FIELDS;

    fn parse(args: &[&str]) -> Result<FieldFlags, clap::Error> {
        let specs: Vec<&FieldSpec> = FIELDS.iter().collect();
        let cmd = augment(Command::new("set"), &specs);
        let matches =
            cmd.try_get_matches_from(std::iter::once("set").chain(args.iter().copied()))?;
        Ok(read(&matches, &specs))
    }

    #[test]
    fn every_field_has_its_flag_and_toggles_take_on_or_off() {
        let flags = parse(&[
            "--provider",
            "office365",
            "--modern-auth",
            "on",
            "--client-id",
            "x",
        ])
        .unwrap();
        let shown: Vec<String> = flags
            .values
            .iter()
            .map(|(i, v)| v.describe(FIELDS[*i].key))
            .collect();
        assert_eq!(
            shown,
            [
                "Provider = office365",
                "ModernAuth = 1",
                "ModernAuth.ClientId = x"
            ]
        );
        assert!(parse(&["--basic-auth", "maybe"]).is_err());
    }

    #[test]
    fn a_secret_comes_from_stdin_and_its_argv_flag_is_only_noticed() {
        let flags = parse(&["--password-stdin", "--new-key"]).unwrap();
        assert_eq!(flags.secret_stdin, Some(6));
        assert!(flags.new_key && flags.values.is_empty());
        let flags = parse(&["--password", "hunter2"]).unwrap();
        assert_eq!(flags.secret_in_argv, Some("password"));
        assert!(
            parse(&["--new-key"]).is_err(),
            "--new-key needs --password-stdin"
        );
    }
}
