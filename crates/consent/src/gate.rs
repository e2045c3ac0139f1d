//! The gate: no use of VRS without consent to the base terms.

use chrono::NaiveDate;
use vrs_domain::Principal;

use crate::decision::{Action, Finding, Request};
use crate::facts::Facts;
use crate::provision::cite;

/// Legal basis: T1-2-3 (別紙1 第2条第3項)
///
/// > A municipality uses VRS only after consenting (including its internal approval).
///
/// Interpretation: a municipality (acting as holder or as a vaccination site) that
/// consents to no version of the base terms (`terms-2021-03` or `terms-2021-12-03`)
/// on the day of the request is refused every use case — import, registration,
/// inquiry, export, issuance — except giving or withdrawing its own consent, which
/// is how it gets through the gate. A holding municipality without consent answers
/// no one, so the gate also applies to the holder of an inquiry.
pub(crate) fn consented_to_base_terms(
    req: &Request,
    facts: &Facts,
    day: NaiveDate,
    out: &mut Vec<Finding>,
) {
    // Consenting must be possible before consenting; electronic issuance has its
    // own consent rule (N-3), whose exact message the applicant must see; the
    // data is handed back at the end of a contract, consent withdrawn or not (M-13).
    if matches!(
        req.action,
        Action::GrantConsent
            | Action::RevokeConsent
            | Action::IssueCertificate
            | Action::ExportMunicipality
    ) {
        return;
    }
    let acting = match req.principal {
        Principal::Municipality(m) | Principal::Site(m) => Some(m),
        _ => None,
    };
    if let Some(m) = acting {
        if facts.consents_to_base_terms(m, day) {
            out.push(Finding::met(
                cite("T1-2-3"),
                format!("{m} consents to the base terms"),
            ));
        } else {
            out.push(Finding::unmet(
                cite("T1-2-3"),
                format!("{m} has not consented to the terms of use of VRS, so it cannot use VRS"),
            ));
        }
    }
    if req.action == Action::Inquire {
        if let Some(holder) = req.partition {
            if !facts.consents_to_base_terms(holder, day) {
                out.push(Finding::unmet(
                    cite("T1-2-3"),
                    format!("the holding municipality {holder} has not consented to the terms of use of VRS, so it provides data to no one"),
                ));
            }
        }
    }
}
