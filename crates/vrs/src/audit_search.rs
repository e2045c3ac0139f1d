//! S-3-3 log search over the service: a municipality searches the audit log of
//! its own area (access control on logs: never another's, never the whole
//! system's; the local administrator's `vrs audit search` stays unrestricted).

use vrs_consent::{Action, Request};
use vrs_domain::Principal;
use vrs_store::{AuditEvent, StoredEvent};

use crate::{Answer, Vrs, VrsError};

/// The most events one search returns.
pub const MAX_AUDIT_SEARCH: u32 = 1000;

impl Vrs {
    /// S-3-3: the newest `limit` events (1 to [`MAX_AUDIT_SEARCH`]) of the
    /// acting municipality's own area, oldest first, only of `action` when given.
    /// The search is audited too.
    pub fn search_own_audit(
        &mut self,
        principal: Principal,
        action: Option<&str>,
        limit: u32,
    ) -> Result<Answer<Vec<StoredEvent>>, VrsError> {
        let area = match principal {
            Principal::Municipality(m) => Some(m),
            _ => None,
        };
        let allowed =
            match self.decide_request(Request::new(principal, Action::SearchAudit, area), None)? {
                Ok(a) => a,
                Err(r) => return Ok(Answer::Refused(r)),
            };
        // Allowed only for an area of its own: never a search of every area.
        let Some(own) = allowed.partition() else {
            return Err(VrsError::Store(vrs_store::StoreError::WrongProof {
                expected: "a partition",
                got: "none",
            }));
        };
        let limit = limit.clamp(1, MAX_AUDIT_SEARCH);
        let events = self.store.audit_search(Some(own), action, None, limit)?;
        self.store
            .audit_operation(&AuditEvent::allowed(&allowed).with_detail(
                serde_json::json!({ "action": action, "limit": limit, "events": events.len() }),
            ))?;
        Ok(Answer::Done(events))
    }
}
