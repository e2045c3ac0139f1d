//! Trust anchors: the pinned CA public keys that sign EF 0004, found by 16-byte key ID.

use serde::Deserialize;

use super::parse::RsaKey;
use crate::error::IdentityError;

/// The vendored J-LIS card CA keys (see fixtures/reference/SOURCE.md).
const CARD_CA_KEYS_JSON: &str = include_str!("../../../../fixtures/reference/card-ca-keys.json");

/// The key IDs pinned by default: 5000033 (production input-support AP) and
/// 6000033 (JPKI test hierarchy, for test cards).
const DEFAULT_KEYS: [&str; 2] = ["5000033", "6000033"];

/// One CA public key (RSA) and the 16-byte key ID that EF 0004 uses to name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    key_id: [u8; 16],
    label: String,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

impl TrustAnchor {
    /// A trust anchor from its key ID, a label (e.g. `"6000033"`), and the RSA
    /// modulus and public exponent (big-endian, no leading zeros).
    pub fn new(
        key_id: [u8; 16],
        label: impl Into<String>,
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    ) -> Result<Self, IdentityError> {
        let bad = |reason: &str| IdentityError::Anchors {
            reason: format!("key {}: {reason}", hex::encode(key_id)),
        };
        if !(256..=1024).contains(&modulus.len()) || modulus[0] == 0 {
            return Err(bad(
                "modulus must be 2048 to 8192 bits without leading zero",
            ));
        }
        if exponent.is_empty() || exponent.len() > 4 || exponent[0] == 0 {
            return Err(bad("exponent must be 1 to 4 bytes without leading zero"));
        }
        Ok(Self {
            key_id,
            label: label.into(),
            modulus,
            exponent,
        })
    }

    /// The 16-byte key ID (証明者鍵ID).
    pub fn key_id(&self) -> &[u8; 16] {
        &self.key_id
    }

    /// The human label, e.g. `"5000033"`.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn key(&self) -> RsaKey<'_> {
        RsaKey {
            n: &self.modulus,
            e: &self.exponent,
        }
    }
}

/// A set of trust anchors. [`TrustAnchors::card_defaults`] pins J-LIS's production and
/// test keys for the input-support AP; callers add their own (e.g. a test CA).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors(Vec<TrustAnchor>);

#[derive(Deserialize)]
struct KeyFile {
    keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
struct KeyEntry {
    key_id_hex: String,
    #[serde(default)]
    key_id: Option<String>,
    modulus_hex: String,
    exponent_hex: String,
}

impl TrustAnchors {
    /// No anchors at all.
    pub fn empty() -> Self {
        Self(Vec::new())
    }

    /// The default pins: 5000033 (production) and 6000033 (JPKI test cards).
    pub fn card_defaults() -> Self {
        // The vendored file is tested to parse; an error here is a build defect.
        let all = Self::from_json(CARD_CA_KEYS_JSON).unwrap_or_default();
        Self(
            all.0
                .into_iter()
                .filter(|a| DEFAULT_KEYS.contains(&a.label.as_str()))
                .collect(),
        )
    }

    /// Every key of a JSON file shaped like `card-ca-keys.json`:
    /// `{"keys":[{"key_id_hex","key_id"?,"modulus_hex","exponent_hex"},...]}`.
    pub fn from_json(json: &str) -> Result<Self, IdentityError> {
        let file: KeyFile = serde_json::from_str(json).map_err(|e| IdentityError::Anchors {
            reason: format!("not a key file: {e}"),
        })?;
        let mut out = Vec::with_capacity(file.keys.len());
        for k in file.keys {
            let bad = |what: &str| IdentityError::Anchors {
                reason: format!("{what} of key {} is not valid hex", k.key_id_hex),
            };
            let id = hex::decode(&k.key_id_hex).map_err(|_| bad("key_id_hex"))?;
            let key_id: [u8; 16] = id.try_into().map_err(|_| IdentityError::Anchors {
                reason: format!("key id {} is not 16 bytes", k.key_id_hex),
            })?;
            let modulus = hex::decode(&k.modulus_hex).map_err(|_| bad("modulus_hex"))?;
            let exponent = hex::decode(&k.exponent_hex).map_err(|_| bad("exponent_hex"))?;
            let label = k.key_id.clone().unwrap_or_else(|| k.key_id_hex.clone());
            out.push(TrustAnchor::new(key_id, label, modulus, exponent)?);
        }
        Ok(Self(out))
    }

    /// Adds one anchor (a later anchor with the same key ID does not replace an earlier one).
    pub fn add(&mut self, anchor: TrustAnchor) {
        self.0.push(anchor);
    }

    /// Adds every anchor of `other`.
    pub fn extend(&mut self, other: TrustAnchors) {
        self.0.extend(other.0);
    }

    /// The anchors, in order.
    pub fn iter(&self) -> impl Iterator<Item = &TrustAnchor> {
        self.0.iter()
    }

    /// The anchor with this key ID, if any.
    pub fn find(&self, key_id: &[u8; 16]) -> Option<&TrustAnchor> {
        self.0.iter().find(|a| &a.key_id == key_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pins_are_the_production_and_test_input_support_keys() {
        let d = TrustAnchors::card_defaults();
        let labels: Vec<&str> = d.iter().map(TrustAnchor::label).collect();
        assert_eq!(labels, ["5000033", "6000033"]);
        let test_id: [u8; 16] = hex::decode("36303030303333080530303100000000")
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(d.find(&test_id).map(TrustAnchor::label), Some("6000033"));
    }

    #[test]
    fn the_vendored_file_holds_six_valid_keys() {
        assert_eq!(
            TrustAnchors::from_json(CARD_CA_KEYS_JSON)
                .unwrap()
                .iter()
                .count(),
            6
        );
    }

    #[test]
    fn broken_key_files_are_refused_with_a_reason() {
        for (json, needle) in [
            ("{}", "not a key file"),
            (
                r#"{"keys":[{"key_id_hex":"00","modulus_hex":"","exponent_hex":"03"}]}"#,
                "not 16 bytes",
            ),
            (
                r#"{"keys":[{"key_id_hex":"zz","modulus_hex":"","exponent_hex":"03"}]}"#,
                "not valid hex",
            ),
            (
                r#"{"keys":[{"key_id_hex":"00000000000000000000000000000000","modulus_hex":"ff","exponent_hex":"03"}]}"#,
                "modulus must be",
            ),
        ] {
            let e = TrustAnchors::from_json(json).unwrap_err().to_string();
            assert!(e.contains(needle), "json {json}: {e}");
        }
    }
}
