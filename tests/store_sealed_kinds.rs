//! Personal data of the other event kinds at rest: a 免费邮寄 request's recipient (name, mobile, address) and a
//! 好差评 call-back number are sealed in the outbox like an application's applicant: the platform receives them
//! whole, the database file and its WAL never hold them in clear, and they are erased after acknowledgement with the
//! row kept as a tombstone. A rating without a call-back number holds nothing personal and needs no key.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sanban_kiosk::privacy::DataKey;
use sanban_kiosk::store::{Store, StoreError};
use sanban_wire::{
    pickup_code_hash, EventPayload, Pickup, PostalAddress, PostalRequested, RatingLevel,
    RatingSubmitted,
};

const RECIPIENT: &str = "欧阳秀英";
const MOBILE: &str = "13987654321";
const ADDRESS: &str = "示例省示例市测试区邮寄路88号";
const CALLBACK: &str = "13612345678";

fn tz() -> chrono_tz::Tz {
    "Asia/Shanghai".parse().unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

fn keyed(store: Store) -> Store {
    store.with_data_key(Arc::new(DataKey::from_bytes([7; 32])))
}

fn postable(id: &str, door: u32) -> Pickup {
    let salt = "00112233445566778899aabbccddeeff";
    Pickup {
        pickup_id: id.into(),
        code_salt: salt.into(),
        code_hash: pickup_code_hash(salt, "123456").unwrap(),
        locker_door: door,
        document: "营业执照".into(),
        document_en: String::new(),
        citizen_ref: Some("ref-of-the-citizen".into()),
        holder: "欧***".into(),
        postable: true,
        deposited_at: "2026-11-28T09:00:00+08:00".into(),
    }
}

fn post_request(pickup_id: &str) -> PostalRequested {
    PostalRequested {
        request_id: uuid::Uuid::now_v7(),
        pickup_id: pickup_id.into(),
        locker_door: 0,
        citizen_ref: "ref-of-the-citizen".into(),
        recipient: PostalAddress {
            name: RECIPIENT.into(),
            phone: MOBILE.into(),
            address: ADDRESS.into(),
        },
    }
}

fn rating(errand_id: &str, callback_phone: Option<&str>) -> RatingSubmitted {
    let level = RatingLevel::Dissatisfied;
    RatingSubmitted {
        rating_id: uuid::Uuid::now_v7(),
        errand: "ticket".into(),
        errand_id: errand_id.into(),
        service: None,
        channel: sanban_wire::CHANNEL_SELF_SERVICE_TERMINAL.into(),
        level,
        level_code: level.code_in(sanban_wire::LevelNumbering::FiveIsBest),
        reasons: vec!["long_wait".into()],
        text: Some("等太久".into()),
        callback_phone: callback_phone.map(str::to_string),
        times_rated: 1,
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The database file and its WAL, as bytes.
fn files(dir: &std::path::Path) -> Vec<(&'static str, Vec<u8>)> {
    ["kiosk.sqlite3", "kiosk.sqlite3-wal"]
        .into_iter()
        .map(|f| (f, std::fs::read(dir.join(f)).unwrap_or_default()))
        .collect()
}

fn payload_column(path: &std::path::Path, seq: u64) -> String {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT payload FROM outbox WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn a_post_request_and_a_call_back_number_are_sealed_at_rest_and_sent_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.sqlite3");
    let mut store = keyed(Store::open(&path).unwrap());
    store.apply_pickup_list(&[postable("P1", 4)], 16).unwrap();
    store
        .request_post(post_request("P1"), now(), tz(), None)
        .unwrap();
    store
        .rate(rating("E001", Some(CALLBACK)), now(), tz())
        .unwrap();

    // Sent whole: the sealed fields are opened for the platform.
    let events = store.pending_events(10).unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["pickup.post_requested", "rating.submitted"]);
    let EventPayload::PostalRequested(post) =
        EventPayload::from_parts(&events[0].kind, events[0].payload.clone()).unwrap()
    else {
        panic!("not a post request")
    };
    assert_eq!(
        (
            post.recipient.name.as_str(),
            post.recipient.phone.as_str(),
            post.recipient.address.as_str()
        ),
        (RECIPIENT, MOBILE, ADDRESS)
    );
    assert_eq!(post.locker_door, 4, "the door comes from the store");
    let EventPayload::RatingSubmitted(rated) =
        EventPayload::from_parts(&events[1].kind, events[1].payload.clone()).unwrap()
    else {
        panic!("not a rating")
    };
    assert_eq!(rated.callback_phone.as_deref(), Some(CALLBACK));
    assert_eq!(rated.text.as_deref(), Some("等太久"));

    // At rest: the payload column keeps the non-personal fields only.
    let post_row = payload_column(&path, events[0].seq);
    assert!(post_row.contains("\"pickup_id\":\"P1\"") && !post_row.contains("recipient"));
    let rating_row = payload_column(&path, events[1].seq);
    assert!(rating_row.contains("\"errand_id\":\"E001\"") && !rating_row.contains("callback"));
    drop(store);
    for (file, bytes) in files(dir.path()) {
        for clear in [RECIPIENT, MOBILE, ADDRESS, CALLBACK] {
            assert!(
                !contains(&bytes, clear),
                "{file} holds a personal value in clear"
            );
        }
    }
    // The scan is not blind: a value stored in clear is found.
    assert!(files(dir.path())
        .iter()
        .any(|(_, bytes)| contains(bytes, "E001")));
}

#[test]
fn sealed_post_and_rating_fields_are_erased_after_acknowledgement_leaving_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.sqlite3");
    let mut store = keyed(Store::open(&path).unwrap());
    store.apply_pickup_list(&[postable("P1", 4)], 16).unwrap();
    store
        .request_post(post_request("P1"), now(), tz(), None)
        .unwrap();
    store
        .rate(rating("E001", Some(CALLBACK)), now(), tz())
        .unwrap();
    assert_eq!(store.outbox_summary().unwrap().personal, 2);

    // Acknowledged, then the retention passes.
    store.settle_events(2, &[], now()).unwrap();
    let erased = store
        .purge_personal(now() + Duration::days(8), Duration::days(7))
        .unwrap();
    assert_eq!(erased, 2);
    let summary = store.outbox_summary().unwrap();
    assert_eq!((summary.personal, summary.purged), (0, 2));
    assert_eq!(summary.last_seq, 2, "the rows stay: numbering holds");
    drop(store);
    for (file, bytes) in files(dir.path()) {
        for clear in [RECIPIENT, MOBILE, ADDRESS, CALLBACK] {
            assert!(!contains(&bytes, clear), "{file} still holds it");
        }
    }
}

#[test]
fn a_rating_without_a_call_back_number_needs_no_key_but_one_with_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    store.rate(rating("E001", None), now(), tz()).unwrap();
    assert_eq!(store.outbox_summary().unwrap().personal, 0);
    assert!(matches!(
        store.rate(rating("E002", Some(CALLBACK)), now(), tz()),
        Err(StoreError::NoDataKey)
    ));
    assert!(
        !store.is_rated("ticket", "E002").unwrap(),
        "nothing of the refused rating is kept"
    );
    assert_eq!(store.pending_events(10).unwrap().len(), 1);
}
