//! The certificate app's API under `/app/v1` (challenges, applications; A10-10 limits).

use axum::Router;

use crate::AppState;

/// The `/app/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
