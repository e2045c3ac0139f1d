//! Counter issuance (窓口発行): a clerk issues the paper certificate to a person
//! who applied in person and whose identity was checked at the counter.

use chrono::NaiveDate;

use crate::decision::{Action, Finding, Request};
use crate::documents::DocumentId;
use crate::facts::Facts;
use crate::provision::cite;

/// Legal basis: T1-4-1 (別紙1 第4条第1項; read with 第1条, T1-1)
///
/// > VRS functions = functions ①–⑥ of the 2021-03-05 notice plus certificate issuance
/// > (incl. electronic issuance) (T1-4-1); the terms are what a municipality agrees to
/// > in order to use VRS, including the electronic issuance function (T1-1).
///
/// Interpretation: certificate issuance is a function of VRS only under the
/// 2021-12-03 version of the terms, which added it; a municipality issues a paper
/// certificate at its counter through VRS only while it consents to that version.
/// Consent to the 2021-03 terms alone is not enough. The app's own consent rule
/// (N-1, N-3, with its fixed message to the applicant) does not apply at the
/// counter: the clerk, not the app, answers the person. Who may issue (the
/// municipality that holds the record, T1-4-2; a clerk or administrator, T1-9-1)
/// and the emergency stop of certificate issuance (T1-10, function `e-issuance`,
/// since the same issuer keys sign) are decided by their own rules.
pub(crate) fn counter_issuance_consented(
    req: &Request,
    facts: &Facts,
    day: NaiveDate,
    out: &mut Vec<Finding>,
) {
    if req.action != Action::IssueCertificate || !req.at_counter {
        return;
    }
    let Some(m) = req.partition else { return };
    if facts.consents_to(m, DocumentId::Terms20211203, day) {
        out.push(Finding::met(
            cite("T1-4-1"),
            format!("{m} consents to the 2021-12-03 terms, whose functions include certificate issuance"),
        ));
    } else {
        out.push(Finding::unmet(
            cite("T1-4-1"),
            format!("{m} has not consented to the 2021-12-03 terms, which add certificate issuance to VRS: it cannot issue certificates at the counter through VRS"),
        ));
    }
}
