//! Sealing the My Numbers of one municipality one after another (a resident
//! import): the municipality's keys looked up once, and the nonces drawn from
//! the system's random source a block at a time instead of by one system call
//! per number. Every nonce is still fresh randomness, used once.

use std::sync::Arc;

use ring::aead::NONCE_LEN;
use ring::rand::SecureRandom;
use vrs_domain::{MunicipalityCode, MyNumber};

use super::{index_with, no_randomness, seal_under, Keyring, ScopeKey};
use crate::StoreError;

/// Nonces drawn at once.
const BLOCK: usize = 256;

/// Seals and blind-indexes My Numbers under one municipality's keys, exactly
/// as [`Keyring::seal`] and [`Keyring::blind_index`] do.
pub(crate) struct Sealer<'k> {
    keyring: &'k Keyring,
    key: Arc<ScopeKey>,
    context: [u8; 4],
    nonces: Box<[u8]>,
    next: usize,
}

impl Keyring {
    /// A sealer for `municipality`'s My Numbers (its keys created, and the
    /// keyring file written, when it first needs them).
    pub(crate) fn sealer(&self, municipality: MunicipalityCode) -> Result<Sealer<'_>, StoreError> {
        Ok(Sealer {
            keyring: self,
            key: self.key_for(municipality.as_u32())?,
            context: municipality.as_u32().to_be_bytes(),
            nonces: vec![0u8; NONCE_LEN * BLOCK].into_boxed_slice(),
            next: BLOCK,
        })
    }
}

impl Sealer<'_> {
    /// [`Keyring::seal`]: a fresh random nonce, the municipality bound as
    /// associated data.
    pub(crate) fn seal(&mut self, n: &MyNumber) -> Result<Vec<u8>, StoreError> {
        if self.next == BLOCK {
            self.keyring
                .rng
                .fill(&mut self.nonces)
                .map_err(|_| no_randomness())?;
            self.next = 0;
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&self.nonces[self.next * NONCE_LEN..][..NONCE_LEN]);
        self.next += 1;
        seal_under(&self.key, nonce, n.expose().as_bytes(), &self.context)
    }

    /// [`Keyring::blind_index`].
    pub(crate) fn blind_index(&self, n: &MyNumber) -> [u8; 32] {
        index_with(&self.key, n)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use vrs_domain::{MunicipalityCode, MyNumber};

    use crate::Keyring;

    #[test]
    fn a_sealer_seals_as_the_keyring_does_with_a_new_nonce_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Keyring::create(&dir.path().join("keyring.json")).unwrap();
        let m: MunicipalityCode = "131016".parse().unwrap();
        let other: MunicipalityCode = "131041".parse().unwrap();
        let n: MyNumber = "123456789018".parse().unwrap();
        let mut sealer = keys.sealer(m).unwrap();
        let mut nonces = HashSet::new();
        // More than one block of nonces.
        for i in 0..(super::BLOCK * 2 + 3) {
            let sealed = sealer.seal(&n).unwrap();
            assert_eq!(sealed.len(), crate::keyring::SEALED_LEN, "{i}");
            assert_eq!(keys.open(&sealed, m).unwrap(), n, "{i}");
            assert!(keys.open(&sealed, other).is_err(), "{i}: bound to {m}");
            assert!(nonces.insert(sealed[..12].to_vec()), "{i}: nonce reused");
        }
        assert_eq!(sealer.blind_index(&n), keys.blind_index(&n, m).unwrap());
        assert_ne!(sealer.blind_index(&n), keys.blind_index(&n, other).unwrap());
    }
}
