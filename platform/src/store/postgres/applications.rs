//! 申办 on PostgreSQL: applications with their status histories, and status changes.

use deadpool_postgres::Object;

use super::pg_err;
use crate::store::applications::{
    group, is_new_step, ApplicationQuery, JoinedRow, StatusChangeRequest, StatusOutcome,
    StoredApplication,
};
use crate::store::error::StoreError;

pub async fn applications(
    client: &Object,
    query: &ApplicationQuery,
    limit: u32,
) -> Result<Vec<StoredApplication>, StoreError> {
    let (condition, key) = match query {
        ApplicationQuery::Citizen(r) => ("citizen_ref = $1", Some(r.as_str())),
        ApplicationQuery::Number(n) => ("application_no = $1", Some(n.as_str())),
        ApplicationQuery::All => ("$1::text IS NULL", None),
    };
    let sql = format!(
        "SELECT a.application_id, a.application_no, a.kiosk_id, a.service, a.citizen_ref, a.occurred_at,
                a.materials_owed, a.materials_deferred, a.applicant, a.fields, s.status, s.at, s.note, s.set_by
         FROM (SELECT * FROM applications WHERE {condition}
               ORDER BY occurred_at DESC, application_no DESC LIMIT $2) a
         LEFT JOIN application_statuses s ON s.application_id = a.application_id
         ORDER BY a.occurred_at DESC, a.application_no DESC, s.step"
    );
    let rows = client
        .query(&sql, &[&key, &i64::from(limit)])
        .await
        .map_err(pg_err)?;
    group(
        rows.iter()
            .map(|r| JoinedRow {
                application_id: r.get(0),
                application_no: r.get(1),
                kiosk_id: r.get(2),
                service: r.get(3),
                citizen_ref: r.get(4),
                submitted_at: r.get(5),
                materials_owed: r.get(6),
                materials_deferred: r.get(7),
                applicant_sealed: r.get(8),
                fields_stored: r.get(9),
                status: r
                    .get::<_, Option<String>>(10)
                    .map(|code| (code, r.get(11), r.get(12), r.get(13))),
            })
            .collect(),
    )
}

/// The application's row is locked first, so two changes at once append one after the other.
pub async fn set_status(
    client: &mut Object,
    change: &StatusChangeRequest,
) -> Result<StatusOutcome, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    let Some(row) = tx
        .query_opt(
            "SELECT application_id FROM applications WHERE application_no = $1 FOR UPDATE",
            &[&change.application_no],
        )
        .await
        .map_err(pg_err)?
    else {
        return Ok(StatusOutcome::UnknownApplication);
    };
    let id: String = row.get(0);
    let last = tx
        .query_opt(
            "SELECT step, status, note FROM application_statuses WHERE application_id = $1
             ORDER BY step DESC LIMIT 1",
            &[&id],
        )
        .await
        .map_err(pg_err)?
        .map(|r| {
            (
                r.get::<_, i64>(0),
                r.get::<_, String>(1),
                r.get::<_, Option<String>>(2),
            )
        });
    let seen = last.as_ref().map(|(_, s, n)| (s.as_str(), n.as_deref()));
    if !is_new_step(seen, change.status, change.note.as_deref()) {
        return Ok(StatusOutcome::Unchanged);
    }
    let step = last.map_or(0, |(step, _, _)| step + 1);
    tx.execute(
        "INSERT INTO application_statuses (application_id, step, status, at, note, set_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &id,
            &step,
            &change.status.code(),
            &change.at,
            &change.note,
            &change.set_by,
        ],
    )
    .await
    .map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)?;
    Ok(StatusOutcome::Recorded)
}
