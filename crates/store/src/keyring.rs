//! The keyring: the data key that seals My Numbers (AES-256-GCM), the blind-index
//! key (HMAC-SHA256) and the audit-chain key (HMAC-SHA256), in a 0600 file.

use std::path::Path;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use vrs_domain::{MunicipalityCode, MyNumber};

use crate::output::OutputFile;
use crate::StoreError;

/// The secret keys of one vrs instance. `Debug` shows no key material.
pub struct Keyring {
    fingerprint: String,
    data: LessSafeKey,
    index: hmac::Key,
    audit: hmac::Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(..)")
    }
}

#[derive(Serialize, Deserialize)]
struct KeyringFile {
    format: String,
    data_key: String,
    index_key: String,
    audit_key: String,
}

const FORMAT: &str = "vrs-keyring-1";

/// Length of a sealed My Number: nonce ‖ 12 ciphertext bytes ‖ 16-byte tag.
pub const SEALED_LEN: usize = NONCE_LEN + 12 + 16;

impl Keyring {
    /// Builds a keyring from an integrator's own 32-byte keys.
    pub fn from_keys(data: [u8; 32], index: [u8; 32], audit: [u8; 32]) -> Result<Self, StoreError> {
        let unbound = UnboundKey::new(&AES_256_GCM, &data).map_err(|_| StoreError::Keyring {
            reason: "data key rejected".into(),
        })?;
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"vrs-keyring-fingerprint-1\0");
        for k in [&data, &index, &audit] {
            ctx.update(k);
        }
        Ok(Self {
            fingerprint: hex::encode(ctx.finish()),
            data: LessSafeKey::new(unbound),
            index: hmac::Key::new(hmac::HMAC_SHA256, &index),
            audit: hmac::Key::new(hmac::HMAC_SHA256, &audit),
            rng: SystemRandom::new(),
        })
    }

    /// Creates new random keys and writes them to `path` with mode 0600.
    /// Refuses to overwrite an existing file.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        let rng = SystemRandom::new();
        let mut keys = [[0u8; 32]; 3];
        for k in &mut keys {
            rng.fill(k).map_err(|_| StoreError::Keyring {
                reason: "no randomness".into(),
            })?;
        }
        let file = KeyringFile {
            format: FORMAT.into(),
            data_key: hex::encode(keys[0]),
            index_key: hex::encode(keys[1]),
            audit_key: hex::encode(keys[2]),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| StoreError::Keyring {
            reason: e.to_string(),
        })?;
        // Complete or absent, never half-written: a parallel `vrs init` either
        // finds the whole file or creates its own first.
        let mut out = OutputFile::create(path, false, &[])?;
        out.write_all(text.as_bytes())?;
        out.commit()?;
        Self::from_keys(keys[0], keys[1], keys[2])
    }

    /// Loads a keyring file, refusing one that others can read.
    pub fn load(path: &Path) -> Result<Self, StoreError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(StoreError::Keyring {
                    reason: format!("{} has mode {mode:o}; it must be 0600", path.display()),
                });
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| StoreError::io(path, e))?;
        let file: KeyringFile = serde_json::from_str(&text).map_err(|e| StoreError::Keyring {
            reason: format!("{}: {e}", path.display()),
        })?;
        if file.format != FORMAT {
            return Err(StoreError::Keyring {
                reason: format!("unknown keyring format {:?}", file.format),
            });
        }
        let key = |hexed: &str, name: &str| -> Result<[u8; 32], StoreError> {
            let bytes = hex::decode(hexed).ok().filter(|b| b.len() == 32);
            bytes
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| StoreError::Keyring {
                    reason: format!("{name} must be 32 bytes of hex"),
                })
        };
        Self::from_keys(
            key(&file.data_key, "data_key")?,
            key(&file.index_key, "index_key")?,
            key(&file.audit_key, "audit_key")?,
        )
    }

    /// The keyring's fingerprint: SHA-256 over a label and all three keys. The
    /// database records it, so a keyring that is not the database's own (another
    /// data dir's, a new one, a damaged key) is refused before any use.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The blind index of a My Number: HMAC-SHA256 under the index key. Equal numbers
    /// give equal indexes, so lookups work without decrypting; the index reveals
    /// nothing without the key.
    pub fn blind_index(&self, n: &MyNumber) -> [u8; 32] {
        let tag = hmac::sign(&self.index, n.expose().as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Seals a My Number under the data key with a random nonce; the municipality
    /// is bound as associated data, so a sealed value moved to another partition
    /// no longer opens.
    pub fn seal(
        &self,
        n: &MyNumber,
        municipality: MunicipalityCode,
    ) -> Result<Vec<u8>, StoreError> {
        self.seal_bytes(n.expose().as_bytes(), &municipality.as_u32().to_be_bytes())
    }

    /// Opens a sealed My Number of `municipality`'s partition.
    pub fn open(
        &self,
        sealed: &[u8],
        municipality: MunicipalityCode,
    ) -> Result<MyNumber, StoreError> {
        let corrupt = || StoreError::Corrupt {
            what: "sealed my_number does not open (wrong key, partition or tampered row)".into(),
        };
        if sealed.len() != SEALED_LEN {
            return Err(corrupt());
        }
        let plain = self
            .open_bytes(sealed, &municipality.as_u32().to_be_bytes())
            .map_err(|_| corrupt())?;
        std::str::from_utf8(&plain)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(corrupt)
    }

    /// Seals arbitrary secret bytes (e.g. a signing key) under the data key with a
    /// random nonce, binding `context` as associated data: nonce ‖ ciphertext ‖ tag.
    pub fn seal_bytes(&self, data: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| StoreError::Keyring {
            reason: "no randomness".into(),
        })?;
        let mut out = Vec::with_capacity(NONCE_LEN + data.len() + 16);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(data);
        let tag = self
            .data
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut out[NONCE_LEN..],
            )
            .map_err(|_| StoreError::Keyring {
                reason: "sealing failed".into(),
            })?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Opens bytes sealed by [`Keyring::seal_bytes`] with the same `context`.
    pub fn open_bytes(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        let corrupt = || StoreError::Corrupt {
            what: "sealed secret does not open (wrong key, context or tampered row)".into(),
        };
        if sealed.len() < NONCE_LEN + 16 {
            return Err(corrupt());
        }
        let nonce =
            Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).map_err(|_| corrupt())?;
        let mut buf = sealed[NONCE_LEN..].to_vec();
        let plain = self
            .data
            .open_in_place(nonce, Aad::from(context), &mut buf)
            .map_err(|_| corrupt())?;
        Ok(plain.to_vec())
    }

    /// 32 fresh random bytes (new secrets such as revocation-id keys).
    pub fn random_32(&self) -> Result<[u8; 32], StoreError> {
        let mut out = [0u8; 32];
        self.rng.fill(&mut out).map_err(|_| StoreError::Keyring {
            reason: "no randomness".into(),
        })?;
        Ok(out)
    }

    /// MAC of an audit event (the chain link), under the audit key.
    pub(crate) fn audit_mac(&self, data: &[u8]) -> [u8; 32] {
        let tag = hmac::sign(&self.audit, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        Keyring::from_keys([1; 32], [2; 32], [3; 32]).unwrap()
    }

    #[test]
    fn a_sealed_my_number_opens_only_in_its_partition() {
        let k = ring();
        let n: MyNumber = "123456789018".parse().unwrap();
        let a: MunicipalityCode = "131016".parse().unwrap();
        let b: MunicipalityCode = "131041".parse().unwrap();
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
    fn sealing_twice_gives_different_ciphertexts_but_one_blind_index() {
        let k = ring();
        let n: MyNumber = "123456789018".parse().unwrap();
        let a: MunicipalityCode = "131016".parse().unwrap();
        assert_ne!(k.seal(&n, a).unwrap(), k.seal(&n, a).unwrap());
        assert_eq!(k.blind_index(&n), k.blind_index(&n));
        let other: MyNumber = "537686677188".parse().unwrap();
        assert_ne!(k.blind_index(&n), k.blind_index(&other));
    }

    #[test]
    fn a_keyring_file_is_created_0600_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring.json");
        let k = Keyring::create(&path).unwrap();
        let n: MyNumber = "123456789018".parse().unwrap();
        let a: MunicipalityCode = "131016".parse().unwrap();
        let sealed = k.seal(&n, a).unwrap();
        let again = Keyring::load(&path).unwrap();
        assert_eq!(again.open(&sealed, a).unwrap(), n);
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
}
