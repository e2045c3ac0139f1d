//! The end of a municipality's contract: its data handed back, then erased.

use vrs_domain::Principal;

use crate::decision::{Action, Finding, Request};
use crate::provision::cite;

/// Legal basis: M-13 (別紙7 13)
///
/// > Return data to the municipality when no longer needed or at contract end;
/// > erase it so that it cannot be restored or read.
///
/// Interpretation: the data is returned to the municipality it belongs to and to
/// no one else: `municipality:X` exports the whole of partition X (its own area,
/// T1-4-3), whether or not it still consents to the terms, since a contract that
/// ended is exactly when consent is withdrawn. Erasure is the operator's job, as
/// it runs the service that holds the keys (T1-2): the operator, and no
/// municipality, prefecture or the State, erases partition X by destroying X's
/// data key and deleting X's personal data; the audit trail, which holds no
/// personal data in plain text, is kept.
pub(crate) fn return_and_erase_at_contract_end(req: &Request, out: &mut Vec<Finding>) {
    match (req.action, req.principal, req.partition) {
        (Action::ExportMunicipality, Principal::Municipality(me), Some(m)) if me == m => out.push(
            Finding::met(cite("M-13"), format!("{m}'s data is returned to {m}")),
        ),
        (Action::ExportMunicipality, principal, m) => out.push(Finding::unmet(
            cite("M-13"),
            format!(
                "{principal} cannot take {} data: it is returned only to the municipality it belongs to",
                m.map_or("a municipality's".to_owned(), |m| format!("{m}'s"))
            ),
        )),
        (Action::EraseMunicipality, Principal::Operator, Some(m)) => out.push(Finding::met(
            cite("M-13"),
            format!("the operator erases {m}'s data at the end of its contract"),
        )),
        (Action::EraseMunicipality, Principal::Operator, None) => out.push(Finding::unmet(
            cite("M-13"),
            "an erasure names the one municipality whose data it erases",
        )),
        (Action::EraseMunicipality, principal, _) => out.push(Finding::unmet(
            cite("M-13"),
            format!("{principal} cannot erase a municipality's data: only the operator can"),
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// M-13: an erasure without a municipality is refused for that reason, not as if
    /// the operator could not erase at all.
    #[test]
    fn m_13_an_erasure_must_name_its_municipality() {
        let mut out = Vec::new();
        let req = Request::new(Principal::Operator, Action::EraseMunicipality, None);
        return_and_erase_at_contract_end(&req, &mut out);
        assert_eq!(out.len(), 1);
        assert!(!out[0].met);
        assert_eq!(out[0].ground.provision, cite("M-13"));
        assert!(
            out[0].ground.reason.contains("names the one municipality"),
            "{}",
            out[0].ground.reason
        );
    }
}
