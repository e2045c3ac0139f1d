//! Minting synthetic card dumps signed by a test CA (feature `test-support`; never for real cards).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vrs_identity::card::mint::{CardSpec, TestCardIssuer};
//! use vrs_identity::{CardVerifier, TrustAnchors};
//!
//! let issuer = TestCardIssuer::from_fixture_dir("../../fixtures/cards".as_ref())?;
//! let spec = CardSpec {
//!     my_number: "537686677188".parse()?,
//!     name: "黒桐 幹也".parse()?,
//!     address: "東京都清瀬市観布子南１２－７－２０２".into(),
//!     birth_date: "1980-02-17".parse()?,
//!     sex: vrs_domain::Sex::Male,
//! };
//! let nonce = [7u8; 32];
//! let dump = issuer.mint_with_nonce(&spec, &nonce);
//! let mut anchors = TrustAnchors::card_defaults();
//! anchors.add(issuer.anchor());
//! let holder = CardVerifier::new(anchors).require_liveness(true).verify(&dump)?;
//! assert_eq!(holder.birth_date().to_string(), "1980-02-17");
//! assert!(holder.liveness());
//! # Ok(()) }
//! ```

use std::path::Path;

use ring::digest::{digest, SHA256};
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use vrs_domain::{BirthDate, MyNumber, PersonName, Sex};

use super::{CardDump, TrustAnchor};
use crate::error::IdentityError;

/// The key ID of vrs's own test CA (ASCII `VRS-TEST-CA-0001`; not a J-LIS key ID).
pub const TEST_CA_KEY_ID: [u8; 16] = *b"VRS-TEST-CA-0001";
/// The subject key ID of the test card's signing key (ASCII `VRS-TEST-AP-0001`).
pub const TEST_SIGNER_KEY_ID: [u8; 16] = *b"VRS-TEST-AP-0001";

/// Key file names inside a fixture directory (PKCS#8 DER).
pub const CA_KEY_FILE: &str = "keys/test-ca.pk8";
/// The key that EF 0004 certifies and that signs EF 0003 and EF 0007.
pub const SIGNER_KEY_FILE: &str = "keys/card-signer.pk8";
/// The AP key of EF 0007 that signs nonces.
pub const AP_KEY_FILE: &str = "keys/card-ap.pk8";

/// What a synthetic card states.
#[derive(Debug, Clone)]
pub struct CardSpec {
    /// 個人番号.
    pub my_number: MyNumber,
    /// 氏名.
    pub name: PersonName,
    /// 住所.
    pub address: String,
    /// 生年月日.
    pub birth_date: BirthDate,
    /// 性別.
    pub sex: Sex,
}

impl CardSpec {
    /// The card of an imported resident (residents carry no address, so give one;
    /// e.g. the municipality's name plus an invented street).
    pub fn for_resident(resident: &vrs_domain::Resident, address: impl Into<String>) -> Self {
        Self {
            my_number: resident.my_number.clone(),
            name: resident.name.clone(),
            address: address.into(),
            birth_date: resident.birth_date,
            sex: resident.sex,
        }
    }
}

/// The three test keys: CA → card signer (EF 0004) → AP key (EF 0007).
pub struct TestCardIssuer {
    ca_key_id: [u8; 16],
    ca: RsaKeyPair,
    signer: RsaKeyPair,
    ap: RsaKeyPair,
}

impl std::fmt::Debug for TestCardIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestCardIssuer({})", hex::encode(self.ca_key_id))
    }
}

fn mint_err(reason: impl Into<String>) -> IdentityError {
    IdentityError::Dump {
        reason: reason.into(),
    }
}

fn pair(der: &[u8], which: &str) -> Result<RsaKeyPair, IdentityError> {
    RsaKeyPair::from_pkcs8(der)
        .map_err(|e| mint_err(format!("{which}: not an rsa pkcs#8 key: {e}")))
}

/// RSASSA-PKCS1-v1_5 SHA-256 (deterministic: the same key and message give the same bytes).
pub fn sign(key: &RsaKeyPair, message: &[u8]) -> Vec<u8> {
    let mut sig = vec![0; key.public().modulus_len()];
    // Signing fails only for an undersized buffer, which cannot happen here.
    let _ = key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig);
    sig
}

fn components(key: &RsaKeyPair) -> (Vec<u8>, Vec<u8>) {
    let c: PublicKeyComponents<Vec<u8>> = key.public().into();
    (c.n, c.e)
}

/// Encodes one TLV with a one- or two-byte tag.
pub fn tlv(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    if tag > 0xFF {
        out.extend_from_slice(&tag.to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(value);
    out
}

/// `90 03 <e>` `91 82 01 00 <n>`.
pub fn key_object(n: &[u8], e: &[u8]) -> Vec<u8> {
    [tlv(0x90, e), tlv(0x91, n)].concat()
}

/// EF 0001: `FF 10 0C` + 12 digits + `FF FF` (17 bytes).
pub fn ef0001(my_number: &MyNumber) -> Vec<u8> {
    [tlv(0xFF10, my_number.expose().as_bytes()), vec![0xFF, 0xFF]].concat()
}

/// EF 0002 with a correct offset table.
pub fn ef0002(name: &PersonName, address: &str, birth_date: BirthDate, sex: Sex) -> Vec<u8> {
    let objects = [
        tlv(0xDF22, name.to_string().as_bytes()),
        tlv(0xDF23, address.as_bytes()),
        tlv(
            0xDF24,
            birth_date.date().format("%Y%m%d").to_string().as_bytes(),
        ),
        tlv(0xDF25, &[b'0' + sex.code()]),
    ];
    let content_len = 11 + objects.iter().map(Vec::len).sum::<usize>();
    // Outer header: FF 20 + 1, 2 or 3 length bytes.
    let header = tlv(0xFF20, &vec![0; content_len]).len() - content_len;
    let mut offsets = Vec::with_capacity(8);
    let mut at = header + 11;
    for o in &objects {
        offsets.extend_from_slice(&(at as u16).to_be_bytes());
        at += o.len();
    }
    let content = [tlv(0xDF21, &offsets), objects.concat()].concat();
    tlv(0xFF20, &content)
}

/// The part of EF 0002 that DF32 hashes (after the offset table).
pub fn ef0002_hashed(ef0002: &[u8]) -> &[u8] {
    let header = if ef0002[2] < 0x80 {
        3
    } else {
        3 + usize::from(ef0002[2] & 0x7F)
    };
    &ef0002[header + 11..]
}

/// EF 0003 signed by `signer`.
pub fn ef0003(ef0001: &[u8], ef0002: &[u8], signer: &RsaKeyPair) -> Vec<u8> {
    let signed = [
        tlv(0xDF31, digest(&SHA256, ef0001).as_ref()),
        tlv(0xDF32, digest(&SHA256, ef0002_hashed(ef0002)).as_ref()),
    ]
    .concat();
    let sig = sign(signer, &signed);
    tlv(0xFF30, &[signed, tlv(0xDF33, &sig)].concat())
}

/// EF 0004 certifying `subject` under `issuer_key_id`, signed by `ca`.
pub fn ef0004(
    issuer_key_id: &[u8; 16],
    subject_key_id: &[u8; 16],
    subject: &RsaKeyPair,
    ca: &RsaKeyPair,
) -> Vec<u8> {
    let (n, e) = components(subject);
    let body = [&issuer_key_id[..], &subject_key_id[..], &key_object(&n, &e)].concat();
    let sig = sign(ca, &body);
    tlv(0x7F21, &[tlv(0x5F4E, &body), tlv(0x5F37, &sig)].concat())
}

/// EF 0007 holding `ap`'s public key, certified by `signer`.
pub fn ef0007(ap: &RsaKeyPair, signer: &RsaKeyPair) -> Vec<u8> {
    let (n, e) = components(ap);
    let key = tlv(0xDF51, &key_object(&n, &e));
    let sig = sign(signer, &key);
    tlv(0xFF50, &[key.clone(), tlv(0xDF52, &sig)].concat())
}

impl TestCardIssuer {
    /// The issuer from three PKCS#8 (DER) RSA keys.
    pub fn from_pkcs8(
        ca_key_id: [u8; 16],
        ca: &[u8],
        signer: &[u8],
        ap: &[u8],
    ) -> Result<Self, IdentityError> {
        Ok(Self {
            ca_key_id,
            ca: pair(ca, "ca key")?,
            signer: pair(signer, "signer key")?,
            ap: pair(ap, "ap key")?,
        })
    }

    /// The issuer whose keys `cargo xtask fixtures cards` keeps in `dir/keys/`.
    pub fn from_fixture_dir(dir: &Path) -> Result<Self, IdentityError> {
        let read = |name: &str| {
            std::fs::read(dir.join(name))
                .map_err(|e| mint_err(format!("{}: {e}", dir.join(name).display())))
        };
        Self::from_pkcs8(
            TEST_CA_KEY_ID,
            &read(CA_KEY_FILE)?,
            &read(SIGNER_KEY_FILE)?,
            &read(AP_KEY_FILE)?,
        )
    }

    /// The test CA's public key as a trust anchor (add it to a verifier's anchors).
    pub fn anchor(&self) -> TrustAnchor {
        let (n, e) = components(&self.ca);
        // The key pair parsed, so its modulus and exponent are valid.
        TrustAnchor::new(self.ca_key_id, "vrs-test-ca", n, e)
            .unwrap_or_else(|_| unreachable!("a parsed rsa key has a valid modulus"))
    }

    /// The test CA in the JSON shape of `card-ca-keys.json` (for `--ca-keys`).
    pub fn anchor_json(&self) -> String {
        let (n, e) = components(&self.ca);
        let v = serde_json::json!({
            "about": "vrs's own test CA for synthetic My Number card dumps (cargo xtask fixtures cards). Not a J-LIS key; trust it only in tests and demos.",
            "keys": [{
                "key_id_hex": hex::encode(self.ca_key_id),
                "key_id": "vrs-test-ca",
                "role": "test CA for synthetic input-support AP dumps",
                "modulus_hex": hex::encode(n),
                "exponent_hex": hex::encode(e),
            }]
        });
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    }

    /// A dump of a card stating `spec`, signed through the whole chain, with EF 0007
    /// and no nonce.
    pub fn mint(&self, spec: &CardSpec) -> CardDump {
        let f1 = ef0001(&spec.my_number);
        let f2 = ef0002(&spec.name, &spec.address, spec.birth_date, spec.sex);
        let f3 = ef0003(&f1, &f2, &self.signer);
        let f4 = ef0004(&self.ca_key_id, &TEST_SIGNER_KEY_ID, &self.signer, &self.ca);
        let f7 = ef0007(&self.ap, &self.signer);
        CardDump {
            ef0001: f1,
            ef0002: f2,
            ef0003: f3,
            ef0004: f4,
            ef0007: Some(f7),
            nonce: None,
            nonce_signature: None,
        }
    }

    /// Like [`mint`](Self::mint), plus the card's signature over `nonce` (liveness).
    pub fn mint_with_nonce(&self, spec: &CardSpec, nonce: &[u8]) -> CardDump {
        let mut dump = self.mint(spec);
        dump.nonce = Some(nonce.to_vec());
        dump.nonce_signature = Some(self.sign_nonce(nonce));
        dump
    }

    /// What the card answers to `80 2A 00 00` with `nonce`: its AP key's signature.
    pub fn sign_nonce(&self, nonce: &[u8]) -> Vec<u8> {
        sign(&self.ap, nonce)
    }

    /// The CA key pair (for building tampered variants).
    pub fn ca_key(&self) -> &RsaKeyPair {
        &self.ca
    }

    /// The card signer key pair (EF 0004 subject).
    pub fn signer_key(&self) -> &RsaKeyPair {
        &self.signer
    }

    /// The AP key pair (EF 0007).
    pub fn ap_key(&self) -> &RsaKeyPair {
        &self.ap
    }
}
