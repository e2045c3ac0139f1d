//! SMART Health Cards issuer publication under `/issuer` (JWKS, revocation lists, directory).

use axum::Router;

use crate::AppState;

/// The `/issuer` routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
