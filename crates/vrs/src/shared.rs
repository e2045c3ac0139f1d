//! A shareable handle on one [`Vrs`]: one writer thread, group commit.
//!
//! [`SharedVrs`] is `Clone + Send + Sync`: a server hands a clone to every
//! request. It owns the [`Vrs`] on one writer thread; requests queue, and the
//! writer takes every request waiting at that moment, runs them inside ONE
//! SQLite transaction (each request in its own savepoint, so a failed request
//! rolls back alone and every request writes its own audit event), commits
//! once (one fsync with `synchronous=FULL`) and only then answers each. With
//! one writer nothing ever fails with "database is locked".
//!
//! ```
//! use vrs::{Answer, FixedClock, SharedVrs, Vrs, jst};
//! use chrono::TimeZone;
//!
//! let dir = tempfile::tempdir()?;
//! let clock = FixedClock(jst().with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap());
//! Vrs::init(dir.path(), None, &clock)?;
//! let shared = SharedVrs::spawn(Vrs::open(dir.path(), Box::new(clock))?);
//! let chiyoda = "municipality:131016".parse()?;
//! let count = shared.run_blocking(move |vrs| vrs.count_residents(chiyoda, None))?;
//! // Chiyoda has not consented to the terms yet (T1-2-3).
//! assert!(matches!(count, Answer::Refused(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::{Vrs, VrsError};

/// At most this many requests share one group (bounds a group's latency).
const MAX_GROUP: usize = 1024;

/// Why a request on the shared facade got no answer of its own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SharedError {
    /// The use case failed (its savepoint was rolled back; the group went on).
    #[error(transparent)]
    Vrs(#[from] VrsError),
    /// The group this request ran in could not be committed: nothing of it is stored.
    #[error("the group commit failed, nothing of this request was stored: {0}")]
    Commit(Arc<str>),
    /// The use case panicked (its savepoint was rolled back).
    #[error("the use case panicked; nothing of it was stored")]
    Panicked,
    /// The writer has stopped (the service is shutting down).
    #[error("the service is shutting down")]
    Closed,
}

/// Delivers a request's answer once its group's fate is known.
type Deliver = Box<dyn FnOnce(Result<(), Arc<str>>) + Send>;
/// One request: runs on the writer, returns how to deliver its answer.
type Job = Box<dyn FnOnce(&mut Vrs) -> Deliver + Send>;

/// A `Clone + Send + Sync` handle on one [`Vrs`] owned by a writer thread
/// (and, with [`SharedVrs::spawn_with_readers`], read-only ones for plain reads).
#[derive(Clone)]
pub struct SharedVrs {
    queue: mpsc::Sender<Job>,
    writer: Arc<Mutex<Option<JoinHandle<()>>>>,
    readers: Option<crate::readers::Readers>,
}

impl std::fmt::Debug for SharedVrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedVrs").finish_non_exhaustive()
    }
}

impl SharedVrs {
    /// Moves `vrs` onto a new writer thread.
    pub fn spawn(vrs: Vrs) -> Self {
        let (queue, jobs) = mpsc::channel::<Job>();
        let writer = std::thread::Builder::new()
            .name("vrs-writer".into())
            .spawn(move || writer(vrs, &jobs))
            .expect("spawning the writer thread");
        Self {
            queue,
            writer: Arc::new(Mutex::new(Some(writer))),
            readers: None,
        }
    }

    /// [`SharedVrs::spawn`], plus one thread per reader (each a
    /// [`Vrs::open_reader`]) that [`SharedVrs::read`] runs plain data reads on.
    pub fn spawn_with_readers(vrs: Vrs, readers: Vec<Vrs>) -> Self {
        let mut shared = Self::spawn(vrs);
        if !readers.is_empty() {
            shared.readers = Some(crate::readers::Readers::spawn(readers));
        }
        shared
    }

    /// Runs a plain data read (`&Vrs`: no use case, no decision, no audit
    /// event, nothing written) on a read-only connection of the pool, in
    /// parallel with the writer and the other readers; without readers, on
    /// the writer.
    pub fn read<T, F>(
        &self,
        f: F,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, SharedError>> + Send>>
    where
        T: Send + 'static,
        F: FnOnce(&Vrs) -> Result<T, VrsError> + Send + 'static,
    {
        match &self.readers {
            Some(r) => Box::pin(r.run(f)),
            None => Box::pin(self.run(move |vrs| f(vrs))),
        }
    }

    /// [`SharedVrs::read`], waiting on this thread (not inside an async runtime).
    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, SharedError>
    where
        T: Send + 'static,
        F: FnOnce(&Vrs) -> Result<T, VrsError> + Send + 'static,
    {
        block_on(self.read(f))
    }

    /// Queues `f` for the writer; the future resolves once the group that ran
    /// it is durable (or with the reason it is not). No runtime is needed.
    pub fn run<T, F>(
        &self,
        f: F,
    ) -> impl std::future::Future<Output = Result<T, SharedError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&mut Vrs) -> Result<T, VrsError> + Send + 'static,
    {
        let (tx, rx) = futures_channel::oneshot::channel();
        let job: Job = Box::new(move |vrs: &mut Vrs| {
            let out = isolated(vrs, f);
            Box::new(move |group: Result<(), Arc<str>>| {
                let _ = tx.send(match group {
                    Ok(()) => out,
                    Err(e) => Err(SharedError::Commit(e)),
                });
            })
        });
        let sent = self.queue.send(job).is_ok();
        async move {
            if !sent {
                return Err(SharedError::Closed);
            }
            rx.await.unwrap_or(Err(SharedError::Closed))
        }
    }

    /// [`SharedVrs::run`], waiting on this thread (not inside an async runtime).
    pub fn run_blocking<T, F>(&self, f: F) -> Result<T, SharedError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Vrs) -> Result<T, VrsError> + Send + 'static,
    {
        block_on(self.run(f))
    }

    /// Drops this handle and waits until the writer has answered every queued
    /// request and stopped. The writer stops once every clone is dropped, so
    /// call this when no other clone is left.
    pub fn close(self) {
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        let readers = self
            .readers
            .as_ref()
            .map(crate::readers::Readers::take_threads);
        drop(self);
        if let Some(w) = writer {
            let _ = w.join();
        }
        for r in readers.into_iter().flatten() {
            let _ = r.join();
        }
    }
}

/// Runs one request in its own savepoint: kept when it answers, rolled back
/// alone when it fails or panics.
fn isolated<T>(
    vrs: &mut Vrs,
    f: impl FnOnce(&mut Vrs) -> Result<T, VrsError>,
) -> Result<T, SharedError> {
    vrs.store.begin_request().map_err(VrsError::from)?;
    let out = match catch_unwind(AssertUnwindSafe(|| f(vrs))) {
        Ok(r) => r.map_err(SharedError::from),
        Err(_) => Err(SharedError::Panicked),
    };
    vrs.store.end_request(out.is_ok()).map_err(VrsError::from)?;
    out
}

/// The writer: takes every waiting request, runs them in one group, commits
/// once, then answers each.
fn writer(mut vrs: Vrs, jobs: &mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut delivers: Vec<Deliver> = Vec::with_capacity(batch.len());
        let mut open = false;
        for job in batch {
            if !open {
                if let Err(e) = vrs.store.begin_group() {
                    let why: Arc<str> = e.to_string().into();
                    job(&mut vrs)(Err(why));
                    continue;
                }
                open = true;
            }
            delivers.push(job(&mut vrs));
            if !vrs.store.group_alive() {
                // SQLite rolled the whole transaction back (e.g. disk full):
                // nothing of this group is stored.
                let _ = vrs.store.end_group(false);
                open = false;
                let why: Arc<str> = "the database rolled the group back".into();
                for d in delivers.drain(..) {
                    d(Err(why.clone()));
                }
            }
        }
        if open {
            let group = vrs
                .store
                .end_group(true)
                .map_err(|e| Arc::<str>::from(e.to_string()));
            for d in delivers {
                d(group.clone());
            }
        }
    }
}

/// A minimal executor for [`SharedVrs::run_blocking`]: parks until woken.
pub(crate) fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}
