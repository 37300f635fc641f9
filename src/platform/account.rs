//! Who runs ucsconf: the name the journal records and SSH logs in as by
//! default.

/// The user's name: `USER`, `USERNAME` or `LOGNAME` when set (what the
/// session says), else the account the process runs as, which cron,
/// services and `env -i` still have.
pub fn user_name() -> Option<String> {
    from_environment(|name| std::env::var(name).ok()).or_else(account_name)
}

/// The first of the session's variables that is set and not empty.
fn from_environment(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .into_iter()
        .find_map(|name| var(name).filter(|v| !v.is_empty()))
}

/// The name of the process's effective user id in the password database.
#[cfg(unix)]
fn account_name() -> Option<String> {
    use std::ffi::CStr;
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: all-zero is a valid passwd (null pointers, zero ids).
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call and `buf` for its
        // length; the strings `entry` points to live in `buf`.
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 16 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || found.is_null() || entry.pw_name.is_null() {
            return None;
        }
        // SAFETY: getpwuid_r succeeded: pw_name is a C string inside `buf`.
        let name = unsafe { CStr::from_ptr(entry.pw_name) };
        return name
            .to_str()
            .ok()
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
    }
}

/// The name of the account the process runs as.
#[cfg(windows)]
fn account_name() -> Option<String> {
    use windows_sys::Win32::System::WindowsProgramming::GetUserNameW;
    // UNLEN + 1: the longest user name with its terminating null.
    let mut buf = [0u16; 257];
    let mut len = buf.len() as u32;
    // SAFETY: the buffer is valid for `len` characters; on success `len`
    // holds the count written, the terminating null included.
    if unsafe { GetUserNameW(buf.as_mut_ptr(), &mut len) } == 0 || len == 0 {
        return None;
    }
    let name = String::from_utf16(&buf[..len as usize - 1]).ok()?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_variables_are_tried_in_order_and_empty_ones_skipped() {
        let env = |set: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                set.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            from_environment(env(&[("LOGNAME", "c"), ("USER", "a")])),
            Some("a".into())
        );
        assert_eq!(
            from_environment(env(&[("USER", ""), ("USERNAME", "b")])),
            Some("b".into())
        );
        assert_eq!(from_environment(env(&[("USER", "")])), None);
    }

    #[test]
    fn the_process_has_an_account_name() {
        let name = account_name().expect("the account of this process");
        assert!(!name.is_empty() && !name.contains('\0'), "{name:?}");
    }
}
