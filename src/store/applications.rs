//! 申办 on the kiosk: an application's own row (its number, service, `citizen_ref`, the promised date, the 容缺
//! commitments, the platform's last status), committed with its `application.submitted` event and its receipt in
//! one errand transaction. The applicant and the form's answers are not in this table: they travel sealed in the
//! outbox (see `outbox`) and are erased once the platform has them, so the kiosk keeps one copy of personal data,
//! for as short a time as it can.
//!
//! Numbers are the kiosk's own, `K01-20261126-0003` (kiosk id, business day, serial): issued with no round trip,
//! online or not, and unique across kiosks because kiosk ids are.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use sanban_wire::{
    Applicant, ApplicationStatus, ApplicationSubmitted, DeferredMaterial, Delivery, EventPayload,
};
use uuid::Uuid;

use super::{Errand, PrintJob, Result, Store, StoreError, Subject};
use crate::clock::business_day;

/// What a citizen submits (built by the 申办 flow from the card, the form and the materials). `Debug` shows no
/// personal value.
pub struct Submission {
    /// The catalog's `Service::id`.
    pub service: String,
    pub citizen_ref: String,
    /// From the card (personal: sealed in the outbox).
    pub applicant: Applicant,
    /// The service's form answers by field key (personal: sealed in the outbox).
    pub fields: BTreeMap<String, String>,
    /// Material names in hand.
    pub materials_provided: Vec<String>,
    /// 容缺: material names owed, with their `defer_days`.
    pub materials_deferred: Vec<(String, u32)>,
    /// The service's promised time limit in working days (0: on the spot).
    pub promised_days: u32,
    pub delivery: Delivery,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("service", &self.service)
            .field("applicant", &self.applicant)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("materials_provided", &self.materials_provided)
            .field("materials_deferred", &self.materials_deferred)
            .finish_non_exhaustive()
    }
}

/// An application as the kiosk keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredApplication {
    pub id: Uuid,
    pub number: String,
    pub business_day: NaiveDate,
    pub service: String,
    pub citizen_ref: String,
    pub submitted_at: DateTime<Utc>,
    /// `None` for 即办件.
    pub promised_by: Option<NaiveDate>,
    /// The 容缺 commitments: what is owed and by when.
    pub materials_deferred: Vec<DeferredMaterial>,
    /// The platform's last word, if the kiosk has heard it (`None`: submitted here, not yet looked up).
    pub status: Option<ApplicationStatus>,
    pub status_at: Option<String>,
}

/// A committed application: its row, the sequence of its event and its stored print job.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedApplication {
    pub application: StoredApplication,
    pub outbox_seq: u64,
    pub print_job: Option<i64>,
}

const COLUMNS: &str = "id, number, business_day, service, citizen_ref, submitted_at, promised_by, \
                       materials_deferred, status, status_at";

fn from_row(r: &Row) -> rusqlite::Result<StoredApplication> {
    let bad = |i, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
    };
    let id: String = r.get(0)?;
    let day: String = r.get(2)?;
    let submitted: String = r.get(5)?;
    let promised: Option<String> = r.get(6)?;
    let deferred: String = r.get(7)?;
    let status: Option<String> = r.get(8)?;
    Ok(StoredApplication {
        id: Uuid::parse_str(&id).map_err(|e| bad(0, e.into()))?,
        number: r.get(1)?,
        business_day: day
            .parse()
            .map_err(|e: chrono::ParseError| bad(2, e.into()))?,
        service: r.get(3)?,
        citizen_ref: r.get(4)?,
        submitted_at: DateTime::parse_from_rfc3339(&submitted)
            .map_err(|e| bad(5, e.into()))?
            .to_utc(),
        promised_by: promised
            .map(|p| p.parse())
            .transpose()
            .map_err(|e: chrono::ParseError| bad(6, e.into()))?,
        materials_deferred: serde_json::from_str(&deferred).map_err(|e| bad(7, e.into()))?,
        status: status.as_deref().and_then(ApplicationStatus::parse),
        status_at: r.get(9)?,
    })
}

/// Take the next number of `day` and store the row.
fn insert(
    tx: &Transaction,
    kiosk_id: &str,
    s: &Submission,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<StoredApplication> {
    let day = business_day(now, tz);
    let serial: u32 = tx.query_row(
        "SELECT COALESCE(MAX(serial), 0) + 1 FROM applications WHERE business_day = ?1",
        [day.to_string()],
        |r| r.get(0),
    )?;
    let app = StoredApplication {
        id: Uuid::now_v7(),
        number: format!("{kiosk_id}-{}-{serial:04}", day.format("%Y%m%d")),
        business_day: day,
        service: s.service.clone(),
        citizen_ref: s.citizen_ref.clone(),
        submitted_at: now,
        promised_by: (s.promised_days > 0).then(|| crate::workdays::after(day, s.promised_days)),
        materials_deferred: s
            .materials_deferred
            .iter()
            .map(|(name, days)| DeferredMaterial {
                name: name.clone(),
                due: crate::workdays::after(day, *days).to_string(),
            })
            .collect(),
        status: None,
        status_at: None,
    };
    let deferred = serde_json::to_string(&app.materials_deferred)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    tx.execute(
        "INSERT INTO applications (id, number, business_day, serial, service, citizen_ref, submitted_at, promised_by,
                                   materials_deferred)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            app.id.to_string(),
            app.number,
            day.to_string(),
            serial,
            app.service,
            app.citizen_ref,
            now.to_rfc3339(),
            app.promised_by.map(|d| d.to_string()),
            deferred
        ],
    )?;
    Ok(app)
}

impl Store {
    /// Submit an application: its number and row, its `application.submitted` event (personal fields sealed) and,
    /// when `render` gives bytes, its receipt — in one transaction, or nothing at all.
    pub fn submit_application(
        &mut self,
        kiosk_id: &str,
        submission: Submission,
        now: DateTime<Utc>,
        tz: Tz,
        render: impl FnOnce(&StoredApplication) -> Option<Vec<u8>>,
    ) -> Result<SubmittedApplication> {
        let committed = self.commit_errand(now, tz, |tx| {
            let app = insert(tx, kiosk_id, &submission, now, tz)?;
            let event = EventPayload::ApplicationSubmitted(ApplicationSubmitted {
                application_id: app.id,
                application_no: app.number.clone(),
                service: app.service.clone(),
                citizen_ref: app.citizen_ref.clone(),
                fields: submission.fields.clone(),
                materials_provided: submission.materials_provided.clone(),
                delivery: submission.delivery,
                applicant: Some(Box::new(submission.applicant.clone())),
                materials_deferred: app.materials_deferred.clone(),
            });
            let print = render(&app).map(|bytes| PrintJob {
                subject: Subject::ApplicationReceipt,
                subject_id: app.id.to_string(),
                bytes,
            });
            Ok(Errand {
                value: app,
                event,
                print,
            })
        })?;
        Ok(SubmittedApplication {
            application: committed.value,
            outbox_seq: committed.outbox_seq,
            print_job: committed.print_job,
        })
    }

    /// This kiosk's applications of the citizen with `citizen_ref`, newest first.
    pub fn applications_of(&self, citizen_ref: &str) -> Result<Vec<StoredApplication>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM applications WHERE citizen_ref = ?1 ORDER BY submitted_at DESC, serial DESC"
        ))?;
        let rows = stmt.query_map([citizen_ref], from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The application numbered `number`, if this kiosk took it.
    pub fn application_by_number(&self, number: &str) -> Result<Option<StoredApplication>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM applications WHERE number = ?1"),
                [number],
                from_row,
            )
            .optional()?)
    }

    /// Remember what the platform last reported of an application this kiosk took (shown when it is offline).
    pub fn record_application_status(
        &self,
        number: &str,
        status: ApplicationStatus,
        at: &str,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE applications SET status = ?2, status_at = ?3 WHERE number = ?1",
            params![number, status.code(), at],
        )?;
        Ok(())
    }

    /// Every application, oldest first (tests, the technician).
    pub fn all_applications(&self) -> Result<Vec<StoredApplication>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM applications ORDER BY submitted_at, serial"
        ))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
