//! The staff and tablet API under `/api/v1`: one module per resource, one
//! error type ([`error::ApiError`]) mapping every answer to its status and body.

pub mod error;

use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

/// The `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
}

#[derive(OpenApi)]
#[openapi(components(schemas(error::ErrorBody, error::RefusedBody)))]
struct ApiDoc;

/// The `/api/v1` part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
