//! The state every handler shares: the facade handle, settings, metrics.

use std::path::PathBuf;
use std::sync::Arc;

use crate::limit::RateLimit;
use crate::{Config, Metrics};

/// What every handler gets: cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The shared facade (one writer thread, group commit).
    pub vrs: vrs::SharedVrs,
    /// The service's settings.
    pub settings: Arc<Settings>,
    /// Request, refusal and login counters.
    pub metrics: Arc<Metrics>,
    /// Sign-in attempts per client address (`/api/v1/login`, `/api/v1/enroll`).
    pub login_limit: Arc<RateLimit>,
}

/// Sign-in attempts allowed per client address and minute (beyond: 429). The
/// per-account lockout stops guessing one password; this stops one address
/// trying many accounts.
pub const LOGIN_RATE: u32 = 30;

/// The settings of a running service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The card CA public key files the app API trusts.
    pub card_ca_keys: Vec<PathBuf>,
    /// Requests per minute per client address on `/app/v1`.
    pub app_rate: u32,
}

impl AppState {
    /// The state of a service started with `config` on `vrs`.
    pub fn new(vrs: vrs::SharedVrs, config: &Config) -> Self {
        Self {
            vrs,
            settings: Arc::new(Settings {
                data_dir: config.data_dir.clone(),
                card_ca_keys: config.card_ca_keys.clone(),
                app_rate: config.app_rate,
            }),
            metrics: Arc::new(Metrics::default()),
            login_limit: Arc::new(RateLimit::new(LOGIN_RATE)),
        }
    }
}
