//! Creating and opening a PostgreSQL data directory: the keyring in the
//! directory, `database.url` (no password) beside it, the data on the server.

use std::path::Path;

use super::{DatabaseUrl, Pg, DATABASE_URL_FILE};
use crate::{
    create_private_dir, make_private, output, Db, InitReport, Keyring, OutputError, Store,
    StoreError, DB_FILE, DEFAULT_ISSUER_BASE_URL, KEYRING_FILE,
};

impl Store {
    /// [`Store::init`] with a PostgreSQL database when `database` is a
    /// `postgres://` URL (see the `url` module): the data directory keeps the
    /// keyring and `database.url` (the URL without its password), the server
    /// everything else. `None`: SQLite in the data directory, as `init`.
    pub fn init_database(
        dir: &Path,
        database: Option<&str>,
        issuer_base_url: Option<&str>,
        force: bool,
        now: &str,
    ) -> Result<InitReport, StoreError> {
        let Some(database) = database else {
            return Self::init(dir, issuer_base_url, force, now);
        };
        let url = DatabaseUrl::parse(database)?;
        create_private_dir(dir).map_err(|e| StoreError::io(dir, e))?;
        make_private(dir)?;
        if dir.join(DB_FILE).exists() {
            return Err(StoreError::Postgres {
                reason: format!(
                    "{}: this data directory holds a SQLite database; give PostgreSQL a new one",
                    dir.display()
                ),
            });
        }
        let url_path = dir.join(DATABASE_URL_FILE);
        if let Some(held) = read_database_url(&url_path)? {
            if held != url.shown {
                return Err(StoreError::Postgres {
                    reason: format!(
                        "{}: the data directory names another database ({held})",
                        dir.display()
                    ),
                });
            }
        }
        let (pg, applied) = Pg::connect(&url, Some(now))?;
        let key_path = dir.join(KEYRING_FILE);
        let mut created_keyring = false;
        let keys = if std::fs::symlink_metadata(&key_path).is_ok() {
            Keyring::load(&key_path)?
        } else if pg.in_use()? {
            return Err(StoreError::KeyringMissing {
                dir: dir.to_owned(),
                file: KEYRING_FILE,
            });
        } else {
            match Keyring::create(&key_path) {
                Ok(k) => {
                    created_keyring = true;
                    k
                }
                Err(StoreError::Output(OutputError::Exists { .. })) => Keyring::load(&key_path)?,
                Err(e) => return Err(e),
            }
        };
        pg.bind_keyring(&keys, dir)?;
        if !url_path.exists() {
            let mut f =
                output::create_new_private(&url_path).map_err(|e| StoreError::io(&url_path, e))?;
            use std::io::Write;
            writeln!(f, "{}", url.shown).map_err(|e| StoreError::io(&url_path, e))?;
        }
        let url_setting = match (issuer_base_url, pg.setting("issuer_base_url")?) {
            (Some(u), Some(c)) if u != c && !force => {
                return Err(StoreError::IssuerBaseUrlChange {
                    current: c,
                    requested: u.to_owned(),
                })
            }
            (Some(u), _) => u.to_owned(),
            (None, Some(c)) => c,
            (None, None) => DEFAULT_ISSUER_BASE_URL.to_owned(),
        };
        pg.put_setting("issuer_base_url", &url_setting)?;
        Ok(InitReport {
            data_dir: dir.to_owned(),
            created_keyring,
            applied_migrations: applied,
            schema_version: super::latest(),
            issuer_base_url: url_setting,
        })
    }

    /// Opens a data directory whose `database.url` names a PostgreSQL database.
    /// `now`: when migrations applied now are recorded; `None` (a reader) applies
    /// none and refuses a database that is not current.
    pub(crate) fn open_postgres(dir: &Path, now: Option<&str>) -> Result<Self, StoreError> {
        let url_path = dir.join(DATABASE_URL_FILE);
        let key_path = dir.join(KEYRING_FILE);
        if !key_path.exists() {
            return Err(StoreError::KeyringMissing {
                dir: dir.to_owned(),
                file: KEYRING_FILE,
            });
        }
        let held = read_database_url(&url_path)?.ok_or_else(|| StoreError::NotInitialised {
            dir: dir.to_owned(),
        })?;
        let url = DatabaseUrl::parse(&held)?;
        let keys = Keyring::load(&key_path)?;
        let (pg, applied) = Pg::connect(&url, now)?;
        pg.bind_keyring(&keys, dir)?;
        Ok(Store {
            db: Db::Postgres(Box::new(pg)),
            keys,
            path: url_path,
            applied,
        })
    }

    /// Which backend the store uses: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

/// The URL a PostgreSQL data directory names, if it is one (bounded read).
pub(crate) fn read_database_url(path: &Path) -> Result<Option<String>, StoreError> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    let mut text = String::new();
    file.take(super::url::MAX_URL_BYTES as u64 + 2)
        .read_to_string(&mut text)
        .map_err(|e| StoreError::io(path, e))?;
    Ok(Some(text.trim().to_owned()))
}
