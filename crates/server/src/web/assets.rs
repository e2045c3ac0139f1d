//! `/static/`: the one stylesheet of every page and the small upload-progress
//! script (pages work without it), compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// The stylesheet of every page.
pub const CSS: &str = include_str!("../../static/vrs.css");
/// Shows the progress of a CSV upload (optional: the form posts without it).
pub const UPLOAD_JS: &str = include_str!("../../static/upload.js");

/// The `/static/` routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/static/vrs.css", get(css))
        .route("/static/upload.js", get(upload_js))
}

const CACHE: &str = "public, max-age=3600";

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        CSS,
    )
}

async fn upload_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        UPLOAD_JS,
    )
}
