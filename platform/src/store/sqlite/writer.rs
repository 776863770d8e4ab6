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

use crate::store::error::StoreError;

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
                    (Ok(r), Ok(())) => Ok(r),
                    (Err(e), Ok(())) => Err(e),
                    // Not stored, whatever the job saw (its own error may only echo the rollback, e.g. "no such
                    // savepoint"): retry later, the disk may have room again.
                    (Err(e), Err(_)) if e.is_unavailable() => Err(e),
                    (_, Err(fate)) => Err(StoreError::Unavailable(fate)),
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn writer_on(dir: &std::path::Path) -> (Writer, std::path::PathBuf) {
        let path = dir.join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (name TEXT PRIMARY KEY, body BLOB)",
        )
        .unwrap();
        (Writer::start(conn).unwrap(), path)
    }

    fn insert(
        name: &'static str,
        bytes: usize,
    ) -> impl FnOnce(&Connection) -> Result<(), StoreError> {
        move |conn| {
            conn.execute(
                "INSERT INTO t (name, body) VALUES (?1, zeroblob(?2))",
                rusqlite::params![name, bytes as i64],
            )?;
            Ok(())
        }
    }

    fn stored(path: &std::path::Path, name: &str) -> bool {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t WHERE name = ?1", [name], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            == 1
    }

    /// Holds the writer busy so that the next jobs queue up and run as one group.
    fn hold(ms: u64) -> impl FnOnce(&Connection) -> Result<(), StoreError> {
        move |_| {
            std::thread::sleep(Duration::from_millis(ms));
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transaction_sqlite_rolled_back_fails_every_job_in_it_and_the_rest_carry_on() {
        let dir = tempfile::tempdir().unwrap();
        let (w, path) = writer_on(dir.path());
        let w = std::sync::Arc::new(w);
        type TestJob = Box<dyn FnOnce(&Connection) -> Result<(), StoreError> + Send>;
        let spawn = |f: TestJob| {
            let w = w.clone();
            tokio::spawn(async move { w.submit(f).await })
        };
        let busy = spawn(Box::new(hold(200)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = spawn(Box::new(insert("before", 10)));
        tokio::time::sleep(Duration::from_millis(10)).await;
        // What SQLite does by itself on SQLITE_FULL or SQLITE_IOERR in some statements: the whole transaction is
        // gone, while this job's own code saw nothing wrong.
        let culprit = spawn(Box::new(|conn: &Connection| {
            conn.execute_batch("INSERT INTO t (name) VALUES ('culprit'); ROLLBACK")?;
            Ok(())
        }));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let after = spawn(Box::new(insert("after", 10)));
        busy.await.unwrap().unwrap();
        let (before, culprit, after) = (
            before.await.unwrap(),
            culprit.await.unwrap(),
            after.await.unwrap(),
        );
        assert!(
            matches!(&before, Err(e) if e.is_unavailable()),
            "an acknowledged job must be stored: {before:?}"
        );
        assert!(
            matches!(&culprit, Err(e) if e.is_unavailable()),
            "{culprit:?}"
        );
        assert!(!stored(&path, "before") && !stored(&path, "culprit"));
        after.unwrap();
        assert!(
            stored(&path, "after"),
            "later jobs run in a new transaction"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_disk_is_a_retryable_error_and_no_reply_claims_what_was_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let (w, path) = writer_on(dir.path());
        let w = std::sync::Arc::new(w);
        w.submit(insert("seed", 100)).await.unwrap();
        let pages: i64 = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        // The "disk" holds a few more pages, then is full.
        w.submit(move |conn| {
            conn.query_row(
                &format!("PRAGMA max_page_count = {}", pages + 4),
                [],
                |_| Ok(()),
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let names: [&'static str; 6] = ["a", "b", "c", "d", "e", "f"];
        let replies: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, &name)| {
                let w = w.clone();
                // Every other job needs far more room than is left.
                let bytes = if i % 2 == 1 { 1 << 20 } else { 100 };
                tokio::spawn(async move { w.submit(insert(name, bytes)).await })
            })
            .collect();
        let mut full = 0;
        for (name, reply) in names.iter().zip(replies) {
            match reply.await.unwrap() {
                Ok(()) => assert!(stored(&path, name), "{name} acknowledged but not stored"),
                Err(e) => {
                    assert!(e.is_unavailable(), "{name}: {e} should be answered 503");
                    assert!(!stored(&path, name), "{name} refused but stored");
                    full += 1;
                }
            }
        }
        assert!(full >= 3, "the large rows cannot fit");
        assert!(stored(&path, "seed"));
    }
}
