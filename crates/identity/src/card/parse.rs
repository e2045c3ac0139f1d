//! Parsers for EF 0001, 0002, 0003, 0004 and 0007 of the input-support AP (no crypto here).

use chrono::NaiveDate;
use vrs_domain::{BirthDate, MyNumber, PersonName, Sex};

use crate::error::{CardFile, IdentityError};
use crate::tlv::{Reader, Tlv};

/// The fixed tags of the input-support AP's files.
mod tag {
    pub(crate) const MY_NUMBER: u32 = 0xFF10;
    pub(crate) const TEXT: u32 = 0xFF20;
    pub(crate) const OFFSETS: u32 = 0xDF21;
    pub(crate) const NAME: u32 = 0xDF22;
    pub(crate) const ADDRESS: u32 = 0xDF23;
    pub(crate) const BIRTH: u32 = 0xDF24;
    pub(crate) const SEX: u32 = 0xDF25;
    pub(crate) const SIGNED_HASHES: u32 = 0xFF30;
    pub(crate) const HASH_EF0001: u32 = 0xDF31;
    pub(crate) const HASH_EF0002: u32 = 0xDF32;
    pub(crate) const HASH_SIGNATURE: u32 = 0xDF33;
    pub(crate) const CVC: u32 = 0x7F21;
    pub(crate) const CVC_BODY: u32 = 0x5F4E;
    pub(crate) const CVC_SIGNATURE: u32 = 0x5F37;
    pub(crate) const EXPONENT: u32 = 0x90;
    pub(crate) const MODULUS: u32 = 0x91;
    pub(crate) const AP_KEY_FILE: u32 = 0xFF50;
    pub(crate) const AP_KEY: u32 = 0xDF51;
    pub(crate) const AP_KEY_SIGNATURE: u32 = 0xDF52;
}

/// An RSA public key as the card writes it (`90 <e>` `91 <n>`), borrowed from the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RsaKey<'a> {
    pub(crate) n: &'a [u8],
    pub(crate) e: &'a [u8],
}

impl RsaKey<'_> {
    /// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        ring::signature::RsaPublicKeyComponents {
            n: self.n,
            e: self.e,
        }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            message,
            signature,
        )
        .is_ok()
    }
}

/// Reads `90 <e>` then `91 <n>` from `r`.
fn rsa_key<'a>(r: &mut Reader<'a>) -> Result<RsaKey<'a>, IdentityError> {
    let at = r.pos();
    let e = r.expect(tag::EXPONENT, "expected the public exponent (tag 90)")?;
    if e.value.is_empty() || e.value.len() > 4 || e.value[0] == 0 {
        return Err(r.malformed(
            at,
            "public exponent must be 1 to 4 bytes without leading zero",
        ));
    }
    let at = r.pos();
    let n = r.expect(tag::MODULUS, "expected the modulus (tag 91)")?;
    if !(256..=1024).contains(&n.value.len()) || n.value[0] == 0 {
        return Err(r.malformed(at, "modulus must be 2048 to 8192 bits without leading zero"));
    }
    Ok(RsaKey {
        n: n.value,
        e: e.value,
    })
}

/// Reads the single outer object of a file, then checks that only filler follows.
fn outer<'a>(
    which: CardFile,
    file: &'a [u8],
    tag: u32,
    what: &'static str,
) -> Result<Tlv<'a>, IdentityError> {
    let mut r = Reader::new(which, file);
    let tlv = r.expect(tag, what)?;
    r.filler_to_end()?;
    Ok(tlv)
}

/// Checks that a reader over a container has nothing left.
fn no_more(r: &Reader<'_>) -> Result<(), IdentityError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(r.malformed(r.pos(), "unexpected object at the end of the container"))
    }
}

/// EF 0001: `FF 10 0C` + the My Number in 12 ASCII digits, then filler.
pub(crate) fn ef0001(file: &[u8]) -> Result<MyNumber, IdentityError> {
    const F: CardFile = CardFile::Ef0001;
    let tlv = outer(
        F,
        file,
        tag::MY_NUMBER,
        "expected the my number object (tag ff10)",
    )?;
    let bad = || IdentityError::Malformed {
        file: F,
        offset: tlv.value_start,
        what: "my number must be 12 ascii digits with a valid check digit",
    };
    let text = std::str::from_utf8(tlv.value).map_err(|_| bad())?;
    text.parse().map_err(|_| bad())
}

/// The text of EF 0002 before any signature has been checked.
///
/// Only [`crate::CardVerifier`] turns it into a [`crate::VerifiedCardHolder`]; the
/// parser is public for tools and tests (e.g. the README's test vector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedCardText {
    /// 氏名: family and given name.
    pub name: PersonName,
    /// 住所, as written on the card (full-width digits).
    pub address: String,
    /// 生年月日.
    pub birth_date: BirthDate,
    /// 性別.
    pub sex: Sex,
}

/// EF 0002 parsed, with the byte range that DF32 hashes.
pub(crate) struct Ef0002<'a> {
    pub(crate) text: UnverifiedCardText,
    /// From the `DF 22` tag to the end of `DF 25`.
    pub(crate) hashed: &'a [u8],
}

/// Parses EF 0002 (name, address, birth date, sex) without verifying anything.
pub fn parse_ef0002(file: &[u8]) -> Result<UnverifiedCardText, IdentityError> {
    ef0002(file).map(|p| p.text)
}

pub(crate) fn ef0002(file: &[u8]) -> Result<Ef0002<'_>, IdentityError> {
    const F: CardFile = CardFile::Ef0002;
    let all = outer(F, file, tag::TEXT, "expected the text object (tag ff20)")?;
    let mut r = Reader::inside(F, file, &all);
    let at = r.pos();
    let table = r.expect(tag::OFFSETS, "expected the offset table (tag df21)")?;
    if table.value.len() != 8 {
        return Err(r.malformed(at, "offset table must hold four 2-byte offsets"));
    }
    let offsets: Vec<usize> = table
        .value
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_be_bytes([c[0], c[1]])))
        .collect();
    let mut objects = Vec::with_capacity(4);
    for (i, (tag, what)) in [
        (tag::NAME, "expected the name (tag df22)"),
        (tag::ADDRESS, "expected the address (tag df23)"),
        (tag::BIRTH, "expected the birth date (tag df24)"),
        (tag::SEX, "expected the sex (tag df25)"),
    ]
    .into_iter()
    .enumerate()
    {
        // The table is checked, not trusted: each object must start where it says.
        if offsets[i] != r.pos() {
            return Err(r.malformed(
                table.value_start + 2 * i,
                "offset table does not match the objects",
            ));
        }
        objects.push(r.expect(tag, what)?);
    }
    no_more(&r)?;
    let [name, address, birth, sex] = [objects[0], objects[1], objects[2], objects[3]];
    let text_of = |t: &Tlv<'_>, what: &'static str| -> Result<String, IdentityError> {
        let s = std::str::from_utf8(t.value).map_err(|_| IdentityError::Malformed {
            file: F,
            offset: t.value_start,
            what,
        })?;
        if s.is_empty() || s.chars().any(char::is_control) {
            return Err(IdentityError::Malformed {
                file: F,
                offset: t.value_start,
                what,
            });
        }
        Ok(s.to_owned())
    };
    let name_text = text_of(
        &name,
        "name must be non-empty utf-8 without control characters",
    )?;
    let name: PersonName = name_text.parse().map_err(|_| IdentityError::Malformed {
        file: F,
        offset: name.value_start,
        what: "name must be family and given name separated by a space",
    })?;
    let address = text_of(
        &address,
        "address must be non-empty utf-8 without control characters",
    )?;
    let birth_date = birth_date(&birth).ok_or(IdentityError::Malformed {
        file: F,
        offset: birth.value_start,
        what: "birth date must be 8 ascii digits yyyymmdd of a calendar date",
    })?;
    let sex = match sex.value {
        b"1" => Sex::Male,
        b"2" => Sex::Female,
        b"9" => Sex::NotApplicable,
        _ => {
            return Err(IdentityError::Malformed {
                file: F,
                offset: sex.value_start,
                what: "sex must be one ascii digit 1, 2 or 9",
            })
        }
    };
    let first = offsets[0];
    Ok(Ef0002 {
        text: UnverifiedCardText {
            name,
            address,
            birth_date,
            sex,
        },
        hashed: &file[first..all.end()],
    })
}

fn birth_date(t: &Tlv<'_>) -> Option<BirthDate> {
    let v = t.value;
    if v.len() != 8 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let year = i32::try_from(num(&v[..4])).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(&v[4..6]), num(&v[6..]))?;
    BirthDate::from_date(date).ok()
}

/// EF 0003 parsed.
pub(crate) struct Ef0003<'a> {
    pub(crate) hash_ef0001: &'a [u8],
    pub(crate) hash_ef0002: &'a [u8],
    /// `DF31 20 <h1> DF32 20 <h2>`: the 70 signed bytes.
    pub(crate) signed: &'a [u8],
    pub(crate) signature: &'a [u8],
}

pub(crate) fn ef0003(file: &[u8]) -> Result<Ef0003<'_>, IdentityError> {
    const F: CardFile = CardFile::Ef0003;
    let all = outer(
        F,
        file,
        tag::SIGNED_HASHES,
        "expected the signed hashes (tag ff30)",
    )?;
    let mut r = Reader::inside(F, file, &all);
    let mut hash = |tag, what| -> Result<Tlv<'_>, IdentityError> {
        let at = r.pos();
        let h = r.expect(tag, what)?;
        if h.value.len() != 32 {
            return Err(IdentityError::Malformed {
                file: F,
                offset: at,
                what: "a sha-256 hash must be 32 bytes",
            });
        }
        Ok(h)
    };
    let h1 = hash(tag::HASH_EF0001, "expected the hash of ef0001 (tag df31)")?;
    let h2 = hash(tag::HASH_EF0002, "expected the hash of ef0002 (tag df32)")?;
    let sig = r.expect(tag::HASH_SIGNATURE, "expected the signature (tag df33)")?;
    no_more(&r)?;
    Ok(Ef0003 {
        hash_ef0001: h1.value,
        hash_ef0002: h2.value,
        signed: &file[h1.start..h2.end()],
        signature: sig.value,
    })
}

/// EF 0004: the card-verifiable certificate, parsed.
pub(crate) struct Ef0004<'a> {
    pub(crate) issuer_key_id: [u8; 16],
    /// The subject key ID (names the certified key; kept for diagnostics).
    #[allow(dead_code)]
    pub(crate) subject_key_id: [u8; 16],
    pub(crate) key: RsaKey<'a>,
    /// The 297 (for RSA-2048) body bytes the CA signed.
    pub(crate) body: &'a [u8],
    pub(crate) signature: &'a [u8],
}

pub(crate) fn ef0004(file: &[u8]) -> Result<Ef0004<'_>, IdentityError> {
    const F: CardFile = CardFile::Ef0004;
    let all = outer(F, file, tag::CVC, "expected the certificate (tag 7f21)")?;
    let mut r = Reader::inside(F, file, &all);
    let body = r.expect(tag::CVC_BODY, "expected the certificate body (tag 5f4e)")?;
    let sig = r.expect(
        tag::CVC_SIGNATURE,
        "expected the certificate signature (tag 5f37)",
    )?;
    no_more(&r)?;
    if body.value.len() < 32 {
        return Err(IdentityError::Malformed {
            file: F,
            offset: body.value_start,
            what: "certificate body too short for two key ids",
        });
    }
    let mut ids = [[0u8; 16]; 2];
    ids[0].copy_from_slice(&body.value[..16]);
    ids[1].copy_from_slice(&body.value[16..32]);
    // Skip the two key IDs; offsets stay file-relative.
    let keys = Tlv {
        tag: 0,
        start: body.value_start + 32,
        value_start: body.value_start + 32,
        value: &body.value[32..],
    };
    let mut b = Reader::inside(F, file, &keys);
    let key = rsa_key(&mut b)?;
    no_more(&b)?;
    Ok(Ef0004 {
        issuer_key_id: ids[0],
        subject_key_id: ids[1],
        key,
        body: body.value,
        signature: sig.value,
    })
}

/// EF 0007: the AP's own public key, certified by the EF 0004 key.
pub(crate) struct Ef0007<'a> {
    pub(crate) key: RsaKey<'a>,
    /// The whole `DF 51` object (tag, length and value).
    pub(crate) signed: &'a [u8],
    pub(crate) signature: &'a [u8],
}

pub(crate) fn ef0007(file: &[u8]) -> Result<Ef0007<'_>, IdentityError> {
    const F: CardFile = CardFile::Ef0007;
    let all = outer(
        F,
        file,
        tag::AP_KEY_FILE,
        "expected the ap key file (tag ff50)",
    )?;
    let mut r = Reader::inside(F, file, &all);
    let key_obj = r.expect(tag::AP_KEY, "expected the ap public key (tag df51)")?;
    let sig = r.expect(
        tag::AP_KEY_SIGNATURE,
        "expected the ap key signature (tag df52)",
    )?;
    no_more(&r)?;
    let mut k = Reader::inside(F, file, &key_obj);
    let key = rsa_key(&mut k)?;
    no_more(&k)?;
    Ok(Ef0007 {
        key,
        signed: &file[key_obj.start..key_obj.end()],
        signature: sig.value,
    })
}
