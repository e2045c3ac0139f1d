//! `/api/v1/devices`: a municipality's administrators register, list and
//! revoke its venue tablets (T1-9-1, T1-9-2); who may is the facade's rule.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;

use super::call::{as_caller, done, Credentials, JsonBody};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// The device routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/devices", get(list).post(add))
        .route("/api/v1/devices/{device}/revoke", post(revoke))
}

/// A tablet to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    /// The municipality whose venues it serves (it acts as `site:CODE`).
    pub site: String,
    /// A name people recognise it by.
    pub name: String,
}

fn json<T: serde::Serialize>(v: T) -> Result<Json<serde_json::Value>, ApiError> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Registers a tablet (`vrs devices add --json`: `{"device","token"}`, the token shown once).
#[utoipa::path(post, path = "/api/v1/devices", tag = "devices", request_body = DeviceBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn add(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<DeviceBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let site = body.site.parse().map_err(|e| ApiError::field("site", e))?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.add_device(caller.principal, site, &body.name)?)
            .and_then(json)
            .map(|j| (StatusCode::CREATED, j)))
    })
    .await
}

/// The municipality's tablets (`vrs devices list --json`: `{"devices":[...]}`).
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The devices", body = Object),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn list(
    State(state): State<AppState>,
    creds: Credentials,
) -> Result<Json<serde_json::Value>, ApiError> {
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.list_devices(caller.principal)?)
            .and_then(|devices| json(serde_json::json!({ "devices": devices }))))
    })
    .await
}

/// Revokes a tablet (`vrs devices revoke --json`); its next request is 401.
#[utoipa::path(post, path = "/api/v1/devices/{device}/revoke", tag = "devices",
    params(("device" = i64, Path, description = "The device id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = Object),
        (status = 400, description = "Bad device id", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No such device in this area", body = ErrorBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    creds: Credentials,
    Path(device): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let device: i64 = device
        .parse()
        .map_err(|_| ApiError::field("device", "not a device id"))?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.revoke_device(caller.principal, device)?).and_then(json))
    })
    .await
}
