//! The kiosk's store for 取件 and 好差评 on a real SQLite file: codes checked against per-document salted hashes,
//! the opening journal that never opens a door twice, openings cut off by a restart settled without firing again,
//! an offline pickup that stays collected (and sends one event) whatever the platform's list says until the
//! platform has it, the wrong-code lock-out surviving a restart, and one rating per errand.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sanban_kiosk::store::pickups::{CodeMatch, LockoutPolicy, PickupState, Settled};
use sanban_kiosk::store::{Store, StoreError};
use sanban_wire::{
    pickup_code_hash, EventPayload, OpeningProof, Pickup, RatingLevel, RatingSubmitted,
};

fn tz() -> chrono_tz::Tz {
    "Asia/Shanghai".parse().unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

fn waiting(id: &str, door: u32, salt: &str, code: &str) -> Pickup {
    Pickup {
        pickup_id: id.into(),
        code_salt: salt.into(),
        code_hash: pickup_code_hash(salt, code).unwrap(),
        locker_door: door,
        document: "营业执照".into(),
        document_en: String::new(),
        citizen_ref: None,
        holder: "王*".into(),
        postable: false,
        deposited_at: "2026-11-28T09:00:00+08:00".into(),
    }
}

fn kinds(store: &Store) -> Vec<String> {
    store
        .pending_events(100)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[test]
fn two_documents_with_the_same_code_have_unrelated_hashes_and_each_is_found() {
    let a = waiting("A", 1, "00112233445566778899aabbccddeeff", "123456");
    let b = waiting("B", 2, "ffeeddccbbaa99887766554433221100", "123456");
    assert_ne!(a.code_hash, b.code_hash, "salted per document");
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    store.apply_pickup_list(&[a], 16).unwrap();
    match store.pickup_by_code("123456").unwrap() {
        CodeMatch::Waiting(d) => assert_eq!((d.pickup_id.as_str(), d.door), ("A", 1)),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.pickup_by_code("654321").unwrap(), CodeMatch::Unknown);
}

#[test]
fn a_document_is_opened_once_and_an_offline_pickup_stays_collected_until_the_platform_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    let doc = waiting("A", 3, "0123456789abcdef0123456789abcdef", "482913");
    store
        .apply_pickup_list(std::slice::from_ref(&doc), 16)
        .unwrap();

    let opening = store.begin_opening("A", "code", now()).unwrap();
    assert_eq!(opening.door, 3);
    assert!(
        matches!(
            store.begin_opening("A", "code", now()),
            Err(StoreError::AlreadyDone(_))
        ),
        "a second opening of the same document is refused by the store"
    );
    store
        .collect_pickup(&opening, OpeningProof::Sensor, now(), tz(), None)
        .unwrap();
    assert_eq!(store.openings_of("A").unwrap(), 1);
    assert!(store.pending_openings().unwrap().is_empty());

    // The platform, not told yet (offline), still lists the document: the kiosk's news wins.
    store.apply_pickup_list(&[doc], 16).unwrap();
    let d = store.locker_document("A").unwrap().unwrap();
    assert_eq!(d.state, PickupState::Collected);
    assert!(matches!(
        store.pickup_by_code("482913").unwrap(),
        CodeMatch::Settled(_)
    ));
    assert_eq!(
        kinds(&store)
            .iter()
            .filter(|k| *k == "pickup.collected")
            .count(),
        1,
        "one event, sent once however often the list is refreshed"
    );
    let event = store.pending_events(10).unwrap().remove(0).to_wire();
    let EventPayload::PickupCollected(p) = event.typed().unwrap() else {
        panic!("pickup.collected expected");
    };
    assert_eq!((p.pickup_id.as_str(), p.locker_door), ("A", 3));
}

#[test]
fn an_opening_cut_off_by_a_restart_is_settled_from_the_door_without_firing_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        store
            .apply_pickup_list(
                &[
                    waiting("OPEN", 4, "aa", "111111"),
                    waiting("SHUT", 5, "bb", "222222"),
                ],
                16,
            )
            .unwrap();
        store.begin_opening("OPEN", "code", now()).unwrap();
        store.begin_opening("SHUT", "idcard", now()).unwrap();
        // The process dies here: no outcome committed.
    }
    let mut store = Store::open(&path).unwrap();
    let pending = store.pending_openings().unwrap();
    assert_eq!(pending.len(), 2, "the journal survives the restart");
    let found_open = store
        .resolve_interrupted_opening(&pending[0], true, now(), tz())
        .unwrap();
    assert!(matches!(found_open, Settled::FoundOpen(_)));
    let found_shut = store
        .resolve_interrupted_opening(&pending[1], false, now(), tz())
        .unwrap();
    assert!(matches!(found_shut, Settled::Held(_)));
    assert_eq!(
        store.locker_document("OPEN").unwrap().unwrap().state,
        PickupState::Collected
    );
    assert_eq!(
        store.locker_document("SHUT").unwrap().unwrap().state,
        PickupState::Held,
        "a door found shut is held for the staff, never fired again"
    );
    assert!(store.pending_openings().unwrap().is_empty());
    assert_eq!(kinds(&store), vec!["pickup.collected", "pickup.held"]);
    assert!(matches!(
        store.begin_opening("SHUT", "code", now()),
        Err(StoreError::AlreadyDone(_))
    ));
}

#[test]
fn five_wrong_codes_in_ten_minutes_lock_the_keypad_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.sqlite3");
    let policy = LockoutPolicy {
        limit: 5,
        window: Duration::minutes(10),
        lockout: Duration::minutes(15),
    };
    {
        let mut store = Store::open(&path).unwrap();
        for i in 1..=4 {
            let f = store
                .reject_pickup_code(policy, now() + Duration::minutes(i), tz())
                .unwrap();
            assert_eq!(f.in_window, i as u32);
            assert!(f.locked_until.is_none());
        }
        let f = store
            .reject_pickup_code(policy, now() + Duration::minutes(5), tz())
            .unwrap();
        assert!(f.locked_until.is_some(), "the fifth locks");
    }
    let store = Store::open(&path).unwrap();
    let until = store
        .code_lockout(now() + Duration::minutes(6))
        .unwrap()
        .expect("still locked after a restart");
    assert!(until >= now() + Duration::minutes(20));
    assert!(store
        .code_lockout(now() + Duration::minutes(60))
        .unwrap()
        .is_none());
    assert_eq!(kinds(&store).len(), 5, "every attempt reported");
}

#[test]
fn wrong_codes_spread_beyond_the_window_do_not_lock() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    let policy = LockoutPolicy {
        limit: 5,
        window: Duration::minutes(10),
        lockout: Duration::minutes(15),
    };
    for i in 0..8 {
        let f = store
            .reject_pickup_code(policy, now() + Duration::minutes(3 * i), tz())
            .unwrap();
        assert!(f.locked_until.is_none(), "attempt {i}: {f:?}");
    }
}

#[test]
fn an_errand_is_rated_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    let rating = |level: RatingLevel| RatingSubmitted {
        rating_id: uuid::Uuid::now_v7(),
        errand: "ticket".into(),
        errand_id: "E001".into(),
        service: None,
        channel: sanban_wire::CHANNEL_SELF_SERVICE_TERMINAL.into(),
        level,
        level_code: level.code_in(sanban_wire::LevelNumbering::FiveIsBest),
        reasons: Vec::new(),
        text: None,
        callback_phone: None,
        times_rated: 1,
    };
    assert!(!store.is_rated("ticket", "E001").unwrap());
    store
        .rate(rating(RatingLevel::Satisfied), now(), tz())
        .unwrap();
    assert!(store.is_rated("ticket", "E001").unwrap());
    assert!(matches!(
        store.rate(rating(RatingLevel::VeryDissatisfied), now(), tz()),
        Err(StoreError::AlreadyDone(_))
    ));
    assert_eq!(kinds(&store), vec!["rating.submitted"]);
}
