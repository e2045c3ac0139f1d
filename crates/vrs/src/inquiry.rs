//! Use cases of cross-municipality inquiry (D12-3, T1-3-1-5, T2-1-1, N-4, L13).

use std::io::Read;

use vrs_consent::{Action, Request};
use vrs_domain::csv_input::RowError;
use vrs_domain::my_number_file::{read_my_numbers, InputRow};
use vrs_domain::{MunicipalityCode, MyNumber, Principal};

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

impl Vrs {
    /// The asking municipality `principal` asks `holder` for a person's records.
    /// `personal_consent` is the checkbox: the asking municipality confirmed the
    /// person's consent. The answer carries the doses and nothing more.
    pub fn inquire(
        &mut self,
        principal: Principal,
        holder: MunicipalityCode,
        n: &MyNumber,
        personal_consent: bool,
        purpose: &str,
    ) -> Result<Answer<InquiryAnswer>, VrsError> {
        let mut request = Request::new(principal, Action::Inquire, Some(holder));
        request.personal_consent = personal_consent;
        match self.decide_request(request, Some(n))? {
            Ok(allowed) => Ok(Answer::Done(self.store.inquire(&allowed, n, purpose)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// The bulk inquiry for movers: a CSV with a `my_number` (個人番号) column.
    /// All or nothing: any malformed row and nothing is asked.
    pub fn inquire_batch<R: Read + Send>(
        &mut self,
        principal: Principal,
        holder: MunicipalityCode,
        input: R,
        personal_consent: bool,
        purpose: &str,
    ) -> Result<Answer<BatchInquiry>, VrsError> {
        let numbers = match read_my_numbers(input) {
            Ok(n) => n,
            Err(errors) => return Ok(Answer::Done(BatchInquiry::BadInput(errors))),
        };
        let mut request = Request::new(principal, Action::Inquire, Some(holder));
        request.personal_consent = personal_consent;
        let allowed = match self.decide_request(request, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let (rows, numbers): (Vec<InputRow>, Vec<MyNumber>) = numbers.into_iter().unzip();
        let answers = self.store.inquire_batch(&allowed, &numbers, purpose)?;
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
