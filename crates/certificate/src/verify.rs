//! Verifying certificates against a trust list: SMART Health Cards (QR numeric text,
//! chunked or not, compact JWS, `.smart-health-card` files, PNG images) and ICAO VDS-NC.
//!
//! Order of checks for a SHC, so nothing unauthenticated is inflated or trusted:
//! 1. decode the QR text (chunks reassembled) into a compact JWS;
//! 2. read the protected header only: `alg` must be ES256, `zip` DEF, `kid` present;
//! 3. find the trusted keys with that `kid` and check the ES256 signature;
//! 4. only then inflate (bounded) and parse the payload, and require that the payload's
//!    `iss` is the issuer the verifying key is trusted for: keys are chosen by (iss, kid);
//! 5. `nbf` at most 5 minutes ahead, `exp` not past, revocation when the key has
//!    `crlVersion`, x5c chains parsed (expired ones are warnings), immunization content.
//!
//! Nothing read is stored (A10-6-1): the functions are pure over their inputs.

use std::io::Read;

use flate2::read::DeflateDecoder;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde::Serialize;
use serde_json::Value;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::crl::{Crl, Rid};
use crate::key::{Directory, Issuer, Jwk, Jwks};
use crate::numeric::decode_numeric;
pub use crate::verify_error::{Stage, VerifyCode, VerifyError};
use crate::{b64, CertificateError};

/// Largest inflated payload we accept (a card fits in a few kB).
const MAX_PAYLOAD: u64 = 64 * 1024;

/// Largest text the verifier reads (QR text, JWS, `.smart-health-card` or VDS-NC
/// JSON): a card is a few kB; a JWS whose payload inflates to the 64 KiB allowed is
/// far below this. Checked before parsing, so every input runs in bounded memory.
pub const MAX_VERIFY_TEXT: usize = 256 * 1024;

fn too_long(len: usize) -> Refusal {
    vec![VerifyError::new(
        VerifyCode::Malformed,
        format!("the input is {len} bytes: at most {MAX_VERIFY_TEXT}"),
    )]
}

/// How far in the future `nbf` may lie (clock skew).
pub const NBF_LEEWAY_SECONDS: f64 = 300.0;

/// Japan's real issuer: its JWKS snapshot is trusted by default.
pub const JAPAN_ISSUER: &str = "https://vc.vrs.digital.go.jp/issuer";

const JAPAN_JWKS: &str = include_str!("../../../fixtures/trust/japan-vrs-issuer-jwks.json");

/// The issuers, keys, revocation lists and VDS-NC CSCA certificates a verifier trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    issuers: Vec<(Issuer, Jwk)>,
    crls: Vec<Crl>,
    cscas: Vec<Vec<u8>>,
    skip_revocation_check: bool,
}

impl TrustList {
    /// An empty list (trusts nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Japan's real issuer keys (`https://vc.vrs.digital.go.jp/issuer`, offline snapshot of
    /// 2024-06-01; the endpoint no longer resolves), so genuine Japanese cards still verify.
    pub fn japan() -> Self {
        let mut t = Self::new();
        let jwks = Jwks::from_json(JAPAN_JWKS).expect("the vendored Japan JWKS parses");
        t.add_jwks(Issuer::from_url(JAPAN_ISSUER), jwks);
        t
    }

    /// Trusts every key of `jwks` for issuer `iss`.
    pub fn add_jwks(&mut self, iss: Issuer, jwks: Jwks) {
        for k in jwks.keys {
            self.issuers.push((iss.clone(), k));
        }
    }

    /// Trusts every issuer of a directory (`vrs keys directory`).
    pub fn add_directory(&mut self, dir: Directory) {
        for e in dir.issuers {
            self.add_jwks(e.iss, Jwks { keys: e.keys });
        }
    }

    /// Reads a trust file: a directory `{"issuers":[{"iss","keys"}]}`, one issuer
    /// `{"iss","keys"}`, or a plain JWKS `{"keys"}` (then `iss` must be given).
    pub fn add_trust_json(
        &mut self,
        text: &str,
        iss: Option<Issuer>,
    ) -> Result<(), CertificateError> {
        let json_err = |source| CertificateError::Json {
            what: "jwks",
            source,
        };
        let v: Value = serde_json::from_str(text).map_err(json_err)?;
        if v.get("issuers").is_some() {
            let dir: Directory = serde_json::from_value(v).map_err(json_err)?;
            self.add_directory(dir);
            return Ok(());
        }
        let file_iss = v.get("iss").and_then(Value::as_str).map(Issuer::from_url);
        let jwks: Jwks = serde_json::from_value(v).map_err(json_err)?;
        match iss.or(file_iss) {
            Some(iss) => {
                self.add_jwks(iss, jwks);
                Ok(())
            }
            None => Err(CertificateError::Content {
                format: "jwks",
                reason: "a plain JWKS needs its issuer: pass ISS=FILE".into(),
            }),
        }
    }

    /// Uses a revocation list (matched to keys by `kid`).
    pub fn add_crl(&mut self, crl: Crl) {
        self.crls.push(crl);
    }

    /// Accepts cards whose key declares `crlVersion` without its current revocation list
    /// (reported as a warning): `--no-revocation-check`. By default such a card's status
    /// is unknown and it is not valid (`revocation_unknown`).
    pub fn skip_revocation_check(&mut self) {
        self.skip_revocation_check = true;
    }

    /// Trusts a CSCA certificate (DER) for VDS-NC barcode signers.
    pub fn add_csca_der(&mut self, der: Vec<u8>) {
        self.cscas.push(der);
    }

    pub(crate) fn cscas(&self) -> &[Vec<u8>] {
        &self.cscas
    }

    fn keys_with_kid<'a>(&'a self, kid: &'a str) -> impl Iterator<Item = &'a (Issuer, Jwk)> + 'a {
        self.issuers.iter().filter(move |(_, k)| k.kid == kid)
    }

    fn crl_for(&self, kid: &str) -> Option<&Crl> {
        self.crls
            .iter()
            .filter(|c| c.kid == kid)
            .max_by_key(|c| c.ctr)
    }
}

/// Which format a verified certificate had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    /// SMART Health Card.
    #[serde(rename = "shc")]
    Shc,
    /// ICAO VDS-NC.
    #[serde(rename = "vds-nc")]
    VdsNc,
}

/// One dose as read from a verified certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedDose {
    /// Date of vaccination (`YYYY-MM-DD` as written).
    pub date: String,
    /// CVX code (SHC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvx: Option<String>,
    /// Catalog id for the CVX code (SHC), or the brand name (VDS-NC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vaccine: Option<String>,
    /// Lot number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Who vaccinated (SHC performer display).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performer: Option<String>,
    /// Dose number (VDS-NC `seq`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose_number: Option<u64>,
    /// Country (VDS-NC `ctr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A certificate that passed every check (warnings are informational).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedCard {
    /// Always true (for the JSON shape).
    pub valid: bool,
    /// SHC or VDS-NC.
    pub format: Format,
    /// Issuer (SHC `iss`; VDS-NC issuing country).
    pub iss: String,
    /// Key id (SHC kid; VDS-NC: base64url SHA-256 of the signer certificate).
    pub kid: String,
    /// Not-before, Unix seconds (SHC).
    pub nbf: Option<f64>,
    /// Holder's name as written.
    pub name: String,
    /// Holder's birth date as written.
    pub birth_date: String,
    /// The doses.
    pub doses: Vec<VerifiedDose>,
    /// Non-fatal findings (expired x5c, revocation not checkable, ...).
    pub warnings: Vec<String>,
}

/// The refusal: every error found (after the signature check, all of them).
pub type Refusal = Vec<VerifyError>;

/// Verifies whatever text a scanner or file gave: `shc:/` lines (chunks in any order),
/// a compact JWS, a `.smart-health-card` JSON file, or a VDS-NC JSON document.
pub fn verify_text(text: &str, trust: &TrustList, at: f64) -> Result<VerifiedCard, Refusal> {
    if text.len() > MAX_VERIFY_TEXT {
        return Err(too_long(text.len()));
    }
    let t = text.trim();
    if t.starts_with('{') {
        let v: Value = serde_json::from_str(t).map_err(|e| {
            vec![VerifyError::new(
                VerifyCode::Malformed,
                format!("not valid json: {e}"),
            )]
        })?;
        if let Some(list) = v.get("verifiableCredential").and_then(Value::as_array) {
            let jws = list.first().and_then(Value::as_str).ok_or_else(|| {
                vec![VerifyError::new(
                    VerifyCode::Malformed,
                    "verifiableCredential holds no JWS",
                )]
            })?;
            return verify_jws(jws, trust, at);
        }
        return crate::vds::verify_vds_value(&v, trust, at);
    }
    if t.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("shc:/")) {
        // One more than a card may have, so that too many is still reported as such.
        let lines: Vec<&str> = t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(crate::numeric::MAX_CHUNKS + 1)
            .collect();
        return verify_qr_texts(&lines, trust, at);
    }
    verify_jws(t, trust, at)
}

/// Verifies a card given as QR texts (one, or every chunk of a chunked card).
pub fn verify_qr_texts(
    texts: &[&str],
    trust: &TrustList,
    at: f64,
) -> Result<VerifiedCard, Refusal> {
    let jws = decode_numeric(texts).map_err(|e| vec![e])?;
    verify_jws(&jws, trust, at)
}

/// Verifies the QR code(s) in a PNG image.
pub fn verify_png(png: &[u8], trust: &TrustList, at: f64) -> Result<VerifiedCard, Refusal> {
    let texts = crate::qr::decode_png(png)
        .map_err(|e| vec![VerifyError::new(VerifyCode::Malformed, e.to_string())])?;
    let joined = texts.join("\n");
    verify_text(&joined, trust, at)
}

/// Verifies a compact JWS SMART Health Card.
pub fn verify_jws(jws: &str, trust: &TrustList, at: f64) -> Result<VerifiedCard, Refusal> {
    let one = |code, m: String| vec![VerifyError::new(code, m)];
    if jws.len() > MAX_VERIFY_TEXT {
        return Err(too_long(jws.len()));
    }
    let jws = jws.trim();
    let mut it = jws.split('.');
    let (Some(h64), Some(p64), Some(s64), None) = (it.next(), it.next(), it.next(), it.next())
    else {
        return Err(one(
            VerifyCode::Malformed,
            "a JWS has three parts separated by '.'".into(),
        ));
    };
    // 2. header only
    let header: Value = b64::url_decode(h64)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            one(
                VerifyCode::Malformed,
                "the JWS header is not base64url JSON".into(),
            )
        })?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "ES256" {
        return Err(one(
            VerifyCode::UnsupportedAlgorithm,
            format!("alg {alg:?} is not ES256"),
        ));
    }
    if header.get("zip").and_then(Value::as_str) != Some("DEF") {
        return Err(one(
            VerifyCode::Malformed,
            "the JWS header must have zip DEF".into(),
        ));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| one(VerifyCode::Malformed, "the JWS header has no kid".into()))?;
    let signature = b64::url_decode(s64)
        .filter(|s| s.len() == 64)
        .ok_or_else(|| {
            one(
                VerifyCode::Malformed,
                "the signature is not 64 bytes of base64url (r‖s)".into(),
            )
        })?;
    // 3. signature by a trusted key with that kid
    let signed = &jws.as_bytes()[..h64.len() + 1 + p64.len()];
    let candidates: Vec<&(Issuer, Jwk)> = trust.keys_with_kid(kid).collect();
    if candidates.is_empty() {
        return Err(one(
            VerifyCode::UnknownKey,
            format!("no trusted issuer has a key with kid {kid}"),
        ));
    }
    let verified: Vec<&(Issuer, Jwk)> = candidates
        .into_iter()
        .filter(|(_, k)| {
            k.p256_point().is_some_and(|point| {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(signed, &signature)
                    .is_ok()
            })
        })
        .collect();
    if verified.is_empty() {
        return Err(one(
            VerifyCode::BadSignature,
            format!("the signature does not verify with key {kid}"),
        ));
    }
    // 4. inflate and parse, then bind (iss, kid)
    let compressed = b64::url_decode(p64)
        .ok_or_else(|| one(VerifyCode::Malformed, "the payload is not base64url".into()))?;
    let mut json = Vec::with_capacity(compressed.len() * 3);
    DeflateDecoder::new(compressed.as_slice())
        .take(MAX_PAYLOAD + 1)
        .read_to_end(&mut json)
        .map_err(|e| {
            one(
                VerifyCode::BadPayload,
                format!("the payload does not inflate: {e}"),
            )
        })?;
    if json.len() as u64 > MAX_PAYLOAD {
        return Err(one(
            VerifyCode::BadPayload,
            "the payload inflates beyond 64 KiB".into(),
        ));
    }
    let payload: Value = serde_json::from_slice(&json).map_err(|e| {
        one(
            VerifyCode::BadPayload,
            format!("the payload is not json: {e}"),
        )
    })?;
    let iss = payload.get("iss").and_then(Value::as_str).unwrap_or("");
    let Some((_, jwk)) = verified.iter().find(|(i, _)| i.as_str() == iss) else {
        return Err(one(
            VerifyCode::UnknownIssuer,
            format!("key {kid} is not trusted for issuer {iss:?}"),
        ));
    };
    // 5. claims
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let nbf = payload.get("nbf").and_then(Value::as_f64);
    match nbf {
        None => errors.push(VerifyError::new(
            VerifyCode::BadPayload,
            "the payload has no numeric nbf",
        )),
        Some(n) if n > at + NBF_LEEWAY_SECONDS => errors.push(VerifyError::new(
            VerifyCode::NotYetValid,
            format!("nbf {n} is more than 5 minutes after the verification time {at}"),
        )),
        Some(_) => {}
    }
    if let Some(exp) = payload.get("exp").and_then(Value::as_f64) {
        if exp < at {
            errors.push(VerifyError::new(
                VerifyCode::Expired,
                format!(
                    "exp {exp} ({}) is before the verification time {at}",
                    iso(exp)
                ),
            ));
        }
    }
    let vc = payload.get("vc");
    let types: Vec<&str> = vc
        .and_then(|v| v.get("type"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !types.contains(&"https://smarthealth.cards#health-card") {
        errors.push(VerifyError::new(
            VerifyCode::BadPayload,
            "vc.type lacks https://smarthealth.cards#health-card",
        ));
    }
    if !jwk.kid_is_thumbprint() {
        warnings.push(format!(
            "trusted key kid {kid} is not its RFC 7638 thumbprint"
        ));
    }
    let rid = vc.and_then(|v| v.get("rid")).and_then(Value::as_str);
    check_revocation(
        trust,
        jwk,
        rid,
        nbf.unwrap_or(0.0),
        &mut errors,
        &mut warnings,
    );
    check_x5c(jwk, at, &mut warnings);
    let bundle = vc
        .and_then(|v| v.get("credentialSubject"))
        .and_then(|s| s.get("fhirBundle"));
    let (name, birth_date, doses, types_seen) = read_bundle(bundle);
    if doses.is_empty() {
        errors.push(VerifyError::new(
            VerifyCode::NotImmunizationCard,
            format!(
                "the signature is valid but the bundle holds no Immunization (resources: {})",
                types_seen.join(", ")
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(VerifiedCard {
        valid: true,
        format: Format::Shc,
        iss: iss.to_owned(),
        kid: kid.to_owned(),
        nbf,
        name,
        birth_date,
        doses,
        warnings,
    })
}

fn check_revocation(
    trust: &TrustList,
    jwk: &Jwk,
    rid: Option<&str>,
    nbf: f64,
    errors: &mut Vec<VerifyError>,
    warnings: &mut Vec<String>,
) {
    let Some(version) = jwk.crl_version else {
        return;
    };
    let Some(rid) = rid else {
        return;
    };
    let Some(rid) = Rid::parse(rid) else {
        errors.push(VerifyError::new(
            VerifyCode::BadPayload,
            format!("vc.rid {rid:?} is not a revocation id"),
        ));
        return;
    };
    // A key that declares crlVersion can revoke: without its list (at least that
    // version) the card's status is unknown, so it is not valid unless the caller chose
    // not to check revocation.
    let unknown = match trust.crl_for(&jwk.kid) {
        None => Some(format!(
            "revocation status unknown: key {} declares crlVersion {version} but no revocation list for it was given",
            jwk.kid
        )),
        Some(crl) if crl.ctr < version => Some(format!(
            "revocation status unknown: the revocation list's ctr {} is older than the key's crlVersion {version}",
            crl.ctr
        )),
        Some(_) => None,
    };
    if let Some(crl) = trust.crl_for(&jwk.kid) {
        if crl.revokes(&rid, nbf) {
            errors.push(VerifyError::new(
                VerifyCode::Revoked,
                format!(
                    "rid {} is on the issuer's revocation list (ctr {})",
                    rid.as_str(),
                    crl.ctr
                ),
            ));
        }
    }
    match unknown {
        Some(m) if trust.skip_revocation_check => {
            warnings.push(format!("{m}; not checked (--no-revocation-check)"))
        }
        Some(m) => errors.push(VerifyError::new(VerifyCode::RevocationUnknown, m)),
        None => {}
    }
}

fn check_x5c(jwk: &Jwk, at: f64, warnings: &mut Vec<String>) {
    let Some(chain) = &jwk.x5c else {
        return;
    };
    let ders: Vec<Option<Vec<u8>>> = chain.iter().map(|c| b64::std_decode(c)).collect();
    let certs: Vec<Option<X509Certificate<'_>>> = ders
        .iter()
        .enumerate()
        .map(|(i, der)| match der {
            None => {
                warnings.push(format!("x5c[{i}] is not base64"));
                None
            }
            Some(der) => match X509Certificate::from_der(der) {
                Ok((_, cert)) => Some(cert),
                Err(e) => {
                    warnings.push(format!("x5c[{i}] does not parse: {e}"));
                    None
                }
            },
        })
        .collect();
    for (i, cert) in certs.iter().enumerate() {
        let Some(cert) = cert else { continue };
        let role = if i == 0 {
            "issuer certificate"
        } else {
            "CA certificate"
        };
        let nb = cert.validity().not_before.timestamp() as f64;
        let na = cert.validity().not_after.timestamp() as f64;
        if na < at {
            warnings.push(format!(
                "{role} x5c[{i}] ({}) expired on {}",
                cert.subject(),
                iso(na)
            ));
        } else if nb > at {
            warnings.push(format!(
                "{role} x5c[{i}] ({}) is not valid before {}",
                cert.subject(),
                iso(nb)
            ));
        }
        // Each certificate must be signed by the next one in the chain.
        if let Some(Some(parent)) = certs.get(i + 1) {
            match cert.verify_signature(Some(parent.public_key())) {
                Ok(()) => {}
                Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => {
                    warnings.push(format!(
                        "x5c[{i}] signature algorithm ({}) cannot be checked",
                        cert.signature_algorithm.algorithm
                    ));
                }
                Err(_) => warnings.push(format!("x5c[{i}] is not signed by x5c[{}]", i + 1)),
            }
        }
    }
    // The leaf must certify the very key in the JWK.
    if let (Some(Some(leaf)), Some(point)) = (certs.first(), jwk.p256_point()) {
        if leaf.public_key().subject_public_key.data.as_ref() != point.as_slice() {
            warnings.push("x5c[0] certifies a different key than the JWK".into());
        }
    }
}

fn iso(seconds: f64) -> String {
    chrono::DateTime::from_timestamp(seconds.floor() as i64, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| seconds.to_string())
}

fn read_bundle(bundle: Option<&Value>) -> (String, String, Vec<VerifiedDose>, Vec<String>) {
    let mut name = String::new();
    let mut birth = String::new();
    let mut doses = Vec::new();
    let mut types = Vec::new();
    let entries = bundle
        .and_then(|b| b.get("entry"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    for e in entries {
        let Some(r) = e.get("resource") else { continue };
        let rt = r.get("resourceType").and_then(Value::as_str).unwrap_or("?");
        types.push(rt.to_owned());
        match rt {
            "Patient" => {
                if let Some(n) = r.get("name").and_then(|n| n.get(0)) {
                    name = display_name(n);
                }
                birth = s(r.get("birthDate")).unwrap_or_default();
            }
            "Immunization" => {
                let cvx = s(r.pointer("/vaccineCode/coding/0/code"));
                doses.push(VerifiedDose {
                    date: s(r.get("occurrenceDateTime")).unwrap_or_default(),
                    vaccine: cvx
                        .as_deref()
                        .and_then(vrs_domain::VaccineProduct::by_cvx)
                        .map(|p| p.id().to_owned()),
                    cvx,
                    lot: s(r.get("lotNumber")),
                    performer: s(r.pointer("/performer/0/actor/display")),
                    dose_number: None,
                    country: None,
                });
            }
            _ => {}
        }
    }
    (name, birth, doses, types)
}

/// Western order (`John B. Anyperson`) for Latin names, family first with an
/// ideographic space (`山田　花子`) for Japanese ones.
fn display_name(n: &Value) -> String {
    if let Some(t) = n.get("text").and_then(Value::as_str) {
        return t.to_owned();
    }
    let family = n.get("family").and_then(Value::as_str).unwrap_or("");
    let given: Vec<&str> = n
        .get("given")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let given = given.join(" ");
    if given.is_empty() {
        family.to_owned()
    } else if family.is_ascii() {
        format!("{given} {family}")
    } else {
        format!("{family}\u{3000}{given}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_japan_trust_list_holds_three_es256_keys_with_thumbprint_kids() {
        let t = TrustList::japan();
        assert_eq!(t.issuers.len(), 3);
        for (iss, k) in &t.issuers {
            assert_eq!(iss.as_str(), JAPAN_ISSUER);
            assert!(k.kid_is_thumbprint(), "kid {}", k.kid);
            assert!(k.p256_point().is_some(), "kid {}", k.kid);
        }
    }

    #[test]
    fn the_japan_x5c_chains_parse_and_report_expiry_as_warnings() {
        let t = TrustList::japan();
        // 2030: every leaf (yearly keys from 2021) has expired.
        let at = 1_893_456_000.0;
        for (_, k) in &t.issuers {
            let mut w = Vec::new();
            check_x5c(k, at, &mut w);
            assert!(
                w.iter().any(|m| m.contains("expired")),
                "kid {}: {w:?}",
                k.kid
            );
            assert!(
                !w.iter().any(|m| m.contains("does not parse")
                    || m.contains("not signed")
                    || m.contains("different key")),
                "kid {}: {w:?}",
                k.kid
            );
        }
    }

    #[test]
    fn an_x5c_leaf_for_another_key_is_reported_and_a_good_chain_is_not() {
        let jwks = Jwks::from_json(include_str!(
            "../../../fixtures/vectors/shc/issuer-jwks.json"
        ))
        .unwrap();
        let (plain, with_chain) = (&jwks.keys[0], &jwks.keys[1]);
        let mut w = Vec::new();
        check_x5c(with_chain, 1_640_000_000.0, &mut w);
        // The root signs with ECDSA SHA-512, which ring cannot check: said, not failed.
        assert_eq!(
            w,
            ["x5c[1] signature algorithm (1.2.840.10045.4.3.4) cannot be checked"],
            "example-01 chain in 2021"
        );
        w.clear();
        let mut swapped = with_chain.clone();
        swapped.x = plain.x.clone();
        swapped.y = plain.y.clone();
        check_x5c(&swapped, 1_640_000_000.0, &mut w);
        assert_eq!(
            w.last().map(String::as_str),
            Some("x5c[0] certifies a different key than the JWK")
        );
    }

    #[test]
    fn display_name_table() {
        for (json, want) in [
            (
                r#"{"family":"Anyperson","given":["John","B."]}"#,
                "John B. Anyperson",
            ),
            (
                r#"{"use":"usual","family":"山田","given":["花子"]}"#,
                "山田\u{3000}花子",
            ),
            (r#"{"family":"YAMADA"}"#, "YAMADA"),
            (r#"{"text":"Jane Doe","family":"Doe"}"#, "Jane Doe"),
        ] {
            let v: Value = serde_json::from_str(json).unwrap();
            assert_eq!(display_name(&v), want, "name {json}");
        }
    }
}
