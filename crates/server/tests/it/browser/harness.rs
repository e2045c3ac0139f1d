//! The harness: a prepared data directory served over plain HTTP on loopback
//! (restartable on the same port, which is how a tablet goes "offline"), and a
//! headless Chromium driven through a chromedriver this test starts and stops.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use vrs::consent::DocumentId;
use vrs::domain::{Login, Role};
use vrs::{Answer, SystemClock, UserSpec, Vrs};

use crate::support::{file, logs, User, PASSWORD};

/// The resident the test card (fixtures/cards) is minted for: ticket 900001 of 千代田区.
pub(crate) const KOKUTO: &str =
    "131016,A900000001,537686677188,0000900001,黒桐\u{3000}幹也,コクトウ\u{3000}ミキヤ,1980-02-17,1\n";

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser tests can run here: `None` when they skip (a message says
/// why); with `CI=true` a missing tool is a failure.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("VRS_CHROMIUM").map_or(CHROMIUM.into(), PathBuf::from);
    let driver = std::env::var_os("VRS_CHROMEDRIVER").map_or(CHROMEDRIVER.into(), PathBuf::from);
    let missing: Vec<String> = [&chromium, &driver]
        .into_iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return Some((chromium, driver));
    }
    let why = format!(
        "browser test needs {} (apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: {why}"
    );
    eprintln!("skipped: {why}");
    None
}

/// A free loopback port (bound and released; chromedriver binds it next).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Headless Chromium under a chromedriver this harness started; both end with it.
/// One browser runs at a time (a Chromium start-up takes a core for seconds; the
/// other tests of the binary, some timing-sensitive, share the machine).
pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

static ONE_BROWSER: std::sync::OnceLock<tokio::sync::Mutex<()>> = std::sync::OnceLock::new();

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium, or `None` when the tools
    /// are missing outside CI.
    pub(crate) async fn start() -> Option<Self> {
        let (chromium, driver_path) = tools()?;
        let turn = ONE_BROWSER.get_or_init(Default::default).lock().await;
        let port = free_port();
        let mut driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpListener::bind(("127.0.0.1", port)).is_ok()
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        {
            if Instant::now() > deadline {
                let _ = driver.kill();
                panic!("chromedriver did not listen on {port} within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        // Without the background-networking flags Chromium phones home at start-up,
        // which a closed network refuses; --no-sandbox because CI runs as root.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--lang=ja",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": chromium, "args": args }),
        );
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let client = match builder.connect(&url).await {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("no WebDriver session with {}: {e}", chromium.display());
            }
        };
        Some(Self {
            client,
            driver,
            _profile: profile,
            _turn: turn,
        })
    }

    /// Opens `url` and waits for its document.
    pub(crate) async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The text of the first element matching `css`.
    pub(crate) async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Types `text` into the element matching `css` (cleared first).
    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let e = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Clicks the element matching `css`.
    pub(crate) async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Runs `script` in the page and returns its value.
    pub(crate) async fn eval(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Waits up to `secs` until `script` (an expression) is true in the page.
    pub(crate) async fn until(&self, secs: u64, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self
                .client
                .execute(&format!("return !!({script});"), vec![])
                .await
                .unwrap();
            if v == serde_json::Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let body = self.eval("return document.body.innerText").await;
                panic!("waited {secs} s for {what} ({script}); the page reads: {body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Signs `user` in through the login form of `site`.
    pub(crate) async fn sign_in(&self, site: &Site, user: &User) {
        self.open(&site.url("/login")).await;
        self.fill("#login", &user.login).await;
        self.fill("#password", PASSWORD).await;
        if let Some(code) = user.code(0) {
            self.fill("#totp", &code).await;
        }
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.until(10, "signed in", "!location.pathname.startsWith('/login')")
            .await;
    }

    /// A PNG screenshot of the viewport.
    pub(crate) async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.unwrap()
    }

    /// Ends the session and chromedriver.
    pub(crate) async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The child this harness started, by its handle (never by name).
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The people and devices of the browser tests' data directory.
pub(crate) struct People {
    /// 131016's clerk (My Number handler).
    pub(crate) clerk: User,
    /// A national statistics viewer and a prefecture 13 one.
    pub(crate) national: User,
    pub(crate) prefecture: User,
    /// 131016's administrator and an administrator of the operator.
    pub(crate) admin: User,
    pub(crate) operator: User,
    /// A tablet of site:131016 (its bearer token).
    pub(crate) device: String,
}

fn add_user(
    vrs: &mut Vrs,
    manager: &str,
    principal: Option<&str>,
    login: &str,
    role: Role,
) -> User {
    let Answer::Done(created) = vrs
        .add_user(
            manager.parse().unwrap(),
            UserSpec {
                principal: principal.map(|p| p.parse().unwrap()),
                login: &login.parse::<Login>().unwrap(),
                role,
                my_number_handler: role == Role::Clerk,
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

/// Two municipalities (千代田区 131016, 札幌市 011002) that consented to the terms,
/// 20 residents each, users and a tablet.
fn prepare(data: &Path) -> People {
    Vrs::init(data, None, &SystemClock).unwrap();
    let mut vrs = Vrs::open(data, Box::new(SystemClock)).unwrap();
    for m in ["131016", "011002"] {
        let who = format!("municipality:{m}").parse().unwrap();
        let Answer::Done(_) = vrs
            .grant_consent(who, None, DocumentId::Terms20211203, None, Some("test"))
            .unwrap()
        else {
            panic!("{m} could not consent")
        };
        let mut residents = file(m, 20);
        if m == "131016" {
            residents.push_str(KOKUTO);
        }
        let Answer::Done(o) = vrs
            .import_residents(who, residents.as_bytes(), None, false)
            .unwrap()
        else {
            panic!("{m} could not import")
        };
        assert!(o.committed, "{:?}", o.errors);
    }
    let clerk = add_user(&mut vrs, "municipality:131016", None, "clerk", Role::Clerk);
    let national = add_user(
        &mut vrs,
        "operator",
        Some("national"),
        "state",
        Role::Viewer,
    );
    let prefecture = add_user(
        &mut vrs,
        "operator",
        Some("prefecture:13"),
        "tokyo",
        Role::Viewer,
    );
    let admin = add_user(&mut vrs, "municipality:131016", None, "admin", Role::Admin);
    let operator = add_user(&mut vrs, "operator", None, "ops", Role::Admin);
    let chiyoda = "municipality:131016".parse().unwrap();
    let Answer::Done(device) = vrs
        .add_device(chiyoda, "131016".parse().unwrap(), "tablet 1")
        .unwrap()
    else {
        panic!("no device")
    };
    People {
        clerk,
        national,
        prefecture,
        admin,
        operator,
        device: device.token,
    }
}

/// The service on `http://localhost:PORT` over a prepared data directory; it can
/// be stopped and started again on the same port.
pub(crate) struct Site {
    dir: tempfile::TempDir,
    pub(crate) people: People,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<Result<(), vrs_server::ServeError>>>,
}

impl Site {
    /// Prepares the data directory and starts the service on a free port.
    pub(crate) async fn start() -> Self {
        logs();
        let dir = tempfile::tempdir().unwrap();
        let people = prepare(&dir.path().join("data"));
        let mut site = Self {
            dir,
            people,
            addr: "127.0.0.1:0".parse().unwrap(),
            stop: None,
            done: None,
        };
        site.up().await;
        site
    }

    /// The data directory.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `http://localhost:PORT{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.addr.port())
    }

    /// Starts the service (again, on the same port once it has one).
    pub(crate) async fn up(&mut self) {
        assert!(self.stop.is_none(), "the service is already up");
        let config = vrs_server::Config {
            data_dir: self.data_dir(),
            listen: self.addr,
            tls: None,
            // The app API trusts the test card CA, so tests can issue certificates.
            card_ca_keys: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../fixtures/cards/test-ca.json")],
            app_rate: vrs_server::DEFAULT_APP_RATE,
            max_in_flight: vrs_server::load::DEFAULT_MAX_IN_FLIGHT,
            log_format: vrs_server::LogFormat::Json,
        };
        let server = vrs_server::Server::start(config).await.unwrap();
        self.addr = server.addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.done = Some(tokio::spawn(server.run(async move {
            let _ = stopped.await;
        })));
        self.stop = Some(stop);
    }

    /// Stops the service as SIGTERM would; the port stays this site's.
    pub(crate) async fn down(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            d.await.unwrap().unwrap();
        }
    }

    /// Registers doses as the sites would: `(municipality, first ticket, how many, date)`
    /// (the service must be down).
    pub(crate) fn register(&self, batches: &[(&str, u64, u64, &str)]) {
        let mut vrs = self.open();
        for (m, first, n, date) in batches {
            let site: vrs::Principal = format!("site:{m}").parse().unwrap();
            for t in *first..first + n {
                let entry = vrs::domain::DoseEntry {
                    ocr: format!("11{m}{t:010}").parse().unwrap(),
                    product: "comirnaty".parse().unwrap(),
                    lot: "FA5765".parse().unwrap(),
                    date: date.parse().unwrap(),
                    venue: None,
                    doctor: None,
                };
                let Answer::Done(Ok(_)) = vrs.register_dose(site, &entry).unwrap() else {
                    panic!("{m} ticket {t} was not registered")
                };
            }
        }
    }

    /// Opens the facade on the data directory (the service must be down).
    pub(crate) fn open(&self) -> Vrs {
        assert!(
            self.stop.is_none(),
            "stop the service before opening its data"
        );
        Vrs::open(&self.data_dir(), Box::new(SystemClock)).unwrap()
    }
}
