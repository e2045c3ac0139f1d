//! The consent facts kept between requests on SQLite.
//!
//! Every use case decides on facts read from the store (the consents of the
//! municipalities involved, the emergency stops, whether a barcode signer is
//! configured); they change a few times a year and are read on every request.
//! The writer keeps them in memory and reads them again only when they may
//! have changed:
//! - another connection committed (`PRAGMA data_version` moved: the CLI
//!   granting a consent while the service runs, a reader's view after the
//!   writer's commit);
//! - this connection wrote a row of `consents`, `emergency_stops` or
//!   `settings` (SQLite's update hook, so no write path can forget to say so);
//! - this connection rolled anything back (a transaction: SQLite's rollback
//!   hook; a savepoint: [`crate::group`] says so), since facts read inside it
//!   may have been undone.
//!
//! The cache holds only what the database holds; the rules still run on every
//! request, with the time of that request.

use std::cell::{RefCell, RefMut};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;
use rusqlite::Connection;
use vrs_consent::{DocumentId, Function};
use vrs_domain::MunicipalityCode;

/// The tables the facts are read from.
const FACT_TABLES: [&str; 3] = ["consents", "emergency_stops", "settings"];

/// One municipality's consents in force: each document and the day it holds from.
pub(crate) type Consents = BTreeMap<DocumentId, NaiveDate>;

/// The facts read so far, valid for one `data_version`.
#[derive(Default)]
pub(crate) struct Cached {
    data_version: Option<i64>,
    pub(crate) consents: HashMap<MunicipalityCode, Consents>,
    pub(crate) stopped: Option<BTreeSet<Function>>,
    pub(crate) barcode_signer: Option<bool>,
}

/// The facts cache of one SQLite connection.
pub(crate) struct FactsCache {
    stale: Arc<AtomicBool>,
    cached: RefCell<Cached>,
}

impl FactsCache {
    /// A cache for `conn`, with the hooks that mark it stale on this
    /// connection's own writes of a fact table and on its rollbacks.
    pub(crate) fn install(conn: &Connection) -> Self {
        let stale = Arc::new(AtomicBool::new(true));
        let on_write = Arc::clone(&stale);
        conn.update_hook(Some(
            move |_: rusqlite::hooks::Action, db: &str, table: &str, _: i64| {
                if db == "main" && FACT_TABLES.contains(&table) {
                    on_write.store(true, Ordering::Relaxed);
                }
            },
        ));
        let on_rollback = Arc::clone(&stale);
        conn.rollback_hook(Some(move || on_rollback.store(true, Ordering::Relaxed)));
        Self {
            stale,
            cached: RefCell::new(Cached::default()),
        }
    }

    /// Marks everything read so far as possibly outdated (a savepoint rolled back).
    pub(crate) fn invalidate(&self) {
        self.stale.store(true, Ordering::Relaxed);
    }

    /// The facts read so far, emptied first when they may have changed since.
    pub(crate) fn current(&self, conn: &Connection) -> rusqlite::Result<RefMut<'_, Cached>> {
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let mut cached = self.cached.borrow_mut();
        if self.stale.swap(false, Ordering::Relaxed) || cached.data_version != Some(version) {
            *cached = Cached {
                data_version: Some(version),
                ..Cached::default()
            };
        }
        Ok(cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE consents (m INTEGER); CREATE TABLE emergency_stops (f TEXT);
             CREATE TABLE settings (k TEXT); CREATE TABLE doses (d INTEGER);",
        )
        .unwrap();
        c
    }

    fn fill(cache: &FactsCache, c: &Connection) {
        cache.current(c).unwrap().barcode_signer = Some(true);
    }

    fn kept(cache: &FactsCache, c: &Connection) -> bool {
        cache.current(c).unwrap().barcode_signer.is_some()
    }

    #[test]
    fn facts_stay_until_a_fact_table_is_written() {
        let c = conn();
        let cache = FactsCache::install(&c);
        fill(&cache, &c);
        assert!(kept(&cache, &c));
        c.execute("INSERT INTO doses VALUES (1)", []).unwrap();
        assert!(kept(&cache, &c), "a dose is not a fact");
        for table in FACT_TABLES {
            fill(&cache, &c);
            c.execute(&format!("INSERT INTO {table} VALUES (1)"), [])
                .unwrap();
            assert!(!kept(&cache, &c), "a write of {table} empties the cache");
        }
    }

    #[test]
    fn a_rollback_or_an_invalidation_empties_the_cache() {
        let c = conn();
        let cache = FactsCache::install(&c);
        fill(&cache, &c);
        c.execute_batch("BEGIN; INSERT INTO doses VALUES (1); ROLLBACK")
            .unwrap();
        assert!(!kept(&cache, &c));
        fill(&cache, &c);
        cache.invalidate();
        assert!(!kept(&cache, &c));
    }

    #[test]
    fn another_connections_commit_empties_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE doses (d INTEGER)").unwrap();
        let cache = FactsCache::install(&c);
        fill(&cache, &c);
        assert!(kept(&cache, &c));
        let other = Connection::open(&path).unwrap();
        other.execute("INSERT INTO doses VALUES (1)", []).unwrap();
        assert!(!kept(&cache, &c));
    }
}
