//! vrs-server: `vrs serve`, the Vaccination Record System as an HTTPS service.
//!
//! The router is composed from one module per surface, each a
//! `router() -> Router<AppState>`: [`ops`] (`/healthz`, `/readyz`, `/metrics`,
//! `/openapi.json`), [`api`] (the staff and tablet API under `/api/v1`),
//! [`app`] (the certificate app's API under `/app/v1`) and [`issuer`]
//! (SMART Health Cards issuer publication under `/issuer`) and [`web`] (the
//! screens: HTML forms with a session cookie and CSRF tokens). Every handler turns
//! credentials into a principal, calls the shared facade ([`vrs::SharedVrs`]:
//! one writer thread, group commit) and renders its answer; the server holds no
//! rule of its own.
//!
//! [`serve`] runs the service until SIGTERM or SIGINT: it then stops
//! accepting, finishes the requests in flight, lets the writer commit and
//! answer everything queued, and returns.

pub mod api;
pub mod app;
pub mod issuer;
pub mod limit;
pub mod load;
mod metrics;
pub mod ops;
mod state;
mod tls;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;

pub use metrics::Metrics;
pub use state::{AppState, Settings, LOGIN_RATE};

/// How log lines are written (to stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What `vrs serve` is asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory (initialised by `vrs init`).
    pub data_dir: PathBuf,
    /// The address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// The TLS certificate chain and private key (PEM files), if any.
    pub tls: Option<TlsFiles>,
    /// The card CA public keys the app API trusts (the only trust anchors).
    pub card_ca_keys: Vec<PathBuf>,
    /// Requests per minute per client address on `/app/v1` (A10-10).
    pub app_rate: u32,
    /// Requests worked on at once; beyond it requests are shed with 503 (A10-10).
    pub max_in_flight: usize,
    /// How log lines are written.
    pub log_format: LogFormat,
}

/// The TLS certificate chain and key of the server.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, SEC1 or PKCS#1).
    pub key: PathBuf,
}

/// The default `--app-rate` (requests per minute per client address).
pub const DEFAULT_APP_RATE: u32 = 60;

/// Read-only connections for plain data reads (issuer publication): they run
/// beside the writer, which every use case goes through (each writes its audit
/// event, and every bearer token's session is touched).
const READERS: usize = 4;

/// How long the server waits for requests in flight after a stop signal.
const GRACE: Duration = Duration::from_secs(30);

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Plain HTTP on an address other machines can reach is refused.
    #[error(
        "--listen {addr}: not a loopback address, so the service needs TLS (give --tls-cert \
         and --tls-key): personal data and credentials never cross a network in clear text \
         ({app_only}, {encrypted})",
        app_only = vrs::consent::grounds::APP_ONLY,
        encrypted = vrs::consent::grounds::TRAFFIC_ENCRYPTED
    )]
    PlainTextNonLoopback {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The TLS certificate or key could not be used.
    #[error("{path}: {reason}")]
    Tls {
        /// The PEM file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A `--card-ca-keys` file could not be read as card CA keys.
    #[error("--card-ca-keys {path}: {reason}")]
    CardCaKeys {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The facade could not open the data directory.
    #[error(transparent)]
    Vrs(#[from] vrs::VrsError),
    /// The socket or runtime failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl ServeError {
    /// Whether the caller's input is at fault (exit 2) rather than the system (exit 3).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::PlainTextNonLoopback { .. } | Self::Tls { .. } | Self::CardCaKeys { .. }
        )
    }
}

/// Checks the configuration before anything is opened: a non-loopback
/// address without TLS is refused.
pub fn check(config: &Config) -> Result<(), ServeError> {
    if config.tls.is_none() && !config.listen.ip().is_loopback() {
        return Err(ServeError::PlainTextNonLoopback {
            addr: config.listen,
        });
    }
    Ok(())
}

/// The whole service: every module's routes, with metrics and request logs.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(ops::router())
        .merge(api::router())
        .merge(app::router(&state))
        .merge(issuer::router())
        .merge(web::router())
        .fallback(web::error::not_found)
        // A10-10: shed load past the in-flight limit (inside metrics, so 503s are counted).
        .layer(axum::middleware::from_fn_with_state(
            state.in_flight.clone(),
            load::shed,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        // CSP and friends on every HTML response; nosniff on every response.
        .layer(axum::middleware::from_fn(web::headers::security_headers))
        .with_state(state)
}

/// Sets up logging to stderr (once per process; later calls do nothing).
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("VRS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Runs the service until SIGTERM or SIGINT (blocking: it builds its own runtime).
/// `on_listening` is called with the bound address once the socket is open.
pub fn serve(config: Config, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    check(&config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vrs-serve")
        .build()
        .map_err(|source| ServeError::Io {
            what: "starting the runtime",
            source,
        })?;
    runtime.block_on(async move {
        let server = Server::start(config).await?;
        on_listening(server.addr);
        server.run(shutdown_signal()).await
    })
}

/// A started service: the socket is bound and the facade open.
pub struct Server {
    addr: SocketAddr,
    listener: std::net::TcpListener,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    state: AppState,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Opens the data directory and binds the socket (inside a tokio runtime).
    pub async fn start(config: Config) -> Result<Self, ServeError> {
        check(&config)?;
        let tls = match &config.tls {
            Some(files) => Some(tls::load(files).await?),
            None => None,
        };
        // Opened off the runtime's threads: the PostgreSQL driver is
        // synchronous and may not block a runtime thread.
        let dir = config.data_dir.clone();
        let (vrs, readers) = tokio::task::spawn_blocking(move || {
            let vrs = vrs::Vrs::open(&dir, Box::new(vrs::SystemClock))?;
            let readers = (0..READERS)
                .map(|_| vrs::Vrs::open_reader(&dir, Box::new(vrs::SystemClock)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, vrs::VrsError>((vrs, readers))
        })
        .await
        .map_err(|e| ServeError::Io {
            what: "opening the data directory",
            source: std::io::Error::other(e),
        })??;
        let verifier = app::card_verifier(&config.card_ca_keys)?;
        let mut state = AppState::new(vrs::SharedVrs::spawn_with_readers(vrs, readers), &config);
        state.card_verifier = std::sync::Arc::new(verifier);
        let listener =
            std::net::TcpListener::bind(config.listen).map_err(|source| ServeError::Io {
                what: "binding the listen address",
                source,
            })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| ServeError::Io {
                what: "configuring the socket",
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Io {
            what: "reading the bound address",
            source,
        })?;
        Ok(Self {
            addr,
            listener,
            tls,
            state,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `stop` resolves; then stops accepting, finishes the
    /// requests in flight (up to 30 s), and waits for the writer to commit and
    /// answer every queued request.
    pub async fn run(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let Self {
            addr,
            listener,
            tls,
            state,
        } = self;
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            stop.await;
            tracing::info!("stop signal: finishing the requests in flight");
            stopper.graceful_shutdown(Some(GRACE));
        });
        let shared = state.vrs.clone();
        let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
        tracing::info!(%addr, tls = tls.is_some(), "vrs serve listening");
        let served = match tls {
            Some(tls) => {
                axum_server::from_tcp_rustls(listener, tls)
                    .handle(handle)
                    .serve(app)
                    .await
            }
            None => {
                axum_server::from_tcp(listener)
                    .handle(handle)
                    .serve(app)
                    .await
            }
        };
        // Every request has been answered; the writer has nothing left but
        // what it already committed.
        tokio::task::spawn_blocking(move || shared.close())
            .await
            .ok();
        tracing::info!("vrs serve stopped");
        served.map_err(|source| ServeError::Io {
            what: "serving",
            source,
        })
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
