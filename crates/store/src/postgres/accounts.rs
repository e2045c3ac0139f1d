//! Users, devices and enrolment codes on PostgreSQL (as `crate::accounts`):
//! the same rows, answers and audit events; a municipality's rows in its area,
//! users without an area (municipality 0) and enrolment codes in the national
//! scope.

use chrono::FixedOffset;
use postgres::Transaction;
use vrs_consent::Allowed;
use vrs_domain::{Login, MunicipalityCode};

use super::{audit, Pg, Scope};
use crate::accounts::{device_record, user_area, AccountError, NewUser, UserRow};
use crate::residents::event;
use crate::{Keyring, StoreError};

/// The municipality column of an area (0: no area).
pub(super) fn area_col(area: Option<MunicipalityCode>) -> i32 {
    area.map_or(0, |m| m.as_u32() as i32)
}

/// The scope that sees an area's rows.
pub(super) fn scope_of(area: Option<MunicipalityCode>) -> Scope {
    area.map_or(Scope::National, Scope::Area)
}

/// Whether a database error is a unique violation.
pub(super) fn is_unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
}

/// Inserts a user and its login; a login taken meanwhile is [`AccountError::LoginTaken`].
#[allow(clippy::too_many_arguments)]
pub(super) fn insert_user(
    tx: &mut Transaction<'_>,
    login: &Login,
    principal: &str,
    area: i32,
    role: &str,
    handler: bool,
    hash: &str,
    sealed: Option<&[u8]>,
    created_at: i64,
) -> Result<(), StoreError> {
    tx.execute("SAVEPOINT login", &[])?;
    match tx.execute(
        "INSERT INTO user_logins (login, municipality) VALUES ($1, $2)",
        &[&login.as_str(), &area],
    ) {
        Ok(_) => tx.execute("RELEASE SAVEPOINT login", &[])?,
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Account(AccountError::LoginTaken {
                login: login.clone(),
            }))
        }
        Err(e) => return Err(e.into()),
    };
    tx.execute(
        "INSERT INTO users (login, principal, municipality, role, my_number_handler,
                            password_hash, totp_sealed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &login.as_str(),
            &principal,
            &area,
            &role,
            &handler,
            &hash,
            &sealed,
            &created_at,
        ],
    )?;
    Ok(())
}

fn user_row(r: &postgres::Row) -> UserRow {
    UserRow {
        login: r.get(0),
        principal: r.get(1),
        role: r.get(2),
        my_number_handler: r.get(3),
        totp: r.get(4),
        disabled: r.get(5),
        locked_until: r.get(6),
        created_at: r.get(7),
    }
}

const USER_COLUMNS: &str = "login, principal, role, my_number_handler, totp_sealed IS NOT NULL,
    disabled, locked_until, created_at";

impl Pg {
    /// Whether a login is taken anywhere in the country (a national read of
    /// the login directory, which holds no secret).
    pub(crate) fn login_taken(&self, login: &Login) -> Result<bool, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let taken = tx
            .query_opt(
                "SELECT 1 FROM user_logins WHERE login = $1",
                &[&login.as_str()],
            )?
            .is_some();
        tx.commit()?;
        Ok(taken)
    }

    /// Adds a user (credentials made by the caller) with its audit event.
    pub(crate) fn add_user(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        new: NewUser<'_>,
        hash: &str,
        sealed: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let area = user_area(new.principal);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        insert_user(
            &mut tx,
            new.login,
            &new.principal.to_string(),
            area_col(area),
            new.role.as_str(),
            new.my_number_handler,
            hash,
            sealed,
            allowed.as_of().timestamp(),
        )?;
        let detail = serde_json::json!({
            "op": "add_user",
            "login": new.login,
            "user_principal": new.principal,
            "role": new.role,
            "my_number_handler": new.my_number_handler,
        });
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(())
    }

    /// The users of the proof's area, by login, the listing audited.
    pub(crate) fn list_users(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
    ) -> Result<Vec<UserRow>, StoreError> {
        let area = allowed.partition();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        let rows = tx.query(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE municipality = $1 ORDER BY login"),
            &[&area_col(area)],
        )?;
        let users: Vec<UserRow> = rows.iter().map(user_row).collect();
        let detail = serde_json::json!({ "op": "list_users", "users": users.len() });
        audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.commit()?;
        Ok(users)
    }

    /// A user of the proof's area.
    pub(crate) fn user_of_area(
        &self,
        allowed: &Allowed,
        login: &Login,
    ) -> Result<UserRow, StoreError> {
        let area = allowed.partition();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        let row = tx.query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1 AND municipality = $2"),
            &[&login.as_str(), &area_col(area)],
        )?;
        tx.commit()?;
        row.as_ref().map(user_row).ok_or_else(|| {
            StoreError::Account(AccountError::NoSuchUser {
                login: login.clone(),
            })
        })
    }

    /// Changes a user of the proof's area (disable, or new credentials) and
    /// ends its sessions, with the audit event; returns the sessions ended.
    pub(crate) fn update_user(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        login: &Login,
        credentials: Option<(&str, Option<&[u8]>)>,
    ) -> Result<u64, StoreError> {
        let area = allowed.partition();
        let m = area_col(area);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        let op = match credentials {
            None => {
                tx.execute(
                    "UPDATE users SET disabled = true WHERE login = $1 AND municipality = $2",
                    &[&login.as_str(), &m],
                )?;
                "disable_user"
            }
            Some((hash, sealed)) => {
                tx.execute(
                    "UPDATE users SET password_hash = $3, totp_sealed = $4, totp_last_step = NULL,
                                      failed_logins = 0, locked_until = NULL
                     WHERE login = $1 AND municipality = $2",
                    &[&login.as_str(), &m, &hash, &sealed],
                )?;
                "reset_password"
            }
        };
        let ended = tx.execute(
            "UPDATE sessions SET revoked = true
             WHERE municipality = $2 AND NOT revoked
               AND user_id = (SELECT id FROM users WHERE login = $1 AND municipality = $2)",
            &[&login.as_str(), &m],
        )?;
        let detail = serde_json::json!({ "op": op, "login": login, "sessions_ended": ended });
        audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.commit()?;
        Ok(ended)
    }

    /// Keeps an enrolment code's hash (national) with its audit event.
    pub(crate) fn issue_enrolment(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        municipality: MunicipalityCode,
        code_hash: &[u8],
        expires: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        tx.execute(
            "INSERT INTO enrolments (code_hash, municipality, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[
                &code_hash,
                &(municipality.as_u32() as i32),
                &allowed.as_of().timestamp(),
                &expires,
            ],
        )?;
        let detail = serde_json::json!({ "op": "issue_enrolment", "expires_at": expires });
        audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Registers a device of `municipality`; returns its ID.
    pub(crate) fn add_device(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        municipality: MunicipalityCode,
        name: &str,
        token_hash: &[u8],
    ) -> Result<i64, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let device: i64 = tx
            .query_one(
                "INSERT INTO devices (municipality, name, token_hash, created_at)
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    &(municipality.as_u32() as i32),
                    &name,
                    &token_hash,
                    &allowed.as_of().timestamp(),
                ],
            )?
            .get(0);
        let detail = serde_json::json!({ "op": "add_device", "device": device, "name": name });
        audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.commit()?;
        Ok(device)
    }

    /// The devices of the proof's area, by ID, the listing audited.
    pub(crate) fn list_devices(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        offset: FixedOffset,
    ) -> Result<Vec<crate::DeviceRecord>, StoreError> {
        let area = allowed.partition();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        let rows = tx.query(
            "SELECT id, municipality, name, created_at, revoked_at FROM devices
             WHERE municipality = $1 ORDER BY id",
            &[&area_col(area)],
        )?;
        let devices = rows
            .iter()
            .map(|r| {
                device_record(
                    r.get(0),
                    i64::from(r.get::<_, i32>(1)),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    offset,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let detail = serde_json::json!({ "op": "list_devices", "devices": devices.len() });
        audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.commit()?;
        Ok(devices)
    }

    /// Revokes a device of the proof's area (keeping a first revocation time).
    pub(crate) fn revoke_device(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        device: i64,
        offset: FixedOffset,
    ) -> Result<crate::DeviceRecord, StoreError> {
        let area = allowed.partition();
        let m = area_col(area);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        let row = tx.query_opt(
            "UPDATE devices SET revoked_at = coalesce(revoked_at, $3)
             WHERE id = $1 AND municipality = $2
             RETURNING municipality, name, created_at, revoked_at",
            &[&device, &m, &allowed.as_of().timestamp()],
        )?;
        let Some(r) = row else {
            return Err(StoreError::Account(AccountError::NoSuchDevice {
                id: device,
            }));
        };
        let detail = serde_json::json!({ "op": "revoke_device", "device": device });
        audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.commit()?;
        device_record(
            device,
            i64::from(r.get::<_, i32>(0)),
            r.get(1),
            r.get(2),
            r.get(3),
            offset,
        )
    }
}
