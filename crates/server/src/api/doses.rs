//! `/api/v1/doses`: register one dose from a ticket's OCR line (tablets and
//! staff), list a resident's doses, confirm one, and the review queue.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use vrs::domain::{AddressNumber, DoseEntry, DoseId, TicketNumber};
use vrs::Lookup;

use super::call::{as_caller, done, Credentials, JsonBody, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// The dose routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/doses", post(register).get(list))
        .route("/api/v1/doses/review", get(review))
        .route("/api/v1/doses/{dose}/confirm", post(confirm))
}

/// One dose as the venue's tablet reads it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseBody {
    /// The ticket's 18-digit OCR line.
    pub ocr_line: String,
    /// Vaccine: catalog id or CVX code.
    pub vaccine: String,
    /// Lot number.
    pub lot: String,
    /// Vaccination date, YYYY-MM-DD.
    pub date: String,
    /// Venue (≤ 30 characters).
    #[serde(default)]
    pub venue: Option<String>,
    /// Doctor (≤ 20 characters).
    #[serde(default)]
    pub doctor: Option<String>,
}

impl DoseBody {
    fn entry(&self) -> Result<DoseEntry, ApiError> {
        Ok(DoseEntry {
            ocr: self
                .ocr_line
                .parse()
                .map_err(|e| ApiError::field("ocr_line", e))?,
            product: self
                .vaccine
                .parse()
                .map_err(|e| ApiError::field("vaccine", e))?,
            lot: self.lot.parse().map_err(|e| ApiError::field("lot", e))?,
            date: vrs::domain::parse_dose_date(&self.date)
                .map_err(|e| ApiError::field("date", e))?,
            venue: self
                .venue
                .as_deref()
                .map(|v| v.parse().map_err(|e| ApiError::field("venue", e)))
                .transpose()?,
            doctor: self
                .doctor
                .as_deref()
                .map(|d| d.parse().map_err(|e| ApiError::field("doctor", e)))
                .transpose()?,
        })
    }
}

/// Registers one dose (`vrs doses register --json`): 201, or 200 with
/// `"existing": true` when the same dose was already registered.
#[utoipa::path(post, path = "/api/v1/doses", tag = "doses", request_body = DoseBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = Object),
        (status = 200, description = "The same dose was already registered (existing: true)", body = Object),
        (status = 400, description = "Bad body or impossible date", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "The ticket was issued to no resident", body = ErrorBody),
        (status = 409, description = "Conflicts with the person's doses", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn register(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<DoseBody>,
) -> Result<(StatusCode, Json<vrs::Registered>), ApiError> {
    let entry = body.entry()?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(
            done(vrs.register_dose(caller.principal, &entry)?).and_then(|r| match r {
                Ok(reg) if reg.existing => Ok((StatusCode::OK, Json(reg))),
                Ok(reg) => Ok((StatusCode::CREATED, Json(reg))),
                Err(rejection) => Err(ApiError::Rejected(rejection)),
            }),
        )
    })
    .await
}

/// Whose doses to list.
#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Address number (宛名番号).
    pub address_number: Option<String>,
    /// Vaccination ticket number.
    pub ticket_number: Option<String>,
}

/// Every dose of one resident of the caller's area (`vrs doses list --json`).
#[utoipa::path(get, path = "/api/v1/doses", tag = "doses", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The doses", body = Vec<Object>),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn list(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Json<Vec<vrs::domain::Dose>>, ApiError> {
    let lookup = match (q.address_number.as_deref(), q.ticket_number.as_deref()) {
        (Some(a), None) => Lookup::AddressNumber(
            a.parse::<AddressNumber>()
                .map_err(|e| ApiError::field("address_number", e))?,
        ),
        (None, Some(t)) => Lookup::TicketNumber(
            t.parse::<TicketNumber>()
                .map_err(|e| ApiError::field("ticket_number", e))?,
        ),
        _ => {
            return Err(ApiError::bad(
                "give exactly one of address_number and ticket_number",
            ))
        }
    };
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.list_doses(caller.principal, &lookup)?).map(Json))
    })
    .await
}

/// Confirms a dose (`vrs doses confirm --json`); 404 when the caller's area has no such dose.
#[utoipa::path(post, path = "/api/v1/doses/{dose}/confirm", tag = "doses",
    params(("dose" = String, Path, description = "The dose id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed", body = Object),
        (status = 400, description = "Bad dose id", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No such dose", body = ErrorBody),
        (status = 409, description = "The dose cannot be confirmed", body = ErrorBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    creds: Credentials,
    Path(dose): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id: DoseId = dose.parse().map_err(|e| ApiError::field("dose", e))?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(
            done(vrs.confirm_dose(caller.principal, id)?).and_then(|r| match r {
                Ok(v) => serde_json::to_value(v)
                    .map(Json)
                    .map_err(|e| ApiError::Internal(e.to_string())),
                Err(rejection) => Err(ApiError::Rejected(rejection)),
            }),
        )
    })
    .await
}

/// The doses flagged for a human check in the caller's area (`vrs doses review --json`).
#[utoipa::path(get, path = "/api/v1/doses/review", tag = "doses",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The review queue", body = Vec<Object>),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn review(
    State(state): State<AppState>,
    creds: Credentials,
) -> Result<Json<serde_json::Value>, ApiError> {
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.review_doses(caller.principal)?).and_then(|items| {
            serde_json::to_value(items)
                .map(Json)
                .map_err(|e| ApiError::Internal(e.to_string()))
        }))
    })
    .await
}
