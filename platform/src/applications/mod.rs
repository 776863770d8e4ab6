//! 申办 on the platform: what a kiosk is shown of an application (`GET /v1/applications`), and the look-up's
//! rules. The store keeps the rows ([`crate::store::applications`]); the back office's stand-in is the CLI
//! (`sanban-platform applications`).

pub mod report;

use sanban_wire::{ApplicationRecord, DeferredMaterial, StatusChange};

use crate::store::applications::{ApplicationQuery, StoredApplication};
use crate::text::plain_text;

/// Most applications a citizen's look-up returns (newest first).
pub const CITIZEN_LIMIT: u32 = 50;

/// The look-up a kiosk asked for: exactly one of `citizen_ref` (the card) and `number` (the receipt). `Err` is
/// the reason for a 400, naming the parameter, never its value.
pub fn lookup(
    citizen_ref: Option<&str>,
    number: Option<&str>,
) -> Result<(ApplicationQuery, u32), String> {
    match (citizen_ref, number) {
        (Some(r), None) if plain_text(r, 128) => {
            Ok((ApplicationQuery::Citizen(r.to_string()), CITIZEN_LIMIT))
        }
        (Some(_), None) => Err("citizen_ref must be 1 to 128 printable characters".into()),
        (None, Some(n)) if plain_text(n, 64) => Ok((ApplicationQuery::Number(n.to_string()), 1)),
        (None, Some(_)) => Err("number must be 1 to 64 printable characters".into()),
        _ => Err("give exactly one of the query parameters citizen_ref and number".into()),
    }
}

/// An application as a kiosk sees it: no applicant, no answers, no kiosk; the materials still owed, each with
/// its 容缺 due date, or an empty `due` when the citizen made no commitment for it (a non-core material left out
/// without 容缺: often one that does not apply to them, which the window decides).
pub fn record(app: &StoredApplication) -> ApplicationRecord {
    let materials_owed = app
        .materials_owed
        .iter()
        .map(|name| DeferredMaterial {
            name: name.clone(),
            due: app
                .materials_deferred
                .iter()
                .find(|d| &d.name == name)
                .map(|d| d.due.clone())
                .unwrap_or_default(),
        })
        .collect();
    ApplicationRecord {
        application_no: app.application_no.clone(),
        service: app.service.clone(),
        submitted_at: app.submitted_at.clone(),
        status: app.status(),
        history: app
            .history
            .iter()
            .map(|s| StatusChange {
                status: s.status,
                at: s.at.clone(),
                note: s.note.clone(),
            })
            .collect(),
        materials_owed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::applications::StoredStatus;
    use sanban_wire::ApplicationStatus;

    #[test]
    fn a_look_up_names_exactly_one_well_formed_key() {
        assert_eq!(
            lookup(Some("c0ffee"), None),
            Ok((ApplicationQuery::Citizen("c0ffee".into()), CITIZEN_LIMIT))
        );
        assert_eq!(
            lookup(None, Some("K01-20261130-0001")),
            Ok((ApplicationQuery::Number("K01-20261130-0001".into()), 1))
        );
        for (r, n) in [
            (None, None),
            (Some("c0ffee"), Some("K01-20261130-0001")),
            (Some(""), None),
            (None, Some(" ")),
        ] {
            assert!(lookup(r, n).is_err(), "{r:?} {n:?}");
        }
        let long = "9".repeat(65);
        let err = lookup(None, Some(&long)).unwrap_err();
        assert!(err.contains("number") && !err.contains(&long), "{err}");
    }

    #[test]
    fn owed_materials_carry_their_commitment_or_an_empty_due() {
        let app = StoredApplication {
            application_id: "id".into(),
            application_no: "K01-20261130-0001".into(),
            kiosk_id: "K01".into(),
            service: "BIZ-01".into(),
            citizen_ref: "c0ffee".into(),
            submitted_at: "2026-11-30T09:00:00+08:00".into(),
            materials_owed: vec!["租赁合同".into(), "委托书".into()],
            materials_deferred: vec![DeferredMaterial {
                name: "租赁合同".into(),
                due: "2026-12-07".into(),
            }],
            applicant_sealed: Some("01ab".into()),
            fields_stored: "{}".into(),
            history: vec![
                StoredStatus {
                    status: ApplicationStatus::Received,
                    at: "2026-11-30T09:00:00+08:00".into(),
                    note: None,
                    set_by: "kiosk:K01".into(),
                },
                StoredStatus {
                    status: ApplicationStatus::InReview,
                    at: "2026-11-30T10:00:00+08:00".into(),
                    note: Some("窗口审核".into()),
                    set_by: "back-office".into(),
                },
            ],
        };
        let r = record(&app);
        assert_eq!(r.status, ApplicationStatus::InReview);
        assert_eq!(r.history.len(), 2);
        assert_eq!(r.history[1].note.as_deref(), Some("窗口审核"));
        assert_eq!(
            r.materials_owed,
            vec![
                DeferredMaterial {
                    name: "租赁合同".into(),
                    due: "2026-12-07".into()
                },
                DeferredMaterial {
                    name: "委托书".into(),
                    due: String::new()
                }
            ]
        );
    }
}
