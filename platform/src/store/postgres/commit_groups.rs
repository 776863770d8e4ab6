//! Group commit: the event batches that arrive while others are being settled share one transaction.
//!
//! Why: a thousand kiosks each send a batch a second. With a transaction per batch, every batch pays for its own
//! commit (the WAL write and its fsync) and holds a connection while it waits for it. Settling the batches that are
//! waiting in one transaction makes one commit serve many kiosks. On the 2-core fleet benchmark, 30,000 events/s
//! offered: batch p99 204 ms in groups, 1,456 ms with a transaction per batch (README, "Fleet benchmark").
//!
//! How it stays exactly-once: every batch runs the same rules as alone ([`settle_in`]) and the group commits or
//! rolls back as one. A refused batch (a gap, a reused seq) writes nothing, so it can share the transaction. A
//! batch that fails (a unique index, a deadlock) aborts the transaction: it is rolled back, that batch alone is
//! answered with its error, and the others run again without it. No batch is answered before the commit: if the
//! commit fails, every batch of the group is answered 503 and its kiosk sends it again, which the duplicate rules
//! make harmless. Within a group the batches are settled in kiosk order, so two groups (on two instances) take the
//! kiosks' row locks in the same order; the rarer locks a batch takes afterwards (a slot, a pickup) can still meet
//! in a deadlock, which PostgreSQL breaks by failing one statement.
//!
//! Not a savepoint per batch: that is two more round trips a batch, and past 64 subtransactions a transaction
//! overflows PostgreSQL's per-backend cache of them, after which every snapshot of every session consults
//! `pg_subtrans`.
//!
//! No background task: the request that finds a free committer runs the group, in a spawned task so that a client
//! hanging up does not cancel the other kiosks' transaction. At most [`COMMITTERS`] groups run at once per
//! instance; nothing waits on a timer to fill a group — a group is whatever arrived during the previous one.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use super::ingest::settle_in;
use super::{is_insert_conflict, pg_err, pool_err};
use crate::appointments::Policy;
use crate::ingest::{BatchOutcome, ParsedEvent};
use crate::privacy::DataKey;
use crate::store::catalog::CatalogCache;
use crate::store::error::StoreError;

/// Groups settled at once per instance: enough that one group's commit overlaps the next group's work.
const COMMITTERS: usize = 4;
/// A group stops taking batches at this many batches or events, so one group's latency stays bounded.
const GROUP_BATCHES: usize = 64;
const GROUP_EVENTS: usize = 4_000;
/// A batch that waited this long for a committer is answered 503 instead (the kiosk backs off and retries), as a
/// request waiting for a pooled connection is.
const QUEUE_WAIT: Duration = Duration::from_secs(5);

type Reply = oneshot::Sender<Result<BatchOutcome, StoreError>>;

struct Job {
    kiosk: String,
    events: Vec<ParsedEvent>,
    data_key: Option<DataKey>,
    policy: Policy,
    queued_at: Instant,
    reply: Reply,
}

/// The batches waiting for a group, and the committers that settle them.
#[derive(Clone)]
pub struct CommitGroups(Arc<Inner>);

struct Inner {
    pool: Pool,
    catalog: CatalogCache,
    waiting: Mutex<VecDeque<Job>>,
    committers: Arc<Semaphore>,
}

impl CommitGroups {
    pub fn new(pool: Pool, catalog: CatalogCache) -> Self {
        CommitGroups(Arc::new(Inner {
            pool,
            catalog,
            waiting: Mutex::new(VecDeque::new()),
            committers: Arc::new(Semaphore::new(COMMITTERS)),
        }))
    }

    /// Settles one kiosk's batch in the next group; returns once that group is committed (or has failed).
    pub async fn settle(
        &self,
        kiosk: &str,
        events: Vec<ParsedEvent>,
        data_key: Option<DataKey>,
        policy: &Policy,
    ) -> Result<BatchOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.0.lock_waiting().push_back(Job {
            kiosk: kiosk.to_string(),
            events,
            data_key,
            policy: policy.clone(),
            queued_at: Instant::now(),
            reply,
        });
        if let Ok(permit) = self.0.committers.clone().try_acquire_owned() {
            tokio::spawn(self.0.clone().commit_while_waiting(permit));
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the batch's group was abandoned".into(),
            ))
        })
    }
}

impl Inner {
    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, VecDeque<Job>> {
        // A panic while holding this lock leaves a plain queue behind: still usable.
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Settles groups until nothing waits. Every committer looks at the queue again after giving its permit back,
    /// so a batch queued while all committers were busy is never left behind.
    async fn commit_while_waiting(self: Arc<Self>, mut permit: OwnedSemaphorePermit) {
        loop {
            let group = self.take_group();
            if group.is_empty() {
                drop(permit);
                if self.lock_waiting().is_empty() {
                    return;
                }
                match self.committers.clone().try_acquire_owned() {
                    Ok(p) => permit = p,
                    // Another committer holds a permit; it will look at the queue before it stops.
                    Err(_) => return,
                }
                continue;
            }
            self.commit(group).await;
        }
    }

    /// The batches waiting now, oldest first, up to [`GROUP_BATCHES`] and [`GROUP_EVENTS`] (at least one batch). Batches
    /// that waited longer than [`QUEUE_WAIT`] are answered 503 here.
    fn take_group(&self) -> Vec<Job> {
        let mut waiting = self.lock_waiting();
        let mut group = Vec::new();
        let mut events = 0;
        while let Some(job) = waiting.front() {
            if group.len() == GROUP_BATCHES
                || (!group.is_empty() && events + job.events.len() > GROUP_EVENTS)
            {
                break;
            }
            let job = waiting.pop_front().expect("front exists");
            if job.queued_at.elapsed() > QUEUE_WAIT {
                let _ = job.reply.send(Err(StoreError::Unavailable(
                    "the platform is busy: no committer within the wait".into(),
                )));
                continue;
            }
            events += job.events.len();
            group.push(job);
        }
        group
    }

    async fn commit(&self, mut group: Vec<Job>) {
        // Kiosk order: two groups take the kiosks' row locks in the same order (the sort is stable, so one kiosk's
        // batches keep their order of arrival).
        group.sort_by(|a, b| a.kiosk.cmp(&b.kiosk));
        while !group.is_empty() {
            match self.settle_group(&group).await {
                Settled::All(outcomes) => {
                    for (job, outcome) in group.into_iter().zip(outcomes) {
                        let _ = job.reply.send(Ok(outcome));
                    }
                    return;
                }
                // That batch alone is answered with its error; the others run again without it.
                Settled::FailedAt(i, e) => {
                    // Every id is checked before it is inserted: a unique index refusing one means a batch of
                    // another group took it in between (see `is_insert_conflict`). Sent again, the batch meets it in
                    // the check (a rejection).
                    let e = if is_insert_conflict(&e) {
                        StoreError::Unavailable(format!(
                            "a concurrent batch took the same key: {e}"
                        ))
                    } else {
                        e
                    };
                    let _ = group.remove(i).reply.send(Err(e));
                }
                Settled::Not(e) => {
                    // The batches may not be at fault: their kiosks send them again, in other groups.
                    for job in group {
                        let _ = job.reply.send(Err(StoreError::Unavailable(format!(
                            "the batch's group was not committed: {e}"
                        ))));
                    }
                    return;
                }
            }
        }
    }

    /// Settles the group's batches one after another in one transaction and commits it.
    async fn settle_group(&self, group: &[Job]) -> Settled {
        let mut client = match self.pool.get().await {
            Ok(c) => c,
            Err(e) => return Settled::Not(pool_err(e)),
        };
        let tx = match client.transaction().await {
            Ok(tx) => tx,
            Err(e) => return Settled::Not(pg_err(e)),
        };
        // Every look-up of a batch goes by an index (ids, a kiosk's seqs, a day's numbers), but its prepared
        // statement keeps the plan made when the tables were small, and for a handful of rows that plan is a
        // sequential scan: on a new database (a hall joining the city platform, a test) the plan stays a full scan
        // of the growing tables until autovacuum analyzes them, and a fleet run spent most of PostgreSQL's CPU
        // comparing ids row by row. This keeps the index plans from the first batch on.
        if let Err(e) = tx.batch_execute("SET LOCAL enable_seqscan = off").await {
            return Settled::Not(pg_err(e));
        }
        let mut outcomes = Vec::with_capacity(group.len());
        for (i, job) in group.iter().enumerate() {
            let outcome = settle_in(
                &tx,
                &self.catalog,
                &job.kiosk,
                &job.events,
                job.data_key.as_ref(),
                &job.policy,
            )
            .await;
            match outcome {
                Ok(o) => outcomes.push(o),
                Err(e) => {
                    // The failed statement aborted the whole transaction: undo it (releasing every lock).
                    let _ = tx.rollback().await;
                    return if client.is_closed() {
                        Settled::Not(e)
                    } else {
                        Settled::FailedAt(i, e)
                    };
                }
            }
        }
        match tx.commit().await {
            Ok(()) => Settled::All(outcomes),
            Err(e) => Settled::Not(pg_err(e)),
        }
    }
}

/// What became of one group's transaction.
enum Settled {
    /// Committed: each batch's outcome, in the group's order.
    All(Vec<BatchOutcome>),
    /// The batch at this index failed; the transaction was rolled back.
    FailedAt(usize, StoreError),
    /// The transaction failed as a whole (the connection, or its commit): nothing of it is known to be stored.
    Not(StoreError),
}
