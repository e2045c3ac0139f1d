//! A background WAL checkpointer for the service's writer.
//!
//! SQLite checkpoints a WAL database on the committing connection once the log
//! passes 1,000 pages: the commit that crosses the line copies the log into
//! the database file and fsyncs it before it returns, so every request of that
//! group waits for it (the service's latency spikes). With a [`Checkpointer`]
//! the writer's automatic checkpoints are off and a thread of its own runs a
//! `PASSIVE` checkpoint on its own connection at a fixed interval: it never
//! blocks the writer (nor the readers), and the writer's commits only append
//! to the log. Dropping the checkpointer stops its thread; the writer keeps it
//! as long as its connection, whose close checkpoints one last time.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::{Db, Store, StoreError};

/// SQLite's default `wal_autocheckpoint` (pages), restored when the checkpointer stops.
const AUTOCHECKPOINT_PAGES: i64 = 1000;

/// A running background checkpointer (see the module's documentation).
pub struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    frames: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpointer")
            .field("frames_checkpointed", &self.frames_checkpointed())
            .finish()
    }
}

impl Checkpointer {
    /// How many frames of the current log the last checkpoint found copied
    /// into the database (0 before the first tick).
    pub fn frames_checkpointed(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        if let Ok(mut stop) = lock.lock() {
            *stop = true;
        }
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One `PASSIVE` checkpoint: the number of frames now in the database file.
fn checkpoint(conn: &Connection) -> rusqlite::Result<u64> {
    // (busy, frames in the log, frames checkpointed); -1 when not in WAL mode.
    let (_, _, done): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(u64::try_from(done).unwrap_or(0))
}

fn open_checkpointer(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    // The checkpoint fsyncs the database file before the log may be reused.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

impl Store {
    /// Starts a background checkpointer checkpointing every `every`, and turns
    /// this connection's automatic checkpoints off for as long as it runs.
    /// `None` on PostgreSQL (the server checkpoints on its own).
    pub fn spawn_checkpointer(
        &mut self,
        every: Duration,
    ) -> Result<Option<Checkpointer>, StoreError> {
        let Db::Sqlite(writer) = &self.db else {
            return Ok(None);
        };
        let conn = open_checkpointer(&self.path)?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let frames = Arc::new(AtomicU64::new(0));
        let (stop_t, frames_t) = (Arc::clone(&stop), Arc::clone(&frames));
        let thread = std::thread::Builder::new()
            .name("vrs-checkpoint".into())
            .spawn(move || {
                let (lock, wake) = &*stop_t;
                let Ok(mut stopped) = lock.lock() else { return };
                loop {
                    match wake.wait_timeout(stopped, every) {
                        Ok((guard, _)) => stopped = guard,
                        Err(_) => return,
                    }
                    if *stopped {
                        return;
                    }
                    // A failed checkpoint (e.g. the disk is full) is retried at
                    // the next tick; the writer's commits do not depend on it.
                    if let Ok(n) = checkpoint(&conn) {
                        frames_t.store(n, Ordering::Relaxed);
                    }
                }
            })
            .map_err(|e| StoreError::Io {
                path: self.path.clone(),
                source: e,
            });
        match thread {
            Ok(thread) => Ok(Some(Checkpointer {
                stop,
                frames,
                thread: Some(thread),
            })),
            Err(e) => {
                writer.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES)?;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn autocheckpoint(store: &Store) -> i64 {
        store
            .sqlite_conn()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn the_checkpointer_copies_the_log_while_the_writer_never_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let now = "2021-12-20T09:00:00+09:00";
        Store::init(dir.path(), None, false, now).unwrap();
        let mut store = Store::open(dir.path(), now).unwrap();
        assert_eq!(autocheckpoint(&store), AUTOCHECKPOINT_PAGES);
        let cp = store
            .spawn_checkpointer(Duration::from_millis(10))
            .unwrap()
            .expect("SQLite has a checkpointer");
        assert_eq!(autocheckpoint(&store), 0, "the writer still checkpoints");
        for i in 0..200 {
            store
                .sqlite_conn()
                .execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                    [format!("probe {i}"), "x".repeat(2000)],
                )
                .unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while cp.frames_checkpointed() == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint in 20 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(cp);
        // Stopped: what was written is all there, through a fresh connection.
        let n: i64 = Connection::open(dir.path().join(crate::DB_FILE))
            .unwrap()
            .query_row(
                "SELECT count(*) FROM settings WHERE key LIKE 'probe %'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 200);
    }
}
