//! The web screens' skeleton end to end over TLS: sign-in with TOTP, the session
//! cookie's flags, CSRF on every POST, the security headers on every HTML page,
//! and the redirect to `/login`.

use reqwest::header::{HeaderMap, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

use crate::support::{Fixture, User, PASSWORD};

/// A browser-like client that follows no redirect and keeps no cookie (the
/// tests carry cookies themselves, to see every flag).
pub(crate) fn browser(f: &Fixture) -> reqwest::Client {
    let port: u16 = f.base.rsplit(':').next().unwrap().parse().unwrap();
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// A signed-in browser: its session cookie and its forms' CSRF token.
pub(crate) struct Web {
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

/// The value of the hidden `csrf` field of an HTML page.
pub(crate) fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no csrf field in {html}"));
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The `name=value` of the Set-Cookie of `name`, and the whole header line.
pub(crate) fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap().to_owned(), v.to_owned()))
}

/// Asserts the headers every HTML page carries.
#[track_caller]
pub(crate) fn assert_html_headers(headers: &HeaderMap, what: &str) {
    let csp = headers
        .get(CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{what}: CSP {csp:?} lacks {part}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: CSP {csp:?}");
    assert!(!csp.contains("unsafe-eval"), "{what}: CSP {csp:?}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert!(headers.contains_key("referrer-policy"), "{what}");
}

impl Web {
    /// Signs `user` in through the login form (TOTP step `delta` from now).
    pub(crate) async fn sign_in(f: &Fixture, user: &User, delta: i64) -> Self {
        let client = browser(f);
        let r = client.get(f.url("/login")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_html_headers(r.headers(), "GET /login");
        let (anon, _) = set_cookie(r.headers(), "__Host-vrs-anon").expect("anonymous cookie");
        let html = r.text().await.unwrap();
        assert!(html.contains("<html lang=\"ja\">"), "{html}");
        for field in ["name=\"login\"", "name=\"password\"", "name=\"totp\""] {
            assert!(html.contains(field), "the login form has no {field}");
        }
        let form = [
            ("csrf", csrf_of(&html)),
            ("login", user.login.clone()),
            ("password", PASSWORD.to_owned()),
            ("totp", user.code(delta).unwrap_or_default()),
        ];
        let r = client
            .post(f.url("/login"))
            .header(COOKIE, &anon)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{} could not sign in", user.login);
        assert_eq!(r.headers()[LOCATION], "/");
        let (cookie, line) = set_cookie(r.headers(), "__Host-vrs-session").expect("session cookie");
        for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(line.contains(flag), "session cookie {line:?} lacks {flag}");
        }
        let mut web = Self {
            client,
            base: f.base.clone(),
            cookie,
            csrf: String::new(),
        };
        let (status, html) = web.get("/").await;
        assert_eq!(status, 200, "{html}");
        web.csrf = csrf_of(&html);
        web
    }

    /// GET a page with the session cookie: status and body.
    pub(crate) async fn get(&self, path: &str) -> (u16, String) {
        let r = self.get_response(path).await;
        let status = r.status().as_u16();
        if r.headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"))
        {
            assert_html_headers(r.headers(), path);
        }
        (status, r.text().await.unwrap())
    }

    /// GET with the session cookie: the whole response.
    pub(crate) async fn get_response(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// POST a form with the session cookie and this session's CSRF token.
    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(form);
        self.post_raw(path, &all).await
    }

    /// POST a form as given (no token added).
    pub(crate) async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        if r.headers().contains_key("content-type") {
            assert_html_headers(r.headers(), path);
        }
        (status, r.text().await.unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_signs_in_with_totp_through_the_form_and_signs_out() {
    let mut f = crate::support::start().await;
    let web = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, html) = web.get("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("住民数"), "{html}");
    assert!(html.contains("action=\"/logout\""), "{html}");

    // A wrong token, or none, is refused before the handler runs: still signed in.
    for form in [vec![], vec![("csrf", "00ff")], vec![("csrf", "zz")]] {
        let (status, html) = web.post_raw("/logout", &form).await;
        assert_eq!(status, 403, "{form:?}: {html}");
        assert!(html.contains("CSRF"), "{html}");
    }
    assert_eq!(web.get("/").await.0, 200);

    // Another session's token does not pass either.
    let other = Web::sign_in(&f, &f.admin, 0).await;
    let (status, _) = web.post_raw("/logout", &[("csrf", &other.csrf)]).await;
    assert_eq!(status, 403);

    let (status, _) = web.post("/logout", &[]).await;
    assert_eq!(status, 303);
    let r = web.get_response("/").await;
    assert_eq!(r.status(), 303, "the session is over");
    assert_eq!(r.headers()[LOCATION], "/login");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_fails_sign_in_and_the_login_post_needs_its_csrf_token() {
    let mut f = crate::support::start().await;
    let client = browser(&f);
    let r = client.get(f.url("/login")).send().await.unwrap();
    let (anon, _) = set_cookie(r.headers(), "__Host-vrs-anon").unwrap();
    let token = csrf_of(&r.text().await.unwrap());
    let login = |csrf: String, totp: String| {
        [
            ("csrf", csrf),
            ("login", f.clerk.login.clone()),
            ("password", PASSWORD.to_owned()),
            ("totp", totp),
        ]
    };
    // Without the anonymous cookie the token is bound to, or without the token: 403.
    let r = client
        .post(f.url("/login"))
        .form(&login(token.clone(), f.clerk.code(0).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client
        .post(f.url("/login"))
        .header(COOKIE, &anon)
        .form(&login(String::new(), f.clerk.code(0).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A wrong code: 401, the form again, no session cookie.
    let r = client
        .post(f.url("/login"))
        .header(COOKIE, &anon)
        .form(&login(token.clone(), "000000".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(set_cookie(r.headers(), "__Host-vrs-session").is_none());
    assert_html_headers(r.headers(), "failed login");
    assert!(r.text().await.unwrap().contains("ログインできませんでした"));
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_pages_redirect_to_login_and_unknown_paths_are_an_html_404() {
    let mut f = crate::support::start().await;
    let client = browser(&f);
    for path in ["/"] {
        let r = client.get(f.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()[LOCATION], "/login", "{path}");
    }
    let r = client
        .get(f.url("/"))
        .header(COOKIE, "__Host-vrs-session=not-a-session")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A tablet's device token is no staff session.
    let r = client
        .get(f.url("/"))
        .header(COOKIE, format!("__Host-vrs-session={}", f.device))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = client.get(f.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_html_headers(r.headers(), "404");
    let r = client.get(f.url("/static/vrs.css")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    f.stop().await;
}
