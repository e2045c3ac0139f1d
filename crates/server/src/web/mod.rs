//! The web screens served by `vrs serve`: server-rendered HTML (maud templates,
//! escaping by default) through the same facade, rules and audit as `/api/v1`.
//!
//! Every piece shared by the screens lives here: the page layout
//! ([`layout`]), the security headers on every HTML response ([`headers`]),
//! the CSRF token every POST must carry ([`csrf`]), the staff session cookie and
//! the extractor giving handlers the signed-in caller ([`auth`]), the error pages
//! ([`error`]) and the one stylesheet and script under `/static/` ([`assets`]).
//! The staff screens are in [`staff`].

pub mod assets;
pub mod auth;
pub mod csrf;
pub mod error;
pub mod headers;
pub mod layout;
pub mod staff;
pub mod stats;
pub mod tablet;
pub mod verify;

use axum::Router;

use crate::AppState;

/// Every web route. Each POST passes the CSRF check ([`csrf::require`]) before
/// its handler runs; a module adding routes merges them above the layer.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(staff::router())
        .merge(verify::router())
        .layer(axum::middleware::from_fn(csrf::require))
        .merge(assets::router())
        .merge(tablet::router())
        .merge(stats::router())
        .merge(verify::assets())
}
