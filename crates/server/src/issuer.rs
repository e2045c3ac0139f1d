//! SMART Health Cards issuer publication under `/issuer` (T1-4-2): each issuer's JWKS,
//! each key's revocation list, and the directory of every issuer. Public, read-only,
//! `Access-Control-Allow-Origin: *` (verifiers in browsers of any origin); nothing is
//! created by a GET. Plain data reads: they run on the pool of read-only
//! connections ([`vrs::SharedVrs::read`]) and never wait for the writer.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use vrs::MunicipalityCode;

use crate::api::error::ApiError;
use crate::AppState;

/// How long verifiers may cache what is published: a revocation shows within this time.
const CACHE: &str = "public, max-age=300";

/// The `/issuer` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/issuer/directory.json", get(directory))
        .route("/issuer/{code}/.well-known/jwks.json", get(jwks))
        .route("/issuer/{code}/.well-known/crl/{file}", get(crl))
        .layer(axum::middleware::map_response(public))
}

/// Every answer under `/issuer` may be read by any origin.
async fn public(mut response: Response) -> Response {
    let ok = response.status().is_success();
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if ok {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    }
    response
}

fn issuer(code: &str) -> Result<MunicipalityCode, ApiError> {
    MunicipalityCode::parse_municipality(code)
        .map_err(|_| ApiError::NotFound(format!("no issuer {code}")))
}

/// One issuer's JWKS: every key, current and retired, with its `crlVersion`.
#[utoipa::path(get, path = "/issuer/{code}/.well-known/jwks.json", tag = "issuer",
    params(("code" = String, Path, description = "The issuing municipality's code (6 digits)")),
    responses(
    (status = 200, description = "The issuer's JWKS", body = Object, content_type = "application/json"),
    (status = 404, description = "No such issuer (or it has no key)", body = crate::api::error::ErrorBody)))]
pub async fn jwks(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let m = issuer(&code)?;
    match state.vrs.read(move |vrs| vrs.issuer_jwks(m)).await? {
        Some(jwks) => Ok(Json(jwks).into_response()),
        None => Err(ApiError::NotFound(format!("no issuer {code}"))),
    }
}

/// The revocation list of one key of an issuer: `{"kid","method":"rid","ctr","rids"}`.
#[utoipa::path(get, path = "/issuer/{code}/.well-known/crl/{kid}.json", tag = "issuer",
    params(
        ("code" = String, Path, description = "The issuing municipality's code (6 digits)"),
        ("kid" = String, Path, description = "The key id (RFC 7638 thumbprint)")),
    responses(
    (status = 200, description = "The key's revocation list", body = Object, content_type = "application/json"),
    (status = 404, description = "No such key of this issuer", body = crate::api::error::ErrorBody)))]
pub async fn crl(
    State(state): State<AppState>,
    Path((code, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let m = issuer(&code)?;
    let not_found = || ApiError::NotFound(format!("no key {file} of issuer {code}"));
    let kid = file.strip_suffix(".json").ok_or_else(not_found)?.to_owned();
    let answer = state.vrs.read(move |vrs| vrs.issuer_crl(m, &kid)).await?;
    match answer {
        Some(crl) => {
            Ok(([(header::CONTENT_TYPE, "application/json")], crl.to_json()).into_response())
        }
        None => Err(not_found()),
    }
}

/// Every issuer of this instance with its keys, for verifiers.
#[utoipa::path(get, path = "/issuer/directory.json", tag = "issuer",
    responses((status = 200, description = "`{\"issuers\":[{\"iss\",\"keys\"}]}`", body = Object, content_type = "application/json")))]
pub async fn directory(State(state): State<AppState>) -> Result<Response, ApiError> {
    let d = state.vrs.read(|vrs| vrs.key_directory()).await?;
    Ok(Json(d).into_response())
}

#[derive(OpenApi)]
#[openapi(paths(jwks, crl, directory))]
struct IssuerDoc;

/// The `/issuer` part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    IssuerDoc::openapi()
}
