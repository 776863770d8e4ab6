//! 申办 as the stores keep it: an application's row, its status history, and the shared rules of a status change.
//! The applicant and the form's answers stay sealed here; [`crate::applications`] turns rows into the replies.

use sanban_wire::{ApplicationStatus, DeferredMaterial};

use super::error::StoreError;

/// Which applications a read returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationQuery {
    /// A citizen's, newest first.
    Citizen(String),
    /// The one with this number (at most one).
    Number(String),
    /// Every application, newest first (the CLI).
    All,
}

/// One step of an application's history as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredStatus {
    pub status: ApplicationStatus,
    pub at: String,
    pub note: Option<String>,
    /// `kiosk:<id>` for `received`, else who set it (the back office's name).
    pub set_by: String,
}

/// An application as stored. `Debug` is safe: the applicant and the answers are sealed hex, `citizen_ref` a keyed
/// hash.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredApplication {
    pub application_id: String,
    pub application_no: String,
    pub kiosk_id: String,
    pub service: String,
    pub citizen_ref: String,
    pub submitted_at: String,
    /// Every non-core material not in hand at submission.
    pub materials_owed: Vec<String>,
    /// The 容缺 commitments among them, with their due dates.
    pub materials_deferred: Vec<DeferredMaterial>,
    /// Sealed JSON of the applicant (context [`applicant_context`]); `None` when the event carried none.
    pub applicant_sealed: Option<String>,
    /// Sealed JSON of the form's answers (context [`fields_context`]), or clear JSON (`{…}`): `{}` when there are
    /// none, or the answers of an application stored before they were sealed (schema v10 / V7).
    pub fields_stored: String,
    /// Oldest first.
    pub history: Vec<StoredStatus>,
}

impl StoredApplication {
    /// The latest status (`received` if the history is somehow empty).
    pub fn status(&self) -> ApplicationStatus {
        self.history
            .last()
            .map(|s| s.status)
            .unwrap_or(ApplicationStatus::Received)
    }
}

/// The sealing context of an application's applicant: a sealed copy moved to another row does not open.
pub fn applicant_context(application_id: &str) -> String {
    format!("application:{application_id}")
}

/// The sealing context of an application's form answers.
pub fn fields_context(application_id: &str) -> String {
    format!("application-fields:{application_id}")
}

/// A status set on an application by number (the back office's stand-in, `applications set-status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChangeRequest {
    pub application_no: String,
    pub status: ApplicationStatus,
    pub note: Option<String>,
    pub set_by: String,
    pub at: String,
}

/// What became of a [`StatusChangeRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOutcome {
    /// Appended to the history.
    Recorded,
    /// The application already stands at that status with that note (or no note was given): nothing recorded, so
    /// a retried command does not repeat a step.
    Unchanged,
    UnknownApplication,
}

/// Whether a change to `wanted` (with `note`) after the latest step `last` is a new step. The same status again
/// counts only with a new note (a second request for materials is news; a retry is not).
pub fn is_new_step(
    last: Option<(&str, Option<&str>)>,
    wanted: ApplicationStatus,
    note: Option<&str>,
) -> bool {
    match last {
        Some((status, last_note)) if status == wanted.code() => {
            note.is_some_and(|n| Some(n) != last_note)
        }
        _ => true,
    }
}

/// One row of the stores' application read: the application's columns, then one status step (absent for an
/// application without history, which the migrations never leave).
pub struct JoinedRow {
    pub application_id: String,
    pub application_no: String,
    pub kiosk_id: String,
    pub service: String,
    pub citizen_ref: String,
    pub submitted_at: String,
    pub materials_owed: String,
    pub materials_deferred: String,
    pub applicant_sealed: Option<String>,
    pub fields_stored: String,
    pub status: Option<(String, String, Option<String>, String)>,
}

/// Groups joined rows (ordered by application, then step) into applications.
pub fn group(rows: Vec<JoinedRow>) -> Result<Vec<StoredApplication>, StoreError> {
    let mut out: Vec<StoredApplication> = Vec::new();
    for row in rows {
        let step = match row.status {
            Some((code, at, note, set_by)) => Some(StoredStatus {
                status: ApplicationStatus::parse(&code).ok_or_else(|| {
                    StoreError::Invalid(format!("unknown application status {code:?} stored"))
                })?,
                at,
                note,
                set_by,
            }),
            None => None,
        };
        if out.last().map(|a| a.application_id.as_str()) != Some(row.application_id.as_str()) {
            out.push(StoredApplication {
                application_id: row.application_id,
                application_no: row.application_no,
                kiosk_id: row.kiosk_id,
                service: row.service,
                citizen_ref: row.citizen_ref,
                submitted_at: row.submitted_at,
                materials_owed: serde_json::from_str(&row.materials_owed)?,
                materials_deferred: serde_json::from_str(&row.materials_deferred)?,
                applicant_sealed: row.applicant_sealed,
                fields_stored: row.fields_stored,
                history: Vec::new(),
            });
        }
        if let (Some(step), Some(app)) = (step, out.last_mut()) {
            app.history.push(step);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_status_again_is_a_step_only_with_a_new_note() {
        let asked = Some(("materials_requested", Some("补营业执照")));
        let wanted = ApplicationStatus::MaterialsRequested;
        assert!(!is_new_step(asked, wanted, None));
        assert!(!is_new_step(asked, wanted, Some("补营业执照")));
        assert!(is_new_step(asked, wanted, Some("补租赁合同")));
        assert!(is_new_step(asked, ApplicationStatus::Approved, None));
        assert!(is_new_step(None, ApplicationStatus::Received, None));
    }
}
