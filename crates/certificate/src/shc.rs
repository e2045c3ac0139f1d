//! Issuing SMART Health Cards: certificate content → minified FHIR R4 bundle (Japan's
//! shape) → raw DEFLATE → JWS ES256 → numeric QR text `shc:/...`.

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::Compression;
use serde::Serialize;
use vrs_domain::{CertificateContent, CertificateKind};

use crate::crl::Rid;
use crate::key::{Issuer, IssuerKey};
use crate::{b64, CertificateError};

/// `vc.type` as Japan issued it (health card, immunization, COVID-19).
pub const VC_TYPES: [&str; 3] = [
    "https://smarthealth.cards#health-card",
    "https://smarthealth.cards#immunization",
    "https://smarthealth.cards#covid19",
];

/// The FHIR code system of vaccine codes.
pub const CVX_SYSTEM: &str = "http://hl7.org/fhir/sid/cvx";

/// Data codewords of a version-22 QR code at error-correction level L (ISO/IEC 18004 table 7).
const V22_L_DATA_BITS: usize = 1006 * 8;

/// A signed SMART Health Card. Only [`issue`] builds one (proof type).
#[derive(Clone, PartialEq, Eq)]
pub struct SignedCertificate {
    jws: String,
    kid: String,
}

impl SignedCertificate {
    /// The compact JWS `header.payload.signature`.
    pub fn jws(&self) -> &str {
        &self.jws
    }

    /// The signing key's id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The QR text: `shc:/` followed by two digits per JWS character (char − 45).
    pub fn qr_text(&self) -> String {
        numeric_text(&self.jws)
    }

    /// The `.smart-health-card` file: `{"verifiableCredential":["<jws>"]}`.
    pub fn to_file_json(&self) -> String {
        serde_json::json!({ "verifiableCredential": [self.jws] }).to_string()
    }
}

impl std::fmt::Debug for SignedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SignedCertificate(kid {}, {} chars)",
            self.kid,
            self.jws.len()
        )
    }
}

/// What [`issue`] needs besides the content and key.
#[derive(Debug, Clone)]
pub struct IssueOptions<'a> {
    /// `iss`: the issuing municipality's issuer URL.
    pub issuer: &'a Issuer,
    /// `nbf`: issue time, Unix seconds.
    pub nbf: i64,
    /// Optional `exp`, Unix seconds (Japan's cards had none).
    pub exp: Option<i64>,
    /// `vc.rid`, so the card can be revoked ([`crate::RevocationSecret::rid`]).
    pub rid: Option<&'a Rid>,
}

#[derive(Serialize)]
struct Payload<'a> {
    iss: &'a str,
    nbf: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    vc: Vc<'a>,
}

#[derive(Serialize)]
struct Vc<'a> {
    #[serde(rename = "type")]
    type_: [&'static str; 3],
    #[serde(rename = "credentialSubject")]
    credential_subject: Subject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rid: Option<&'a str>,
}

#[derive(Serialize)]
struct Subject<'a> {
    #[serde(rename = "fhirVersion")]
    fhir_version: &'static str,
    #[serde(rename = "fhirBundle")]
    fhir_bundle: Bundle<'a>,
}

#[derive(Serialize)]
struct Bundle<'a> {
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    #[serde(rename = "type")]
    type_: &'static str,
    entry: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(rename = "fullUrl")]
    full_url: String,
    resource: Resource<'a>,
}

#[derive(Serialize)]
#[serde(tag = "resourceType")]
enum Resource<'a> {
    Patient {
        name: [Name<'a>; 1],
        #[serde(rename = "birthDate")]
        birth_date: String,
    },
    Immunization {
        status: &'static str,
        #[serde(rename = "vaccineCode")]
        vaccine_code: Codeable,
        patient: Reference,
        #[serde(rename = "occurrenceDateTime")]
        occurrence: String,
        performer: [Performer<'a>; 1],
        #[serde(rename = "lotNumber")]
        lot_number: &'a str,
    },
}

#[derive(Serialize)]
struct Name<'a> {
    #[serde(rename = "use")]
    use_: &'static str,
    family: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    given: Vec<&'a str>,
}

#[derive(Serialize)]
struct Codeable {
    coding: [Coding; 1],
}

#[derive(Serialize)]
struct Coding {
    system: &'static str,
    code: &'static str,
}

#[derive(Serialize)]
struct Reference {
    reference: &'static str,
}

#[derive(Serialize)]
struct Performer<'a> {
    actor: Actor<'a>,
}

#[derive(Serialize)]
struct Actor<'a> {
    display: &'a str,
}

/// Who gave a dose, as the card's `performer.actor.display` states it.
fn performer(content: &CertificateContent, dose: &vrs_domain::CertificateDose) -> String {
    let code = dose
        .site
        .as_ref()
        .map_or(content.issuer(), |s| s.municipality);
    let gov = code.info();
    match content.kind() {
        CertificateKind::Overseas(_) => gov
            .name_en()
            .unwrap_or_else(|| format!("local government {code}")),
        CertificateKind::Domestic => match dose.site.as_ref().and_then(|s| s.venue.as_ref()) {
            Some(venue) => venue.as_str().to_owned(),
            None => format!("{}{}", gov.prefecture_code.info().name, gov.name),
        },
    }
}

/// The minified JSON payload (before compression) of a card for `content`.
///
/// Domestic cards carry the kanji name; overseas cards the passport's romaji name
/// (nationality and passport number go on the certificate document, not in the QR).
/// The performer is the vaccination site that gave the dose as recorded (its venue, else
/// its municipality), or the issuing municipality when no site was recorded; on overseas
/// cards the municipality's English name.
pub fn payload_json(content: &CertificateContent, opts: &IssueOptions<'_>) -> String {
    let performers: Vec<String> = content
        .doses()
        .iter()
        .map(|d| performer(content, d))
        .collect();
    let name = match content.kind() {
        CertificateKind::Domestic => Name {
            use_: "usual",
            family: content.name().family(),
            given: vec![content.name().given()],
        },
        CertificateKind::Overseas(h) => Name {
            use_: "usual",
            family: h.romaji_name.family(),
            given: if h.romaji_name.given().is_empty() {
                vec![]
            } else {
                h.romaji_name
                    .given()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .collect()
            },
        },
    };
    let mut entry = Vec::with_capacity(content.doses().len() + 1);
    entry.push(Entry {
        full_url: "resource:0".into(),
        resource: Resource::Patient {
            name: [name],
            birth_date: content.birth_date().to_string(),
        },
    });
    for (i, dose) in content.doses().iter().enumerate() {
        entry.push(Entry {
            full_url: format!("resource:{}", i + 1),
            resource: Resource::Immunization {
                status: "completed",
                vaccine_code: Codeable {
                    coding: [Coding {
                        system: CVX_SYSTEM,
                        code: dose.cvx(),
                    }],
                },
                patient: Reference {
                    reference: "resource:0",
                },
                occurrence: dose.date.format("%Y-%m-%d").to_string(),
                performer: [Performer {
                    actor: Actor {
                        display: &performers[i],
                    },
                }],
                lot_number: dose.lot.as_str(),
            },
        });
    }
    let payload = Payload {
        iss: opts.issuer.as_str(),
        nbf: opts.nbf,
        exp: opts.exp,
        vc: Vc {
            type_: VC_TYPES,
            credential_subject: Subject {
                fhir_version: "4.0.1",
                fhir_bundle: Bundle {
                    resource_type: "Bundle",
                    type_: "collection",
                    entry,
                },
            },
            rid: opts.rid.map(Rid::as_str),
        },
    };
    serde_json::to_string(&payload).expect("the payload always serializes")
}

/// Raw DEFLATE (RFC 1951, no zlib header) at the best compression: every byte saved
/// is two QR digits.
pub(crate) fn deflate(data: &[u8]) -> Result<Vec<u8>, CertificateError> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(data.len() / 2), Compression::best());
    enc.write_all(data)
        .and_then(|()| enc.finish())
        .map_err(|source| CertificateError::Io {
            what: "deflate",
            source,
        })
}

/// The JWS protected header for a key: `{"zip":"DEF","alg":"ES256","kid":...}`.
pub(crate) fn header_json(kid: &str) -> String {
    format!(r#"{{"zip":"DEF","alg":"ES256","kid":"{kid}"}}"#)
}

/// Whether a JWS of `jws_chars` characters fits one QR code of version ≤ 22 at level L
/// as a `shc:/` byte segment plus a numeric segment.
pub fn fits_one_qr(jws_chars: usize) -> bool {
    qr_bits(jws_chars) <= V22_L_DATA_BITS
}

fn qr_bits(jws_chars: usize) -> usize {
    let digits = jws_chars * 2;
    let numeric = 10 * (digits / 3)
        + match digits % 3 {
            1 => 4,
            2 => 7,
            _ => 0,
        };
    // byte segment: mode 4 + count 16 + 5 bytes; numeric segment: mode 4 + count 12.
    (4 + 16 + 40) + (4 + 12) + numeric
}

/// Issues a card: payload → DEFLATE → JWS ES256 (fixed r‖s). Refuses content whose JWS
/// would not fit one QR code of version 22 (cards are never chunked).
pub fn issue(
    content: &CertificateContent,
    key: &IssuerKey,
    opts: &IssueOptions<'_>,
) -> Result<SignedCertificate, CertificateError> {
    let payload = payload_json(content, opts);
    let compressed = deflate(payload.as_bytes())?;
    let header = header_json(key.kid());
    let mut jws = String::with_capacity(128 + compressed.len() * 4 / 3 + 90);
    b64::url_into(header.as_bytes(), &mut jws);
    jws.push('.');
    b64::url_into(&compressed, &mut jws);
    let signature = key.sign(jws.as_bytes())?;
    jws.push('.');
    b64::url_into(signature.as_ref(), &mut jws);
    if !fits_one_qr(jws.len()) {
        return Err(CertificateError::QrTooLarge {
            jws_chars: jws.len(),
            bytes: qr_bits(jws.len()).div_ceil(8),
        });
    }
    Ok(SignedCertificate {
        jws,
        kid: key.kid().to_owned(),
    })
}

/// `shc:/` + two digits per character (ord − 45).
pub fn numeric_text(jws: &str) -> String {
    let mut out = String::with_capacity(5 + jws.len() * 2);
    out.push_str("shc:/");
    for b in jws.bytes() {
        let v = b.saturating_sub(45);
        out.push(char::from(b'0' + v / 10));
        out.push(char::from(b'0' + v % 10));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_text_matches_the_official_example_00() {
        let jws = include_str!("../../../fixtures/vectors/shc/example-00-d-jws.txt").trim();
        let qr =
            include_str!("../../../fixtures/vectors/shc/example-00-f-qr-code-numeric-value-0.txt")
                .trim();
        assert_eq!(numeric_text(jws), qr);
    }

    #[test]
    fn qr_capacity_boundary_is_at_about_1195_characters() {
        // The SHC spec quotes 1195 JWS characters as the version-22 single-QR limit.
        for (chars, fits) in [(1000, true), (1190, true), (1210, false), (3285, false)] {
            assert_eq!(fits_one_qr(chars), fits, "{chars} chars");
        }
    }
}
