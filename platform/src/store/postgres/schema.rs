//! Schema migrations on PostgreSQL. `schema_version` records every migration applied; each runs in its own
//! transaction, under an advisory lock so that platform instances starting together migrate once.
//!
//! The tables and columns are those of the SQLite schema (same names, same meaning: timestamps as RFC 3339 text,
//! ids as text), so `migrate` copies column for column; [`crate::store::tables`] lists them and a test compares.

use deadpool_postgres::Object;

use super::{catalog, pg_err};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;

/// Any constant the platform alone uses: "sanban" in ASCII.
const MIGRATION_LOCK: i64 = 0x73616e62616e;

const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

pub async fn migrate(client: &mut Object) -> Result<(), StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg_err)?;
    let result = run_pending(client).await;
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result
}

async fn run_pending(client: &mut Object) -> Result<(), StoreError> {
    client
        .batch_execute(
            // Not IF NOT EXISTS: that logs a notice at every start.
            "DO $$ BEGIN
                IF to_regclass('schema_version') IS NULL THEN
                    CREATE TABLE schema_version (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL);
                END IF;
            END $$",
        )
        .await
        .map_err(pg_err)?;
    loop {
        let tx = client.transaction().await.map_err(pg_err)?;
        let current: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
            .await
            .map_err(pg_err)?
            .get(0);
        let Some(step) = MIGRATIONS.get(current as usize) else {
            tx.commit().await.map_err(pg_err)?;
            if current as usize > MIGRATIONS.len() {
                return Err(StoreError::Invalid(format!(
                    "database schema version {current} is newer than this program ({})",
                    MIGRATIONS.len()
                )));
            }
            return Ok(());
        };
        tx.batch_execute(step).await.map_err(pg_err)?;
        match current + 1 {
            // The demo catalog as version 1, as on SQLite.
            1 => catalog::seed(&tx).await?,
            // A catalog stored before the national fields gives way to the seed, as SQLite's v3 does.
            2 => catalog::replace_unreadable_newest(&tx).await?,
            _ => {}
        }
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
            &[&(current + 1), &now_rfc3339()],
        )
        .await
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
    }
}

/// v1: everything SQLite's v1, v2 and v5 hold (the schema of the first PostgreSQL store).
const V1: &str = "
CREATE TABLE kiosks (
    id               TEXT PRIMARY KEY,
    token_sha256     TEXT NOT NULL UNIQUE,
    registered_at    TEXT NOT NULL,
    token_rotated_at TEXT,
    last_seen        TEXT,
    app_version      TEXT,
    last_heartbeat   TEXT,              -- the last Heartbeat as JSON (device health, backlog; no personal data)
    last_applied_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE catalog (
    version      BIGINT PRIMARY KEY,
    published_at TEXT NOT NULL,
    services     TEXT NOT NULL           -- JSON array of sanban_wire::Service
);

-- Every event ever settled, without its payload: proves exactly-once, detects a kiosk whose sequence restarted
-- (same seq, different event id) and a resent seq that says something else (payload_sha256).
CREATE TABLE events (
    kiosk_id       TEXT NOT NULL REFERENCES kiosks(id),
    seq            BIGINT NOT NULL,
    event_id       TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('applied', 'rejected')),
    payload_sha256 TEXT,
    PRIMARY KEY (kiosk_id, seq)
);

CREATE TABLE rejections (
    kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
    seq         BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, seq)
);

CREATE TABLE tickets (
    ticket_id    TEXT PRIMARY KEY,
    kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
    seq          BIGINT NOT NULL,
    category     TEXT NOT NULL,
    number       TEXT NOT NULL,
    business_day TEXT NOT NULL,
    priority     BOOLEAN NOT NULL,
    offline      BOOLEAN NOT NULL,
    occurred_at  TEXT NOT NULL,
    UNIQUE (business_day, category, number)
);
CREATE INDEX tickets_by_kiosk ON tickets (kiosk_id, seq);

CREATE TABLE appointments (
    appointment_id TEXT PRIMARY KEY,
    request_id     TEXT NOT NULL UNIQUE,
    kiosk_id       TEXT NOT NULL REFERENCES kiosks(id),
    service        TEXT NOT NULL,
    date           TEXT NOT NULL,
    slot_id        TEXT NOT NULL,
    citizen_ref    TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('online', 'event')),
    seq            BIGINT,
    created_at     TEXT NOT NULL
);
CREATE INDEX appointments_by_slot ON appointments (service, date, slot_id);

CREATE TABLE applications (
    application_id     TEXT PRIMARY KEY,
    application_no     TEXT NOT NULL UNIQUE,
    kiosk_id           TEXT NOT NULL REFERENCES kiosks(id),
    seq                BIGINT NOT NULL,
    service            TEXT NOT NULL,
    citizen_ref        TEXT NOT NULL,
    fields             TEXT NOT NULL,    -- JSON object
    materials_provided TEXT NOT NULL,    -- JSON array
    materials_owed     TEXT NOT NULL,    -- JSON array (容缺受理: to be delivered later)
    delivery           TEXT NOT NULL,
    occurred_at        TEXT NOT NULL
);

CREATE TABLE pickups (
    pickup_id        TEXT PRIMARY KEY,
    kiosk_id         TEXT NOT NULL REFERENCES kiosks(id),
    locker_door      BIGINT NOT NULL,
    code_sha256      TEXT NOT NULL,
    document         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    collected_at     TEXT,
    collected_seq    BIGINT,
    collected_method TEXT
);
-- One waiting document per door.
CREATE UNIQUE INDEX pickups_open_door ON pickups (kiosk_id, locker_door) WHERE collected_at IS NULL;

CREATE TABLE ratings (
    rating_id   TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
    seq         BIGINT NOT NULL,
    errand      TEXT NOT NULL,
    service     TEXT,
    level       BIGINT NOT NULL,
    reason      TEXT,
    occurred_at TEXT NOT NULL
);

-- Platform-wide queue number counters: the last number handed out per category and business day.
CREATE TABLE number_counters (
    category     TEXT NOT NULL,
    business_day TEXT NOT NULL,
    last_number  BIGINT NOT NULL,
    PRIMARY KEY (category, business_day)
);

CREATE TABLE leases (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
    category     TEXT NOT NULL,
    business_day TEXT NOT NULL,
    first_number BIGINT NOT NULL,
    last_number  BIGINT NOT NULL,
    granted_at   TEXT NOT NULL
);
CREATE INDEX leases_by_kiosk ON leases (kiosk_id, business_day);

CREATE TABLE lease_requests (
    kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
    request_id  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,          -- what was asked (LeaseAsk::fingerprint)
    reply       TEXT NOT NULL,          -- JSON array of the leases granted
    created_at  TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, request_id)
);

-- Printed one-time notices (办事指南 use, for the KPIs).
CREATE TABLE guide_prints (
    kiosk_id        TEXT NOT NULL REFERENCES kiosks(id),
    seq             BIGINT NOT NULL,
    service         TEXT NOT NULL,
    catalog_version BIGINT NOT NULL,
    language        TEXT NOT NULL,
    occurred_at     TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, seq)
);
";

/// v2: what SQLite's v2 to v4 added beside: the platform's own secrets (the hall's key of `citizen_ref`), calls
/// for help from kiosks; and the catalog's national fields (its newest version replaced by the seed when it is in
/// the old format, in Rust after this).
const V2: &str = "
CREATE TABLE platform_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Calls for help from kiosks (shown to the hall's staff).
CREATE TABLE help_requests (
    kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
    seq         BIGINT NOT NULL,
    page        TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, seq)
);
";

/// v3: the kiosks' maintenance audit events (`maintenance.access`, `maintenance.action`).
const V3: &str = "
CREATE TABLE maintenance_events (
    kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    technician  TEXT,
    what        TEXT NOT NULL,
    target      TEXT,
    result      TEXT,
    occurred_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, seq)
);
";

/// v4: SQLite's v7 — pickups and ratings as the kiosks send them (salted codes, holder, held/posted/cleared
/// documents, postal requests and deposit codes sealed, wrong-code reports, door alerts, every rating field).
const V4: &str = "
ALTER TABLE pickups RENAME COLUMN code_sha256 TO code_hash;
ALTER TABLE pickups ADD COLUMN code_salt TEXT NOT NULL DEFAULT '';
ALTER TABLE pickups ADD COLUMN document_en TEXT NOT NULL DEFAULT '';
ALTER TABLE pickups ADD COLUMN citizen_ref TEXT;
ALTER TABLE pickups ADD COLUMN holder TEXT NOT NULL DEFAULT '';
ALTER TABLE pickups ADD COLUMN postable BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE pickups ADD COLUMN document_no TEXT;
ALTER TABLE pickups ADD COLUMN deposited_seq BIGINT;
ALTER TABLE pickups ADD COLUMN held_at TEXT;
ALTER TABLE pickups ADD COLUMN held_reason TEXT;
ALTER TABLE pickups ADD COLUMN held_seq BIGINT;
ALTER TABLE pickups ADD COLUMN posted_at TEXT;
ALTER TABLE pickups ADD COLUMN cleared_at TEXT;
DROP INDEX pickups_open_door;
CREATE UNIQUE INDEX pickups_in_door ON pickups (kiosk_id, locker_door)
    WHERE collected_at IS NULL AND cleared_at IS NULL;

CREATE TABLE postal_requests (
    request_id   TEXT PRIMARY KEY,
    pickup_id    TEXT NOT NULL REFERENCES pickups(pickup_id),
    kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
    seq          BIGINT NOT NULL,
    citizen_ref  TEXT NOT NULL,
    recipient    TEXT NOT NULL,     -- sealed JSON of the PostalAddress (context postal:<request_id>)
    requested_at TEXT NOT NULL
);

CREATE TABLE pickup_code_rejections (
    kiosk_id           TEXT NOT NULL REFERENCES kiosks(id),
    seq                BIGINT NOT NULL,
    failures_in_window BIGINT NOT NULL,
    locked_until       TEXT,
    occurred_at        TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, seq)
);

CREATE TABLE locker_alerts (
    kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
    seq          BIGINT NOT NULL,
    locker_door  BIGINT NOT NULL,
    alert        TEXT NOT NULL,
    open_seconds BIGINT,
    occurred_at  TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, seq)
);

CREATE TABLE pickup_notices (
    pickup_id  TEXT PRIMARY KEY REFERENCES pickups(pickup_id),
    kiosk_id   TEXT NOT NULL REFERENCES kiosks(id),
    code       TEXT,                -- sealed (context notice:<pickup_id>); NULL once sent
    created_at TEXT NOT NULL,
    sent_at    TEXT
);

ALTER TABLE ratings ADD COLUMN errand_id TEXT;
ALTER TABLE ratings ADD COLUMN channel TEXT;
ALTER TABLE ratings ADD COLUMN level_name TEXT;
ALTER TABLE ratings ADD COLUMN reasons TEXT;          -- JSON array of reason codes
ALTER TABLE ratings ADD COLUMN text TEXT;
ALTER TABLE ratings ADD COLUMN callback_phone TEXT;   -- sealed (context rating:<rating_id>)
ALTER TABLE ratings ADD COLUMN times_rated BIGINT;
";

/// v5: as SQLite's v8: appointments keep their booking code, status and reason, and whether the citizen was told
/// of a refusal; looked up by code, by citizen and by day.
const V5: &str = "
ALTER TABLE appointments
    ADD COLUMN code TEXT,
    ADD COLUMN status TEXT NOT NULL DEFAULT 'booked'
        CHECK (status IN ('booked', 'checked_in', 'cancelled', 'no_show', 'refused')),
    ADD COLUMN reason TEXT,
    ADD COLUMN refusal_seen BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN updated_at TEXT;
CREATE UNIQUE INDEX appointments_by_code ON appointments (code);
CREATE INDEX appointments_by_citizen ON appointments (citizen_ref, date);
CREATE INDEX appointments_by_date ON appointments (date, status);
";

/// v6: operators of the fleet and KPI pages and their sessions ([`crate::store::operators`]); each kiosk's
/// name and hall for the fleet page.
const V6: &str = "
ALTER TABLE kiosks ADD COLUMN name TEXT;
ALTER TABLE kiosks ADD COLUMN hall TEXT;
CREATE TABLE operators (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TEXT
);
CREATE TABLE operator_sessions (
    token_sha256 TEXT PRIMARY KEY,
    operator     TEXT NOT NULL REFERENCES operators(name),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
";

/// v7: as SQLite's v10: application status histories, 容缺 commitments, the applicant sealed.
const V7: &str = "
ALTER TABLE applications ADD COLUMN materials_deferred TEXT NOT NULL DEFAULT '[]';
ALTER TABLE applications ADD COLUMN applicant TEXT;
CREATE INDEX applications_by_citizen ON applications (citizen_ref, occurred_at);
CREATE TABLE application_statuses (
    application_id TEXT NOT NULL REFERENCES applications(application_id),
    step           BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('received', 'in_review', 'materials_requested',
                                                   'approved', 'rejected', 'ready_for_pickup')),
    at             TEXT NOT NULL,
    note           TEXT,
    set_by         TEXT NOT NULL,
    PRIMARY KEY (application_id, step)
);
INSERT INTO application_statuses (application_id, step, status, at, note, set_by)
    SELECT application_id, 0, 'received', occurred_at, NULL, 'kiosk:' || kiosk_id FROM applications;
";
