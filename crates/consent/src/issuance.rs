//! Electronic issuance of certificates and the issuers' keys.

use chrono::NaiveDate;
use vrs_domain::Principal;

use crate::decision::{Action, Finding, Request};
use crate::documents::DocumentId;
use crate::facts::Facts;
use crate::provision::cite;

/// The exact text the app shows when the municipality has not consented (N-3).
pub const N3_MESSAGE: &str = "この自治体では、まだアプリでの発行を開始していません。恐れ入りますが、自治体の発行方法を確認の上、手続きをお願いします。";

/// Legal basis: N-3, N-1 (本文 3; 本文 1)
///
/// > Electronic issuance of the vaccination certificate through the app needs the
/// > municipality's consent (N-1). If the municipality has NOT consented to
/// > electronic issuance and a person applies through the app, the app shows
/// > exactly: 「この自治体では、まだアプリでの発行を開始していません。…」 (N-3).
///
/// Interpretation: consent to electronic issuance is consent to the 2021-12-03
/// version of the base terms (the version that adds it, T1-1, T1-4-1); consent to
/// the 2021-03 terms alone is not. Without it, the application is refused on N-3
/// alone, and the refusal's reason is the exact message.
pub(crate) fn e_issuance_consented(
    req: &Request,
    facts: &Facts,
    day: NaiveDate,
    out: &mut Vec<Finding>,
) {
    if req.action == Action::CreateIssuerKey {
        return issuer_key_for_consenting_municipality(req, facts, day, out);
    }
    // Counter issuance has its own consent rule (T1-4-1, crate::counter).
    if req.action != Action::IssueCertificate || req.at_counter {
        return;
    }
    let Some(m) = req.partition else { return };
    if facts.consents_to(m, DocumentId::Terms20211203, day) {
        out.push(Finding::met(
            cite("N-1"),
            format!("{m} consents to electronic issuance (terms-2021-12-03)"),
        ));
    } else {
        out.push(Finding::unmet(cite("N-3"), N3_MESSAGE));
    }
}

/// Legal basis: N-1 (本文 1)
///
/// > Electronic issuance of the vaccination certificate through the app needs the
/// > municipality's consent (N-1).
///
/// Interpretation: an issuer signing key exists only to sign the municipality's
/// electronic certificates, so a municipality's first key is created (and published in
/// its JWKS) only once it consents to electronic issuance (the 2021-12-03 terms, as for
/// N-3). Keys it already has stay published after a withdrawal, so the certificates they
/// signed still verify; that needs no decision.
fn issuer_key_for_consenting_municipality(
    req: &Request,
    facts: &Facts,
    day: NaiveDate,
    out: &mut Vec<Finding>,
) {
    match req.partition {
        Some(m) if facts.consents_to(m, DocumentId::Terms20211203, day) => {
            out.push(Finding::met(
                cite("N-1"),
                format!("{m} consents to electronic issuance (terms-2021-12-03), so it signs with its own key"),
            ));
        }
        Some(m) => out.push(Finding::unmet(
            cite("N-1"),
            format!("{m} has not consented to electronic issuance (terms-2021-12-03), so no issuer key is created for it"),
        )),
        None => out.push(Finding::unmet(
            cite("N-1"),
            "an issuer key belongs to one municipality, and none was named",
        )),
    }
}

/// Legal basis: T1-4-2 (別紙1 第4条第2項)
///
/// > A certificate's issuer is the municipality that manages the vaccination record
/// > written on it.
///
/// Interpretation: a certificate is issued only in the name of the municipality
/// whose area holds the record (`municipality:X` issuing from X's area), never by
/// another municipality, a site, the State or the operator. Each issuer signs with
/// its own key; replacing (rotating) a key is the operator's job, since it runs the
/// service that holds the keys (T1-2), and no one else's.
pub(crate) fn issuer_is_the_holder(req: &Request, out: &mut Vec<Finding>) {
    match req.action {
        Action::IssueCertificate => match (req.principal, req.partition) {
            (Principal::Municipality(me), Some(holder)) if me == holder => out.push(Finding::met(
                cite("T1-4-2"),
                format!("{me} issues from the records it manages"),
            )),
            (principal, holder) => out.push(Finding::unmet(
                cite("T1-4-2"),
                format!(
                    "{principal} cannot issue a certificate for records managed by {}",
                    holder.map_or("no municipality".to_owned(), |h| h.to_string())
                ),
            )),
        },
        Action::RotateIssuerKey => {
            if req.principal == Principal::Operator {
                out.push(Finding::met(
                    cite("T1-4-2"),
                    "the operator rotates issuer keys",
                ));
            } else {
                out.push(Finding::unmet(
                    cite("T1-4-2"),
                    format!(
                        "{} cannot rotate issuer keys: only the operator can",
                        req.principal
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// Legal basis: S-2-14 (システム要件 2-14)
///
/// > Certificate issuance: ... add a 2D code carrying an electronic signature that
/// > guarantees the content's authenticity, following international practice.
///
/// Interpretation: the overseas certificate is read at foreign borders, where the
/// international practice is ICAO's VDS-NC (Doc 9303 Part 13 and the VDS-NC guidelines)
/// signed by a barcode signer that the national CSCA certified. An overseas certificate is
/// therefore issued only with its VDS-NC: while the instance has no barcode signer
/// configured, every overseas application is refused (never issued without it). The
/// domestic certificate's 2D code is the SMART Health Card signed with the municipality's
/// own key, which is always available. Configuring the barcode signer (importing its
/// key and certificate, making its certificate request) is the operator's job: it runs
/// the service that holds the keys; no municipality, site, prefecture or the State can.
pub(crate) fn overseas_certificate_carries_vds_nc(
    req: &Request,
    facts: &Facts,
    out: &mut Vec<Finding>,
) {
    match req.action {
        Action::IssueCertificate if req.overseas_certificate => {
            if facts.barcode_signer {
                out.push(Finding::met(
                    cite("S-2-14"),
                    "the overseas certificate carries a VDS-NC signed by the configured barcode signer",
                ));
            } else {
                out.push(Finding::unmet(
                    cite("S-2-14"),
                    "no VDS-NC barcode signer is configured, and an overseas certificate is never issued without its VDS-NC (vrs keys vds-signer import)",
                ));
            }
        }
        Action::ConfigureBarcodeSigner => {
            if req.principal == Principal::Operator {
                out.push(Finding::met(
                    cite("S-2-14"),
                    "the operator configures the barcode signer",
                ));
            } else {
                out.push(Finding::unmet(
                    cite("S-2-14"),
                    format!(
                        "{} cannot configure the barcode signer: only the operator can",
                        req.principal
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// The provisions an application refused after the rules allowed it rests on,
/// by the refusal's kind (the identity errors' `kind()` and the record checks):
///
/// - the card's data failed verification (`malformed`, `hash_mismatch`, `bad_signature`,
///   `bad_certificate`, `unknown_ca`, `dump`, `anchors`): V8, P9-5, A10-4-1 — VRS verifies
///   the signature on the data read from the card;
/// - `bad_liveness`: P9-1 (two factors: the card must be present), V8;
/// - `invalid_mrz`, `passport_missing`: S-2-14 (the passport read by its MRZ), A10-4-3/4;
/// - `passport_expired`: A10-4-7 (card and passport valid and unexpired);
/// - `birth_date_mismatch`: A10-4-3/4, A10-4-7 (the passport must be the card holder's);
/// - `no_record`, `no_completed_dose`: A10-4-5 (issued only from a proper record found by My Number).
pub fn application_refusal_grounds(kind: &str) -> Vec<crate::ProvisionId> {
    let ids: &[&'static str] = match kind {
        "bad_liveness" => &["P9-1", "V8"],
        "invalid_mrz" => &["S-2-14", "A10-4-3/4"],
        "passport_missing" => &["S-2-14", "A10-4-3/4"],
        "passport_expired" => &["A10-4-7"],
        "birth_date_mismatch" => &["A10-4-3/4", "A10-4-7"],
        "no_record" | "no_completed_dose" => &["A10-4-5"],
        _ => &["V8", "P9-5", "A10-4-1"],
    };
    ids.iter().map(|id| cite(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_application_refusal_cites_the_provisions_of_its_kind() {
        let card = ["V8", "P9-5", "A10-4-1"];
        for (kind, want) in [
            ("malformed", &card[..]),
            ("hash_mismatch", &card),
            ("bad_signature", &card),
            ("bad_certificate", &card),
            ("unknown_ca", &card),
            ("dump", &card),
            ("anchors", &card),
            ("bad_liveness", &["P9-1", "V8"]),
            ("invalid_mrz", &["S-2-14", "A10-4-3/4"]),
            ("passport_missing", &["S-2-14", "A10-4-3/4"]),
            ("passport_expired", &["A10-4-7"]),
            ("birth_date_mismatch", &["A10-4-3/4", "A10-4-7"]),
            ("no_record", &["A10-4-5"]),
            ("no_completed_dose", &["A10-4-5"]),
        ] {
            let grounds = application_refusal_grounds(kind);
            let got: Vec<&str> = grounds.iter().map(|g| g.as_str()).collect();
            assert_eq!(got, want, "{kind}");
            for g in grounds {
                assert!(crate::ProvisionId::new(g.as_str()).is_some(), "{kind}: {g}");
            }
        }
    }
}
