//! Issuer keys, revocation secrets and revocation lists on PostgreSQL (as
//! `crate::keys`), and the barcode signer's sealed settings. A municipality's
//! keys are read and written in its area; what names only a key id (its
//! revocation list, published to everyone) is read in the national scope.

use vrs_consent::Allowed;
use vrs_domain::MunicipalityCode;

use super::{audit, Pg, Scope};
use crate::keys::{crl_version_key, PublicKeyRecord, RevocationRecord};
use crate::residents::event;
use crate::{AuditEvent, Keyring, StoreError};

fn code(m: MunicipalityCode) -> i32 {
    m.as_u32() as i32
}

/// `kid`'s revocation list version, as on SQLite: the kept setting, else one
/// more than its rows.
fn crl_version(tx: &mut postgres::Transaction<'_>, kid: &str) -> Result<u64, StoreError> {
    let kept: Option<String> = tx
        .query_opt(
            "SELECT value FROM settings WHERE key = $1",
            &[&crl_version_key(kid)],
        )?
        .map(|r| r.get(0));
    let v: i64 = match kept {
        Some(v) => v.parse().map_err(|_| StoreError::Corrupt {
            what: format!("revocation list version {v:?} of key {kid}"),
        })?,
        None => tx
            .query_one(
                "SELECT 1 + count(*) FROM revocations WHERE kid = $1",
                &[&kid],
            )?
            .get(0),
    };
    u64::try_from(v).map_err(|_| StoreError::Corrupt {
        what: format!("revocation list version {v} of key {kid}"),
    })
}

impl Pg {
    /// The active key of `m` as (kid, sealed private key).
    pub(crate) fn active_issuer_key(
        &self,
        m: MunicipalityCode,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let row = tx.query_opt(
            "SELECT kid, sealed_private FROM issuer_keys
             WHERE municipality = $1 AND retired_at IS NULL",
            &[&code(m)],
        )?;
        tx.commit()?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// Retires `m`'s active key (when `retire`) and stores a new one, with the
    /// audit event, in one transaction; returns the retired key's id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn store_issuer_key(
        &self,
        keys: &Keyring,
        m: MunicipalityCode,
        ev: &AuditEvent<'_>,
        retire: bool,
        kid: &str,
        sealed: &[u8],
        public_jwk: &str,
        at: &str,
    ) -> Result<Option<String>, StoreError> {
        // The operator's event is in its own chain: the national scope.
        let scope = match ev.municipality {
            Some(e) if e == m.as_u32() => Scope::Area(m),
            _ => Scope::National,
        };
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope)?;
        let old: Option<String> = if retire {
            tx.query_opt(
                "SELECT kid FROM issuer_keys WHERE municipality = $1 AND retired_at IS NULL",
                &[&code(m)],
            )?
            .map(|r| r.get(0))
        } else {
            None
        };
        let mut ev = ev.clone();
        if retire {
            ev.detail = serde_json::json!({ "municipality": m, "retired": old, "new": kid });
        }
        let seq = audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        if retire {
            tx.execute(
                "UPDATE issuer_keys SET retired_at = $2, sealed_private = NULL
                 WHERE municipality = $1 AND retired_at IS NULL",
                &[&code(m), &at],
            )?;
        }
        tx.execute(
            "INSERT INTO issuer_keys (kid, municipality, public_jwk, sealed_private, created_at, audit_seq)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&kid, &code(m), &public_jwk, &sealed, &at, &seq],
        )?;
        tx.commit()?;
        Ok(old)
    }

    /// Every public key of `m`, oldest first.
    pub(crate) fn issuer_public_keys(
        &self,
        m: MunicipalityCode,
    ) -> Result<Vec<PublicKeyRecord>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let rows = tx.query(
            "SELECT k.kid, k.public_jwk, k.created_at, k.retired_at,
                    (SELECT count(*) FROM revocations r
                     WHERE r.municipality = k.municipality AND r.kid = k.kid)
             FROM issuer_keys k WHERE k.municipality = $1 ORDER BY k.created_at, k.kid",
            &[&code(m)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let kid: String = r.get(0);
            let crl_version = crl_version(&mut tx, &kid)?;
            out.push(PublicKeyRecord {
                kid,
                public_jwk: r.get(1),
                created_at: r.get(2),
                retired_at: r.get(3),
                revocations: r.get::<_, i64>(4) as u64,
                crl_version,
            });
        }
        tx.commit()?;
        Ok(out)
    }

    /// When `rid` was listed on `kid`'s revocation list, if it is (national:
    /// revocation lists are public).
    pub(crate) fn revoked_at(&self, kid: &str, rid: &str) -> Result<Option<String>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let row = tx.query_opt(
            "SELECT revoked_at FROM revocations WHERE kid = $1 AND rid = $2",
            &[&kid, &rid],
        )?;
        tx.commit()?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The version of `kid`'s revocation list.
    pub(crate) fn crl_version(&self, kid: &str) -> Result<u64, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let v = crl_version(&mut tx, kid)?;
        tx.commit()?;
        Ok(v)
    }

    /// Every municipality with issuer keys.
    pub(crate) fn issuers(&self) -> Result<Vec<u32>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let rows = tx.query(
            "SELECT DISTINCT municipality FROM issuer_keys ORDER BY municipality",
            &[],
        )?;
        tx.commit()?;
        Ok(rows.iter().map(|r| r.get::<_, i32>(0) as u32).collect())
    }

    /// `m`'s sealed revocation-id secret, kept as `fresh` when it has none;
    /// returns the sealed secret in force.
    pub(crate) fn revocation_secret(
        &self,
        m: MunicipalityCode,
        fresh: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        tx.execute(
            "INSERT INTO revocation_secrets (municipality, sealed) VALUES ($1, $2)
             ON CONFLICT (municipality) DO NOTHING",
            &[&code(m), &fresh],
        )?;
        let sealed: Vec<u8> = tx
            .query_one(
                "SELECT sealed FROM revocation_secrets WHERE municipality = $1",
                &[&code(m)],
            )?
            .get(0);
        tx.commit()?;
        Ok(sealed)
    }

    /// The revocations of one key, oldest first (national: the list is public).
    pub(crate) fn revocations(&self, kid: &str) -> Result<Vec<RevocationRecord>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let rows = tx.query(
            "SELECT rid, revoked_at, reason FROM revocations WHERE kid = $1
             ORDER BY revoked_at, rid",
            &[&kid],
        )?;
        tx.commit()?;
        Ok(rows
            .iter()
            .map(|r| RevocationRecord {
                rid: r.get(0),
                revoked_at: r.get(1),
                reason: r.get(2),
            })
            .collect())
    }

    /// Sets and deletes settings with an audit event, in one transaction
    /// (the barcode signer's sealed key and certificate).
    pub(crate) fn put_settings_audited(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        detail: serde_json::Value,
        set: &[(&str, String)],
        delete: &[&str],
    ) -> Result<(), StoreError> {
        let scope = allowed.partition().map_or(Scope::National, Scope::Area);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope)?;
        audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        for (k, v) in set {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[k, v],
            )?;
        }
        for k in delete {
            tx.execute("DELETE FROM settings WHERE key = $1", &[k])?;
        }
        tx.commit()?;
        Ok(())
    }
}
