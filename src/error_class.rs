//! What kind of failure an error is, apart from the errors themselves: the
//! core's own error types (`ini`, `node`) say their class without depending
//! on the crate-wide error, which is made of them.

/// What kind of failure an error is; the faces map this to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// I/O, network, authentication, decryption: exit 1.
    Failed,
    /// Usage or validation: nothing was written, exit 2.
    Invalid,
    /// The file changed on the node after it was read: nothing was written, exit 3.
    Conflict,
}

impl ErrorClass {
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorClass::Failed => 1,
            ErrorClass::Invalid => 2,
            ErrorClass::Conflict => 3,
        }
    }
}
