//! Event ingestion (`POST /v1/kiosks/{id}/events`): exactly-once, in-order application of a kiosk's outbox.
//!
//! Two kinds of trouble, two answers:
//! - **malformed** ([`parse`]): the batch is not what the protocol says (bad JSON, unknown kind, payload of the wrong
//!   shape, sequence out of order). The kiosk is broken; 400 and nothing stored.
//! - **invalid** ([`apply`]): a well-formed event the platform cannot honour (unknown category, slot full, duplicate
//!   ticket id). The event is *rejected with a reason* and acknowledged, so it never blocks the events behind it.

pub mod apply;
pub mod batch;
pub mod parse;

pub use batch::{apply_batch, BatchOutcome};
pub use parse::{parse_batch, Malformed, ParsedEvent, MAX_EVENTS_PER_BATCH};
