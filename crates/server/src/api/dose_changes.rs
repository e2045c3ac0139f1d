//! `/api/v1/doses/{dose}/…`: correct a dose (with a reason), mark it
//! entered-in-error (with a reason) and read every version of it (T1-5-1).
//! Every version is kept by the store; who may is the facade's rule.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;
use vrs::domain::DoseId;
use vrs::Correction;

use super::call::{as_caller, done, parse_opt, render, Credentials, JsonBody};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// Longest reason accepted for a correction or deletion (characters).
pub const MAX_REASON: usize = 200;

/// The routes changing or reading one dose.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/doses/{dose}/correct", post(correct))
        .route("/api/v1/doses/{dose}/delete", post(delete))
        .route("/api/v1/doses/{dose}/history", get(history))
}

fn dose_id(dose: &str) -> Result<DoseId, ApiError> {
    dose.parse().map_err(|e| ApiError::field("dose", e))
}

fn reason(reason: &str) -> Result<String, ApiError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(ApiError::field("reason", "empty"));
    }
    if r.chars().count() > MAX_REASON {
        return Err(ApiError::field(
            "reason",
            format!("longer than {MAX_REASON} characters"),
        ));
    }
    Ok(r.to_owned())
}

/// What to change in a dose (at least one field) and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectBody {
    /// Why the dose is corrected (kept with the previous version).
    pub reason: String,
    /// New vaccination date, YYYY-MM-DD.
    #[serde(default)]
    pub date: Option<String>,
    /// New vaccine: catalog id or CVX code.
    #[serde(default)]
    pub vaccine: Option<String>,
    /// New lot number.
    #[serde(default)]
    pub lot: Option<String>,
    /// New venue (≤ 30 characters).
    #[serde(default)]
    pub venue: Option<String>,
    /// New doctor (≤ 20 characters).
    #[serde(default)]
    pub doctor: Option<String>,
    /// New dose number (e.g. a carried-over dose that clashed).
    #[serde(default)]
    pub dose_number: Option<String>,
}

impl CorrectBody {
    fn correction(&self) -> Result<Correction, ApiError> {
        Ok(Correction {
            date: self
                .date
                .as_deref()
                .map(|d| vrs::domain::parse_dose_date(d).map_err(|e| ApiError::field("date", e)))
                .transpose()?,
            vaccine: parse_opt("vaccine", self.vaccine.as_deref())?,
            lot: parse_opt("lot", self.lot.as_deref())?,
            venue: parse_opt("venue", self.venue.as_deref())?,
            doctor: parse_opt("doctor", self.doctor.as_deref())?,
            dose_number: parse_opt("dose_number", self.dose_number.as_deref())?,
        })
    }
}

/// Why a dose is marked entered-in-error.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    /// Why (kept with every version).
    pub reason: String,
}

/// A dose change's answer: the dose after it, or its rejection (400/404/409).
fn changed(
    answer: vrs::Answer<Result<vrs::domain::Dose, vrs::Rejection>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    done(answer).and_then(|r| match r {
        Ok(dose) => render(dose),
        Err(rejection) => Err(ApiError::Rejected(rejection)),
    })
}

/// Corrects a dose, keeping the previous version (`vrs doses correct --json`).
#[utoipa::path(post, path = "/api/v1/doses/{dose}/correct", tag = "doses",
    params(("dose" = String, Path, description = "The dose id")),
    request_body = CorrectBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The corrected dose", body = Object),
        (status = 400, description = "Bad body, no change or an impossible date", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No such dose in the caller's area", body = ErrorBody),
        (status = 409, description = "The dose is confirmed or conflicts with another", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn correct(
    State(state): State<AppState>,
    creds: Credentials,
    Path(dose): Path<String>,
    JsonBody(body): JsonBody<CorrectBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = dose_id(&dose)?;
    let why = reason(&body.reason)?;
    let correction = body.correction()?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(changed(vrs.correct_dose(
            caller.principal,
            id,
            &correction,
            &why,
        )?))
    })
    .await
}

/// Marks a dose entered-in-error; every version is kept (`vrs doses delete --json`).
#[utoipa::path(post, path = "/api/v1/doses/{dose}/delete", tag = "doses",
    params(("dose" = String, Path, description = "The dose id")),
    request_body = DeleteBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dose, marked entered-in-error", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No such dose in the caller's area", body = ErrorBody),
        (status = 409, description = "The dose is confirmed or already deleted", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn delete(
    State(state): State<AppState>,
    creds: Credentials,
    Path(dose): Path<String>,
    JsonBody(body): JsonBody<DeleteBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = dose_id(&dose)?;
    let why = reason(&body.reason)?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(changed(vrs.delete_dose(caller.principal, id, &why)?))
    })
    .await
}

/// Every version of a dose with who, when and why (`vrs doses history --json`).
#[utoipa::path(get, path = "/api/v1/doses/{dose}/history", tag = "doses",
    params(("dose" = String, Path, description = "The dose id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The versions, oldest first", body = Vec<Object>),
        (status = 400, description = "Bad dose id", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No such dose in the caller's area", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn history(
    State(state): State<AppState>,
    creds: Credentials,
    Path(dose): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = dose_id(&dose)?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(
            done(vrs.dose_history(caller.principal, id)?).and_then(|r| match r {
                Ok(versions) => render(versions),
                Err(rejection) => Err(ApiError::Rejected(rejection)),
            }),
        )
    })
    .await
}
