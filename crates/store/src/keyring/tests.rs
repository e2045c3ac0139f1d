//! Tests of the keyring: per-municipality keys, erasure, version-1 files.

use super::*;

fn ring() -> Keyring {
    Keyring::from_keys([1; 32], [2; 32], [3; 32]).unwrap()
}

fn code(s: &str) -> MunicipalityCode {
    s.parse().unwrap()
}

#[test]
fn a_sealed_my_number_opens_only_in_its_partition() {
    let k = ring();
    let n: MyNumber = "123456789018".parse().unwrap();
    let (a, b) = (code("131016"), code("131041"));
    let sealed = k.seal(&n, a).unwrap();
    assert_eq!(sealed.len(), SEALED_LEN);
    assert!(!sealed.windows(12).any(|w| w == b"123456789018"));
    assert_eq!(k.open(&sealed, a).unwrap(), n);
    assert!(k.open(&sealed, b).is_err());
    let mut tampered = sealed.clone();
    tampered[20] ^= 1;
    assert!(k.open(&tampered, a).is_err());
}

#[test]
fn sealing_twice_gives_different_ciphertexts_but_one_blind_index_per_municipality() {
    let k = ring();
    let n: MyNumber = "123456789018".parse().unwrap();
    let (a, b) = (code("131016"), code("131041"));
    assert_ne!(k.seal(&n, a).unwrap(), k.seal(&n, a).unwrap());
    assert_eq!(k.blind_index(&n, a).unwrap(), k.blind_index(&n, a).unwrap());
    assert_ne!(k.blind_index(&n, a).unwrap(), k.blind_index(&n, b).unwrap());
    let other: MyNumber = "537686677188".parse().unwrap();
    assert_ne!(
        k.blind_index(&n, a).unwrap(),
        k.blind_index(&other, a).unwrap()
    );
}

#[test]
fn a_keyring_file_is_created_0600_and_loads_back_with_its_municipality_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.json");
    let k = Keyring::create(&path).unwrap();
    let n: MyNumber = "123456789018".parse().unwrap();
    let a = code("131016");
    let sealed = k.seal(&n, a).unwrap();
    let index = k.blind_index(&n, a).unwrap();
    let again = Keyring::load(&path).unwrap();
    assert_eq!(again.open(&sealed, a).unwrap(), n);
    assert_eq!(again.blind_index(&n, a).unwrap(), index);
    assert_eq!(again.fingerprint(), k.fingerprint());
    assert_eq!(again.audit_public_key(), k.audit_public_key());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Keyring::load(&path).is_err());
    }
    assert!(Keyring::create(&path).is_err(), "must not overwrite");
}

#[test]
fn m_13_erasing_a_municipality_destroys_its_key_in_the_file_and_spares_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.json");
    let k = Keyring::create(&path).unwrap();
    let n: MyNumber = "123456789018".parse().unwrap();
    let (a, b) = (code("131016"), code("131041"));
    let (sa, sb) = (k.seal(&n, a).unwrap(), k.seal(&n, b).unwrap());
    assert!(k.erase(a).unwrap());
    assert!(!k.erase(a).unwrap(), "nothing left to erase");
    assert!(k.open(&sa, a).is_err());
    assert_eq!(k.open(&sb, b).unwrap(), n);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("131016"),
        "the erased key is gone from the file"
    );
    let again = Keyring::load(&path).unwrap();
    assert!(!again.has_municipality_key(a).unwrap());
    assert!(again.open(&sa, a).is_err());
    assert_eq!(again.open(&sb, b).unwrap(), n);
    // A new key for the same code (a new contract) does not open the old rows.
    let _ = again.seal(&n, a).unwrap();
    assert!(again.open(&sa, a).is_err());
}

#[test]
fn a_derived_keyring_is_stable_without_a_file_and_cannot_erase() {
    let n: MyNumber = "123456789018".parse().unwrap();
    let a = code("131016");
    let sealed = ring().seal(&n, a).unwrap();
    assert_eq!(ring().open(&sealed, a).unwrap(), n);
    assert!(ring().erase(a).is_err());
}

#[test]
fn a_version_1_file_loads_with_its_fingerprint_and_legacy_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.json");
    let v1 = serde_json::json!({
        "format": "vrs-keyring-1",
        "data_key": hex::encode([1u8; 32]),
        "index_key": hex::encode([2u8; 32]),
        "audit_key": hex::encode([3u8; 32]),
    });
    let mut out = OutputFile::create(&path, false, &[]).unwrap();
    out.write_all(v1.to_string().as_bytes()).unwrap();
    out.commit().unwrap();
    let k = Keyring::load(&path).unwrap();
    assert_eq!(k.fingerprint(), ring().fingerprint());
    assert!(k.has_legacy().unwrap());
    let n: MyNumber = "123456789018".parse().unwrap();
    let a = code("131016");
    let sealed = ring().seal_legacy(&n, a).unwrap();
    assert_eq!(k.open_legacy(&sealed, a).unwrap(), n);
    k.drop_legacy().unwrap();
    let again = Keyring::load(&path).unwrap();
    assert!(!again.has_legacy().unwrap());
    assert_eq!(again.fingerprint(), ring().fingerprint());
}

#[test]
fn an_audit_head_signature_verifies_under_the_published_key_only() {
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
    let k = ring();
    let sig = k.audit_sign(b"head").unwrap();
    let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, k.audit_public_key());
    assert!(public.verify(b"head", &sig).is_ok());
    assert!(public.verify(b"heap", &sig).is_err());
    let other = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, ring().audit_public_key());
    assert!(other.verify(b"head", &sig).is_err());
}
