//! The pool of read-only facades behind [`SharedVrs::read`](crate::SharedVrs::read):
//! each reader thread owns a [`Vrs`] opened by [`Vrs::open_reader`] (a read-only
//! WAL connection), so plain data reads (issuer keys, revocation lists, the
//! directory, a municipality's consents, the emergency status) run in parallel
//! with the writer and never wait for a group commit.
//!
//! Only `&Vrs` reaches a reader: a use case (`&mut self`: decision, effect and
//! audit event in one transaction) cannot be called there, and the connection
//! itself refuses any write.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use vrs_store::Store;

use crate::{Clock, SharedError, Vrs, VrsError};

/// One plain read: runs on a reader and delivers its own answer.
type ReadJob = Box<dyn FnOnce(&Vrs) + Send>;

impl Vrs {
    /// Opens a data directory for plain data reads only: a read-only connection,
    /// nothing migrated (open the writer with [`Vrs::open`] first). For
    /// [`crate::SharedVrs::spawn_with_readers`].
    pub fn open_reader(dir: &Path, clock: Box<dyn Clock>) -> Result<Self, VrsError> {
        Ok(Self::with_store(Store::open_reader(dir)?, clock))
    }
}

/// The reader threads and their shared queue.
#[derive(Clone)]
pub(crate) struct Readers {
    queue: mpsc::Sender<ReadJob>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Readers {
    /// One thread per reader; each takes the next queued read when it is free.
    pub(crate) fn spawn(readers: Vec<Vrs>) -> Self {
        let (queue, jobs) = mpsc::channel::<ReadJob>();
        let jobs = Arc::new(Mutex::new(jobs));
        let threads = readers
            .into_iter()
            .enumerate()
            .map(|(i, vrs)| {
                let jobs = jobs.clone();
                std::thread::Builder::new()
                    .name(format!("vrs-reader-{i}"))
                    .spawn(move || loop {
                        // The lock is held only while waiting for the next job.
                        let next = match jobs.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match next {
                            Ok(job) => job(&vrs),
                            Err(_) => return,
                        }
                    })
                    .expect("spawning a reader thread")
            })
            .collect();
        Self {
            queue,
            threads: Arc::new(Mutex::new(threads)),
        }
    }

    /// Queues `f` for the next free reader.
    pub(crate) fn run<T, F>(
        &self,
        f: F,
    ) -> impl std::future::Future<Output = Result<T, SharedError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&Vrs) -> Result<T, VrsError> + Send + 'static,
    {
        let (tx, rx) = futures_channel::oneshot::channel();
        let job: ReadJob = Box::new(move |vrs: &Vrs| {
            let out = match catch_unwind(AssertUnwindSafe(|| f(vrs))) {
                Ok(r) => r.map_err(SharedError::from),
                Err(_) => Err(SharedError::Panicked),
            };
            let _ = tx.send(out);
        });
        let sent = self.queue.send(job).is_ok();
        async move {
            if !sent {
                return Err(SharedError::Closed);
            }
            rx.await.unwrap_or(Err(SharedError::Closed))
        }
    }

    /// The reader threads, to join once every handle is dropped.
    pub(crate) fn take_threads(&self) -> Vec<JoinHandle<()>> {
        self.threads
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default()
    }
}
