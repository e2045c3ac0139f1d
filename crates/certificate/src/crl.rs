//! SHC revocation: `rid` derived from the person with HMAC, per-key CRLs
//! (`{"kid","method":"rid","ctr","rids"}`) and the JWKS `crlVersion`.
//!
//! The SHC spec recommends that an issuer with an internal user ID compute
//! `rid = base64url(HMAC-SHA-256(secret, user ID))` truncated to 64 bits (11
//! characters): every card of one person shares the rid, so a "revoke before
//! timestamp" entry (`rid.timestamp`) revokes that person's earlier cards and
//! leaves the ones issued after it valid, and a verifier cannot learn the ID (a
//! one-way transform keyed with 256 bits). Here the user ID is the person's address
//! number (宛名番号) in the issuing municipality, never the My Number. The secret is
//! per issuer and outlives key rotations (a card signed by a retired key must stay
//! revocable); the store keeps it sealed by the keyring.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use vrs_domain::AddressNumber;

use crate::{b64, CertificateError};

/// The per-issuer HMAC key that turns certificate ids into `rid`s. Debug is redacted.
#[derive(Clone)]
pub struct RevocationSecret([u8; 32]);

impl RevocationSecret {
    /// A new secret from the system CSPRNG.
    pub fn generate() -> Result<Self, CertificateError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| CertificateError::Random)?;
        Ok(Self(bytes))
    }

    /// Loads a secret the store kept.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The bytes, for the store to encrypt and persist. Secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The revocation id of every card of one person: base64url of the first 64
    /// bits of HMAC-SHA-256(secret, label ‖ address number), 11 characters. The
    /// fixed label keeps this use of the secret apart from any other.
    pub fn rid(&self, person: &AddressNumber) -> Rid {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(RID_LABEL);
        ctx.update(person.as_str().as_bytes());
        Rid(b64::url(&ctx.sign().as_ref()[..8]))
    }
}

/// What the HMAC input of a rid starts with.
const RID_LABEL: &[u8] = b"vrs shc rid v1\0";

impl std::fmt::Debug for RevocationSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevocationSecret(..)")
    }
}

/// A revocation id as it appears in `vc.rid` and in CRLs (base64url, at most 24 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rid(String);

impl Rid {
    /// Reads a rid from a card (base64url alphabet, 1–24 characters), or `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= 24
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One CRL entry: a rid, and optionally a time so that only cards with `nbf` before it
/// are revoked (the spec's `rid.timestamp` form, for re-issued cards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The revoked rid.
    pub rid: Rid,
    /// Cards issued before this Unix time (seconds) are revoked; `None`: all.
    pub before: Option<i64>,
}

impl Revoked {
    /// Revokes the cards with this rid issued at or before `at` (Unix seconds): the
    /// spec's `rid.timestamp` revokes cards whose `nbf` is before the timestamp, and
    /// `nbf` is whole seconds, so the timestamp is the next second. A card issued
    /// later in that same second is revoked too (the safe side: it can be applied
    /// for again); one issued from the next second on is valid.
    pub fn issued_up_to(rid: Rid, at: i64) -> Self {
        Self {
            rid,
            before: Some(at + 1),
        }
    }
}

/// A SHC revocation list for one key: `{"kid","method":"rid","ctr","rids":[...]}`,
/// served at `<iss>/.well-known/crl/<kid>.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crl {
    /// The key it applies to.
    pub kid: String,
    /// Version counter; the JWKS entry's `crlVersion` equals the latest `ctr`.
    pub ctr: u64,
    /// Revoked entries.
    pub rids: Vec<Revoked>,
}

#[derive(Serialize, Deserialize)]
struct CrlJson {
    kid: String,
    method: String,
    ctr: u64,
    rids: Vec<String>,
}

impl Crl {
    /// Reads a CRL document; only `method: "rid"` is supported.
    pub fn from_json(text: &str) -> Result<Self, CertificateError> {
        let raw: CrlJson = serde_json::from_str(text).map_err(|source| CertificateError::Json {
            what: "crl",
            source,
        })?;
        let bad = |reason: String| CertificateError::Content {
            format: "crl",
            reason,
        };
        if raw.method != "rid" {
            return Err(bad(format!("method {:?} is not supported", raw.method)));
        }
        let mut rids = Vec::with_capacity(raw.rids.len());
        for entry in raw.rids {
            let (rid, before) = match entry.split_once('.') {
                Some((rid, ts)) => {
                    let ts = ts
                        .parse::<i64>()
                        .map_err(|_| bad(format!("bad timestamp in {entry:?}")))?;
                    (rid, Some(ts))
                }
                None => (entry.as_str(), None),
            };
            let rid = Rid::parse(rid).ok_or_else(|| bad(format!("bad rid {entry:?}")))?;
            rids.push(Revoked { rid, before });
        }
        Ok(Self {
            kid: raw.kid,
            ctr: raw.ctr,
            rids,
        })
    }

    /// Writes the CRL document.
    pub fn to_json(&self) -> String {
        let raw = CrlJson {
            kid: self.kid.clone(),
            method: "rid".into(),
            ctr: self.ctr,
            rids: self
                .rids
                .iter()
                .map(|r| match r.before {
                    Some(ts) => format!("{}.{ts}", r.rid.as_str()),
                    None => r.rid.as_str().to_owned(),
                })
                .collect(),
        };
        serde_json::to_string(&raw).expect("a CRL always serializes")
    }

    /// Whether a card with this rid and `nbf` (seconds) is revoked by this list.
    pub fn revokes(&self, rid: &Rid, nbf: f64) -> bool {
        self.rids.iter().any(|r| {
            &r.rid == rid
                && match r.before {
                    None => true,
                    Some(ts) => nbf < ts as f64,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s","method":"rid","ctr":1,"rids":["vwAjHdarZuc.1687450765","FKDIxsTCGlU","XkNHp2Iyk0Y.1687450765","TqB_qu_6OtM"]}"#;

    #[test]
    fn the_official_crl_parses_and_revokes_by_timestamp() {
        let crl = Crl::from_json(EXAMPLE).unwrap();
        assert_eq!(crl.ctr, 1);
        let rid = Rid::parse("vwAjHdarZuc").unwrap();
        for (nbf, revoked) in [
            (1687450764.657, true),
            (1687450765.0, false),
            (1700000000.0, false),
        ] {
            assert_eq!(crl.revokes(&rid, nbf), revoked, "nbf {nbf}");
        }
        assert!(crl.revokes(&Rid::parse("FKDIxsTCGlU").unwrap(), 1e12));
        assert!(!crl.revokes(&Rid::parse("MKyCxh7p6uQ").unwrap(), 0.0));
        assert_eq!(Crl::from_json(&crl.to_json()).unwrap(), crl);
    }

    #[test]
    fn rid_is_eleven_base64url_characters_per_person_and_secret() {
        let a = RevocationSecret::from_bytes([1; 32]);
        let b = RevocationSecret::from_bytes([2; 32]);
        let p1: AddressNumber = "A900000001".parse().unwrap();
        let p2: AddressNumber = "A900000002".parse().unwrap();
        let r = a.rid(&p1);
        assert_eq!(r.as_str().len(), 11);
        assert!(Rid::parse(r.as_str()).is_some());
        assert_eq!(a.rid(&p1), r, "one person's cards share the rid");
        assert_ne!(a.rid(&p2), r);
        assert_ne!(b.rid(&p1), r);
        assert_eq!(format!("{a:?}"), "RevocationSecret(..)");
    }

    /// A known answer for the derivation, computed by another HMAC implementation
    /// (Python's standard library) from the definition: base64url (no padding) of
    /// the first 8 bytes of HMAC-SHA-256(secret, "vrs shc rid v1\0" ‖ address number).
    /// `python3 -c "import hmac,hashlib,base64; t=hmac.new(bytes([7]*32),
    /// b'vrs shc rid v1\x00A900000001', hashlib.sha256).digest();
    /// print(base64.urlsafe_b64encode(t[:8]).rstrip(b'='))"`
    #[test]
    fn rid_is_the_truncated_hmac_of_the_labelled_address_number() {
        let got = RevocationSecret::from_bytes([7; 32]).rid(&"A900000001".parse().unwrap());
        assert_eq!(got.as_str(), "lQC9NCHei78");
    }

    #[test]
    fn a_rid_revoked_up_to_a_time_revokes_cards_of_that_second_and_before_only() {
        let rid = Rid::parse("vwAjHdarZuc").unwrap();
        let crl = Crl {
            kid: "k".into(),
            ctr: 2,
            rids: vec![Revoked::issued_up_to(rid.clone(), 1_700_000_000)],
        };
        for (nbf, revoked) in [
            (1_600_000_000.0, true),
            (1_699_999_999.0, true),
            (1_700_000_000.0, true),
            (1_700_000_001.0, false),
            (1_800_000_000.0, false),
        ] {
            assert_eq!(crl.revokes(&rid, nbf), revoked, "nbf {nbf}");
        }
        assert!(
            crl.to_json().contains("\"vwAjHdarZuc.1700000001\""),
            "{}",
            crl.to_json()
        );
    }

    #[test]
    fn crl_errors_table() {
        for (text, why) in [
            (r#"{"kid":"k","method":"x","ctr":1,"rids":[]}"#, "method"),
            (
                r#"{"kid":"k","method":"rid","ctr":1,"rids":["a.b"]}"#,
                "timestamp",
            ),
            (
                r#"{"kid":"k","method":"rid","ctr":1,"rids":["a b"]}"#,
                "bad rid",
            ),
            (r#"{"kid":"k"}"#, "json"),
        ] {
            let e = Crl::from_json(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
