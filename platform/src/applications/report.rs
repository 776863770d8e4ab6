//! `sanban-platform applications`: the list for the back office (never the applicant in clear) and `set-status`,
//! its stand-in for reporting an application's progress to the kiosks.

use sanban_wire::{Applicant, ApplicationRecord, ApplicationStatus};
use serde::Serialize;

use crate::privacy::DataKey;
use crate::store::applications::{
    applicant_context, ApplicationQuery, StatusChangeRequest, StatusOutcome, StoredApplication,
};
use crate::store::{now_rfc3339, Store};

/// One application in the list: the kiosk's view plus the kiosk it was made at, who set each status, and the
/// applicant masked.
#[derive(Debug, Serialize)]
pub struct ListedApplication {
    #[serde(flatten)]
    pub record: ApplicationRecord,
    pub kiosk_id: String,
    /// Who set each status of `history`, in the same order.
    pub set_by: Vec<String>,
    /// Masked (`张* 4201**********1234`), or why it cannot be shown. Never in clear.
    pub applicant: String,
}

pub fn listed(app: &StoredApplication, key: Option<&DataKey>) -> ListedApplication {
    ListedApplication {
        record: super::record(app),
        kiosk_id: app.kiosk_id.clone(),
        set_by: app.history.iter().map(|s| s.set_by.clone()).collect(),
        applicant: masked_applicant(app, key),
    }
}

/// The applicant's name and ID number masked, opened with the data key.
fn masked_applicant(app: &StoredApplication, key: Option<&DataKey>) -> String {
    let Some(sealed) = &app.applicant_sealed else {
        return "(not kept: the kiosk had erased it)".into();
    };
    let Some(key) = key else {
        return "(sealed: no data key given)".into();
    };
    let opened = key
        .open(&applicant_context(&app.application_id), sealed)
        .ok()
        .and_then(|json| serde_json::from_str::<Applicant>(&json).ok());
    match opened {
        Some(a) => format!("{} {}", a.masked_name(), a.masked_id()),
        None => "(sealed: does not open with this data key)".into(),
    }
}

/// Every application (or the one numbered `number`), newest first, those at `status` only when given.
pub async fn list(
    store: &Store,
    number: Option<&str>,
    status: Option<ApplicationStatus>,
    key: Option<&DataKey>,
) -> anyhow::Result<Vec<ListedApplication>> {
    let query = match number {
        Some(n) => ApplicationQuery::Number(n.to_string()),
        None => ApplicationQuery::All,
    };
    Ok(store
        .applications(&query, u32::MAX)
        .await?
        .iter()
        .filter(|a| status.is_none_or(|s| a.status() == s))
        .map(|a| listed(a, key))
        .collect())
}

/// The list as a table: number, service, kiosk, submitted, status, materials owed, the applicant masked.
pub fn table(apps: &[ListedApplication]) -> String {
    let mut out = format!(
        "{:<24} {:<12} {:<8} {:<26} {:<20} {:>4}  APPLICANT\n",
        "NUMBER", "SERVICE", "KIOSK", "SUBMITTED", "STATUS", "OWED"
    );
    for a in apps {
        let r = &a.record;
        out.push_str(&format!(
            "{:<24} {:<12} {:<8} {:<26} {:<20} {:>4}  {}\n",
            r.application_no,
            r.service,
            a.kiosk_id,
            r.submitted_at,
            r.status.code(),
            r.materials_owed.len(),
            a.applicant
        ));
    }
    out
}

/// Appends `status` to the history of application `number`; an unknown number is an error.
pub async fn set_status(
    store: &Store,
    number: &str,
    status: ApplicationStatus,
    note: Option<String>,
    set_by: &str,
) -> anyhow::Result<StatusOutcome> {
    if let Some(n) = &note {
        if !crate::text::plain_text(n, 200) {
            anyhow::bail!("--note must be 1 to 200 printable characters");
        }
    }
    if !crate::text::plain_text(set_by, 64) {
        anyhow::bail!("--by must be 1 to 64 printable characters");
    }
    let change = StatusChangeRequest {
        application_no: number.to_string(),
        status,
        note,
        set_by: set_by.to_string(),
        at: now_rfc3339(),
    };
    match store.set_application_status(&change).await? {
        StatusOutcome::UnknownApplication => {
            anyhow::bail!("no application is numbered {number:?}")
        }
        outcome => Ok(outcome),
    }
}

/// The typed `STATUS` argument: one of the wire's status codes.
pub fn status_parser() -> impl clap::builder::TypedValueParser<Value = ApplicationStatus> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(ApplicationStatus::ALL.map(|s| s.code()))
        .map(|code| ApplicationStatus::parse(&code).expect("a possible value is a status code"))
}
