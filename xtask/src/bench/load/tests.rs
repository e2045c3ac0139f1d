//! Tests of the fixed-rate generator against a tiny TLS server on a real
//! loopback socket (its own runtime and thread), which counts the connections
//! it accepts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use super::fixed::{fixed_rate, Fixed, MakeRequest, Plan, Target};
use super::{record, Figures};

/// How the fake server answers request `i` (sent in the `x-i` header).
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// 201 at once.
    Fast,
    /// 201 after holding a server-wide lock for this long: one request at a time.
    OneAtATime(Duration),
    /// By `i % 4`: 201, 503, the connection dropped without an answer, 201.
    ByIndex,
}

struct FakeServer {
    addr: std::net::SocketAddr,
    root_pem: String,
    accepted: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

fn fake_server(behaviour: Behaviour) -> FakeServer {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let lock = Arc::new(tokio::sync::Mutex::new(()));
    let counter = accepted.clone();
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let (acceptor, lock) = (acceptor.clone(), lock.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service =
                    hyper::service::service_fn(move |r| answer(r, behaviour, lock.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    FakeServer {
        addr,
        root_pem: cert.cert.pem(),
        accepted,
        _runtime: runtime,
    }
}

async fn answer(
    request: Request<Incoming>,
    behaviour: Behaviour,
    lock: Arc<tokio::sync::Mutex<()>>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let i: u64 = request
        .headers()
        .get("x-i")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let _ = request.into_body().collect().await;
    let status = match behaviour {
        Behaviour::Fast => 201,
        Behaviour::OneAtATime(d) => {
            let _one = lock.lock().await;
            tokio::time::sleep(d).await;
            201
        }
        Behaviour::ByIndex => match i % 4 {
            1 => 503,
            // An error from the service: hyper closes the connection unanswered.
            2 => return Err(std::io::Error::other("dropped")),
            _ => 201,
        },
    };
    let mut response = Response::new(Full::new(Bytes::from_static(b"{}")));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    Ok(response)
}

fn requests() -> MakeRequest {
    Arc::new(|i| {
        let mut r = Request::new(Full::new(Bytes::from_static(b"{}")));
        *r.method_mut() = hyper::Method::POST;
        *r.uri_mut() = hyper::Uri::from_static("/api/v1/doses");
        r.headers_mut()
            .insert("host", hyper::header::HeaderValue::from_static("localhost"));
        r.headers_mut().insert("x-i", i.into());
        r
    })
}

/// Runs the generator on one tokio thread, as `bench serve` does.
fn run(server: &FakeServer, rate: u32, seconds: u32, connections: usize) -> Fixed {
    let target = Target::new(&server.root_pem, server.addr, "localhost").unwrap();
    let plan = Plan {
        rate,
        seconds,
        connections,
        expect: 201,
        timeout: Duration::from_secs(10),
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fixed_rate(&target, plan, requests()))
        .unwrap()
}

#[test]
fn a_fast_server_gets_the_offered_rate_over_the_fixed_connections_and_no_new_one() {
    let server = fake_server(Behaviour::Fast);
    let f = run(&server, 1_000, 1, 16);
    let figures = &f.figures;
    assert_eq!(figures.ok, 1_000);
    assert!(figures.errors.is_empty(), "{:?}", figures.errors);
    assert!(
        figures.seconds >= 0.99,
        "{} s: offered faster than the rate",
        figures.seconds
    );
    assert!(
        figures.rate() > 900.0,
        "achieved {}/s of 1,000/s",
        figures.rate()
    );
    assert_eq!(figures.us.len(), 1_000, "every success has its latency");
    assert!(figures.pct(0.99) < 100.0, "p99 {} ms", figures.pct(0.99));
    assert_eq!(f.connections, 16);
    assert_eq!(f.reopened, 0);
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        16,
        "the server saw exactly the fixed connections"
    );
    assert!(f.cpu_ms_per_1000.is_finite(), "{}", f.cpu_ms_per_1000);
}

/// A server that answers one request at a time in 10 ms serves 100/s; offered
/// 200/s over 8 connections, requests queue in the generator for the whole run
/// and the latency from the due time shows it (a closed-loop generator would
/// only report ~80 ms at half the rate). None is dropped.
#[test]
fn latency_runs_from_the_due_time_so_a_saturated_server_shows_in_the_percentiles() {
    let server = fake_server(Behaviour::OneAtATime(Duration::from_millis(10)));
    let f = run(&server, 200, 1, 8);
    let figures = &f.figures;
    assert_eq!(figures.ok, 200, "{:?}", figures.errors);
    assert!(figures.errors.is_empty(), "{:?}", figures.errors);
    assert!(
        figures.seconds >= 1.9,
        "{} s for 200 × 10 ms",
        figures.seconds
    );
    assert!(figures.pct(0.50) > 200.0, "p50 {} ms", figures.pct(0.50));
    assert!(figures.pct(0.99) > 800.0, "p99 {} ms", figures.pct(0.99));
    assert!(
        f.waited > 150,
        "{} requests waited for a connection",
        f.waited
    );
    assert!(f.max_queue > 50, "the queue grew to {}", f.max_queue);
    assert_eq!(f.reopened, 0);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 8);
}

#[test]
fn other_statuses_and_broken_connections_are_counted_apart_and_reopened() {
    let server = fake_server(Behaviour::ByIndex);
    let f = run(&server, 100, 1, 4);
    let figures = &f.figures;
    assert_eq!(figures.ok, 50);
    assert_eq!(figures.errors.get("503"), Some(&25), "{:?}", figures.errors);
    assert_eq!(
        figures.errors.get("connection error"),
        Some(&25),
        "{:?}",
        figures.errors
    );
    assert_eq!(figures.us.len(), 50, "only successes have a latency");
    assert_eq!(f.reopened, 25, "each broken connection is replaced");
    assert_eq!(server.accepted.load(Ordering::SeqCst), 4 + 25);
    assert_eq!(f.connections, 4);
}

#[test]
fn the_histogram_keeps_latencies_from_microseconds_to_seconds_within_a_tenth_of_a_percent() {
    let mut f = Figures::default();
    for ms in 1..=1_000u64 {
        record(&mut f, Ok(201), 201, Duration::from_millis(ms));
    }
    record(&mut f, Ok(201), 201, Duration::from_micros(40));
    record(&mut f, Ok(500), 201, Duration::from_millis(5));
    f.seconds = 1.0;
    assert_eq!(f.ok, 1_001);
    assert_eq!(f.errors.get("500"), Some(&1));
    for (p, want) in [(0.0, 0.040), (0.5, 500.0), (0.99, 990.0), (1.0, 1_000.0)] {
        let got = f.pct(p);
        assert!(
            (got - want).abs() <= want * 0.001 + 0.001,
            "p{p}: {got} ms, want {want} ms"
        );
    }
    assert!((f.max() - 1_000.0).abs() <= 1.0, "max {} ms", f.max());
    let j = f.json();
    assert_eq!(j["ok"], 1_001);
    assert_eq!(j["per_s"], 1_001.0);
}
