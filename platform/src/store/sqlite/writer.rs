//! The single writer thread, with group commit.
//!
//! Every write is a job run inside its own SAVEPOINT of a transaction the writer holds. The writer takes every job
//! already queued into the same transaction and commits once, so 100 kiosks posting at once cost one fsync per group
//! rather than one per request, while each job still succeeds or fails on its own. Replies are released only after
//! the commit is durable.
//!
//! On some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) SQLite rolls back the whole transaction by itself, not
//! just the failing statement. The writer notices (the connection is back in autocommit mode after a job) and fails
//! every job of that transaction, including those that had succeeded: none of them is stored, so none may be
//! acknowledged. The jobs still queued run in a new transaction.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::StoreError;

/// Called with the fate of the transaction that holds the job: `Err(reason)` when it was not committed.
type Done = Box<dyn FnOnce(Result<(), String>) + Send>;
/// Runs against the writer's connection (or learns why it could not); returns what to do once committed.
type Job = Box<dyn FnOnce(Result<&Connection, String>) -> Option<Done> + Send>;

/// Most jobs per transaction: bounds how long the first job of a group waits for its reply.
const MAX_GROUP: usize = 256;

pub(super) struct Writer {
    sender: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(conn: Connection) -> Result<Self, StoreError> {
        conn.set_prepared_statement_cache_capacity(64);
        let (sender, receiver) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, receiver))
            .map_err(|e| StoreError::Begin(format!("cannot start writer thread: {e}")))?;
        Ok(Writer {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    pub(super) async fn submit<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let conn = match conn {
                Ok(conn) => conn,
                Err(e) => {
                    let _ = tx.send(Err(StoreError::Unavailable(e)));
                    return None;
                }
            };
            let result = in_savepoint(conn, f);
            Some(Box::new(move |fate: Result<(), String>| {
                let reply = match (result, fate) {
                    (Err(e), _) => Err(e),
                    (Ok(r), Ok(())) => Ok(r),
                    // Not stored: retry later (the disk may have room again).
                    (Ok(_), Err(e)) => Err(StoreError::Unavailable(e)),
                };
                let _ = tx.send(reply);
            }))
        });
        let sender = self.sender.as_ref().ok_or(StoreError::Closed)?;
        sender.send(job).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel lets the thread finish the queued jobs and exit; wait so the file is closed cleanly.
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn in_savepoint<R>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    conn.execute_batch("SAVEPOINT job")?;
    let result =
        std::panic::catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or(Err(StoreError::Panicked));
    match result {
        Ok(r) => {
            conn.execute_batch("RELEASE job")?;
            Ok(r)
        }
        Err(e) => {
            // Fails when SQLite already rolled back the whole transaction; the writer sees that and says so.
            let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(e)
        }
    }
}

fn run(conn: Connection, receiver: mpsc::Receiver<Job>) {
    while let Ok(first) = receiver.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut done: Vec<Done> = Vec::with_capacity(jobs.len());
        let mut open = false;
        for job in jobs {
            if !open {
                if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                    let reason = format!("cannot begin a transaction: {e}");
                    tracing::error!(error = %reason, "store writer");
                    let _ = job(Err(reason));
                    continue;
                }
                open = true;
            }
            let finished = job(Ok(&conn));
            if conn.is_autocommit() {
                // SQLite rolled the whole transaction back: every job in it is lost.
                let reason = "SQLite rolled back the transaction (disk full or I/O error); nothing of it was stored"
                    .to_string();
                tracing::error!(jobs = done.len() + 1, "{reason}");
                for d in done.drain(..).chain(finished) {
                    d(Err(reason.clone()));
                }
                open = false;
                continue;
            }
            done.extend(finished);
        }
        if !open {
            continue;
        }
        let fate = conn
            .execute_batch("COMMIT")
            .map_err(|e| format!("commit failed: {e}"));
        if let Err(reason) = &fate {
            tracing::error!(error = %reason, jobs = done.len(), "group rolled back");
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
        for d in done {
            d(fate.clone());
        }
    }
}
