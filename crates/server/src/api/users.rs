//! `/api/v1/users`: a municipality's administrators (and the operator, for
//! the operator, prefectures and the State) add, list, disable users and reset
//! their passwords (T1-9-1), with the JSON of `vrs users ... --json`. Who may
//! is the facade's rule; a taken login or a weak password is a 400.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;
use vrs::domain::{Login, Role};
use vrs::UserSpec;

use super::call::{as_caller, done, parse_opt, render, Credentials, JsonBody};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// The user routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list).post(add))
        .route("/api/v1/users/{login}/disable", post(disable))
        .route("/api/v1/users/{login}/reset-password", post(reset_password))
}

/// A user to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// The login (letters, digits, `. _ - @`; at most 64).
    pub login: String,
    /// `admin`, `clerk` or `viewer`.
    pub role: String,
    /// The principal the user acts as (default: the caller's own).
    #[serde(default)]
    pub principal: Option<String>,
    /// A designated My Number handler (M-4-2).
    #[serde(default)]
    pub my_number_handler: bool,
    /// The initial password (at least 12 characters).
    pub password: String,
}

/// A new password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// The new password (at least 12 characters).
    pub password: String,
}

fn login(value: &str) -> Result<Login, ApiError> {
    value.parse().map_err(|e| ApiError::field("login", e))
}

/// Adds a user (`vrs users add --json`: `{"login","principal","role","my_number_handler","totp_secret"}`,
/// the TOTP secret shown once).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Object),
        (status = 400, description = "Bad body, a taken login or a weak password", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn add(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<NewUserBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let new_login = login(&body.login)?;
    let role: Role = body.role.parse().map_err(|e| ApiError::field("role", e))?;
    let principal = parse_opt("principal", body.principal.as_deref())?;
    let handler = body.my_number_handler;
    let password = body.password;
    as_caller(&state, creds, move |vrs, caller| {
        let spec = UserSpec {
            principal,
            login: &new_login,
            role,
            my_number_handler: handler,
            password: &password,
        };
        Ok(done(vrs.add_user(caller.principal, spec)?)
            .and_then(render)
            .map(|j| (StatusCode::CREATED, j)))
    })
    .await
}

/// The users the caller manages (`vrs users list --json`: `{"users":[...]}`).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The users", body = Object),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn list(
    State(state): State<AppState>,
    creds: Credentials,
) -> Result<Json<serde_json::Value>, ApiError> {
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.list_users(caller.principal)?)
            .and_then(|users| render(serde_json::json!({ "users": users }))))
    })
    .await
}

/// Disables a user: it cannot sign in and its sessions end (`vrs users disable --json`).
#[utoipa::path(post, path = "/api/v1/users/{login}/disable", tag = "users",
    params(("login" = String, Path, description = "The user's login")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Disabled", body = Object),
        (status = 400, description = "Bad login", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No such user managed by the caller", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn disable(
    State(state): State<AppState>,
    creds: Credentials,
    Path(user): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = login(&user)?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.disable_user(caller.principal, &user)?).and_then(render))
    })
    .await
}

/// Gives a user a new password and (admins, clerks) a new TOTP secret, shown
/// once; unlocks it and ends its sessions (`vrs users reset-password --json`).
#[utoipa::path(post, path = "/api/v1/users/{login}/reset-password", tag = "users",
    params(("login" = String, Path, description = "The user's login")),
    request_body = PasswordBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reset", body = Object),
        (status = 400, description = "Bad login or a weak password", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No such user managed by the caller", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    creds: Credentials,
    Path(user): Path<String>,
    JsonBody(body): JsonBody<PasswordBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = login(&user)?;
    let password = body.password;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.reset_password(caller.principal, &user, &password)?).and_then(render))
    })
    .await
}
