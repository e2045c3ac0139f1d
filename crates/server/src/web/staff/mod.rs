//! The screens of municipal staff and the operator: one module per screen,
//! each a router function; handlers parse, call the facade as the signed-in
//! caller ([`super::auth::Staff::run`]) and render.

mod home;

use crate::AppState;
use axum::Router;

/// The staff routes.
pub(super) fn router() -> Router<AppState> {
    Router::new().merge(home::router())
}
