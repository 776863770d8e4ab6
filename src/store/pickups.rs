//! 取件 on the kiosk: the documents waiting in its lockers (the platform's list, kept so that pickup works with the
//! network down; codes only as salted hashes), the journal of door openings, and wrong-code counting.
//!
//! **Commit, then open; never open twice.** An opening is journalled *before* the lock is fired
//! ([`Store::begin_opening`]: the document leaves `waiting` and a `pending` opening row is written, in one
//! transaction), and its outcome is committed *after* (`finish_*`, inside the errand transaction with the outbox
//! event and the receipt). A document is opened only from `waiting`, so a second opening of it is refused by the
//! store whatever the screen does. If the kiosk dies between the two commits, the opening is still `pending` when
//! it starts again, and the app settles it (`resolve_interrupted`) **without firing the lock again**: a door
//! found open was opened (collected), a door found shut may or may not have been fired, so the document is held
//! for the staff (who look inside) and the platform is told. The document is never lost (its row and its event
//! always exist) and its door is never opened twice by the kiosk on its own.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use sanban_wire::{HoldReason, OpeningProof, Pickup};

use super::{Result, Store, StoreError};

/// The longest document number a staff deposit keeps (letters and digits).
pub const DOCUMENT_NO_MAX: usize = 32;

/// Where a document stands on this kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickupState {
    /// In its door, collectable.
    Waiting,
    /// Its door is being opened (journalled, outcome not committed yet).
    Opening,
    /// Handed over: its door opened for the citizen.
    Collected,
    /// Still in its door, but for the staff (jammed door, interrupted opening).
    Held,
    /// Still in its door, to be posted (免费邮寄) by the staff.
    Posted,
    /// A staff deposit whose door is being opened.
    Depositing,
    /// Put in by the staff; the platform has not listed it with its code yet.
    Deposited,
}

impl PickupState {
    pub fn as_str(self) -> &'static str {
        match self {
            PickupState::Waiting => "waiting",
            PickupState::Opening => "opening",
            PickupState::Collected => "collected",
            PickupState::Held => "held",
            PickupState::Posted => "posted",
            PickupState::Depositing => "depositing",
            PickupState::Deposited => "deposited",
        }
    }

    fn parse(s: &str) -> PickupState {
        match s {
            "opening" => PickupState::Opening,
            "collected" => PickupState::Collected,
            "held" => PickupState::Held,
            "posted" => PickupState::Posted,
            "depositing" => PickupState::Depositing,
            "deposited" => PickupState::Deposited,
            _ => PickupState::Waiting,
        }
    }

    /// Whether the document is (or may be) physically in its door, so the door is not free.
    pub fn occupies_door(self) -> bool {
        !matches!(self, PickupState::Collected)
    }
}

/// A document in (or once in) this kiosk's locker. No code, no hash.
#[derive(Debug, Clone, PartialEq)]
pub struct LockerDocument {
    pub pickup_id: String,
    pub door: u16,
    pub document: String,
    pub document_en: String,
    /// The staff deposit's document number (none for documents the platform placed).
    pub document_no: Option<String>,
    pub citizen_ref: Option<String>,
    /// The person's name, masked (张*); empty when unknown.
    pub holder: String,
    pub postable: bool,
    pub deposited_at: DateTime<Utc>,
    pub state: PickupState,
    pub hold_reason: Option<String>,
}

/// What a typed code found.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeMatch {
    /// The code of a waiting document.
    Waiting(LockerDocument),
    /// The code of a document that is no longer collectable here (collected, posted, held…).
    Settled(LockerDocument),
    /// No document has this code.
    Unknown,
}

/// A journalled opening.
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    pub id: i64,
    pub door: u16,
    /// "pickup" or "deposit".
    pub purpose: String,
    pub pickup_id: String,
    /// "code", "idcard" or "staff".
    pub method: String,
}

/// How an interrupted opening was settled at start-up.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// The door read open: the document counts as collected (proof `found_open`).
    FoundOpen(Opening),
    /// The door read shut, or could not be read: held for the staff.
    Held(Opening),
}

/// The keypad's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeFailures {
    /// Wrong codes in the current window (since the last lock-out ended).
    pub in_window: u32,
    /// Locked until then, if this failure locked the keypad.
    pub locked_until: Option<DateTime<Utc>>,
}

/// The lock-out policy (from `[pickup]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub limit: u32,
    pub window: Duration,
    pub lockout: Duration,
}

const COLUMNS: &str =
    "pickup_id, door, document, document_en, document_no, citizen_ref, postable, deposited_at, \
    state, hold_reason, holder";

fn document(r: &rusqlite::Row) -> rusqlite::Result<LockerDocument> {
    let deposited: String = r.get(7)?;
    Ok(LockerDocument {
        pickup_id: r.get(0)?,
        door: r.get(1)?,
        document: r.get(2)?,
        document_en: r.get(3)?,
        document_no: r.get(4)?,
        citizen_ref: r.get(5)?,
        postable: r.get(6)?,
        deposited_at: DateTime::parse_from_rfc3339(&deposited)
            .map(|t| t.to_utc())
            .unwrap_or(DateTime::UNIX_EPOCH),
        state: PickupState::parse(&r.get::<_, String>(8)?),
        hold_reason: r.get(9)?,
        holder: r.get(10)?,
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Take the platform's list of waiting documents. The kiosk's own news wins until the platform has it: a
    /// document being opened, collected, held or posted here stays so (its event is queued), and a staff deposit
    /// stays until the platform lists it with its code. A waiting document the platform no longer lists (collected
    /// or withdrawn elsewhere) is dropped; a new document listed at a door replaces what the kiosk had there.
    /// Returns how many documents are waiting after the merge.
    pub fn apply_pickup_list(&mut self, list: &[Pickup], doors: u16) -> Result<usize> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let listed: std::collections::BTreeSet<&str> =
            list.iter().map(|p| p.pickup_id.as_str()).collect();
        for p in list {
            let Ok(door) = u16::try_from(p.locker_door) else {
                continue;
            };
            if door == 0 || door > doors {
                tracing::warn!(
                    pickup = %p.pickup_id,
                    door = p.locker_door,
                    "the platform lists a document behind a door this locker does not have"
                );
                continue;
            }
            let state: Option<String> = tx
                .query_row(
                    "SELECT state FROM pickups WHERE pickup_id = ?1",
                    [&p.pickup_id],
                    |r| r.get(0),
                )
                .optional()?;
            let deposited = DateTime::parse_from_rfc3339(&p.deposited_at)
                .map(|t| rfc3339(t.to_utc()))
                .unwrap_or_else(|_| p.deposited_at.clone());
            match state.as_deref().map(PickupState::parse) {
                None | Some(PickupState::Waiting) | Some(PickupState::Deposited) => {
                    // Whatever else the kiosk had behind that door is settled on the platform.
                    tx.execute(
                        "DELETE FROM pickups WHERE door = ?1 AND pickup_id != ?2 AND state != 'opening'",
                        params![door, p.pickup_id],
                    )?;
                    tx.execute(
                        "INSERT INTO pickups (pickup_id, door, document, document_en, code_salt, code_hash, citizen_ref,
                             postable, deposited_at, state, holder)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'waiting', ?10)
                         ON CONFLICT (pickup_id) DO UPDATE SET door = excluded.door, document = excluded.document,
                             document_en = excluded.document_en, code_salt = excluded.code_salt,
                             code_hash = excluded.code_hash, citizen_ref = excluded.citizen_ref,
                             postable = excluded.postable, deposited_at = excluded.deposited_at, state = 'waiting',
                             holder = excluded.holder",
                        params![
                            p.pickup_id,
                            door,
                            p.document,
                            p.document_en,
                            p.code_salt,
                            p.code_hash,
                            p.citizen_ref,
                            p.postable,
                            deposited,
                            p.holder
                        ],
                    )?;
                }
                Some(_) => {}
            }
        }
        // Waiting documents the platform no longer lists.
        let waiting: Vec<String> = {
            let mut stmt = tx.prepare("SELECT pickup_id FROM pickups WHERE state = 'waiting'")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        for id in waiting.iter().filter(|id| !listed.contains(id.as_str())) {
            tx.execute("DELETE FROM pickups WHERE pickup_id = ?1", [id])?;
        }
        let n: usize = tx.query_row(
            "SELECT COUNT(*) FROM pickups WHERE state = 'waiting'",
            [],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// The document a typed code belongs to. Every document with a hash is checked (a handful to a few hundred
    /// SHA-256s: microseconds).
    pub fn pickup_by_code(&self, code: &str) -> Result<CodeMatch> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS}, code_salt, code_hash FROM pickups WHERE code_hash IS NOT NULL ORDER BY state = 'waiting' DESC"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                document(r)?,
                r.get::<_, String>(11)?,
                r.get::<_, String>(12)?,
            ))
        })?;
        for row in rows {
            let (doc, salt, hash) = row?;
            let matches = sanban_wire::pickup_code_matches(
                &Pickup {
                    pickup_id: String::new(),
                    code_salt: salt,
                    code_hash: hash,
                    locker_door: 0,
                    document: String::new(),
                    document_en: String::new(),
                    citizen_ref: None,
                    holder: String::new(),
                    postable: false,
                    deposited_at: String::new(),
                },
                code,
            );
            if matches {
                return Ok(if doc.state == PickupState::Waiting {
                    CodeMatch::Waiting(doc)
                } else {
                    CodeMatch::Settled(doc)
                });
            }
        }
        Ok(CodeMatch::Unknown)
    }

    /// Documents waiting here for the citizen with `citizen_ref`, by door.
    pub fn pickups_for_citizen(&self, citizen_ref: &str) -> Result<Vec<LockerDocument>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM pickups WHERE citizen_ref = ?1 AND state = 'waiting' ORDER BY door"
        ))?;
        let rows = stmt.query_map([citizen_ref], document)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// One document by id.
    pub fn locker_document(&self, pickup_id: &str) -> Result<Option<LockerDocument>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM pickups WHERE pickup_id = ?1"),
                [pickup_id],
                document,
            )
            .optional()?)
    }

    /// Every document the locker holds or held, by door (technician and staff views).
    pub fn locker_documents(&self) -> Result<Vec<LockerDocument>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM pickups ORDER BY door, deposited_at"
        ))?;
        let rows = stmt.query_map([], document)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Waiting documents deposited before `now - days`, oldest first (listed for the staff).
    pub fn overdue_pickups(&self, now: DateTime<Utc>, days: u32) -> Result<Vec<LockerDocument>> {
        let before = rfc3339(now - Duration::days(days.into()));
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM pickups WHERE state IN ('waiting', 'deposited') AND deposited_at < ?1
             ORDER BY deposited_at"
        ))?;
        let rows = stmt.query_map([before], document)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Doors `1..=doors` with no document in them (nor one on its way in).
    pub fn free_doors(&self, doors: u16) -> Result<Vec<u16>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT DISTINCT door FROM pickups WHERE state != 'collected'")?;
        let taken: std::collections::BTreeSet<u16> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        Ok((1..=doors).filter(|d| !taken.contains(d)).collect())
    }

    /// Journal the opening of `pickup_id`'s door before the lock is fired: the document leaves `waiting` (so
    /// nothing can open it again) and a `pending` opening is written, in one transaction. Refused with
    /// [`StoreError::AlreadyDone`] unless the document is waiting.
    pub fn begin_opening(
        &mut self,
        pickup_id: &str,
        method: &str,
        now: DateTime<Utc>,
    ) -> Result<Opening> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let door: Option<u16> = tx
            .query_row(
                "SELECT door FROM pickups WHERE pickup_id = ?1 AND state = 'waiting'",
                [pickup_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(door) = door else {
            return Err(StoreError::AlreadyDone(
                "this document is not waiting any more",
            ));
        };
        tx.execute(
            "UPDATE pickups SET state = 'opening', method = ?2 WHERE pickup_id = ?1",
            params![pickup_id, method],
        )?;
        let opening = insert_opening(&tx, door, "pickup", pickup_id, method, now)?;
        tx.commit()?;
        Ok(opening)
    }

    /// Journal a staff deposit into `door` before its lock is fired: the door is taken by a `depositing` document
    /// with `document_no`, and a `pending` opening is written. Refused if the door is not free.
    pub fn begin_deposit(
        &mut self,
        door: u16,
        document_no: &str,
        document: &str,
        now: DateTime<Utc>,
    ) -> Result<Opening> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pickups WHERE door = ?1 AND state != 'collected')",
            [door],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::AlreadyDone("this door is not free"));
        }
        let pickup_id = uuid::Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO pickups (pickup_id, door, document, document_no, deposited_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, 'depositing')",
            params![pickup_id, door, document, document_no, rfc3339(now)],
        )?;
        let opening = insert_opening(&tx, door, "deposit", &pickup_id, "staff", now)?;
        tx.commit()?;
        Ok(opening)
    }

    /// Openings journalled but never finished (the kiosk stopped in between), oldest first.
    pub fn pending_openings(&self) -> Result<Vec<Opening>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, door, purpose, pickup_id, COALESCE(method, '') FROM door_openings WHERE state = 'pending' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Opening {
                id: r.get(0)?,
                door: r.get(1)?,
                purpose: r.get(2)?,
                pickup_id: r.get(3)?,
                method: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Doors opened for a document (each opening once, whatever its outcome): `(pickup_id, door)` per opening.
    pub fn openings_of(&self, pickup_id: &str) -> Result<u32> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM door_openings WHERE pickup_id = ?1",
            [pickup_id],
            |r| r.get(0),
        )?)
    }

    /// The keypad's lock-out, if it is locked at `now`.
    pub fn code_lockout(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let until: Option<String> = self
            .conn()
            .query_row("SELECT MAX(until) FROM pickup_lockouts", [], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(until
            .and_then(|u| DateTime::parse_from_rfc3339(&u).ok())
            .map(|u| u.to_utc())
            .filter(|u| *u > now))
    }
}

fn insert_opening(
    tx: &Transaction,
    door: u16,
    purpose: &str,
    pickup_id: &str,
    method: &str,
    now: DateTime<Utc>,
) -> Result<Opening> {
    tx.execute(
        "INSERT INTO door_openings (door, purpose, pickup_id, method, state, started_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
        params![door, purpose, pickup_id, method, rfc3339(now)],
    )?;
    Ok(Opening {
        id: tx.last_insert_rowid(),
        door,
        purpose: purpose.into(),
        pickup_id: pickup_id.into(),
        method: method.into(),
    })
}

fn finish_opening(
    tx: &Transaction,
    opening: &Opening,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = tx.execute(
        "UPDATE door_openings SET state = 'finished', outcome = ?2, finished_at = ?3 WHERE id = ?1 AND state = 'pending'",
        params![opening.id, outcome, rfc3339(now)],
    )?;
    if n != 1 {
        return Err(StoreError::AlreadyDone("this opening was already settled"));
    }
    Ok(())
}

/// Inside the errand transaction: the door opened for the document (proof as given); it is collected.
fn finish_collected(
    tx: &Transaction,
    opening: &Opening,
    proof: OpeningProof,
    now: DateTime<Utc>,
) -> Result<()> {
    let outcome = match proof {
        OpeningProof::Sensor => "opened",
        OpeningProof::SensorStuck => "sensor_stuck",
        OpeningProof::FoundOpen => "found_open",
    };
    finish_opening(tx, opening, outcome, now)?;
    tx.execute(
        "UPDATE pickups SET state = 'collected', settled_at = ?2 WHERE pickup_id = ?1",
        params![opening.pickup_id, rfc3339(now)],
    )?;
    Ok(())
}

/// Inside the errand transaction: the document could not be handed over; it stays in its door for the staff.
fn finish_held(
    tx: &Transaction,
    opening: &Opening,
    reason: HoldReason,
    now: DateTime<Utc>,
) -> Result<()> {
    let (outcome, reason) = match reason {
        HoldReason::Jammed => ("jammed", "jammed"),
        HoldReason::Interrupted => ("found_shut", "interrupted"),
    };
    finish_opening(tx, opening, outcome, now)?;
    tx.execute(
        "UPDATE pickups SET state = 'held', hold_reason = ?2, settled_at = ?3 WHERE pickup_id = ?1",
        params![opening.pickup_id, reason, rfc3339(now)],
    )?;
    Ok(())
}

/// Inside the errand transaction: a staff deposit's door opened and shut again: the document is in.
fn finish_deposited(tx: &Transaction, opening: &Opening, now: DateTime<Utc>) -> Result<()> {
    finish_opening(tx, opening, "deposited", now)?;
    tx.execute(
        "UPDATE pickups SET state = 'deposited', deposited_at = ?2 WHERE pickup_id = ?1",
        params![opening.pickup_id, rfc3339(now)],
    )?;
    Ok(())
}

/// Inside the errand transaction: a staff deposit's door did not open (or the kiosk stopped meanwhile and found
/// it shut): the door is free again unless the document may be inside (`interrupted`: held for the staff).
fn finish_deposit_failed(
    tx: &Transaction,
    opening: &Opening,
    interrupted: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    finish_opening(
        tx,
        opening,
        if interrupted { "found_shut" } else { "jammed" },
        now,
    )?;
    if interrupted {
        tx.execute(
            "UPDATE pickups SET state = 'held', hold_reason = 'interrupted', settled_at = ?2 WHERE pickup_id = ?1",
            params![opening.pickup_id, rfc3339(now)],
        )?;
    } else {
        tx.execute(
            "DELETE FROM pickups WHERE pickup_id = ?1",
            [&opening.pickup_id],
        )?;
    }
    Ok(())
}

/// Inside the errand transaction: the document is to be posted; it stays in its door for the staff. Refused
/// unless it is waiting and may be posted.
fn mark_posted(tx: &Transaction, pickup_id: &str, now: DateTime<Utc>) -> Result<u16> {
    let door: Option<u16> = tx
        .query_row(
            "SELECT door FROM pickups WHERE pickup_id = ?1 AND state = 'waiting' AND postable",
            [pickup_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(door) = door else {
        return Err(StoreError::AlreadyDone(
            "this document is not waiting to be posted",
        ));
    };
    tx.execute(
        "UPDATE pickups SET state = 'posted', method = 'post', settled_at = ?2 WHERE pickup_id = ?1",
        params![pickup_id, rfc3339(now)],
    )?;
    Ok(door)
}

/// Inside the errand transaction: count a wrong code, and lock the keypad when it is one too many. Failures count
/// within the policy's window and since the last lock-out ended; each lock-out within a day doubles the next one
/// (at most ×8).
fn record_code_failure(
    tx: &Transaction,
    policy: LockoutPolicy,
    now: DateTime<Utc>,
) -> Result<CodeFailures> {
    tx.execute(
        "INSERT INTO pickup_code_failures (at) VALUES (?1)",
        [rfc3339(now)],
    )?;
    let last_end: Option<String> = tx
        .query_row("SELECT MAX(until) FROM pickup_lockouts", [], |r| r.get(0))
        .optional()?
        .flatten();
    let window_start = rfc3339(now - policy.window);
    let since = match last_end {
        Some(end) if end > window_start => end,
        _ => window_start,
    };
    let in_window: u32 = tx.query_row(
        "SELECT COUNT(*) FROM pickup_code_failures WHERE at > ?1",
        [&since],
        |r| r.get(0),
    )?;
    let mut locked_until = None;
    if in_window >= policy.limit {
        let recent: u32 = tx.query_row(
            "SELECT COUNT(*) FROM pickup_lockouts WHERE at > ?1",
            [rfc3339(now - Duration::days(1))],
            |r| r.get(0),
        )?;
        let until = now + policy.lockout * (1i32 << recent.min(3));
        tx.execute(
            "INSERT INTO pickup_lockouts (at, until) VALUES (?1, ?2)",
            params![rfc3339(now), rfc3339(until)],
        )?;
        locked_until = Some(until);
    }
    // Old failures are of no use to anyone.
    tx.execute(
        "DELETE FROM pickup_code_failures WHERE at < ?1",
        [rfc3339(now - Duration::days(2))],
    )?;
    Ok(CodeFailures {
        in_window,
        locked_until,
    })
}

/// The interrupted opening's settlement, inside the errand transaction.
fn resolve_interrupted(
    tx: &Transaction,
    opening: &Opening,
    door_open: bool,
    now: DateTime<Utc>,
) -> Result<Settled> {
    if opening.purpose == "deposit" {
        finish_deposit_failed(tx, opening, true, now)?;
        return Ok(Settled::Held(opening.clone()));
    }
    if door_open {
        finish_collected(tx, opening, OpeningProof::FoundOpen, now)?;
        Ok(Settled::FoundOpen(opening.clone()))
    } else {
        finish_held(tx, opening, HoldReason::Interrupted, now)?;
        Ok(Settled::Held(opening.clone()))
    }
}

/// A receipt to commit with a pickup errand (rendered by the flow before the commit).
pub type Receipt = Option<super::PrintJob>;

impl Store {
    /// The door opened for the document: collected, with its `pickup.collected` event and the pickup proof.
    pub fn collect_pickup(
        &mut self,
        opening: &Opening,
        proof: OpeningProof,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        receipt: Receipt,
    ) -> Result<super::Committed<()>> {
        self.commit_errand(now, tz, |tx| {
            finish_collected(tx, opening, proof, now)?;
            Ok(super::Errand {
                value: (),
                event: sanban_wire::EventPayload::PickupCollected(sanban_wire::PickupCollected {
                    pickup_id: opening.pickup_id.clone(),
                    locker_door: opening.door.into(),
                    method: opening.method.clone(),
                    proof,
                }),
                print: receipt,
            })
        })
    }

    /// The document could not be handed over: held in its door for the staff, with its `pickup.held` event and
    /// the citizen's note.
    pub fn hold_pickup(
        &mut self,
        opening: &Opening,
        reason: HoldReason,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        receipt: Receipt,
    ) -> Result<super::Committed<()>> {
        self.commit_errand(now, tz, |tx| {
            finish_held(tx, opening, reason, now)?;
            Ok(super::Errand {
                value: (),
                event: sanban_wire::EventPayload::PickupHeld(sanban_wire::PickupHeld {
                    pickup_id: opening.pickup_id.clone(),
                    locker_door: opening.door.into(),
                    reason,
                }),
                print: receipt,
            })
        })
    }

    /// A staff deposit's door opened and was shut: the document is in; the platform is told (`locker.deposited`)
    /// and issues the citizen's code.
    pub fn finish_deposit(
        &mut self,
        opening: &Opening,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<super::Committed<()>> {
        self.commit_errand(now, tz, |tx| {
            let document_no: String = tx.query_row(
                "SELECT COALESCE(document_no, '') FROM pickups WHERE pickup_id = ?1",
                [&opening.pickup_id],
                |r| r.get(0),
            )?;
            finish_deposited(tx, opening, now)?;
            Ok(super::Errand {
                value: (),
                event: sanban_wire::EventPayload::LockerDeposited(sanban_wire::LockerDeposited {
                    pickup_id: opening.pickup_id.clone(),
                    locker_door: opening.door.into(),
                    document_no,
                }),
                print: None,
            })
        })
    }

    /// A staff deposit's door did not open: the door is free again; the technicians see a jammed-door alert.
    pub fn fail_deposit(
        &mut self,
        opening: &Opening,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<super::Committed<()>> {
        self.commit_errand(now, tz, |tx| {
            finish_deposit_failed(tx, opening, false, now)?;
            Ok(super::Errand {
                value: (),
                event: alert(opening.door, sanban_wire::LockerAlertKind::Jammed, None),
                print: None,
            })
        })
    }

    /// 免费邮寄: the waiting document `request.pickup_id` is to be posted to `request.recipient` (it stays in its
    /// door for the staff; `request.locker_door` is taken from the store). The address travels only in the outbox
    /// event. Returns the request's id.
    pub fn request_post(
        &mut self,
        mut request: sanban_wire::PostalRequested,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        receipt: Receipt,
    ) -> Result<super::Committed<uuid::Uuid>> {
        self.commit_errand(now, tz, |tx| {
            request.locker_door = mark_posted(tx, &request.pickup_id, now)?.into();
            Ok(super::Errand {
                value: request.request_id,
                event: sanban_wire::EventPayload::PostalRequested(request),
                print: receipt,
            })
        })
    }

    /// A wrong pickup code: counted (and maybe the keypad locked), with its `pickup.code_rejected` event.
    pub fn reject_pickup_code(
        &mut self,
        policy: LockoutPolicy,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<CodeFailures> {
        Ok(self
            .commit_errand(now, tz, |tx| {
                let failures = record_code_failure(tx, policy, now)?;
                Ok(super::Errand {
                    value: failures,
                    event: sanban_wire::EventPayload::PickupCodeRejected(
                        sanban_wire::PickupCodeRejected {
                            failures_in_window: failures.in_window,
                            locked_until: failures.locked_until.map(rfc3339),
                        },
                    ),
                    print: None,
                })
            })?
            .value)
    }

    /// A door alert for the technicians (`locker.alert`).
    pub fn locker_alert(
        &mut self,
        door: u16,
        kind: sanban_wire::LockerAlertKind,
        open_seconds: Option<u32>,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<u64> {
        Ok(self
            .commit_errand(now, tz, |_| {
                Ok(super::Errand {
                    value: (),
                    event: alert(door, kind, open_seconds),
                    print: None,
                })
            })?
            .outbox_seq)
    }

    /// Settle an opening the kiosk started before it stopped, without firing the lock again: `door_open` is what
    /// the door's sensor reads now (false when it cannot be read). A pickup found open is collected (proof
    /// `found_open`); otherwise, and for every staff deposit, the document is held for the staff. The platform is
    /// told either way.
    pub fn resolve_interrupted_opening(
        &mut self,
        opening: &Opening,
        door_open: bool,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<Settled> {
        Ok(self
            .commit_errand(now, tz, |tx| {
                let settled = resolve_interrupted(tx, opening, door_open, now)?;
                let event = match (&settled, opening.purpose.as_str()) {
                    (_, "deposit") => alert(
                        opening.door,
                        sanban_wire::LockerAlertKind::Interrupted,
                        None,
                    ),
                    (Settled::FoundOpen(_), _) => {
                        sanban_wire::EventPayload::PickupCollected(sanban_wire::PickupCollected {
                            pickup_id: opening.pickup_id.clone(),
                            locker_door: opening.door.into(),
                            method: opening.method.clone(),
                            proof: OpeningProof::FoundOpen,
                        })
                    }
                    (Settled::Held(_), _) => {
                        sanban_wire::EventPayload::PickupHeld(sanban_wire::PickupHeld {
                            pickup_id: opening.pickup_id.clone(),
                            locker_door: opening.door.into(),
                            reason: HoldReason::Interrupted,
                        })
                    }
                };
                Ok(super::Errand {
                    value: settled,
                    event,
                    print: None,
                })
            })?
            .value)
    }
}

fn alert(
    door: u16,
    kind: sanban_wire::LockerAlertKind,
    open_seconds: Option<u32>,
) -> sanban_wire::EventPayload {
    sanban_wire::EventPayload::LockerAlert(sanban_wire::LockerAlert {
        locker_door: door.into(),
        alert: kind,
        open_seconds,
    })
}
