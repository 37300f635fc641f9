//! Sealing: round trips, tamper detection, text form, and that nothing
//! secret leaks through `Debug`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use proptest::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use ucsconf::settings::calendar::Password;
use ucsconf::settings::seal::{KEY_LEN, NodeKey, SealError, Sealed, open, seal};

const AAD: &[u8] = b"ucsconf/test/v1\0id";

fn secret(text: &str) -> SecretString {
    SecretString::from(text)
}

fn sealed_sample(key: &NodeKey) -> Sealed {
    seal(key, &secret("correct horse battery staple"), AAD)
}

#[test]
fn round_trip_with_associated_data() {
    let key = NodeKey::generate();
    let sealed = sealed_sample(&key);
    let opened = open(&key, &sealed, AAD).unwrap();
    assert_eq!(opened.expose_secret(), "correct horse battery staple");
}

#[test]
fn key_survives_its_bytes() {
    let key = NodeKey::generate();
    let again = NodeKey::from_bytes(key.as_bytes()).unwrap();
    let sealed = sealed_sample(&key);
    assert!(open(&again, &sealed, AAD).is_ok());
    assert_eq!(key.as_bytes().len(), KEY_LEN);
}

#[test]
fn every_flipped_ciphertext_bit_fails() {
    let key = NodeKey::generate();
    let sealed = sealed_sample(&key);
    for byte in 0..sealed.ciphertext.len() {
        for bit in [0, 3, 7] {
            let mut bad = sealed.clone();
            bad.ciphertext[byte] ^= 1 << bit;
            assert!(
                matches!(open(&key, &bad, AAD), Err(SealError::Decrypt)),
                "byte {byte} bit {bit} went unnoticed"
            );
        }
    }
}

#[test]
fn every_flipped_nonce_bit_fails() {
    let key = NodeKey::generate();
    let sealed = sealed_sample(&key);
    for byte in 0..sealed.nonce.len() {
        let mut bad = sealed.clone();
        bad.nonce[byte] ^= 0x10;
        assert!(matches!(open(&key, &bad, AAD), Err(SealError::Decrypt)));
    }
}

#[test]
fn truncated_or_extended_ciphertext_fails() {
    let key = NodeKey::generate();
    let sealed = sealed_sample(&key);
    let mut short = sealed.clone();
    short.ciphertext.pop();
    assert!(matches!(open(&key, &short, AAD), Err(SealError::Decrypt)));
    let mut long = sealed;
    long.ciphertext.push(0);
    assert!(matches!(open(&key, &long, AAD), Err(SealError::Decrypt)));
}

#[test]
fn other_associated_data_fails() {
    let key = NodeKey::generate();
    let sealed = sealed_sample(&key);
    for other in [
        &b""[..],
        b"ucsconf/test/v1\0ie",
        b"ucsconf/test/v2\0id",
        b"ucsconf/test/v1\0id\0",
    ] {
        assert!(matches!(
            open(&key, &sealed, other),
            Err(SealError::Decrypt)
        ));
    }
}

#[test]
fn other_key_fails() {
    let sealed = sealed_sample(&NodeKey::generate());
    assert!(matches!(
        open(&NodeKey::generate(), &sealed, AAD),
        Err(SealError::Decrypt)
    ));
}

#[test]
fn two_seals_of_one_secret_differ() {
    let key = NodeKey::generate();
    let a = sealed_sample(&key);
    let b = sealed_sample(&key);
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.ciphertext, b.ciphertext);
    assert_ne!(a.to_text(), b.to_text());
}

#[test]
fn text_form_is_v1_nonce_ciphertext_in_base64() {
    let key = NodeKey::generate();
    let sealed = sealed_sample(&key);
    let text = sealed.to_text();
    let parts: Vec<&str> = text.split(':').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], "v1");
    assert_eq!(BASE64.decode(parts[1]).unwrap(), sealed.nonce);
    assert_eq!(BASE64.decode(parts[2]).unwrap(), sealed.ciphertext);
    assert_eq!(Sealed::from_text(&text).unwrap(), sealed);
    assert!(!text.contains("horse"));
}

#[test]
fn malformed_text_is_refused() {
    let nonce = BASE64.encode([1u8; 12]);
    let ct = BASE64.encode([2u8; 32]);
    let cases = [
        String::new(),
        "v1".to_owned(),
        format!("v2:{nonce}:{ct}"),
        format!("{nonce}:{ct}"),
        format!("v1:{nonce}"),
        format!("v1:{nonce}:{ct}:extra"),
        format!("v1:!!!:{ct}"),
        format!("v1:{nonce}:%%%"),
        format!("v1:{}:{ct}", BASE64.encode([1u8; 11])),
        format!("v1:{}:{ct}", BASE64.encode([1u8; 16])),
        format!("v1:{nonce}:{}", BASE64.encode([2u8; 8])),
        "hunter2".to_owned(),
    ];
    for text in cases {
        match Sealed::from_text(&text) {
            Err(SealError::Malformed(why)) => {
                assert!(
                    !why.contains("hunter2"),
                    "the error echoes the input: {why}"
                );
            }
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

#[test]
fn bad_key_lengths_are_refused() {
    for len in [0, 16, 31, 33, 64] {
        match NodeKey::from_bytes(&vec![0u8; len]) {
            Err(SealError::BadKeyLength(n)) => assert_eq!(n, len),
            other => panic!("{len} bytes gave {other:?}"),
        }
    }
}

/// Renderings of bytes that a careless `Debug` would produce.
fn renderings(bytes: &[u8]) -> Vec<String> {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        format!("{bytes:?}"),
        format!("{:?}", &bytes[..4]),
        hex.clone(),
        hex.to_uppercase(),
        BASE64.encode(bytes),
    ]
}

#[test]
fn debug_of_a_key_shows_no_key_bytes() {
    let bytes: Vec<u8> = (101..133).collect();
    let key = NodeKey::from_bytes(&bytes).unwrap();
    let shown = format!("{key:?} {key:#?}");
    for r in renderings(&bytes) {
        assert!(!shown.contains(&r), "{shown} contains {r}");
    }
    assert!(!shown.contains("101"));
}

#[test]
fn debug_of_a_sealed_value_shows_neither_nonce_nor_ciphertext() {
    let key = NodeKey::generate();
    let sealed = sealed_sample(&key);
    let shown = format!("{sealed:?} {sealed:#?}");
    for r in renderings(&sealed.nonce)
        .into_iter()
        .chain(renderings(&sealed.ciphertext))
    {
        assert!(!shown.contains(&r), "{shown} contains {r}");
    }
}

#[test]
fn debug_of_passwords_and_errors_shows_no_secret() {
    let typed = Password::New(secret("Tr0ub4dor&3"));
    let shown = format!("{typed:?} {typed:#?}");
    assert!(!shown.contains("Tr0ub4dor"), "{shown}");
    let key = NodeKey::generate();
    let text = seal(&key, &secret("Tr0ub4dor&3"), AAD).to_text();
    let stored = Password::Sealed(text.clone());
    assert!(!format!("{stored:?}").contains(&text));
    let err = open(
        &NodeKey::generate(),
        &Sealed::from_text(&text).unwrap(),
        AAD,
    )
    .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("Tr0ub4dor"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_secret_round_trips_through_text(text in ".*", aad in proptest::collection::vec(any::<u8>(), 0..40)) {
        let key = NodeKey::generate();
        let sealed = seal(&key, &secret(&text), &aad);
        let back = Sealed::from_text(&sealed.to_text()).unwrap();
        let opened = open(&key, &back, &aad).unwrap();
        prop_assert_eq!(opened.expose_secret(), text.as_str());
    }
}
