//! M-13, the end of a municipality's contract: its data handed back, then erased.

use vrs_consent::Action;
use vrs_domain::{MunicipalityCode, Principal};
use vrs_store::ErasureReport;

use crate::{Answer, Vrs, VrsError};

impl Vrs {
    /// M-13: erases municipality `m`'s data at the end of its contract (the
    /// operator only): destroys its data key and deletes its personal data; its
    /// audit events stay. Refused or done, it is audited.
    pub fn erase_municipality(
        &mut self,
        principal: Principal,
        m: MunicipalityCode,
    ) -> Result<Answer<ErasureReport>, VrsError> {
        match self.decide(principal, Action::EraseMunicipality, Some(m), None)? {
            Ok(allowed) => {
                let at = self.clock.now().to_rfc3339();
                Ok(Answer::Done(self.store.erase_municipality(&allowed, &at)?))
            }
            Err(r) => Ok(Answer::Refused(r)),
        }
    }
}
