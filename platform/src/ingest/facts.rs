//! What the event rules need to know from the store, asked for a whole batch at once: one round trip per kind of
//! fact instead of several queries per event (on PostgreSQL each query is a network round trip).

use std::collections::{HashMap, HashSet};

use sanban_wire::EventPayload;

use super::parse::ParsedEvent;

/// (business_day, category, number) of a queue ticket.
pub type NumberKey = (String, String, String);
/// (service, date, slot_id) of an appointment slot.
pub type SlotKey = (String, String, String);

/// The keys a batch's events mention, deduplicated and sorted (backends lock in this order: no deadlocks).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FactsQuery {
    pub ticket_ids: Vec<String>,
    pub ticket_numbers: Vec<NumberKey>,
    /// (business_day, category) pairs whose leases of this kiosk are needed.
    pub lease_days: Vec<(String, String)>,
    pub appointment_requests: Vec<String>,
    pub slots: Vec<SlotKey>,
    pub application_ids: Vec<String>,
    pub application_nos: Vec<String>,
    pub pickup_ids: Vec<String>,
    pub rating_ids: Vec<String>,
    pub postal_request_ids: Vec<String>,
    /// Doors of this kiosk receiving a staff deposit: the documents still in them are needed.
    pub deposit_doors: Vec<u32>,
}

impl FactsQuery {
    pub fn for_events<'a>(events: impl IntoIterator<Item = &'a ParsedEvent>) -> FactsQuery {
        let mut q = FactsQuery::default();
        for ev in events {
            match &ev.payload {
                EventPayload::TicketIssued(p)
                | EventPayload::AppointmentCheckedIn(sanban_wire::AppointmentCheckedIn {
                    ticket: p,
                    ..
                }) => {
                    q.ticket_ids.push(p.ticket_id.to_string());
                    q.ticket_numbers.push((
                        p.business_day.clone(),
                        p.category.clone(),
                        p.number.clone(),
                    ));
                    q.lease_days
                        .push((p.business_day.clone(), p.category.clone()));
                }
                EventPayload::GuidePrinted(_)
                | EventPayload::HelpRequested(_)
                | EventPayload::PickupCodeRejected(_)
                | EventPayload::LockerAlert(_)
                | EventPayload::MaintenanceAccess(_)
                | EventPayload::MaintenanceAction(_)
                | EventPayload::AppointmentCancelled(_)
                | EventPayload::AppointmentRefusalSeen(_) => {}
                EventPayload::AppointmentRequested(p) => {
                    q.appointment_requests.push(p.request_id.to_string());
                    q.slots
                        .push((p.service.clone(), p.date.clone(), p.slot_id.clone()));
                }
                EventPayload::ApplicationSubmitted(p) => {
                    q.application_ids.push(p.application_id.to_string());
                    q.application_nos.push(p.application_no.clone());
                }
                EventPayload::PickupCollected(p) => q.pickup_ids.push(p.pickup_id.clone()),
                EventPayload::PickupHeld(p) => q.pickup_ids.push(p.pickup_id.clone()),
                EventPayload::PostalRequested(p) => {
                    q.pickup_ids.push(p.pickup_id.clone());
                    q.postal_request_ids.push(p.request_id.to_string());
                }
                EventPayload::LockerDeposited(p) => {
                    q.pickup_ids.push(p.pickup_id.clone());
                    q.deposit_doors.push(p.locker_door);
                }
                EventPayload::RatingSubmitted(p) => q.rating_ids.push(p.rating_id.to_string()),
            }
        }
        fn tidy<T: Ord>(v: &mut Vec<T>) {
            v.sort();
            v.dedup();
        }
        tidy(&mut q.ticket_ids);
        tidy(&mut q.ticket_numbers);
        tidy(&mut q.lease_days);
        tidy(&mut q.appointment_requests);
        tidy(&mut q.slots);
        tidy(&mut q.application_ids);
        tidy(&mut q.application_nos);
        tidy(&mut q.pickup_ids);
        tidy(&mut q.rating_ids);
        tidy(&mut q.postal_request_ids);
        tidy(&mut q.deposit_doors);
        q
    }
}

/// A block of queue numbers leased to the sending kiosk.
#[derive(Debug, Clone, PartialEq)]
pub struct LeasedBlock {
    pub business_day: String,
    pub category: String,
    pub first: u32,
    pub last: u32,
}

/// An appointment already booked under a request id.
#[derive(Debug, Clone, PartialEq)]
pub struct BookedRequest {
    pub appointment_id: String,
    pub slot: SlotKey,
}

/// A document in a locker, as the pickup rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct PickupState {
    pub kiosk_id: String,
    pub locker_door: u32,
    pub collected_at: Option<String>,
    pub held_at: Option<String>,
    pub posted_at: Option<String>,
    /// Taken out of its door by the staff (a later deposit in that door).
    pub cleared_at: Option<String>,
    pub postable: bool,
}

impl PickupState {
    /// Still behind its door: neither collected nor taken out.
    pub fn in_door(&self) -> bool {
        self.collected_at.is_none() && self.cleared_at.is_none()
    }
}

/// The answers to a [`FactsQuery`]. The rules update them as they apply events, so a later event of the same batch
/// sees what an earlier one did (a ticket id used twice in one batch is a duplicate too).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Facts {
    pub ticket_ids: HashSet<String>,
    /// Which kiosk holds a number already.
    pub number_holders: HashMap<NumberKey, String>,
    pub leases: Vec<LeasedBlock>,
    pub bookings: HashMap<String, BookedRequest>,
    /// Bookings per slot, for every slot of the query (absent: none).
    pub slot_counts: HashMap<SlotKey, u32>,
    pub application_ids: HashSet<String>,
    pub application_nos: HashSet<String>,
    /// The pickups asked for by id, and every document still in a deposit door of this kiosk.
    pub pickups: HashMap<String, PickupState>,
    pub rating_ids: HashSet<String>,
    /// Postal requests already made: request id → pickup id.
    pub postal_requests: HashMap<String, String>,
}
