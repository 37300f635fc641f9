//! The Win32 calls behind private files: writing a protected DACL on a file
//! handle, reading a DACL back (by handle or path) as [`Dacl`] data, and who
//! this process is. Every decision is made in [`super::acl`].

use std::ffi::{OsStr, c_void};
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use std::ptr::{self, null, null_mut};

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSidToSidW, GetNamedSecurityInfoW, GetSecurityInfo,
    SE_FILE_OBJECT, SetSecurityInfo,
};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_REVISION, ACL_SIZE_INFORMATION, AclSizeInformation,
    AddAccessAllowedAceEx, CheckTokenMembership, DACL_SECURITY_INFORMATION, GetAce,
    GetAclInformation, GetLengthSid, GetSecurityDescriptorControl, GetTokenInformation,
    INHERIT_ONLY_ACE, INHERITED_ACE, InitializeAcl, PROTECTED_DACL_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, PSID, SE_DACL_PROTECTED, TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use super::acl::{self, AceKind, AceSpec, Dacl};

/// ACCESS_ALLOWED_ACE_TYPE and ACCESS_DENIED_ACE_TYPE.
const ALLOWED: u8 = 0;
const DENIED: u8 = 1;

// The platform-neutral rights must be the real ones.
const _: () = {
    use windows_sys::Win32::Storage::FileSystem as fs;
    assert!(acl::FILE_ALL_ACCESS == fs::FILE_ALL_ACCESS);
    assert!(acl::SYNCHRONIZE == fs::SYNCHRONIZE);
    assert!(acl::READ_CONTROL == fs::READ_CONTROL);
    assert!(acl::FILE_READ_ATTRIBUTES == fs::FILE_READ_ATTRIBUTES);
};

/// Memory the system allocated with `LocalAlloc`, freed on drop.
struct LocalMem(*mut c_void);

impl Drop for LocalMem {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from an API that documents LocalFree.
            unsafe { LocalFree(self.0) };
        }
    }
}

struct Token(HANDLE);

impl Drop for Token {
    fn drop(&mut self) {
        // SAFETY: an open token handle, closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// A BOOL result, with the thread's last error on failure.
fn check(ok: i32) -> io::Result<()> {
    if ok != 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A WIN32_ERROR result.
fn check_code(code: u32) -> io::Result<()> {
    match code {
        0 => Ok(()),
        code => Err(io::Error::from_raw_os_error(code as i32)),
    }
}

fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(Some(0)).collect()
}

fn sid_from_string(sid: &str) -> io::Result<LocalMem> {
    let text = wide(OsStr::new(sid));
    let mut psid: PSID = null_mut();
    // SAFETY: a NUL-terminated string; psid receives a LocalAlloc'd SID.
    check(unsafe { ConvertStringSidToSidW(text.as_ptr(), &mut psid) })?;
    Ok(LocalMem(psid))
}

/// # Safety
/// `sid` points to a valid SID.
unsafe fn sid_to_string(sid: PSID) -> io::Result<String> {
    let mut text: *mut u16 = null_mut();
    // SAFETY: the caller guarantees the SID; text receives a LocalAlloc'd string.
    check(unsafe { ConvertSidToStringSidW(sid, &mut text) })?;
    let _free = LocalMem(text.cast());
    // SAFETY: the string is NUL-terminated.
    let len = (0..).take_while(|&i| unsafe { *text.add(i) } != 0).count();
    // SAFETY: `len` u16s before the NUL.
    let units = unsafe { std::slice::from_raw_parts(text, len) };
    Ok(String::from_utf16_lossy(units))
}

/// Replaces the DACL of an open file (opened with WRITE_DAC) with `aces`,
/// protected from inheritance.
fn set_dacl(handle: HANDLE, aces: &[AceSpec]) -> io::Result<()> {
    if aces
        .iter()
        .any(|a| a.kind != AceKind::Allow || a.inherited || a.inherit_only)
    {
        return Err(io::Error::other("only explicit allow entries are written"));
    }
    let sids = aces
        .iter()
        .map(|a| sid_from_string(&a.sid))
        .collect::<io::Result<Vec<_>>>()?;
    // Each entry: the ACE without its SidStart placeholder, then the SID.
    let entry = size_of::<ACCESS_ALLOWED_ACE>() - size_of::<u32>();
    // SAFETY: each SID was just parsed.
    let sid_bytes: usize = sids
        .iter()
        .map(|s| unsafe { GetLengthSid(s.0) } as usize)
        .sum();
    let size = size_of::<ACL>() + aces.len() * entry + sid_bytes;
    // u32s keep the ACL DWORD-aligned, as required.
    let mut buf = vec![0u32; size.div_ceil(4)];
    let list = buf.as_mut_ptr().cast::<ACL>();
    // SAFETY: the buffer is as long as told and aligned.
    check(unsafe { InitializeAcl(list, (buf.len() * 4) as u32, ACL_REVISION) })?;
    for (ace, sid) in aces.iter().zip(&sids) {
        // SAFETY: an initialized ACL with room for every entry.
        check(unsafe { AddAccessAllowedAceEx(list, ACL_REVISION, 0, ace.mask, sid.0) })?;
    }
    let what = DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION;
    // SAFETY: a live file handle and a valid ACL; owner, group and SACL untouched.
    check_code(unsafe {
        SetSecurityInfo(
            handle,
            SE_FILE_OBJECT,
            what,
            null_mut(),
            null_mut(),
            list,
            null(),
        )
    })
}

/// # Safety
/// `sd` is a valid security descriptor and `dacl` its DACL (or null).
unsafe fn parse(sd: PSECURITY_DESCRIPTOR, dacl: *const ACL) -> io::Result<Dacl> {
    let (mut control, mut revision) = (0u16, 0u32);
    // SAFETY: per the caller.
    check(unsafe { GetSecurityDescriptorControl(sd, &mut control, &mut revision) })?;
    let protected = control & SE_DACL_PROTECTED != 0;
    if dacl.is_null() {
        // No DACL at all lets everyone in.
        return Ok(Dacl {
            protected,
            aces: vec![AceSpec::allow(acl::EVERYONE, acl::FILE_ALL_ACCESS)],
        });
    }
    let mut info = ACL_SIZE_INFORMATION::default();
    // SAFETY: a valid ACL and a buffer of the size told.
    check(unsafe {
        GetAclInformation(
            dacl,
            (&raw mut info).cast(),
            size_of::<ACL_SIZE_INFORMATION>() as u32,
            AclSizeInformation,
        )
    })?;
    let aces = (0..info.AceCount)
        // SAFETY: indices below the ACL's count.
        .map(|i| unsafe { ace_at(dacl, i) })
        .collect::<io::Result<Vec<_>>>()?;
    Ok(Dacl { protected, aces })
}

/// # Safety
/// `dacl` is a valid ACL with more than `index` entries.
unsafe fn ace_at(dacl: *const ACL, index: u32) -> io::Result<AceSpec> {
    let mut ace: *mut c_void = null_mut();
    // SAFETY: per the caller.
    check(unsafe { GetAce(dacl, index, &mut ace) })?;
    // SAFETY: every entry starts with a header.
    let header = unsafe { ptr::read_unaligned(ace.cast::<ACE_HEADER>()) };
    let flags = u32::from(header.AceFlags);
    let kind = match header.AceType {
        ALLOWED => AceKind::Allow,
        DENIED => AceKind::Deny,
        other => AceKind::Other(other),
    };
    let (mask, sid) = match kind {
        // Other layouts are not read: the checks reject them anyway.
        AceKind::Other(_) => (0, String::new()),
        AceKind::Allow | AceKind::Deny => {
            // Allow and deny entries share one layout: header, mask, SID.
            let body = ace.cast::<ACCESS_ALLOWED_ACE>();
            // SAFETY: the entry has that layout; the SID starts at SidStart.
            let mask = unsafe { ptr::read_unaligned(&raw const (*body).Mask) };
            // SAFETY: as above.
            let sid = unsafe { sid_to_string((&raw mut (*body).SidStart).cast())? };
            (mask, sid)
        }
    };
    Ok(AceSpec {
        kind,
        sid,
        mask,
        inherited: flags & INHERITED_ACE != 0,
        inherit_only: flags & INHERIT_ONLY_ACE != 0,
    })
}

fn dacl_of_handle(handle: HANDLE) -> io::Result<Dacl> {
    let (mut dacl, mut sd): (*mut ACL, PSECURITY_DESCRIPTOR) = (null_mut(), null_mut());
    // SAFETY: a live handle opened with READ_CONTROL; sd is LocalAlloc'd.
    check_code(unsafe {
        GetSecurityInfo(
            handle,
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            &mut dacl,
            null_mut(),
            &mut sd,
        )
    })?;
    let _free = LocalMem(sd);
    // SAFETY: both from GetSecurityInfo; dacl points into sd.
    unsafe { parse(sd, dacl) }
}

fn dacl_of_path(path: &Path) -> io::Result<Dacl> {
    let name = wide(path.as_os_str());
    let (mut dacl, mut sd): (*mut ACL, PSECURITY_DESCRIPTOR) = (null_mut(), null_mut());
    // SAFETY: a NUL-terminated path; sd is LocalAlloc'd.
    check_code(unsafe {
        GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            &mut dacl,
            null_mut(),
            &mut sd,
        )
    })?;
    let _free = LocalMem(sd);
    // SAFETY: both from GetNamedSecurityInfoW; dacl points into sd.
    unsafe { parse(sd, dacl) }
}

fn process_is_admin() -> io::Result<bool> {
    let admins = sid_from_string(acl::ADMINISTRATORS)?;
    let mut member = 0;
    // SAFETY: a null token means this thread's (or process's) own token.
    check(unsafe { CheckTokenMembership(null_mut(), admins.0, &mut member) })?;
    Ok(member != 0)
}

fn process_user() -> io::Result<String> {
    let mut handle: HANDLE = null_mut();
    // SAFETY: the pseudo handle of this process; a token handle comes back.
    check(unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut handle) })?;
    let token = Token(handle);
    let mut len = 0u32;
    // SAFETY: asks for the size only; this call fails by design.
    unsafe { GetTokenInformation(token.0, TokenUser, null_mut(), 0, &mut len) };
    if len == 0 {
        return Err(io::Error::last_os_error());
    }
    // u64s: aligned for TOKEN_USER and the SID after it.
    let mut buf = vec![0u64; (len as usize).div_ceil(8)];
    // SAFETY: a buffer of at least `len` bytes.
    check(unsafe {
        GetTokenInformation(token.0, TokenUser, buf.as_mut_ptr().cast(), len, &mut len)
    })?;
    // SAFETY: the buffer now holds a TOKEN_USER whose SID points into it.
    let user = unsafe { ptr::read_unaligned(buf.as_ptr().cast::<TOKEN_USER>()) };
    // SAFETY: that SID lives in `buf`, alive here.
    unsafe { sid_to_string(user.User.Sid) }
}

/// Who may read a private file written by this process.
fn readers() -> io::Result<Vec<String>> {
    let admin = process_is_admin()?;
    let user = if admin { None } else { Some(process_user()?) };
    Ok(acl::private_readers(admin, user.as_deref()))
}

/// Gives an open, still empty file the private DACL.
pub fn make_private(file: &File) -> io::Result<()> {
    set_dacl(file.as_raw_handle(), &acl::private_acl(&readers()?))
}

/// Reads the DACL of a file just written back, and refuses it unless it is
/// exactly the private one.
pub fn check_private(file: &File) -> io::Result<()> {
    let dacl = dacl_of_handle(file.as_raw_handle())?;
    acl::check_written(&dacl, &readers()?).map_err(|why| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing to save a private file whose permissions are not as required: {why}"),
        )
    })
}

/// Whether only the private readers can read the file at `path`.
pub fn is_private(path: &Path) -> io::Result<bool> {
    Ok(acl::acl_is_private(&dacl_of_path(path)?.aces, &readers()?))
}
