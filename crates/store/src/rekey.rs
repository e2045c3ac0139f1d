//! Moving a database sealed under a version-1 keyring's one data key to one data
//! key per municipality: every sealed My Number, blind index and secret is
//! re-sealed inside one transaction, after the new keys are written to the
//! keyring file (aside, then renamed); the old shared key is dropped after commit.

use crate::audit::Outcome;
use rusqlite::{params, Connection, OptionalExtension};

use crate::group::Transaction;
use vrs_domain::MunicipalityCode;

use crate::keyring::Keyring;
use crate::StoreError;

/// The settings key saying every sealed value uses per-municipality keys.
pub(crate) const DATA_KEYS: &str = "data_keys";
const PER_MUNICIPALITY: &str = "per-municipality";

/// Settings holding the operator's sealed secrets (the barcode signer's keys).
const OPERATOR_SECRETS: [&str; 2] = ["vds_signer_key_sealed", "vds_signer_pending_key_sealed"];
const OPERATOR_CONTEXT: &[u8] = b"vrs vds-nc barcode signer key";

fn code(m: u32) -> Result<MunicipalityCode, StoreError> {
    MunicipalityCode::from_u32(m).map_err(|e| StoreError::Corrupt {
        what: e.to_string(),
    })
}

fn done(conn: &Connection) -> Result<bool, StoreError> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [DATA_KEYS],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.as_deref() == Some(PER_MUNICIPALITY))
}

/// Re-seals the database under per-municipality keys if it is not yet; returns
/// how many sealed values were moved.
pub(crate) fn migrate(conn: &mut Connection, keys: &Keyring, now: &str) -> Result<u64, StoreError> {
    if done(conn)? {
        // A crash between the commit and rewriting the keyring leaves the old key.
        if keys.has_legacy()? {
            keys.drop_legacy()?;
        }
        return Ok(0);
    }
    let tx = Transaction::Own(conn.transaction()?);
    if done(&tx)? {
        return Ok(0);
    }
    let codes: Vec<u32> = tx
        .prepare(
            "SELECT municipality FROM residents UNION SELECT municipality FROM resident_history
             UNION SELECT municipality FROM issuer_keys WHERE sealed_private IS NOT NULL
             UNION SELECT municipality FROM revocation_secrets",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let operator_secrets: i64 = tx.query_row(
        "SELECT count(*) FROM settings WHERE key IN (?1, ?2)",
        OPERATOR_SECRETS,
        |r| r.get::<_, i64>(0),
    )? + tx.query_row(
        "SELECT count(*) FROM users WHERE totp_sealed IS NOT NULL",
        [],
        |r| r.get::<_, i64>(0),
    )?;
    let mut moved = 0;
    if !codes.is_empty() || operator_secrets > 0 {
        if !keys.has_legacy()? {
            return Err(StoreError::Keyring {
                reason: "the database is sealed under a version-1 data key that this keyring \
                         does not hold: open it with the keyring.json made with it"
                    .into(),
            });
        }
        // Written aside and renamed before anything sealed under them commits.
        keys.ensure(&codes)?;
        moved = reseal(&tx, keys)?;
        crate::audit::append(
            &tx,
            keys,
            &crate::AuditEvent::new(
                now.to_owned(),
                "operator",
                "reseal_per_municipality",
                Outcome::Done,
            )
            .with_detail(serde_json::json!({ "resealed": moved, "municipalities": codes.len() })),
        )?;
    }
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [DATA_KEYS, PER_MUNICIPALITY],
    )?;
    tx.commit()?;
    if keys.has_legacy()? {
        keys.drop_legacy()?;
    }
    Ok(moved)
}

fn reseal(tx: &Transaction<'_>, keys: &Keyring) -> Result<u64, StoreError> {
    let mut moved = 0u64;
    for (table, id) in [("residents", "address_number"), ("resident_history", "id")] {
        let rows: Vec<(u32, rusqlite::types::Value, Vec<u8>)> = tx
            .prepare(&format!(
                "SELECT municipality, {id}, my_number_sealed FROM {table}"
            ))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut update = tx.prepare(&format!(
            "UPDATE {table} SET my_number_index = ?3, my_number_sealed = ?4
             WHERE municipality = ?1 AND {id} = ?2"
        ))?;
        for (m, key, sealed) in rows {
            let m = code(m)?;
            let n = keys.open_legacy(&sealed, m)?;
            let index = keys.blind_index(&n, m)?;
            let sealed = keys.seal(&n, m)?;
            update.execute(params![m.as_u32(), key, index.as_slice(), sealed])?;
            moved += 1;
        }
    }
    type Context = fn(MunicipalityCode) -> Vec<u8>;
    let secrets: [(&str, &str, &str, Context); 2] = [
        (
            "issuer_keys",
            "kid",
            "sealed_private",
            crate::keys::key_context,
        ),
        (
            "revocation_secrets",
            "municipality",
            "sealed",
            crate::keys::secret_context,
        ),
    ];
    for (table, id, column, context_of) in secrets {
        let rows: Vec<(u32, rusqlite::types::Value, Vec<u8>)> = tx
            .prepare(&format!(
                "SELECT municipality, {id}, {column} FROM {table} WHERE {column} IS NOT NULL"
            ))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (m, key, sealed) in rows {
            let m = code(m)?;
            let context = context_of(m);
            let plain = keys.open_legacy_bytes(&sealed, &context)?;
            let sealed = keys.seal_secret(m, &plain, &context)?;
            tx.execute(
                &format!("UPDATE {table} SET {column} = ?2 WHERE {id} = ?1"),
                params![key, sealed],
            )?;
            moved += 1;
        }
    }
    // Users' TOTP secrets are the operator's secrets, sealed with the login.
    let users: Vec<(i64, String, Vec<u8>)> = tx
        .prepare("SELECT id, login, totp_sealed FROM users WHERE totp_sealed IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, login, sealed) in users {
        let context = format!("totp:{login}").into_bytes();
        let plain = keys.open_legacy_bytes(&sealed, &context)?;
        tx.execute(
            "UPDATE users SET totp_sealed = ?2 WHERE id = ?1",
            params![id, keys.seal_bytes(&plain, &context)?],
        )?;
        moved += 1;
    }
    for setting in OPERATOR_SECRETS {
        let value: Option<String> = tx
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [setting],
                |r| r.get(0),
            )
            .optional()?;
        let Some(value) = value else { continue };
        let sealed = hex::decode(value).map_err(|_| StoreError::Corrupt {
            what: format!("setting {setting} is not hex"),
        })?;
        let plain = keys.open_legacy_bytes(&sealed, OPERATOR_CONTEXT)?;
        let sealed = keys.seal_bytes(&plain, OPERATOR_CONTEXT)?;
        tx.execute(
            "UPDATE settings SET value = ?2 WHERE key = ?1",
            params![setting, hex::encode(sealed)],
        )?;
        moved += 1;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, DB_FILE, KEYRING_FILE};
    use vrs_domain::MyNumber;

    /// A data directory as a version-1 build left it: one shared key, one
    /// resident and one revocation secret sealed under it.
    fn version_1_dir(dir: &std::path::Path) {
        let v1 = serde_json::json!({
            "format": "vrs-keyring-1",
            "data_key": hex::encode([1u8; 32]),
            "index_key": hex::encode([2u8; 32]),
            "audit_key": hex::encode([3u8; 32]),
        });
        let mut out = crate::OutputFile::create(&dir.join(KEYRING_FILE), false, &[]).unwrap();
        out.write_all(v1.to_string().as_bytes()).unwrap();
        out.commit().unwrap();
        // The old sealing is exactly what the derived keyring's legacy key does.
        let old = Keyring::from_keys([1; 32], [2; 32], [3; 32]).unwrap();
        let mut conn = Connection::open(dir.join(DB_FILE)).unwrap();
        crate::migrations::apply(&mut conn, "2026-11-28T00:00:00+09:00").unwrap();
        let m: MunicipalityCode = "131016".parse().unwrap();
        let n: MyNumber = "123456789018".parse().unwrap();
        let sealed = old.seal_legacy(&n, m).unwrap();
        let index = old.legacy_blind_index(&n).unwrap();
        conn.execute(
            "INSERT INTO residents (municipality, address_number, my_number_index, my_number_sealed,
                 ticket_number, name, name_kana, birth_date, sex, import_batch)
             VALUES (131016, '0001', ?1, ?2, 1, '山田 太郎', 'ヤマダ タロウ', '1950-01-01', 1, 0)",
            params![index.as_slice(), sealed],
        )
        .unwrap();
        let secret = old
            .seal_legacy_bytes(&[7; 32], &crate::keys::secret_context(m))
            .unwrap();
        conn.execute(
            "INSERT INTO revocation_secrets (municipality, sealed) VALUES (131016, ?1)",
            params![secret],
        )
        .unwrap();
    }

    #[test]
    fn a_version_1_data_dir_is_resealed_per_municipality_on_open_and_the_shared_key_dropped() {
        let dir = tempfile::tempdir().unwrap();
        version_1_dir(dir.path());
        let fingerprint = Keyring::from_keys([1; 32], [2; 32], [3; 32])
            .unwrap()
            .fingerprint()
            .to_owned();
        let store = Store::open(dir.path(), "2026-11-28T00:00:00+09:00").unwrap();
        let events = store
            .audit_search(None, Some("reseal_per_municipality"), None, 5)
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].detail["resealed"], 2);
        assert!(store.audit_verify().unwrap().valid);
        let m: MunicipalityCode = "131016".parse().unwrap();
        let n: MyNumber = "123456789018".parse().unwrap();
        let (index, sealed): (Vec<u8>, Vec<u8>) = store
            .sqlite_conn()
            .query_row(
                "SELECT my_number_index, my_number_sealed FROM residents",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let keys = store.keyring();
        assert_eq!(keys.open(&sealed, m).unwrap(), n);
        assert_eq!(index, keys.blind_index(&n, m).unwrap().to_vec());
        assert!(
            keys.open_legacy(&sealed, m).is_err(),
            "no longer under the old key"
        );
        assert!(!keys.has_legacy().unwrap());
        assert_eq!(
            keys.fingerprint(),
            fingerprint,
            "still bound to its database"
        );
        let secret: Vec<u8> = store
            .sqlite_conn()
            .query_row("SELECT sealed FROM revocation_secrets", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            keys.open_secret(m, &secret, &crate::keys::secret_context(m))
                .unwrap(),
            vec![7; 32]
        );
        drop(store);
        let text = std::fs::read_to_string(dir.path().join(KEYRING_FILE)).unwrap();
        assert!(text.contains("vrs-keyring-2") && text.contains("\"131016\""));
        assert!(
            !text.contains(&hex::encode([1u8; 32])),
            "the shared key is gone"
        );
        let again = Store::open(dir.path(), "2026-11-28T00:00:00+09:00").unwrap();
        assert_eq!(again.keyring().open(&sealed, m).unwrap(), n);
    }
}
