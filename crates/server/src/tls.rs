//! Loading the server's TLS certificate and key (rustls with the ring provider).

use axum_server::tls_rustls::RustlsConfig;

use crate::{ServeError, TlsFiles};

/// Reads the PEM files into a rustls server configuration (TLS 1.2 and 1.3).
pub(crate) async fn load(files: &TlsFiles) -> Result<RustlsConfig, ServeError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| ServeError::Tls {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    };
    let cert = read(&files.cert)?;
    let key = read(&files.key)?;
    if !cert.starts_with(b"-----BEGIN") && !cert.windows(11).any(|w| w == b"-----BEGIN ") {
        return Err(ServeError::Tls {
            path: files.cert.clone(),
            reason: "not a PEM certificate".into(),
        });
    }
    RustlsConfig::from_pem(cert, key)
        .await
        .map_err(|e| ServeError::Tls {
            path: files.key.clone(),
            reason: format!("the certificate and key do not make a TLS configuration: {e}"),
        })
}
