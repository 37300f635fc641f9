//! Whether this Windows program runs under Wine, which keeps no file access
//! lists (a private file cannot be made private there) and whose console
//! shows VT sequences as text. Wine's ntdll exports `wine_get_version`;
//! Windows' does not.

/// `true` under Wine; always `false` off Windows.
pub fn under_wine() -> bool {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
        let ntdll: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
        // SAFETY: NUL-terminated names; ntdll is loaded in every process
        // and the module handle needs no release.
        unsafe {
            let module = GetModuleHandleW(ntdll.as_ptr());
            !module.is_null()
                && GetProcAddress(module, c"wine_get_version".as_ptr().cast()).is_some()
        }
    }
    #[cfg(not(windows))]
    {
        false
    }
}

/// What Wine lacks that some tests need (the unit tests' and the
/// integration tests' one wording).
#[doc(hidden)]
pub const NO_ACLS: &str = "needs real file access lists: Wine keeps none, so a \
     private file (the node key, the credential store) is rightly refused";

/// For a test that needs what Wine lacks: under Wine, says so loudly (past
/// the test harness's capture) and returns `true`: the test then returns.
/// Shared by the unit tests and the integration tests.
#[doc(hidden)]
pub fn skip_test(needs: &str) -> bool {
    if !under_wine() {
        return false;
    }
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    #[allow(clippy::disallowed_methods)] // A test's own notice, not untrusted text.
    let _ = writeln!(
        std::io::stderr(),
        "*** SKIPPED under Wine: {test}: {needs} ***"
    );
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_windows_can_be_wine() {
        if !cfg!(windows) {
            assert!(!super::under_wine());
        }
    }
}
