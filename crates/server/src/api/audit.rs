//! `GET /api/v1/audit`: a municipality's administrators search the audit log
//! of its own area (S-3-3 log search); who may is the facade's rule.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;

use super::call::{as_caller, done, render, Credentials, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// The audit route.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(search))
}

/// What to search for.
#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only events of this action (e.g. `read_resident`).
    pub action: Option<String>,
    /// The newest this many events (1 to 1000, default 100), oldest first.
    pub limit: Option<u32>,
}

/// The audit events of the caller's own area (`vrs audit search --json` limited
/// to it): newest `limit`, oldest first. The search is audited.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The events", body = Vec<Object>),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Overloaded", body = RefusedBody)))]
pub async fn search(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=vrs::MAX_AUDIT_SEARCH).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("expected 1 to {}", vrs::MAX_AUDIT_SEARCH),
        ));
    }
    let action = q.action;
    if action.as_deref().is_some_and(|a| {
        a.is_empty() || a.len() > 64 || !a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    }) {
        return Err(ApiError::field(
            "action",
            "expected an action name such as read_resident",
        ));
    }
    as_caller(&state, creds, move |vrs, caller| {
        Ok(
            done(vrs.search_own_audit(caller.principal, action.as_deref(), limit)?)
                .and_then(render),
        )
    })
    .await
}
