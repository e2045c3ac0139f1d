//! The staff and tablet API under `/api/v1`: one module per resource, one
//! error type ([`error::ApiError`]) mapping every answer to its status and body.
//! Handlers are thin: parse into domain types, call the facade as the caller
//! the bearer token is ([`call::as_caller`]), render.

pub mod call;
pub mod devices;
pub mod doses;
pub mod error;
pub mod residents;
pub mod session;
mod spool;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;

/// Largest JSON body of an `/api/v1` route (bytes).
pub const JSON_LIMIT: usize = 64 * 1024;

/// The `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(doses::router())
        .merge(devices::router())
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .merge(residents::router())
}

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        session::login, session::logout, session::enroll,
        residents::count, residents::show, residents::lookup, residents::import,
        doses::register, doses::list, doses::confirm, doses::review,
        devices::add, devices::list, devices::revoke,
    ),
    components(schemas(
        error::ErrorBody, error::ErrorDetail, error::RowFault, error::RefusedBody,
        error::RefusedDetail, session::LoginBody, session::SessionBody, session::LoggedOut,
        session::EnrollBody, session::EnrolledBody, residents::CountBody,
        residents::LookupBody, doses::DoseBody, devices::DeviceBody,
    )),
    modifiers(&Bearer)
)]
struct ApiDoc;

/// The `/api/v1` part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
