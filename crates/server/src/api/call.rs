//! Credentials and bodies in, facade calls out: the extractors every `/api/v1`
//! handler uses, so no handler parses a header or a body itself.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use vrs::{Caller, Vrs, VrsError};

use super::error::ApiError;
use crate::AppState;

/// Longest bearer token accepted (a session token or device token is 64 hex digits).
const MAX_TOKEN: usize = 256;

/// The bearer token of `Authorization: Bearer …` and the client's address.
/// Who the token is, is decided by the facade inside the request's own call
/// ([`as_caller`]); the principal never comes from anything the client claims.
pub struct Credentials {
    token: String,
    client: IpAddr,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// A token and the address it came from (for a request that calls the
    /// facade in more than one step, each authenticated anew).
    pub fn new(token: String, client: IpAddr) -> Self {
        Self { token, client }
    }

    /// The token and the client's address (for logout, which ends the token itself).
    pub fn into_parts(self) -> (String, IpAddr) {
        (self.token, self.client)
    }
}

/// The client's address (from the connection, never from a header).
pub fn client_of(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

impl<S: Send + Sync> FromRequestParts<S> for Credentials {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let client = client_of(parts);
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized)?;
        let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
        let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthorized)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer")
            || token.is_empty()
            || token.len() > MAX_TOKEN
            || !token.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ApiError::Unauthorized);
        }
        Ok(Self {
            token: token.to_owned(),
            client,
        })
    }
}

/// The client's address as an extractor (for routes without credentials).
#[derive(Debug, Clone, Copy)]
pub struct Client(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(client_of(parts)))
    }
}

/// A JSON body whose every fault is a 400 naming the field, or 413 over the
/// route's limit, in the table's shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(e) => Err(json_rejection(&e)),
        }
    }
}

/// A query string whose faults are a 400 in the table's shape.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(e) => Err(ApiError::bad(format!("query: {}", e.body_text()))),
        }
    }
}

fn json_rejection(e: &JsonRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge {
            limit: super::JSON_LIMIT as u64,
        };
    }
    match e {
        JsonRejection::JsonDataError(d) => {
            // serde names the field and the reason ("missing field `lot`").
            let detail =
                std::error::Error::source(d).map_or_else(|| d.body_text(), ToString::to_string);
            ApiError::bad(format!("body: {detail}"))
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad("body: expected Content-Type: application/json")
        }
        other => ApiError::bad(format!("body: {}", other.body_text())),
    }
}

/// Authenticates `creds` and runs `f` as that caller, in ONE request on the
/// shared facade (so the caller is set for exactly this request): 401 when the
/// token is no live session or device; refusals are counted by provision.
pub async fn as_caller<T, F>(state: &AppState, creds: Credentials, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Vrs, &Caller) -> Result<Result<T, ApiError>, VrsError> + Send + 'static,
{
    let Credentials { token, client } = creds;
    let out = state
        .vrs
        .run(move |vrs| {
            // Nobody is the caller while the token is checked; the scoped
            // `with_caller` then sets it for `f` alone and restores "nobody"
            // afterwards, also when `f` fails: no caller outlives its request.
            vrs.clear_caller()?;
            let caller = match vrs.authenticate(&token, client)? {
                Ok(c) => c,
                Err(vrs::AuthFailure) => return Ok(Err(ApiError::Unauthorized)),
            };
            vrs.with_caller(caller.clone(), |vrs| f(vrs, &caller))
        })
        .await;
    settle(state, out)
}

/// Runs `f` on the shared facade without a caller (login, enrolment).
pub async fn anonymous<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Vrs) -> Result<Result<T, ApiError>, VrsError> + Send + 'static,
{
    let out = state
        .vrs
        .run(move |vrs| {
            vrs.clear_caller()?;
            f(vrs)
        })
        .await;
    settle(state, out)
}

fn settle<T>(
    state: &AppState,
    out: Result<Result<T, ApiError>, vrs::SharedError>,
) -> Result<T, ApiError> {
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            if let ApiError::Refused(r) | ApiError::Stopped(r) = &e {
                state.metrics.refused(&r.provisions());
            }
            Err(e)
        }
        Err(vrs::SharedError::Vrs(e)) => Err(super::error::from_vrs(e)),
        Err(e) => Err(e.into()),
    }
}

/// A use case's answer: the value, or its refusal as a 403 (503 for T1-10).
pub fn done<T>(answer: vrs::Answer<T>) -> Result<T, ApiError> {
    match answer {
        vrs::Answer::Done(v) => Ok(v),
        vrs::Answer::Refused(r) => Err(ApiError::refused(r)),
    }
}

/// A facade value as JSON (the shape the CLI prints with `--json`).
pub fn render<T: serde::Serialize>(v: T) -> Result<axum::Json<serde_json::Value>, ApiError> {
    serde_json::to_value(v)
        .map(axum::Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Parses an optional text value into a domain type; a fault names the field.
pub fn parse_opt<T>(field: &str, value: Option<&str>) -> Result<Option<T>, ApiError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .map(|v| v.parse().map_err(|e| ApiError::field(field, e)))
        .transpose()
}
