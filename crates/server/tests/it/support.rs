//! A prepared data directory (two municipalities with residents, users and a
//! tablet), a server started on it over TLS, and a client that trusts it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use vrs::consent::DocumentId;
use vrs::domain::{Login, MyNumber, Role};
use vrs::{Answer, SystemClock, UserSpec, Vrs};

pub(crate) const PASSWORD: &str = "correct horse battery staple 7";

pub(crate) const HEADER: &str =
    "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

/// A valid My Number derived from `seed`.
pub(crate) fn my_number(seed: u64) -> String {
    let mut digits = format!("{:011}", 10_000_000_000 + seed * 7).into_bytes();
    let check = MyNumber::check_digit(&digits);
    digits.push(b'0' + check);
    String::from_utf8(digits).unwrap()
}

/// Resident `i` of `municipality` as a CSV line (address `A{i}`, ticket `i`).
pub(crate) fn row(municipality: &str, i: u64) -> String {
    format!(
        "{municipality},A{i},{},{:010},山田\u{3000}太郎{i},ヤマダ\u{3000}タロウ,1980-02-17,1\n",
        my_number(i + u64::from(municipality.parse::<u32>().unwrap()) * 1000),
        i
    )
}

pub(crate) fn file(municipality: &str, n: u64) -> String {
    let mut s = HEADER.to_owned();
    for i in 1..=n {
        s.push_str(&row(municipality, i));
    }
    s
}

/// Every log line the test binary's server wrote (one global subscriber).
pub(crate) fn logs() -> String {
    String::from_utf8_lossy(&LOGS.get_or_init(install_logs).lock().unwrap()).into_owned()
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install_logs() -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || sink.clone())
        .try_init();
    buf
}

/// A user's login material.
pub(crate) struct User {
    pub(crate) login: String,
    pub(crate) secret: Option<Vec<u8>>,
}

impl User {
    /// The TOTP code `delta` steps from now (each code is accepted once).
    pub(crate) fn code(&self, delta: i64) -> Option<String> {
        let now = chrono::Utc::now().timestamp();
        self.secret
            .as_ref()
            .map(|s| vrs::totp_code(s, now.div_euclid(vrs::TOTP_STEP) + delta, vrs::TOTP_DIGITS))
    }
}

/// The prepared service.
pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    pub(crate) stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub(crate) done: Option<tokio::task::JoinHandle<Result<(), vrs_server::ServeError>>>,
    /// 131016's clerk (My Number handler), 131016's viewer, 011002's clerk.
    pub(crate) clerk: User,
    pub(crate) viewer: User,
    pub(crate) sapporo_clerk: User,
    /// 131016's administrator.
    pub(crate) admin: User,
    /// The operator's administrator, and a viewer of the State (added by the operator).
    pub(crate) operator: User,
    pub(crate) national: User,
    /// A clerk of Tokyo prefecture (statistics only, T1-4-6).
    pub(crate) prefecture: User,
    /// A tablet of site:131016, and one already revoked.
    pub(crate) device: String,
    pub(crate) revoked_device: String,
}

fn add_user(vrs: &mut Vrs, manager: &str, login: &str, role: Role, handler: bool) -> User {
    let Answer::Done(created) = vrs
        .add_user(
            manager.parse().unwrap(),
            UserSpec {
                principal: None,
                login: &login.parse::<Login>().unwrap(),
                role,
                my_number_handler: handler,
                password: PASSWORD,
            },
        )
        .unwrap()
    else {
        panic!("{manager} could not add {login}")
    };
    User {
        login: login.to_owned(),
        secret: created.totp_secret.map(|s| {
            data_encoding::BASE32_NOPAD
                .decode(s.as_bytes())
                .expect("base32 secret")
        }),
    }
}

/// A user of `principal` (not the operator itself) added by the operator.
fn add_user_of(vrs: &mut Vrs, principal: &str, login: &str, role: Role) -> User {
    let Answer::Done(created) = vrs
        .add_user(
            vrs::Principal::Operator,
            UserSpec {
                principal: Some(principal.parse().unwrap()),
                login: &login.parse::<Login>().unwrap(),
                role,
                my_number_handler: false,
                password: PASSWORD,
            },
        )
        .unwrap()
    else {
        panic!("the operator could not add {login}")
    };
    User {
        login: login.to_owned(),
        secret: created.totp_secret.map(|s| {
            data_encoding::BASE32_NOPAD
                .decode(s.as_bytes())
                .expect("base32 secret")
        }),
    }
}

/// Prepares a data directory and starts the server on it over TLS.
pub(crate) async fn start() -> Fixture {
    start_with(|_| {}).await
}

/// [`start`], with `seed` run on the prepared data directory first.
pub(crate) async fn start_with(seed: impl FnOnce(&mut Vrs)) -> Fixture {
    start_on_with(None, seed).await
}

/// [`start`] with the data in the PostgreSQL database `database` names
/// (`None`: SQLite in the data directory).
pub(crate) async fn start_on(database: Option<String>) -> Fixture {
    start_on_with(database, |_| {}).await
}

/// [`start_on`], with `seed` run on the prepared data directory first.
pub(crate) async fn start_on_with(database: Option<String>, seed: impl FnOnce(&mut Vrs)) -> Fixture {
    logs();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (
        clerk,
        viewer,
        sapporo_clerk,
        admin,
        device,
        revoked_device,
        prefecture,
        operator,
        national,
    ) = tokio::task::block_in_place(|| {
        // Blocking: the PostgreSQL driver is synchronous.
        Vrs::init_database(&data, database.as_deref(), None, false, &SystemClock).unwrap();
        let mut vrs = Vrs::open(&data, Box::new(SystemClock)).unwrap();
        for m in ["131016", "011002"] {
            let who = format!("municipality:{m}").parse().unwrap();
            let Answer::Done(_) = vrs
                .grant_consent(who, None, DocumentId::Terms20211203, None, Some("test"))
                .unwrap()
            else {
                panic!("{m} could not consent")
            };
            let Answer::Done(o) = vrs
                .import_residents(who, file(m, 20).as_bytes(), None, false)
                .unwrap()
            else {
                panic!("{m} could not import")
            };
            assert!(o.committed, "{:?}", o.errors);
        }
        let clerk = add_user(&mut vrs, "municipality:131016", "clerk", Role::Clerk, true);
        let admin = add_user(&mut vrs, "municipality:131016", "admin", Role::Admin, false);
        let viewer = add_user(
            &mut vrs,
            "municipality:131016",
            "viewer",
            Role::Viewer,
            false,
        );
        let sapporo = add_user(
            &mut vrs,
            "municipality:011002",
            "sapporo",
            Role::Clerk,
            true,
        );
        let chiyoda = "municipality:131016".parse().unwrap();
        let site = "131016".parse().unwrap();
        let Answer::Done(device) = vrs.add_device(chiyoda, site, "tablet 1").unwrap() else {
            panic!("no device")
        };
        let Answer::Done(lost) = vrs.add_device(chiyoda, site, "tablet 2").unwrap() else {
            panic!("no device")
        };
        let Answer::Done(_) = vrs.revoke_device(chiyoda, lost.device).unwrap() else {
            panic!("not revoked")
        };
        let prefecture = add_user_of(&mut vrs, "prefecture:13", "tokyo.clerk", Role::Clerk);
        let operator = add_user(&mut vrs, "operator", "ops", Role::Admin, false);
        let national = add_national(&mut vrs);
        seed(&mut vrs);
        (
            clerk,
            viewer,
            sapporo,
            admin,
            device.token,
            lost.token,
            prefecture,
            operator,
            national,
        )
    });
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = key.cert.pem();
    std::fs::write(dir.path().join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.key_pair.serialize_pem()).unwrap();
    let config = vrs_server::Config {
        data_dir: data,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some(vrs_server::TlsFiles {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
        }),
        card_ca_keys: vec![],
        app_rate: vrs_server::DEFAULT_APP_RATE,
        max_in_flight: vrs_server::load::DEFAULT_MAX_IN_FLIGHT,
        log_format: vrs_server::LogFormat::Json,
    };
    let server = vrs_server::Server::start(config).await.unwrap();
    let addr = server.addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", addr)
        .build()
        .unwrap();
    Fixture {
        dir,
        base: format!("https://localhost:{}", addr.port()),
        client,
        stop: Some(stop),
        done: Some(done),
        clerk,
        viewer,
        sapporo_clerk,
        admin,
        prefecture,
        operator,
        national,
        device,
        revoked_device,
    }
}

/// A viewer acting as the State, added by the operator.
fn add_national(vrs: &mut Vrs) -> User {
    let Answer::Done(created) = vrs
        .add_user(
            vrs::Principal::Operator,
            UserSpec {
                principal: Some(vrs::Principal::National),
                login: &"mhlw".parse::<Login>().unwrap(),
                role: Role::Viewer,
                my_number_handler: false,
                password: PASSWORD,
            },
        )
        .unwrap()
    else {
        panic!("the operator could not add a national viewer")
    };
    User {
        login: "mhlw".to_owned(),
        secret: created.totp_secret.map(|s| {
            data_encoding::BASE32_NOPAD
                .decode(s.as_bytes())
                .expect("base32 secret")
        }),
    }
}

impl Fixture {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// Signs `user` in (TOTP step `delta` from now) and returns the token.
    pub(crate) async fn sign_in(&self, user: &User, delta: i64) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({
                "login": user.login,
                "password": PASSWORD,
                "totp": user.code(delta),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{} could not sign in", user.login);
        let body: serde_json::Value = r.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// GET with a bearer token: status and JSON body (Null when none).
    pub(crate) async fn get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// POST JSON with a bearer token: status and JSON body.
    pub(crate) async fn post(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Stops the server as SIGTERM would, and waits until it has.
    pub(crate) async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            d.await.unwrap().unwrap();
        }
    }
}

/// A dose body for ticket `ticket` of `municipality`.
pub(crate) fn dose(municipality: &str, ticket: u64, count: u8, date: &str) -> serde_json::Value {
    serde_json::json!({
        "ocr_line": format!("1{count}{municipality}{ticket:010}"),
        "vaccine": "comirnaty",
        "lot": "FA5765",
        "date": date,
        "venue": "区役所",
    })
}
