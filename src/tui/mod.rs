//! The full-screen interface (SPEC §5).
