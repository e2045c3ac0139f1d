//! Purpose limitation of data received from individuals.

use crate::decision::{Action, Finding, Purpose, Request};
use crate::provision::cite;

/// Legal basis: T1-9-3, M-9 (別紙1 第9条第3項; 別紙6 覚書 第9条)
///
/// > Data received from individuals through electronic issuance is used only for
/// > the certificate-issuance business. No use outside the contract's purpose; no
/// > provision to third parties.
///
/// Interpretation: data marked as received from an individual through electronic
/// issuance (the card's and passport's data, the issuance history) may be read only
/// with the purpose `certificate_issuance`; every other purpose, or none, is refused.
pub(crate) fn individual_data_for_certificates_only(req: &Request, out: &mut Vec<Finding>) {
    if req.action != Action::ReadIndividualData {
        return;
    }
    match req.purpose {
        Some(Purpose::CertificateIssuance) => out.push(Finding::met(
            cite("T1-9-3"),
            "data from individuals used for certificate issuance",
        )),
        other => {
            let what = other.map_or("no stated purpose".to_owned(), |p| format!("{p:?}"));
            out.push(Finding::unmet(
                cite("T1-9-3"),
                format!("data received from individuals through electronic issuance is used only for certificate issuance, not for {what}"),
            ));
            out.push(Finding::unmet(
                cite("M-9"),
                "no use outside the purpose of the contract",
            ));
        }
    }
}
