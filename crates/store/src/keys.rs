//! Certificate issuer keys (T1-4-2) and revocations, as opaque bytes: the store
//! seals private keys under the keyring and never interprets them (signing keys
//! are vrs-certificate's business).

use crate::audit::Outcome;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use vrs_consent::{Action, Allowed};
use vrs_domain::MunicipalityCode;

use crate::audit::{self, AuditEvent};
use crate::residents::event;
use crate::{Db, Store, StoreError};

/// A published public key of an issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKeyRecord {
    /// Its key id.
    pub kid: String,
    /// The public JWK as JSON.
    pub public_jwk: String,
    /// When it was created.
    pub created_at: String,
    /// When it was retired (its private key destroyed), if it was.
    pub retired_at: Option<String>,
    /// How many revocation ids are listed for it.
    pub revocations: u64,
    /// The version of its revocation list (the JWKS `crlVersion`, the CRL's `ctr`):
    /// 1 for the empty list, one more on every change of the list.
    pub crl_version: u64,
}

/// One revoked certificate, by its revocation id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationRecord {
    /// The revocation id (rid).
    pub rid: String,
    /// When.
    pub revoked_at: String,
    /// Why.
    pub reason: String,
}

pub(crate) fn key_context(m: MunicipalityCode) -> Vec<u8> {
    format!("vrs issuer key {m}").into_bytes()
}

pub(crate) fn secret_context(m: MunicipalityCode) -> Vec<u8> {
    format!("vrs revocation secret {m}").into_bytes()
}

/// An operational audit event (key creation) by the system itself.
fn system_event<'a>(
    at: &str,
    m: MunicipalityCode,
    action: &'a str,
    detail: serde_json::Value,
) -> AuditEvent<'a> {
    AuditEvent::new(at.to_owned(), "operator", action, Outcome::Done)
        .in_area(Some(m.as_u32()))
        .citing(vec![vrs_consent::grounds::ISSUER_KEYS.as_str()])
        .with_detail(detail)
}

impl Store {
    /// The active signing key of `m` as (kid, PKCS#8 bytes), if it has one.
    pub fn active_issuer_key(
        &self,
        m: MunicipalityCode,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row: Option<(String, Vec<u8>)> = match &self.db {
            Db::Postgres(pg) => pg.active_issuer_key(m)?,
            Db::Sqlite(_) => sqlite!(self, "active_issuer_key")
                .query_row(
                    "SELECT kid, sealed_private FROM issuer_keys WHERE municipality = ?1 AND retired_at IS NULL",
                    [m.as_u32()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
        };
        row.map(|(kid, sealed)| Ok((kid, self.keys.open_secret(m, &sealed, &key_context(m))?)))
            .transpose()
    }

    /// Stores the first signing key of `m` (created when first needed), audited.
    /// Fails if `m` already has an active key.
    pub fn insert_issuer_key(
        &mut self,
        m: MunicipalityCode,
        kid: &str,
        pkcs8: &[u8],
        public_jwk: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let sealed = self.keys.seal_secret(m, pkcs8, &key_context(m))?;
        if let Db::Postgres(pg) = &self.db {
            let ev = system_event(
                at,
                m,
                "create_issuer_key",
                serde_json::json!({ "kid": kid }),
            );
            pg.store_issuer_key(&self.keys, m, &ev, false, kid, &sealed, public_jwk, at)?;
            return Ok(());
        }
        let tx = sqlite!(mut self, "insert_issuer_key").transaction()?;
        let seq = audit::append(
            &tx,
            &self.keys,
            &system_event(
                at,
                m,
                "create_issuer_key",
                serde_json::json!({ "kid": kid }),
            ),
        )?;
        tx.execute(
            "INSERT INTO issuer_keys (kid, municipality, public_jwk, sealed_private, created_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kid, m.as_u32(), public_jwk, sealed, at, seq],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Rotates `m`'s key: retires the active one (destroying its private key,
    /// keeping its public key published) and stores the new one, in one transaction.
    pub fn rotate_issuer_key(
        &mut self,
        allowed: &Allowed,
        m: MunicipalityCode,
        kid: &str,
        pkcs8: &[u8],
        public_jwk: &str,
    ) -> Result<Option<String>, StoreError> {
        allowed.check(Action::RotateIssuerKey)?;
        let at = allowed.as_of().to_rfc3339();
        let sealed = self.keys.seal_secret(m, pkcs8, &key_context(m))?;
        if let Db::Postgres(pg) = &self.db {
            // The detail (with the retired key) is completed in the transaction.
            let ev = event(allowed, None, serde_json::Value::Null);
            return pg.store_issuer_key(&self.keys, m, &ev, true, kid, &sealed, public_jwk, &at);
        }
        let tx = sqlite!(mut self, "rotate_issuer_key").transaction()?;
        let old: Option<String> = tx
            .query_row(
                "SELECT kid FROM issuer_keys WHERE municipality = ?1 AND retired_at IS NULL",
                [m.as_u32()],
                |r| r.get(0),
            )
            .optional()?;
        let detail = serde_json::json!({ "municipality": m, "retired": old, "new": kid });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.execute(
            "UPDATE issuer_keys SET retired_at = ?2, sealed_private = NULL
             WHERE municipality = ?1 AND retired_at IS NULL",
            params![m.as_u32(), at],
        )?;
        tx.execute(
            "INSERT INTO issuer_keys (kid, municipality, public_jwk, sealed_private, created_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kid, m.as_u32(), public_jwk, sealed, at, seq],
        )?;
        tx.commit()?;
        Ok(old)
    }

    /// Every public key of `m`, current and retired, oldest first.
    pub fn issuer_public_keys(
        &self,
        m: MunicipalityCode,
    ) -> Result<Vec<PublicKeyRecord>, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.issuer_public_keys(m);
        }
        let mut stmt = sqlite!(self, "issuer_public_keys").prepare(
            "SELECT k.kid, k.public_jwk, k.created_at, k.retired_at,
                    (SELECT count(*) FROM revocations r WHERE r.kid = k.kid)
             FROM issuer_keys k WHERE k.municipality = ?1 ORDER BY k.created_at, k.kid",
        )?;
        let rows = stmt.query_map([m.as_u32()], |r| {
            Ok(PublicKeyRecord {
                kid: r.get(0)?,
                public_jwk: r.get(1)?,
                created_at: r.get(2)?,
                retired_at: r.get(3)?,
                revocations: r.get::<_, i64>(4)? as u64,
                crl_version: 0,
            })
        })?;
        let mut out = rows.collect::<Result<Vec<_>, _>>()?;
        for rec in &mut out {
            rec.crl_version = crl_version(sqlite!(self, "issuer_public_keys"), &rec.kid)?;
        }
        Ok(out)
    }

    /// When `rid` was last listed on `kid`'s revocation list (RFC 3339), if it is.
    pub fn revoked_at(&self, kid: &str, rid: &str) -> Result<Option<String>, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.revoked_at(kid, rid);
        }
        Ok(sqlite!(self, "revoked_at")
            .query_row(
                "SELECT revoked_at FROM revocations WHERE kid = ?1 AND rid = ?2",
                params![kid, rid],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The version of `kid`'s revocation list (its `ctr`, the JWKS `crlVersion`).
    pub fn crl_version(&self, kid: &str) -> Result<u64, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.crl_version(kid);
        }
        crl_version(sqlite!(self, "crl_version"), kid)
    }

    /// Every municipality that has issuer keys.
    pub fn issuers(&self) -> Result<Vec<MunicipalityCode>, StoreError> {
        let codes: Vec<u32> = match &self.db {
            Db::Postgres(pg) => pg.issuers()?,
            Db::Sqlite(_) => {
                let mut stmt = sqlite!(self, "issuers").prepare(
                    "SELECT DISTINCT municipality FROM issuer_keys ORDER BY municipality",
                )?;
                let codes = stmt.query_map([], |r| r.get::<_, u32>(0))?;
                codes.collect::<Result<_, _>>()?
            }
        };
        let mut out = Vec::new();
        for c in codes {
            out.push(
                MunicipalityCode::from_u32(c).map_err(|e| StoreError::Corrupt {
                    what: e.to_string(),
                })?,
            );
        }
        Ok(out)
    }

    /// `m`'s secret for revocation ids, created (sealed) when first needed.
    pub fn revocation_secret(&mut self, m: MunicipalityCode) -> Result<[u8; 32], StoreError> {
        if let Db::Postgres(pg) = &self.db {
            let fresh = self.keys.random_32()?;
            let sealed = self.keys.seal_secret(m, &fresh, &secret_context(m))?;
            let kept = pg.revocation_secret(m, &sealed)?;
            let bytes = self.keys.open_secret(m, &kept, &secret_context(m))?;
            return bytes.try_into().map_err(|_| StoreError::Corrupt {
                what: "revocation secret is not 32 bytes".into(),
            });
        }
        let sealed: Option<Vec<u8>> = sqlite!(mut self, "revocation_secret")
            .query_row(
                "SELECT sealed FROM revocation_secrets WHERE municipality = ?1",
                [m.as_u32()],
                |r| r.get(0),
            )
            .optional()?;
        let bytes = match sealed {
            Some(s) => self.keys.open_secret(m, &s, &secret_context(m))?,
            None => {
                let fresh = self.keys.random_32()?;
                let sealed = self.keys.seal_secret(m, &fresh, &secret_context(m))?;
                sqlite!(mut self, "revocation_secret").execute(
                    "INSERT INTO revocation_secrets (municipality, sealed) VALUES (?1, ?2)",
                    params![m.as_u32(), sealed],
                )?;
                fresh.to_vec()
            }
        };
        bytes.try_into().map_err(|_| StoreError::Corrupt {
            what: "revocation secret is not 32 bytes".into(),
        })
    }

    /// The revocations of one key, oldest first.
    pub fn revocations(&self, kid: &str) -> Result<Vec<RevocationRecord>, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.revocations(kid);
        }
        let mut stmt = sqlite!(self, "revocations")
            .prepare("SELECT rid, revoked_at, reason FROM revocations WHERE kid = ?1 ORDER BY revoked_at, rid")?;
        let rows = stmt.query_map([kid], |r| {
            Ok(RevocationRecord {
                rid: r.get(0)?,
                revoked_at: r.get(1)?,
                reason: r.get(2)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(StoreError::from)
    }
}

/// The settings key under which a key's revocation list version is kept.
pub(crate) fn crl_version_key(kid: &str) -> String {
    format!("crl_version:{kid}")
}

/// The version of `kid`'s revocation list. It is kept in `settings` from the first
/// change made since revocation ids became per person (a rid's time can then move
/// on without a new row); before that, and in older databases, every change added
/// a row, so the version is 1 + the number of rows.
pub(crate) fn crl_version(conn: &rusqlite::Connection, kid: &str) -> Result<u64, StoreError> {
    let kept: Option<i64> = conn
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1",
            [crl_version_key(kid)],
            |r| r.get(0),
        )
        .optional()?;
    let v = match kept {
        Some(v) => v,
        None => conn.query_row(
            "SELECT 1 + count(*) FROM revocations WHERE kid = ?1",
            [kid],
            |r| r.get(0),
        )?,
    };
    u64::try_from(v).map_err(|_| StoreError::Corrupt {
        what: format!("revocation list version {v} of key {kid}"),
    })
}

/// Records `version` as `kid`'s revocation list version.
pub(crate) fn set_crl_version(
    conn: &rusqlite::Connection,
    kid: &str,
    version: u64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![crl_version_key(kid), version.to_string()],
    )?;
    Ok(())
}
