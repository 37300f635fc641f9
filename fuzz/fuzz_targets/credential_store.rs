//! The credential store parser on arbitrary bytes: it never panics; what it
//! accepts serializes and parses back to the same store; sealed values read
//! from arbitrary text never panic and round-trip through their text form.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ucsconf::settings::credentials::Store;
use ucsconf::settings::seal::{NodeKey, SealError, Sealed};

fuzz_target!(|data: &[u8]| {
    store(data);
    if let Ok(text) = std::str::from_utf8(data) {
        sealed(text);
    }
});

fn store(data: &[u8]) {
    let Ok(store) = Store::parse(data) else {
        return;
    };
    let bytes = store.to_bytes();
    let again = Store::parse(&bytes).expect("a store this program wrote parses");
    assert_eq!(again, store, "the store changed through to_bytes and parse");
    assert_eq!(again.to_bytes(), bytes, "serializing is not stable");
    // Opening with a key that sealed nothing must fail cleanly, never panic.
    let key = NodeKey::from_bytes(&[7; 32]).expect("32 bytes");
    if store.client_id().is_some() {
        assert!(matches!(store.open_secret(&key), Err(SealError::Decrypt)));
    }
    let _ = store.open_proxy_password(&key);
    let _ = store.status_line();
    let _ = store.proxy();
}

fn sealed(text: &str) {
    let Ok(sealed) = Sealed::from_text(text) else {
        return;
    };
    let again = Sealed::from_text(&sealed.to_text()).expect("its own text form parses");
    assert_eq!(again, sealed);
}
