//! Issuer identity (`iss`), issuer signing keys (ES256), their public JWKs and JWKS.
//!
//! The store persists keys as opaque bytes: [`IssuerKey::to_pkcs8`] out,
//! [`IssuerKey::from_pkcs8`] back in (the store encrypts them under the keyring).

use std::fmt;

use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::{Deserialize, Serialize};
use vrs_domain::MunicipalityCode;

use crate::{b64, CertificateError};

/// The default issuer base URL (set at `vrs init`).
pub const DEFAULT_ISSUER_BASE_URL: &str = "https://vrs.example.jp/issuer";

/// An issuer identifier (`iss`): `<base URL>/<municipality code>` (T1-4-2: every
/// municipality that holds records is an issuer).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Issuer(String);

impl Issuer {
    /// `<base_url>/<code>`; the base URL must be `https://`, with no trailing slash,
    /// query or fragment (the SHC spec forbids a trailing slash in `iss`).
    pub fn new(base_url: &str, code: MunicipalityCode) -> Result<Self, CertificateError> {
        let bad = |reason| CertificateError::IssuerUrl {
            url: base_url.to_owned(),
            reason,
        };
        if !base_url.starts_with("https://") || base_url.len() <= "https://".len() {
            return Err(bad("must start with https:// and name a host"));
        }
        if base_url.ends_with('/') {
            return Err(bad("must not end with '/'"));
        }
        if base_url.contains(['?', '#', ' ']) {
            return Err(bad("must not hold a query, fragment or space"));
        }
        Ok(Self(format!("{base_url}/{code}")))
    }

    /// An issuer read from a card or a trust file (any URL; trust decides).
    pub fn from_url(url: &str) -> Self {
        Self(url.to_owned())
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where verifiers fetch the JWKS: `<iss>/.well-known/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.0)
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Issuer({})", self.0)
    }
}

impl<'de> Deserialize<'de> for Issuer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(String::deserialize(deserializer)?))
    }
}

/// An issuer's ES256 (P-256) signing key. Debug shows only the kid.
pub struct IssuerKey {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
    kid: String,
    rng: SystemRandom,
}

impl IssuerKey {
    /// Generates a new key from the system CSPRNG.
    pub fn generate() -> Result<Self, CertificateError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| CertificateError::Random)?;
        Self::from_pkcs8(doc.as_ref())
    }

    /// Loads a key from PKCS#8 v1/v2 DER bytes (as [`IssuerKey::to_pkcs8`] gave them).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, CertificateError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|e| CertificateError::Key {
                reason: format!("not a P-256 PKCS#8 key ({e})"),
            })?;
        let kid = thumbprint_of_point(pair.public_key().as_ref());
        Ok(Self {
            pair,
            pkcs8: pkcs8.to_vec(),
            kid,
            rng,
        })
    }

    /// The PKCS#8 DER bytes, for the store to encrypt and persist. Secret.
    pub fn to_pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key id: RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK (`kty EC, crv P-256, x, y, kid, use sig, alg ES256`).
    pub fn public_jwk(&self) -> Jwk {
        let point = self.pair.public_key().as_ref();
        Jwk {
            kty: "EC".into(),
            kid: self.kid.clone(),
            use_: Some("sig".into()),
            alg: Some("ES256".into()),
            crv: "P-256".into(),
            x: b64::url(&point[1..33]),
            y: b64::url(&point[33..65]),
            crl_version: None,
            x5c: None,
        }
    }

    /// Signs `message` with ES256, giving the 64-byte fixed r‖s signature.
    pub(crate) fn sign(
        &self,
        message: &[u8],
    ) -> Result<ring::signature::Signature, CertificateError> {
        self.pair
            .sign(&self.rng, message)
            .map_err(|_| CertificateError::Signing)
    }
}

impl fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssuerKey(kid {})", self.kid)
    }
}

/// RFC 7638 thumbprint of an uncompressed P-256 point (`04 ‖ x ‖ y`).
fn thumbprint_of_point(point: &[u8]) -> String {
    let x = b64::url(&point[1..33]);
    let y = b64::url(&point[33..65]);
    thumbprint(&x, &y)
}

/// RFC 7638 thumbprint from base64url coordinates: SHA-256 over the members
/// `crv, kty, x, y` in lexicographic order, no whitespace.
pub fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    b64::url(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
}

/// A public JSON Web Key as SHC issuers publish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `EC`.
    pub kty: String,
    /// Key id (the RFC 7638 thumbprint for SHC keys).
    pub kid: String,
    /// `sig`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `ES256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// `P-256`.
    pub crv: String,
    /// x coordinate, base64url.
    pub x: String,
    /// y coordinate, base64url.
    pub y: String,
    /// Present once the issuer has revoked a card signed with this key: the CRL's `ctr`.
    #[serde(
        rename = "crlVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub crl_version: Option<u64>,
    /// Optional X.509 chain (leaf first), standard base64 DER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5c: Option<Vec<String>>,
}

impl Jwk {
    /// The uncompressed point `04 ‖ x ‖ y`, if this is a well-formed P-256 key.
    pub(crate) fn p256_point(&self) -> Option<Vec<u8>> {
        if self.kty != "EC" || self.crv != "P-256" {
            return None;
        }
        let x = b64::url_decode(&self.x)?;
        let y = b64::url_decode(&self.y)?;
        if x.len() != 32 || y.len() != 32 {
            return None;
        }
        let mut p = Vec::with_capacity(65);
        p.push(4);
        p.extend_from_slice(&x);
        p.extend_from_slice(&y);
        Some(p)
    }

    /// Whether `kid` is this key's RFC 7638 thumbprint.
    pub fn kid_is_thumbprint(&self) -> bool {
        self.kid == thumbprint(&self.x, &self.y)
    }
}

/// A JWK Set: what `<iss>/.well-known/jwks.json` serves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys, current and retired.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Reads a JWKS document.
    pub fn from_json(text: &str) -> Result<Self, CertificateError> {
        serde_json::from_str(text).map_err(|source| CertificateError::Json {
            what: "jwks",
            source,
        })
    }
}

/// One issuer's entry in a directory: `iss` plus its JWKS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    /// The issuer.
    pub iss: Issuer,
    /// Its keys.
    pub keys: Vec<Jwk>,
}

/// Every issuer's JWKS, for verifiers (`vrs keys directory`): `{"issuers":[{"iss","keys"}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// The issuers.
    pub issuers: Vec<DirectoryEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_is_the_rfc7638_thumbprint_of_the_official_example_key() {
        // issuer-jwks.json of the SHC examples: kid 3Kfdg... for this x, y.
        assert_eq!(
            thumbprint(
                "11XvRWy1I2S0EyJlyf_bWfw_TQ5CJJNLw78bHXNxcgw",
                "eZXwxvO1hvCY0KucrPfKo7yAyMT6Ajc3N7OkAB6VYy8"
            ),
            "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"
        );
    }

    #[test]
    fn a_generated_key_round_trips_through_pkcs8_and_keeps_its_kid() {
        let key = IssuerKey::generate().unwrap();
        let again = IssuerKey::from_pkcs8(key.to_pkcs8()).unwrap();
        assert_eq!(key.kid(), again.kid());
        let jwk = key.public_jwk();
        assert!(jwk.kid_is_thumbprint());
        assert_eq!(format!("{key:?}"), format!("IssuerKey(kid {})", key.kid()));
    }

    #[test]
    fn issuer_url_table() {
        let code: MunicipalityCode = "131016".parse().unwrap();
        for (base, ok) in [
            ("https://vrs.example.jp/issuer", true),
            ("https://vrs.example.jp", true),
            ("https://vrs.example.jp/issuer/", false),
            ("http://vrs.example.jp/issuer", false),
            ("https://", false),
            ("https://vrs.example.jp/issuer?x=1", false),
        ] {
            assert_eq!(Issuer::new(base, code).is_ok(), ok, "base {base:?}");
        }
        assert_eq!(
            Issuer::new(DEFAULT_ISSUER_BASE_URL, code).unwrap().as_str(),
            "https://vrs.example.jp/issuer/131016"
        );
    }

    #[test]
    fn garbage_pkcs8_is_a_key_error() {
        assert!(matches!(
            IssuerKey::from_pkcs8(b"not a key"),
            Err(CertificateError::Key { .. })
        ));
    }
}
