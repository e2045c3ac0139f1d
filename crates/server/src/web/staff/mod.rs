//! The screens of municipal staff and the operator: one module per screen,
//! each a router function; handlers parse, call the facade as the signed-in
//! caller ([`super::auth::Staff::run`]) and render.

mod audit;
mod consent;
mod counter;
mod doses;
mod home;
mod inquiry;
mod issuances;
mod ledger;
mod operator;
mod residents;
mod upload;
mod users;

use axum::Router;

use super::error::WebError;
use crate::api::error::RowFault;
use crate::AppState;

/// The staff routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(residents::router())
        .merge(doses::router())
        .merge(upload::router())
        .merge(counter::router())
        .merge(issuances::router())
        .merge(consent::router())
        .merge(users::router())
        .merge(operator::router())
        .merge(ledger::router())
        .merge(inquiry::router())
        .merge(audit::router())
}

/// The longest free text (reason, venue, doctor…) a form accepts, in characters.
pub(crate) const MAX_TEXT: usize = 500;

/// A 400 naming the form field at fault.
pub(crate) fn field_error(field: &str, reason: impl std::fmt::Display) -> WebError {
    let reason = reason.to_string();
    // Domain errors already start with their field's name.
    let reason = reason
        .strip_prefix(&format!("{field}: "))
        .map_or(reason.clone(), str::to_owned);
    WebError::BadInput {
        message: format!("{field}: {reason}"),
        errors: vec![RowFault {
            line: 0,
            column: field.to_owned(),
            reason,
        }],
    }
}

/// Parses form field `field` into its domain type (the error names the field).
pub(crate) fn parse<T>(field: &str, value: &str) -> Result<T, WebError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e| field_error(field, e))
}

/// Field `field` when not blank, parsed.
pub(crate) fn optional<T>(field: &str, value: &str) -> Result<Option<T>, WebError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse(field, value).map(Some)
    }
}

/// A required free-text field (a reason): trimmed, not empty, bounded.
pub(crate) fn text(field: &str, value: &str) -> Result<String, WebError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(field_error(field, "empty"));
    }
    if v.chars().count() > MAX_TEXT {
        return Err(field_error(field, format!("over {MAX_TEXT} characters")));
    }
    Ok(v.to_owned())
}

/// A day `YYYY-MM-DD`.
pub(crate) fn date(field: &str, value: &str) -> Result<chrono::NaiveDate, WebError> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|e| field_error(field, format!("not a date YYYY-MM-DD: {e}")))
}

/// The caller's own municipality, or the 403 page for any other principal (a
/// screen that exists only for municipalities, such as registering a tablet).
pub(crate) fn own(principal: vrs::Principal) -> Result<vrs::MunicipalityCode, WebError> {
    match principal {
        vrs::Principal::Municipality(m) => Ok(m),
        other => Err(WebError::NotForYou(format!(
            "この画面は市区町村の職員用です / This screen is for municipal staff ({other})"
        ))),
    }
}
