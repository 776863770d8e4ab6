//! Queue tickets: numbering per window category and business day, committed with their outbox event and print
//! job in one transaction.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{params, OptionalExtension, Transaction};
use sanban_wire::{EventPayload, TicketIssued, WINDOW_CATEGORIES};
use uuid::Uuid;

use super::{Errand, PrintJob, Result, Store, StoreError, Subject};
use crate::clock::business_day;

/// What the citizen asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRequest {
    /// A window category code (`sanban_wire::WINDOW_CATEGORIES`).
    pub category: String,
    /// 绿色通道: 60 or older, or an appointment check-in.
    pub priority: bool,
}

/// Where queue numbers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberSource {
    /// No platform: this kiosk is the hall's only issuer and numbers from its own per-day counter (A001, A002…).
    Local,
    /// Numbers come from blocks leased from the platform; when none is left, the kiosk issues offline numbers with
    /// its own prefix (K01-A001), which can never collide with leased ones.
    Leased { offline_prefix: String },
}

/// A ticket as committed.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedTicket {
    pub id: Uuid,
    pub category: String,
    pub business_day: NaiveDate,
    pub serial: u32,
    pub number: String,
    pub priority: bool,
    pub offline: bool,
    pub issued_at: DateTime<Utc>,
    /// Tickets of the same window still waiting ahead (local estimate).
    pub ahead: u32,
    pub outbox_seq: u64,
    /// The print job stored with the ticket, if a receipt was rendered.
    pub print_job: Option<i64>,
}

/// The letter that prefixes a category's numbers, or an error for an unknown category.
pub fn category_letter(category: &str) -> Result<char> {
    WINDOW_CATEGORIES
        .iter()
        .find(|(code, ..)| *code == category)
        .map(|(_, letter, ..)| *letter)
        .ok_or_else(|| StoreError::Invalid(format!("unknown window category {category:?}")))
}

impl Store {
    /// Issue a ticket: take the next number, count who is waiting, store the ticket, its outbox event and (when
    /// `render` returns bytes) its print job — all in one transaction, so a printed receipt is always a durable
    /// record and a crash never leaves a number half-issued.
    pub fn issue_ticket(
        &mut self,
        req: &TicketRequest,
        now: DateTime<Utc>,
        tz: Tz,
        source: &NumberSource,
        waiting_window: Duration,
        render: impl FnOnce(&IssuedTicket) -> Option<Vec<u8>>,
    ) -> Result<IssuedTicket> {
        let committed = self.commit_errand(now, tz, |tx| {
            let ticket = insert_ticket(tx, req, now, tz, source, waiting_window)?;
            let event = EventPayload::TicketIssued(issued_payload(&ticket));
            let print = render(&ticket).map(|bytes| PrintJob {
                subject: Subject::Ticket,
                subject_id: ticket.id.to_string(),
                bytes,
            });
            Ok(Errand {
                value: ticket,
                event,
                print,
            })
        })?;
        let mut ticket = committed.value;
        ticket.outbox_seq = committed.outbox_seq;
        ticket.print_job = committed.print_job;
        Ok(ticket)
    }

    /// Every ticket number ever issued, oldest first.
    pub fn all_ticket_numbers(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, number FROM tickets ORDER BY issued_at, rowid")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Tickets waiting per category today (the "等候 N 人" hint on the category buttons).
    pub fn waiting_by_category(
        &self,
        now: DateTime<Utc>,
        tz: Tz,
        window: Duration,
    ) -> Result<Vec<(String, u32)>> {
        let day = business_day(now, tz).to_string();
        let start = timestamp(now - window);
        let mut stmt = self.conn().prepare(
            "SELECT category, COUNT(*) FROM tickets WHERE business_day = ?1 AND issued_at >= ?2 GROUP BY category",
        )?;
        let rows = stmt.query_map(params![day, start], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Store a block of numbers leased from the platform.
    pub fn add_lease(&self, category: &str, day: &str, first: u32, last: u32) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO ticket_leases (category, business_day, first, last, next) VALUES (?1, ?2, ?3, ?4, ?3)",
            params![category, day, first, last],
        )?;
        Ok(())
    }

    /// Numbers still unused in leased blocks of `category` on `day`.
    pub fn lease_remaining(&self, category: &str, day: &str) -> Result<u32> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(SUM(last - next + 1), 0) FROM ticket_leases WHERE category = ?1 AND business_day = ?2 AND next <= last",
            params![category, day],
            |r| r.get(0),
        )?)
    }
}

/// What the platform is told of a ticket.
pub(crate) fn issued_payload(ticket: &IssuedTicket) -> TicketIssued {
    TicketIssued {
        ticket_id: ticket.id,
        category: ticket.category.clone(),
        number: ticket.number.clone(),
        business_day: ticket.business_day.to_string(),
        priority: ticket.priority,
        offline: ticket.offline,
    }
}

/// The ticket's own rows: take the next number, count who is waiting, insert the ticket. Other errands that hand
/// out a ticket (an appointment check-in) call it inside their own transaction.
pub(crate) fn insert_ticket(
    tx: &Transaction,
    req: &TicketRequest,
    now: DateTime<Utc>,
    tz: Tz,
    source: &NumberSource,
    waiting_window: Duration,
) -> Result<IssuedTicket> {
    let letter = category_letter(&req.category)?;
    let day = business_day(now, tz);
    let day_text = day.to_string();
    // A number already used today (the kiosk switched between its own counter and leased blocks mid-day) is
    // skipped, never issued twice.
    let (serial, number, offline) = loop {
        let candidate = match source {
            NumberSource::Local => {
                let serial = next_counter(tx, &req.category, &day_text, "local")?;
                (serial, format!("{letter}{serial:03}"), false)
            }
            NumberSource::Leased { offline_prefix } => {
                match take_leased(tx, &req.category, &day_text)? {
                    Some(serial) => (serial, format!("{letter}{serial:03}"), false),
                    None => {
                        let serial = next_counter(tx, &req.category, &day_text, "offline")?;
                        (
                            serial,
                            format!("{offline_prefix}-{letter}{serial:03}"),
                            true,
                        )
                    }
                }
            }
        };
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM tickets WHERE business_day = ?1 AND number = ?2)",
            params![day_text, candidate.1],
            |r| r.get(0),
        )?;
        if !taken {
            break candidate;
        }
        if candidate.0 >= MAX_SERIAL {
            return Err(StoreError::Invalid(format!(
                "no queue numbers left for {} today",
                req.category
            )));
        }
    };

    let window_start = timestamp(now - waiting_window);
    let ahead: u32 = tx.query_row(
        "SELECT COUNT(*) FROM tickets WHERE category = ?1 AND business_day = ?2 AND issued_at >= ?3",
        params![req.category, day_text, window_start],
        |r| r.get(0),
    )?;

    let id = Uuid::now_v7();
    tx.execute(
        "INSERT INTO tickets (id, category, business_day, serial, number, priority, offline, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id.to_string(), req.category, day_text, serial, number, req.priority, offline, timestamp(now)],
    )?;
    Ok(IssuedTicket {
        id,
        category: req.category.clone(),
        business_day: day,
        serial,
        number,
        priority: req.priority,
        offline,
        issued_at: now,
        ahead,
        outbox_seq: 0,
        print_job: None,
    })
}

/// Highest serial of a category in a day: numbers never grow past four digits.
const MAX_SERIAL: u32 = 9999;

/// The one text form of instants in the tickets table, so that comparing them as text orders them in time.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Next value of a per-day counter. A new day starts a new row at 1, so midnight neither reuses nor skips.
fn next_counter(tx: &Transaction, category: &str, day: &str, source: &str) -> Result<u32> {
    Ok(tx.query_row(
        "INSERT INTO ticket_counters (category, business_day, source, last_serial) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (category, business_day, source) DO UPDATE SET last_serial = last_serial + 1
         RETURNING last_serial",
        params![category, day, source],
        |r| r.get(0),
    )?)
}

/// Take the lowest unused leased number, if any block has one left.
fn take_leased(tx: &Transaction, category: &str, day: &str) -> Result<Option<u32>> {
    let block: Option<(u32, u32)> = tx
        .query_row(
            "SELECT first, next FROM ticket_leases WHERE category = ?1 AND business_day = ?2 AND next <= last
             ORDER BY first LIMIT 1",
            params![category, day],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((first, next)) = block else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE ticket_leases SET next = next + 1 WHERE category = ?1 AND business_day = ?2 AND first = ?3",
        params![category, day, first],
    )?;
    Ok(Some(next))
}
