//! Schema migrations, tracked in `PRAGMA user_version`. Append new steps; never edit a released one.

use rusqlite::Connection;

use super::{Result, StoreError};

const STEPS: &[&str] = &[
    // 1: tickets, their per-day counters, the outbox, print jobs, settings.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE tickets (
        id           TEXT PRIMARY KEY,            -- UUIDv7, also inside the QR code
        category     TEXT NOT NULL,
        business_day TEXT NOT NULL,               -- YYYY-MM-DD in the kiosk's time zone
        serial       INTEGER NOT NULL,            -- the number's digits
        number       TEXT NOT NULL,               -- as printed, e.g. A012
        priority     INTEGER NOT NULL DEFAULT 0,
        offline      INTEGER NOT NULL DEFAULT 0,
        issued_at    TEXT NOT NULL,               -- RFC 3339 UTC
        UNIQUE (business_day, number)
    );
    CREATE INDEX tickets_by_day ON tickets (category, business_day, issued_at);
    CREATE TABLE ticket_counters (
        category     TEXT NOT NULL,
        business_day TEXT NOT NULL,
        source       TEXT NOT NULL,               -- 'local' or 'offline'
        last_serial  INTEGER NOT NULL,
        PRIMARY KEY (category, business_day, source)
    );
    CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY,          -- gapless per kiosk, from 1
        id          TEXT NOT NULL UNIQUE,         -- UUIDv7
        kind        TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        payload     TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'rejected')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        settled_at  TEXT
    );
    CREATE INDEX outbox_pending ON outbox (status, seq);
    CREATE TABLE print_jobs (
        id          INTEGER PRIMARY KEY,
        ticket_id   TEXT REFERENCES tickets(id),
        kind        TEXT NOT NULL,
        bytes       BLOB NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('pending', 'printed', 'failed')),
        detail      TEXT,
        created_at  TEXT NOT NULL,
        finished_at TEXT
    );
    "#,
    // 2: queue-number blocks leased from the platform.
    r#"
    CREATE TABLE ticket_leases (
        category     TEXT NOT NULL,
        business_day TEXT NOT NULL,
        first        INTEGER NOT NULL,
        last         INTEGER NOT NULL,
        next         INTEGER NOT NULL,            -- next unused number in [first, last + 1]
        PRIMARY KEY (category, business_day, first)
    );
    "#,
    // 3: print jobs belong to any subject (ticket, guide notice, appointment slip…), not to tickets, and name the
    // outbox event committed with them.
    r#"
    CREATE TABLE print_jobs_v3 (
        id          INTEGER PRIMARY KEY,
        subject     TEXT NOT NULL,               -- print_jobs::Subject::as_str
        subject_id  TEXT NOT NULL,
        outbox_seq  INTEGER,
        bytes       BLOB NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('pending', 'printed', 'failed')),
        detail      TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        finished_at TEXT
    );
    INSERT INTO print_jobs_v3 (id, subject, subject_id, bytes, status, detail, attempts, created_at, finished_at)
        SELECT id, kind, COALESCE(ticket_id, ''), bytes, status, detail, 1, created_at, finished_at FROM print_jobs;
    DROP TABLE print_jobs;
    ALTER TABLE print_jobs_v3 RENAME TO print_jobs;
    CREATE INDEX print_jobs_by_status ON print_jobs (status, id);
    "#,
    // 4: the service catalog in tables (see store/catalog.rs).
    r#"
    CREATE TABLE catalog_services (
        id                  TEXT PRIMARY KEY,   -- the service's stable key, e.g. ECO-01
        position            INTEGER NOT NULL,   -- order in the catalog
        code                TEXT NOT NULL,      -- 实施编码
        name_zh             TEXT NOT NULL,
        name_en             TEXT NOT NULL,
        item_type           TEXT NOT NULL,
        category            TEXT NOT NULL,
        handling            TEXT NOT NULL,
        department          TEXT NOT NULL,
        department_en       TEXT NOT NULL,
        legal_basis         TEXT NOT NULL,      -- JSON array of strings
        conditions          TEXT NOT NULL,      -- JSON array of strings
        steps               TEXT NOT NULL,      -- JSON array of strings
        legal_limit_days    INTEGER NOT NULL,
        promised_limit_days INTEGER NOT NULL,
        fee_charged         INTEGER NOT NULL,
        fee_standard        TEXT NOT NULL,
        fee_basis           TEXT NOT NULL,
        location            TEXT NOT NULL,
        hours_text          TEXT NOT NULL,
        phone               TEXT NOT NULL,
        supervision_phone   TEXT NOT NULL,
        visits              INTEGER NOT NULL,
        online              INTEGER NOT NULL,
        online_url          TEXT,
        postable            INTEGER NOT NULL,
        bookable            INTEGER NOT NULL,
        opening_hours       TEXT NOT NULL,      -- JSON WeeklyHours
        slot_minutes        INTEGER,
        slot_capacity       INTEGER,
        keywords            TEXT NOT NULL,      -- JSON array of strings
        kiosk_submittable   INTEGER NOT NULL,
        form                TEXT NOT NULL       -- JSON array of FormField
    );
    CREATE INDEX catalog_services_by_category ON catalog_services (category, position);
    CREATE TABLE catalog_materials (
        service_id       TEXT NOT NULL REFERENCES catalog_services(id) ON DELETE CASCADE,
        position         INTEGER NOT NULL,
        name             TEXT NOT NULL,
        name_en          TEXT NOT NULL,
        originals        INTEGER NOT NULL,
        copies           INTEGER NOT NULL,
        form             TEXT NOT NULL,
        core             INTEGER NOT NULL,
        may_defer        INTEGER NOT NULL,   -- 容缺 ("deferrable" is an SQL keyword)
        defer_days       INTEGER,
        source           TEXT NOT NULL,
        blank_form_name  TEXT,
        blank_form_url   TEXT,
        sample_form_name TEXT,
        sample_form_url  TEXT,
        note             TEXT NOT NULL,
        PRIMARY KEY (service_id, position)
    );
    CREATE TABLE catalog_faq (
        service_id TEXT NOT NULL REFERENCES catalog_services(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        question   TEXT NOT NULL,
        answer     TEXT NOT NULL,
        PRIMARY KEY (service_id, position)
    );
    -- A catalog cached by an older program as a JSON blob is not read any more.
    DELETE FROM meta WHERE key IN ('catalog.services', 'catalog.version');
    "#,
    // 5: 取件 and 好差评 (see store/pickups.rs and store/ratings.rs): the documents in this kiosk's lockers (the
    // platform's list, codes only as salted hashes), the journal of door openings (written before a lock is fired),
    // wrong pickup codes and lock-outs (so a restart does not reset them), and the ratings given here.
    r#"
    CREATE TABLE pickups (
        pickup_id    TEXT PRIMARY KEY,
        door         INTEGER NOT NULL,
        document     TEXT NOT NULL,
        document_en  TEXT NOT NULL DEFAULT '',
        document_no  TEXT,                       -- a staff deposit's document number
        code_salt    TEXT,                       -- hex; NULL until the platform lists a staff deposit
        code_hash    TEXT,
        citizen_ref  TEXT,
        holder       TEXT NOT NULL DEFAULT '',   -- the person's name, masked (张*)
        postable     INTEGER NOT NULL DEFAULT 0,
        deposited_at TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN
                         ('waiting', 'opening', 'collected', 'held', 'posted', 'depositing', 'deposited')),
        hold_reason  TEXT,                       -- jammed | interrupted
        method       TEXT,                       -- code | idcard | post | staff
        settled_at   TEXT
    );
    CREATE INDEX pickups_by_citizen ON pickups (citizen_ref, state);
    CREATE INDEX pickups_by_door ON pickups (door, state);
    CREATE TABLE door_openings (
        id          INTEGER PRIMARY KEY,
        door        INTEGER NOT NULL,
        purpose     TEXT NOT NULL CHECK (purpose IN ('pickup', 'deposit')),
        pickup_id   TEXT NOT NULL,
        method      TEXT,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'finished')),
        outcome     TEXT,                        -- opened | sensor_stuck | jammed | found_open | found_shut | deposited
        started_at  TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX door_openings_pending ON door_openings (state, id);
    CREATE TABLE pickup_code_failures (id INTEGER PRIMARY KEY, at TEXT NOT NULL);
    CREATE TABLE pickup_lockouts (id INTEGER PRIMARY KEY, at TEXT NOT NULL, until TEXT NOT NULL);
    CREATE TABLE ratings (
        rating_id  TEXT PRIMARY KEY,
        errand     TEXT NOT NULL,
        errand_id  TEXT NOT NULL,
        level      TEXT NOT NULL,
        rated_at   TEXT NOT NULL,
        UNIQUE (errand, errand_id)               -- one rating per errand
    );
    "#,
    // 6: maintenance mode — the PIN pad's lock-out (it survives a restart), the last one-time code window used (a
    // code works once), and the settings a technician changed on the touchscreen (over the config file's values).
    r#"
    CREATE TABLE maintenance_pad (
        id                INTEGER PRIMARY KEY CHECK (id = 1),
        failures          INTEGER NOT NULL DEFAULT 0,  -- wrong PINs or codes in a row
        locked_until      TEXT,                        -- RFC 3339 UTC while locked
        last_code_window  INTEGER                      -- window of the last one-time code accepted
    );
    INSERT INTO maintenance_pad (id) VALUES (1);
    CREATE TABLE settings (
        key         TEXT PRIMARY KEY,
        value       TEXT NOT NULL,
        changed_by  TEXT NOT NULL,
        changed_at  TEXT NOT NULL
    );
    "#,
    // 7: appointments (see store/appointments.rs): the bookings this kiosk took or acted on, and the slot lists it
    // last heard from the platform (shown when it is unreachable).
    r#"
    CREATE TABLE appointments (
        code         TEXT PRIMARY KEY,            -- the booking code on the slip
        request_id   TEXT UNIQUE,                 -- UUIDv7 of this kiosk's request; NULL for a booking taken elsewhere
        origin       TEXT NOT NULL CHECK (origin IN ('here', 'platform')),
        citizen_ref  TEXT NOT NULL,               -- keyed hash of the ID number, never the number
        service      TEXT NOT NULL,
        category     TEXT NOT NULL,
        date         TEXT NOT NULL,               -- YYYY-MM-DD, the hall's time zone
        slot_id      TEXT NOT NULL,
        start        TEXT NOT NULL,               -- HH:MM
        end          TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'refused', 'cancelled', 'checked_in', 'no_show')),
        reason       TEXT,                        -- a refusal as the platform worded it
        outbox_seq   INTEGER,                     -- the appointment.requested event: its fate confirms or refuses a pending booking
        refusal_seen INTEGER NOT NULL DEFAULT 0,
        ticket_id    TEXT,                        -- the priority ticket of the check-in
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    );
    CREATE INDEX appointments_by_citizen ON appointments (citizen_ref, date);
    CREATE INDEX appointments_by_slot ON appointments (service, date, slot_id);
    CREATE TABLE appointment_slot_cache (
        service    TEXT NOT NULL,
        date       TEXT NOT NULL,
        slots      TEXT NOT NULL,                 -- JSON [sanban_wire::Slot]
        fetched_at TEXT NOT NULL,                 -- RFC 3339 UTC
        PRIMARY KEY (service, date)
    );
    "#,
    // 8: personal data sealed apart from the outbox payload, erased after acknowledgement (tombstones); 申办
    // applications (no personal data of their own: the applicant travels sealed in the outbox only).
    r#"
    ALTER TABLE outbox ADD COLUMN sealed BLOB;       -- XChaCha20-Poly1305 of the payload's personal fields
    ALTER TABLE outbox ADD COLUMN purged_at TEXT;    -- when they were erased (the row stays as a tombstone)
    CREATE INDEX outbox_personal ON outbox (seq) WHERE sealed IS NOT NULL;
    CREATE TABLE applications (
        id                 TEXT PRIMARY KEY,        -- UUIDv7, also in the receipt's QR code
        number             TEXT NOT NULL UNIQUE,    -- as printed: K01-20261126-0003
        business_day       TEXT NOT NULL,           -- YYYY-MM-DD in the kiosk's time zone
        serial             INTEGER NOT NULL,        -- the number's last digits, per business day
        service            TEXT NOT NULL,
        citizen_ref        TEXT NOT NULL,           -- keyed hash of the ID number, never the number
        submitted_at       TEXT NOT NULL,           -- RFC 3339 UTC
        promised_by        TEXT,                    -- YYYY-MM-DD; NULL for 即办件
        materials_deferred TEXT NOT NULL,           -- JSON [{name, due}]: the 容缺 commitments
        status             TEXT,                    -- the platform's last word (ApplicationStatus code), if heard
        status_at          TEXT
    );
    CREATE INDEX applications_by_citizen ON applications (citizen_ref, submitted_at);
    "#,
];

/// Bring the schema to the newest version, one transaction per step.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = STEPS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (i, sql) in STEPS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, STEPS.len() as i64);
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
