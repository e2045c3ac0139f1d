//! Electronic issuance end to end (N-1, N-3, S-2-14, A10-4, V8, P9, P11, T1-4-2):
//! consent → card → passport → record by My Number → certificate signed as the
//! holding municipality → issuance history → audit.

use chrono::NaiveDate;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use vrs_certificate::{issue, IssueOptions, RevocationSecret, Revoked, SignedCertificate};
use vrs_consent::{
    application_refusal_grounds, challenge_is_live, Action, Purpose, Refusal, Request, N3_MESSAGE,
};
use vrs_domain::{
    CertificateContent, CertificateDose, CertificateId, CertificateKind, CertificateParts,
    DoseSite, MunicipalityCode, Nationality, OverseasHolder, PassportNumber, Principal, Sex,
};
use vrs_identity::mrz::{parse_td3, MrzOptions, MrzSex};
use vrs_identity::{
    CardDump, CardVerifier, IdentityError, VerifiedCardHolder, VerifiedOverseasApplicant,
};
use vrs_store::IssuanceRecord;

use crate::{Answer, Vrs, VrsError};

/// Which certificate the person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// For use in Japan (国内用).
    Domestic,
    /// For travel (海外用): needs the passport.
    Overseas,
}

/// One application, as the app backend hands it over.
#[derive(Debug)]
pub struct Application<'a> {
    /// The municipality the person applies to (the one that holds the record).
    pub municipality: MunicipalityCode,
    /// The card's input-support AP data.
    pub card: &'a CardDump,
    /// The passport's two MRZ lines (overseas).
    pub passport: Option<(&'a str, &'a str)>,
    /// Domestic or overseas.
    pub kind: Kind,
    /// The card trust anchors and whether liveness is demanded.
    pub verifier: &'a CardVerifier,
}

/// Why a certificate was not issued: the provisions it rests on and a message
/// the app can show. Every one of them is audited.
#[derive(Debug, Clone, Serialize)]
pub struct NotIssued {
    /// A short machine-readable reason, e.g. `no_consent`, `bad_signature`.
    pub kind: String,
    /// The provisions the refusal rests on.
    pub grounds: Vec<String>,
    /// What to tell the applicant (for N-3, the exact text).
    pub message: String,
}

impl NotIssued {
    fn rule(r: &Refusal) -> Self {
        let n3 = vrs_consent::grounds::refused_for_want_of_e_issuance_consent(r);
        Self {
            kind: if n3 {
                "no_consent".into()
            } else {
                "refused".into()
            },
            grounds: r.provisions().iter().map(|s| s.to_string()).collect(),
            message: if n3 {
                N3_MESSAGE.to_owned()
            } else {
                r.grounds
                    .iter()
                    .map(|g| g.reason.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        }
    }

    fn identity(e: &IdentityError) -> Self {
        Self::other(e.kind(), e.to_string())
    }

    fn other(kind: &str, message: String) -> Self {
        Self {
            kind: kind.to_owned(),
            grounds: application_refusal_grounds(kind)
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            message,
        }
    }
}

/// Who a certificate is issued to, once established.
struct Holder<'a> {
    name: &'a vrs_domain::PersonName,
    birth_date: vrs_domain::BirthDate,
    overseas: Option<OverseasHolder>,
    kind: Kind,
    with_holders_card: bool,
}

/// An issued certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    /// What it says (no My Number).
    pub content: CertificateContent,
    /// The SMART Health Card.
    pub shc: SignedCertificate,
    /// The ICAO VDS-NC (every overseas certificate carries one).
    pub vds_nc: Option<String>,
    /// What the issuance history keeps.
    pub record: IssuanceRecord,
}

fn content_err(e: vrs_domain::DomainError) -> VrsError {
    VrsError::Store(vrs_store::StoreError::Corrupt {
        what: format!("stored dose cannot go on a certificate: {e}"),
    })
}

impl Vrs {
    /// Audits an application refused after the rules allowed it, and returns the refusal.
    fn refuse(
        &mut self,
        allowed: &vrs_consent::Allowed,
        applicant: Option<&vrs_domain::MyNumber>,
        n: NotIssued,
    ) -> Result<Result<Issued, NotIssued>, VrsError> {
        self.store
            .audit_application_refusal(allowed, applicant, &n.kind, &n.message)?;
        Ok(Err(n))
    }

    /// A person's application for a certificate (N-1). Refusals are values
    /// ([`NotIssued`]) and are audited; `Err` is only for system failures.
    pub fn apply(&mut self, app: &Application<'_>) -> Result<Result<Issued, NotIssued>, VrsError> {
        self.apply_delivering(app, |_| Ok(()))
    }

    /// [`Vrs::apply`], handing the signed certificate to `deliver` (e.g. writing
    /// its files) before the issuance is committed: if delivery fails, the
    /// issuance history keeps no row for it and the error is returned.
    pub fn apply_delivering(
        &mut self,
        app: &Application<'_>,
        deliver: impl FnOnce(&Issued) -> Result<(), VrsError>,
    ) -> Result<Result<Issued, NotIssued>, VrsError> {
        self.apply_checked(app, false, None, deliver)
    }

    /// [`Vrs::apply_delivering`]; when `challenged`, the card's nonce must also be a
    /// live server challenge (P9-1, P9-3), consumed (or the refusal audited) in one
    /// store transaction right after the rules allowed the application.
    /// `card`: the card's verification when the caller already ran it (off the
    /// writer, on the same card and verifier); it is used at the same step as a
    /// verification run here, so the answer and the audit are the same.
    pub(crate) fn apply_checked(
        &mut self,
        app: &Application<'_>,
        challenged: bool,
        card: Option<Result<VerifiedCardHolder, IdentityError>>,
        deliver: impl FnOnce(&Issued) -> Result<(), VrsError>,
    ) -> Result<Result<Issued, NotIssued>, VrsError> {
        let m = app.municipality;
        let mut request = Request::new(
            Principal::Municipality(m),
            Action::IssueCertificate,
            Some(m),
        );
        // S-2-14: an overseas certificate only with its VDS-NC (a configured barcode signer).
        request.overseas_certificate = app.kind == Kind::Overseas;
        let allowed = match self.decide_request(request, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Err(NotIssued::rule(&r))),
        };
        let today: NaiveDate = allowed.as_of().date_naive();

        // P9-1, P9-3: the nonce the card signed is a live challenge of this service.
        if challenged {
            let as_of = allowed.as_of();
            let nonce = app.card.nonce.as_deref();
            let live = self
                .store
                .consume_challenge(&allowed, nonce, |f| challenge_is_live(f, as_of))?;
            if let Err(r) = live {
                return Ok(Err(NotIssued::challenge(r)));
            }
        }

        // V8, P9-5: the card's signature chain (and liveness when given or demanded).
        let holder = match card.unwrap_or_else(|| app.verifier.verify(app.card)) {
            Ok(h) => h,
            Err(e) => return self.refuse(&allowed, None, NotIssued::identity(&e)),
        };
        let applicant = holder.my_number().clone();

        // S-2-14, A10-4-3/4, A10-4-7: the passport, unexpired, same birth date.
        let (holder, overseas) = match (app.kind, app.passport) {
            (Kind::Domestic, _) => (holder, None),
            (Kind::Overseas, None) => {
                return self.refuse(
                    &allowed,
                    Some(&applicant),
                    NotIssued::other(
                        "passport_missing",
                        "an overseas certificate needs the passport's MRZ".into(),
                    ),
                );
            }
            (Kind::Overseas, Some((l1, l2))) => {
                let checked = parse_td3(l1, l2, &MrzOptions::new(today))
                    .and_then(|p| VerifiedOverseasApplicant::cross_check(holder, p, today));
                match checked {
                    Ok(v) => {
                        let p = v.passport();
                        let extra = OverseasHolder {
                            romaji_name: v.romaji_name().clone(),
                            nationality: p
                                .nationality()
                                .parse::<Nationality>()
                                .map_err(content_err)?,
                            passport_number: p
                                .document_number()
                                .parse::<PassportNumber>()
                                .map_err(content_err)?,
                            sex: match p.sex() {
                                MrzSex::Male => Some(Sex::Male),
                                MrzSex::Female => Some(Sex::Female),
                                _ => None,
                            },
                        };
                        (v.holder().clone(), Some(extra))
                    }
                    Err(e) => {
                        return self.refuse(&allowed, Some(&applicant), NotIssued::identity(&e));
                    }
                }
            }
        };

        self.sign_and_record(
            &allowed,
            &applicant,
            Holder {
                name: holder.name(),
                birth_date: holder.birth_date(),
                overseas,
                kind: app.kind,
                with_holders_card: true,
            },
            deliver,
        )
    }

    /// A10-4-5 onwards, for an application allowed by the rules and a person whose
    /// identity is established (by the card, or at the counter): the record by My
    /// Number, the content, the signature as the holding municipality, the
    /// issuance history row (P11-2-3) and its audit event.
    fn sign_and_record(
        &mut self,
        allowed: &vrs_consent::Allowed,
        applicant: &vrs_domain::MyNumber,
        holder: Holder<'_>,
        deliver: impl FnOnce(&Issued) -> Result<(), VrsError>,
    ) -> Result<Result<Issued, NotIssued>, VrsError> {
        let allowed = allowed.clone();
        let applicant = applicant.clone();
        let m = allowed
            .partition_for(Action::IssueCertificate)
            .map_err(|e| {
                VrsError::Store(vrs_store::StoreError::Corrupt {
                    what: e.to_string(),
                })
            })?;
        let today: NaiveDate = allowed.as_of().date_naive();
        let Holder {
            name,
            birth_date,
            overseas,
            kind: app_kind,
            with_holders_card,
        } = holder;
        // A10-4-5: the record, by My Number, in the municipality's own area.
        let doses = match self.store.issuable_doses(&allowed, &applicant)? {
            None => {
                return self.refuse(
                    &allowed,
                    Some(&applicant),
                    NotIssued::other(
                        "no_record",
                        format!(
                            "{} holds no vaccination record for this person",
                            m.info().name
                        ),
                    ),
                );
            }
            Some(d) if d.is_empty() => {
                return self.refuse(
                    &allowed,
                    Some(&applicant),
                    NotIssued::other(
                        "no_completed_dose",
                        "the record holds no completed dose to certify".into(),
                    ),
                );
            }
            Some(d) => d,
        };

        // T1-4-2, A10-4-6: the content, signed as the holding municipality.
        let mut id = [0u8; 16];
        SystemRandom::new().fill(&mut id).map_err(|_| {
            VrsError::Store(vrs_store::StoreError::Keyring {
                reason: "no randomness".into(),
            })
        })?;
        let id = CertificateId::from_random_bytes(id);
        let cert_doses = doses
            .iter()
            .map(|d| {
                Ok(CertificateDose {
                    // T1-4-2 names the issuer; the performer is the site that gave the dose.
                    site: Some(DoseSite {
                        municipality: d.vaccinating_municipality,
                        venue: d.venue.clone(),
                    }),
                    date: d.date,
                    product: d.product,
                    lot: d.lot.clone(),
                    dose_number: d.dose_number,
                })
            })
            .collect::<Result<Vec<_>, VrsError>>()?;
        let kind = match overseas.clone() {
            Some(o) => CertificateKind::Overseas(o),
            None => CertificateKind::Domestic,
        };
        let content = CertificateContent::new(CertificateParts {
            kind,
            name: name.clone(),
            birth_date,
            doses: cert_doses,
            issuer: m,
            id: id.clone(),
            issued_on: today,
        })
        .map_err(content_err)?;
        let key = self.signing_key(m)?;
        let issuer = self.issuer(m)?;
        // The rid is the person's (SHC spec: HMAC of the internal user ID), so a
        // revocation covers their earlier cards and not the ones issued after it.
        let person = self
            .store
            .revocation_subject(&allowed, &applicant)?
            .ok_or_else(|| {
                VrsError::Store(vrs_store::StoreError::Corrupt {
                    what: "the applicant's record disappeared during the application".into(),
                })
            })?;
        let rid = RevocationSecret::from_bytes(self.store.revocation_secret(m)?).rid(&person);
        // The key's list revokes this person's cards up to the second after their last
        // revocation (`Revoked::issued_up_to`): a card issued within that second starts
        // at its end, so it is not born revoked (verifiers accept an `nbf` up to five
        // minutes ahead).
        let mut nbf = allowed.as_of().timestamp();
        if let Some(at) = self.store.revoked_at(key.kid(), rid.as_str())? {
            let at = chrono::DateTime::parse_from_rfc3339(&at).map_err(|e| {
                VrsError::Store(vrs_store::StoreError::Corrupt {
                    what: format!("revocation time: {e}"),
                })
            })?;
            if let Some(before) = Revoked::issued_up_to(rid.clone(), at.timestamp()).before {
                nbf = nbf.max(before);
            }
        }
        let shc = issue(
            &content,
            &key,
            &IssueOptions {
                issuer: &issuer,
                nbf,
                exp: None,
                rid: Some(&rid),
            },
        )
        .map_err(VrsError::Certificate)?;
        let vds_nc = match &overseas {
            None => None,
            // S-2-14 was decided above with the signer configured; it is read here again.
            Some(_) => {
                let signer = self.vds_signer()?.ok_or_else(|| {
                    VrsError::Store(vrs_store::StoreError::Corrupt {
                        what: "the barcode signer disappeared during the application".into(),
                    })
                })?;
                Some(signer.sign(&content).map_err(VrsError::Certificate)?)
            }
        };

        // P11-2-3: the history keeps name, birth date and (overseas) nationality and passport number.
        let record = IssuanceRecord {
            certificate_id: id.to_string(),
            municipality: m.to_string(),
            kind: match app_kind {
                Kind::Domestic => "domestic".into(),
                Kind::Overseas => "overseas".into(),
            },
            name: name.to_string(),
            birth_date: birth_date.to_string(),
            nationality: overseas.as_ref().map(|o| o.nationality.to_string()),
            passport_number: overseas.as_ref().map(|o| o.passport_number.to_string()),
            // A10-8: made with the holder's own card (the person or their legal representative);
            // at the counter, the clerk checked the identity instead.
            with_holders_card,
            origin: if allowed.request().at_counter {
                "counter".into()
            } else {
                "individual".into()
            },
            kid: key.kid().to_owned(),
            rid: rid.as_str().to_owned(),
            issued_at: allowed.as_of().to_rfc3339(),
            revoked_at: None,
            revoked_reason: None,
        };
        let dose_ids: Vec<i64> = doses.iter().map(|d| d.id).collect();
        let issued = Issued {
            content,
            shc,
            vds_nc,
            record,
        };
        self.store.record_issuance_with(
            &allowed,
            &issued.record,
            &dose_ids,
            &applicant,
            || deliver(&issued),
        )??;
        Ok(Ok(issued))
    }

    /// Counter issuance (窓口発行, T1-4-1): a clerk of the holding municipality
    /// issues the printable certificate to the resident `address_number`, who
    /// applied in person and whose identity the clerk checked at the counter.
    /// The history row says origin `counter` and keeps only what P11-2-3 allows;
    /// the audit event carries the clerk (the caller's actor). A person with no
    /// completed dose is [`NotIssued`] (audited), like an application.
    pub fn issue_at_counter(
        &mut self,
        principal: Principal,
        address_number: &vrs_domain::AddressNumber,
    ) -> Result<Answer<Result<Issued, NotIssued>>, VrsError> {
        let lookup = crate::Lookup::AddressNumber(address_number.clone());
        let resident = match self.find_resident(principal, None, &lookup)? {
            Answer::Done(r) => r,
            Answer::Refused(r) => return Ok(Answer::Refused(r)),
        };
        let mut request = Request::new(
            principal,
            Action::IssueCertificate,
            crate::target(principal, None),
        );
        request.at_counter = true;
        let allowed = match self.decide_request(request, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let Some(resident) = resident else {
            let m = allowed
                .partition()
                .map_or("this municipality", |m| m.info().name);
            return Ok(Answer::Done(self.refuse(
                &allowed,
                None,
                NotIssued::other(
                    "no_record",
                    format!("{m} holds no resident with this address number"),
                ),
            )?));
        };
        Ok(Answer::Done(self.sign_and_record(
            &allowed,
            &resident.my_number,
            Holder {
                name: &resident.name,
                birth_date: resident.birth_date,
                overseas: None,
                kind: Kind::Domestic,
                with_holders_card: false,
            },
            |_| Ok(()),
        )?))
    }

    /// The issuance history of municipality `principal` (P11-2-1): data received
    /// from individuals, read for the certificate-issuance business only (T1-9-3).
    pub fn issuance_history(
        &mut self,
        principal: Principal,
    ) -> Result<Answer<Vec<IssuanceRecord>>, VrsError> {
        let partition = match principal {
            Principal::Municipality(m) => Some(m),
            _ => None,
        };
        let mut request = Request::new(principal, Action::ReadIndividualData, partition);
        request.purpose = Some(Purpose::CertificateIssuance);
        match self.decide_request(request, None)? {
            Ok(allowed) => Ok(Answer::Done(self.store.issuances(&allowed)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }
}
