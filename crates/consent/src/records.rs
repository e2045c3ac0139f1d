//! Managing doses: the holding municipality corrects, adds, deletes and checks its records.

use vrs_domain::Principal;

use crate::decision::{Finding, Request};
use crate::provision::cite;

/// Legal basis: T1-5-1 (別紙1 第5条第1項)
///
/// > A municipality may correct, add, delete and erase the data it manages.
///
/// Interpretation: listing, correcting, deleting (marking entered-in-error; we never
/// erase a version), confirming, reviewing and exporting doses is the business of
/// the municipality whose area holds them, in that area only (the area itself is
/// checked by T1-4-3). Another municipality's records are not data a municipality
/// manages, so managing them is refused on this ground too (besides T1-4-3). A
/// vaccination venue registers doses but manages none, not even of its own
/// municipality's residents: it is refused on this ground.
pub(crate) fn holder_manages(req: &Request, out: &mut Vec<Finding>) {
    if !req.action.is_dose_management() {
        return;
    }
    match (req.principal, req.partition) {
        (Principal::Municipality(me), Some(area)) if me == area => out.push(Finding::met(
            cite("T1-5-1"),
            format!("{me} manages the records of its own area"),
        )),
        (Principal::Municipality(me), Some(area)) => out.push(Finding::unmet(
            cite("T1-5-1"),
            format!("{me} manages the records of its own area only, not those {area} holds"),
        )),
        (Principal::Site(site), _) => out.push(Finding::unmet(
            cite("T1-5-1"),
            format!(
                "venue of {site} may register doses but not list, correct, delete or export them: that is the holding municipality's"
            ),
        )),
        _ => {}
    }
}
