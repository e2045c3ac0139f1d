//! ICAO VDS-NC (Visible Digital Seal for non-constrained environments, v1.0) proof of
//! vaccination `icao.vacc` for overseas certificates: sign with the barcode signer's key
//! and X.509 certificate, verify against trusted CSCA certificates with x509-parser.
//!
//! Document: `{"data":{"hdr":{"t":"icao.vacc","v":1,"is":"JPN"},"msg":{"uvci",
//! "pid":{"n","dob","sex"?,"i"},"ve":[{"des","nam","dis","vd":[{"dvc","seq","ctr","adm","lot"}]}]}},
//! "sig":{"alg":"ES256","cer":<base64url DER>,"sigvl":<base64url r‖s>}}`; the signature
//! covers the JSON Canonicalization Scheme (RFC 8785) form of `data`. base64url values are
//! written with `=` padding (RFC 4648 section 5) and read with or without it.

use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use serde_json::{json, Map, Value};
use vrs_domain::{CertificateContent, CertificateDose, CertificateKind};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::verify::{
    Format, Refusal, TrustList, VerifiedCard, VerifiedDose, VerifyCode, VerifyError,
};
use crate::{b64, CertificateError};

/// ICD-11 extension code for "COVID-19 vaccines" (`ve.des`).
pub const ICD11_COVID19_VACCINE: &str = "XM68M6";
/// ICD-11 code for "COVID-19, virus identified" (`ve.dis`).
pub const ICD11_COVID19: &str = "RA01.0";

/// A barcode signer: ES256 key plus its X.509 certificate (issued by a CSCA).
pub struct VdsSigner {
    pair: EcdsaKeyPair,
    cert_der: Vec<u8>,
    rng: SystemRandom,
}

impl std::fmt::Debug for VdsSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VdsSigner(..)")
    }
}

impl VdsSigner {
    /// Loads the signer's PKCS#8 key and DER certificate; the certificate's public key
    /// must be the key's.
    pub fn new(pkcs8: &[u8], cert_der: Vec<u8>) -> Result<Self, CertificateError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|e| CertificateError::Key {
                reason: format!("VDS-NC signer key is not a P-256 PKCS#8 key ({e})"),
            })?;
        let (_, cert) =
            X509Certificate::from_der(&cert_der).map_err(|e| CertificateError::X509 {
                reason: format!("signer certificate does not parse ({e})"),
            })?;
        if cert.public_key().subject_public_key.data.as_ref() != pair.public_key().as_ref() {
            return Err(CertificateError::X509 {
                reason: "signer certificate is not for this key".into(),
            });
        }
        crate::icao::check_barcode_signer(&cert).map_err(|reason| CertificateError::X509 {
            reason: format!("not a VDS-NC barcode signer certificate: {reason}"),
        })?;
        Ok(Self {
            pair,
            cert_der,
            rng,
        })
    }

    /// Signs an overseas certificate as a VDS-NC JSON document.
    pub fn sign(&self, content: &CertificateContent) -> Result<String, CertificateError> {
        let data = vds_data(content)?;
        let signature = self
            .pair
            .sign(&self.rng, jcs(&data).as_bytes())
            .map_err(|_| CertificateError::Signing)?;
        let doc = json!({
            "data": data,
            "sig": {
                "alg": "ES256",
                "cer": b64::url_padded(&self.cert_der),
                "sigvl": b64::url_padded(signature.as_ref()),
            }
        });
        Ok(doc.to_string())
    }
}

/// The 12-character `uvci` for a certificate id: the first 60 bits in base32 (RFC 4648
/// alphabet), unique enough per issuer and never the internal id itself.
pub fn uvci(content: &CertificateContent) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let hex = &content.id().as_str()[..15];
    let bits = u64::from_str_radix(hex, 16).expect("certificate ids are hex");
    (0..12)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect()
}

fn vds_data(content: &CertificateContent) -> Result<Value, CertificateError> {
    let CertificateKind::Overseas(holder) = content.kind() else {
        return Err(CertificateError::Content {
            format: "vds-nc",
            reason: "only overseas certificates carry a VDS-NC".into(),
        });
    };
    let name = holder.romaji_name.to_string();
    if name.len() > 39 {
        return Err(CertificateError::Content {
            format: "vds-nc",
            reason: format!("pid.n has {} characters, at most 39", name.len()),
        });
    }
    // One `ve` per product, doses in order.
    let mut ve: Vec<(&str, Vec<&CertificateDose>)> = Vec::new();
    for d in content.doses() {
        match ve.iter_mut().find(|(id, _)| *id == d.product.id()) {
            Some((_, list)) => list.push(d),
            None => ve.push((d.product.id(), vec![d])),
        }
    }
    let ve: Vec<Value> = ve
        .into_iter()
        .map(|(_, doses)| {
            json!({
                "des": ICD11_COVID19_VACCINE,
                "nam": doses[0].product.brand(),
                "dis": ICD11_COVID19,
                "vd": doses.iter().map(|d| json!({
                    "dvc": d.date.format("%Y-%m-%d").to_string(),
                    "seq": d.dose_number.get(),
                    "ctr": CertificateDose::COUNTRY,
                    "adm": administering_centre(content, d),
                    "lot": d.lot.as_str(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut pid = json!({
        "n": name,
        "dob": content.birth_date().to_string(),
        "i": holder.passport_number.as_str(),
    });
    // The sex when known, as Doc 9303 writes it.
    match holder.sex {
        Some(vrs_domain::Sex::Male) => pid["sex"] = json!("M"),
        Some(vrs_domain::Sex::Female) => pid["sex"] = json!("F"),
        _ => {}
    }
    Ok(json!({
        "hdr": {"t": "icao.vacc", "v": 1, "is": "JPN"},
        "msg": {
            "uvci": uvci(content),
            "pid": pid,
            "ve": ve,
        }
    }))
}

/// `vd.adm` (administering centre, at most 20 characters): the health authority of the
/// site that gave the dose (the issuer when none was recorded), by its English name
/// ("Chiyoda City"), or its local government code when the name is longer.
fn administering_centre(content: &CertificateContent, d: &CertificateDose) -> String {
    let code = d.site.as_ref().map_or(content.issuer(), |s| s.municipality);
    vrs_domain::romaji::local_gov_en(code.info())
        .filter(|n| n.len() <= 20)
        .unwrap_or_else(|| format!("JPN {code}"))
}

/// RFC 8785 JSON Canonicalization Scheme for the values VDS-NC uses (objects with
/// sorted keys, arrays, strings, integers, booleans, null).
pub fn jcs(v: &Value) -> String {
    let mut out = String::new();
    write_jcs(v, &mut out);
    out
}

fn write_jcs(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            // RFC 8785 sorts by UTF-16 code units.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_jcs(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_jcs(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Verifies a parsed VDS-NC document against the trust list's CSCA certificates.
pub(crate) fn verify_vds_value(
    doc: &Value,
    trust: &TrustList,
    at: f64,
) -> Result<VerifiedCard, Refusal> {
    let one = |code, m: String| vec![VerifyError::new(code, m)];
    let (Some(data), Some(sig)) = (doc.get("data"), doc.get("sig")) else {
        return Err(one(
            VerifyCode::Malformed,
            "json is neither a SMART Health Card file nor a VDS-NC (data, sig)".into(),
        ));
    };
    let hdr = data
        .get("hdr")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    if hdr.get("t").and_then(Value::as_str) != Some("icao.vacc")
        || hdr.get("v").and_then(Value::as_u64) != Some(1)
    {
        return Err(one(
            VerifyCode::Malformed,
            "VDS-NC header is not t icao.vacc, v 1".into(),
        ));
    }
    if sig.get("alg").and_then(Value::as_str) != Some("ES256") {
        return Err(one(
            VerifyCode::UnsupportedAlgorithm,
            "VDS-NC sig.alg is not ES256".into(),
        ));
    }
    let cert_der = sig
        .get("cer")
        .and_then(Value::as_str)
        .and_then(b64::url_decode_any_padding)
        .ok_or_else(|| one(VerifyCode::Malformed, "sig.cer is not base64url".into()))?;
    let sigvl = sig
        .get("sigvl")
        .and_then(Value::as_str)
        .and_then(b64::url_decode_any_padding)
        .filter(|s| s.len() == 64)
        .ok_or_else(|| {
            one(
                VerifyCode::Malformed,
                "sig.sigvl is not a 64-byte base64url signature".into(),
            )
        })?;
    let (_, cert) = X509Certificate::from_der(&cert_der).map_err(|e| {
        one(
            VerifyCode::Malformed,
            format!("sig.cer does not parse as X.509: {e}"),
        )
    })?;
    // The signer certificate must be signed by a trusted CSCA.
    let anchored = trust.cscas().iter().any(|der| {
        X509Certificate::from_der(der).is_ok_and(|(_, csca)| {
            csca.subject() == cert.issuer()
                && csca.is_ca()
                && cert.verify_signature(Some(csca.public_key())).is_ok()
        })
    });
    if !anchored {
        return Err(one(
            VerifyCode::UntrustedSigner,
            format!(
                "signer certificate ({}) is not issued by a trusted CSCA",
                cert.subject()
            ),
        ));
    }
    // The CSCA certifies signers for purposes: this one must be a VDS-NC barcode signer
    // (EKU 2.23.136.1.1.14.2) for proofs of vaccination (Document Type List NV).
    if let Err(reason) = crate::icao::check_barcode_signer(&cert) {
        return Err(one(
            VerifyCode::UntrustedSigner,
            format!(
                "signer certificate ({}) is not a VDS-NC signer for proofs of vaccination: {reason}",
                cert.subject()
            ),
        ));
    }
    let point = cert.public_key().subject_public_key.data.as_ref();
    if UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(jcs(data).as_bytes(), &sigvl)
        .is_err()
    {
        return Err(one(
            VerifyCode::BadSignature,
            "the VDS-NC signature does not verify".into(),
        ));
    }
    let mut warnings = Vec::new();
    let na = cert.validity().not_after.timestamp() as f64;
    if na < at {
        warnings.push(format!(
            "signer certificate ({}) expired at {}",
            cert.subject(),
            na
        ));
    }
    let msg = data.get("msg").cloned().unwrap_or(Value::Null);
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let mut doses = Vec::new();
    for ve in msg
        .get("ve")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        for vd in ve
            .get("vd")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            doses.push(VerifiedDose {
                date: s(vd.get("dvc")).unwrap_or_default(),
                cvx: None,
                vaccine: s(ve.get("nam")),
                lot: s(vd.get("lot")),
                performer: s(vd.get("adm")),
                dose_number: vd
                    .get("seq")
                    .and_then(|q| q.as_u64().or_else(|| q.as_str()?.parse().ok())),
                country: s(vd.get("ctr")),
            });
        }
    }
    if doses.is_empty() {
        return Err(one(
            VerifyCode::NotImmunizationCard,
            "the VDS-NC lists no vaccination".into(),
        ));
    }
    Ok(VerifiedCard {
        valid: true,
        format: Format::VdsNc,
        iss: s(hdr.get("is")).unwrap_or_default(),
        kid: b64::url(digest::digest(&digest::SHA256, &cert_der).as_ref()),
        nbf: None,
        name: s(msg.pointer("/pid/n")).unwrap_or_default(),
        birth_date: s(msg.pointer("/pid/dob")).unwrap_or_default(),
        doses,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jcs_sorts_keys_and_has_no_whitespace() {
        let v: Value =
            serde_json::from_str(r#"{"b": [1, {"z": "é", "a": null}], "a": "x\n"}"#).unwrap();
        assert_eq!(jcs(&v), r#"{"a":"x\n","b":[1,{"a":null,"z":"é"}]}"#);
    }
}
