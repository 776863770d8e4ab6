//! The application store and personal data at rest: an application commits its row, its event (the applicant and
//! the form sealed, nothing personal in clear in the database file) and its receipt together; numbers are the
//! kiosk's own per business day; the personal fields are erased after the platform's acknowledgement plus the
//! retention and the outbox keeps a tombstone, so numbering and exactly-once hold; a wrong key is a clear error that
//! loses nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use sanban_kiosk::privacy::DataKey;
use sanban_kiosk::store::applications::Submission;
use sanban_kiosk::store::{NumberSource, Store, StoreError, TicketRequest};
use sanban_wire::{Applicant, ApplicationSubmitted, CardType, Delivery, EventPayload, Sex};

const ID_NUMBER: &str = "420111199003071234";
const NAME: &str = "张三丰";
const ADDRESS: &str = "示例省示例市测试区样例路1号";
const MOBILE: &str = "13912345678";

fn tz() -> Tz {
    "Asia/Shanghai".parse().unwrap()
}

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
}

fn submission() -> Submission {
    Submission {
        service: "ECO-01".into(),
        citizen_ref: "ref-of-the-citizen".into(),
        applicant: Applicant {
            name: NAME.into(),
            english_name: None,
            id_number: ID_NUMBER.into(),
            sex: Sex::Male,
            birth_date: "1990-03-07".into(),
            address: Some(ADDRESS.into()),
            card_type: CardType::Resident,
            nationality: None,
        },
        fields: BTreeMap::from([
            ("company_name".to_string(), "汉南热干面有限公司".to_string()),
            ("contact_mobile".to_string(), MOBILE.to_string()),
        ]),
        materials_provided: vec!["公司章程".into()],
        materials_deferred: vec![("住所使用相关文件(房屋租赁合同或产权证明)".into(), 5)],
        promised_days: 1,
        delivery: Delivery::Pickup,
    }
}

fn keyed(store: Store, byte: u8) -> Store {
    store.with_data_key(Arc::new(DataKey::from_bytes([byte; 32])))
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn an_application_commits_its_row_sealed_event_and_receipt_together() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.sqlite3");
    let mut store = keyed(Store::open(&path).unwrap(), 1);
    // Thursday 2026-11-26, 10:00 in the hall.
    let submitted = store
        .submit_application("K07", submission(), at(26, 2), tz(), |app| {
            Some(format!("RECEIPT {}", app.number).into_bytes())
        })
        .unwrap();
    let app = &submitted.application;
    assert_eq!(app.number, "K07-20261126-0001");
    assert_eq!(app.promised_by.unwrap().to_string(), "2026-11-27");
    assert_eq!(app.materials_deferred.len(), 1);
    assert_eq!(
        app.materials_deferred[0].due, "2026-12-03",
        "5 working days"
    );
    assert_eq!(
        store.print_job_bytes(submitted.print_job.unwrap()).unwrap(),
        b"RECEIPT K07-20261126-0001"
    );

    // The event goes out whole: the sealed fields are opened for the platform.
    let events = store.pending_events(10).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.kind, "application.submitted");
    let EventPayload::ApplicationSubmitted(p) =
        EventPayload::from_parts(&e.kind, e.payload.clone()).unwrap()
    else {
        panic!("not an application")
    };
    let sent: &ApplicationSubmitted = &p;
    assert_eq!(sent.application_no, app.number);
    assert_eq!(sent.applicant.as_ref().unwrap().id_number, ID_NUMBER);
    assert_eq!(sent.fields["contact_mobile"], MOBILE);
    assert_eq!(sent.materials_deferred, app.materials_deferred);
    assert!(
        !format!("{e:?}").contains(ID_NUMBER) && !format!("{sent:?}").contains(MOBILE),
        "Debug shows no personal value"
    );

    // At rest, the row holds none of it in clear: not in the payload column, not anywhere in the file or its WAL.
    let payload: String = store_conn(&path)
        .query_row("SELECT payload FROM outbox WHERE seq = 1", [], |r| r.get(0))
        .unwrap();
    assert!(payload.contains("\"application_no\""));
    assert!(!payload.contains("applicant") && !payload.contains("fields"));
    drop(store);
    for file in ["kiosk.sqlite3", "kiosk.sqlite3-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        for clear in [ID_NUMBER, NAME, ADDRESS, MOBILE] {
            assert!(
                !contains(&bytes, clear),
                "{file} holds a personal value in clear"
            );
        }
    }
    // The scan would see a value that was there (it is not blind).
    assert!(contains(
        &std::fs::read(dir.path().join("kiosk.sqlite3")).unwrap(),
        "K07-20261126-0001"
    ));
}

fn store_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn numbers_are_per_business_day_and_kiosk_prefixed() {
    let mut store = keyed(Store::open_in_memory().unwrap(), 1);
    let mut numbers = Vec::new();
    // 23:30 and 23:59 hall time on the 26th, then 00:10 on the 27th.
    for t in [
        Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 26, 15, 59, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 26, 16, 10, 0).unwrap(),
    ] {
        numbers.push(
            store
                .submit_application("K01", submission(), t, tz(), |_| None)
                .unwrap()
                .application
                .number,
        );
    }
    assert_eq!(
        numbers,
        [
            "K01-20261126-0001",
            "K01-20261126-0002",
            "K01-20261127-0001"
        ]
    );
    assert_eq!(
        store.applications_of("ref-of-the-citizen").unwrap().len(),
        3
    );
    assert_eq!(
        store
            .application_by_number("K01-20261126-0002")
            .unwrap()
            .unwrap()
            .number,
        "K01-20261126-0002"
    );
}

#[test]
fn personal_fields_are_erased_after_acknowledgement_and_retention_leaving_a_tombstone() {
    let mut store = keyed(Store::open_in_memory().unwrap(), 1);
    let retention = Duration::days(7);
    store
        .submit_application("K01", submission(), at(26, 2), tz(), |_| None)
        .unwrap();
    store
        .issue_ticket(
            &TicketRequest {
                category: "police".into(),
                priority: false,
            },
            at(26, 3),
            tz(),
            &NumberSource::Local,
            Duration::hours(2),
            |_| None,
        )
        .unwrap();
    let summary = store.outbox_summary().unwrap();
    assert_eq!((summary.personal, summary.purged), (1, 0));
    assert!(summary
        .oldest_personal_at
        .unwrap()
        .starts_with("2026-11-26T10:00"));

    // Not acknowledged: never erased, however old.
    assert_eq!(
        store
            .purge_personal(at(30, 0) + Duration::days(60), retention)
            .unwrap(),
        0
    );
    // Acknowledged on the 26th at 12:00 UTC.
    store.settle_events(2, &[], at(26, 12)).unwrap();
    assert_eq!(
        store.purge_personal(at(26, 13), retention).unwrap(),
        0,
        "within the retention"
    );
    assert_eq!(store.outbox_summary().unwrap().personal, 1);
    let just_before = at(26, 12) + retention - Duration::seconds(1);
    assert_eq!(store.purge_personal(just_before, retention).unwrap(), 0);
    assert_eq!(
        store
            .purge_personal(at(26, 12) + retention, retention)
            .unwrap(),
        1
    );
    let summary = store.outbox_summary().unwrap();
    assert_eq!((summary.personal, summary.purged), (0, 1));
    assert_eq!(summary.oldest_personal_at, None);
    assert_eq!(summary.last_seq, 2, "the tombstone keeps its sequence");

    // The numbering goes on after the tombstone, and a platform restored from an old backup is sent it again,
    // without the personal fields (it records the application as purged at the kiosk).
    let next = store
        .submit_application("K01", submission(), at(27, 2), tz(), |_| None)
        .unwrap();
    assert_eq!(next.outbox_seq, 3);
    assert_eq!(store.requeue_from(1).unwrap(), 2);
    let events = store.pending_events(10).unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    let tombstone = &events[0];
    assert_eq!(tombstone.payload["application_no"], "K01-20261126-0001");
    assert!(tombstone.payload.get("applicant").is_none());
    let typed = EventPayload::from_parts(&tombstone.kind, tombstone.payload.clone()).unwrap();
    assert!(matches!(typed, EventPayload::ApplicationSubmitted(p) if p.applicant.is_none()));
    assert_eq!(events[2].payload["applicant"]["id_number"], ID_NUMBER);
}

#[test]
fn a_zero_retention_erases_at_acknowledgement_and_rejected_events_too() {
    let mut store = keyed(Store::open_in_memory().unwrap(), 1);
    for d in [26, 27] {
        store
            .submit_application("K01", submission(), at(d, 2), tz(), |_| None)
            .unwrap();
    }
    store
        .settle_events(2, &[(2, "core material missing".into())], at(27, 3))
        .unwrap();
    assert_eq!(
        store.purge_personal(at(27, 3), Duration::zero()).unwrap(),
        2
    );
    assert_eq!(
        store.outbox_summary().unwrap().rejected,
        1,
        "the rejection is kept"
    );
}

#[test]
fn without_the_right_key_nothing_is_stored_or_sent_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.sqlite3");
    let mut no_key = Store::open(&path).unwrap();
    let e = no_key
        .submit_application("K01", submission(), at(26, 2), tz(), |_| Some(vec![1]))
        .unwrap_err();
    assert!(matches!(e, StoreError::NoDataKey), "{e}");
    assert!(
        no_key.all_applications().unwrap().is_empty(),
        "rolled back whole"
    );
    assert!(no_key.failed_print_jobs(10).unwrap().is_empty());
    drop(no_key);

    let mut store = keyed(Store::open(&path).unwrap(), 1);
    store
        .submit_application("K01", submission(), at(26, 2), tz(), |_| None)
        .unwrap();
    drop(store);
    // Another key (data.key replaced): the event cannot be sent, says why without any value, and stays.
    let other = keyed(Store::open(&path).unwrap(), 2);
    let e = other.pending_events(10).unwrap_err().to_string();
    assert!(
        e.contains("outbox event 1") && e.contains("data key"),
        "{e}"
    );
    assert!(!e.contains(ID_NUMBER));
    drop(other);
    let back = keyed(Store::open(&path).unwrap(), 1);
    assert_eq!(back.pending_events(10).unwrap().len(), 1);
}
