//! Every table of the platform, its columns and their kinds, in foreign-key order: what `migrate` copies between
//! stores and what the tests count. Both stores' schemas must match this list (a test checks it), so adding a
//! table means adding it here too.

use super::error::StoreError;

/// How a column's values travel between stores (SQLite keeps booleans as 0/1 integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Int,
    Text,
    Bool,
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, ColumnKind)],
    /// A stable order to copy in (the primary key).
    pub order_by: &'static str,
}

impl Table {
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One value of a copied row (any column may be NULL).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
}

/// Up to [`CHUNK_ROWS`] rows of one table (index into [`TABLES`]), on their way from one store to another.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyChunk {
    pub table: usize,
    pub rows: Vec<Vec<Value>>,
}

pub const CHUNK_ROWS: usize = 1000;

/// What travels from the exporting store to the importing one. An importer commits only after `Done`: a channel
/// closed before it means the export failed.
#[derive(Debug, Clone, PartialEq)]
pub enum CopyItem {
    Rows(CopyChunk),
    Done,
}

pub fn export_stopped() -> StoreError {
    StoreError::Invalid("the export stopped before it was complete; nothing was imported".into())
}

use ColumnKind::{Bool, Int, Text};

pub const TABLES: &[Table] = &[
    Table {
        name: "kiosks",
        columns: &[
            ("id", Text),
            ("token_sha256", Text),
            ("registered_at", Text),
            ("token_rotated_at", Text),
            ("last_seen", Text),
            ("app_version", Text),
            ("last_heartbeat", Text),
            ("last_applied_seq", Int),
            ("name", Text),
            ("hall", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "catalog",
        columns: &[("version", Int), ("published_at", Text), ("services", Text)],
        order_by: "version",
    },
    Table {
        name: "events",
        columns: &[
            ("kiosk_id", Text),
            ("seq", Int),
            ("event_id", Text),
            ("kind", Text),
            ("occurred_at", Text),
            ("received_at", Text),
            ("outcome", Text),
            ("payload_sha256", Text),
        ],
        order_by: "kiosk_id, seq",
    },
    Table {
        name: "rejections",
        columns: &[
            ("kiosk_id", Text),
            ("seq", Int),
            ("reason", Text),
            ("rejected_at", Text),
        ],
        order_by: "kiosk_id, seq",
    },
    Table {
        name: "tickets",
        columns: &[
            ("ticket_id", Text),
            ("kiosk_id", Text),
            ("seq", Int),
            ("category", Text),
            ("number", Text),
            ("business_day", Text),
            ("priority", Bool),
            ("offline", Bool),
            ("occurred_at", Text),
        ],
        order_by: "ticket_id",
    },
    Table {
        name: "appointments",
        columns: &[
            ("appointment_id", Text),
            ("request_id", Text),
            ("kiosk_id", Text),
            ("service", Text),
            ("date", Text),
            ("slot_id", Text),
            ("citizen_ref", Text),
            ("source", Text),
            ("seq", Int),
            ("created_at", Text),
            ("code", Text),
            ("status", Text),
            ("reason", Text),
            ("refusal_seen", Bool),
            ("updated_at", Text),
        ],
        order_by: "appointment_id",
    },
    Table {
        name: "applications",
        columns: &[
            ("application_id", Text),
            ("application_no", Text),
            ("kiosk_id", Text),
            ("seq", Int),
            ("service", Text),
            ("citizen_ref", Text),
            ("fields", Text),
            ("materials_provided", Text),
            ("materials_owed", Text),
            ("delivery", Text),
            ("occurred_at", Text),
            ("materials_deferred", Text),
            ("applicant", Text),
        ],
        order_by: "application_id",
    },
    Table {
        name: "application_statuses",
        columns: &[
            ("application_id", Text),
            ("step", Int),
            ("status", Text),
            ("at", Text),
            ("note", Text),
            ("set_by", Text),
        ],
        order_by: "application_id, step",
    },
    Table {
        name: "pickups",
        columns: &[
            ("pickup_id", Text),
            ("kiosk_id", Text),
            ("locker_door", Int),
            ("code_hash", Text),
            ("document", Text),
            ("created_at", Text),
            ("collected_at", Text),
            ("collected_seq", Int),
            ("collected_method", Text),
            ("code_salt", Text),
            ("document_en", Text),
            ("citizen_ref", Text),
            ("holder", Text),
            ("postable", Bool),
            ("document_no", Text),
            ("deposited_seq", Int),
            ("held_at", Text),
            ("held_reason", Text),
            ("held_seq", Int),
            ("posted_at", Text),
            ("cleared_at", Text),
        ],
        order_by: "pickup_id",
    },
    Table {
        name: "ratings",
        columns: &[
            ("rating_id", Text),
            ("kiosk_id", Text),
            ("seq", Int),
            ("errand", Text),
            ("service", Text),
            ("level", Int),
            ("reason", Text),
            ("occurred_at", Text),
            ("errand_id", Text),
            ("channel", Text),
            ("level_name", Text),
            ("reasons", Text),
            ("text", Text),
            ("callback_phone", Text),
            ("times_rated", Int),
        ],
        order_by: "rating_id",
    },
    Table {
        name: "number_counters",
        columns: &[
            ("category", Text),
            ("business_day", Text),
            ("last_number", Int),
        ],
        order_by: "category, business_day",
    },
    Table {
        name: "leases",
        columns: &[
            ("id", Int),
            ("kiosk_id", Text),
            ("category", Text),
            ("business_day", Text),
            ("first_number", Int),
            ("last_number", Int),
            ("granted_at", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "lease_requests",
        columns: &[
            ("kiosk_id", Text),
            ("request_id", Text),
            ("fingerprint", Text),
            ("reply", Text),
            ("created_at", Text),
        ],
        order_by: "kiosk_id, request_id",
    },
    Table {
        name: "guide_prints",
        columns: &[
            ("kiosk_id", Text),
            ("seq", Int),
            ("service", Text),
            ("catalog_version", Int),
            ("language", Text),
            ("occurred_at", Text),
        ],
        order_by: "kiosk_id, seq",
    },
    Table {
        name: "help_requests",
        columns: &[
            ("kiosk_id", Text),
            ("seq", Int),
            ("page", Text),
            ("occurred_at", Text),
        ],
        order_by: "kiosk_id, seq",
    },
    Table {
        name: "maintenance_events",
        columns: &[
            ("kiosk_id", Text),
            ("seq", Int),
            ("kind", Text),
            ("technician", Text),
            ("what", Text),
            ("target", Text),
            ("result", Text),
            ("occurred_at", Text),
        ],
        order_by: "kiosk_id, seq",
    },
    Table {
        name: "postal_requests",
        columns: &[
            ("request_id", Text),
            ("pickup_id", Text),
            ("kiosk_id", Text),
            ("seq", Int),
            ("citizen_ref", Text),
            ("recipient", Text),
            ("requested_at", Text),
        ],
        order_by: "request_id",
    },
    Table {
        name: "pickup_code_rejections",
        columns: &[
            ("kiosk_id", Text),
            ("seq", Int),
            ("failures_in_window", Int),
            ("locked_until", Text),
            ("occurred_at", Text),
        ],
        order_by: "kiosk_id, seq",
    },
    Table {
        name: "locker_alerts",
        columns: &[
            ("kiosk_id", Text),
            ("seq", Int),
            ("locker_door", Int),
            ("alert", Text),
            ("open_seconds", Int),
            ("occurred_at", Text),
        ],
        order_by: "kiosk_id, seq",
    },
    Table {
        name: "pickup_notices",
        columns: &[
            ("pickup_id", Text),
            ("kiosk_id", Text),
            ("code", Text),
            ("created_at", Text),
            ("sent_at", Text),
        ],
        order_by: "pickup_id",
    },
    Table {
        name: "operators",
        columns: &[
            ("name", Text),
            ("password_hash", Text),
            ("created_at", Text),
            ("failed_logins", Int),
            ("locked_until", Text),
        ],
        order_by: "name",
    },
    Table {
        name: "operator_sessions",
        columns: &[
            ("token_sha256", Text),
            ("operator", Text),
            ("created_at", Text),
            ("expires_at", Text),
        ],
        order_by: "token_sha256",
    },
    Table {
        name: "platform_secrets",
        columns: &[("name", Text), ("value", Text), ("created_at", Text)],
        order_by: "name",
    },
];

/// The tables a request can add rows to (the catalog excepted: it is seeded by the first migration), for tests
/// proving that a refused request stored nothing.
pub fn data_tables() -> impl Iterator<Item = &'static Table> {
    TABLES.iter().filter(|t| t.name != "catalog")
}

/// Copy order is foreign-key order: a table only refers to tables before it.
pub fn position(name: &str) -> Option<usize> {
    TABLES.iter().position(|t| t.name == name)
}
