//! A person who moves: the cross-municipality inquiry (`POST /api/v1/inquiries`,
//! D12-3, T1-3-1-5, N-4) with the asking municipality's confirmation of the
//! person's consent, and the residents whose next ticket is due
//! (`GET /api/v1/tickets/due`, L13). The My Number travels only in a body:
//! one in a JSON body, or the movers' CSV file of a batch inquiry
//! (`POST /api/v1/inquiries/batch`).

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vrs::domain::{DoseNumber, MyNumber};
use vrs::{BatchInquiry, InquiryOptions, MunicipalityCode, VrsError};

use super::call::{as_caller, done, render, Credentials, JsonBody, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody, RowFault};
use crate::AppState;

/// The inquiry and ticket routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/inquiries", post(inquire))
        .route(
            "/api/v1/inquiries/batch",
            // Bounded by `BATCH_LIMIT` as it arrives (`read_bounded`).
            post(inquire_batch).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/tickets/due", get(tickets_due))
}

/// One inquiry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InquiryBody {
    /// The municipality asked (the person's previous one), 6 digits.
    pub holder: String,
    /// The person's 12-digit My Number.
    pub my_number: String,
    /// The asking municipality confirmed the person's consent (the checkbox, N-4).
    #[serde(default)]
    pub personal_consent: bool,
    /// `vaccination-ticket`, `certificate` or `record-correction` (M-9).
    pub purpose: String,
    /// Store the answered doses as the person's carried-over doses (D12-3).
    #[serde(default)]
    pub record: bool,
}

/// Asks the holding municipality for a resident's records (`vrs inquiry --json`):
/// `{"found","legal_basis":[...],"doses":[...]}` (and `recorded` when asked to record).
#[utoipa::path(post, path = "/api/v1/inquiries", tag = "inquiry", request_body = InquiryBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The answer, with the provisions it rests on", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn inquire(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<InquiryBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let holder = MunicipalityCode::parse_municipality(&body.holder)
        .map_err(|e| ApiError::field("holder", e))?;
    let n: MyNumber = body
        .my_number
        .parse()
        .map_err(|e| ApiError::field("my_number", e))?;
    if body.purpose.is_empty() || body.purpose.len() > 64 {
        return Err(ApiError::field("purpose", "expected 1 to 64 characters"));
    }
    as_caller(&state, creds, move |vrs, caller| {
        let options = InquiryOptions {
            personal_consent: body.personal_consent,
            purpose: &body.purpose,
            record: body.record,
        };
        Ok(done(vrs.inquire(caller.principal, holder, &n, options)?).and_then(render))
    })
    .await
}

/// Which ticket, sent on which day.
#[derive(Deserialize, IntoParams)]
pub struct DueQuery {
    /// The dose the ticket is for (e.g. 3).
    pub dose: String,
    /// The sending day, YYYY-MM-DD.
    pub on: String,
}

/// L13: the caller's residents whose ticket for `dose` is due on `on`
/// (`vrs tickets due --json`).
#[utoipa::path(get, path = "/api/v1/tickets/due", tag = "inquiry", params(DueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The residents due", body = Vec<Object>),
        (status = 400, description = "Bad query, or no tickets for that dose were sent that day", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn tickets_due(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<DueQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let dose: DoseNumber = q.dose.parse().map_err(|e| ApiError::field("dose", e))?;
    let on = vrs::domain::parse_dose_date(&q.on).map_err(|e| ApiError::field("on", e))?;
    as_caller(&state, creds, move |vrs, caller| {
        match vrs.tickets_due(caller.principal, dose, on) {
            Ok(a) => Ok(done(a).and_then(render)),
            Err(e @ VrsError::Tickets(_)) => Ok(Err(ApiError::field("dose", e))),
            Err(e) => Err(e),
        }
    })
    .await
}

/// Largest movers' file one batch inquiry takes (bytes): a 12-digit My Number
/// and a line break per row is about 14 bytes, so this holds `BATCH_ROWS`.
pub const BATCH_LIMIT: u64 = 2 * 1024 * 1024;

/// Most data rows one batch inquiry asks about (a municipality's movers of a
/// day or a week; a larger file is split).
pub const BATCH_ROWS: usize = 100_000;

/// Whom and why a batch inquiry asks (no My Number here: they are in the body).
#[derive(Deserialize, IntoParams)]
pub struct BatchQuery {
    /// The municipality asked (the persons' previous one), 6 digits.
    pub holder: String,
    /// `vaccination-ticket`, `certificate` or `record-correction` (M-9).
    pub purpose: String,
    /// The asking municipality confirmed every person's consent (the checkbox, N-4).
    #[serde(default)]
    pub personal_consent: bool,
    /// Store the answered doses as the persons' carried-over doses (D12-3).
    #[serde(default)]
    pub record: bool,
}

/// One person's answer, by where the person was in the file (never the My Number).
#[derive(Serialize, ToSchema)]
pub struct BatchRow {
    /// 1-based position among the file's data rows.
    pub row: u64,
    /// The physical line (the header is line 1).
    pub line: u64,
    /// Whether the holder has the person.
    pub found: bool,
    /// The person's doses held by the holder (as `vrs inquiry --json` answers them).
    #[schema(value_type = Vec<Object>)]
    pub doses: serde_json::Value,
    /// With `record`: what became of each answered dose.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub recorded: Option<serde_json::Value>,
}

/// The batch's answer: `vrs inquiry batch --json`'s summary plus every row's answer.
#[derive(Serialize, ToSchema)]
pub struct BatchBody {
    /// Persons asked about (the file's data rows).
    pub asked: usize,
    /// Persons the holder has.
    pub found: usize,
    /// Doses stored as carried over (with `record`).
    pub carried_over: usize,
    /// The provisions the provision of data rests on.
    pub legal_basis: Vec<String>,
    /// Each person's answer, in file order.
    pub answers: Vec<BatchRow>,
    /// Always empty here (bad rows answer 400).
    pub errors: Vec<RowFault>,
}

/// Reads `body` into memory, refusing it with 413 as soon as it passes `limit`
/// bytes (the file holds My Numbers: it never touches the disk).
async fn read_bounded(body: Body, limit: u64) -> Result<Vec<u8>, ApiError> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad(format!("body: {e}")))?;
        if (out.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::TooLarge { limit });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A file of more than [`BATCH_ROWS`] data rows, as the row past the limit.
fn too_many_rows(file: &[u8]) -> Option<RowFault> {
    // Line 1 is the header; blank lines are no rows (as the reader counts them).
    let mut rows = 0usize;
    for (i, line) in file.split(|b| *b == b'\n').enumerate().skip(1) {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        rows += 1;
        if rows > BATCH_ROWS {
            return Some(RowFault {
                line: i as u64 + 1,
                column: String::new(),
                reason: format!("more than {BATCH_ROWS} rows: split the file"),
            });
        }
    }
    None
}

/// The bulk inquiry for movers (`vrs inquiry batch --json`): a CSV body with a
/// `my_number` (個人番号) column, all or nothing. Any bad row: 400 naming each
/// line, column and reason, and nobody is asked; one person refused refuses the
/// batch (403, each refusal audited); otherwise every person's answer in file
/// order, by row and line (the answer never repeats a My Number).
#[utoipa::path(post, path = "/api/v1/inquiries/batch", tag = "inquiry", params(BatchQuery),
    request_body(content = String, content_type = "text/csv",
        description = "A header line with `my_number` (or 個人番号), then one My Number per line"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every person's answer, with the provisions it rests on", body = BatchBody),
        (status = 400, description = "Bad query or bad rows (nobody was asked)", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 413, description = "Body over 2 MiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn inquire_batch(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<BatchQuery>,
    body: Body,
) -> Result<Json<BatchBody>, ApiError> {
    let holder = MunicipalityCode::parse_municipality(&q.holder)
        .map_err(|e| ApiError::field("holder", e))?;
    if q.purpose.is_empty() || q.purpose.len() > 64 {
        return Err(ApiError::field("purpose", "expected 1 to 64 characters"));
    }
    let file = read_bounded(body, BATCH_LIMIT).await?;
    if let Some(fault) = too_many_rows(&file) {
        return Err(ApiError::BadInput {
            message: fault.reason.clone(),
            errors: vec![fault],
        });
    }
    as_caller(&state, creds, move |vrs, caller| {
        let options = InquiryOptions {
            personal_consent: q.personal_consent,
            purpose: &q.purpose,
            record: q.record,
        };
        let answer = vrs.inquire_batch(caller.principal, holder, file.as_slice(), options)?;
        Ok(done(answer).and_then(batch_body))
    })
    .await
    .map(Json)
}

fn batch_body(batch: BatchInquiry) -> Result<BatchBody, ApiError> {
    let answers = match batch {
        BatchInquiry::BadInput(errors) => {
            return Err(ApiError::BadInput {
                message: format!("{} bad rows; nobody was asked", errors.len()),
                errors: errors.iter().map(Into::into).collect(),
            })
        }
        BatchInquiry::Answered(answers) => answers,
    };
    let mut rows = Vec::with_capacity(answers.len());
    let mut carried = 0;
    for (at, a) in &answers {
        if let Some(r) = &a.recorded {
            carried += r.iter().filter(|x| x.dose_id.is_some()).count();
        }
        rows.push(BatchRow {
            row: at.row,
            line: at.line,
            found: a.found,
            doses: to_json(&a.doses)?,
            recorded: a.recorded.as_ref().map(to_json).transpose()?,
        });
    }
    Ok(BatchBody {
        asked: answers.len(),
        found: answers.iter().filter(|(_, a)| a.found).count(),
        carried_over: carried,
        legal_basis: answers
            .first()
            .map(|(_, a)| a.legal_basis.clone())
            .unwrap_or_default(),
        answers: rows,
        errors: Vec::new(),
    })
}

fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string()))
}
