//! Intrusion signals for the operator (S-3-3): bursts of failed sign-ins per
//! account or client address, and repeated refused cross-partition attempts.

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;
use vrs_consent::intrusion::{
    bursts, DEFAULT_BURST, DEFAULT_CROSS_PARTITION, DEFAULT_WINDOW_MINUTES,
};
use vrs_consent::{Action, Request};
use vrs_domain::Principal;
use vrs_store::Outcome;
use vrs_store::{AuditEvent, SecurityEventKind};

use crate::{Answer, Vrs, VrsError};

/// How many audit events the alerts look at, at most (the newest).
pub const MAX_ALERT_EVENTS: u32 = 100_000;

/// What to look for.
#[derive(Debug, Clone, Copy)]
pub struct AlertOptions {
    /// Failures per account or address that make an alert (default 10) ...
    pub failures: usize,
    /// ... within this many minutes (default 10); also the window of cross-partition attempts.
    pub window_minutes: i64,
    /// Refused cross-partition attempts per principal and actor that make an alert (default 3).
    pub cross_partition: usize,
    /// Only events since this time (default: the last 24 hours).
    pub since: Option<DateTime<FixedOffset>>,
}

impl Default for AlertOptions {
    fn default() -> Self {
        Self {
            failures: DEFAULT_BURST,
            window_minutes: DEFAULT_WINDOW_MINUTES,
            cross_partition: DEFAULT_CROSS_PARTITION,
            since: None,
        }
    }
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Failed logins of one account.
    FailuresPerAccount,
    /// Failed logins, tokens or enrolment codes from one client address.
    FailuresPerAddress,
    /// Refused attempts of one principal (and actor) on another municipality's area.
    CrossPartition,
}

/// One intrusion signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// What it is about.
    pub kind: AlertKind,
    /// The account, the address, or the principal (with its actor).
    pub key: String,
    /// How many events within the window.
    pub count: usize,
    /// The first of them.
    pub first: DateTime<FixedOffset>,
    /// The last of them.
    pub last: DateTime<FixedOffset>,
}

/// The alerts, with what was looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alerts {
    /// Events since.
    pub since: DateTime<FixedOffset>,
    /// The window in minutes.
    pub window_minutes: i64,
    /// The signals found.
    pub alerts: Vec<Alert>,
}

impl Vrs {
    /// S-3-3: the intrusion signals of the audit log since `options.since`
    /// (default the last 24 hours). The operator's; the reading is audited.
    pub fn alerts(
        &mut self,
        principal: Principal,
        options: AlertOptions,
    ) -> Result<Answer<Alerts>, VrsError> {
        let allowed =
            match self.decide_request(Request::new(principal, Action::ReadAlerts, None), None)? {
                Ok(a) => a,
                Err(r) => return Ok(Answer::Refused(r)),
            };
        let now = self.clock.now();
        let since = options.since.unwrap_or(now - Duration::hours(24));
        let window = Duration::minutes(options.window_minutes.max(1));
        let events = self.store.security_events(since, MAX_ALERT_EVENTS)?;
        let mut per_account = Vec::new();
        let mut per_address = Vec::new();
        let mut cross = Vec::new();
        for e in &events {
            match e.kind {
                SecurityEventKind::AuthFailure => {
                    if let Some(login) = &e.login {
                        per_account.push((login.clone(), e.at));
                    }
                    if let Some(client) = &e.client {
                        per_address.push((client.clone(), e.at));
                    }
                }
                SecurityEventKind::CrossPartitionRefusal => {
                    let key = match &e.actor {
                        Some(actor) => format!("{} ({actor})", e.principal),
                        None => e.principal.clone(),
                    };
                    cross.push((key, e.at));
                }
            }
        }
        let mut alerts = Vec::new();
        for (kind, events, threshold) in [
            (AlertKind::FailuresPerAccount, per_account, options.failures),
            (AlertKind::FailuresPerAddress, per_address, options.failures),
            (AlertKind::CrossPartition, cross, options.cross_partition),
        ] {
            alerts.extend(
                bursts(&events, threshold, window)
                    .into_iter()
                    .map(|b| Alert {
                        kind,
                        key: b.key,
                        count: b.count,
                        first: b.first,
                        last: b.last,
                    }),
            );
        }
        self.store.audit_operation(
            &AuditEvent::new(
                now.to_rfc3339(),
                principal,
                Action::ReadAlerts.as_str(),
                Outcome::Allowed,
            )
            .citing(
                allowed
                    .grounds()
                    .iter()
                    .map(|g| g.provision.as_str())
                    .collect(),
            )
            .with_detail(
                serde_json::json!({ "since": since.to_rfc3339(), "alerts": alerts.len() }),
            ),
        )?;
        Ok(Answer::Done(Alerts {
            since,
            window_minutes: window.num_minutes(),
            alerts,
        }))
    }
}
