//! The State and prefectures: statistics only.

use vrs_domain::Principal;

use crate::decision::{Finding, Request};
use crate::provision::cite;

/// Legal basis: T1-4-6 (別紙1 第4条第6項)
///
/// > The State and prefectures may use only those statistics and cannot access any
/// > other (specific) personal information.
///
/// Interpretation: `national` and `prefecture:NN` are refused every action that
/// touches person-level data. The system operator (`operator`) manages consents,
/// switches and keys but is likewise never given person-level data: it holds no
/// area (T1-4-3) and may handle specific personal information only as the contract
/// allows (M-4-2, M-9); we refuse it on the same ground.
pub(crate) fn statistics_only(req: &Request, out: &mut Vec<Finding>) {
    if !req.action.touches_person_data() {
        return;
    }
    let who = match req.principal {
        Principal::National => "the State",
        Principal::Prefecture(_) => "a prefecture",
        Principal::Operator => "the system operator",
        Principal::Municipality(_) | Principal::Site(_) => return,
    };
    out.push(Finding::unmet(
        cite("T1-4-6"),
        format!("{who} may use statistics only and cannot access person-level data"),
    ));
}
