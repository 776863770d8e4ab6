//! Event ingestion (`POST /v1/kiosks/{id}/events`): exactly-once, in-order application of a kiosk's outbox.
//!
//! Two kinds of trouble, two answers:
//! - **malformed** ([`parse`]): the batch is not what the protocol says (bad JSON, unknown kind, payload of the wrong
//!   shape, sequence out of order). The kiosk is broken; 400 and nothing stored.
//! - **invalid** ([`apply`]): a well-formed event the platform cannot honour (unknown category, slot full, duplicate
//!   ticket id, a number the kiosk was never leased). The event is *rejected with a reason* and acknowledged, so it
//!   never blocks the events behind it.
//!
//! The flow ([`batch`]) and the rules ([`apply`]) are the same on every store: a store answers the batch's
//! questions at once ([`facts`]) and writes its rows at once ([`writes`]).

pub mod apply;
pub mod batch;
pub mod facts;
pub mod maintenance_audit;
pub mod parse;
pub mod writes;

pub use batch::{settle_batch, BatchOutcome, BatchTx, EventIdUse, SettledEvent};
pub use parse::{parse_batch, Malformed, ParsedEvent, MAX_EVENTS_PER_BATCH};
