//! The staff and tablet API under `/api/v1`: one module per resource, one
//! error type ([`error::ApiError`]) mapping every answer to its status and body.
//! Handlers are thin: parse into domain types, call the facade as the caller
//! the bearer token is ([`call::as_caller`]), render.

pub mod audit;
pub mod call;
pub mod consents;
pub mod devices;
pub mod dose_changes;
pub mod doses;
pub mod error;
pub mod inquiry;
pub mod operator;
pub mod reports;
pub mod residents;
pub mod session;
mod spool;
pub mod users;

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
        .merge(dose_changes::router())
        .merge(users::router())
        .merge(operator::router())
        .merge(inquiry::router())
        .merge(reports::router())
        .merge(consents::router())
        .merge(audit::router())
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
        dose_changes::correct, dose_changes::delete, dose_changes::history,
        users::add, users::list, users::disable, users::reset_password,
        operator::alerts, operator::status, operator::stop, operator::resume, operator::enrol,
        inquiry::inquire, inquiry::inquire_batch, inquiry::tickets_due,
        reports::statistics, reports::certificates, reports::ledger,
        consents::list, consents::show, consents::grant, consents::revoke,
        audit::search,
    ),
    components(schemas(
        error::ErrorBody, error::ErrorDetail, error::RowFault, error::RefusedBody,
        error::RefusedDetail, session::LoginBody, session::SessionBody, session::LoggedOut,
        session::EnrollBody, session::EnrolledBody, residents::CountBody,
        residents::LookupBody, doses::DoseBody, devices::DeviceBody,
        dose_changes::CorrectBody, dose_changes::DeleteBody, users::NewUserBody,
        users::PasswordBody, operator::StopBody, operator::ResumeBody, operator::EnrolBody,
        inquiry::InquiryBody, inquiry::BatchBody, inquiry::BatchRow,
        consents::GrantBody, consents::RevokeBody,
    )),
    modifiers(&Bearer)
)]
struct ApiDoc;

/// The `/api/v1` part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
