//! The My Number card's input-support AP (券面事項入力補助AP): dumps, trust anchors, verification.
//!
//! Chain (V8, P9-5): a pinned CA key, found by the 16-byte issuer key ID in EF 0004
//! → EF 0004's signature → the key it certifies verifies EF 0003 over `DF31‖DF32`
//! → DF31 = SHA-256(EF 0001 as stored) and DF32 = SHA-256(EF 0002 after its offset
//! table). Liveness (P9-1): EF 0007's key, certified by the EF 0004 key, signs the
//! caller's nonce.

mod anchors;
mod dump;
#[cfg(feature = "test-support")]
pub mod mint;
mod parse;

use ring::digest::{digest, SHA256};
use vrs_domain::{BirthDate, MyNumber, PersonName, Sex};

pub use anchors::{TrustAnchor, TrustAnchors};
pub use dump::CardDump;
pub use parse::{parse_ef0002, UnverifiedCardText};

use crate::error::{CardFile, IdentityError};

/// The shortest nonce accepted for liveness: 16 bytes (128 bits) chosen by the verifier.
pub const MIN_NONCE_LEN: usize = 16;

/// The card holder as the card's signed data states it. Only [`CardVerifier`]
/// builds one, and only after the whole chain verified.
#[derive(Debug, Clone)]
pub struct VerifiedCardHolder {
    my_number: MyNumber,
    name: PersonName,
    address: String,
    birth_date: BirthDate,
    sex: Sex,
    liveness: bool,
}

impl VerifiedCardHolder {
    /// The My Number (masked in `Debug`/`Display`; `.expose()` only for sealing).
    pub fn my_number(&self) -> &MyNumber {
        &self.my_number
    }

    /// 氏名.
    pub fn name(&self) -> &PersonName {
        &self.name
    }

    /// 住所 as on the card.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// 生年月日.
    pub fn birth_date(&self) -> BirthDate {
        self.birth_date
    }

    /// 性別.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Whether the card proved it was present by signing the caller's nonce (P9-1).
    /// Without it the static files could be a replay of an earlier read.
    pub fn liveness(&self) -> bool {
        self.liveness
    }
}

/// Verifies card dumps against a set of trust anchors.
#[derive(Debug, Clone)]
pub struct CardVerifier {
    anchors: TrustAnchors,
    require_liveness: bool,
}

impl Default for CardVerifier {
    fn default() -> Self {
        Self::new(TrustAnchors::card_defaults())
    }
}

impl CardVerifier {
    /// A verifier trusting `anchors`, liveness optional.
    pub fn new(anchors: TrustAnchors) -> Self {
        Self {
            anchors,
            require_liveness: false,
        }
    }

    /// Demand liveness: a dump without a valid nonce signature fails with `bad_liveness`.
    pub fn require_liveness(mut self, require: bool) -> Self {
        self.require_liveness = require;
        self
    }

    /// The trust anchors in use.
    pub fn anchors(&self) -> &TrustAnchors {
        &self.anchors
    }

    /// Verifies a dump whose nonce the verifier itself issued: the dump's nonce must be
    /// `issued_nonce` (so a recorded dump cannot be replayed) and liveness is demanded.
    pub fn verify_challenge(
        &self,
        dump: &CardDump,
        issued_nonce: &[u8],
    ) -> Result<VerifiedCardHolder, IdentityError> {
        if dump.nonce.as_deref() != Some(issued_nonce) {
            return Err(IdentityError::BadLiveness {
                reason: "the dump's nonce is not the one issued for this read",
            });
        }
        self.clone().require_liveness(true).verify(dump)
    }

    /// Parses every file, then verifies the chain and (when supplied or demanded) liveness.
    pub fn verify(&self, dump: &CardDump) -> Result<VerifiedCardHolder, IdentityError> {
        let my_number = parse::ef0001(&dump.ef0001)?;
        let ef0002 = parse::ef0002(&dump.ef0002)?;
        let ef0003 = parse::ef0003(&dump.ef0003)?;
        let ef0004 = parse::ef0004(&dump.ef0004)?;
        let ef0007 = dump.ef0007.as_deref().map(parse::ef0007).transpose()?;

        let anchor =
            self.anchors
                .find(&ef0004.issuer_key_id)
                .ok_or_else(|| IdentityError::UnknownCa {
                    key_id: hex::encode(ef0004.issuer_key_id),
                })?;
        if !anchor.key().verifies(ef0004.body, ef0004.signature) {
            return Err(IdentityError::BadCertificate {
                key_id: hex::encode(ef0004.issuer_key_id),
            });
        }
        if !ef0004.key.verifies(ef0003.signed, ef0003.signature) {
            return Err(IdentityError::BadSignature);
        }
        if digest(&SHA256, &dump.ef0001).as_ref() != ef0003.hash_ef0001 {
            return Err(IdentityError::HashMismatch {
                file: CardFile::Ef0001,
            });
        }
        if digest(&SHA256, ef0002.hashed).as_ref() != ef0003.hash_ef0002 {
            return Err(IdentityError::HashMismatch {
                file: CardFile::Ef0002,
            });
        }

        let liveness = match (&dump.nonce, &dump.nonce_signature) {
            (None, None) if self.require_liveness => {
                return Err(IdentityError::BadLiveness {
                    reason: "liveness is required but no nonce signature was supplied",
                })
            }
            (None, None) => false,
            (Some(_), None) | (None, Some(_)) => {
                return Err(IdentityError::BadLiveness {
                    reason: "a nonce and its signature must be supplied together",
                })
            }
            (Some(nonce), Some(signature)) => {
                if nonce.len() < MIN_NONCE_LEN {
                    return Err(IdentityError::BadLiveness {
                        reason: "the nonce is shorter than 16 bytes",
                    });
                }
                let Some(ef0007) = ef0007 else {
                    return Err(IdentityError::BadLiveness {
                        reason: "ef0007 (the ap key) is needed to check the nonce signature",
                    });
                };
                if !ef0004.key.verifies(ef0007.signed, ef0007.signature) {
                    return Err(IdentityError::BadLiveness {
                        reason: "ef0007's key is not certified by the ef0004 key",
                    });
                }
                if !ef0007.key.verifies(nonce, signature) {
                    return Err(IdentityError::BadLiveness {
                        reason: "the nonce signature does not verify with the ef0007 key",
                    });
                }
                true
            }
        };

        let text = ef0002.text;
        Ok(VerifiedCardHolder {
            my_number,
            name: text.name,
            address: text.address,
            birth_date: text.birth_date,
            sex: text.sex,
            liveness,
        })
    }
}

/// Parses every file of a dump without verifying signatures (for fuzzing and tools).
/// Returns the first structural error.
pub fn parse_all(dump: &CardDump) -> Result<(), IdentityError> {
    parse::ef0001(&dump.ef0001)?;
    parse::ef0002(&dump.ef0002)?;
    parse::ef0003(&dump.ef0003)?;
    parse::ef0004(&dump.ef0004)?;
    if let Some(f) = &dump.ef0007 {
        parse::ef0007(f)?;
    }
    Ok(())
}

/// Parses one file by its name without verifying anything (for fuzzing and tools).
pub fn parse_file(which: CardFile, bytes: &[u8]) -> Result<(), IdentityError> {
    match which {
        CardFile::Ef0001 => parse::ef0001(bytes).map(drop),
        CardFile::Ef0002 => parse::ef0002(bytes).map(drop),
        CardFile::Ef0003 => parse::ef0003(bytes).map(drop),
        CardFile::Ef0004 => parse::ef0004(bytes).map(drop),
        CardFile::Ef0007 => parse::ef0007(bytes).map(drop),
        CardFile::Nonce | CardFile::NonceSignature => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EF0002_VECTOR: &str = "ff2065df2108000e002000590064df220fe9bb92e6a190e38080e5b9b9e4b99fdf2336e69db1e4baace983bde6b885e780ace5b882e8a6b3e5b883e5ad90e58d97efbc91efbc92efbc8defbc97efbc8defbc92efbc90efbc92df24083139383030323137df250131";

    #[test]
    fn the_reference_ef0002_vector_parses_to_the_synthetic_holder() {
        let bytes = hex::decode(EF0002_VECTOR).unwrap();
        assert_eq!(bytes.len(), 104);
        let text = parse_ef0002(&bytes).unwrap();
        assert_eq!(text.name.to_string(), "黒桐\u{3000}幹也");
        assert_eq!(text.address, "東京都清瀬市観布子南１２－７－２０２");
        assert_eq!(text.birth_date.to_string(), "1980-02-17");
        assert_eq!(text.sex, Sex::Male);
    }

    #[test]
    fn the_hashed_part_of_ef0002_starts_at_the_name() {
        let bytes = hex::decode(EF0002_VECTOR).unwrap();
        let p = parse::ef0002(&bytes).unwrap();
        assert_eq!(p.hashed, &bytes[14..]);
    }

    #[test]
    fn a_wrong_offset_table_is_malformed_not_trusted() {
        let mut bytes = hex::decode(EF0002_VECTOR).unwrap();
        // Third offset (birth date) 0x0059 -> 0x005a.
        bytes[11] = 0x5a;
        match parse_ef0002(&bytes) {
            Err(IdentityError::Malformed {
                file: CardFile::Ef0002,
                offset: 10,
                what,
            }) => assert_eq!(what, "offset table does not match the objects"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ef0002_field_errors_name_their_offset() {
        let base = hex::decode(EF0002_VECTOR).unwrap();
        let with = |at: usize, b: u8| {
            let mut v = base.clone();
            v[at] = b;
            v
        };
        for (name, bytes, offset) in [
            ("sex 3", with(103, b'3'), 103),
            ("birth month 22", with(96, b'2'), 92),
            ("birth letter", with(92, b'X'), 92),
            ("bad utf-8 in name", with(17, 0xFF), 17),
            (
                "filler not ff",
                [base.clone(), vec![0xFF, 0x41]].concat(),
                105,
            ),
            ("truncated", base[..100].to_vec(), 2),
        ] {
            match parse_ef0002(&bytes) {
                Err(IdentityError::Malformed { offset: o, .. }) => {
                    assert_eq!(o, offset, "case {name}")
                }
                other => panic!("case {name}: {other:?}"),
            }
        }
    }

    #[test]
    fn ef0001_reads_a_valid_my_number_and_rejects_a_bad_check_digit() {
        let mut f = vec![0xFF, 0x10, 0x0C];
        f.extend_from_slice(b"537686677188");
        f.extend_from_slice(&[0xFF, 0xFF]);
        assert_eq!(parse::ef0001(&f).unwrap().expose(), "537686677188");
        f[14] = b'9';
        assert!(matches!(
            parse::ef0001(&f),
            Err(IdentityError::Malformed {
                file: CardFile::Ef0001,
                offset: 3,
                ..
            })
        ));
    }
}
