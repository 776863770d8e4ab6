//! Schema migrations. `schema_version` records every migration applied; each runs in its own transaction.

use rusqlite::{params, Connection};

use super::catalog;
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only: never edit a released one.
type Migration = fn(&Connection) -> Result<(), StoreError>;

const MIGRATIONS: &[Migration] = &[v1, v2, v3, v4, v5, v6, v7, v8, v9, v10];

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

/// v5: content hashes of settled events (a resent seq is compared with what was settled), event ids unique, and
/// lease request ids (a retried lease request gets its first reply).
///
/// Before v5 the same event id under a new seq was applied again, so a database may hold an id twice: the later
/// rows keep their history under an id marked as repeated, and the index can be unique.
fn v5(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        UPDATE events SET event_id = event_id || ' (repeated at seq ' || seq || ' of ' || kiosk_id || ')'
        WHERE EXISTS (
            SELECT 1 FROM events AS first
            WHERE first.event_id = events.event_id
              AND (first.kiosk_id < events.kiosk_id
                   OR (first.kiosk_id = events.kiosk_id AND first.seq < events.seq))
        );
        ALTER TABLE events ADD COLUMN payload_sha256 TEXT;   -- NULL for events settled before v5
        CREATE UNIQUE INDEX events_by_event_id ON events (event_id);

        CREATE TABLE lease_requests (
            kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
            request_id  TEXT NOT NULL,
            fingerprint TEXT NOT NULL,          -- what was asked (LeaseAsk::fingerprint)
            reply       TEXT NOT NULL,          -- JSON array of the leases granted
            created_at  TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, request_id)
        ) WITHOUT ROWID;
        ",
    )?;
    Ok(())
}

/// v6: the kiosks' maintenance audit events (`maintenance.access`, `maintenance.action`).
fn v6(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        CREATE TABLE maintenance_events (
            kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
            seq         INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            technician  TEXT,
            what        TEXT NOT NULL,
            target      TEXT,
            result      TEXT,
            occurred_at TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, seq)
        ) WITHOUT ROWID;
        ",
    )?;
    Ok(())
}

/// v7: pickups and ratings as the kiosks send them. Pickup codes salted per document (`code_salt`, `code_hash`;
/// a row made before has the empty salt, under which the salted hash is the old unsalted one), the holder's
/// `citizen_ref` and masked name, documents held for the staff, posted, or cleared from their door by a later
/// deposit; postal requests (recipient sealed), wrong-code reports, door alerts, and the codes of staff deposits
/// waiting for their SMS (sealed). Ratings keep every GB/T 39046 field (call-back number sealed).
fn v7(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(V7)?;
    Ok(())
}

/// The PostgreSQL store's V4 says the same.
const V7: &str = "
    ALTER TABLE pickups RENAME COLUMN code_sha256 TO code_hash;
    ALTER TABLE pickups ADD COLUMN code_salt TEXT NOT NULL DEFAULT '';
    ALTER TABLE pickups ADD COLUMN document_en TEXT NOT NULL DEFAULT '';
    ALTER TABLE pickups ADD COLUMN citizen_ref TEXT;
    ALTER TABLE pickups ADD COLUMN holder TEXT NOT NULL DEFAULT '';     -- masked (张*)
    ALTER TABLE pickups ADD COLUMN postable INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE pickups ADD COLUMN document_no TEXT;                    -- staff deposits: the department's number
    ALTER TABLE pickups ADD COLUMN deposited_seq INTEGER;               -- the locker.deposited event, if any
    ALTER TABLE pickups ADD COLUMN held_at TEXT;
    ALTER TABLE pickups ADD COLUMN held_reason TEXT;
    ALTER TABLE pickups ADD COLUMN held_seq INTEGER;
    ALTER TABLE pickups ADD COLUMN posted_at TEXT;
    ALTER TABLE pickups ADD COLUMN cleared_at TEXT;                     -- taken out by the staff (door reused)
    -- One document per door until it is collected or taken out (held and posted ones still fill their door).
    DROP INDEX pickups_open_door;
    CREATE UNIQUE INDEX pickups_in_door ON pickups (kiosk_id, locker_door)
        WHERE collected_at IS NULL AND cleared_at IS NULL;

    CREATE TABLE postal_requests (
        request_id   TEXT PRIMARY KEY,
        pickup_id    TEXT NOT NULL REFERENCES pickups(pickup_id),
        kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
        seq          INTEGER NOT NULL,
        citizen_ref  TEXT NOT NULL,
        recipient    TEXT NOT NULL,     -- sealed JSON of the PostalAddress (context postal:<request_id>)
        requested_at TEXT NOT NULL
    );

    -- Wrong pickup codes per kiosk: how many in the window, and the lock-out. Never the code.
    CREATE TABLE pickup_code_rejections (
        kiosk_id          TEXT NOT NULL REFERENCES kiosks(id),
        seq               INTEGER NOT NULL,
        failures_in_window INTEGER NOT NULL,
        locked_until      TEXT,
        occurred_at       TEXT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    ) WITHOUT ROWID;

    CREATE TABLE locker_alerts (
        kiosk_id     TEXT NOT NULL REFERENCES kiosks(id),
        seq          INTEGER NOT NULL,
        locker_door  INTEGER NOT NULL,
        alert        TEXT NOT NULL,
        open_seconds INTEGER,
        occurred_at  TEXT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    ) WITHOUT ROWID;

    -- The code of a staff deposit, sealed, until the SMS step has sent it (then it is erased).
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
    ALTER TABLE ratings ADD COLUMN times_rated INTEGER;
";

/// v8: appointments keep their booking code, status (booked, checked in, cancelled, missed, or refused with the
/// reason) and whether the citizen was told of a refusal; looked up by code, by citizen and by day.
fn v8(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        ALTER TABLE appointments ADD COLUMN code TEXT;   -- NULL for bookings stored before v8
        ALTER TABLE appointments ADD COLUMN status TEXT NOT NULL DEFAULT 'booked'
            CHECK (status IN ('booked', 'checked_in', 'cancelled', 'no_show', 'refused'));
        ALTER TABLE appointments ADD COLUMN reason TEXT;
        ALTER TABLE appointments ADD COLUMN refusal_seen INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE appointments ADD COLUMN updated_at TEXT;
        CREATE UNIQUE INDEX appointments_by_code ON appointments (code);
        CREATE INDEX appointments_by_citizen ON appointments (citizen_ref, date);
        CREATE INDEX appointments_by_date ON appointments (date, status);
        ",
    )?;
    Ok(())
}

/// v9: operators of the fleet and KPI pages and their sessions ([`crate::store::operators`]); each kiosk's
/// name and hall for the fleet page.
fn v9(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        ALTER TABLE kiosks ADD COLUMN name TEXT;
        ALTER TABLE kiosks ADD COLUMN hall TEXT;
        CREATE TABLE operators (
            name          TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,      -- Argon2id, PHC string
            created_at    TEXT NOT NULL,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until  TEXT
        );
        CREATE TABLE operator_sessions (
            token_sha256 TEXT PRIMARY KEY,    -- the cookie's SHA-256; the cookie is never stored
            operator     TEXT NOT NULL REFERENCES operators(name),
            created_at   TEXT NOT NULL,
            expires_at   TEXT NOT NULL
        );
        ",
    )?;
    Ok(())
}

/// v10: 申办 on the platform: each application's status history (`received` first, backfilled for the
/// applications already stored), its 容缺 commitments with their due dates, the applicant sealed with the data key
/// (context `application:<application_id>`); from v10 on `fields` holds the form's answers sealed (context
/// `application-fields:<application_id>`) unless there are none (`{}`); rows stored before keep their JSON.
fn v10(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(V10)?;
    Ok(())
}

const V10: &str = "
    ALTER TABLE applications ADD COLUMN materials_deferred TEXT NOT NULL DEFAULT '[]'; -- JSON [{name, due}]
    ALTER TABLE applications ADD COLUMN applicant TEXT;  -- sealed JSON of the Applicant; NULL when not sent
    CREATE INDEX applications_by_citizen ON applications (citizen_ref, occurred_at);

    CREATE TABLE application_statuses (
        application_id TEXT NOT NULL REFERENCES applications(application_id),
        step           INTEGER NOT NULL,          -- 0 for received, then 1, 2, ...
        status         TEXT NOT NULL CHECK (status IN ('received', 'in_review', 'materials_requested',
                                                       'approved', 'rejected', 'ready_for_pickup')),
        at             TEXT NOT NULL,
        note           TEXT,
        set_by         TEXT NOT NULL,             -- kiosk:<id> for received, else who set it
        PRIMARY KEY (application_id, step)
    ) WITHOUT ROWID;
    INSERT INTO application_statuses (application_id, step, status, at, note, set_by)
        SELECT application_id, 0, 'received', occurred_at, NULL, 'kiosk:' || kiosk_id FROM applications;
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog::seed_services;
    use crate::store::catalog::CatalogCache;
    use crate::store::tables::TABLES;

    /// A database as the previous round's program left it: only v1 applied, with data in it.
    fn a_v1_database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .unwrap();
        v1(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00Z');
             INSERT INTO kiosks (id, token_sha256, registered_at, last_applied_seq)
                 VALUES ('K01', 'h', '2026-01-01T00:00:00Z', 2);
             -- The same event id applied twice under two seqs (possible before v5).
             INSERT INTO events VALUES ('K01', 1, 'e1', 'ticket.issued', 't', 't', 'applied');
             INSERT INTO events VALUES ('K01', 2, 'e1', 'ticket.issued', 't', 't', 'applied');
             -- A document waiting behind an unsalted code hash (SHA-256 of \"123456\"), as before v7.
             INSERT INTO pickups (pickup_id, kiosk_id, locker_door, code_sha256, document, created_at)
                 VALUES ('P1', 'K01', 3,
                         '8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92',
                         '营业执照', '2026-01-01T00:00:00Z');
             -- A catalog version in the format before the national fields.
             INSERT INTO catalog (version, published_at, services)
                 VALUES (2, '2026-01-01T00:00:00Z',
                         '[{\"code\":\"ECO-01\",\"name_zh\":\"企业设立登记\",\"time_limit_days\":1}]');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_v1_database_migrates_forward_keeping_its_data_and_getting_the_seed_catalog() {
        let conn = a_v1_database();
        migrate(&conn).unwrap();
        let version: u32 = conn
            .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        for table in TABLES {
            let n: i64 = conn
                .query_row(&format!("SELECT COUNT(*) FROM {}", table.name), [], |r| {
                    r.get(0)
                })
                .unwrap_or_else(|e| panic!("{}: {e}", table.name));
            assert!(n >= 0);
        }
        // The old-format newest catalog gave way to the seed; the old versions stay as history.
        let index = catalog::current_catalog(&conn, &CatalogCache::default()).unwrap();
        assert_eq!(index.version, 3);
        assert_eq!(index.services, seed_services().unwrap());
        // The kiosk and its history are there; the repeated id is kept under a marked id.
        let seq: u64 = conn
            .query_row(
                "SELECT last_applied_seq FROM kiosks WHERE id = 'K01'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(seq, 2);
        let ids: Vec<String> = conn
            .prepare("SELECT event_id FROM events ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, ["e1", "e1 (repeated at seq 2 of K01)"]);
        // The old document still opens with its code: the empty salt gives the old unsalted hash.
        let waiting = super::super::pickups::open_pickups(&conn, "K01").unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].code_salt, "");
        assert!(sanban_wire::pickup_code_matches(&waiting[0], "123456"));
        assert!(!sanban_wire::pickup_code_matches(&waiting[0], "123457"));
        // Migrating again changes nothing.
        migrate(&conn).unwrap();
        assert_eq!(
            catalog::current_catalog(&conn, &CatalogCache::default())
                .unwrap()
                .version,
            3
        );
    }
}
