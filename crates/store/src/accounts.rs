//! Users, devices and enrolment codes as their municipality (or the operator)
//! manages them (T1-9-1): every method takes the `Allowed` proof of the
//! management action and is scoped to the area it names.

use chrono::{DateTime, FixedOffset, TimeZone};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use vrs_consent::{Action, Allowed};
use vrs_domain::{Login, MunicipalityCode, Principal, Role};

use crate::credentials::{self, base32, hash_password, new_token, token_hash};
use crate::residents::event;
use crate::{audit, Db, Store, StoreError};

/// How many failed logins in a row lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked, in seconds (15 minutes).
pub const LOCKOUT_SECS: i64 = 15 * 60;
/// A session ends after this many seconds without a request (30 minutes).
pub const SESSION_IDLE_SECS: i64 = 30 * 60;
/// A session ends this many seconds after login, whatever its use (8 hours).
pub const SESSION_ABSOLUTE_SECS: i64 = 8 * 3600;
/// An enrolment code is valid this many seconds (72 hours).
pub const ENROLMENT_SECS: i64 = 72 * 3600;
/// The longest device name accepted, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 100;

pub(crate) const SESSION_PREFIX: &str = "vrss_";
pub(crate) const DEVICE_PREFIX: &str = "vrsd_";
pub(crate) const ENROLMENT_PREFIX: &str = "vrse_";

/// Bad input to account management: the message names the field and reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The login is already used by another user.
    #[error("login: {login} is already taken")]
    LoginTaken {
        /// The login asked for.
        login: Login,
    },
    /// The new password is not acceptable.
    #[error("password: {reason}")]
    Password {
        /// Why.
        reason: String,
    },
    /// No user of that login in the area managed.
    #[error("login: no user {login} in this area")]
    NoSuchUser {
        /// The login asked for.
        login: Login,
    },
    /// No device of that ID in the area managed.
    #[error("device: no device {id} in this area")]
    NoSuchDevice {
        /// The device ID asked for.
        id: i64,
    },
    /// A device name that is empty, too long or holds control characters.
    #[error("name: {reason}")]
    DeviceName {
        /// Why.
        reason: String,
    },
    /// A user's principal that cannot sign in (a site is a device's principal).
    #[error("principal: {principal} cannot be a user's principal: {reason}")]
    Principal {
        /// The principal asked for.
        principal: Principal,
        /// Why.
        reason: &'static str,
    },
}

/// A new user to add.
#[derive(Clone, Copy)]
pub struct NewUser<'a> {
    /// The principal the user acts as.
    pub principal: Principal,
    /// Its login.
    pub login: &'a Login,
    /// Its role.
    pub role: Role,
    /// Whether it is a designated My Number handler (M-4-2).
    pub my_number_handler: bool,
    /// Its password (checked, then hashed with argon2id; never stored).
    pub password: &'a str,
}

impl std::fmt::Debug for NewUser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("principal", &self.principal)
            .field("login", &self.login)
            .field("role", &self.role)
            .field("my_number_handler", &self.my_number_handler)
            .finish_non_exhaustive()
    }
}

/// A user just created (or whose credentials were reset): the TOTP secret is
/// shown this once, in base32 (`null` for a viewer without TOTP).
#[derive(Clone, Serialize)]
pub struct UserCreated {
    /// The login.
    pub login: Login,
    /// The principal it acts as.
    pub principal: Principal,
    /// Its role.
    pub role: Role,
    /// Whether it is a designated My Number handler.
    pub my_number_handler: bool,
    /// The TOTP secret, base32 (RFC 4648, no padding), for the authenticator app.
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for UserCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCreated")
            .field("login", &self.login)
            .field("principal", &self.principal)
            .field("role", &self.role)
            .field("my_number_handler", &self.my_number_handler)
            .field(
                "totp_secret",
                &self.totp_secret.as_ref().map(|_| "<secret>"),
            )
            .finish()
    }
}

/// A user as listed (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    /// The login.
    pub login: Login,
    /// The principal it acts as.
    pub principal: Principal,
    /// Its role.
    pub role: Role,
    /// Whether it is a designated My Number handler.
    pub my_number_handler: bool,
    /// Whether it has a TOTP secret.
    pub totp: bool,
    /// Whether it was disabled (it cannot sign in).
    pub disabled: bool,
    /// Until when it is locked after failed logins, if it is now.
    pub locked_until: Option<DateTime<FixedOffset>>,
    /// When it was created.
    pub created_at: DateTime<FixedOffset>,
}

/// A device just registered: its token is shown this once.
#[derive(Clone, Serialize)]
pub struct DeviceCreated {
    /// The device's ID.
    pub device: i64,
    /// Its bearer token.
    pub token: String,
}

impl std::fmt::Debug for DeviceCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCreated")
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

/// A device as listed (no token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRecord {
    /// The device's ID.
    pub device: i64,
    /// The principal it acts as (`site:CODE`).
    pub principal: Principal,
    /// Its name.
    pub name: String,
    /// When it was registered.
    pub created_at: DateTime<FixedOffset>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<FixedOffset>>,
}

/// A one-time enrolment code for a municipality's first administrator.
#[derive(Clone, Serialize)]
pub struct EnrolmentCode {
    /// The code (shown once; only its hash is kept).
    pub code: String,
    /// The municipality whose administrator redeems it.
    pub municipality: MunicipalityCode,
    /// Until when it can be redeemed.
    pub expires_at: DateTime<FixedOffset>,
}

impl std::fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolmentCode")
            .field("municipality", &self.municipality)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The area a user of `principal` belongs to (`None`: no area).
pub fn user_area(principal: Principal) -> Option<MunicipalityCode> {
    match principal {
        Principal::Municipality(m) | Principal::Site(m) => Some(m),
        Principal::Prefecture(_) | Principal::National | Principal::Operator => None,
    }
}

pub(crate) fn time(unix: i64, offset: FixedOffset) -> Result<DateTime<FixedOffset>, StoreError> {
    offset
        .timestamp_opt(unix, 0)
        .single()
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("time {unix} out of range"),
        })
}

fn parse_col<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt {
        what: format!("{what}: {s:?}"),
    })
}

fn check_proof(allowed: &Allowed, action: Action) -> Result<(), StoreError> {
    if allowed.action() == action {
        Ok(())
    } else {
        Err(StoreError::WrongProof {
            expected: action.as_str(),
            got: allowed.action().as_str(),
        })
    }
}

fn area_sql(area: Option<MunicipalityCode>) -> Option<i64> {
    area.map(|m| i64::from(m.as_u32()))
}

/// Seals a TOTP secret under the data key, bound to the login.
fn seal_totp(store: &Store, login: &Login, secret: &[u8]) -> Result<Vec<u8>, StoreError> {
    store
        .keys
        .seal_bytes(secret, format!("totp:{login}").as_bytes())
}

/// Opens a sealed TOTP secret of `login`.
pub(crate) fn open_totp(store: &Store, login: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
    store
        .keys
        .open_bytes(sealed, format!("totp:{login}").as_bytes())
}

/// A new user's credentials: the password hash, the sealed TOTP secret and
/// its base32 form to show once (both `None` without TOTP).
struct Credentials {
    hash: String,
    sealed: Option<Vec<u8>>,
    secret: Option<String>,
}

impl Store {
    /// Makes the credentials of a new (or reset) user: the argon2id hash and,
    /// for roles that need it or when `totp` asks, a sealed TOTP secret.
    fn credentials_for(
        &self,
        login: &Login,
        role: Role,
        password: &str,
    ) -> Result<Credentials, StoreError> {
        credentials::check_password(password)
            .map_err(|reason| StoreError::Account(AccountError::Password { reason }))?;
        let hash = hash_password(&self.keys, password)?;
        if !role.requires_totp() {
            return Ok(Credentials {
                hash,
                sealed: None,
                secret: None,
            });
        }
        let secret = &self.keys.random_32()?[..credentials::TOTP_SECRET_LEN];
        Ok(Credentials {
            hash,
            sealed: Some(seal_totp(self, login, secret)?),
            secret: Some(base32(secret)),
        })
    }

    /// Adds a user of the area the proof names (T1-9-1). The login must be free;
    /// the password is checked and hashed; a TOTP secret is made for admins and clerks.
    pub fn add_user(
        &mut self,
        allowed: &Allowed,
        new: NewUser<'_>,
    ) -> Result<UserCreated, StoreError> {
        check_proof(allowed, Action::ManageUsers)?;
        if let Principal::Site(_) = new.principal {
            return Err(StoreError::Account(AccountError::Principal {
                principal: new.principal,
                reason: "a vaccination site acts through its registered devices",
            }));
        }
        if user_area(new.principal) != allowed.partition() {
            return Err(StoreError::WrongProof {
                expected: "the new user's area",
                got: "another area",
            });
        }
        if self.login_taken(new.login)? {
            return Err(StoreError::Account(AccountError::LoginTaken {
                login: new.login.clone(),
            }));
        }
        let Credentials {
            hash,
            sealed,
            secret,
        } = self.credentials_for(new.login, new.role, new.password)?;
        let now = allowed.as_of();
        if let Db::Postgres(pg) = &self.db {
            pg.add_user(&self.keys, allowed, new, &hash, sealed.as_deref())?;
            return Ok(UserCreated {
                login: new.login.clone(),
                principal: new.principal,
                role: new.role,
                my_number_handler: new.my_number_handler,
                totp_secret: secret,
            });
        }
        let tx = sqlite!(mut self, "add_user").transaction()?;
        tx.execute(
            "INSERT INTO users (login, principal, municipality, role, my_number_handler,
                                password_hash, totp_sealed, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.login.as_str(),
                new.principal.to_string(),
                area_sql(user_area(new.principal)),
                new.role.as_str(),
                new.my_number_handler,
                hash,
                sealed,
                now.timestamp(),
            ],
        )?;
        let detail = serde_json::json!({
            "op": "add_user",
            "login": new.login,
            "user_principal": new.principal,
            "role": new.role,
            "my_number_handler": new.my_number_handler,
        });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(UserCreated {
            login: new.login.clone(),
            principal: new.principal,
            role: new.role,
            my_number_handler: new.my_number_handler,
            totp_secret: secret,
        })
    }

    /// The users of the area the proof names (for the operator: the users
    /// without an area), by login. The listing is audited.
    pub fn list_users(&mut self, allowed: &Allowed) -> Result<Vec<UserRecord>, StoreError> {
        check_proof(allowed, Action::ManageUsers)?;
        let offset = *allowed.as_of().offset();
        let now = allowed.as_of().timestamp();
        if let Db::Postgres(pg) = &self.db {
            return pg
                .list_users(&self.keys, allowed)?
                .into_iter()
                .map(|r| r.record(now, offset))
                .collect();
        }
        let rows: Vec<UserRow> = {
            let mut stmt = sqlite!(mut self, "list_users").prepare(
                "SELECT login, principal, role, my_number_handler, totp_sealed IS NOT NULL,
                        disabled, locked_until, created_at
                 FROM users WHERE municipality IS ?1 ORDER BY login",
            )?;
            let rows = stmt.query_map([area_sql(allowed.partition())], UserRow::read)?;
            rows.collect::<Result<_, _>>()?
        };
        let users = rows
            .into_iter()
            .map(|r| r.record(now, offset))
            .collect::<Result<Vec<_>, _>>()?;
        let tx = sqlite!(mut self, "list_users").transaction()?;
        let detail = serde_json::json!({ "op": "list_users", "users": users.len() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(users)
    }

    /// Whether a login is taken by any user (in any area).
    pub(crate) fn login_taken(&self, login: &Login) -> Result<bool, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.login_taken(login);
        }
        Ok(sqlite!(self, "login_taken").query_row(
            "SELECT count(*) FROM users WHERE login = ?1",
            [login.as_str()],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?)
    }

    fn user_of_area(&self, allowed: &Allowed, login: &Login) -> Result<UserRow, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.user_of_area(allowed, login);
        }
        sqlite!(self, "user_of_area")
            .query_row(
                "SELECT login, principal, role, my_number_handler, totp_sealed IS NOT NULL,
                        disabled, locked_until, created_at
                 FROM users WHERE login = ?1 AND municipality IS ?2",
                params![login.as_str(), area_sql(allowed.partition())],
                UserRow::read,
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::Account(AccountError::NoSuchUser {
                    login: login.clone(),
                })
            })
    }

    /// Disables a user of the area: it cannot sign in, and its sessions end now.
    pub fn disable_user(
        &mut self,
        allowed: &Allowed,
        login: &Login,
    ) -> Result<UserRecord, StoreError> {
        check_proof(allowed, Action::ManageUsers)?;
        let row = self.user_of_area(allowed, login)?;
        if let Db::Postgres(pg) = &self.db {
            pg.update_user(&self.keys, allowed, login, None)?;
            let mut record = row.record(allowed.as_of().timestamp(), *allowed.as_of().offset())?;
            record.disabled = true;
            return Ok(record);
        }
        let tx = sqlite!(mut self, "disable_user").transaction()?;
        tx.execute(
            "UPDATE users SET disabled = 1 WHERE login = ?1",
            [login.as_str()],
        )?;
        let ended = tx.execute(
            "UPDATE sessions SET revoked = 1
             WHERE revoked = 0 AND user_id = (SELECT id FROM users WHERE login = ?1)",
            [login.as_str()],
        )?;
        let detail =
            serde_json::json!({ "op": "disable_user", "login": login, "sessions_ended": ended });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        let mut record = row.record(allowed.as_of().timestamp(), *allowed.as_of().offset())?;
        record.disabled = true;
        Ok(record)
    }

    /// Gives a user of the area a new password and (for roles with TOTP) a new
    /// TOTP secret; clears its lockout and ends its sessions.
    pub fn reset_password(
        &mut self,
        allowed: &Allowed,
        login: &Login,
        password: &str,
    ) -> Result<UserCreated, StoreError> {
        check_proof(allowed, Action::ManageUsers)?;
        let row = self.user_of_area(allowed, login)?;
        let role: Role = parse_col(&row.role, "role")?;
        let principal: Principal = parse_col(&row.principal, "principal")?;
        let Credentials {
            hash,
            sealed,
            secret,
        } = self.credentials_for(login, role, password)?;
        if let Db::Postgres(pg) = &self.db {
            pg.update_user(&self.keys, allowed, login, Some((&hash, sealed.as_deref())))?;
            return Ok(UserCreated {
                login: login.clone(),
                principal,
                role,
                my_number_handler: row.my_number_handler,
                totp_secret: secret,
            });
        }
        let tx = sqlite!(mut self, "reset_password").transaction()?;
        tx.execute(
            "UPDATE users SET password_hash = ?2, totp_sealed = ?3, totp_last_step = NULL,
                              failed_logins = 0, locked_until = NULL
             WHERE login = ?1",
            params![login.as_str(), hash, sealed],
        )?;
        let ended = tx.execute(
            "UPDATE sessions SET revoked = 1
             WHERE revoked = 0 AND user_id = (SELECT id FROM users WHERE login = ?1)",
            [login.as_str()],
        )?;
        let detail =
            serde_json::json!({ "op": "reset_password", "login": login, "sessions_ended": ended });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(UserCreated {
            login: login.clone(),
            principal,
            role,
            my_number_handler: row.my_number_handler,
            totp_secret: secret,
        })
    }

    /// Makes a one-time enrolment code for the first administrator of the
    /// municipality the proof names; only its hash is kept.
    pub fn issue_enrolment(&mut self, allowed: &Allowed) -> Result<EnrolmentCode, StoreError> {
        check_proof(allowed, Action::IssueEnrolment)?;
        let Some(municipality) = allowed.partition() else {
            return Err(StoreError::WrongProof {
                expected: "a municipality",
                got: "none",
            });
        };
        let code = new_token(&self.keys, ENROLMENT_PREFIX)?;
        let now = allowed.as_of();
        let expires = now.timestamp() + ENROLMENT_SECS;
        if let Db::Postgres(pg) = &self.db {
            let hash = token_hash(&code);
            pg.issue_enrolment(&self.keys, allowed, municipality, &hash, expires)?;
            return Ok(EnrolmentCode {
                code,
                municipality,
                expires_at: time(expires, *now.offset())?,
            });
        }
        let tx = sqlite!(mut self, "issue_enrolment").transaction()?;
        tx.execute(
            "INSERT INTO enrolments (code_hash, municipality, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                token_hash(&code).as_slice(),
                municipality.as_u32(),
                now.timestamp(),
                expires
            ],
        )?;
        let detail = serde_json::json!({ "op": "issue_enrolment", "expires_at": expires });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(EnrolmentCode {
            code,
            municipality,
            expires_at: time(expires, *now.offset())?,
        })
    }

    /// Registers a device (tablet) of the municipality's vaccination sites; it
    /// acts as `site:CODE`. Its token is returned once; only its hash is kept.
    pub fn add_device(
        &mut self,
        allowed: &Allowed,
        name: &str,
    ) -> Result<DeviceCreated, StoreError> {
        check_proof(allowed, Action::ManageDevices)?;
        let Some(municipality) = allowed.partition() else {
            return Err(StoreError::WrongProof {
                expected: "a municipality",
                got: "none",
            });
        };
        let name = name.trim();
        let reason = if name.is_empty() {
            Some("empty".to_owned())
        } else if name.chars().count() > MAX_DEVICE_NAME_CHARS {
            Some(format!("longer than {MAX_DEVICE_NAME_CHARS} characters"))
        } else if name.chars().any(char::is_control) {
            Some("holds a control character".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(StoreError::Account(AccountError::DeviceName { reason }));
        }
        let token = new_token(&self.keys, DEVICE_PREFIX)?;
        if let Db::Postgres(pg) = &self.db {
            let hash = token_hash(&token);
            let device = pg.add_device(&self.keys, allowed, municipality, name, &hash)?;
            return Ok(DeviceCreated { device, token });
        }
        let tx = sqlite!(mut self, "add_device").transaction()?;
        tx.execute(
            "INSERT INTO devices (municipality, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                municipality.as_u32(),
                name,
                token_hash(&token).as_slice(),
                allowed.as_of().timestamp()
            ],
        )?;
        let device = tx.last_insert_rowid();
        let detail = serde_json::json!({ "op": "add_device", "device": device, "name": name });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(DeviceCreated { device, token })
    }

    /// The devices of the municipality the proof names, by ID. Audited.
    pub fn list_devices(&mut self, allowed: &Allowed) -> Result<Vec<DeviceRecord>, StoreError> {
        check_proof(allowed, Action::ManageDevices)?;
        let offset = *allowed.as_of().offset();
        if let Db::Postgres(pg) = &self.db {
            return pg.list_devices(&self.keys, allowed, offset);
        }
        let rows: Vec<(i64, i64, String, i64, Option<i64>)> = {
            let mut stmt = sqlite!(mut self, "list_devices").prepare(
                "SELECT id, municipality, name, created_at, revoked_at FROM devices
                 WHERE municipality IS ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([area_sql(allowed.partition())], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let devices = rows
            .into_iter()
            .map(|(id, m, name, created, revoked)| {
                device_record(id, m, name, created, revoked, offset)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let tx = sqlite!(mut self, "list_devices").transaction()?;
        let detail = serde_json::json!({ "op": "list_devices", "devices": devices.len() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(devices)
    }

    /// Revokes a device of the municipality: its next request fails. Revoking a
    /// revoked device keeps its first revocation time.
    pub fn revoke_device(
        &mut self,
        allowed: &Allowed,
        device: i64,
    ) -> Result<DeviceRecord, StoreError> {
        check_proof(allowed, Action::ManageDevices)?;
        let offset = *allowed.as_of().offset();
        if let Db::Postgres(pg) = &self.db {
            return pg.revoke_device(&self.keys, allowed, device, offset);
        }
        let tx = sqlite!(mut self, "revoke_device").transaction()?;
        tx.execute(
            "UPDATE devices SET revoked_at = coalesce(revoked_at, ?3)
             WHERE id = ?1 AND municipality IS ?2",
            params![
                device,
                area_sql(allowed.partition()),
                allowed.as_of().timestamp()
            ],
        )?;
        let row: Option<(i64, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT municipality, name, created_at, revoked_at FROM devices
                 WHERE id = ?1 AND municipality IS ?2",
                params![device, area_sql(allowed.partition())],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((m, name, created, revoked)) = row else {
            return Err(StoreError::Account(AccountError::NoSuchDevice {
                id: device,
            }));
        };
        let detail = serde_json::json!({ "op": "revoke_device", "device": device });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        device_record(device, m, name, created, revoked, offset)
    }
}

pub(crate) fn device_record(
    id: i64,
    municipality: i64,
    name: String,
    created: i64,
    revoked: Option<i64>,
    offset: FixedOffset,
) -> Result<DeviceRecord, StoreError> {
    let code: MunicipalityCode = parse_col(&format!("{municipality:06}"), "municipality")?;
    Ok(DeviceRecord {
        device: id,
        principal: Principal::Site(code),
        name,
        created_at: time(created, offset)?,
        revoked_at: revoked.map(|t| time(t, offset)).transpose()?,
    })
}

/// A users row as read for listing.
pub(crate) struct UserRow {
    pub(crate) login: String,
    pub(crate) principal: String,
    pub(crate) role: String,
    pub(crate) my_number_handler: bool,
    pub(crate) totp: bool,
    pub(crate) disabled: bool,
    pub(crate) locked_until: Option<i64>,
    pub(crate) created_at: i64,
}

impl UserRow {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            login: r.get(0)?,
            principal: r.get(1)?,
            role: r.get(2)?,
            my_number_handler: r.get(3)?,
            totp: r.get(4)?,
            disabled: r.get(5)?,
            locked_until: r.get(6)?,
            created_at: r.get(7)?,
        })
    }

    pub(crate) fn record(self, now: i64, offset: FixedOffset) -> Result<UserRecord, StoreError> {
        Ok(UserRecord {
            login: parse_col(&self.login, "login")?,
            principal: parse_col(&self.principal, "principal")?,
            role: parse_col(&self.role, "role")?,
            my_number_handler: self.my_number_handler,
            totp: self.totp,
            disabled: self.disabled,
            locked_until: self
                .locked_until
                .filter(|t| *t > now)
                .map(|t| time(t, offset))
                .transpose()?,
            created_at: time(self.created_at, offset)?,
        })
    }
}
