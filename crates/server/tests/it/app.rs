//! The app API and issuer publication over HTTPS: a real server on 127.0.0.1:0 with a
//! test certificate (rcgen) and a real client (reqwest with rustls).

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use vrs::certificate::{verify_text, Crl, Issuer, Jwks, TrustList};
use vrs::consent::{DocumentId, Function};
use vrs::domain::{parse_dose_date, DoseEntry};
use vrs::identity::card::mint::{CardSpec, TestCardIssuer};
use vrs::identity::CardDump;
use vrs::{Answer, Principal, SystemClock, Vrs};
use vrs_server::{Config, LogFormat, Server, TlsFiles};

const HEADER: &str = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";
const KOKUTO: &str =
    "131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn kokuto() -> CardSpec {
    CardSpec {
        my_number: "537686677188".parse().unwrap(),
        name: "黒桐\u{3000}幹也".parse().unwrap(),
        address: "東京都清瀬市観布子南１２－７－２０２".into(),
        birth_date: "1980-02-17".parse().unwrap(),
        sex: vrs::domain::Sex::Male,
    }
}

fn card_issuer() -> TestCardIssuer {
    TestCardIssuer::from_fixture_dir(&fixtures().join("cards")).unwrap()
}

/// A data dir where 千代田区 consents to electronic issuance and holds 黒桐 幹也 with
/// two doses. `stop` puts electronic issuance under an emergency stop.
fn data_dir(stop: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Vrs::init(dir.path(), None, &SystemClock).unwrap();
    let mut vrs = Vrs::open(dir.path(), Box::new(SystemClock)).unwrap();
    let chiyoda: Principal = "municipality:131016".parse().unwrap();
    let Answer::Done(_) = vrs
        .grant_consent(chiyoda, None, DocumentId::Terms20211203, None, Some("test"))
        .unwrap()
    else {
        panic!("consent refused")
    };
    let Answer::Done(o) = vrs
        .import_residents(chiyoda, format!("{HEADER}{KOKUTO}").as_bytes(), None, false)
        .unwrap()
    else {
        panic!("import refused")
    };
    assert!(o.committed, "{:?}", o.errors);
    for (n, date) in [(1u8, "2021-06-01"), (2, "2021-06-22")] {
        let entry = DoseEntry {
            ocr: format!("1{n}1310160000900001").parse().unwrap(),
            product: "comirnaty".parse().unwrap(),
            lot: "FA5765".parse().unwrap(),
            date: parse_dose_date(date).unwrap(),
            venue: None,
            doctor: None,
        };
        let Answer::Done(Ok(_)) = vrs
            .register_dose("site:131016".parse().unwrap(), &entry)
            .unwrap()
        else {
            panic!("dose {n} not registered")
        };
    }
    if stop {
        let Answer::Done(_) = vrs
            .emergency_stop(Principal::Operator, Function::EIssuance, "maintenance")
            .unwrap()
        else {
            panic!("stop refused")
        };
    }
    dir
}

/// A running server and a client that trusts its certificate.
struct Running {
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
    _tls: tempfile::TempDir,
}

impl Running {
    async fn start(data: &Path, app_rate: u32, max_in_flight: usize) -> Self {
        let tls = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert_path = tls.path().join("cert.pem");
        let key_path = tls.path().join("key.pem");
        std::fs::write(&cert_path, cert.cert.pem()).unwrap();
        std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
        let config = Config {
            data_dir: data.to_owned(),
            listen: "127.0.0.1:0".parse().unwrap(),
            tls: Some(TlsFiles {
                cert: cert_path,
                key: key_path,
            }),
            card_ca_keys: vec![fixtures().join("cards/test-ca.json")],
            app_rate,
            max_in_flight,
            log_format: LogFormat::Text,
        };
        let server = Server::start(config).await.unwrap();
        let port = server.addr().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        let client = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap(),
            )
            .resolve("localhost", ([127, 0, 0, 1], port).into())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            base: format!("https://localhost:{port}"),
            client,
            stop: Some(stop),
            done,
            _tls: tls,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn challenge(&self) -> Vec<u8> {
        let r = self
            .client
            .post(self.url("/app/v1/challenge"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        hex::decode(v["nonce"].as_str().unwrap()).unwrap()
    }

    async fn apply(&self, card: &CardDump) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let body = json!({ "municipality": "131016", "kind": "domestic", "card": card });
        let r = self
            .client
            .post(self.url("/app/v1/applications"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.json().await.unwrap_or(Value::Null))
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.done.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_through_the_app_api_verifies_against_the_jwks_the_server_publishes_and_a_replay_is_refused(
) {
    let data = data_dir(false);
    let s = Running::start(data.path(), 60, 64).await;
    let nonce = s.challenge().await;
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    let (status, _, issued) = s.apply(&card).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(
        (&issued["issued"], &issued["issuer"], &issued["kind"]),
        (&json!(true), &json!("131016"), &json!("domestic"))
    );
    assert!(!issued.to_string().contains("537686677188"));

    // The verifier fetches the issuer's keys and the key's revocation list over HTTPS.
    let r = s
        .client
        .get(s.url("/issuer/131016/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("*"),
        "CORS * on the JWKS"
    );
    let jwks: Jwks = r.json().await.unwrap();
    let kid = issued["certificate"]["shc"]["kid"].as_str().unwrap();
    let crl_text = s
        .client
        .get(s.url(&format!("/issuer/131016/.well-known/crl/{kid}.json")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let crl = Crl::from_json(&crl_text).unwrap();
    let directory: Value = s
        .client
        .get(s.url("/issuer/directory.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let iss = directory["issuers"][0]["iss"].as_str().unwrap().to_owned();
    assert_eq!(iss, "https://vrs.example.jp/issuer/131016");

    let mut trust = TrustList::new();
    trust.add_jwks(Issuer::from_url(&iss), jwks);
    trust.add_crl(crl);
    let now = chrono::Utc::now().timestamp() as f64 + 1.0;
    let v = verify_text(issued["qr"].as_str().unwrap(), &trust, now).expect("verifies");
    assert_eq!(v.iss, iss);
    assert_eq!(v.doses.len(), 2);

    // The same application again: the nonce was used.
    let (status, _, replay) = s.apply(&card).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{replay}");
    assert_eq!(replay["issued"], json!(false));
    assert_eq!(replay["refusal"]["kind"], json!("replayed_nonce"));
    assert_eq!(replay["refusal"]["grounds"], json!(["P9-1", "P9-3"]));
    // A nonce the server never issued.
    let forged = card_issuer().mint_with_nonce(&kokuto(), &[7u8; 32]);
    let (status, _, unknown) = s.apply(&forged).await;
    assert_eq!(
        (status, &unknown["refusal"]["kind"]),
        (StatusCode::FORBIDDEN, &json!("unknown_nonce"))
    );
    // Unknown issuers and keys are 404, still readable by any origin.
    for path in [
        "/issuer/011002/.well-known/jwks.json",
        "/issuer/999999/.well-known/jwks.json",
        "/issuer/131016/.well-known/crl/nokey.json",
    ] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.headers().contains_key("access-control-allow-origin"),
            "{path}"
        );
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_and_oversized_applications_are_400_and_413() {
    let data = data_dir(false);
    let s = Running::start(data.path(), 600, 64).await;
    let send = |body: Vec<u8>| {
        s.client
            .post(s.url("/app/v1/applications"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = send(b"{\"municipality\":\"131016\"}".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing field"),
        "{v}"
    );
    let r = send(vec![b' '; 70 * 1024]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a10_10_a_client_over_its_app_rate_gets_429_with_retry_after() {
    let data = data_dir(false);
    let s = Running::start(data.path(), 3, 64).await;
    for i in 0..3 {
        let r = s
            .client
            .post(s.url("/app/v1/challenge"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "request {i}");
    }
    let r = s
        .client
        .post(s.url("/app/v1/challenge"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "Retry-After {wait}");
    // The issuer routes are not the app's: not limited.
    let r = s
        .client
        .get(s.url("/issuer/directory.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}

/// The sending half of an application body that never ends while it is kept.
type Hold = tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>;

/// Sends an application whose body stays open while the returned sender lives.
async fn hold_slot(
    s: &Running,
) -> (
    Hold,
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) {
    let (hold, body) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    hold.send(Ok(b"{".to_vec())).await.unwrap();
    let stream = futures_util::stream::unfold(body, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let pending = s
        .client
        .post(s.url("/app/v1/applications"))
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    (hold, tokio::spawn(pending))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a10_10_past_the_in_flight_limit_requests_are_shed_with_503_and_retry_after() {
    let data = data_dir(false);
    let s = Running::start(data.path(), 600, 1).await;
    // One application whose body never ends holds the only slot. A directory request
    // sent at the same moment can win the slot first and get the application shed
    // instead; then the application is sent again, until it holds the slot.
    let mut held: Option<(
        Hold,
        tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
    )> = None;
    let mut shed = None;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while shed.is_none() && std::time::Instant::now() < deadline {
        if held
            .as_ref()
            .is_none_or(|(_, pending)| pending.is_finished())
        {
            held = Some(hold_slot(&s).await);
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let r = s
            .client
            .get(s.url("/issuer/directory.json"))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            shed = Some(r);
        } else {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let (hold, pending) = held.expect("an application was sent");
    let shed = shed.expect("a request was shed while the slot was held");
    assert_eq!(shed.headers()["retry-after"], "1");
    assert!(
        shed.bytes().await.unwrap().is_empty(),
        "no body when overloaded"
    );
    // The process stays healthy.
    let r = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Releasing the slot lets requests through again.
    drop(hold);
    let _ = pending.await;
    let r = s
        .client
        .get(s.url("/issuer/directory.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_10_an_application_during_an_emergency_stop_is_503_with_the_refusal() {
    let data = data_dir(true);
    let s = Running::start(data.path(), 60, 64).await;
    let nonce = s.challenge().await;
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    let (status, headers, body) = s.apply(&card).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.contains_key("retry-after"));
    assert_eq!(body["issued"], json!(false));
    assert_eq!(body["refusal"]["grounds"], json!(["T1-10"]));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_the_app_and_issuer_routes() {
    let data = data_dir(false);
    let s = Running::start(data.path(), 60, 64).await;
    let doc: Value = s
        .client
        .get(s.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = &doc["paths"];
    for (path, method, statuses) in [
        ("/app/v1/challenge", "post", &["200", "429", "503"][..]),
        (
            "/app/v1/applications",
            "post",
            &["201", "400", "403", "413", "429", "503"],
        ),
        (
            "/issuer/{code}/.well-known/jwks.json",
            "get",
            &["200", "404"],
        ),
        (
            "/issuer/{code}/.well-known/crl/{kid}.json",
            "get",
            &["200", "404"],
        ),
        ("/issuer/directory.json", "get", &["200"]),
    ] {
        let responses = &paths[path][method]["responses"];
        for status in statuses {
            assert!(
                responses.get(status).is_some(),
                "{method} {path}: no {status} in {responses}"
            );
        }
    }
    s.stop().await;
}
