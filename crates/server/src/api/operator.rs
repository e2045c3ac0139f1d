//! The operator's routes: intrusion signals (`GET /api/v1/alerts`, S-3-3),
//! the emergency stop (T1-10) and the one-time enrolment codes of a
//! municipality's first administrator (T1-9-1). Who may is the facade's rule:
//! anyone else gets 403.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use vrs::consent::Function;
use vrs::{AlertOptions, MunicipalityCode};

use super::call::{as_caller, done, render, Credentials, JsonBody, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// Longest reason of an emergency stop (characters).
pub const MAX_STOP_REASON: usize = 200;

/// The operator's routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/emergency", get(status))
        .route("/api/v1/emergency/stop", post(stop))
        .route("/api/v1/emergency/resume", post(resume))
        .route("/api/v1/enrolments", post(enrol))
}

/// Which signals to look for.
#[derive(Deserialize, IntoParams)]
pub struct AlertQuery {
    /// Failures per account or address that make an alert (default 10).
    pub failures: Option<usize>,
    /// ... within this many minutes (1 to 1440, default 10).
    pub window: Option<i64>,
    /// Refused cross-partition attempts that make an alert (default 3).
    pub cross_partition: Option<usize>,
    /// Only events since this time (RFC 3339; default: the last 24 hours).
    pub since: Option<String>,
}

/// The intrusion signals of the audit log (`vrs audit alerts --json`); the operator's.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "operator", params(AlertQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"since\",\"window_minutes\",\"alerts\":[...]}`", body = Object),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule (not the operator)", body = RefusedBody),
        (status = 503, description = "Overloaded", body = RefusedBody)))]
pub async fn alerts(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<AlertQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let defaults = AlertOptions::default();
    let window = q.window.unwrap_or(defaults.window_minutes);
    if !(1..=24 * 60).contains(&window) {
        return Err(ApiError::field("window", "expected 1 to 1440 minutes"));
    }
    let failures = q.failures.unwrap_or(defaults.failures);
    let cross_partition = q.cross_partition.unwrap_or(defaults.cross_partition);
    if failures == 0 || cross_partition == 0 {
        return Err(ApiError::bad("failures and cross_partition: at least 1"));
    }
    let since = q
        .since
        .as_deref()
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|e| ApiError::field("since", format!("expected an RFC 3339 time: {e}")))
        })
        .transpose()?;
    let options = AlertOptions {
        failures,
        window_minutes: window,
        cross_partition,
        since,
    };
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.alerts(caller.principal, options)?).and_then(render))
    })
    .await
}

fn stopped(list: Vec<vrs::StopRecord>) -> Result<Json<serde_json::Value>, ApiError> {
    render(serde_json::json!({ "stopped": list }))
}

/// The functions under an emergency stop (`vrs emergency status --json`:
/// `{"stopped":[...]}`); any signed-in caller or device may ask.
#[utoipa::path(get, path = "/api/v1/emergency", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"stopped\":[...]}`", body = Object),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 503, description = "Overloaded", body = RefusedBody)))]
pub async fn status(
    State(state): State<AppState>,
    creds: Credentials,
) -> Result<Json<serde_json::Value>, ApiError> {
    as_caller(&state, creds, move |vrs, _| {
        Ok(stopped(vrs.emergency_status()?))
    })
    .await
}

/// A function to stop, and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopBody {
    /// `all`, `registration`, `inquiry`, `e-issuance`, `import` or `export`.
    pub function: String,
    /// Why (shown to every refused caller).
    pub reason: String,
}

/// A function to resume.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeBody {
    /// The function stopped before.
    pub function: String,
}

/// A refused stop or resumption is forbidden (403), never "unavailable": the
/// T1-10 rule on stopping is decided before, and instead of, the check of the
/// stopped functions, so its T1-10 ground always says "only the operator can".
fn forbidden<T>(answer: vrs::Answer<T>) -> Result<T, ApiError> {
    match answer {
        vrs::Answer::Done(v) => Ok(v),
        vrs::Answer::Refused(r) => Err(ApiError::Refused(r)),
    }
}

fn function(value: &str) -> Result<Function, ApiError> {
    value.parse().map_err(|e| ApiError::field("function", e))
}

/// T1-10: the operator stops a function (`vrs emergency stop --json`).
#[utoipa::path(post, path = "/api/v1/emergency/stop", tag = "operator", request_body = StopBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"stopped\":[...]}` after the stop", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule (not the operator)", body = RefusedBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Overloaded", body = RefusedBody)))]
pub async fn stop(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<StopBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let f = function(&body.function)?;
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_STOP_REASON {
        return Err(ApiError::field(
            "reason",
            format!("expected 1 to {MAX_STOP_REASON} characters"),
        ));
    }
    as_caller(&state, creds, move |vrs, caller| {
        Ok(forbidden(vrs.emergency_stop(caller.principal, f, &reason)?).and_then(stopped))
    })
    .await
}

/// T1-10: the operator resumes a function (`vrs emergency resume --json`).
#[utoipa::path(post, path = "/api/v1/emergency/resume", tag = "operator", request_body = ResumeBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"stopped\":[...]}` after the resumption", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule (not the operator)", body = RefusedBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Overloaded", body = RefusedBody)))]
pub async fn resume(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<ResumeBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let f = function(&body.function)?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(forbidden(vrs.emergency_resume(caller.principal, f)?).and_then(stopped))
    })
    .await
}

/// The municipality whose first administrator will redeem the code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    /// The municipality code (6 digits).
    pub municipality: String,
}

/// T1-9-1: a one-time enrolment code for a municipality's first administrator
/// (`vrs users enroll --json`: `{"code", ...}`), handed over out of band.
#[utoipa::path(post, path = "/api/v1/enrolments", tag = "operator", request_body = EnrolBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The code (shown once)", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule (not the operator)", body = RefusedBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<EnrolBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let m = MunicipalityCode::parse_municipality(&body.municipality)
        .map_err(|e| ApiError::field("municipality", e))?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.issue_enrolment(caller.principal, m)?)
            .and_then(render)
            .map(|j| (StatusCode::CREATED, j)))
    })
    .await
}
