//! `POST /api/v1/login`, `POST /api/v1/logout`, `POST /api/v1/enroll`.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::call::{anonymous, Client, Credentials, JsonBody};
use super::error::{ApiError, ErrorBody};
use crate::AppState;

/// The session routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/enroll", post(enroll))
}

/// A sign-in: login, password and the current TOTP code (required for every
/// role that sees personal data).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The user's login.
    pub login: String,
    /// The password.
    pub password: String,
    /// The 6-digit TOTP code of the authenticator app.
    #[serde(default)]
    pub totp: Option<String>,
}

/// An open session: the bearer token (shown once), its principal and its absolute end.
#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    /// `Authorization: Bearer` token of the session.
    pub token: String,
    /// The principal the session acts as (e.g. `municipality:131016`).
    pub principal: String,
    /// When the session ends at the latest (it ends after 30 idle minutes too).
    pub expires_at: String,
}

/// Signs a user in. Every failure (unknown login, wrong password or code,
/// locked account) is the same 401; five failures lock the account 15 minutes.
#[utoipa::path(post, path = "/api/v1/login", tag = "session", request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = SessionBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in (whatever the reason)", body = ErrorBody),
        (status = 429, description = "Too many sign-ins from this address", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Json<SessionBody>, ApiError> {
    state
        .login_limit
        .check(client)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let out = anonymous(&state, move |vrs| {
        Ok(
            match vrs.login(&body.login, &body.password, body.totp.as_deref(), client)? {
                Ok(s) => Ok(SessionBody {
                    token: s.token,
                    principal: s.principal.to_string(),
                    expires_at: s.expires_at.to_rfc3339(),
                }),
                Err(vrs::AuthFailure) => Err(ApiError::Unauthorized),
            },
        )
    })
    .await;
    if matches!(out, Err(ApiError::Unauthorized)) {
        state.metrics.login_failed();
    }
    out.map(Json)
}

/// The answer to a logout.
#[derive(Serialize, ToSchema)]
pub struct LoggedOut {
    /// Always true: the session is revoked.
    pub logged_out: bool,
}

/// Ends the session of the bearer token (401 when it is no live session).
#[utoipa::path(post, path = "/api/v1/logout", tag = "session",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session is revoked", body = LoggedOut),
        (status = 401, description = "No live session", body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    creds: Credentials,
) -> Result<Json<LoggedOut>, ApiError> {
    let (token, client) = creds.into_parts();
    anonymous(&state, move |vrs| {
        Ok(if vrs.logout(&token, client)? {
            Ok(Json(LoggedOut { logged_out: true }))
        } else {
            Err(ApiError::Unauthorized)
        })
    })
    .await
}

/// Redeeming a one-time enrolment code handed out by the operator.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollBody {
    /// The enrolment code.
    pub code: String,
    /// The new administrator's login.
    pub login: String,
    /// Its password.
    pub password: String,
}

/// The new administrator: its login and TOTP secret (base32, shown once).
#[derive(Serialize, ToSchema)]
pub struct EnrolledBody {
    /// The login.
    pub login: String,
    /// The TOTP secret for the authenticator app.
    pub totp_secret: String,
}

/// Creates a municipality's first administrator from a one-time enrolment
/// code; a bad, used or expired code is 401.
#[utoipa::path(post, path = "/api/v1/enroll", tag = "session", request_body = EnrollBody,
    responses(
        (status = 200, description = "The administrator exists", body = EnrolledBody),
        (status = 400, description = "Malformed login or weak password", body = ErrorBody),
        (status = 401, description = "Bad, used or expired code", body = ErrorBody),
        (status = 429, description = "Too many sign-ins from this address", body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<EnrollBody>,
) -> Result<Json<EnrolledBody>, ApiError> {
    state
        .login_limit
        .check(client)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let login: vrs::domain::Login = body
        .login
        .parse()
        .map_err(|e| ApiError::field("login", e))?;
    anonymous(&state, move |vrs| {
        Ok(
            match vrs.enroll(&body.code, &login, &body.password, client)? {
                Ok(e) => Ok(Json(EnrolledBody {
                    login: e.login.to_string(),
                    totp_secret: e.totp_secret,
                })),
                Err(vrs::AuthFailure) => Err(ApiError::Unauthorized),
            },
        )
    })
    .await
}
