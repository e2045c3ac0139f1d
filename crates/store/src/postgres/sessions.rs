//! Signing in on PostgreSQL (as `crate::sessions`): logins, lockout counters,
//! sessions, device tokens, logout and enrolment. A login, a bearer token or
//! an enrolment code names no area, so those reads run in the national scope;
//! the writes that follow run in the account's area.

use vrs_domain::Login;

use super::accounts::{area_col, insert_user, scope_of};
use super::{audit, Pg, Scope};
use crate::{AuditEvent, Keyring, StoreError};

/// A users row as needed to sign in: id, principal, area, role, My Number
/// handler, password hash, sealed TOTP secret, last TOTP step, disabled,
/// locked until.
pub(crate) type AccountRow = (
    i64,
    String,
    Option<u32>,
    String,
    bool,
    String,
    Option<Vec<u8>>,
    Option<i64>,
    bool,
    Option<i64>,
);

/// A session joined with its user: last seen, expiry, revoked, login,
/// principal, role, My Number handler, disabled.
pub(crate) type SessionRow = (i64, i64, bool, String, String, String, bool, bool);

/// An audit event as the security events read it: seq, at, outcome,
/// principal, actor, detail.
pub(crate) type SecurityRow = (i64, String, String, String, Option<String>, String);

/// The area column of an event's municipality as an area.
fn area_of(m: Option<u32>) -> Result<Option<vrs_domain::MunicipalityCode>, StoreError> {
    m.map(|m| {
        vrs_domain::MunicipalityCode::from_u32(m).map_err(|e| StoreError::Corrupt {
            what: e.to_string(),
        })
    })
    .transpose()
}

impl Pg {
    /// The account of a login, wherever its area (national read).
    pub(crate) fn account_row(&self, login: &Login) -> Result<Option<AccountRow>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let row = tx.query_opt(
            "SELECT id, principal, municipality, role, my_number_handler, password_hash,
                    totp_sealed, totp_last_step, disabled, locked_until
             FROM users WHERE login = $1",
            &[&login.as_str()],
        )?;
        tx.commit()?;
        Ok(row.map(|r| {
            let m: i32 = r.get(2);
            (
                r.get(0),
                r.get(1),
                (m != 0).then_some(m as u32),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
                r.get(8),
                r.get(9),
            )
        }))
    }

    /// Appends one event recording `actor`, in its own transaction.
    pub(crate) fn append_as(
        &self,
        keys: &Keyring,
        event: &AuditEvent<'_>,
        actor: Option<&str>,
    ) -> Result<(), StoreError> {
        let scope = scope_of(area_of(event.municipality)?);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope)?;
        audit::append(&mut tx, keys, event, actor, None)?;
        tx.commit()?;
        Ok(())
    }

    /// A successful login: clears the failure count, records the TOTP step,
    /// keeps the session's token hash, audits it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open_session(
        &self,
        keys: &Keyring,
        user: i64,
        area: Option<u32>,
        step: Option<i64>,
        token_hash: &[u8],
        now: i64,
        expires: i64,
        event: &AuditEvent<'_>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let area = area_of(area)?;
        let m = area_col(area);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        tx.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL,
                              totp_last_step = coalesce($3, totp_last_step)
             WHERE id = $1 AND municipality = $2",
            &[&user, &m, &step],
        )?;
        tx.execute(
            "INSERT INTO sessions (municipality, token_hash, user_id, created_at, last_seen, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
            &[&m, &token_hash, &user, &now, &expires],
        )?;
        audit::append(&mut tx, keys, event, Some(actor), None)?;
        tx.commit()?;
        Ok(())
    }

    /// A failed login: counts it unless `count` is false (the account is
    /// locked already), locks the account at the fifth failure in a row, and
    /// audits the failure and (when it locked now) the lockout.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fail_login(
        &self,
        keys: &Keyring,
        user: i64,
        area: Option<u32>,
        now: i64,
        count: bool,
        failed: &AuditEvent<'_>,
        lockout: &AuditEvent<'_>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let area = area_of(area)?;
        let m = area_col(area);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        let mut locked_now = false;
        if count {
            // A lock that has run out starts a new count.
            let failures: i64 = tx
                .query_one(
                    "UPDATE users SET
                         failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $3
                                              THEN 1 ELSE failed_logins + 1 END,
                         locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $3
                                             THEN NULL ELSE locked_until END
                     WHERE id = $1 AND municipality = $2 RETURNING failed_logins",
                    &[&user, &m, &now],
                )?
                .get(0);
            if failures >= crate::MAX_FAILED_LOGINS {
                locked_now = tx.execute(
                    "UPDATE users SET locked_until = $3
                     WHERE id = $1 AND municipality = $2 AND locked_until IS NULL",
                    &[&user, &m, &(now + crate::LOCKOUT_SECS)],
                )? > 0;
            }
        }
        audit::append(&mut tx, keys, failed, Some(actor), None)?;
        if locked_now {
            audit::append(&mut tx, keys, lockout, Some(actor), None)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The session of a token hash with its user (national read).
    pub(crate) fn session_row(&self, hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let row = tx.query_opt(
            "SELECT s.last_seen, s.expires_at, s.revoked, u.login, u.principal, u.role,
                    u.my_number_handler, u.disabled
             FROM sessions s JOIN users u ON u.municipality = s.municipality AND u.id = s.user_id
             WHERE s.token_hash = $1",
            &[&hash],
        )?;
        tx.commit()?;
        Ok(row.map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
            )
        }))
    }

    /// Records that a session was used now.
    pub(crate) fn touch_session(&self, hash: &[u8], now: i64) -> Result<(), StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        tx.execute(
            "UPDATE sessions SET last_seen = $2 WHERE token_hash = $1",
            &[&hash, &now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The device of a token hash: ID, municipality, revoked at (national read).
    pub(crate) fn device_row(
        &self,
        hash: &[u8],
    ) -> Result<Option<(i64, u32, Option<i64>)>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let row = tx.query_opt(
            "SELECT id, municipality, revoked_at FROM devices WHERE token_hash = $1",
            &[&hash],
        )?;
        tx.commit()?;
        Ok(row.map(|r| (r.get(0), r.get::<_, i32>(1) as u32, r.get(2))))
    }

    /// Ends a session (logout) with its audit event.
    pub(crate) fn end_session(
        &self,
        keys: &Keyring,
        hash: &[u8],
        event: &AuditEvent<'_>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let area = area_of(event.municipality)?;
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(area))?;
        tx.execute(
            "UPDATE sessions SET revoked = true WHERE municipality = $2 AND token_hash = $1",
            &[&hash, &area_col(area)],
        )?;
        audit::append(&mut tx, keys, event, Some(actor), None)?;
        tx.commit()?;
        Ok(())
    }

    /// The municipality of a live, unused enrolment code (national read).
    pub(crate) fn enrolment_of(&self, hash: &[u8], now: i64) -> Result<Option<u32>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let row = tx.query_opt(
            "SELECT municipality FROM enrolments
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
            &[&hash, &now],
        )?;
        tx.commit()?;
        Ok(row.map(|r| r.get::<_, i32>(0) as u32))
    }

    /// Redeems an enrolment code once: marks it used and adds the
    /// municipality's first administrator, with the audit event. `false`: the
    /// code was used meanwhile (nothing written).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn redeem_enrolment(
        &self,
        keys: &Keyring,
        hash: &[u8],
        now: i64,
        login: &Login,
        municipality: u32,
        password_hash: &str,
        sealed: &[u8],
        event: &AuditEvent<'_>,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.client.borrow_mut();
        // The code is national; the new user and the event are in its area.
        let mut tx = super::begin(&mut client, Scope::National)?;
        let used = tx.execute(
            "UPDATE enrolments SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
            &[&hash, &now],
        )?;
        if used != 1 {
            return Ok(false);
        }
        let principal = event.principal.clone();
        insert_user(
            &mut tx,
            login,
            &principal,
            municipality as i32,
            "admin",
            false,
            password_hash,
            Some(sealed),
            now,
        )?;
        audit::append(&mut tx, keys, event, Some(actor), None)?;
        tx.commit()?;
        Ok(true)
    }

    /// The newest `limit` sign-in failures and own-area refusals (grounds
    /// matching `own_area`), oldest first: seq, at, outcome, principal, actor,
    /// detail.
    pub(crate) fn security_rows(
        &self,
        limit: u32,
        own_area: &str,
    ) -> Result<Vec<SecurityRow>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let rows = tx.query(
            "SELECT seq, at, outcome, principal, actor, detail FROM (
                 SELECT * FROM audit_log
                 WHERE (outcome = 'failed' AND action IN ('login', 'authenticate', 'enroll'))
                    OR (outcome = 'refused' AND grounds LIKE $2)
                 ORDER BY seq DESC LIMIT $1) newest
             ORDER BY seq",
            &[&i64::from(limit), &own_area],
        )?;
        tx.commit()?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
            .collect())
    }
}
