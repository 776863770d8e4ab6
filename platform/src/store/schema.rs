//! Schema migrations. `schema_version` records every migration applied; each runs in its own transaction.

use rusqlite::{params, Connection};

use super::{catalog, now_rfc3339, StoreError};

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only: never edit a released one.
type Migration = fn(&Connection) -> Result<(), StoreError>;

const MIGRATIONS: &[Migration] = &[v1, v2, v3, v4, crate::maintenance::create_tables];

pub fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY,
            applied_at TEXT NOT NULL
        )",
    )?;
    loop {
        // BEGIN IMMEDIATE: two processes opening a fresh file at once must not both run migration 1.
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let current: u32 = conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )?;
        let Some(step) = MIGRATIONS.get(current as usize) else {
            conn.execute_batch("COMMIT")?;
            if current as usize > MIGRATIONS.len() {
                return Err(StoreError::Invalid(format!(
                    "database schema version {current} is newer than this program ({})",
                    MIGRATIONS.len()
                )));
            }
            return Ok(());
        };
        let applied = step(conn).and_then(|()| {
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                params![current + 1, now_rfc3339()],
            )?;
            Ok(())
        });
        match applied {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
}

fn v1(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        CREATE TABLE kiosks (
            id               TEXT PRIMARY KEY,
            token_sha256     TEXT NOT NULL UNIQUE,
            registered_at    TEXT NOT NULL,
            token_rotated_at TEXT,
            last_seen        TEXT,
            app_version      TEXT,
            last_heartbeat   TEXT,              -- the last Heartbeat as JSON (device health, backlog; no personal data)
            last_applied_seq INTEGER NOT NULL DEFAULT 0
        );

        -- Every event ever settled, without its payload: proves exactly-once and detects a kiosk whose sequence
        -- restarted (same seq, different event id).
        CREATE TABLE events (
            kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
            seq         INTEGER NOT NULL,
            event_id    TEXT NOT NULL,
            kind        TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            outcome     TEXT NOT NULL CHECK (outcome IN ('applied', 'rejected')),
            PRIMARY KEY (kiosk_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE rejections (
            kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
            seq         INTEGER NOT NULL,
            reason      TEXT NOT NULL,
            rejected_at TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE tickets (
            ticket_id    TEXT PRIMARY KEY,
            kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
            seq          INTEGER NOT NULL,
            category     TEXT NOT NULL,
            number       TEXT NOT NULL,
            business_day TEXT NOT NULL,
            priority     INTEGER NOT NULL,
            offline      INTEGER NOT NULL,
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
            seq            INTEGER,
            created_at     TEXT NOT NULL
        );
        CREATE INDEX appointments_by_slot ON appointments (service, date, slot_id);

        CREATE TABLE applications (
            application_id     TEXT PRIMARY KEY,
            application_no     TEXT NOT NULL UNIQUE,
            kiosk_id           TEXT NOT NULL REFERENCES kiosks(id),
            seq                INTEGER NOT NULL,
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
            locker_door      INTEGER NOT NULL,
            code_sha256      TEXT NOT NULL,
            document         TEXT NOT NULL,
            created_at       TEXT NOT NULL,
            collected_at     TEXT,
            collected_seq    INTEGER,
            collected_method TEXT
        );
        -- One waiting document per door.
        CREATE UNIQUE INDEX pickups_open_door ON pickups (kiosk_id, locker_door) WHERE collected_at IS NULL;

        CREATE TABLE ratings (
            rating_id   TEXT PRIMARY KEY,
            kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
            seq         INTEGER NOT NULL,
            errand      TEXT NOT NULL,
            service     TEXT,
            level       INTEGER NOT NULL,
            reason      TEXT,
            occurred_at TEXT NOT NULL
        );

        CREATE TABLE catalog (
            version      INTEGER PRIMARY KEY,
            published_at TEXT NOT NULL,
            services     TEXT NOT NULL           -- JSON array of sanban_wire::Service
        );

        -- Platform-wide queue number counters: the last number handed out per category and business day.
        CREATE TABLE number_counters (
            category     TEXT NOT NULL,
            business_day TEXT NOT NULL,
            last_number  INTEGER NOT NULL,
            PRIMARY KEY (category, business_day)
        ) WITHOUT ROWID;

        CREATE TABLE leases (
            id           INTEGER PRIMARY KEY,
            kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
            category     TEXT NOT NULL,
            business_day TEXT NOT NULL,
            first_number INTEGER NOT NULL,
            last_number  INTEGER NOT NULL,
            granted_at   TEXT NOT NULL
        );
        CREATE INDEX leases_by_kiosk ON leases (kiosk_id, business_day);
        ",
    )?;
    catalog::seed(conn)?;
    Ok(())
}

/// v2: printed one-time notices (办事指南 use, for the KPIs); the platform's own secrets (the hall's key of
/// `citizen_ref`).
fn v2(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        CREATE TABLE guide_prints (
            kiosk_id        TEXT NOT NULL REFERENCES kiosks(id),
            seq             INTEGER NOT NULL,
            service         TEXT NOT NULL,
            catalog_version INTEGER NOT NULL,
            language        TEXT NOT NULL,
            occurred_at     TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE platform_secrets (
            name       TEXT PRIMARY KEY,
            value      TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        ",
    )?;
    Ok(())
}

/// v3: the catalog gains the national service-item fields (实施清单); a newest version stored in the old format is
/// replaced by the seed (the old versions stay as history).
fn v3(conn: &Connection) -> Result<(), StoreError> {
    catalog::replace_unreadable_newest(conn)
}

/// v4: calls for help from kiosks (shown to the hall's staff).
fn v4(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        CREATE TABLE help_requests (
            kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
            seq         INTEGER NOT NULL,
            page        TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, seq)
        ) WITHOUT ROWID;
        ",
    )?;
    Ok(())
}
