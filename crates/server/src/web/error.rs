//! The error pages of the screens, all in one place: 401 sends the browser to
//! `/login`; a refusal is a 403 page citing every provision of the refusal
//! (503 for the emergency stop, T1-10); bad input is a 400 page with the table of
//! faults (line, column, reason); 404; a wrong CSRF token is 403.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use vrs::consent::Refusal;

use super::layout::{label, page};
use crate::api::error::{ApiError, RowFault};

/// Every answer of a screen other than its page.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebError {
    /// No live session: to `/login` (303).
    SignIn,
    /// 403: a rule refused it.
    Refused(Refusal),
    /// 503: the function is stopped by the operator (T1-10).
    Stopped(Refusal),
    /// 403: this screen is not for the caller's role or principal.
    NotForYou(String),
    /// 403: the POST carried no valid CSRF token.
    Csrf,
    /// 400: bad input, with the faults (line, column, reason).
    BadInput {
        /// What is wrong.
        message: String,
        /// The faults.
        errors: Vec<RowFault>,
    },
    /// 404.
    NotFound(String),
    /// 413.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// 429.
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// 503 overloaded or shutting down.
    Unavailable,
    /// 500 (logged, never detailed).
    Internal(String),
}

impl WebError {
    /// A 400 with one message.
    pub fn bad(message: impl Into<String>) -> Self {
        Self::BadInput {
            message: message.into(),
            errors: Vec::new(),
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

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::SignIn => StatusCode::SEE_OTHER,
            Self::Refused(_) | Self::NotForYou(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Stopped(_) | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadInput { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::BadInput { message, errors } => Self::BadInput { message, errors },
            ApiError::Unauthorized => Self::SignIn,
            ApiError::Refused(r) => Self::Refused(r),
            ApiError::Stopped(r) => Self::Stopped(r),
            ApiError::NotFound(what) => Self::NotFound(what),
            ApiError::Conflict(what) => Self::bad(what),
            ApiError::TooLarge { limit } => Self::TooLarge { limit },
            ApiError::RateLimited { retry_after } => Self::RateLimited { retry_after },
            ApiError::Unavailable => Self::Unavailable,
            ApiError::Rejected(r) => {
                let reason = r.to_string();
                Self::BadInput {
                    message: reason.clone(),
                    errors: vec![RowFault {
                        line: 0,
                        column: r.column().to_owned(),
                        reason,
                    }],
                }
            }
            ApiError::Internal(what) => Self::Internal(what),
        }
    }
}

impl From<vrs::VrsError> for WebError {
    fn from(e: vrs::VrsError) -> Self {
        crate::api::error::from_vrs(e).into()
    }
}

impl From<vrs::SharedError> for WebError {
    fn from(e: vrs::SharedError) -> Self {
        ApiError::from(e).into()
    }
}

/// The grounds of a refusal: each provision, its article and what the rule found.
pub fn grounds(refusal: &Refusal) -> Markup {
    html! {
        ul.grounds {
            @for g in &refusal.grounds {
                li {
                    span.provision { (g.provision.as_str()) }
                    " (" (g.article) "): " (g.reason)
                }
            }
        }
    }
}

/// The table of faults (line, column, reason) of bad input.
pub fn faults(errors: &[RowFault]) -> Markup {
    html! {
        @if !errors.is_empty() {
            table.faults {
                caption { (label("エラー一覧", "Errors")) }
                thead { tr {
                    th scope="col" { (label("行", "Line")) }
                    th scope="col" { (label("列", "Column")) }
                    th scope="col" { (label("理由", "Reason")) }
                } }
                tbody {
                    @for e in errors {
                        tr { td.num { (e.line) } td { (e.column) } td { (e.reason) } }
                    }
                }
            }
        }
    }
}

fn home_link() -> Markup {
    html! { p { a href="/" { (label("ホームへ戻る", "Back to home")) } } }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (ja, en, body) = match &self {
            Self::SignIn => return Redirect::to("/login").into_response(),
            Self::Refused(r) => (
                "拒否されました",
                "Refused",
                html! {
                    div.error role="alert" {
                        p { (label("この操作は規約により認められていません。",
                                   "This is not permitted under the terms.")) }
                        (grounds(r))
                    }
                    (home_link())
                },
            ),
            Self::Stopped(r) => (
                "緊急停止中",
                "Emergency stop",
                html! {
                    div.error role="alert" {
                        p { (label("この機能は運用者により停止されています。",
                                   "This function is stopped by the operator.")) }
                        (grounds(r))
                    }
                    (home_link())
                },
            ),
            Self::NotForYou(what) => (
                "利用できません",
                "Not available",
                html! { div.error role="alert" { p { (what) } } (home_link()) },
            ),
            Self::Csrf => (
                "フォームの有効期限切れ",
                "Form expired",
                html! {
                    div.error role="alert" {
                        p { (label("フォームの確認トークンが無いか正しくありません。もう一度画面を開いてやり直してください。",
                                   "The form's CSRF token is missing or wrong: open the page again and retry.")) }
                    }
                    (home_link())
                },
            ),
            Self::BadInput { message, errors } => (
                "入力に誤りがあります",
                "Bad input",
                html! {
                    div.error role="alert" { p { (message) } }
                    (faults(errors))
                    (home_link())
                },
            ),
            Self::NotFound(what) => (
                "見つかりません",
                "Not found",
                html! { div.error role="alert" { p { (what) } } (home_link()) },
            ),
            Self::TooLarge { limit } => (
                "大きすぎます",
                "Too large",
                html! { div.error role="alert" { p { "limit: " (limit) " bytes" } } },
            ),
            Self::RateLimited { .. } => (
                "しばらくお待ちください",
                "Too many requests",
                html! { div.error role="alert" { p { (label("時間をおいて再度お試しください。", "Please try again later.")) } } },
            ),
            Self::Unavailable => (
                "混雑しています",
                "Unavailable",
                html! { div.error role="alert" { p { (label("時間をおいて再度お試しください。", "Please try again later.")) } } },
            ),
            Self::Internal(what) => {
                tracing::error!(error = what.as_str(), "internal error (web)");
                (
                    "システムエラー",
                    "Internal error",
                    html! { div.error role="alert" { p { (label("システムエラーが発生しました。", "An internal error occurred.")) } } },
                )
            }
        };
        let mut res = (status, page(ja, en, None, body)).into_response();
        if let Self::RateLimited { retry_after } = self {
            if let Ok(v) = retry_after.to_string().parse() {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if matches!(self, Self::Stopped(_)) {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static("3600"),
            );
        }
        res
    }
}

/// The 404 page of any path no route serves (HTML for browsers).
pub async fn not_found() -> Response {
    WebError::NotFound("このページはありません / No such page".into()).into_response()
}
