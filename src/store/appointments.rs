//! 预约 on the kiosk: the bookings this kiosk took (confirmed online, or awaiting the platform's word), the ones it
//! acted on for a citizen who booked elsewhere (cancelled, checked in), the hall's calendar and the slot lists last
//! heard from the platform.
//!
//! A booking taken offline is `pending`; its `appointment.requested` event decides it: applied by the platform means
//! confirmed, rejected means refused with the platform's reason. That is read from the outbox when a booking is
//! read, so the sync agent needs to know nothing of appointments.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use sanban_wire::{
    AppointmentCancelled, AppointmentCheckedIn, AppointmentRefusalSeen, AppointmentRequested,
    AppointmentStatus, AppointmentView, ClockTime, EventPayload, HallCalendar, RefusalReason, Slot,
};
use uuid::Uuid;

use super::tickets::{insert_ticket, issued_payload};
use super::{
    Committed, Errand, IssuedTicket, NumberSource, PrintJob, Result, Store, StoreError, Subject,
    TicketRequest,
};

/// Where a booking stands, as this kiosk knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// Taken offline; the platform has not answered yet.
    Pending,
    Confirmed,
    /// The platform could not confirm it (see the booking's reason).
    Refused,
    Cancelled,
    CheckedIn,
    NoShow,
}

impl BookingStatus {
    pub fn code(self) -> &'static str {
        match self {
            BookingStatus::Pending => "pending",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Refused => "refused",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::CheckedIn => "checked_in",
            BookingStatus::NoShow => "no_show",
        }
    }

    fn from_code(code: &str) -> Option<BookingStatus> {
        [
            BookingStatus::Pending,
            BookingStatus::Confirmed,
            BookingStatus::Refused,
            BookingStatus::Cancelled,
            BookingStatus::CheckedIn,
            BookingStatus::NoShow,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// Holds a place (and counts toward one booking per service and day).
    pub fn is_active(self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Confirmed)
    }

    fn of_platform(status: AppointmentStatus) -> BookingStatus {
        match status {
            AppointmentStatus::Booked => BookingStatus::Confirmed,
            AppointmentStatus::Refused => BookingStatus::Refused,
            AppointmentStatus::Cancelled => BookingStatus::Cancelled,
            AppointmentStatus::CheckedIn => BookingStatus::CheckedIn,
            AppointmentStatus::NoShow => BookingStatus::NoShow,
        }
    }
}

/// Where the kiosk learnt of a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Taken at this kiosk.
    Here,
    /// Taken elsewhere; the platform told this kiosk about it.
    Platform,
}

/// One booking. It carries no personal data: the citizen is only ever the query's `citizen_ref`.
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    pub code: String,
    pub service: String,
    /// The service's window category (a check-in's ticket is for it).
    pub category: String,
    pub date: NaiveDate,
    pub slot_id: String,
    pub start: ClockTime,
    pub end: ClockTime,
    pub status: BookingStatus,
    /// With [`BookingStatus::Refused`]: the reason, when the platform gave a known one, and its words.
    pub reason: Option<RefusalReason>,
    pub detail: Option<String>,
    pub refusal_seen: bool,
    pub origin: Origin,
}

/// A booking to take at this kiosk.
#[derive(Clone, PartialEq)]
pub struct NewBooking {
    pub request_id: Uuid,
    pub code: String,
    pub service: String,
    pub category: String,
    pub date: NaiveDate,
    pub slot_id: String,
    pub start: ClockTime,
    pub end: ClockTime,
    pub citizen_ref: String,
    /// The platform confirmed it online; otherwise it waits for the platform's word.
    pub confirmed: bool,
}

impl fmt::Debug for NewBooking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewBooking")
            .field("request_id", &self.request_id)
            .field("code", &self.code)
            .field("service", &self.service)
            .field("date", &self.date)
            .field("slot_id", &self.slot_id)
            .field("confirmed", &self.confirmed)
            .finish_non_exhaustive()
    }
}

/// A booking the citizen already holds for the same service on the same day (one per citizen, service and day).
#[derive(Debug, Clone, PartialEq)]
pub struct AlreadyBooked(pub Booking);

const COLUMNS: &str =
    "a.code, a.service, a.category, a.date, a.slot_id, a.start, a.end, a.status, a.reason,
     a.refusal_seen, a.origin, o.status, o.last_error";

fn time(text: &str) -> rusqlite::Result<ClockTime> {
    ClockTime::parse(text).ok_or_else(|| invalid_column(format!("{text:?} is not HH:MM")))
}

fn invalid_column(why: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(StoreError::Invalid(why)),
    )
}

/// A row of [`COLUMNS`]. A pending booking takes the fate of its event.
fn booking(r: &Row) -> rusqlite::Result<Booking> {
    let date: String = r.get(3)?;
    let status: String = r.get(7)?;
    let mut status =
        BookingStatus::from_code(&status).ok_or_else(|| invalid_column(status.clone()))?;
    let mut detail: Option<String> = r.get(8)?;
    let event: Option<String> = r.get(11)?;
    if status == BookingStatus::Pending {
        match event.as_deref() {
            Some("applied") => status = BookingStatus::Confirmed,
            Some("rejected") => {
                status = BookingStatus::Refused;
                detail = r.get(12)?;
            }
            _ => {}
        }
    }
    let reason = match (status, &detail) {
        (BookingStatus::Refused, Some(text)) => RefusalReason::of_rejection(text).map(|(r, _)| r),
        _ => None,
    };
    Ok(Booking {
        code: r.get(0)?,
        service: r.get(1)?,
        category: r.get(2)?,
        date: NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|_| invalid_column(format!("{date:?} is not a date")))?,
        slot_id: r.get(4)?,
        start: time(&r.get::<_, String>(5)?)?,
        end: time(&r.get::<_, String>(6)?)?,
        status,
        reason,
        detail,
        refusal_seen: r.get(9)?,
        origin: if r.get::<_, String>(10)? == "here" {
            Origin::Here
        } else {
            Origin::Platform
        },
    })
}

fn stamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The next outbox sequence number inside an immediate transaction: the one `commit_errand` gives the errand's
/// event, since the transaction holds the database's write lock from its start.
fn next_seq(tx: &Transaction) -> Result<u64> {
    Ok(
        tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox", [], |r| {
            r.get(0)
        })?,
    )
}

/// Keep `b` (a booking taken elsewhere that the citizen acts on here) with status `status`.
fn remember(
    tx: &Transaction,
    b: &Booking,
    citizen_ref: &str,
    status: BookingStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO appointments (code, origin, citizen_ref, service, category, date, slot_id, start, end, status,
                                   reason, refusal_seen, created_at, updated_at)
         VALUES (?1, 'platform', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
         ON CONFLICT (code) DO UPDATE SET status = excluded.status, reason = COALESCE(excluded.reason, reason),
             refusal_seen = MAX(refusal_seen, excluded.refusal_seen), updated_at = excluded.updated_at",
        params![
            b.code,
            citizen_ref,
            b.service,
            b.category,
            b.date.to_string(),
            b.slot_id,
            b.start.to_string(),
            b.end.to_string(),
            status.code(),
            b.detail,
            b.refusal_seen,
            stamp(now)
        ],
    )?;
    Ok(())
}

impl Store {
    /// Take a booking: its row, its `appointment.requested` event (for an online booking, a copy the platform
    /// acknowledges without booking twice) and its slip, in one errand transaction. A citizen who already holds an
    /// active booking for the service that day gets [`AlreadyBooked`] and nothing is written.
    pub fn book_appointment(
        &mut self,
        new: &NewBooking,
        now: DateTime<Utc>,
        tz: Tz,
        render: impl FnOnce(&Booking) -> Vec<u8>,
    ) -> Result<std::result::Result<Committed<Booking>, AlreadyBooked>> {
        let held = self
            .citizen_bookings(&new.citizen_ref, new.date)?
            .into_iter()
            .find(|b| b.service == new.service && b.date == new.date && b.status.is_active());
        if let Some(b) = held {
            return Ok(Err(AlreadyBooked(b)));
        }
        let committed = self.commit_errand(now, tz, |tx| {
            let seq = next_seq(tx)?;
            tx.execute(
                "INSERT INTO appointments (code, request_id, origin, citizen_ref, service, category, date, slot_id,
                                           start, end, status, outbox_seq, created_at, updated_at)
                 VALUES (?1, ?2, 'here', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                params![
                    new.code,
                    new.request_id.to_string(),
                    new.citizen_ref,
                    new.service,
                    new.category,
                    new.date.to_string(),
                    new.slot_id,
                    new.start.to_string(),
                    new.end.to_string(),
                    if new.confirmed { "confirmed" } else { "pending" },
                    seq,
                    stamp(now)
                ],
            )?;
            let booking = Booking {
                code: new.code.clone(),
                service: new.service.clone(),
                category: new.category.clone(),
                date: new.date,
                slot_id: new.slot_id.clone(),
                start: new.start,
                end: new.end,
                status: if new.confirmed {
                    BookingStatus::Confirmed
                } else {
                    BookingStatus::Pending
                },
                reason: None,
                detail: None,
                refusal_seen: false,
                origin: Origin::Here,
            };
            let bytes = render(&booking);
            Ok(Errand {
                value: booking,
                event: EventPayload::AppointmentRequested(AppointmentRequested {
                    request_id: new.request_id,
                    service: new.service.clone(),
                    date: new.date.to_string(),
                    slot_id: new.slot_id.clone(),
                    citizen_ref: new.citizen_ref.clone(),
                    code: new.code.clone(),
                }),
                print: Some(PrintJob {
                    subject: Subject::AppointmentSlip,
                    subject_id: new.code.clone(),
                    bytes,
                }),
            })
        })?;
        Ok(Ok(committed))
    }

    /// The bookings this kiosk knows for `citizen_ref` from `from` on, by day and time.
    pub fn citizen_bookings(&self, citizen_ref: &str, from: NaiveDate) -> Result<Vec<Booking>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM appointments a LEFT JOIN outbox o ON o.seq = a.outbox_seq
             WHERE a.citizen_ref = ?1 AND a.date >= ?2 ORDER BY a.date, a.start, a.code"
        ))?;
        let rows = stmt.query_map(params![citizen_ref, from.to_string()], booking)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// One booking by its code.
    pub fn booking(&self, code: &str) -> Result<Option<Booking>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM appointments a LEFT JOIN outbox o ON o.seq = a.outbox_seq
                     WHERE a.code = ?1"
                ),
                [code],
                booking,
            )
            .optional()?)
    }

    /// Cancel `b` for the citizen `citizen_ref`: its status and the `appointment.cancelled` event, in one errand
    /// transaction (nothing printed).
    pub fn cancel_appointment(
        &mut self,
        b: &Booking,
        citizen_ref: &str,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<u64> {
        let committed = self.commit_errand(now, tz, |tx| {
            remember(tx, b, citizen_ref, BookingStatus::Cancelled, now)?;
            Ok(Errand {
                value: (),
                event: EventPayload::AppointmentCancelled(AppointmentCancelled {
                    code: b.code.clone(),
                    citizen_ref: citizen_ref.to_string(),
                }),
                print: None,
            })
        })?;
        Ok(committed.outbox_seq)
    }

    /// Check in `b`: a priority ticket (绿色通道) for its window category, numbered like any ticket, the booking marked
    /// checked in, and one `appointment.checked_in` event carrying the ticket, with the ticket's print job — one
    /// errand transaction, so there is never a check-in without its ticket or a ticket without its check-in.
    #[allow(clippy::too_many_arguments)]
    pub fn check_in(
        &mut self,
        b: &Booking,
        citizen_ref: &str,
        now: DateTime<Utc>,
        tz: Tz,
        source: &NumberSource,
        waiting_window: Duration,
        render: impl FnOnce(&IssuedTicket) -> Vec<u8>,
    ) -> Result<IssuedTicket> {
        let committed = self.commit_errand(now, tz, |tx| {
            let request = TicketRequest {
                category: b.category.clone(),
                priority: true,
            };
            let ticket = insert_ticket(tx, &request, now, tz, source, waiting_window)?;
            remember(tx, b, citizen_ref, BookingStatus::CheckedIn, now)?;
            tx.execute(
                "UPDATE appointments SET ticket_id = ?2 WHERE code = ?1",
                params![b.code, ticket.id.to_string()],
            )?;
            let bytes = render(&ticket);
            Ok(Errand {
                event: EventPayload::AppointmentCheckedIn(AppointmentCheckedIn {
                    code: b.code.clone(),
                    citizen_ref: citizen_ref.to_string(),
                    ticket: issued_payload(&ticket),
                }),
                print: Some(PrintJob {
                    subject: Subject::Ticket,
                    subject_id: ticket.id.to_string(),
                    bytes,
                }),
                value: ticket,
            })
        })?;
        let mut ticket = committed.value;
        ticket.outbox_seq = committed.outbox_seq;
        ticket.print_job = committed.print_job;
        Ok(ticket)
    }

    /// The citizen was shown that `b` was refused: remember it, and tell the platform so no other kiosk says it
    /// again.
    pub fn refusal_seen(
        &mut self,
        b: &Booking,
        citizen_ref: &str,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<()> {
        self.commit_errand(now, tz, |tx| {
            let seen = Booking {
                refusal_seen: true,
                ..b.clone()
            };
            // A booking taken here keeps its own row (and the event that refused it); one taken elsewhere is kept
            // as the platform described it.
            let updated = tx.execute(
                "UPDATE appointments SET refusal_seen = 1, updated_at = ?2 WHERE code = ?1",
                params![b.code, stamp(now)],
            )?;
            if updated == 0 {
                remember(tx, &seen, citizen_ref, BookingStatus::Refused, now)?;
            }
            Ok(Errand {
                value: (),
                event: EventPayload::AppointmentRefusalSeen(AppointmentRefusalSeen {
                    code: b.code.clone(),
                    citizen_ref: citizen_ref.to_string(),
                }),
                print: None,
            })
        })?;
        Ok(())
    }

    /// The last slot list heard from the platform for `service` on `date`, and when.
    pub fn cached_slots(
        &self,
        service: &str,
        date: NaiveDate,
    ) -> Result<Option<(Vec<Slot>, DateTime<Utc>)>> {
        let row: Option<(String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT slots, fetched_at FROM appointment_slot_cache WHERE service = ?1 AND date = ?2",
            )?
            .query_row(params![service, date.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((slots, at)) = row else {
            return Ok(None);
        };
        let slots = serde_json::from_str(&slots)
            .map_err(|e| StoreError::Invalid(format!("cached slots: {e}")))?;
        let at = DateTime::parse_from_rfc3339(&at)
            .map_err(|e| StoreError::Invalid(format!("cached slots' time: {e}")))?
            .to_utc();
        Ok(Some((slots, at)))
    }

    /// Keep the slot list just heard from the platform; lists of days gone by are dropped.
    pub fn cache_slots(
        &self,
        service: &str,
        date: NaiveDate,
        slots: &[Slot],
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<()> {
        let json = serde_json::to_string(slots).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.conn()
            .prepare_cached(
                "INSERT INTO appointment_slot_cache (service, date, slots, fetched_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (service, date) DO UPDATE SET slots = excluded.slots, fetched_at = excluded.fetched_at",
            )?
            .execute(params![service, date.to_string(), json, stamp(now)])?;
        self.conn()
            .prepare_cached("DELETE FROM appointment_slot_cache WHERE date < ?1")?
            .execute([today.to_string()])?;
        Ok(())
    }

    /// Places this kiosk took offline for `service` on `date` that the platform has not counted yet, per slot.
    pub fn unsent_bookings(&self, service: &str, date: NaiveDate) -> Result<HashMap<String, u32>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT a.slot_id, COUNT(*) FROM appointments a JOIN outbox o ON o.seq = a.outbox_seq
             WHERE a.service = ?1 AND a.date = ?2 AND a.status = 'pending' AND o.status = 'pending'
             GROUP BY a.slot_id",
        )?;
        let rows = stmt.query_map(params![service, date.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The hall's calendar as last heard from the platform (the built-in one until then).
    pub fn hall_calendar(&self) -> Result<HallCalendar> {
        Ok(self
            .meta("appointments.calendar")?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_else(HallCalendar::seed))
    }

    pub fn set_hall_calendar(&self, calendar: &HallCalendar) -> Result<()> {
        let text =
            serde_json::to_string(calendar).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.set_meta("appointments.calendar", &text)
    }
}

/// A booking as the platform described it, in the kiosk's terms; `None` for a malformed one.
pub fn from_platform(view: &AppointmentView, category: &str) -> Option<Booking> {
    Some(Booking {
        code: view.code.clone(),
        service: view.service.clone(),
        category: category.to_string(),
        date: NaiveDate::parse_from_str(&view.date, "%Y-%m-%d").ok()?,
        slot_id: view.slot_id.clone(),
        start: ClockTime::parse(&view.start)?,
        end: ClockTime::parse(&view.end)?,
        status: BookingStatus::of_platform(view.status),
        reason: view.reason,
        detail: view.reason.map(|r| r.code().to_string()),
        refusal_seen: view.refusal_seen,
        origin: Origin::Platform,
    })
}

/// This kiosk's bookings and the platform's view of the same citizen, as one list by day and time. The platform
/// knows bookings taken elsewhere and how this kiosk's offline requests fared; this kiosk knows what it did and has
/// not sent yet (a cancellation or a check-in still in its outbox wins over the platform's older state).
pub fn merge(local: Vec<Booking>, platform: Vec<Booking>) -> Vec<Booking> {
    let mut by_code: Vec<Booking> = Vec::with_capacity(local.len() + platform.len());
    for b in local {
        by_code.push(b);
    }
    for p in platform {
        match by_code.iter_mut().find(|b| b.code == p.code) {
            Some(mine) => {
                let acted_here = matches!(
                    mine.status,
                    BookingStatus::Cancelled | BookingStatus::CheckedIn
                );
                if !acted_here {
                    let seen = mine.refusal_seen || p.refusal_seen;
                    let origin = mine.origin;
                    *mine = Booking {
                        origin,
                        refusal_seen: seen,
                        ..p
                    };
                }
            }
            None => by_code.push(p),
        }
    }
    by_code.sort_by(|a, b| (a.date, a.start, &a.code).cmp(&(b.date, b.start, &b.code)));
    by_code
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn tz() -> Tz {
        "Asia/Shanghai".parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
    }

    fn new(code: &str, service: &str, date: &str, confirmed: bool) -> NewBooking {
        NewBooking {
            request_id: Uuid::now_v7(),
            code: code.into(),
            service: service.into(),
            category: "social".into(),
            date: date.parse().unwrap(),
            slot_id: "0930".into(),
            start: ClockTime::parse("09:30").unwrap(),
            end: ClockTime::parse("10:00").unwrap(),
            citizen_ref: "ref-a".into(),
            confirmed,
        }
    }

    fn book(store: &mut Store, b: &NewBooking) -> Booking {
        store
            .book_appointment(b, now(), tz(), |_| b"slip".to_vec())
            .unwrap()
            .unwrap()
            .value
    }

    #[test]
    fn a_booking_commits_its_row_event_and_slip_together() {
        let mut store = Store::open_in_memory().unwrap();
        let b = new("ABCDEFGH", "SOC-01", "2026-12-02", true);
        let committed = store
            .book_appointment(&b, now(), tz(), |_| b"slip".to_vec())
            .unwrap()
            .unwrap();
        assert_eq!(committed.value.status, BookingStatus::Confirmed);
        let events = store.pending_events(10).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, "appointment.requested");
        assert_eq!(events[0].payload["code"], "ABCDEFGH");
        assert_eq!(events[0].seq, committed.outbox_seq);
        assert!(committed.print_job.is_some());
        let listed = store
            .citizen_bookings("ref-a", "2026-12-01".parse().unwrap())
            .unwrap();
        assert_eq!(listed, vec![committed.value]);
        assert!(store
            .citizen_bookings("ref-b", "2026-12-01".parse().unwrap())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_pending_booking_takes_the_fate_of_its_event() {
        let mut store = Store::open_in_memory().unwrap();
        let from = "2026-12-01".parse().unwrap();
        book(&mut store, &new("AAAAAAAA", "SOC-01", "2026-12-02", false));
        book(&mut store, &new("BBBBBBBB", "POL-01", "2026-12-02", false));
        let statuses = |s: &Store| -> Vec<BookingStatus> {
            s.citizen_bookings("ref-a", from)
                .unwrap()
                .iter()
                .map(|b| b.status)
                .collect()
        };
        assert_eq!(
            statuses(&store),
            [BookingStatus::Pending, BookingStatus::Pending]
        );
        assert_eq!(
            store
                .unsent_bookings("SOC-01", "2026-12-02".parse().unwrap())
                .unwrap()
                .get("0930"),
            Some(&1)
        );
        store
            .settle_events(
                2,
                &[(2, "slot_full: slot 0930 on 2026-12-02 is full".into())],
                now(),
            )
            .unwrap();
        assert_eq!(
            statuses(&store),
            [BookingStatus::Confirmed, BookingStatus::Refused]
        );
        let refused = store.booking("BBBBBBBB").unwrap().unwrap();
        assert_eq!(refused.reason, Some(RefusalReason::SlotFull));
        assert!(store
            .unsent_bookings("SOC-01", "2026-12-02".parse().unwrap())
            .unwrap()
            .is_empty());
        store.refusal_seen(&refused, "ref-a", now(), tz()).unwrap();
        assert!(store.booking("BBBBBBBB").unwrap().unwrap().refusal_seen);
        assert_eq!(
            store.pending_events(10).unwrap()[0].kind,
            "appointment.refusal_seen"
        );
    }

    #[test]
    fn one_active_booking_per_service_and_day_and_a_refused_one_does_not_count() {
        let mut store = Store::open_in_memory().unwrap();
        book(&mut store, &new("AAAAAAAA", "SOC-01", "2026-12-02", false));
        let again = store
            .book_appointment(
                &new("CCCCCCCC", "SOC-01", "2026-12-02", true),
                now(),
                tz(),
                |_| Vec::new(),
            )
            .unwrap();
        assert!(matches!(again, Err(AlreadyBooked(b)) if b.code == "AAAAAAAA"));
        assert_eq!(
            store.pending_events(10).unwrap().len(),
            1,
            "nothing written"
        );
        // Another day or another service is fine.
        book(&mut store, &new("DDDDDDDD", "SOC-01", "2026-12-03", false));
        book(&mut store, &new("EEEEEEEE", "POL-01", "2026-12-02", false));
        // Once refused, the day is free again.
        store
            .settle_events(1, &[(1, "slot_full: full".into())], now())
            .unwrap();
        book(&mut store, &new("FFFFFFFF", "SOC-01", "2026-12-02", false));
    }

    #[test]
    fn a_check_in_is_one_ticket_one_event_and_the_booking_marked() {
        let mut store = Store::open_in_memory().unwrap();
        let b = book(&mut store, &new("AAAAAAAA", "SOC-01", "2026-11-30", true));
        let ticket = store
            .check_in(
                &b,
                "ref-a",
                now(),
                tz(),
                &NumberSource::Local,
                Duration::minutes(120),
                |t| format!("ticket {}", t.number).into_bytes(),
            )
            .unwrap();
        assert!(ticket.priority);
        assert_eq!(ticket.number, "B001");
        assert!(ticket.print_job.is_some());
        let events = store.pending_events(10).unwrap();
        assert_eq!(
            events.len(),
            2,
            "the booking, then the check-in (no separate ticket event)"
        );
        assert_eq!(events[1].kind, "appointment.checked_in");
        assert_eq!(events[1].payload["ticket"]["number"], "B001");
        assert_eq!(events[1].payload["ticket"]["priority"], true);
        assert_eq!(
            store.booking("AAAAAAAA").unwrap().unwrap().status,
            BookingStatus::CheckedIn
        );
        assert_eq!(store.all_ticket_numbers().unwrap().len(), 1);
    }

    #[test]
    fn acting_on_a_booking_taken_elsewhere_keeps_it_here() {
        let mut store = Store::open_in_memory().unwrap();
        let view = AppointmentView {
            code: "KKKKKKKK".into(),
            kiosk_id: "K02".into(),
            service: "POL-01".into(),
            date: "2026-12-02".into(),
            slot_id: "1000".into(),
            start: "10:00".into(),
            end: "10:30".into(),
            status: AppointmentStatus::Booked,
            reason: None,
            refusal_seen: false,
        };
        let b = from_platform(&view, "police").unwrap();
        assert_eq!(b.status, BookingStatus::Confirmed);
        store.cancel_appointment(&b, "ref-a", now(), tz()).unwrap();
        let kept = store.booking("KKKKKKKK").unwrap().unwrap();
        assert_eq!(kept.status, BookingStatus::Cancelled);
        assert_eq!(kept.origin, Origin::Platform);
        let event = &store.pending_events(10).unwrap()[0];
        assert_eq!(event.kind, "appointment.cancelled");
        assert_eq!(event.payload["code"], "KKKKKKKK");
        // The platform has not heard of the cancellation yet: what was done here wins.
        let merged = merge(vec![kept], vec![b]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].status, BookingStatus::Cancelled);
    }

    #[test]
    fn the_platform_tells_how_an_offline_booking_fared_elsewhere() {
        let mut store = Store::open_in_memory().unwrap();
        let mine = book(&mut store, &new("AAAAAAAA", "SOC-01", "2026-12-02", false));
        let mut refused = mine.clone();
        refused.status = BookingStatus::Refused;
        refused.reason = Some(RefusalReason::DailyLimit);
        refused.origin = Origin::Platform;
        let other = Booking {
            code: "ZZZZZZZZ".into(),
            date: "2026-12-01".parse().unwrap(),
            origin: Origin::Platform,
            ..mine.clone()
        };
        let merged = merge(vec![mine], vec![refused, other]);
        assert_eq!(
            merged.iter().map(|b| b.code.as_str()).collect::<Vec<_>>(),
            ["ZZZZZZZZ", "AAAAAAAA"],
            "by day"
        );
        assert_eq!(merged[1].status, BookingStatus::Refused);
        assert_eq!(merged[1].origin, Origin::Here);
    }

    #[test]
    fn slot_lists_are_cached_by_service_and_day_and_old_days_dropped() {
        let store = Store::open_in_memory().unwrap();
        let slots = vec![Slot {
            slot_id: "0930".into(),
            start: "09:30".into(),
            end: "10:00".into(),
            capacity: 4,
            booked: 1,
        }];
        let d1: NaiveDate = "2026-12-01".parse().unwrap();
        let d2: NaiveDate = "2026-12-02".parse().unwrap();
        store.cache_slots("SOC-01", d1, &slots, now(), d1).unwrap();
        let (cached, at) = store.cached_slots("SOC-01", d1).unwrap().unwrap();
        assert_eq!(cached, slots);
        assert_eq!(at, now());
        assert!(store.cached_slots("SOC-01", d2).unwrap().is_none());
        store.cache_slots("SOC-01", d2, &slots, now(), d2).unwrap();
        assert!(
            store.cached_slots("SOC-01", d1).unwrap().is_none(),
            "a day gone by"
        );
    }

    #[test]
    fn the_calendar_is_the_seed_until_the_platform_sends_one() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.hall_calendar().unwrap(), HallCalendar::seed());
        let mut c = HallCalendar::seed();
        c.bookable_days = 8;
        store.set_hall_calendar(&c).unwrap();
        assert_eq!(store.hall_calendar().unwrap().bookable_days, 8);
    }
}
