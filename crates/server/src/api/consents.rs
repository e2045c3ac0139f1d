//! `/api/v1/consents`: the operator's list of every municipality's consents
//! (T1-11-2), one municipality's consents, and a municipality's administrators
//! granting or withdrawing its own consent (N-2, T2-2-2). Who may is the
//! facade's rule.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use vrs::consent::DocumentId;
use vrs::MunicipalityCode;

use super::call::{as_caller, done, parse_opt, render, Credentials, JsonBody, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// Longest `approved_by` accepted (characters).
pub const MAX_APPROVED_BY: usize = 100;

/// The consent routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/consents", get(list))
        .route("/api/v1/consents/{municipality}", get(show))
        .route("/api/v1/consents/{municipality}/grant", post(grant))
        .route("/api/v1/consents/{municipality}/revoke", post(revoke))
}

fn municipality(value: &str) -> Result<MunicipalityCode, ApiError> {
    MunicipalityCode::parse_municipality(value).map_err(|e| ApiError::field("municipality", e))
}

fn document(value: &str) -> Result<DocumentId, ApiError> {
    value.parse().map_err(|e| ApiError::field("document", e))
}

/// Which municipalities to list.
#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only those consenting to this document (e.g. `terms-2021-12-03`).
    pub document: Option<String>,
    /// List those that do NOT consent instead.
    #[serde(default)]
    pub missing: bool,
}

/// T1-11-2: every municipality's consents, for the operator (`vrs consent list
/// --json`: `{"count","municipalities":[{"code","name","documents"}]}`).
#[utoipa::path(get, path = "/api/v1/consents", tag = "consents", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"count\",\"municipalities\":[...]}`", body = Object),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule (not the operator)", body = RefusedBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn list(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let d = parse_opt::<DocumentId>("document", q.document.as_deref())?;
    let missing = q.missing;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(
            done(vrs.consent_list(caller.principal, d, missing)?).and_then(|rows| {
                let json: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(m, docs)| {
                        serde_json::json!({ "code": m, "name": m.info().name, "documents": docs })
                    })
                    .collect();
                render(serde_json::json!({ "count": json.len(), "municipalities": json }))
            }),
        )
    })
    .await
}

/// One municipality's consents and their history (`vrs consent show --json`);
/// public facts, for any signed-in caller.
#[utoipa::path(get, path = "/api/v1/consents/{municipality}", tag = "consents",
    params(("municipality" = String, Path, description = "The municipality code (6 digits)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The municipality's consents", body = Object),
        (status = 400, description = "Bad municipality code", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 503, description = "Overloaded", body = RefusedBody)))]
pub async fn show(
    State(state): State<AppState>,
    creds: Credentials,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let m = municipality(&code)?;
    as_caller(&state, creds, move |vrs, _| {
        Ok(render(vrs.consent_view(m)?))
    })
    .await
}

/// A consent to give.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// The document (e.g. `terms-2021-12-03`).
    pub document: String,
    /// Effective from (YYYY-MM-DD; default today).
    #[serde(default)]
    pub at: Option<String>,
    /// Who approved it internally (T1-2-3).
    #[serde(default)]
    pub approved_by: Option<String>,
}

/// A consent to withdraw.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// The document.
    pub document: String,
}

/// N-2, T2-2-2: the municipality consents to a document (`vrs consent grant --json`).
#[utoipa::path(post, path = "/api/v1/consents/{municipality}/grant", tag = "consents",
    params(("municipality" = String, Path, description = "The municipality code (6 digits)")),
    request_body = GrantBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The municipality's consents afterwards", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn grant(
    State(state): State<AppState>,
    creds: Credentials,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<GrantBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let m = municipality(&code)?;
    let d = document(&body.document)?;
    let at = body
        .at
        .as_deref()
        .map(|a| {
            chrono::NaiveDate::parse_from_str(a, "%Y-%m-%d")
                .map_err(|e| ApiError::field("at", format!("{a:?}: {e}")))
        })
        .transpose()?;
    let approved_by = body.approved_by;
    if approved_by
        .as_deref()
        .is_some_and(|a| a.trim().is_empty() || a.chars().count() > MAX_APPROVED_BY)
    {
        return Err(ApiError::field(
            "approved_by",
            format!("expected 1 to {MAX_APPROVED_BY} characters"),
        ));
    }
    as_caller(&state, creds, move |vrs, caller| {
        Ok(
            done(vrs.grant_consent(caller.principal, Some(m), d, at, approved_by.as_deref())?)
                .and_then(render),
        )
    })
    .await
}

/// Withdraws the municipality's consent, effective at once (`vrs consent revoke --json`).
#[utoipa::path(post, path = "/api/v1/consents/{municipality}/revoke", tag = "consents",
    params(("municipality" = String, Path, description = "The municipality code (6 digits)")),
    request_body = RevokeBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The municipality's consents afterwards", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    creds: Credentials,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<RevokeBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let m = municipality(&code)?;
    let d = document(&body.document)?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.revoke_consent(caller.principal, Some(m), d)?).and_then(render))
    })
    .await
}
