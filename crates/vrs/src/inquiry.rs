//! Use cases of cross-municipality inquiry (D12-3, T1-3-1-5, T2-1-1, N-4, L13, M-8,
//! M-9): about a resident of the asking municipality, for a listed purpose, with the
//! answered doses optionally carried over into the asking municipality's records.

use std::io::Read;

use vrs_consent::{
    decide, holder_may_provide, inquiry_purpose, Action, Allowed, Refusal, Request, Residence,
};
use vrs_domain::csv_input::RowError;
use vrs_domain::my_number_file::{read_my_numbers, InputRow};
use vrs_domain::{MunicipalityCode, MyNumber, Principal};
use vrs_store::Answering;

use crate::{Answer, InquiryAnswer, Vrs, VrsError};

/// The result of a batch inquiry: all answers in file order, or the bad rows.
#[derive(Debug, Clone)]
pub enum BatchInquiry {
    /// Every row was a valid My Number; answers in file order, each with the
    /// input row (data-row index and physical line) it answers.
    Answered(Vec<(InputRow, InquiryAnswer)>),
    /// The file had bad rows: nothing was asked.
    BadInput(Vec<RowError>),
}

/// What an inquiry asks besides the person: the checkbox, the purpose, and whether
/// to record the answer.
#[derive(Debug, Clone, Copy)]
pub struct InquiryOptions<'a> {
    /// The asking municipality confirmed the person's consent (the checkbox, N-4).
    pub personal_consent: bool,
    /// The stated purpose: `vaccination-ticket`, `certificate` or `record-correction`
    /// (anything else is refused by the rules, M-9).
    pub purpose: &'a str,
    /// Store the answered doses as carried-over doses of the asking municipality.
    pub record: bool,
}

impl Vrs {
    /// Decides one inquiry about `n`: the rules see the person as the asking
    /// municipality's resident records show them. A refusal is audited on both sides.
    fn decide_inquiry(
        &mut self,
        principal: Principal,
        holder: MunicipalityCode,
        n: &MyNumber,
        options: InquiryOptions<'_>,
    ) -> Result<(Result<Allowed, Refusal>, Option<Residence>), VrsError> {
        let mut request = Request::new(principal, Action::Inquire, Some(holder));
        request.personal_consent = options.personal_consent;
        request.purpose = Some(inquiry_purpose(options.purpose));
        let mut involved = vec![holder];
        let mut residence = None;
        if let Principal::Municipality(asking) = principal {
            involved.push(asking);
            residence = self.store.residence(asking, n)?;
        }
        self.check_caller(principal)?;
        let mut facts = self.store.facts(&involved)?;
        facts.user = self.user_facts();
        facts.subject_residence = residence;
        let decision = decide(&request, &facts, self.clock.now()).into_result();
        if let Err(refusal) = &decision {
            self.store.audit_refusal_with(
                refusal,
                Some(n),
                serde_json::json!({ "purpose": options.purpose, "record": options.record }),
            )?;
        }
        Ok((decision, residence))
    }

    /// Whether an inquiry of `holder` for `purpose` today needs the person's
    /// consent checkbox (the rules' reading, [`vrs_consent::personal_consent_required`]):
    /// what the inquiry screen asks before showing its form. Consents are not
    /// personal data; nothing is audited.
    pub fn inquiry_needs_checkbox(
        &self,
        holder: MunicipalityCode,
        purpose: &str,
    ) -> Result<bool, VrsError> {
        let facts = self.store.facts(&[holder])?;
        let today = self.clock.now().date_naive();
        let addendum = facts.consents_to(holder, vrs_consent::DocumentId::Addendum20211203, today);
        Ok(vrs_consent::personal_consent_required(
            addendum,
            inquiry_purpose(purpose),
        ))
    }

    /// The asking municipality `principal` asks `holder` for the records of its
    /// resident `n`. The answer carries the doses and nothing more; a holder other
    /// than the person's recorded previous municipality answers that it holds
    /// nothing (M-8). With `options.record`, the answered doses are stored as the
    /// person's carried-over doses in the same transaction as the audit events.
    pub fn inquire(
        &mut self,
        principal: Principal,
        holder: MunicipalityCode,
        n: &MyNumber,
        options: InquiryOptions<'_>,
    ) -> Result<Answer<InquiryAnswer>, VrsError> {
        match self.decide_inquiry(principal, holder, n, options)? {
            (Ok(allowed), residence) => {
                let how = Answering {
                    provide: holder_may_provide(residence.as_ref(), holder),
                    record: options.record,
                };
                Ok(Answer::Done(self.store.inquire(
                    &allowed,
                    n,
                    options.purpose,
                    how,
                )?))
            }
            (Err(r), _) => Ok(Answer::Refused(r)),
        }
    }

    /// The bulk inquiry for movers: a CSV with a `my_number` (個人番号) column.
    /// All or nothing: any malformed row and nothing is asked; every person is
    /// decided as in [`Vrs::inquire`], and one refusal (audited, like every other)
    /// refuses the batch.
    pub fn inquire_batch<R: Read + Send>(
        &mut self,
        principal: Principal,
        holder: MunicipalityCode,
        input: R,
        options: InquiryOptions<'_>,
    ) -> Result<Answer<BatchInquiry>, VrsError> {
        let numbers = match read_my_numbers(input) {
            Ok(n) => n,
            Err(errors) => return Ok(Answer::Done(BatchInquiry::BadInput(errors))),
        };
        let mut allowed = None;
        let mut refused = None;
        let mut asks = Vec::with_capacity(numbers.len());
        let mut rows = Vec::with_capacity(numbers.len());
        for (row, n) in numbers {
            match self.decide_inquiry(principal, holder, &n, options)? {
                (Ok(a), residence) => {
                    let how = Answering {
                        provide: holder_may_provide(residence.as_ref(), holder),
                        record: options.record,
                    };
                    allowed.get_or_insert(a);
                    asks.push((n, how));
                    rows.push(row);
                }
                (Err(r), _) => {
                    refused.get_or_insert(r);
                }
            }
        }
        if let Some(r) = refused {
            return Ok(Answer::Refused(r));
        }
        let Some(allowed) = allowed else {
            return Ok(Answer::Done(BatchInquiry::Answered(Vec::new())));
        };
        let answers = self.store.inquire_batch(&allowed, &asks, options.purpose)?;
        if answers.len() != rows.len() {
            // One answer per number, in order: anything else would pair a
            // person's doses with another person's row.
            return Err(VrsError::BatchMismatch {
                answered: answers.len(),
                asked: rows.len(),
            });
        }
        Ok(Answer::Done(BatchInquiry::Answered(
            rows.into_iter().zip(answers).collect(),
        )))
    }
}
