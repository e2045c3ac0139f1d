//! Operations endpoints: `/healthz`, `/readyz`, `/metrics`, `/openapi.json`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;

/// The `/healthz`, `/readyz`, `/metrics` and `/openapi.json` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
}

/// A health or readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`, or `unavailable` with the reason.
    pub status: &'static str,
    /// Why the service is not ready (absent when it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "The process is up", body = Status)))]
pub async fn healthz() -> Json<Status> {
    Json(Status {
        status: "ok",
        reason: None,
    })
}

/// The store is reachable (its database opens and reads); 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "ops", responses(
    (status = 200, description = "The store is reachable", body = Status),
    (status = 503, description = "The store is unreachable", body = Status)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let dir = state.settings.data_dir.clone();
    let probe = tokio::task::spawn_blocking(move || vrs::Vrs::probe(&dir)).await;
    match probe {
        Ok(Ok(())) => Json(Status {
            status: "ok",
            reason: None,
        })
        .into_response(),
        Ok(Err(e)) => unavailable(e.to_string()),
        Err(e) => unavailable(e.to_string()),
    }
}

fn unavailable(reason: String) -> Response {
    tracing::warn!(reason = reason.as_str(), "not ready");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        Json(Status {
            status: "unavailable",
            reason: Some(reason),
        }),
    )
        .into_response()
}

/// Prometheus text: requests by route and status, latency histograms,
/// refusals by provision, login failures.
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// The OpenAPI 3.1 document of the service, generated from the code.
#[utoipa::path(get, path = "/openapi.json", tag = "ops",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn openapi() -> Response {
    Json(document()).into_response()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "vrs",
        description = "Vaccination Record System (ワクチン接種記録システム)"
    ),
    paths(healthz, readyz, metrics, openapi),
    components(schemas(Status))
)]
struct OpsDoc;

/// The OpenAPI document: every module's paths merged.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = OpsDoc::openapi();
    doc.merge(crate::api::openapi());
    doc.merge(crate::app::openapi());
    doc.merge(crate::issuer::openapi());
    doc
}
