//! Logically separated areas: a municipality reads and writes only its own partition.

use vrs_domain::Principal;

use crate::decision::{Finding, Request};
use crate::provision::cite;

/// Legal basis: T1-4-3, S-1-3-2 (別紙1 第4条第3項; 仕様書 1.3.2)
///
/// > Each municipality manages its data in its own logically separated area of VRS.
/// > Data stored in the system is managed per municipality of residence, with strict
/// > access control.
///
/// Interpretation: a `municipality:X` principal may touch partition X and no other.
/// A vaccination site (`site:X`) is not the holder of any partition; what it may
/// write on a residence municipality's behalf (T1-3-1-6) is a rule of its own, and
/// it never reads residents. The State, prefectures and the operator are left to
/// the statistics rule (T1-4-6).
pub(crate) fn own_partition_only(req: &Request, out: &mut Vec<Finding>) {
    if !req.action.touches_person_data() {
        return;
    }
    match (req.principal, req.partition) {
        (Principal::Municipality(me), Some(target)) if me == target => out.push(Finding::met(
            cite("T1-4-3"),
            format!("{me} acts in its own logically separated area"),
        )),
        (Principal::Municipality(me), Some(target)) => {
            out.push(Finding::unmet(
                cite("T1-4-3"),
                format!("{me} may not access the area of {target}"),
            ));
            out.push(Finding::unmet(
                cite("S-1-3-2"),
                "data is managed per municipality of residence with strict access control",
            ));
        }
        (Principal::Site(site), _) => out.push(Finding::unmet(
            cite("T1-4-3"),
            format!("site {site} holds no area of its own and may not read or manage residents"),
        )),
        (Principal::Municipality(_), None) => out.push(Finding::unmet(
            cite("S-1-3-2"),
            "person-level access must name the municipality whose area it touches",
        )),
        (Principal::National | Principal::Prefecture(_) | Principal::Operator, _) => {}
    }
}
