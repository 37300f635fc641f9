//! The application log: entries, tails, following across rotations, history
//! and sanitising. Runs on Windows.

mod entry;
mod follow;
mod history;
mod sanitize;
mod tail;
