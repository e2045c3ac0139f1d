//! `certificate.json`: the certificate document an application hands back — the
//! content in plain JSON, the SMART Health Card (JWS and QR text), and the
//! VDS-NC for overseas certificates. Never a My Number (the content has none).

use serde_json::{json, Value};
use vrs_domain::{CertificateContent, CertificateKind};

use crate::SignedCertificate;

/// The certificate document as JSON.
pub fn certificate_document(
    content: &CertificateContent,
    shc: &SignedCertificate,
    vds_nc: Option<&str>,
) -> Value {
    let doses: Vec<Value> = content
        .doses()
        .iter()
        .map(|d| {
            json!({
                "dose_number": d.dose_number.get(),
                "date": d.date.to_string(),
                "vaccine": d.product.id(),
                "brand": d.product.brand_ja(),
                "maker": d.product.maker(),
                "cvx": d.product.cvx(),
                "lot": d.lot.as_str(),
                "country": vrs_domain::CertificateDose::COUNTRY,
            })
        })
        .collect();
    let mut holder = json!({
        "name": content.name().to_string(),
        "birth_date": content.birth_date().to_string(),
    });
    if let CertificateKind::Overseas(o) = content.kind() {
        holder["romaji_name"] = json!(o.romaji_name.to_string());
        holder["nationality"] = json!(o.nationality.to_string());
        holder["passport_number"] = json!(o.passport_number.to_string());
    }
    // The VDS-NC's identifier of the same certificate (overseas only).
    let uvci = matches!(content.kind(), CertificateKind::Overseas(_)).then(|| crate::uvci(content));
    let issuer = content.issuer();
    json!({
        "certificate_id": content.id().to_string(),
        "uvci": uvci,
        "kind": content.kind().as_str(),
        "issued_on": content.issued_on().to_string(),
        "issuer": {
            "code": issuer.to_string(),
            "name": issuer.info().name,
            "name_en": issuer.info().name_en(),
        },
        "holder": holder,
        "doses": doses,
        "shc": { "jws": shc.jws(), "kid": shc.kid(), "qr_text": shc.qr_text() },
        "vds_nc": vds_nc.map(|v| serde_json::from_str::<Value>(v).unwrap_or_else(|_| json!(v))),
    })
}
