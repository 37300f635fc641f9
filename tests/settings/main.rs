//! The settings files: INI round trips and properties, Calendar.ini, the
//! sealed credentials and the OAuth2 credentials test. Runs on Windows.

#[path = "../support/mod.rs"]
mod support;

mod calendar;
mod cloud_saved;
mod cloud_token;
mod credentials;
mod ini_props;
mod ini_roundtrip;
mod presence;
mod seal;
