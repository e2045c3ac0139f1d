//! Security headers: a strict `Content-Security-Policy` (no inline script, no
//! plug-ins, no framing) on every HTML response, and `nosniff` and a
//! `Referrer-Policy` on every response of the service.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every HTML page: everything from this origin only, no inline
/// script or style, no `<object>`, no `<base>`, never in a frame, forms post
/// back here only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
     form-action 'self'";

/// Adds the headers (a layer over the whole service).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    if html {
        // A handler may only set a policy derived from CSP (the printed
        // certificate adds the hash of its one inline stylesheet); any policy
        // that would allow inline script is replaced by CSP.
        let keep = h
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.contains("unsafe-") && v.contains("script-src 'self';"));
        if !keep {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
        }
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        // Pages show personal data: never kept by the browser or a proxy.
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}
