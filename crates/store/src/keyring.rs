//! The keyring: one data key per municipality (AES-256-GCM for My Numbers and
//! secrets, HMAC-SHA256 for the blind index), the operator's own keys, the
//! audit-chain key (HMAC-SHA256) and the audit-head signing key (ES256), in a
//! 0600 file, never in the database.
//!
//! A municipality's keys are created when it first needs one and written into
//! the keyring file (aside, then renamed) before anything sealed under them is
//! committed. Erasing a municipality (M-13) destroys its keys, so no copy of
//! the database made before can be read for it with this keyring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::{Deserialize, Serialize};
use vrs_domain::{MunicipalityCode, MyNumber};

use crate::output::OutputFile;
use crate::StoreError;

/// The data and blind-index keys of one scope (a municipality or the operator).
struct ScopeKey {
    raw: [[u8; 32]; 2],
    data: LessSafeKey,
    index: hmac::Key,
}

impl ScopeKey {
    fn new(data: [u8; 32], index: [u8; 32]) -> Result<Self, StoreError> {
        let unbound = UnboundKey::new(&AES_256_GCM, &data).map_err(|_| StoreError::Keyring {
            reason: "data key rejected".into(),
        })?;
        Ok(Self {
            raw: [data, index],
            data: LessSafeKey::new(unbound),
            index: hmac::Key::new(hmac::HMAC_SHA256, &index),
        })
    }

    fn to_file(&self) -> ScopeFile {
        ScopeFile {
            data_key: hex::encode(self.raw[0]),
            index_key: hex::encode(self.raw[1]),
        }
    }
}

/// Where municipality keys come from.
enum Source {
    /// Random keys kept in this keyring file (erasable).
    File(PathBuf),
    /// Derived from the integrator's root keys ([`Keyring::from_keys`]): stable
    /// without a file, but never erasable.
    Derived([[u8; 32]; 2]),
}

/// The secret keys of one vrs instance. `Debug` shows no key material.
pub struct Keyring {
    fingerprint: String,
    operator: ScopeKey,
    /// The one data key of a version-1 keyring, kept until the database is
    /// re-sealed under per-municipality keys.
    legacy: RwLock<Option<Arc<ScopeKey>>>,
    municipalities: RwLock<BTreeMap<u32, Arc<ScopeKey>>>,
    audit_raw: [u8; 32],
    audit: hmac::Key,
    signer_pkcs8: Vec<u8>,
    signer: EcdsaKeyPair,
    source: Source,
    rng: SystemRandom,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(..)")
    }
}

#[derive(Serialize, Deserialize)]
struct ScopeFile {
    data_key: String,
    index_key: String,
}

/// Version 1: one data key for everything.
#[derive(Deserialize)]
struct KeyringFileV1 {
    data_key: String,
    index_key: String,
    audit_key: String,
}

/// Version 2: the operator's keys, one pair per municipality, the audit keys.
#[derive(Serialize, Deserialize)]
struct KeyringFileV2 {
    format: String,
    fingerprint: String,
    operator: ScopeFile,
    audit_key: String,
    audit_signing_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    legacy: Option<ScopeFile>,
    municipalities: BTreeMap<String, ScopeFile>,
    /// HMAC-SHA256 under the audit key over the rest of the file (with `check`
    /// empty): a damaged or edited key is refused before any use.
    #[serde(default)]
    check: String,
}

impl KeyringFileV2 {
    fn check_value(&self, audit: &[u8; 32]) -> Result<String, StoreError> {
        let mut bare = serde_json::to_value(self).map_err(|e| StoreError::Keyring {
            reason: e.to_string(),
        })?;
        bare["check"] = "".into();
        let key = hmac::Key::new(hmac::HMAC_SHA256, audit);
        Ok(hex::encode(hmac::sign(&key, bare.to_string().as_bytes())))
    }
}

#[derive(Deserialize)]
struct FormatOnly {
    format: String,
}

const FORMAT_V1: &str = "vrs-keyring-1";
const FORMAT_V2: &str = "vrs-keyring-2";

/// Length of a sealed My Number: nonce ‖ 12 ciphertext bytes ‖ 16-byte tag.
pub const SEALED_LEN: usize = NONCE_LEN + 12 + 16;

fn no_randomness() -> StoreError {
    StoreError::Keyring {
        reason: "no randomness".into(),
    }
}

fn fingerprint_of(data: &[u8; 32], index: &[u8; 32], audit: &[u8; 32]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"vrs-keyring-fingerprint-1\0");
    for k in [data, index, audit] {
        ctx.update(k);
    }
    hex::encode(ctx.finish())
}

fn derive(root: &[u8; 32], label: &str, m: u32) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, root);
    let tag = hmac::sign(&key, format!("vrs-municipality-{label}-{m:06}").as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

fn key32(hexed: &str, name: &str) -> Result<[u8; 32], StoreError> {
    hex::decode(hexed)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| StoreError::Keyring {
            reason: format!("{name} must be 32 bytes of hex"),
        })
}

fn scope_from_file(f: &ScopeFile, name: &str) -> Result<ScopeKey, StoreError> {
    ScopeKey::new(
        key32(&f.data_key, &format!("{name}.data_key"))?,
        key32(&f.index_key, &format!("{name}.index_key"))?,
    )
}

fn new_signer(rng: &SystemRandom) -> Result<Vec<u8>, StoreError> {
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, rng)
        .map_err(|_| no_randomness())?;
    Ok(doc.as_ref().to_vec())
}

fn signer_from(pkcs8: &[u8], rng: &SystemRandom) -> Result<EcdsaKeyPair, StoreError> {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, rng).map_err(|_| {
        StoreError::Keyring {
            reason: "audit_signing_key is not a P-256 PKCS#8 key".into(),
        }
    })
}

impl Keyring {
    /// Builds a keyring from an integrator's own 32-byte keys. Municipality keys
    /// are derived from them (HMAC-SHA256), so such a keyring needs no file but
    /// cannot erase a municipality; the audit-head signing key is made fresh
    /// unless [`Keyring::with_audit_signing_key`] gives one.
    pub fn from_keys(data: [u8; 32], index: [u8; 32], audit: [u8; 32]) -> Result<Self, StoreError> {
        let rng = SystemRandom::new();
        let pkcs8 = new_signer(&rng)?;
        Self::assemble(Parts {
            fingerprint: fingerprint_of(&data, &index, &audit),
            operator: ScopeKey::new(data, index)?,
            legacy: Some(ScopeKey::new(data, index)?),
            municipalities: BTreeMap::new(),
            audit,
            pkcs8,
            source: Source::Derived([data, index]),
            rng,
        })
    }

    /// The same keyring with `pkcs8` (a P-256 key) as its audit-head signing key.
    pub fn with_audit_signing_key(mut self, pkcs8: &[u8]) -> Result<Self, StoreError> {
        self.signer = signer_from(pkcs8, &self.rng)?;
        self.signer_pkcs8 = pkcs8.to_vec();
        Ok(self)
    }

    fn assemble(p: Parts) -> Result<Self, StoreError> {
        let signer = signer_from(&p.pkcs8, &p.rng)?;
        Ok(Self {
            fingerprint: p.fingerprint,
            operator: p.operator,
            legacy: RwLock::new(p.legacy.map(Arc::new)),
            municipalities: RwLock::new(
                p.municipalities
                    .into_iter()
                    .map(|(m, k)| (m, Arc::new(k)))
                    .collect(),
            ),
            audit_raw: p.audit,
            audit: hmac::Key::new(hmac::HMAC_SHA256, &p.audit),
            signer_pkcs8: p.pkcs8,
            signer,
            source: p.source,
            rng: p.rng,
        })
    }

    /// Creates new random keys and writes them to `path` with mode 0600.
    /// Refuses to overwrite an existing file.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        let rng = SystemRandom::new();
        let mut keys = [[0u8; 32]; 3];
        for k in &mut keys {
            rng.fill(k).map_err(|_| no_randomness())?;
        }
        let pkcs8 = new_signer(&rng)?;
        let ring = Self::assemble(Parts {
            fingerprint: fingerprint_of(&keys[0], &keys[1], &keys[2]),
            operator: ScopeKey::new(keys[0], keys[1])?,
            legacy: None,
            municipalities: BTreeMap::new(),
            audit: keys[2],
            pkcs8,
            source: Source::File(path.to_owned()),
            rng,
        })?;
        // Complete or absent, never half-written: a parallel `vrs init` either
        // finds the whole file or creates its own first.
        ring.write_file(path, false, &BTreeMap::new())?;
        Ok(ring)
    }

    /// Loads a keyring file, refusing one that others can read. A version-1 file
    /// (one data key for all) loads with that key as its legacy key; opening the
    /// database re-seals it per municipality and rewrites the file.
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
        let bad = |e: serde_json::Error| StoreError::Keyring {
            reason: format!("{}: {e}", path.display()),
        };
        let format: FormatOnly = serde_json::from_str(&text).map_err(bad)?;
        let rng = SystemRandom::new();
        let parts = match format.format.as_str() {
            FORMAT_V1 => {
                let f: KeyringFileV1 = serde_json::from_str(&text).map_err(bad)?;
                let (data, index, audit) = (
                    key32(&f.data_key, "data_key")?,
                    key32(&f.index_key, "index_key")?,
                    key32(&f.audit_key, "audit_key")?,
                );
                // The operator gets fresh keys: the legacy key is dropped once
                // the database is re-sealed, and with it every old copy's secrets.
                let mut op = [[0u8; 32]; 2];
                for k in &mut op {
                    rng.fill(k).map_err(|_| no_randomness())?;
                }
                let pkcs8 = new_signer(&rng)?;
                Parts {
                    fingerprint: fingerprint_of(&data, &index, &audit),
                    operator: ScopeKey::new(op[0], op[1])?,
                    legacy: Some(ScopeKey::new(data, index)?),
                    municipalities: BTreeMap::new(),
                    audit,
                    pkcs8,
                    source: Source::File(path.to_owned()),
                    rng,
                }
            }
            FORMAT_V2 => {
                let f: KeyringFileV2 = serde_json::from_str(&text).map_err(bad)?;
                let audit = key32(&f.audit_key, "audit_key")?;
                if f.check_value(&audit)? != f.check {
                    return Err(StoreError::Keyring {
                        reason: format!(
                            "{}: the keyring is damaged or edited (its check does not verify): \
                             restore the keyring.json made with this database from its backup",
                            path.display()
                        ),
                    });
                }
                let mut municipalities = BTreeMap::new();
                for (code, k) in &f.municipalities {
                    let m: MunicipalityCode = code.parse().map_err(|_| StoreError::Keyring {
                        reason: format!("{code:?} is not a municipality code"),
                    })?;
                    municipalities.insert(m.as_u32(), scope_from_file(k, code)?);
                }
                let pkcs8 = hex::decode(&f.audit_signing_key).map_err(|_| StoreError::Keyring {
                    reason: "audit_signing_key must be hex".into(),
                })?;
                Parts {
                    fingerprint: f.fingerprint,
                    operator: scope_from_file(&f.operator, "operator")?,
                    legacy: f
                        .legacy
                        .as_ref()
                        .map(|l| scope_from_file(l, "legacy"))
                        .transpose()?,
                    municipalities,
                    audit,
                    pkcs8,
                    source: Source::File(path.to_owned()),
                    rng,
                }
            }
            other => {
                return Err(StoreError::Keyring {
                    reason: format!("unknown keyring format {other:?}"),
                })
            }
        };
        Self::assemble(parts)
    }

    /// Writes the whole keyring (with `municipalities`) to `path`, aside then renamed.
    fn write_file(
        &self,
        path: &Path,
        replace: bool,
        municipalities: &BTreeMap<u32, Arc<ScopeKey>>,
    ) -> Result<(), StoreError> {
        let legacy = self
            .legacy
            .read()
            .map_err(|_| poisoned())?
            .as_ref()
            .map(|l| l.to_file());
        let mut file = KeyringFileV2 {
            check: String::new(),
            format: FORMAT_V2.into(),
            fingerprint: self.fingerprint.clone(),
            operator: self.operator.to_file(),
            audit_key: hex::encode(self.audit_raw),
            audit_signing_key: hex::encode(&self.signer_pkcs8),
            legacy,
            municipalities: municipalities
                .iter()
                .map(|(m, k)| (format!("{m:06}"), k.to_file()))
                .collect(),
        };
        file.check = file.check_value(&self.audit_raw)?;
        let text = serde_json::to_string_pretty(&file).map_err(|e| StoreError::Keyring {
            reason: e.to_string(),
        })?;
        let mut out = OutputFile::create(path, replace, &[])?;
        out.write_all(text.as_bytes())?;
        out.commit()?;
        Ok(())
    }

    /// Rewrites the keyring file (if any) with the keys held now.
    fn persist(&self, municipalities: &BTreeMap<u32, Arc<ScopeKey>>) -> Result<(), StoreError> {
        match &self.source {
            Source::File(path) => self.write_file(path, true, municipalities),
            Source::Derived(_) => Ok(()),
        }
    }

    /// The keyring's fingerprint: SHA-256 over a label and its first keys. The
    /// database records it, so a keyring that is not the database's own (another
    /// data dir's, a new one, a damaged key) is refused before any use.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The municipality's keys if it has some (never creates them).
    fn existing(&self, m: u32) -> Result<Option<Arc<ScopeKey>>, StoreError> {
        if let Some(k) = self.municipalities.read().map_err(|_| poisoned())?.get(&m) {
            return Ok(Some(Arc::clone(k)));
        }
        if let Source::Derived(root) = &self.source {
            let k = Arc::new(ScopeKey::new(
                derive(&root[0], "data", m),
                derive(&root[1], "index", m),
            )?);
            let mut map = self.municipalities.write().map_err(|_| poisoned())?;
            return Ok(Some(Arc::clone(map.entry(m).or_insert(k))));
        }
        Ok(None)
    }

    /// The municipality's keys, created (and written to the keyring file) when
    /// it first needs them.
    fn key_for(&self, m: u32) -> Result<Arc<ScopeKey>, StoreError> {
        if let Some(k) = self.existing(m)? {
            return Ok(k);
        }
        self.ensure(&[m])?;
        self.existing(m)?.ok_or_else(|| StoreError::Keyring {
            reason: format!("no data key for municipality {m:06}"),
        })
    }

    fn missing(m: u32) -> StoreError {
        StoreError::Corrupt {
            what: format!(
                "municipality {m:06} has no data key in this keyring (erased, or not this \
                 keyring's data)"
            ),
        }
    }

    /// Makes sure each of `codes` has keys, writing the keyring file once for
    /// all new ones (before anything sealed under them can be committed).
    pub(crate) fn ensure(&self, codes: &[u32]) -> Result<usize, StoreError> {
        if matches!(self.source, Source::Derived(_)) {
            return Ok(0);
        }
        let mut map = self.municipalities.write().map_err(|_| poisoned())?;
        let mut added = Vec::new();
        for &m in codes {
            if map.contains_key(&m) || added.contains(&m) {
                continue;
            }
            let mut raw = [[0u8; 32]; 2];
            for k in &mut raw {
                self.rng.fill(k).map_err(|_| no_randomness())?;
            }
            map.insert(m, Arc::new(ScopeKey::new(raw[0], raw[1])?));
            added.push(m);
        }
        if !added.is_empty() {
            if let Err(e) = self.persist(&map) {
                for m in &added {
                    map.remove(m);
                }
                return Err(e);
            }
        }
        Ok(added.len())
    }

    /// Whether the municipality has keys in this keyring.
    pub fn has_municipality_key(&self, m: MunicipalityCode) -> Result<bool, StoreError> {
        Ok(self.existing(m.as_u32())?.is_some())
    }

    /// M-13: destroys the municipality's keys and rewrites the keyring file
    /// without them. Returns whether it had any. A derived keyring cannot erase.
    pub(crate) fn erase(&self, m: MunicipalityCode) -> Result<bool, StoreError> {
        if matches!(self.source, Source::Derived(_)) {
            return Err(StoreError::Keyring {
                reason: "a keyring built from an integrator's root keys derives municipality \
                         keys and cannot erase one; use a keyring file"
                    .into(),
            });
        }
        let mut map = self.municipalities.write().map_err(|_| poisoned())?;
        let Some(old) = map.remove(&m.as_u32()) else {
            return Ok(false);
        };
        if let Err(e) = self.persist(&map) {
            map.insert(m.as_u32(), old);
            return Err(e);
        }
        Ok(true)
    }

    /// Whether the keyring still holds a version-1 shared data key.
    pub(crate) fn has_legacy(&self) -> Result<bool, StoreError> {
        Ok(self.legacy.read().map_err(|_| poisoned())?.is_some())
    }

    /// Drops the version-1 shared key once nothing is sealed under it any more.
    pub(crate) fn drop_legacy(&self) -> Result<(), StoreError> {
        if matches!(self.source, Source::Derived(_)) {
            return Ok(());
        }
        let map = self.municipalities.write().map_err(|_| poisoned())?;
        let old = self.legacy.write().map_err(|_| poisoned())?.take();
        if let Err(e) = self.persist(&map) {
            *self.legacy.write().map_err(|_| poisoned())? = old;
            return Err(e);
        }
        Ok(())
    }

    fn legacy_key(&self) -> Result<Arc<ScopeKey>, StoreError> {
        self.legacy
            .read()
            .map_err(|_| poisoned())?
            .clone()
            .ok_or_else(|| StoreError::Keyring {
                reason: "no legacy data key".into(),
            })
    }

    /// The blind index of a My Number in `municipality`'s partition: HMAC-SHA256
    /// under that municipality's index key. Equal numbers give equal indexes in
    /// one partition, so lookups work without decrypting; the index reveals
    /// nothing without the key, and nothing at all once the key is erased.
    pub fn blind_index(
        &self,
        n: &MyNumber,
        municipality: MunicipalityCode,
    ) -> Result<[u8; 32], StoreError> {
        let k = self.key_for(municipality.as_u32())?;
        Ok(index_with(&k, n))
    }

    /// The blind index under the operator's key (events about a person outside
    /// any partition).
    pub fn operator_blind_index(&self, n: &MyNumber) -> [u8; 32] {
        index_with(&self.operator, n)
    }

    /// Seals a My Number under its municipality's data key with a random nonce;
    /// the municipality is bound as associated data too, so a sealed value moved
    /// to another partition no longer opens.
    pub fn seal(
        &self,
        n: &MyNumber,
        municipality: MunicipalityCode,
    ) -> Result<Vec<u8>, StoreError> {
        let k = self.key_for(municipality.as_u32())?;
        self.seal_with(
            &k,
            n.expose().as_bytes(),
            &municipality.as_u32().to_be_bytes(),
        )
    }

    /// Opens a sealed My Number of `municipality`'s partition.
    pub fn open(
        &self,
        sealed: &[u8],
        municipality: MunicipalityCode,
    ) -> Result<MyNumber, StoreError> {
        let m = municipality.as_u32();
        let k = self.existing(m)?.ok_or_else(|| Self::missing(m))?;
        open_number(&k, sealed, municipality)
    }

    /// Opens a My Number sealed under a version-1 keyring's shared key.
    pub(crate) fn open_legacy(
        &self,
        sealed: &[u8],
        municipality: MunicipalityCode,
    ) -> Result<MyNumber, StoreError> {
        let k = self.legacy_key()?;
        open_number(&k, sealed, municipality)
    }

    /// Opens secret bytes sealed under a version-1 keyring's shared key.
    pub(crate) fn open_legacy_bytes(
        &self,
        sealed: &[u8],
        context: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let k = self.legacy_key()?;
        open_with(&k, sealed, context)
    }

    /// Seals as a version-1 keyring did (for tests of the move to per-municipality keys).
    #[cfg(test)]
    pub(crate) fn seal_legacy(
        &self,
        n: &MyNumber,
        municipality: MunicipalityCode,
    ) -> Result<Vec<u8>, StoreError> {
        let k = self.legacy_key()?;
        self.seal_with(
            &k,
            n.expose().as_bytes(),
            &municipality.as_u32().to_be_bytes(),
        )
    }

    /// Seals secret bytes as a version-1 keyring did (tests).
    #[cfg(test)]
    pub(crate) fn seal_legacy_bytes(
        &self,
        data: &[u8],
        context: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let k = self.legacy_key()?;
        self.seal_with(&k, data, context)
    }

    /// The blind index as a version-1 keyring made it (tests).
    #[cfg(test)]
    pub(crate) fn legacy_blind_index(&self, n: &MyNumber) -> Result<[u8; 32], StoreError> {
        let k = self.legacy_key()?;
        Ok(index_with(&k, n))
    }

    /// Seals a municipality's secret bytes (e.g. its signing key) under its data
    /// key with a random nonce, binding `context` as associated data.
    pub fn seal_secret(
        &self,
        municipality: MunicipalityCode,
        data: &[u8],
        context: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let k = self.key_for(municipality.as_u32())?;
        self.seal_with(&k, data, context)
    }

    /// Opens bytes sealed by [`Keyring::seal_secret`] with the same `context`.
    pub fn open_secret(
        &self,
        municipality: MunicipalityCode,
        sealed: &[u8],
        context: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let m = municipality.as_u32();
        let k = self.existing(m)?.ok_or_else(|| Self::missing(m))?;
        open_with(&k, sealed, context)
    }

    /// Seals the operator's secret bytes (e.g. the barcode signer's key) under
    /// the operator's data key, binding `context`: nonce ‖ ciphertext ‖ tag.
    pub fn seal_bytes(&self, data: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.seal_with(&self.operator, data, context)
    }

    /// Opens bytes sealed by [`Keyring::seal_bytes`] with the same `context`.
    pub fn open_bytes(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        open_with(&self.operator, sealed, context)
    }

    fn seal_with(&self, k: &ScopeKey, data: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| no_randomness())?;
        seal_under(k, nonce, data, context)
    }

    /// 32 fresh random bytes (new secrets such as revocation-id keys).
    pub fn random_32(&self) -> Result<[u8; 32], StoreError> {
        let mut out = [0u8; 32];
        self.rng.fill(&mut out).map_err(|_| no_randomness())?;
        Ok(out)
    }

    /// MAC of an audit event (the chain link), under the audit key.
    pub(crate) fn audit_mac(&self, data: &[u8]) -> [u8; 32] {
        let tag = hmac::sign(&self.audit, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// ES256 signature (r ‖ s, 64 bytes) of `data` under the audit-head key.
    pub(crate) fn audit_sign(&self, data: &[u8]) -> Result<Vec<u8>, StoreError> {
        let sig = self
            .signer
            .sign(&self.rng, data)
            .map_err(|_| StoreError::Keyring {
                reason: "signing an audit head failed".into(),
            })?;
        Ok(sig.as_ref().to_vec())
    }

    /// The audit-head public key: the uncompressed P-256 point (65 bytes).
    pub fn audit_public_key(&self) -> Vec<u8> {
        self.signer.public_key().as_ref().to_vec()
    }
}

struct Parts {
    fingerprint: String,
    operator: ScopeKey,
    legacy: Option<ScopeKey>,
    municipalities: BTreeMap<u32, ScopeKey>,
    audit: [u8; 32],
    pkcs8: Vec<u8>,
    source: Source,
    rng: SystemRandom,
}

fn poisoned() -> StoreError {
    StoreError::Keyring {
        reason: "keyring lock poisoned".into(),
    }
}

/// Seals `data` under `k` with `nonce` (fresh from the system's random
/// source, used once), binding `context` as associated data.
fn seal_under(
    k: &ScopeKey,
    nonce: [u8; NONCE_LEN],
    data: &[u8],
    context: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(NONCE_LEN + data.len() + 16);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(data);
    let tag = k
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

fn index_with(k: &ScopeKey, n: &MyNumber) -> [u8; 32] {
    let tag = hmac::sign(&k.index, n.expose().as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

fn open_number(
    k: &ScopeKey,
    sealed: &[u8],
    municipality: MunicipalityCode,
) -> Result<MyNumber, StoreError> {
    let corrupt = || StoreError::Corrupt {
        what: "sealed my_number does not open (wrong key, partition or tampered row)".into(),
    };
    if sealed.len() != SEALED_LEN {
        return Err(corrupt());
    }
    let plain =
        open_with(k, sealed, &municipality.as_u32().to_be_bytes()).map_err(|_| corrupt())?;
    std::str::from_utf8(&plain)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(corrupt)
}

fn open_with(k: &ScopeKey, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
    let corrupt = || StoreError::Corrupt {
        what: "sealed secret does not open (wrong key, context or tampered row)".into(),
    };
    if sealed.len() < NONCE_LEN + 16 {
        return Err(corrupt());
    }
    let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).map_err(|_| corrupt())?;
    let mut buf = sealed[NONCE_LEN..].to_vec();
    let plain = k
        .data
        .open_in_place(nonce, Aad::from(context), &mut buf)
        .map_err(|_| corrupt())?;
    Ok(plain.to_vec())
}

mod sealer;
pub(crate) use sealer::Sealer;
#[cfg(test)]
mod tests;
