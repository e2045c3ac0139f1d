//! Web sessions: the login form (`login`, `password`, `totp`, hidden `csrf`),
//! the session cookie (`Secure; HttpOnly; SameSite=Strict`, the session token of
//! the same session store as `/api/v1/login`), logout, and [`Staff`], the
//! extractor that gives a handler the signed-in caller.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::{Caller, Vrs, VrsError};

use super::csrf;
use super::error::WebError;
use super::layout::{label, page};
use crate::api::call::client_of;
use crate::AppState;

/// The session cookie (`__Host-`: Secure, path `/`, no domain).
pub const SESSION_COOKIE: &str = "__Host-vrs-session";
/// The anonymous cookie CSRF tokens of forms shown before sign-in are bound to.
pub const ANON_COOKIE: &str = "__Host-vrs-anon";
/// The longest cookie header read (bytes) and the longest cookie value.
const MAX_COOKIE_HEADER: usize = 8 * 1024;
const MAX_COOKIE_VALUE: usize = 256;

/// The session routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// The value of cookie `name` of the request (bounded; only printable ASCII).
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter(|v| v.len() <= MAX_COOKIE_HEADER)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name
                && !v.is_empty()
                && v.len() <= MAX_COOKIE_VALUE
                && v.bytes().all(|b| b.is_ascii_graphic()))
            .then_some(v)
        })
}

/// A `Set-Cookie` value: `Secure; HttpOnly; SameSite=Strict; Path=/`, and
/// `Max-Age=0` to remove it.
pub fn set_cookie(name: &str, value: &str, remove: bool) -> HeaderValue {
    let age = if remove { "; Max-Age=0" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict{age}"
    ))
    .expect("cookie values are printable ASCII")
}

/// The CSRF token for an anonymous form, and the cookie to set when the
/// browser has none yet.
pub fn anonymous_csrf(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, ANON_COOKIE) {
        Some(v) => (csrf::anonymous_token(v), None),
        None => {
            let v = csrf::fresh_anonymous_cookie();
            (
                csrf::anonymous_token(&v),
                Some(set_cookie(ANON_COOKIE, &v, false)),
            )
        }
    }
}

/// A signed-in user of the screens: who it is (authenticated by the facade
/// from the session cookie, once per request) and its forms' CSRF token.
pub struct Staff {
    /// The caller the facade authenticated.
    pub caller: Caller,
    /// The CSRF token of the forms this user is shown.
    pub csrf: String,
    token: String,
    client: IpAddr,
}

impl std::fmt::Debug for Staff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staff")
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

impl Staff {
    /// Who is signed in, as the header shows it.
    pub fn login_label(&self) -> String {
        format!("{} ({})", self.caller.actor, self.caller.principal)
    }

    /// Runs `f` on the shared facade as this caller (one request: the caller
    /// is set for exactly it); refusals are counted by provision.
    pub async fn run<T, F>(&self, state: &AppState, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Vrs, &Caller) -> Result<Result<T, WebError>, VrsError> + Send + 'static,
    {
        let caller = self.caller.clone();
        let out = state
            .vrs
            .run(move |vrs| {
                // Nobody before; the scoped `with_caller` sets the caller for
                // `f` alone and restores "nobody" afterwards, also when `f`
                // fails or panics: no caller outlives its request.
                vrs.clear_caller()?;
                vrs.with_caller(caller.clone(), |vrs| f(vrs, &caller))
            })
            .await;
        match out {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                if let WebError::Refused(r) | WebError::Stopped(r) = &e {
                    state.metrics.refused(&r.provisions());
                }
                Err(e)
            }
            Err(vrs::SharedError::Vrs(e)) => Err(e.into()),
            Err(e) => Err(e.into()),
        }
    }
}

/// A use case's answer: the value, or its refusal as the 403 page (503 for T1-10).
pub fn done<T>(answer: vrs::Answer<T>) -> Result<T, WebError> {
    match answer {
        vrs::Answer::Done(v) => Ok(v),
        vrs::Answer::Refused(r) => Err(WebError::refused(r)),
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let token = cookie(&parts.headers, SESSION_COOKIE)
            .ok_or(WebError::SignIn)?
            .to_owned();
        let client = client_of(parts);
        let bearer = token.clone();
        let caller = state
            .vrs
            .run(move |vrs| {
                vrs.clear_caller()?;
                vrs.authenticate(&bearer, client)
            })
            .await?;
        match caller {
            // A device token in a cookie is no staff session.
            Ok(caller) if caller.role.is_some() => Ok(Self {
                csrf: csrf::session_token(&token),
                caller,
                token,
                client,
            }),
            _ => Err(WebError::SignIn),
        }
    }
}

/// What the login form posts.
#[derive(Deserialize)]
pub struct LoginForm {
    /// The user's login.
    pub login: String,
    /// The password.
    pub password: String,
    /// The 6-digit TOTP code (empty for a viewer without one).
    #[serde(default)]
    pub totp: String,
    /// The form's CSRF token (checked by [`csrf::require`]).
    #[serde(default)]
    pub csrf: String,
}

fn login_page(csrf_token: &str, failed: bool) -> Markup {
    page(
        "ログイン",
        "Sign in",
        None,
        html! {
            @if failed {
                div.error role="alert" {
                    p { (label("ログインできませんでした。ID、パスワード、確認コードを確かめてください。",
                               "Sign-in failed: check your login, password and code.")) }
                }
            }
            form.stack method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf_token);
                label for="login" { (label("ログインID", "Login")) }
                input id="login" name="login" type="text" autocomplete="username" required maxlength="64" autofocus;
                label for="password" { (label("パスワード", "Password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256";
                label for="totp" { (label("確認コード（6桁）", "One-time code (6 digits)")) }
                input id="totp" name="totp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6";
                button type="submit" { (label("ログイン", "Sign in")) }
            }
        },
    )
}

/// `GET /login`: the form (and the anonymous cookie its CSRF token is bound to).
pub async fn login_form(headers: HeaderMap) -> Response {
    let (token, set) = anonymous_csrf(&headers);
    let mut res = login_page(&token, false).into_response();
    if let Some(set) = set {
        res.headers_mut().append(header::SET_COOKIE, set);
    }
    res
}

/// `POST /login`: signs in through the facade (TOTP required for every role
/// that sees personal data); on success the session cookie and `/`.
pub async fn login(
    State(state): State<AppState>,
    crate::api::call::Client(client): crate::api::call::Client,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    state
        .login_limit
        .check(client)
        .map_err(|retry_after| WebError::RateLimited { retry_after })?;
    let totp = (!form.totp.trim().is_empty()).then(|| form.totp.trim().to_owned());
    let session = state
        .vrs
        .run(move |vrs| {
            vrs.clear_caller()?;
            vrs.login(&form.login, &form.password, totp.as_deref(), client)
        })
        .await?;
    match session {
        Ok(s) => {
            let mut res = Redirect::to("/").into_response();
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &s.token, false),
            );
            h.append(header::SET_COOKIE, set_cookie(ANON_COOKIE, "", true));
            Ok(res)
        }
        Err(vrs::AuthFailure) => {
            state.metrics.login_failed();
            let (token, set) = anonymous_csrf(&headers);
            let mut res = (StatusCode::UNAUTHORIZED, login_page(&token, true)).into_response();
            if let Some(set) = set {
                res.headers_mut().append(header::SET_COOKIE, set);
            }
            Ok(res)
        }
    }
}

/// `POST /logout`: ends the session (audited) and removes the cookie.
pub async fn logout(State(state): State<AppState>, staff: Staff) -> Result<Response, WebError> {
    let Staff { token, client, .. } = staff;
    state
        .vrs
        .run(move |vrs| {
            vrs.clear_caller()?;
            vrs.logout(&token, client)
        })
        .await?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", true));
    Ok(res)
}
