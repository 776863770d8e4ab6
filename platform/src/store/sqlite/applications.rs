//! 申办: applications with their status histories, and status changes (the back office's stand-in).

use rusqlite::{params, Connection, OptionalExtension};

use crate::store::applications::{
    group, is_new_step, ApplicationQuery, JoinedRow, StatusChangeRequest, StatusOutcome,
    StoredApplication,
};
use crate::store::error::StoreError;

pub fn applications(
    conn: &Connection,
    query: &ApplicationQuery,
    limit: u32,
) -> Result<Vec<StoredApplication>, StoreError> {
    let (condition, key) = match query {
        ApplicationQuery::Citizen(r) => ("citizen_ref = ?1", Some(r.as_str())),
        ApplicationQuery::Number(n) => ("application_no = ?1", Some(n.as_str())),
        ApplicationQuery::All => ("?1 IS NULL", None),
    };
    let sql = format!(
        "SELECT a.application_id, a.application_no, a.kiosk_id, a.service, a.citizen_ref, a.occurred_at,
                a.materials_owed, a.materials_deferred, a.applicant, a.fields, s.status, s.at, s.note, s.set_by
         FROM (SELECT * FROM applications WHERE {condition}
               ORDER BY occurred_at DESC, application_no DESC LIMIT ?2) a
         LEFT JOIN application_statuses s ON s.application_id = a.application_id
         ORDER BY a.occurred_at DESC, a.application_no DESC, s.step"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![key, limit], |r| {
        let status: Option<String> = r.get(10)?;
        Ok(JoinedRow {
            application_id: r.get(0)?,
            application_no: r.get(1)?,
            kiosk_id: r.get(2)?,
            service: r.get(3)?,
            citizen_ref: r.get(4)?,
            submitted_at: r.get(5)?,
            materials_owed: r.get(6)?,
            materials_deferred: r.get(7)?,
            applicant_sealed: r.get(8)?,
            fields_stored: r.get(9)?,
            status: match status {
                Some(code) => Some((code, r.get(11)?, r.get(12)?, r.get(13)?)),
                None => None,
            },
        })
    })?;
    group(rows.collect::<Result<_, _>>()?)
}

/// Runs inside the writer's transaction, so the latest step read is the one the new step follows.
pub fn set_status(
    conn: &Connection,
    change: &StatusChangeRequest,
) -> Result<StatusOutcome, StoreError> {
    let Some(id) = conn
        .query_row(
            "SELECT application_id FROM applications WHERE application_no = ?1",
            [&change.application_no],
            |r| r.get::<_, String>(0),
        )
        .optional()?
    else {
        return Ok(StatusOutcome::UnknownApplication);
    };
    let last: Option<(i64, String, Option<String>)> = conn
        .query_row(
            "SELECT step, status, note FROM application_statuses WHERE application_id = ?1
             ORDER BY step DESC LIMIT 1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let seen = last.as_ref().map(|(_, s, n)| (s.as_str(), n.as_deref()));
    if !is_new_step(seen, change.status, change.note.as_deref()) {
        return Ok(StatusOutcome::Unchanged);
    }
    let step = last.map_or(0, |(step, _, _)| step + 1);
    conn.execute(
        "INSERT INTO application_statuses (application_id, step, status, at, note, set_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            step,
            change.status.code(),
            change.at,
            change.note,
            change.set_by
        ],
    )?;
    Ok(StatusOutcome::Recorded)
}
