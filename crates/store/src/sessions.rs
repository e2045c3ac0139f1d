//! Signing in: login with password and TOTP, lockout, sessions, device tokens,
//! logout and enrolment; every attempt audited with the login and client address.
//! Also reads back the security events the intrusion alerts are drawn from.

use crate::audit::Outcome;
use chrono::{DateTime, FixedOffset};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use vrs_domain::{Actor, Login, MunicipalityCode, Principal, Role};

use crate::accounts::{
    open_totp, time, AccountError, UserCreated, DEVICE_PREFIX, LOCKOUT_SECS, MAX_FAILED_LOGINS,
    SESSION_ABSOLUTE_SECS, SESSION_IDLE_SECS, SESSION_PREFIX,
};
use crate::credentials::{self, dummy_verify, new_token, token_hash, verify_password};
use crate::{audit, AuditEvent, Db, Store, StoreError};

/// Principal recorded for an attempt whose login is unknown or malformed.
const ANONYMOUS: &str = "anonymous";
/// Tokens longer than this are not looked up at all.
const MAX_TOKEN_LEN: usize = 128;
/// `last_seen` is written at most once a minute per session.
const LAST_SEEN_GRANULARITY: i64 = 60;

/// One login attempt.
#[derive(Clone, Copy)]
pub struct LoginRequest<'a> {
    /// The login as sent (parsed here; a malformed one fails like any other).
    pub login: &'a str,
    /// The password as sent.
    pub password: &'a str,
    /// The TOTP code, if sent.
    pub totp: Option<&'a str>,
    /// The client's address, for the audit log.
    pub client: &'a str,
}

impl std::fmt::Debug for LoginRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("login", &self.login)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// A session just opened: the token is given to the client once.
#[derive(Clone)]
pub struct NewSession {
    /// The bearer token (256 random bits; only its SHA-256 is kept).
    pub token: String,
    /// Who signed in.
    pub login: Login,
    /// The principal the session acts as.
    pub principal: Principal,
    /// The user's role.
    pub role: Role,
    /// Whether the user is a designated My Number handler.
    pub my_number_handler: bool,
    /// The session's absolute end (it ends earlier after 30 idle minutes).
    pub expires_at: DateTime<FixedOffset>,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("login", &self.login)
            .field("principal", &self.principal)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Who a valid bearer token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The principal it acts as.
    pub principal: Principal,
    /// The user or device.
    pub actor: Actor,
    /// The user's role (`None` for a device).
    pub role: Option<Role>,
    /// Whether the user is a designated My Number handler.
    pub my_number_handler: bool,
}

/// What kind of security event (see [`Store::security_events`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    /// A failed login, bearer token or enrolment code.
    AuthFailure,
    /// A request refused because it reached into another municipality's area (T1-4-3).
    CrossPartitionRefusal,
}

/// One security event read back from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityEvent {
    /// Its sequence number in the audit log.
    pub seq: i64,
    /// When.
    pub at: DateTime<FixedOffset>,
    /// What kind.
    pub kind: SecurityEventKind,
    /// The principal recorded (`anonymous` for an unknown login).
    pub principal: String,
    /// The actor recorded, if any.
    pub actor: Option<String>,
    /// The login tried, if any.
    pub login: Option<String>,
    /// The client's address, if known.
    pub client: Option<String>,
}

/// A users row as needed to sign in.
struct Account {
    id: i64,
    login: Login,
    principal: Principal,
    municipality: Option<u32>,
    role: Role,
    my_number_handler: bool,
    password_hash: String,
    totp_sealed: Option<Vec<u8>>,
    totp_last_step: Option<i64>,
    disabled: bool,
    locked_until: Option<i64>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
    }
}

impl Store {
    fn account(&self, login: &Login) -> Result<Option<Account>, StoreError> {
        let row = match &self.db {
            Db::Postgres(pg) => pg.account_row(login)?,
            Db::Sqlite(_) => sqlite!(self, "account")
                .query_row(
                    "SELECT id, principal, municipality, role, my_number_handler, password_hash,
                        totp_sealed, totp_last_step, disabled, locked_until
                 FROM users WHERE login = ?1",
                    [login.as_str()],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<u32>>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, bool>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, Option<Vec<u8>>>(6)?,
                            r.get::<_, Option<i64>>(7)?,
                            r.get::<_, bool>(8)?,
                            r.get::<_, Option<i64>>(9)?,
                        ))
                    },
                )
                .optional()?,
        };
        let Some((id, principal, municipality, role, handler, hash, sealed, last, disabled, lock)) =
            row
        else {
            return Ok(None);
        };
        Ok(Some(Account {
            id,
            login: login.clone(),
            principal: principal.parse().map_err(|_| corrupt("user principal"))?,
            municipality,
            role: role.parse().map_err(|_| corrupt("user role"))?,
            my_number_handler: handler,
            password_hash: hash,
            totp_sealed: sealed,
            totp_last_step: last,
            disabled,
            locked_until: lock,
        }))
    }

    /// Appends one sign-in event recording `actor` (the login tried).
    #[allow(clippy::too_many_arguments)]
    fn audit_sign_in(
        &mut self,
        now: DateTime<FixedOffset>,
        action: &str,
        principal: &str,
        municipality: Option<u32>,
        outcome: Outcome,
        actor: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        let event = AuditEvent::new(now.to_rfc3339(), principal, action, outcome)
            .in_area(municipality)
            .with_detail(detail);
        if let Db::Postgres(pg) = &self.db {
            return pg.append_as(&self.keys, &event, actor);
        }
        let tx = sqlite!(mut self, "audit_sign_in").transaction()?;
        audit::append_as(&tx, &self.keys, &event, actor)?;
        tx.commit()?;
        Ok(())
    }

    /// Signs a user in: login, password and (for admins and clerks, or any user
    /// holding a TOTP secret) a TOTP code one step either side of now, not used
    /// before. Five failures in a row lock the account for 15 minutes; while
    /// locked every attempt fails the same way. `None` is the one answer for every
    /// failure; its reason is only in the audit event (action `login`, with the
    /// login and client address; a lockout is an event `lockout` of its own).
    pub fn login(
        &mut self,
        req: LoginRequest<'_>,
        now: DateTime<FixedOffset>,
    ) -> Result<Option<NewSession>, StoreError> {
        let unix = now.timestamp();
        let Ok(login) = req.login.parse::<Login>() else {
            dummy_verify(req.password);
            let detail = serde_json::json!({ "login": null, "client": req.client, "reason": "malformed_login" });
            self.audit_sign_in(now, "login", ANONYMOUS, None, Outcome::Failed, None, detail)?;
            return Ok(None);
        };
        let actor = Actor::User {
            login: login.clone(),
        }
        .to_string();
        let Some(account) = self.account(&login)? else {
            dummy_verify(req.password);
            let detail = serde_json::json!({ "login": login, "client": req.client, "reason": "unknown_login" });
            self.audit_sign_in(
                now,
                "login",
                ANONYMOUS,
                None,
                Outcome::Failed,
                Some(&actor),
                detail,
            )?;
            return Ok(None);
        };
        let principal = account.principal.to_string();
        let password_ok = verify_password(&account.password_hash, req.password)?;
        let locked = account.locked_until.is_some_and(|t| t > unix);
        let mut step = None;
        let reason = if locked {
            Some("locked")
        } else if account.disabled {
            Some("disabled")
        } else if !password_ok {
            Some("bad_password")
        } else {
            match (&account.totp_sealed, req.totp) {
                (None, _) if account.role.requires_totp() => Some("no_totp_secret"),
                (None, _) => None,
                (Some(_), None) => Some("totp_missing"),
                (Some(sealed), Some(code)) => {
                    let secret = open_totp(self, login.as_str(), sealed)?;
                    match credentials::totp_match(&secret, unix, code) {
                        None => Some("bad_totp"),
                        Some(s) if account.totp_last_step.is_some_and(|last| s <= last) => {
                            Some("totp_replayed")
                        }
                        Some(s) => {
                            step = Some(s);
                            None
                        }
                    }
                }
            }
        };
        if let Some(reason) = reason {
            self.fail_login(&account, now, reason, req.client, &principal, &actor)?;
            return Ok(None);
        }
        let token = new_token(&self.keys, SESSION_PREFIX)?;
        let expires = unix + SESSION_ABSOLUTE_SECS;
        let event = AuditEvent::new(now.to_rfc3339(), principal, "login", Outcome::Done)
            .in_area(account.municipality)
            .with_detail(serde_json::json!({ "login": login, "client": req.client }));
        if let Db::Postgres(pg) = &self.db {
            let hash = token_hash(&token);
            pg.open_session(
                &self.keys,
                account.id,
                account.municipality,
                step,
                &hash,
                unix,
                expires,
                &event,
                &actor,
            )?;
        } else {
            let tx = sqlite!(mut self, "login").transaction()?;
            tx.execute(
                "UPDATE users SET failed_logins = 0, locked_until = NULL,
                              totp_last_step = coalesce(?2, totp_last_step)
             WHERE id = ?1",
                params![account.id, step],
            )?;
            tx.execute(
            "INSERT INTO sessions (token_hash, user_id, municipality, created_at, last_seen, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![token_hash(&token).as_slice(), account.id, account.municipality, unix, expires],
        )?;
            audit::append_as(&tx, &self.keys, &event, Some(&actor))?;
            tx.commit()?;
        }
        Ok(Some(NewSession {
            token,
            login,
            principal: account.principal,
            role: account.role,
            my_number_handler: account.my_number_handler,
            expires_at: time(expires, *now.offset())?,
        }))
    }

    /// Records a failed login: counts it (unless the account is locked already),
    /// locks the account at the fifth failure in a row, audits both.
    fn fail_login(
        &mut self,
        account: &Account,
        now: DateTime<FixedOffset>,
        reason: &str,
        client: &str,
        principal: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let unix = now.timestamp();
        if let Db::Postgres(pg) = &self.db {
            let event = |action, outcome, detail| {
                AuditEvent::new(now.to_rfc3339(), principal, action, outcome)
                    .in_area(account.municipality)
                    .with_detail(detail)
            };
            let failed = event(
                "login",
                Outcome::Failed,
                serde_json::json!({ "login": account.login, "client": client, "reason": reason }),
            );
            let lockout = event(
                "lockout",
                Outcome::Done,
                serde_json::json!({
                    "login": account.login,
                    "client": client,
                    "failures": MAX_FAILED_LOGINS,
                    "until": time(unix + LOCKOUT_SECS, *now.offset())?.to_rfc3339(),
                }),
            );
            pg.fail_login(
                &self.keys,
                account.id,
                account.municipality,
                unix,
                reason != "locked",
                &failed,
                &lockout,
                actor,
            )?;
            return Ok(());
        }
        let tx = sqlite!(mut self, "fail_login").transaction()?;
        let mut locked_now = false;
        if reason != "locked" {
            // A lock that has run out starts a new count.
            let failures: i64 = tx.query_row(
                "UPDATE users SET
                     failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2
                                          THEN 1 ELSE failed_logins + 1 END,
                     locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2
                                         THEN NULL ELSE locked_until END
                 WHERE id = ?1 RETURNING failed_logins",
                params![account.id, unix],
                |r| r.get(0),
            )?;
            if failures >= MAX_FAILED_LOGINS {
                locked_now = tx.execute(
                    "UPDATE users SET locked_until = ?2 WHERE id = ?1 AND locked_until IS NULL",
                    params![account.id, unix + LOCKOUT_SECS],
                )? > 0;
            }
        }
        let event = |action, outcome, detail| {
            AuditEvent::new(now.to_rfc3339(), principal, action, outcome)
                .in_area(account.municipality)
                .with_detail(detail)
        };
        let detail =
            serde_json::json!({ "login": account.login, "client": client, "reason": reason });
        audit::append_as(
            &tx,
            &self.keys,
            &event("login", Outcome::Failed, detail),
            Some(actor),
        )?;
        if locked_now {
            let detail = serde_json::json!({
                "login": account.login,
                "client": client,
                "failures": MAX_FAILED_LOGINS,
                "until": time(unix + LOCKOUT_SECS, *now.offset())?.to_rfc3339(),
            });
            audit::append_as(
                &tx,
                &self.keys,
                &event("lockout", Outcome::Done, detail),
                Some(actor),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Who a bearer token is: a live session (not revoked, within 30 idle minutes
    /// and 8 hours of login, its user not disabled) or a registered device not
    /// revoked. `None` otherwise; a failure is audited (action `authenticate`,
    /// with the client address), a success is not (the use case is).
    pub fn authenticate(
        &mut self,
        bearer: &str,
        client: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Option<Authenticated>, StoreError> {
        let unix = now.timestamp();
        let found = if bearer.len() > MAX_TOKEN_LEN {
            Err("malformed_token")
        } else if bearer.starts_with(SESSION_PREFIX) {
            self.session_of(bearer, unix)?
        } else if bearer.starts_with(DEVICE_PREFIX) {
            self.device_of(bearer)?
        } else {
            Err("malformed_token")
        };
        match found {
            Ok(who) => Ok(Some(who)),
            Err(reason) => {
                let detail = serde_json::json!({ "client": client, "reason": reason });
                self.audit_sign_in(
                    now,
                    "authenticate",
                    ANONYMOUS,
                    None,
                    Outcome::Failed,
                    None,
                    detail,
                )?;
                Ok(None)
            }
        }
    }

    fn session_of(
        &mut self,
        bearer: &str,
        unix: i64,
    ) -> Result<Result<Authenticated, &'static str>, StoreError> {
        let hash = token_hash(bearer);
        type Row = (i64, i64, bool, String, String, String, bool, bool);
        let row: Option<Row> = match &self.db {
            Db::Postgres(pg) => pg.session_row(&hash)?,
            Db::Sqlite(_) => sqlite!(mut self, "session_of")
                .query_row(
                    "SELECT s.last_seen, s.expires_at, s.revoked, u.login, u.principal, u.role,
                        u.my_number_handler, u.disabled
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
                    [hash.as_slice()],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                        ))
                    },
                )
                .optional()?,
        };
        let Some((last_seen, expires, revoked, login, principal, role, handler, disabled)) = row
        else {
            return Ok(Err("unknown_token"));
        };
        let reason = if revoked {
            Some("session_ended")
        } else if unix >= expires {
            Some("session_expired")
        } else if unix - last_seen >= SESSION_IDLE_SECS {
            Some("session_idle")
        } else if disabled {
            Some("user_disabled")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Ok(Err(reason));
        }
        if unix - last_seen >= LAST_SEEN_GRANULARITY {
            if let Db::Postgres(pg) = &self.db {
                pg.touch_session(&hash, unix)?;
            } else {
                sqlite!(mut self, "session_of").execute(
                    "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
                    params![hash.as_slice(), unix],
                )?;
            }
        }
        Ok(Ok(Authenticated {
            principal: principal.parse().map_err(|_| corrupt("user principal"))?,
            actor: Actor::User {
                login: login.parse().map_err(|_| corrupt("user login"))?,
            },
            role: Some(role.parse().map_err(|_| corrupt("user role"))?),
            my_number_handler: handler,
        }))
    }

    fn device_of(
        &mut self,
        bearer: &str,
    ) -> Result<Result<Authenticated, &'static str>, StoreError> {
        let row: Option<(i64, u32, Option<i64>)> = match &self.db {
            Db::Postgres(pg) => pg.device_row(&token_hash(bearer))?,
            Db::Sqlite(_) => sqlite!(mut self, "device_of")
                .query_row(
                    "SELECT id, municipality, revoked_at FROM devices WHERE token_hash = ?1",
                    [token_hash(bearer).as_slice()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?,
        };
        Ok(match row {
            None => Err("unknown_token"),
            Some((_, _, Some(_))) => Err("device_revoked"),
            Some((id, m, None)) => {
                let code: MunicipalityCode = format!("{m:06}")
                    .parse()
                    .map_err(|_| corrupt("device municipality"))?;
                Ok(Authenticated {
                    principal: Principal::Site(code),
                    actor: Actor::Device { id },
                    role: None,
                    my_number_handler: false,
                })
            }
        })
    }

    /// Ends a session now (logout). Audited with the login and client address;
    /// `false` when the token is no live session (nothing to end, not audited as
    /// a logout but as a failed authentication).
    pub fn logout(
        &mut self,
        bearer: &str,
        client: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<bool, StoreError> {
        let who = match self.authenticate(bearer, client, now)? {
            Some(Authenticated {
                actor: Actor::User { login },
                principal,
                ..
            }) => (login, principal),
            _ => return Ok(false),
        };
        let (login, principal) = who;
        let event = AuditEvent::new(now.to_rfc3339(), principal, "logout", Outcome::Done)
            .in_area(crate::accounts::user_area(principal).map(|m| m.as_u32()))
            .with_detail(serde_json::json!({ "login": login, "client": client }));
        let actor = Actor::User { login }.to_string();
        if let Db::Postgres(pg) = &self.db {
            pg.end_session(&self.keys, &token_hash(bearer), &event, &actor)?;
            return Ok(true);
        }
        let tx = sqlite!(mut self, "logout").transaction()?;
        tx.execute(
            "UPDATE sessions SET revoked = 1 WHERE token_hash = ?1",
            [token_hash(bearer).as_slice()],
        )?;
        audit::append_as(&tx, &self.keys, &event, Some(&actor))?;
        tx.commit()?;
        Ok(true)
    }

    /// Redeems a one-time enrolment code: creates the municipality's first
    /// administrator (role admin, with TOTP) with the login and password given.
    /// `Ok(None)` for an unknown, used or expired code (audited, action `enroll`);
    /// a taken login or weak password is bad input (`StoreError::Account`).
    pub fn enroll(
        &mut self,
        code: &str,
        login: &Login,
        password: &str,
        client: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Option<UserCreated>, StoreError> {
        let unix = now.timestamp();
        let actor = Actor::User {
            login: login.clone(),
        }
        .to_string();
        let hash = token_hash(code);
        let found: Option<u32> = if code.len() > MAX_TOKEN_LEN {
            None
        } else if let Db::Postgres(pg) = &self.db {
            pg.enrolment_of(&hash, unix)?
        } else {
            sqlite!(mut self, "enroll")
                .query_row(
                    "SELECT municipality FROM enrolments
                     WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                    params![hash.as_slice(), unix],
                    |r| r.get(0),
                )
                .optional()?
        };
        let Some(m) = found else {
            let detail =
                serde_json::json!({ "login": login, "client": client, "reason": "bad_code" });
            self.audit_sign_in(
                now,
                "enroll",
                ANONYMOUS,
                None,
                Outcome::Failed,
                Some(&actor),
                detail,
            )?;
            return Ok(None);
        };
        let code_m: MunicipalityCode = format!("{m:06}")
            .parse()
            .map_err(|_| corrupt("enrolment municipality"))?;
        let principal = Principal::Municipality(code_m);
        if self.login_taken(login)? {
            return Err(StoreError::Account(AccountError::LoginTaken {
                login: login.clone(),
            }));
        }
        credentials::check_password(password)
            .map_err(|reason| StoreError::Account(AccountError::Password { reason }))?;
        let password_hash = credentials::hash_password(&self.keys, password)?;
        let secret = &self.keys.random_32()?[..credentials::TOTP_SECRET_LEN];
        let sealed = self
            .keys
            .seal_bytes(secret, format!("totp:{login}").as_bytes())?;
        let event = AuditEvent::new(now.to_rfc3339(), principal, "enroll", Outcome::Done)
            .in_area(Some(m))
            .citing(vec![vrs_consent::grounds::USERS_MANAGED.as_str()])
            .with_detail(serde_json::json!({ "login": login, "client": client, "role": "admin" }));
        let created = UserCreated {
            login: login.clone(),
            principal,
            role: Role::Admin,
            my_number_handler: false,
            totp_secret: Some(credentials::base32(secret)),
        };
        if let Db::Postgres(pg) = &self.db {
            let used = pg.redeem_enrolment(
                &self.keys,
                &hash,
                unix,
                login,
                m,
                &password_hash,
                &sealed,
                &event,
                &actor,
            )?;
            return Ok(used.then_some(created));
        }
        let tx = sqlite!(mut self, "enroll").transaction()?;
        let used = tx.execute(
            "UPDATE enrolments SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL",
            params![hash.as_slice(), unix],
        )?;
        if used != 1 {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO users (login, principal, municipality, role, my_number_handler,
                                password_hash, totp_sealed, created_at)
             VALUES (?1, ?2, ?3, 'admin', 0, ?4, ?5, ?6)",
            params![
                login.as_str(),
                principal.to_string(),
                m,
                password_hash,
                sealed,
                unix
            ],
        )?;
        audit::append_as(&tx, &self.keys, &event, Some(&actor))?;
        tx.commit()?;
        Ok(Some(created))
    }

    /// The security events since `since` (oldest first, at most `limit` newest):
    /// failed logins, bearer tokens and enrolment codes, and requests refused for
    /// reaching into another municipality's area (T1-4-3). Read-only.
    pub fn security_events(
        &self,
        since: DateTime<FixedOffset>,
        limit: u32,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        // The refusals that cite the own-area rule (grounds are stored as a JSON array).
        let own_area = format!("%\"{}\"%", vrs_consent::grounds::OWN_AREA);
        let rows = match &self.db {
            Db::Postgres(pg) => pg.security_rows(limit, &own_area)?,
            Db::Sqlite(_) => {
                let mut stmt = sqlite!(self, "security_events").prepare(
                    "SELECT seq, at, action, outcome, principal, actor, detail FROM (
                         SELECT * FROM audit_log
                         WHERE (outcome = 'failed' AND action IN ('login', 'authenticate', 'enroll'))
                            OR (outcome = 'refused' AND grounds LIKE ?2)
                         ORDER BY seq DESC LIMIT ?1)
                     ORDER BY seq",
                )?;
                let rows = stmt.query_map(params![limit, own_area], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
        };
        let mut out = Vec::new();
        for (seq, at, outcome, principal, actor, detail) in rows {
            let at = DateTime::parse_from_rfc3339(&at).map_err(|_| corrupt("audit time"))?;
            if at < since {
                continue;
            }
            let detail: serde_json::Value =
                serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null);
            let text = |k: &str| detail.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            out.push(SecurityEvent {
                seq,
                at,
                kind: if outcome == Outcome::Refused.as_str() {
                    SecurityEventKind::CrossPartitionRefusal
                } else {
                    SecurityEventKind::AuthFailure
                },
                principal,
                actor,
                login: text("login"),
                client: text("client"),
            });
        }
        Ok(out)
    }
}
