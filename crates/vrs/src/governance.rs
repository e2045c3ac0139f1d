//! Use cases of the consent function (N-2, T1-2-3, T2-2-2) and the emergency stop (T1-10).

use chrono::NaiveDate;
use serde::Serialize;
use vrs_consent::{Action, DocumentId, Function, Implication, Request};
use vrs_domain::{MunicipalityCode, Principal};
use vrs_store::Outcome;

use crate::{Answer, StopRecord, Vrs, VrsError};

/// One document as `consent show` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    /// The document's ID.
    pub document: DocumentId,
    /// Its title.
    pub title: &'static str,
    /// SHA-256 of its text.
    pub sha256: &'static str,
    /// Whether the municipality consents to it now.
    pub granted: bool,
    /// From which day (the `--at` date), when granted.
    pub at: Option<NaiveDate>,
    /// The internal approval (決裁), when recorded.
    pub approved_by: Option<String>,
    /// When the consent was recorded in VRS.
    pub recorded_at: Option<String>,
    /// What consenting to it implies.
    pub implies: Vec<Implication>,
}

/// A municipality's consents, document by document.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentView {
    /// The municipality.
    pub municipality: MunicipalityCode,
    /// Its name.
    pub name: &'static str,
    /// Whether it may use VRS at all (consents to a version of the base terms, T1-2-3).
    pub may_use_vrs: bool,
    /// Each document.
    pub documents: Vec<DocumentView>,
    /// Every grant and revocation, oldest first (nothing is erased).
    pub history: Vec<vrs_store::ConsentChange>,
}

/// One row of `consent list`: a municipality and the documents it consents to.
pub type ConsentRow = (MunicipalityCode, Vec<DocumentId>);

impl Vrs {
    /// N-2, T2-2-2: the municipality `principal` consents to `document` from `at`
    /// (default: today), recording who approved it internally (T1-2-3).
    pub fn grant_consent(
        &mut self,
        principal: Principal,
        municipality: Option<MunicipalityCode>,
        document: DocumentId,
        at: Option<NaiveDate>,
        approved_by: Option<&str>,
    ) -> Result<Answer<ConsentView>, VrsError> {
        let day = at.unwrap_or_else(|| self.now().date_naive());
        self.change_consent(
            principal,
            municipality,
            Action::GrantConsent,
            Some((document, day)),
            |store, allowed| {
                store
                    .grant_consent(allowed, document, day, approved_by)
                    .map(drop)
            },
        )
    }

    /// Withdraws the municipality's own consent, effective at once.
    pub fn revoke_consent(
        &mut self,
        principal: Principal,
        municipality: Option<MunicipalityCode>,
        document: DocumentId,
    ) -> Result<Answer<ConsentView>, VrsError> {
        self.change_consent(
            principal,
            municipality,
            Action::RevokeConsent,
            None,
            |store, allowed| store.revoke_consent(allowed, document).map(drop),
        )
    }

    /// Decides a consent change for `municipality` (default: the acting one's own),
    /// applies it and shows the municipality's consents afterwards.
    fn change_consent(
        &mut self,
        principal: Principal,
        municipality: Option<MunicipalityCode>,
        action: Action,
        consent: Option<(DocumentId, NaiveDate)>,
        change: impl FnOnce(
            &mut vrs_store::Store,
            &vrs_consent::Allowed,
        ) -> Result<(), vrs_store::StoreError>,
    ) -> Result<Answer<ConsentView>, VrsError> {
        let target = municipality.or(match principal {
            Principal::Municipality(m) => Some(m),
            _ => None,
        });
        let mut request = Request::new(principal, action, target);
        request.consent = consent;
        let allowed = match self.decide_request(request, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        change(&mut self.store, &allowed)?;
        let m = allowed
            .partition()
            .ok_or(VrsError::Store(vrs_store::StoreError::WrongProof {
                expected: "a partition",
                got: "none",
            }))?;
        Ok(Answer::Done(self.consent_view(m)?))
    }

    /// A municipality's consents (public: not personal data).
    pub fn consent_view(&self, m: MunicipalityCode) -> Result<ConsentView, VrsError> {
        let held = self.store.consents_of(m)?;
        let today = self.now().date_naive();
        let documents: Vec<DocumentView> = DocumentId::ALL
            .into_iter()
            .map(|id| {
                let doc = id.document();
                let c = held.iter().find(|c| c.document == id);
                DocumentView {
                    document: id,
                    title: doc.title,
                    sha256: doc.sha256,
                    granted: c.is_some(),
                    at: c.map(|c| c.effective_from),
                    approved_by: c.and_then(|c| c.approved_by.clone()),
                    recorded_at: c.map(|c| c.recorded_at.clone()),
                    implies: doc.implies,
                }
            })
            .collect();
        let may_use_vrs = vrs_consent::may_use_vrs(
            m,
            held.iter().map(|c| (c.document, c.effective_from)),
            today,
        );
        Ok(ConsentView {
            municipality: m,
            name: m.info().name,
            may_use_vrs,
            documents,
            history: self.store.consent_history(m)?,
        })
    }

    /// Every municipality's consents in force, for the operator (T1-11-2):
    /// those that consent to `document` (or to anything), or with `missing`,
    /// every registered municipality that does not.
    pub fn consent_list(
        &mut self,
        principal: Principal,
        document: Option<DocumentId>,
        missing: bool,
    ) -> Result<Answer<Vec<ConsentRow>>, VrsError> {
        let allowed =
            match self.decide_request(Request::new(principal, Action::ListConsents, None), None)? {
                Ok(a) => a,
                Err(r) => return Ok(Answer::Refused(r)),
            };
        let all = self.store.all_consents()?;
        let mut by_m: std::collections::BTreeMap<MunicipalityCode, Vec<DocumentId>> =
            Default::default();
        for c in all {
            by_m.entry(c.municipality).or_default().push(c.document);
        }
        let has = |docs: &Vec<DocumentId>| document.is_none_or(|d| docs.contains(&d));
        let rows: Vec<(MunicipalityCode, Vec<DocumentId>)> = if missing {
            let mut codes: Vec<MunicipalityCode> = vrs_domain::all_local_govs()
                .filter(|g| g.kind == vrs_domain::LocalGovKind::Municipality)
                .filter_map(|g| g.code.parse().ok())
                .collect();
            codes.sort();
            codes
                .into_iter()
                .filter(|m| !by_m.get(m).is_some_and(has))
                .map(|m| (m, by_m.get(&m).cloned().unwrap_or_default()))
                .collect()
        } else {
            by_m.into_iter().filter(|(_, d)| has(d)).collect()
        };
        self.store.audit_operation(
            &vrs_store::AuditEvent::new(
                allowed.as_of().to_rfc3339(),
                principal,
                Action::ListConsents.as_str(),
                Outcome::Allowed,
            )
            .citing(
                allowed
                    .grounds()
                    .iter()
                    .map(|g| g.provision.as_str())
                    .collect(),
            )
            .with_detail(
                serde_json::json!({ "document": document, "missing": missing, "rows": rows.len() }),
            ),
        )?;
        Ok(Answer::Done(rows))
    }

    /// T1-10: the operator stops a function.
    pub fn emergency_stop(
        &mut self,
        principal: Principal,
        function: Function,
        reason: &str,
    ) -> Result<Answer<Vec<StopRecord>>, VrsError> {
        let allowed = match self
            .decide_request(Request::new(principal, Action::EmergencyStop, None), None)?
        {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        self.store.emergency_stop(&allowed, function, reason)?;
        Ok(Answer::Done(self.store.stopped_functions()?))
    }

    /// T1-10: the operator resumes a function.
    pub fn emergency_resume(
        &mut self,
        principal: Principal,
        function: Function,
    ) -> Result<Answer<Vec<StopRecord>>, VrsError> {
        let allowed = match self
            .decide_request(Request::new(principal, Action::EmergencyResume, None), None)?
        {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        self.store.emergency_resume(&allowed, function)?;
        Ok(Answer::Done(self.store.stopped_functions()?))
    }

    /// The functions under an emergency stop (always available).
    pub fn emergency_status(&self) -> Result<Vec<StopRecord>, VrsError> {
        Ok(self.store.stopped_functions()?)
    }
}
