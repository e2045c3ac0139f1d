//! The fixed-rate (open-loop) generator of `cargo xtask bench serve`, as wrk2 and
//! `oha -q` work: a fixed set of HTTP/1.1 keep-alive connections over TLS, all
//! opened and handshaked before the clock starts, each driven by its own task
//! (hyper's `client::conn::http1` over tokio-rustls).
//!
//! Request `i` is due at `start + i / rate`. A scheduler hands each due request
//! to a free connection; when none is free the request waits in a FIFO queue
//! (counted as `waited`), it is never dropped. Latency runs from the due time,
//! so time spent waiting for a connection or for a stalled server shows in the
//! percentiles (coordinated omission corrected). No connection is opened during
//! the measured window except to replace one that broke, and each of those is
//! counted (`reopened`).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use super::{record, Figures, Outcome};

/// Where the connections go: a TLS server at `addr` whose certificate, issued
/// for `name`, is checked against one trusted root.
#[derive(Clone)]
pub(crate) struct Target {
    addr: SocketAddr,
    name: ServerName<'static>,
    tls: TlsConnector,
}

impl Target {
    /// A server at `addr` presenting a certificate for `name` that chains to `root_pem`.
    pub(crate) fn new(root_pem: &str, addr: SocketAddr, name: &str) -> anyhow::Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(root_pem.as_bytes()) {
            roots.add(cert.context("the root certificate's PEM")?)?;
        }
        anyhow::ensure!(!roots.is_empty(), "no certificate in the root PEM");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            addr,
            name: ServerName::try_from(name.to_owned())?,
            tls: TlsConnector::from(Arc::new(config)),
        })
    }

    /// One connection: TCP (no Nagle), the TLS handshake, HTTP/1.1. The
    /// connection's I/O runs in a task of its own until either side closes it.
    async fn connect(&self) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let tls = self.tls.connect(self.name.clone(), tcp).await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }
}

/// What a fixed-rate run offers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Requests offered per second.
    pub(crate) rate: u32,
    /// Seconds of offering (`rate * seconds` requests in all).
    pub(crate) seconds: u32,
    /// Persistent connections, opened before the clock starts.
    pub(crate) connections: usize,
    /// The status that counts as success.
    pub(crate) expect: u16,
    /// An exchange not answered within this is an error ("timeout"), and its
    /// connection is replaced.
    pub(crate) timeout: Duration,
}

/// What a fixed-rate run measured.
#[derive(Debug)]
pub(crate) struct Fixed {
    /// Successes, errors, latency from each request's due time.
    pub(crate) figures: Figures,
    /// Persistent connections (all opened before the clock started).
    pub(crate) connections: usize,
    /// Connections opened during the measured window to replace broken ones.
    pub(crate) reopened: u64,
    /// Requests that found no free connection at their due time and waited in the queue.
    pub(crate) waited: u64,
    /// The longest the queue of waiting requests grew.
    pub(crate) max_queue: usize,
    /// CPU (user + system) of this whole process during the measured window,
    /// in milliseconds per 1,000 requests (Linux `/proc/self/stat`, 10 ms ticks).
    pub(crate) cpu_ms_per_1000: f64,
}

impl Fixed {
    /// As JSON for the report: the figures' fields plus the generator's own.
    pub(crate) fn json(&self) -> serde_json::Value {
        let mut j = self.figures.json();
        j["fixed_connections"] = self.connections.into();
        j["connections_reopened"] = self.reopened.into();
        j["waited_for_a_connection"] = self.waited.into();
        j["max_queue"] = self.max_queue.into();
        j["generator_cpu_ms_per_1000_requests"] =
            ((self.cpu_ms_per_1000 * 10.0).round() / 10.0).into();
        j
    }
}

/// The `i`-th request, built by the caller.
pub(crate) type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;

/// A request handed to a connection: its index and due time.
struct Job {
    i: u64,
    due: Instant,
}

/// A connection's report on one request.
struct Done {
    connection: usize,
    outcome: Outcome,
    latency: Duration,
    reopened: u64,
}

/// Opens `plan.connections` connections to `target`, then offers `plan.rate`
/// requests per second for `plan.seconds`, `make(i)` building the `i`-th. Fails
/// only if the connections cannot be opened before the clock starts.
pub(crate) async fn fixed_rate(
    target: &Target,
    plan: Plan,
    make: MakeRequest,
) -> anyhow::Result<Fixed> {
    anyhow::ensure!(
        plan.rate > 0 && plan.connections > 0,
        "rate and connections must be > 0"
    );
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..plan.connections {
        let target = target.clone();
        opening.spawn(async move { target.connect().await });
    }
    let mut senders = Vec::with_capacity(plan.connections);
    while let Some(opened) = opening.join_next().await {
        senders.push(opened?.context("opening a connection before the clock starts")?);
    }

    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    let mut jobs = Vec::with_capacity(plan.connections);
    for (connection, sender) in senders.into_iter().enumerate() {
        let (tx, rx) = mpsc::channel::<Job>(1);
        jobs.push(tx);
        tokio::spawn(drive(
            Connection {
                id: connection,
                target: target.clone(),
                sender: Some(sender),
                make: make.clone(),
                timeout: plan.timeout,
            },
            rx,
            done_tx.clone(),
        ));
    }
    drop(done_tx);

    let total = u64::from(plan.rate) * u64::from(plan.seconds);
    let cpu_before = crate::bench::process_cpu_seconds();
    let start = Instant::now();
    let due = |i: u64| start + Duration::from_nanos(i * 1_000_000_000 / u64::from(plan.rate));
    let mut free: Vec<usize> = (0..plan.connections).rev().collect();
    let mut queue: VecDeque<Job> = VecDeque::new();
    let mut run = Fixed {
        figures: Figures::default(),
        connections: plan.connections,
        reopened: 0,
        waited: 0,
        max_queue: 0,
        cpu_ms_per_1000: f64::NAN,
    };
    let (mut next, mut answered) = (0u64, 0u64);
    while answered < total {
        let now = Instant::now();
        while next < total && due(next) <= now {
            // FIFO: this request gets a connection now only if fewer are queued
            // ahead of it than there are free connections.
            if queue.len() >= free.len() {
                run.waited += 1;
            }
            queue.push_back(Job {
                i: next,
                due: due(next),
            });
            next += 1;
        }
        while !queue.is_empty() && !free.is_empty() {
            let (Some(job), Some(connection)) = (queue.pop_front(), free.pop()) else {
                break;
            };
            // Capacity 1 and the connection is free: the slot is empty.
            jobs[connection]
                .try_send(job)
                .map_err(|_| anyhow::anyhow!("connection task {connection} is gone"))?;
        }
        run.max_queue = run.max_queue.max(queue.len());
        let answer = if next < total {
            tokio::select! {
                d = done_rx.recv() => d,
                () = tokio::time::sleep_until(due(next)) => continue,
            }
        } else {
            done_rx.recv().await
        };
        let Some(d) = answer else {
            anyhow::bail!("every connection task ended with requests unanswered");
        };
        let mut answer = Some(d);
        // Take every answer already in, then schedule again.
        while let Some(d) = answer {
            record(&mut run.figures, d.outcome, plan.expect, d.latency);
            run.reopened += d.reopened;
            free.push(d.connection);
            answered += 1;
            answer = done_rx.try_recv().ok();
        }
    }
    run.figures.seconds = start.elapsed().as_secs_f64();
    let cpu = crate::bench::process_cpu_seconds() - cpu_before;
    run.cpu_ms_per_1000 = cpu * 1e3 / (total as f64 / 1000.0);
    Ok(run)
}

/// One persistent connection and what it needs to serve requests.
struct Connection {
    id: usize,
    target: Target,
    /// `None` after it broke and could not be opened again (retried at the next request).
    sender: Option<SendRequest<Full<Bytes>>>,
    make: MakeRequest,
    timeout: Duration,
}

/// A connection's task: takes requests one at a time, sends each, reads the
/// whole answer, reports it with its latency from the due time.
async fn drive(
    mut c: Connection,
    mut jobs: mpsc::Receiver<Job>,
    done: mpsc::UnboundedSender<Done>,
) {
    while let Some(job) = jobs.recv().await {
        let mut reopened = 0;
        // A connection the server closed while idle is replaced before sending.
        let usable = match c.sender.as_mut() {
            Some(s) => s.ready().await.is_ok(),
            None => false,
        };
        if !usable {
            c.sender = c.target.connect().await.ok();
            reopened += u64::from(c.sender.is_some());
        }
        let outcome = match c.sender.as_mut() {
            None => Err("connect error".to_owned()),
            Some(sender) => {
                let request = (c.make)(job.i);
                match tokio::time::timeout(c.timeout, exchange(sender, request)).await {
                    Ok(Ok(status)) => Ok(status),
                    Ok(Err(())) => Err("connection error".to_owned()),
                    Err(_) => Err("timeout".to_owned()),
                }
            }
        };
        let latency = job.due.elapsed();
        if outcome.is_err() {
            // Broken (or stuck): replace it now, so the next request finds it open.
            c.sender = c.target.connect().await.ok();
            reopened += u64::from(c.sender.is_some());
        }
        let report = Done {
            connection: c.id,
            outcome,
            latency,
            reopened,
        };
        if done.send(report).is_err() {
            return;
        }
    }
}

/// Sends one request and reads its whole answer: the status.
async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<u16, ()> {
    sender.ready().await.map_err(|_| ())?;
    let response = sender.send_request(request).await.map_err(|_| ())?;
    let status = response.status().as_u16();
    response.into_body().collect().await.map_err(|_| ())?;
    Ok(status)
}
