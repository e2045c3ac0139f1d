//! A person who moves: the cross-municipality inquiry (`POST /api/v1/inquiries`,
//! D12-3, T1-3-1-5, N-4) with the asking municipality's confirmation of the
//! person's consent, and the residents whose next ticket is due
//! (`GET /api/v1/tickets/due`, L13). The My Number travels only in a body.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use vrs::domain::{DoseNumber, MyNumber};
use vrs::{InquiryOptions, MunicipalityCode, VrsError};

use super::call::{as_caller, done, render, Credentials, JsonBody, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// The inquiry and ticket routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/inquiries", post(inquire))
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
