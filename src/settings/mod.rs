//! The domain: what each setting means, how it is validated, and how secrets are sealed.

pub mod calendar;
pub mod credentials;
pub mod form;
pub mod presence;
pub mod schema;
pub mod seal;
pub mod url;
