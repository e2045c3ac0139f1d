//! The one table of answers of `/api/v1`: every error maps to its status and
//! body here, and nowhere else.
//!
//! | status | when | body |
//! |---|---|---|
//! | 400 | bad input | `{"error":{"message","errors":[{"line","column","reason"}]}}` |
//! | 401 | no or bad credentials | `{"error":{"message","errors":[]}}` |
//! | 403 | refused by a rule | `{"refused":{"grounds":[...],"message"}}` |
//! | 404 | no such resource | `{"error":{...}}` |
//! | 409 | a conflicting state | `{"error":{...}}` |
//! | 413 | body over the route's limit | `{"error":{...}}` |
//! | 429 | rate limited | `{"error":{...}}` + `Retry-After` |
//! | 503 | emergency stop (T1-10) | `{"refused":{...}}` + `Retry-After` |
//! | 503 | overloaded | no body, `Retry-After` |
//! | 500 | internal error (logged, never detailed to the caller) | `{"error":{...}}` |

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use vrs::consent::Refusal;

/// One row at fault in an uploaded file (or one field of a JSON body: line 0).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowFault {
    /// 1-based line of the file (the header is line 1); 0 for a JSON body.
    pub line: u64,
    /// The column or field at fault (`""` for the whole row).
    pub column: String,
    /// Why it was refused (never a My Number's digits).
    pub reason: String,
}

impl From<&vrs::domain::csv_input::RowError> for RowFault {
    fn from(e: &vrs::domain::csv_input::RowError) -> Self {
        Self {
            line: e.line,
            column: e.column.clone(),
            reason: e.reason.clone(),
        }
    }
}

/// `{"error":{"message","errors":[...]}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error's message and the rows at fault.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What went wrong.
    pub message: String,
    /// The rows or fields at fault (empty when none is singled out).
    pub errors: Vec<RowFault>,
    /// For a dose refused at entry: the rejection as `vrs doses --json` prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub rejection: Option<serde_json::Value>,
}

/// `{"refused":{"grounds":[...],"message"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedBody {
    /// The refusal.
    pub refused: RefusedDetail,
}

/// A refusal's grounds (each citing its provision) and a one-line message.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedDetail {
    /// Every unmet rule, with its provision ID, article and reason.
    #[schema(value_type = Vec<Object>)]
    pub grounds: Vec<vrs::consent::Ground>,
    /// The provisions cited, as one line.
    pub message: String,
}

impl RefusedBody {
    /// The body of a refusal.
    pub fn of(refusal: &Refusal) -> Self {
        Self {
            refused: RefusedDetail {
                grounds: refusal.grounds.clone(),
                message: refusal.to_string(),
            },
        }
    }
}

/// Every answer of `/api/v1` other than success.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request is malformed (and the rows at fault, if a file's).
    BadInput {
        /// What is wrong.
        message: String,
        /// The rows or fields at fault.
        errors: Vec<RowFault>,
    },
    /// 401: no or bad credentials (never says which).
    Unauthorized,
    /// 403: a rule refused it (already audited by the facade).
    Refused(Refusal),
    /// 404: no such resource.
    NotFound(String),
    /// 409: the request conflicts with the stored state.
    Conflict(String),
    /// 413: the body is over the route's limit.
    TooLarge {
        /// The route's limit in bytes.
        limit: u64,
    },
    /// 429: rate limited.
    RateLimited {
        /// Seconds until the client may try again.
        retry_after: u64,
    },
    /// 503: the service is stopped by the operator (T1-10).
    Stopped(Refusal),
    /// 503: overloaded or shutting down (no body).
    Unavailable,
    /// 400, 404 or 409: a dose refused at entry (bad date, unknown ticket, a
    /// conflicting dose), with the rejection as the CLI prints it.
    Rejected(vrs::Rejection),
    /// 500: a fault of the service (logged; the caller learns nothing more).
    Internal(String),
}

impl ApiError {
    /// A 400 with one message and no rows.
    pub fn bad(message: impl Into<String>) -> Self {
        Self::BadInput {
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// A 400 naming one field of a JSON body.
    pub fn field(field: &str, reason: impl std::fmt::Display) -> Self {
        let reason = reason.to_string();
        Self::BadInput {
            message: format!("{field}: {reason}"),
            errors: vec![RowFault {
                line: 0,
                column: field.to_owned(),
                reason,
            }],
        }
    }

    /// A refusal: 503 when it is the emergency stop (T1-10), else 403.
    pub fn refused(refusal: Refusal) -> Self {
        if vrs::consent::grounds::refused_by_emergency_stop(&refusal) {
            Self::Stopped(refusal)
        } else {
            Self::Refused(refusal)
        }
    }

    /// The HTTP status of this answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadInput { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Stopped(_) | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Rejected(r) => rejection_status(r),
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The status of a dose refused at entry: 404 when what it names does not
/// exist, 400 when its own date is impossible, 409 when it conflicts with the
/// stored doses.
fn rejection_status(r: &vrs::Rejection) -> StatusCode {
    use vrs::Rejection as R;
    match r {
        R::UnissuedTicket { .. } | R::NotFound { .. } => StatusCode::NOT_FOUND,
        R::FutureDate { .. } | R::BeforeBirth { .. } | R::NoChange => StatusCode::BAD_REQUEST,
        _ => StatusCode::CONFLICT,
    }
}

fn error_body(message: impl Into<String>, errors: Vec<RowFault>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: ErrorDetail {
            message: message.into(),
            errors,
            rejection: None,
        },
    })
}

/// Maps a facade error: account faults are the caller's (400, or 404 for an
/// unknown user or device); everything else is internal.
pub fn from_vrs(e: vrs::VrsError) -> ApiError {
    use vrs::{AccountError, StoreError};
    match e {
        vrs::VrsError::Store(StoreError::Account(a)) => match a {
            AccountError::NoSuchUser { .. } | AccountError::NoSuchDevice { .. } => {
                ApiError::NotFound(a.to_string())
            }
            other => ApiError::bad(other.to_string()),
        },
        other => ApiError::Internal(other.to_string()),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            Self::BadInput { message, errors } => {
                (status, error_body(message, errors)).into_response()
            }
            Self::Unauthorized => (
                status,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                error_body("no valid credentials", vec![]),
            )
                .into_response(),
            Self::Refused(r) => (status, Json(RefusedBody::of(&r))).into_response(),
            Self::NotFound(what) => (status, error_body(what, vec![])).into_response(),
            Self::Conflict(what) => (status, error_body(what, vec![])).into_response(),
            Self::TooLarge { limit } => (
                status,
                error_body(
                    format!("the body is over this route's limit of {limit} bytes"),
                    vec![],
                ),
            )
                .into_response(),
            Self::RateLimited { retry_after } => (
                status,
                [(header::RETRY_AFTER, retry_after.to_string())],
                error_body("too many requests", vec![]),
            )
                .into_response(),
            Self::Stopped(r) => (
                status,
                [(header::RETRY_AFTER, "3600")],
                Json(RefusedBody::of(&r)),
            )
                .into_response(),
            Self::Unavailable => (status, [(header::RETRY_AFTER, "1")]).into_response(),
            Self::Rejected(r) => {
                let reason = r.to_string();
                let body = ErrorBody {
                    error: ErrorDetail {
                        message: reason.clone(),
                        errors: vec![RowFault {
                            line: 0,
                            column: r.column().to_owned(),
                            reason,
                        }],
                        rejection: serde_json::to_value(&r).ok(),
                    },
                };
                (status, Json(body)).into_response()
            }
            Self::Internal(what) => {
                tracing::error!(error = what.as_str(), "internal error");
                (status, error_body("internal error", vec![])).into_response()
            }
        }
    }
}

impl From<vrs::SharedError> for ApiError {
    fn from(e: vrs::SharedError) -> Self {
        match e {
            vrs::SharedError::Closed => Self::Unavailable,
            other => Self::Internal(other.to_string()),
        }
    }
}
