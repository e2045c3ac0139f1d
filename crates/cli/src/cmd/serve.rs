//! `vrs serve --listen ADDR [--tls-cert PEM --tls-key PEM] [--card-ca-keys FILE]...
//! [--app-rate N] [--log-format text|json]`: the VRS service over HTTPS.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::output::{Doc, Human, Reply};
use crate::{BadInput, Ctx};

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8443 (port 0: any free port). A non-loopback
    /// address needs TLS.
    #[arg(long)]
    listen: String,
    /// TLS certificate chain (PEM, leaf first).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A card CA public key the app API trusts (repeatable; the only trust anchors).
    #[arg(long = "card-ca-keys")]
    card_ca_keys: Vec<PathBuf>,
    /// Requests per minute per client address on /app/v1 (A10-10).
    #[arg(long, default_value_t = vrs_server::DEFAULT_APP_RATE)]
    app_rate: u32,
    /// Log lines on stderr: text for people, json one object per line.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// What `vrs serve` prints when it has stopped.
#[derive(Debug, Serialize)]
struct Stopped {
    listen: SocketAddr,
    stopped: bool,
}

impl Human for Stopped {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!("vrs serve on {} stopped cleanly", self.listen));
    }
}

pub(crate) fn run(args: ServeArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let listen: SocketAddr = args.listen.parse().map_err(|e| {
        BadInput(format!(
            "--listen: {:?} is not an address with a port (e.g. 127.0.0.1:8443): {e}",
            args.listen
        ))
    })?;
    if args.app_rate == 0 {
        return Err(BadInput("--app-rate: must be at least 1 request per minute".into()).into());
    }
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(vrs_server::TlsFiles { cert, key }),
        _ => None,
    };
    let config = vrs_server::Config {
        data_dir: ctx.data_dir.clone(),
        listen,
        tls,
        card_ca_keys: args.card_ca_keys,
        app_rate: args.app_rate,
        log_format: match args.log_format {
            LogFormat::Text => vrs_server::LogFormat::Text,
            LogFormat::Json => vrs_server::LogFormat::Json,
        },
    };
    vrs_server::check(&config).map_err(|e| BadInput(e.to_string()))?;
    vrs_server::init_logging(config.log_format);
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let mut bound = listen;
    match vrs_server::serve(config, |addr| {
        bound = addr;
        eprintln!("vrs serve: listening on {scheme}://{addr}");
    }) {
        Ok(()) => Ok(Reply::ok(Stopped {
            listen: bound,
            stopped: true,
        })),
        Err(e) if e.is_bad_input() => Err(BadInput(e.to_string()).into()),
        Err(e) => Err(e.into()),
    }
}
