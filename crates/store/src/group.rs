//! Group commit: many use cases in ONE SQLite transaction, each in its own savepoint.
//!
//! The store's connection is a [`Conn`]: outside a group its `transaction()`
//! is SQLite's `BEGIN IMMEDIATE … COMMIT` as before; inside a group (opened by
//! [`crate::Store::begin_group`]) every use case's transaction becomes a
//! savepoint of the group's transaction, so a failed use case rolls back alone
//! and the group commits (one fsync with `synchronous=FULL`) only once, when
//! [`crate::Store::commit_group`] is called. Call sites keep writing
//! `self.conn.transaction()?` and `tx.commit()?`.

use std::ops::{Deref, DerefMut};

use rusqlite::{Connection, TransactionBehavior};

use crate::facts_cache::FactsCache;

/// The store's connection: a rusqlite [`Connection`] that knows whether a group
/// is open, with the consent facts it has read.
pub(crate) struct Conn {
    conn: Connection,
    group: bool,
    /// Boxed: the cache is larger than the PostgreSQL variant of the store's database.
    facts: Box<FactsCache>,
}

impl Conn {
    pub(crate) fn new(conn: Connection) -> Self {
        let facts = Box::new(FactsCache::install(&conn));
        Self {
            conn,
            group: false,
            facts,
        }
    }

    /// The consent facts this connection has read (see [`crate::facts_cache`]).
    pub(crate) fn facts(&self) -> &FactsCache {
        &self.facts
    }

    /// A writer transaction, or a savepoint of the open group's transaction.
    pub(crate) fn transaction(&mut self) -> rusqlite::Result<Transaction<'_>> {
        if self.group {
            Ok(Transaction::Savepoint(Savepoint::open(
                &self.conn,
                &self.facts,
            )?))
        } else {
            Ok(Transaction::Own(self.conn.transaction()?))
        }
    }

    /// [`Conn::transaction`] with an explicit behaviour outside a group.
    pub(crate) fn transaction_with_behavior(
        &mut self,
        behavior: TransactionBehavior,
    ) -> rusqlite::Result<Transaction<'_>> {
        if self.group {
            Ok(Transaction::Savepoint(Savepoint::open(
                &self.conn,
                &self.facts,
            )?))
        } else {
            Ok(Transaction::Own(
                self.conn.transaction_with_behavior(behavior)?,
            ))
        }
    }

    /// Opens a group: `BEGIN IMMEDIATE` (the writer lock for the whole group).
    pub(crate) fn begin_group(&mut self) -> rusqlite::Result<()> {
        if !self.group {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.group = true;
        }
        Ok(())
    }

    /// Ends the open group: `COMMIT` when `commit`, else `ROLLBACK`.
    pub(crate) fn end_group(&mut self, commit: bool) -> rusqlite::Result<()> {
        if !self.group {
            return Ok(());
        }
        self.group = false;
        if commit {
            if let Err(e) = self.conn.execute_batch("COMMIT") {
                // A failed COMMIT may leave the transaction open: close it.
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                return Err(e);
            }
            Ok(())
        } else {
            self.facts.invalidate();
            self.conn.execute_batch("ROLLBACK")
        }
    }

    /// Opens one request's savepoint inside the open group.
    pub(crate) fn begin_request(&mut self) -> rusqlite::Result<()> {
        self.run("SAVEPOINT vrs_request")
    }

    /// Runs one statement through the statement cache: these run twice per
    /// request on the service's hot path, and `execute_batch` parses its SQL
    /// every time.
    fn run(&self, sql: &str) -> rusqlite::Result<()> {
        run(&self.conn, sql)
    }

    /// Closes one request's savepoint: kept (released) or rolled back alone.
    pub(crate) fn end_request(&mut self, keep: bool) -> rusqlite::Result<()> {
        if keep {
            self.run("RELEASE vrs_request")
        } else {
            self.facts.invalidate();
            self.run("ROLLBACK TO vrs_request")?;
            self.run("RELEASE vrs_request")
        }
    }
}

/// Runs one statement without parameters through the connection's statement cache.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// A use case's savepoint inside a group. rusqlite's own `Savepoint` opens and
/// releases through `execute_batch`, which parses its SQL every time; this one
/// runs its three statements through the statement cache (one registration on
/// the service's hot path opens one). Dropped unreleased, it rolls back.
pub(crate) struct Savepoint<'a> {
    conn: &'a Connection,
    facts: &'a FactsCache,
    open: bool,
}

impl<'a> Savepoint<'a> {
    fn open(conn: &'a Connection, facts: &'a FactsCache) -> rusqlite::Result<Self> {
        run(conn, "SAVEPOINT vrs_use_case")?;
        Ok(Self {
            conn,
            facts,
            open: true,
        })
    }

    /// Keeps the savepoint's work: the group commits it later.
    fn release(mut self) -> rusqlite::Result<()> {
        self.open = false;
        run(self.conn, "RELEASE vrs_use_case")
    }

    /// Undoes the savepoint's work and closes it.
    fn rollback(mut self) -> rusqlite::Result<()> {
        self.open = false;
        self.facts.invalidate();
        run(self.conn, "ROLLBACK TO vrs_use_case")?;
        run(self.conn, "RELEASE vrs_use_case")
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if self.open {
            self.facts.invalidate();
            // Errors here mean the group's transaction is already gone (SQLite
            // rolled it back); the writer finds that out through `group_alive`.
            let _ = run(self.conn, "ROLLBACK TO vrs_use_case");
            let _ = run(self.conn, "RELEASE vrs_use_case");
        }
    }
}

impl Deref for Conn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// A use case's transaction: its own, or a savepoint inside a group. Dropped
/// without [`Transaction::commit`], it rolls back.
pub(crate) enum Transaction<'a> {
    /// `BEGIN IMMEDIATE … COMMIT`.
    Own(rusqlite::Transaction<'a>),
    /// `SAVEPOINT … RELEASE` inside the group's transaction.
    Savepoint(Savepoint<'a>),
}

impl Transaction<'_> {
    /// Commits (or releases the savepoint: the group commits it later).
    pub(crate) fn commit(self) -> rusqlite::Result<()> {
        match self {
            Self::Own(tx) => tx.commit(),
            Self::Savepoint(sp) => sp.release(),
        }
    }

    /// Rolls back now.
    pub(crate) fn rollback(self) -> rusqlite::Result<()> {
        match self {
            Self::Own(tx) => tx.rollback(),
            Self::Savepoint(sp) => sp.rollback(),
        }
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Self::Own(tx) => tx,
            Self::Savepoint(sp) => sp.conn,
        }
    }
}
