//! The ICAO VDS-NC barcode signer of overseas certificates (S-2-14): its private key
//! sealed under the keyring and its certificate, kept as settings so that the key
//! files can be deleted once imported. The store never interprets the bytes.

use rusqlite::params;
use vrs_consent::{Action, Allowed};

use crate::audit;
use crate::residents::event;
use crate::{Db, Store, StoreError};

const KEY: &str = "vds_signer_key_sealed";
const CERT: &str = "vds_signer_cert";
const PENDING: &str = "vds_signer_pending_key_sealed";
const CONTEXT: &[u8] = b"vrs vds-nc barcode signer key";

/// The configured barcode signer, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct BarcodeSignerRecord {
    /// The signer's PKCS#8 private key.
    pub pkcs8: Vec<u8>,
    /// Its X.509 certificate (DER), issued by the CSCA.
    pub cert_der: Vec<u8>,
}

impl std::fmt::Debug for BarcodeSignerRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BarcodeSignerRecord(..)")
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt {
        what: format!("setting {what} is not hex"),
    }
}

impl Store {
    /// Whether a barcode signer is configured (a fact of the S-2-14 rule).
    pub fn has_barcode_signer(&self) -> Result<bool, StoreError> {
        Ok(self.setting(KEY)?.is_some() && self.setting(CERT)?.is_some())
    }

    /// The configured barcode signer, if any.
    pub fn barcode_signer(&self) -> Result<Option<BarcodeSignerRecord>, StoreError> {
        let (Some(key), Some(cert)) = (self.setting(KEY)?, self.setting(CERT)?) else {
            return Ok(None);
        };
        let sealed = hex::decode(key).map_err(|_| corrupt(KEY))?;
        Ok(Some(BarcodeSignerRecord {
            pkcs8: self.keys.open_bytes(&sealed, CONTEXT)?,
            cert_der: hex::decode(cert).map_err(|_| corrupt(CERT))?,
        }))
    }

    /// The key made for a certificate request and not yet certified, if any.
    pub fn pending_barcode_signer_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        match self.setting(PENDING)? {
            None => Ok(None),
            Some(h) => {
                let sealed = hex::decode(h).map_err(|_| corrupt(PENDING))?;
                Ok(Some(self.keys.open_bytes(&sealed, CONTEXT)?))
            }
        }
    }

    /// Configures the barcode signer (replacing any earlier one and clearing the pending
    /// key), audited in the same transaction. `detail` says what was imported (subject,
    /// validity), never the key.
    pub fn set_barcode_signer(
        &mut self,
        allowed: &Allowed,
        signer: &BarcodeSignerRecord,
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        allowed.check(Action::ConfigureBarcodeSigner)?;
        let sealed = self.keys.seal_bytes(&signer.pkcs8, CONTEXT)?;
        if let Db::Postgres(pg) = &self.db {
            let set = [
                (KEY, hex::encode(sealed)),
                (CERT, hex::encode(&signer.cert_der)),
            ];
            return pg.put_settings_audited(&self.keys, allowed, detail, &set, &[PENDING]);
        }
        let tx = sqlite!(mut self, "set_barcode_signer").transaction()?;
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        for (k, v) in [
            (KEY, hex::encode(sealed)),
            (CERT, hex::encode(&signer.cert_der)),
        ] {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![k, v],
            )?;
        }
        tx.execute("DELETE FROM settings WHERE key = ?1", [PENDING])?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps the key of a new certificate request (sealed) until its certificate is
    /// imported, audited.
    pub fn set_pending_barcode_signer_key(
        &mut self,
        allowed: &Allowed,
        pkcs8: &[u8],
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        allowed.check(Action::ConfigureBarcodeSigner)?;
        let sealed = self.keys.seal_bytes(pkcs8, CONTEXT)?;
        if let Db::Postgres(pg) = &self.db {
            let set = [(PENDING, hex::encode(sealed))];
            return pg.put_settings_audited(&self.keys, allowed, detail, &set, &[]);
        }
        let tx = sqlite!(mut self, "set_pending_barcode_signer_key").transaction()?;
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![PENDING, hex::encode(sealed)],
        )?;
        tx.commit()?;
        Ok(())
    }
}
