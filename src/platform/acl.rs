//! Who may read a private file on Windows, as data: the access list ucsconf
//! writes, and the checks on an access list read back. Platform-neutral so it
//! is tested everywhere; the Win32 calls that apply and read these lists live
//! in the Windows layer.

use std::fmt;

/// BUILTIN\Administrators.
pub const ADMINISTRATORS: &str = "S-1-5-32-544";
/// NT AUTHORITY\SYSTEM (LocalSystem).
pub const SYSTEM: &str = "S-1-5-18";
/// Everyone: how a missing (null) access list, which lets anyone in, is described.
pub const EVERYONE: &str = "S-1-1-0";

/// Full control of a file (FILE_ALL_ACCESS).
pub const FILE_ALL_ACCESS: u32 = 0x001F_01FF;
/// Rights that say nothing about the content: waiting on the handle, reading
/// the security descriptor and the attributes (size, times).
pub const HARMLESS_RIGHTS: u32 = SYNCHRONIZE | READ_CONTROL | FILE_READ_ATTRIBUTES;
pub const SYNCHRONIZE: u32 = 0x0010_0000;
pub const READ_CONTROL: u32 = 0x0002_0000;
pub const FILE_READ_ATTRIBUTES: u32 = 0x0000_0080;

/// What an access control entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AceKind {
    Allow,
    Deny,
    /// Any other entry type (callback, object, ...), by its type number.
    Other(u8),
}

/// One access control entry of a file's DACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AceSpec {
    pub kind: AceKind,
    /// The trustee as a string SID (`S-1-5-18`).
    pub sid: String,
    /// The access mask.
    pub mask: u32,
    /// Inherited from the folder rather than set on the file.
    pub inherited: bool,
    /// Only passed on to children: has no effect on a file.
    pub inherit_only: bool,
}

impl AceSpec {
    /// An explicit entry granting `mask` to `sid`.
    pub fn allow(sid: &str, mask: u32) -> AceSpec {
        AceSpec {
            kind: AceKind::Allow,
            sid: sid.to_string(),
            mask,
            inherited: false,
            inherit_only: false,
        }
    }
}

/// A file's DACL, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dacl {
    /// Protected: the folder's inheritable entries do not flow into it.
    pub protected: bool,
    pub aces: Vec<AceSpec>,
}

/// Who may read a private file: Administrators and SYSTEM. A process that is
/// not an administrator could not read back what it wrote, so its own user
/// is added then (that is the Unix 0600 rule: the owner), never on an elevated
/// run, which is how the suite's folders are written.
pub fn private_readers(process_is_admin: bool, user_sid: Option<&str>) -> Vec<String> {
    let mut readers = vec![ADMINISTRATORS.to_string(), SYSTEM.to_string()];
    if let Some(user) = user_sid.filter(|_| !process_is_admin)
        && !is_reader(&readers, user)
    {
        readers.push(user.to_string());
    }
    readers
}

/// The entries written on a private file: full control for each reader,
/// explicit (the DACL is also protected from inheritance).
pub fn private_acl(readers: &[String]) -> Vec<AceSpec> {
    readers
        .iter()
        .map(|sid| AceSpec::allow(sid, FILE_ALL_ACCESS))
        .collect()
}

fn is_reader(readers: &[String], sid: &str) -> bool {
    readers.iter().any(|r| r.eq_ignore_ascii_case(sid))
}

/// Whether an entry has any effect on the file itself.
fn applies(ace: &AceSpec) -> bool {
    !ace.inherit_only
}

/// Whether only `readers` can get at the content: every entry that grants
/// more than [`HARMLESS_RIGHTS`] names a reader, and no entry is of a kind
/// that cannot be judged. Deny entries only take rights away.
pub fn acl_is_private(aces: &[AceSpec], readers: &[String]) -> bool {
    aces.iter().filter(|a| applies(a)).all(|a| match a.kind {
        AceKind::Deny => true,
        AceKind::Allow => a.mask & !HARMLESS_RIGHTS == 0 || is_reader(readers, &a.sid),
        AceKind::Other(_) => false,
    })
}

/// Why a DACL read back after writing is not the one that was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclMismatch {
    /// Not protected: the folder's entries can flow in.
    Unprotected,
    /// An entry that is not in the private list.
    Unexpected(AceSpec),
    /// A reader lacks full control.
    Missing(String),
}

impl fmt::Display for AclMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AclMismatch::Unprotected => f.write_str("it still inherits the folder's permissions"),
            AclMismatch::Unexpected(a) => write!(
                f,
                "it has an unexpected {} entry for {} (mask {:#x}{})",
                match a.kind {
                    AceKind::Allow => "allow",
                    AceKind::Deny => "deny",
                    AceKind::Other(_) => "other",
                },
                a.sid,
                a.mask,
                if a.inherited { ", inherited" } else { "" }
            ),
            AclMismatch::Missing(sid) => write!(f, "{sid} does not have full control"),
        }
    }
}

/// Checks a DACL read back from a file just written private: protected, and
/// exactly the [`private_acl`] entries (in any order).
pub fn check_written(dacl: &Dacl, readers: &[String]) -> Result<(), AclMismatch> {
    if !dacl.protected {
        return Err(AclMismatch::Unprotected);
    }
    let wanted = private_acl(readers);
    let same = |a: &AceSpec, w: &AceSpec| {
        a.kind == w.kind
            && a.sid.eq_ignore_ascii_case(&w.sid)
            && a.mask == w.mask
            && !a.inherited
            && !a.inherit_only
    };
    if let Some(extra) = dacl
        .aces
        .iter()
        .find(|a| !wanted.iter().any(|w| same(a, w)))
    {
        return Err(AclMismatch::Unexpected(extra.clone()));
    }
    match wanted
        .iter()
        .find(|w| !dacl.aces.iter().any(|a| same(a, w)))
    {
        Some(missing) => Err(AclMismatch::Missing(missing.sid.clone())),
        None => Ok(()),
    }
}

/// How an admin makes the node key private again by hand, per platform.
pub fn private_fix(local_path: &str, windows: bool) -> String {
    if windows {
        format!(
            "icacls \"{local_path}\" /inheritance:r /grant:r *{ADMINISTRATORS}:F *{SYSTEM}:F \
             (then remove any other entry `icacls \"{local_path}\"` lists)"
        )
    } else {
        format!("chmod 600 {local_path} on the node")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: &str = "S-1-5-32-545";
    const ALICE: &str = "S-1-5-21-1-2-3-1001";

    fn admin_readers() -> Vec<String> {
        private_readers(true, Some(ALICE))
    }

    fn written(aces: Vec<AceSpec>) -> Dacl {
        Dacl {
            protected: true,
            aces,
        }
    }

    #[test]
    fn an_elevated_run_lets_administrators_and_system_read_only() {
        assert_eq!(admin_readers(), [ADMINISTRATORS, SYSTEM]);
        let acl = private_acl(&admin_readers());
        assert_eq!(
            acl,
            [
                AceSpec::allow(ADMINISTRATORS, FILE_ALL_ACCESS),
                AceSpec::allow(SYSTEM, FILE_ALL_ACCESS)
            ]
        );
    }

    #[test]
    fn a_run_without_admin_rights_adds_its_own_user_once() {
        assert_eq!(
            private_readers(false, Some(ALICE)),
            [ADMINISTRATORS, SYSTEM, ALICE]
        );
        assert_eq!(
            private_readers(false, Some("s-1-5-18")),
            [ADMINISTRATORS, SYSTEM]
        );
        assert_eq!(private_readers(false, None), [ADMINISTRATORS, SYSTEM]);
    }

    #[test]
    fn the_written_list_is_private_and_passes_the_check() {
        let readers = admin_readers();
        let acl = private_acl(&readers);
        assert!(acl_is_private(&acl, &readers));
        let mut reversed = acl.clone();
        reversed.reverse();
        assert_eq!(check_written(&written(reversed), &readers), Ok(()));
    }

    #[test]
    fn a_reader_outside_the_list_is_not_private() {
        let readers = admin_readers();
        let mut acl = private_acl(&readers);
        acl.push(AceSpec::allow(USERS, 0x0012_0089)); // read and execute
        assert!(!acl_is_private(&acl, &readers));
        assert_eq!(
            check_written(&written(acl.clone()), &readers),
            Err(AclMismatch::Unexpected(acl[2].clone()))
        );
        let other = private_readers(false, Some(USERS));
        assert!(acl_is_private(&acl, &other), "the user itself may read");
    }

    #[test]
    fn inherited_grants_count_and_inherit_only_ones_do_not() {
        let readers = admin_readers();
        let mut everyone = AceSpec::allow(EVERYONE, FILE_ALL_ACCESS);
        everyone.inherited = true;
        let mut acl = private_acl(&readers);
        acl.push(everyone.clone());
        assert!(!acl_is_private(&acl, &readers));
        everyone.inherit_only = true;
        *acl.last_mut().unwrap() = everyone;
        assert!(acl_is_private(&acl, &readers));
    }

    #[test]
    fn harmless_rights_and_denials_keep_it_private() {
        let readers = admin_readers();
        let mut acl = private_acl(&readers);
        acl.push(AceSpec::allow(USERS, HARMLESS_RIGHTS));
        acl.push(AceSpec {
            kind: AceKind::Deny,
            ..AceSpec::allow(EVERYONE, FILE_ALL_ACCESS)
        });
        assert!(acl_is_private(&acl, &readers));
        acl.push(AceSpec::allow(USERS, READ_CONTROL | 0x0004_0000)); // WRITE_DAC
        assert!(
            !acl_is_private(&acl, &readers),
            "it could grant itself read"
        );
    }

    #[test]
    fn an_entry_of_unknown_kind_is_not_judged_private() {
        let readers = admin_readers();
        let acl = vec![AceSpec {
            kind: AceKind::Other(9),
            ..AceSpec::allow(SYSTEM, FILE_ALL_ACCESS)
        }];
        assert!(!acl_is_private(&acl, &readers));
    }

    #[test]
    fn the_check_after_writing_wants_protection_and_every_reader() {
        let readers = admin_readers();
        let acl = private_acl(&readers);
        let open = Dacl {
            protected: false,
            aces: acl.clone(),
        };
        assert_eq!(
            check_written(&open, &readers),
            Err(AclMismatch::Unprotected)
        );
        assert_eq!(
            check_written(&written(acl[..1].to_vec()), &readers),
            Err(AclMismatch::Missing(SYSTEM.into()))
        );
        let mut partial = acl.clone();
        partial[1].mask = 0x0012_0089;
        assert!(matches!(
            check_written(&written(partial), &readers),
            Err(AclMismatch::Unexpected(a)) if a.sid == SYSTEM
        ));
        let mut inherited = acl;
        inherited[0].inherited = true;
        assert!(check_written(&written(inherited), &readers).is_err());
    }

    #[test]
    fn mismatches_read_as_sentences_naming_the_trustee() {
        let text = AclMismatch::Unexpected(AceSpec::allow(USERS, 0x1)).to_string();
        assert!(text.contains(USERS) && text.contains("allow"), "{text}");
        assert!(
            AclMismatch::Missing(SYSTEM.into())
                .to_string()
                .contains(SYSTEM)
        );
    }

    #[test]
    fn the_fix_is_icacls_on_windows_and_chmod_elsewhere() {
        let win = private_fix(r"C:\S\Var\Secure\ucsconf.key", true);
        assert!(win.starts_with(r#"icacls "C:\S\Var\Secure\ucsconf.key" /inheritance:r"#));
        assert!(win.contains(ADMINISTRATORS) && win.contains(SYSTEM));
        assert_eq!(
            private_fix("Var/Secure/ucsconf.key", false),
            "chmod 600 Var/Secure/ucsconf.key on the node"
        );
    }
}
