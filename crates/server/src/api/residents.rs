//! `/api/v1/residents`: count, show (by address or ticket number; by My Number
//! only in a POST body, never in a URL), and the streamed CSV import.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vrs::domain::{AddressNumber, MyNumber, TicketNumber};
use vrs::{Lookup, MunicipalityCode};

use super::call::{as_caller, done, Credentials, JsonBody, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// Largest resident file accepted by one import (bytes).
pub const IMPORT_LIMIT: u64 = 256 * 1024 * 1024;

/// The resident routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/residents/count", get(count))
        .route("/api/v1/residents", get(show))
        .route("/api/v1/residents/lookup", post(lookup))
        .route(
            "/api/v1/residents/import",
            post(import).layer(DefaultBodyLimit::disable()),
        )
}

fn municipality(value: Option<&str>) -> Result<Option<MunicipalityCode>, ApiError> {
    value
        .map(|m| m.parse().map_err(|e| ApiError::field("municipality", e)))
        .transpose()
}

/// Whose area to count.
#[derive(Deserialize, IntoParams)]
pub struct CountQuery {
    /// Municipality code (default: the caller's own).
    pub municipality: Option<String>,
}

/// A count.
#[derive(Serialize, ToSchema)]
pub struct CountBody {
    /// How many residents the area holds.
    pub count: u64,
}

/// Counts the residents of an area (`vrs residents count --json`).
#[utoipa::path(get, path = "/api/v1/residents/count", tag = "residents", params(CountQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The count", body = CountBody),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn count(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<CountQuery>,
) -> Result<Json<CountBody>, ApiError> {
    let m = municipality(q.municipality.as_deref())?;
    as_caller(&state, creds, move |vrs, caller| {
        Ok(done(vrs.count_residents(caller.principal, m)?).map(|count| Json(CountBody { count })))
    })
    .await
}

/// Which resident to show.
#[derive(Deserialize, IntoParams)]
pub struct ShowQuery {
    /// Municipality code (default: the caller's own).
    pub municipality: Option<String>,
    /// Address number (宛名番号).
    pub address_number: Option<String>,
    /// Vaccination ticket number.
    pub ticket_number: Option<String>,
}

/// Shows one resident, My Number masked (`vrs residents show --json`); 404 when none matches.
#[utoipa::path(get, path = "/api/v1/residents", tag = "residents", params(ShowQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The resident (My Number masked)", body = Object),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No resident matches", body = ErrorBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn show(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<ShowQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let m = municipality(q.municipality.as_deref())?;
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
    find(&state, creds, m, lookup).await
}

/// A lookup by My Number (only in a body: a My Number is never put in a URL).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupBody {
    /// Municipality code (default: the caller's own).
    #[serde(default)]
    pub municipality: Option<String>,
    /// The 12-digit My Number.
    pub my_number: String,
}

/// Shows one resident found by My Number (My Number handlers only, M-4-2).
#[utoipa::path(post, path = "/api/v1/residents/lookup", tag = "residents", request_body = LookupBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The resident (My Number masked)", body = Object),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 404, description = "No resident matches", body = ErrorBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    creds: Credentials,
    JsonBody(body): JsonBody<LookupBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let m = municipality(body.municipality.as_deref())?;
    let n: MyNumber = body
        .my_number
        .parse()
        .map_err(|e| ApiError::field("my_number", e))?;
    find(&state, creds, m, Lookup::MyNumber(n)).await
}

async fn find(
    state: &AppState,
    creds: Credentials,
    m: Option<MunicipalityCode>,
    lookup: Lookup,
) -> Result<Json<serde_json::Value>, ApiError> {
    as_caller(state, creds, move |vrs, caller| {
        Ok(
            done(vrs.find_resident(caller.principal, m, &lookup)?).and_then(|found| match found {
                Some(r) => Ok(Json(vrs::views::resident_json(&r))),
                None => Err(ApiError::NotFound(
                    "no resident matches in this area".into(),
                )),
            }),
        )
    })
    .await
}

/// Where and how to import.
#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Municipality code: the caller's own area, which the import goes into.
    pub municipality: Option<String>,
    /// `utf-8` or `cp932` (default: detected).
    pub encoding: Option<String>,
    /// Check everything, change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Imports a resident file (CSV body, streamed; all or nothing): the report of
/// `vrs residents import --json`, 400 with every bad row when any row is bad.
#[utoipa::path(post, path = "/api/v1/residents/import", tag = "residents", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The import report", body = Object),
        (status = 400, description = "Bad rows (nothing was imported)", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 413, description = "The file is over 256 MiB", body = ErrorBody),
        (status = 503, description = "Emergency stop (T1-10) or overloaded", body = RefusedBody)))]
pub async fn import(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<ImportQuery>,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let named = municipality(q.municipality.as_deref())?;
    let encoding: Option<vrs::Encoding> = q
        .encoding
        .as_deref()
        .map(|e| e.parse().map_err(|e| ApiError::field("encoding", e)))
        .transpose()?;
    let file = super::spool::spool(&state.settings.data_dir, body, IMPORT_LIMIT).await?;
    let dry_run = q.dry_run;
    as_caller(&state, creds, move |vrs, caller| {
        let own = match caller.principal {
            vrs::Principal::Municipality(m) | vrs::Principal::Site(m) => Some(m),
            _ => None,
        };
        if let (Some(named), Some(own)) = (named, own) {
            if named != own {
                return Ok(Err(ApiError::field(
                    "municipality",
                    format!("an import goes into the caller's own area ({own}), not {named}"),
                )));
            }
        }
        let outcome = vrs.import_residents(
            caller.principal,
            std::io::BufReader::new(file),
            encoding,
            dry_run,
        )?;
        Ok(done(outcome).and_then(|o| {
            if o.errors.is_empty() {
                Ok(Json(vrs::views::import_json(&o, dry_run)))
            } else {
                Err(ApiError::BadInput {
                    message: format!("{} bad values; nothing was imported", o.errors.len()),
                    errors: o.errors.iter().map(Into::into).collect(),
                })
            }
        }))
    })
    .await
}
