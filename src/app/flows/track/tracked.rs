//! What 办件查询 shows of an application: the platform's record when it answered, else what this kiosk knows of
//! the applications it took itself (their row: number, service, dates, 容缺 commitments and the status last heard).

use chrono::{DateTime, NaiveDate, Utc};
use sanban_wire::{ApplicationRecord, ApplicationStatus, DeferredMaterial, StatusChange};

use crate::store::applications::StoredApplication;

/// One application as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    pub number: String,
    /// The catalog's `Service::id`.
    pub service: String,
    /// RFC 3339.
    pub submitted_at: String,
    /// `None`: submitted at this kiosk and not yet heard of from the platform.
    pub status: Option<ApplicationStatus>,
    /// Oldest first.
    pub history: Vec<StatusChange>,
    pub owed: Vec<DeferredMaterial>,
    /// Known for the applications this kiosk took.
    pub promised_by: Option<NaiveDate>,
}

impl Tracked {
    /// The status code the pages translate (`submitted` before the platform has it).
    pub fn status_code(&self) -> &'static str {
        self.status.map(|s| s.code()).unwrap_or("submitted")
    }

    /// What the department said with the current status: the newest change's note, if it is that status.
    pub fn current_note(&self) -> Option<&str> {
        let last = self.history.last()?;
        (Some(last.status) == self.status)
            .then_some(last.note.as_deref())
            .flatten()
            .filter(|n| !n.trim().is_empty())
    }
}

/// What this kiosk knows of an application it took: its commitments and the status it last heard.
pub fn from_local(a: &StoredApplication) -> Tracked {
    Tracked {
        number: a.number.clone(),
        service: a.service.clone(),
        submitted_at: a.submitted_at.to_rfc3339(),
        status: a.status,
        history: match (a.status, &a.status_at) {
            (Some(status), Some(at)) => vec![StatusChange {
                status,
                at: at.clone(),
                note: None,
            }],
            _ => Vec::new(),
        },
        owed: a.materials_deferred.clone(),
        promised_by: a.promised_by,
    }
}

/// The platform's record, with the promised date this kiosk knows if it took the application.
pub fn from_platform(r: &ApplicationRecord, local: Option<&StoredApplication>) -> Tracked {
    Tracked {
        number: r.application_no.clone(),
        service: r.service.clone(),
        submitted_at: r.submitted_at.clone(),
        status: Some(r.status),
        history: r.history.clone(),
        owed: r.materials_owed.clone(),
        promised_by: local.and_then(|l| l.promised_by),
    }
}

/// The platform's list, plus this kiosk's applications it does not hold yet (still in the outbox), newest first.
pub fn merge(platform: &[ApplicationRecord], local: &[StoredApplication]) -> Vec<Tracked> {
    let mut all: Vec<Tracked> = platform
        .iter()
        .map(|r| from_platform(r, local.iter().find(|l| l.number == r.application_no)))
        .collect();
    all.extend(
        local
            .iter()
            .filter(|l| !platform.iter().any(|r| r.application_no == l.number))
            .map(from_local),
    );
    all.sort_by_key(|t| std::cmp::Reverse(submitted(&t.submitted_at)));
    all
}

fn submitted(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at).ok().map(|t| t.to_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn local(number: &str, at: &str) -> StoredApplication {
        StoredApplication {
            id: Uuid::now_v7(),
            number: number.into(),
            business_day: "2026-11-30".parse().unwrap(),
            service: "ECO-01".into(),
            citizen_ref: "ref".into(),
            submitted_at: DateTime::parse_from_rfc3339(at).unwrap().to_utc(),
            promised_by: Some("2026-12-01".parse().unwrap()),
            materials_deferred: vec![DeferredMaterial {
                name: "住所使用相关文件".into(),
                due: "2026-12-07".into(),
            }],
            status: None,
            status_at: None,
        }
    }

    fn record(number: &str, at: &str, status: ApplicationStatus) -> ApplicationRecord {
        ApplicationRecord {
            application_no: number.into(),
            service: "ECO-01".into(),
            submitted_at: at.into(),
            status,
            history: vec![
                StatusChange {
                    status: ApplicationStatus::Received,
                    at: at.into(),
                    note: None,
                },
                StatusChange {
                    status,
                    at: at.into(),
                    note: Some("请补正".into()),
                },
            ],
            materials_owed: Vec::new(),
        }
    }

    #[test]
    fn the_platforms_word_wins_and_unsent_local_applications_still_show() {
        let here = [
            local("K01-20261130-0001", "2026-11-30T02:00:00Z"),
            local("K01-20261130-0002", "2026-11-30T03:00:00Z"),
        ];
        let platform = [
            record(
                "K01-20261130-0001",
                "2026-11-30T02:00:00Z",
                ApplicationStatus::MaterialsRequested,
            ),
            record(
                "K02-20261129-0004",
                "2026-11-29T02:00:00Z",
                ApplicationStatus::ReadyForPickup,
            ),
        ];
        let all = merge(&platform, &here);
        let numbers: Vec<&str> = all.iter().map(|t| t.number.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "K01-20261130-0002",
                "K01-20261130-0001",
                "K02-20261129-0004"
            ],
            "newest first"
        );
        assert_eq!(all[0].status_code(), "submitted", "not on the platform yet");
        assert_eq!(all[1].status, Some(ApplicationStatus::MaterialsRequested));
        assert_eq!(all[1].history.len(), 2);
        assert_eq!(
            all[1].promised_by,
            Some("2026-12-01".parse().unwrap()),
            "this kiosk knows the promised date"
        );
        assert_eq!(all[2].promised_by, None);
        assert_eq!(
            all[1].current_note(),
            Some("请补正"),
            "the note of the current status"
        );
        assert_eq!(all[0].current_note(), None);
    }

    #[test]
    fn offline_a_local_application_shows_the_status_last_heard() {
        let mut a = local("K01-20261130-0001", "2026-11-30T02:00:00Z");
        assert_eq!(from_local(&a).status_code(), "submitted");
        assert!(from_local(&a).history.is_empty());
        a.status = Some(ApplicationStatus::InReview);
        a.status_at = Some("2026-12-01T01:00:00Z".into());
        let t = from_local(&a);
        assert_eq!(t.status_code(), "in_review");
        assert_eq!(t.history.len(), 1);
        assert_eq!(t.owed.len(), 1, "the 容缺 commitments are the kiosk's own");
    }
}
