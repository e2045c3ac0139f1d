//! What leaves the records in bulk: statistics (`GET /api/v1/statistics`, T1-4-4,
//! T1-4-6, P11-7; small cells suppressed for the State and prefectures by the
//! facade), the issuance history (`GET /api/v1/certificates`, P11-2-1) and the
//! ledger download (`GET /api/v1/ledger`, T1-5-1, a CSV streamed from a
//! private temporary file in the data directory).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use vrs::{ExportOptions, MunicipalityCode, StatKey, StatQuery, VrsError};

use super::call::{as_caller, done, render, Credentials, QueryParams};
use super::error::{ApiError, ErrorBody, RefusedBody};
use crate::AppState;

/// The report routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statistics", get(statistics))
        .route("/api/v1/certificates", get(certificates))
        .route("/api/v1/ledger", get(ledger))
}

fn date(field: &str, value: Option<&str>) -> Result<Option<chrono::NaiveDate>, ApiError> {
    value
        .map(|d| vrs::domain::parse_dose_date(d).map_err(|e| ApiError::field(field, e)))
        .transpose()
}

/// What to count.
#[derive(Deserialize, IntoParams)]
pub struct StatsQuery {
    /// Group keys, comma-separated: `date`, `dose`, `vaccine`, `age-band`, `municipality`.
    pub by: Option<String>,
    /// First vaccination date counted (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last vaccination date counted (YYYY-MM-DD).
    pub to: Option<String>,
    /// One municipality only (6 digits).
    pub municipality: Option<String>,
    /// A larger minimum cell size for this query (the State and prefectures).
    pub min_cell: Option<u64>,
}

/// Dose counts for the caller's area (`vrs stats --json`): the State sees
/// every area, a prefecture its municipalities, a municipality itself; the
/// State and prefectures get small cells suppressed (`"suppressed": true`).
#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", params(StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"scope\",\"min_cell_size\",\"rows\":[...]}`", body = Object),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn statistics(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<StatsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by =
        q.by.as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<StatKey>().map_err(|e| ApiError::field("by", e)))
            .collect::<Result<Vec<_>, _>>()?;
    let query = StatQuery {
        by,
        from: date("from", q.from.as_deref())?,
        to: date("to", q.to.as_deref())?,
        municipality: q
            .municipality
            .as_deref()
            .map(|m| {
                MunicipalityCode::parse_municipality(m)
                    .map_err(|e| ApiError::field("municipality", e))
            })
            .transpose()?,
        min_cell: q.min_cell,
    };
    as_caller(&state, creds, move |vrs, caller| {
        match vrs.dose_statistics(caller.principal, &query) {
            Ok(a) => Ok(done(a).and_then(render)),
            Err(e @ VrsError::Statistics(_)) => Ok(Err(ApiError::field("min_cell", e))),
            Err(e) => Err(e),
        }
    })
    .await
}

/// The certificates the caller's municipality issued (`vrs certificates
/// history --json`: `{"count","certificates":[...]}`).
#[utoipa::path(get, path = "/api/v1/certificates", tag = "statistics",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"count\",\"certificates\":[...]}`", body = Object),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn certificates(
    State(state): State<AppState>,
    creds: Credentials,
) -> Result<Json<serde_json::Value>, ApiError> {
    as_caller(&state, creds, move |vrs, caller| {
        Ok(
            done(vrs.issuance_history(caller.principal)?).and_then(|rows| {
                render(serde_json::json!({ "count": rows.len(), "certificates": rows }))
            }),
        )
    })
    .await
}

/// What to export.
#[derive(Deserialize, IntoParams)]
pub struct LedgerQuery {
    /// Only doses registered or changed on or after this date (YYYY-MM-DD).
    pub since: Option<String>,
    /// `utf-8` (default) or `cp932`.
    pub encoding: Option<String>,
    /// Fill the address number column (VRS leaves it blank).
    #[serde(default)]
    pub with_address_number: bool,
}

/// The ledger export of the caller's municipality (`vrs doses export`): a CSV
/// file with the doses' count in `X-Doses`.
#[utoipa::path(get, path = "/api/v1/ledger", tag = "statistics", params(LedgerQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ledger CSV", body = String, content_type = "text/csv"),
        (status = 400, description = "Bad query, or a value the encoding cannot hold", body = ErrorBody),
        (status = 401, description = "No valid credentials", body = ErrorBody),
        (status = 403, description = "Refused by a rule", body = RefusedBody),
        (status = 503, description = "Emergency stop or overloaded", body = RefusedBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    creds: Credentials,
    QueryParams(q): QueryParams<LedgerQuery>,
) -> Result<Response, ApiError> {
    let options = ExportOptions {
        since: date("since", q.since.as_deref())?,
        encoding: q
            .encoding
            .as_deref()
            .unwrap_or("utf-8")
            .parse()
            .map_err(|e| ApiError::field("encoding", e))?,
        with_address_number: q.with_address_number,
        replace: false,
    };
    let charset = match options.encoding {
        vrs::Encoding::Utf8 => "utf-8",
        vrs::Encoding::Cp932 => "shift_jis",
    };
    // A private directory of its own in the data directory (0700 like it);
    // removed with everything in it when this request ends.
    let dir = tempfile::Builder::new()
        .prefix(".ledger-")
        .tempdir_in(&state.settings.data_dir)
        .map_err(|e| ApiError::Internal(format!("ledger spool: {e}")))?;
    let out = dir.path().join("ledger.csv");
    // Off the writer (a large export must hold no other request behind it):
    // the rules decide on the writer, the file is written on a read-only
    // connection from one snapshot, and the export's audit event (with its
    // dose count) is written on the writer, deciding again, before any byte
    // is sent. The token is authenticated at each writer step.
    let (token, client) = creds.into_parts();
    let grant = as_caller(
        &state,
        Credentials::new(token.clone(), client),
        move |vrs, caller| Ok(done(vrs.grant_ledger(caller.principal, options)?)),
    )
    .await?;
    let path = out.clone();
    let read = state
        .vrs
        .read(move |vrs| Ok((vrs.read_ledger(&grant, &path), grant)))
        .await?;
    let written = match read {
        (Ok(w), grant) => (w, grant),
        (Err(e @ VrsError::Unencodable { .. }), _) => return Err(ApiError::field("encoding", e)),
        (Err(e), _) => return Err(super::error::from_vrs(e)),
    };
    let report = as_caller(&state, Credentials::new(token, client), move |vrs, _| {
        let (report, grant) = written;
        Ok(done(vrs.record_ledger(grant, report)?))
    })
    .await?;
    let file = tokio::fs::File::open(&out)
        .await
        .map_err(|e| ApiError::Internal(format!("ledger spool: {e}")))?;
    // The open file stays readable after its directory is removed.
    drop(dir);
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, format!("text/csv; charset={charset}")),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ledger.csv\"".to_owned(),
            ),
            (
                header::HeaderName::from_static("x-doses"),
                report.doses.to_string(),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
