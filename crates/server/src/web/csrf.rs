//! CSRF: every POST of a web form carries a token bound to the browser's
//! session cookie (or, before sign-in, to its anonymous cookie), checked here
//! before any handler runs; a POST without the right token is 403.
//!
//! A token is HMAC-SHA256, under a key drawn at random once per process, of the
//! cookie's value: another site cannot read the cookie (HttpOnly,
//! SameSite=Strict), so it cannot compute the token. The token travels as the
//! form field `csrf` (the first field of a multipart form), or as the
//! `X-CSRF-Token` header for scripts.

use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use ring::hmac;

use super::auth::{cookie, ANON_COOKIE, SESSION_COOKIE};
use super::error::WebError;

/// The largest url-encoded form body accepted (bytes).
pub const FORM_LIMIT: usize = 64 * 1024;
/// How far into a multipart body the `csrf` part must be found (bytes).
const MULTIPART_PEEK: usize = 16 * 1024;
/// The header scripts send the token in.
pub const HEADER: &str = "x-csrf-token";

fn key() -> &'static hmac::Key {
    static KEY: OnceLock<hmac::Key> = OnceLock::new();
    KEY.get_or_init(|| {
        hmac::Key::generate(hmac::HMAC_SHA256, &ring::rand::SystemRandom::new())
            .expect("the system's random source works")
    })
}

fn message(kind: &str, cookie_value: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(kind.len() + 1 + cookie_value.len());
    m.extend_from_slice(kind.as_bytes());
    m.push(0);
    m.extend_from_slice(cookie_value.as_bytes());
    m
}

/// The token of forms shown to the holder of session cookie `session`.
pub fn session_token(session: &str) -> String {
    hex::encode(hmac::sign(key(), &message("session", session)).as_ref())
}

/// The token of forms shown before sign-in to the holder of anonymous cookie `anon`.
pub fn anonymous_token(anon: &str) -> String {
    hex::encode(hmac::sign(key(), &message("anon", anon)).as_ref())
}

/// A fresh random value for the anonymous cookie (32 bytes, hex).
pub fn fresh_anonymous_cookie() -> String {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .expect("the system's random source works");
    hex::encode(bytes)
}

/// Whether `token` is the token of one of the request's cookies.
fn valid(headers: &HeaderMap, token: &str) -> bool {
    let Ok(tag) = hex::decode(token.trim()) else {
        return false;
    };
    [("session", SESSION_COOKIE), ("anon", ANON_COOKIE)]
        .into_iter()
        .filter_map(|(kind, name)| cookie(headers, name).map(|v| message(kind, v)))
        .any(|m| hmac::verify(key(), &m, &tag).is_ok())
}

/// The middleware: lets every request but a POST through; a POST passes only
/// with a valid token (form field, first multipart part, or header).
pub async fn require(req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    match check(req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn check(req: Request) -> Result<Request, WebError> {
    if let Some(t) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if valid(req.headers(), t) {
            Ok(req)
        } else {
            Err(WebError::Csrf)
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = req.into_parts();
        let bytes =
            axum::body::to_bytes(body, FORM_LIMIT)
                .await
                .map_err(|_| WebError::TooLarge {
                    limit: FORM_LIMIT as u64,
                })?;
        let token = form_field(&bytes, "csrf").ok_or(WebError::Csrf)?;
        if !valid(&parts.headers, &token) {
            return Err(WebError::Csrf);
        }
        return Ok(Request::from_parts(parts, Body::from(bytes)));
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary = boundary_of(&content_type).ok_or(WebError::Csrf)?;
        let (parts, body) = req.into_parts();
        let mut stream = body.into_data_stream();
        let mut seen = Vec::new();
        let token = loop {
            if let Some(t) = first_part(&seen, &boundary, "csrf") {
                break t;
            }
            if seen.len() > MULTIPART_PEEK {
                return Err(WebError::Csrf);
            }
            match stream.next().await {
                Some(Ok(chunk)) => seen.extend_from_slice(&chunk),
                _ => return Err(WebError::Csrf),
            }
        };
        if !valid(&parts.headers, &token) {
            return Err(WebError::Csrf);
        }
        let head = futures_util::stream::once(async move { Ok(Bytes::from(seen)) });
        let body = Body::from_stream(head.chain(stream));
        return Ok(Request::from_parts(parts, body));
    }
    Err(WebError::Csrf)
}

/// The value of field `name` of an url-encoded form (the token is hex: no
/// decoding needed; a percent-encoded token simply fails).
fn form_field(body: &[u8], name: &str) -> Option<String> {
    body.split(|&b| b == b'&').find_map(|pair| {
        let mut it = pair.splitn(2, |&b| b == b'=');
        let k = it.next()?;
        let v = it.next().unwrap_or_default();
        (k == name.as_bytes())
            .then(|| String::from_utf8(v.to_vec()).ok())
            .flatten()
    })
}

/// The boundary of a (lower-cased) multipart content type.
fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k == "boundary").then(|| v.trim_matches('"').to_owned())
    })
}

/// The value of the FIRST part of a multipart body when it is named `name`;
/// `None` when it is not (yet) complete in `seen` or named otherwise.
fn first_part(seen: &[u8], boundary: &str, name: &str) -> Option<String> {
    let text = std::str::from_utf8(seen).ok().or_else(|| {
        // A chunk may end inside a character of a later part: the first part is ASCII.
        let valid = std::str::from_utf8(seen).err()?.valid_up_to();
        std::str::from_utf8(&seen[..valid]).ok()
    })?;
    let open = format!("--{boundary}\r\n");
    // Boundaries are case-sensitive, but the content type was lower-cased:
    // compare case-insensitively.
    if text.len() < open.len() || !text[..open.len()].eq_ignore_ascii_case(&open) {
        return None;
    }
    let rest = &text[open.len()..];
    let (head, after) = rest.split_once("\r\n\r\n")?;
    let disposition = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    if !disposition.contains(&format!("name=\"{name}\"")) {
        return None;
    }
    let end = after.find("\r\n--")?;
    Some(after[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_multipart_part_is_read_only_when_complete_and_named_csrf() {
        let body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc123\r\n--XyZ\r\n";
        for (seen, want) in [
            (body, Some("abc123")),
            (&body[..40], None),
            (&body[..body.len() - 9], None),
            (
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XyZ",
                None,
            ),
            (
                "--other\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--other",
                None,
            ),
        ] {
            assert_eq!(
                first_part(seen.as_bytes(), "xyz", "csrf").as_deref(),
                want,
                "{seen:?}"
            );
        }
    }

    #[test]
    fn a_form_field_is_found_by_its_exact_name() {
        for (body, want) in [
            ("a=1&csrf=ff00&b=2", Some("ff00")),
            ("xcsrf=ff00", None),
            ("csrf=", Some("")),
            ("b=2", None),
        ] {
            assert_eq!(
                form_field(body.as_bytes(), "csrf").as_deref(),
                want,
                "{body}"
            );
        }
    }

    #[test]
    fn tokens_differ_by_cookie_and_kind() {
        assert_ne!(session_token("a"), session_token("b"));
        assert_ne!(session_token("a"), anonymous_token("a"));
        assert_eq!(session_token("a"), session_token("a"));
    }
}
