//! Credentials: argon2id password hashes (OWASP parameters), TOTP (RFC 6238),
//! random tokens and their SHA-256 digests. Secrets never appear in `Debug`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::{digest, hmac};

use crate::{Keyring, StoreError};

/// Argon2id memory cost in KiB (OWASP Password Storage Cheat Sheet: 19 MiB).
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id passes (OWASP: 2 at 19 MiB).
pub const ARGON2_PASSES: u32 = 2;
/// Argon2id lanes (OWASP: 1).
pub const ARGON2_LANES: u32 = 1;

/// The shortest password accepted (NIST SP 800-63B asks at least 8; we ask 12).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted, in bytes (bounds the hashing work).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// TOTP time step in seconds (RFC 6238 default).
pub const TOTP_STEP: i64 = 30;
/// TOTP code length.
pub const TOTP_DIGITS: u32 = 6;
/// Bytes of a new TOTP secret (RFC 4226 recommends 160 bits).
pub const TOTP_SECRET_LEN: usize = 20;

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a new password is not accepted (bad input: the message names the reason).
pub(crate) fn check_password(password: &str) -> Result<(), String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("longer than {MAX_PASSWORD_BYTES} bytes"));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("shorter than {MIN_PASSWORD_CHARS} characters"));
    }
    if password.chars().any(char::is_control) {
        return Err("holds a control character".into());
    }
    Ok(())
}

/// Hashes a password with argon2id and a fresh 128-bit salt, as a PHC string.
pub(crate) fn hash_password(keys: &Keyring, password: &str) -> Result<String, StoreError> {
    let salt_bytes = keys.random_32()?;
    let salt = SaltString::encode_b64(&salt_bytes[..16]).map_err(|e| StoreError::Keyring {
        reason: format!("salt: {e}"),
    })?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Keyring {
            reason: format!("argon2: {e}"),
        })?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`. An over-long password is
/// refused before any hashing; a stored hash that does not parse is corrupt data.
pub(crate) fn verify_password(hash: &str, password: &str) -> Result<bool, StoreError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(false);
    }
    let parsed = PasswordHash::new(hash).map_err(|e| StoreError::Corrupt {
        what: format!("password hash: {e}"),
    })?;
    Ok(argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A hash of a fixed password, verified against when the login is unknown so
/// that an unknown login takes as long as a wrong password.
pub(crate) fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let salt = SaltString::encode_b64(&[0x5a; 16]).ok()?;
        let hash = argon2().hash_password(b"vrs-dummy-password", &salt).ok()?;
        Some(hash.to_string())
    });
    if let Some(hash) = dummy {
        let _ = verify_password(hash, password);
    }
}

/// The RFC 6238 TOTP code of `secret` at time step `step` (HMAC-SHA-1, dynamic
/// truncation of RFC 4226), with `digits` digits.
pub fn totp_code(secret: &[u8], step: i64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    let code = bin % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The time step of a Unix time.
pub(crate) fn totp_step(unix: i64) -> i64 {
    unix.div_euclid(TOTP_STEP)
}

/// The step (now, one before or one after: RFC 6238's allowance for clock drift)
/// whose code `code` is, if any. Compares in constant time.
pub(crate) fn totp_match(secret: &[u8], unix: i64, code: &str) -> Option<i64> {
    if code.len() != TOTP_DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = totp_step(unix);
    let mut found = None;
    for step in [now - 1, now, now + 1] {
        if constant_time_eq(
            totp_code(secret, step, TOTP_DIGITS).as_bytes(),
            code.as_bytes(),
        ) {
            found = Some(step);
        }
    }
    found
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A TOTP secret as authenticator apps take it: base32 (RFC 4648) without padding.
pub(crate) fn base32(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// A new random token: `prefix` then 256 random bits in hex.
pub(crate) fn new_token(keys: &Keyring, prefix: &str) -> Result<String, StoreError> {
    Ok(format!("{prefix}{}", hex::encode(keys.random_32()?)))
}

/// The SHA-256 of a token: what the store keeps instead of the token.
pub(crate) fn token_hash(token: &str) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII "12345678901234567890".
    #[test]
    fn totp_matches_the_rfc_6238_sha1_test_vectors() {
        let seed = b"12345678901234567890";
        for (time, want) in [
            (59i64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(totp_code(seed, totp_step(time), 8), want, "time {time}");
            // Six digits are the last six of the eight (the code is taken modulo 10^d).
            assert_eq!(
                totp_code(seed, totp_step(time), 6),
                want[2..],
                "time {time}"
            );
        }
    }

    #[test]
    fn a_totp_code_is_accepted_one_step_either_side_and_no_further() {
        let seed = b"12345678901234567890";
        let now = 1_111_111_111;
        let step = totp_step(now);
        for (delta, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = totp_code(seed, step + delta, TOTP_DIGITS);
            let got = totp_match(seed, now, &code);
            assert_eq!(got.is_some(), accepted, "step delta {delta}");
            if accepted {
                assert_eq!(got, Some(step + delta), "step delta {delta}");
            }
        }
        for bad in ["", "12345", "1234567", "12345a", " 50471"] {
            assert_eq!(totp_match(seed, now, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn base32_is_rfc_4648_without_padding() {
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(base32(b"f"), "MY");
    }

    #[test]
    fn passwords_hash_with_argon2id_at_owasp_parameters_and_verify() {
        let keys = Keyring::from_keys([1; 32], [2; 32], [3; 32]).unwrap();
        let hash = hash_password(&keys, "correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(&hash, "correct horse battery").unwrap());
        assert!(!verify_password(&hash, "correct horse batterz").unwrap());
        let again = hash_password(&keys, "correct horse battery").unwrap();
        assert_ne!(hash, again, "a fresh salt each time");
        assert!(verify_password("not a hash", "x").is_err());
    }

    #[test]
    fn new_passwords_are_checked() {
        for (pw, want) in [
            ("twelve chars", Ok(())),
            ("elevenchars", Err("shorter than 12 characters".to_string())),
            ("パスワードパスワードパスワ", Ok(())),
            (
                "tab\tinside the password",
                Err("holds a control character".into()),
            ),
        ] {
            assert_eq!(check_password(pw), want, "{pw:?}");
        }
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(
            check_password(&long),
            Err(format!("longer than {MAX_PASSWORD_BYTES} bytes"))
        );
    }

    #[test]
    fn tokens_are_256_bit_hex_and_only_their_hash_is_kept() {
        let keys = Keyring::from_keys([1; 32], [2; 32], [3; 32]).unwrap();
        let a = new_token(&keys, "vrss_").unwrap();
        let b = new_token(&keys, "vrss_").unwrap();
        assert_eq!(a.len(), 5 + 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
