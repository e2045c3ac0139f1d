//! The ICAO certificate profile of the VDS-NC barcode signer (Doc 9303 Part 12, the VDS-NC
//! guidelines) and its checks: the extensions as exact DER, the PKCS#10 request for the
//! national CSCA, and what a verifier demands of a signer certificate.
//!
//! Certificates and requests are assembled with rcgen, which writes the TBS, the names,
//! the validity, the Basic Constraints of a CA and the Authority Key Identifier correctly
//! but encodes Key Usage as nine bits (trailing zero bits, not DER) and writes an explicit
//! `cA FALSE` (a DEFAULT value, not DER) for a non-CA with a Subject Key Identifier. So the
//! Key Usage, the signer's Subject Key Identifier, the Extended Key Usage and the Document
//! Type List are encoded here, byte for byte, and handed to rcgen as custom extensions;
//! a non-CA certificate carries no Basic Constraints at all (RFC 5280 4.2.1.9 allows it).

use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::CertificateError;

/// Extended key usage of a VDS-NC barcode signer (ICAO: 2.23.136.1.1.14.2).
pub const EKU_VDS_NC: &str = "2.23.136.1.1.14.2";
/// The Document Type List extension (`id-icao-mrtd-security-extensions-documentTypeList`).
pub const DOCUMENT_TYPE_LIST: &str = "2.23.136.1.1.6.2";
/// The VDS-NC document type of a proof of vaccination (`icao.vacc`).
pub const DOC_TYPE_VACCINATION: &str = "NV";

/// OID arcs, for rcgen.
pub const EKU_VDS_NC_ARCS: [u64; 7] = [2, 23, 136, 1, 1, 14, 2];
/// OID arcs of the Document Type List extension.
pub const DOCUMENT_TYPE_LIST_ARCS: [u64; 7] = [2, 23, 136, 1, 1, 6, 2];
const KEY_USAGE_ARCS: [u64; 4] = [2, 5, 29, 15];
const SKI_ARCS: [u64; 4] = [2, 5, 29, 14];
const EKU_ARCS: [u64; 4] = [2, 5, 29, 37];

/// One X.509 extension: OID arcs, criticality and the DER of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The extension's OID.
    pub oid: Vec<u64>,
    /// Whether it is critical.
    pub critical: bool,
    /// The DER of `extnValue`'s content.
    pub value: Vec<u8>,
}

/// Key usage bits (RFC 5280 4.2.1.3), by bit number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsageBit {
    /// Bit 0.
    DigitalSignature = 0,
    /// Bit 5.
    KeyCertSign = 5,
    /// Bit 6.
    CrlSign = 6,
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn oid_der(arcs: &[u64]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        body.extend(tmp.iter().rev());
    };
    push(arcs[0] * 40 + arcs[1]);
    for &a in &arcs[2..] {
        push(a);
    }
    tlv(0x06, &body)
}

/// Key Usage, critical, as a DER named-bit BIT STRING: no trailing zero bits.
pub fn key_usage(bits: &[KeyUsageBit]) -> Extension {
    let mut value: u16 = 0;
    for b in bits {
        value |= 0x8000 >> (*b as u16);
    }
    let bytes = if value & 0x00ff == 0 {
        vec![(value >> 8) as u8]
    } else {
        vec![(value >> 8) as u8, value as u8]
    };
    let last = *bytes.last().expect("one byte at least");
    let unused = if last == 0 {
        0
    } else {
        last.trailing_zeros() as u8
    };
    let mut content = vec![unused];
    content.extend(bytes);
    Extension {
        oid: KEY_USAGE_ARCS.to_vec(),
        critical: true,
        value: tlv(0x03, &content),
    }
}

/// The RFC 5280 4.2.1.2 method (1) key identifier: SHA-1 of the subjectPublicKey bits.
pub fn key_identifier(subject_public_key: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, subject_public_key)
        .as_ref()
        .to_vec()
}

/// Subject Key Identifier, not critical.
pub fn subject_key_identifier(subject_public_key: &[u8]) -> Extension {
    Extension {
        oid: SKI_ARCS.to_vec(),
        critical: false,
        value: tlv(0x04, &key_identifier(subject_public_key)),
    }
}

/// Extended Key Usage naming only the VDS-NC barcode signer purpose, not critical.
pub fn vds_nc_extended_key_usage() -> Extension {
    Extension {
        oid: EKU_ARCS.to_vec(),
        critical: false,
        value: tlv(0x30, &oid_der(&EKU_VDS_NC_ARCS)),
    }
}

/// Document Type List (`SEQUENCE { version INTEGER v0, docTypeList SET OF PrintableString }`),
/// not critical; the SET OF is sorted as DER requires.
pub fn document_type_list(types: &[&str]) -> Extension {
    let mut items: Vec<Vec<u8>> = types.iter().map(|t| tlv(0x13, t.as_bytes())).collect();
    items.sort();
    let set = tlv(0x31, &items.concat());
    let mut seq = tlv(0x02, &[0]);
    seq.extend(set);
    Extension {
        oid: DOCUMENT_TYPE_LIST_ARCS.to_vec(),
        critical: false,
        value: tlv(0x30, &seq),
    }
}

fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (n as usize, rest),
        0x81 => (*rest.first()? as usize, &rest[1..]),
        0x82 if rest.len() >= 2 => (((rest[0] as usize) << 8) | rest[1] as usize, &rest[2..]),
        _ => return None,
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// Reads a Document Type List extension value: its document types.
pub fn parse_document_type_list(value: &[u8]) -> Option<Vec<String>> {
    let (0x30, seq, []) = read_tlv(value)? else {
        return None;
    };
    let (0x02, _version, rest) = read_tlv(seq)? else {
        return None;
    };
    let (0x31, mut set, []) = read_tlv(rest)? else {
        return None;
    };
    let mut out = Vec::new();
    while !set.is_empty() {
        let (0x13, s, rest) = read_tlv(set)? else {
            return None;
        };
        out.push(String::from_utf8(s.to_vec()).ok()?);
        set = rest;
    }
    Some(out)
}

/// The subject of a barcode signer's certificate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerSubject {
    country: String,
    organization: Option<String>,
    common_name: String,
}

impl std::str::FromStr for SignerSubject {
    type Err = CertificateError;

    /// `C=JP,O=...,CN=...` (C and CN required; printable characters only).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: String| CertificateError::X509 { reason };
        let (mut c, mut o, mut cn) = (None, None, None);
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("subject part {part:?} is not KEY=VALUE")))?;
            let v = v.trim().to_owned();
            if v.is_empty() || v.len() > 64 || !v.bytes().all(printable) {
                return Err(bad(format!(
                    "subject {k}: {v:?} is not 1-64 PrintableString characters"
                )));
            }
            match k.trim() {
                "C" => c = Some(v),
                "O" => o = Some(v),
                "CN" => cn = Some(v),
                other => return Err(bad(format!("subject attribute {other:?}: use C, O, CN"))),
            }
        }
        let country = c.ok_or_else(|| bad("subject needs C=".into()))?;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad(format!(
                "subject C={country:?} is not a two-letter country code"
            )));
        }
        Ok(Self {
            country,
            organization: o,
            common_name: cn.ok_or_else(|| bad("subject needs CN=".into()))?,
        })
    }
}

fn printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

impl SignerSubject {
    /// The distinguished name for rcgen, every attribute a PrintableString.
    pub fn distinguished_name(&self) -> rcgen::DistinguishedName {
        let ps = |s: &str| {
            rcgen::DnValue::PrintableString(
                rcgen::PrintableString::try_from(s).expect("checked printable"),
            )
        };
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CountryName, ps(&self.country));
        if let Some(o) = &self.organization {
            dn.push(rcgen::DnType::OrganizationName, ps(o));
        }
        dn.push(rcgen::DnType::CommonName, ps(&self.common_name));
        dn
    }
}

/// Adds the extensions to rcgen parameters as custom extensions.
pub fn add_extensions(params: &mut rcgen::CertificateParams, exts: &[Extension]) {
    for e in exts {
        let mut ext = rcgen::CustomExtension::from_oid_content(&e.oid, e.value.clone());
        ext.set_criticality(e.critical);
        params.custom_extensions.push(ext);
    }
}

/// The extensions of a barcode signer certificate (and its request): Key Usage
/// digitalSignature, the VDS-NC Extended Key Usage, the Document Type List `NV` and the
/// Subject Key Identifier of `subject_public_key`.
pub fn barcode_signer_extensions(subject_public_key: &[u8]) -> Vec<Extension> {
    vec![
        key_usage(&[KeyUsageBit::DigitalSignature]),
        vds_nc_extended_key_usage(),
        document_type_list(&[DOC_TYPE_VACCINATION]),
        subject_key_identifier(subject_public_key),
    ]
}

/// A new barcode signer key (PKCS#8) and its PKCS#10 request (DER) for the CSCA.
pub fn barcode_signer_request(
    subject: &SignerSubject,
) -> Result<(Vec<u8>, Vec<u8>), CertificateError> {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| CertificateError::Random)?;
    let key_err = |e: rcgen::Error| CertificateError::Key {
        reason: e.to_string(),
    };
    let key = rcgen::KeyPair::try_from(pkcs8.as_ref()).map_err(key_err)?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = subject.distinguished_name();
    let point = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| CertificateError::Key {
            reason: "generated key does not load".into(),
        })?;
    let spk = ring::signature::KeyPair::public_key(&point)
        .as_ref()
        .to_vec();
    add_extensions(&mut params, &barcode_signer_extensions(&spk));
    let csr = params.serialize_request(&key).map_err(key_err)?;
    Ok((pkcs8.as_ref().to_vec(), csr.der().to_vec()))
}

/// Why a certificate cannot sign VDS-NCs of proof of vaccination: it lacks the VDS-NC
/// Extended Key Usage, or its Document Type List does not name `NV`.
pub fn check_barcode_signer(cert: &X509Certificate<'_>) -> Result<(), String> {
    let eku = cert
        .extended_key_usage()
        .map_err(|e| format!("extended key usage does not parse ({e})"))?
        .ok_or("no extended key usage (the VDS-NC signer needs 2.23.136.1.1.14.2)")?;
    if !eku
        .value
        .other
        .iter()
        .any(|o| o.to_id_string() == EKU_VDS_NC)
    {
        return Err(
            "extended key usage does not name the VDS-NC signer (2.23.136.1.1.14.2)".into(),
        );
    }
    let list = cert
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == DOCUMENT_TYPE_LIST)
        .ok_or("no Document Type List extension (2.23.136.1.1.6.2)")?;
    let types = parse_document_type_list(list.value)
        .ok_or("the Document Type List extension is not valid DER")?;
    if !types.iter().any(|t| t == DOC_TYPE_VACCINATION) {
        return Err(format!(
            "the Document Type List names {types:?}, not NV (proof of vaccination)"
        ));
    }
    Ok(())
}

/// What `vrs keys vds-signer show` prints about a signer certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignerInfo {
    /// The certificate's subject (RFC 4514).
    pub subject: String,
    /// Its issuer, the CSCA.
    pub csca: String,
    /// Serial number, hex.
    pub serial: String,
    /// Valid from (RFC 3339).
    pub not_before: String,
    /// Valid until (RFC 3339).
    pub not_after: String,
}

/// Describes a DER signer certificate.
pub fn signer_info(cert_der: &[u8]) -> Result<SignerInfo, CertificateError> {
    let (_, cert) = X509Certificate::from_der(cert_der).map_err(|e| CertificateError::X509 {
        reason: format!("signer certificate does not parse ({e})"),
    })?;
    let time = |t: x509_parser::time::ASN1Time| {
        chrono::DateTime::from_timestamp(t.timestamp(), 0)
            .map(|d| d.to_rfc3339())
            .unwrap_or_default()
    };
    Ok(SignerInfo {
        subject: cert.subject().to_string(),
        csca: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string().replace(':', ""),
        not_before: time(cert.validity().not_before),
        not_after: time(cert.validity().not_after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_has_no_trailing_zero_bits() {
        // digitalSignature: one bit used, seven unused.
        assert_eq!(
            key_usage(&[KeyUsageBit::DigitalSignature]).value,
            [0x03, 0x02, 0x07, 0x80]
        );
        // keyCertSign + cRLSign: bits 5 and 6, one unused.
        assert_eq!(
            key_usage(&[KeyUsageBit::KeyCertSign, KeyUsageBit::CrlSign]).value,
            [0x03, 0x02, 0x01, 0x06]
        );
    }

    #[test]
    fn the_document_type_list_round_trips() {
        let ext = document_type_list(&["NV"]);
        assert_eq!(
            ext.value,
            [0x30, 0x09, 0x02, 0x01, 0x00, 0x31, 0x04, 0x13, 0x02, b'N', b'V']
        );
        assert_eq!(parse_document_type_list(&ext.value).unwrap(), ["NV"]);
        assert_eq!(parse_document_type_list(&ext.value[..8]), None);
    }

    #[test]
    fn the_eku_oid_encodes_as_icao_assigned() {
        assert_eq!(
            vds_nc_extended_key_usage().value,
            [0x30, 0x09, 0x06, 0x07, 0x67, 0x81, 0x08, 0x01, 0x01, 0x0e, 0x02]
        );
    }

    #[test]
    fn subjects_parse_with_c_and_cn_only_printable() {
        assert!("C=JP,O=Digital Agency,CN=VRS Barcode Signer 1"
            .parse::<SignerSubject>()
            .is_ok());
        for bad in ["CN=x", "C=JP", "C=jp,CN=x", "C=JP,CN=山田", "C=JP,X=1,CN=y"] {
            assert!(bad.parse::<SignerSubject>().is_err(), "{bad}");
        }
    }
}
