//! 取件 and 好差评 on the platform, on both stores: salted pickup codes checked the kiosk's way against what the
//! platform serves; the interim pickup and locker events stored exactly once, personal data sealed at rest; the
//! staff reports.

mod common;

use common::{event, Platform, StoreKind};
use sanban_platform::privacy::DataKey;
use sanban_platform::store::model::{citizen_ref, mask_name};
use sanban_platform::store::NewPickup;
use sanban_platform::{reports, ServeOptions};
use sanban_wire::{pickup_code_matches, PickupList};
use serde_json::{json, Value};
use uuid::Uuid;

on_both_stores!(
    a_kiosk_accepts_the_code_the_platform_issued_and_finds_the_document_by_id_card,
    the_interim_pickup_events_are_stored_once_with_personal_data_sealed,
    personal_data_is_refused_by_a_platform_without_a_data_key,
    the_staff_commands_report_pickups_and_ratings_and_hand_over_deposit_codes_once,
);

/// Runs the platform's command line with `stdin`: (success, stdout, stderr).
fn cli(args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn the_staff_commands_report_pickups_and_ratings_and_hand_over_deposit_codes_once(
    store: StoreKind,
) {
    let dir = tempfile::tempdir().unwrap();
    let (p, key) = platform_with_key(store, &dir).await;
    let token = p.add_kiosk("K01").await;
    let db = common::db_arg(&p.db);
    let key_file = dir.path().join("data.key").display().to_string();
    let run = |args: Vec<String>, stdin: String| {
        tokio::task::spawn_blocking(move || {
            cli(&args.iter().map(String::as_str).collect::<Vec<_>>(), &stdin)
        })
    };
    let args = |list: &[&str]| list.iter().map(|a| a.to_string()).collect::<Vec<_>>();

    // pickup add: the holder found by the ID card, the code printed once.
    let (ok, out, err) = run(
        args(&[
            "pickup",
            "add",
            "--db",
            &db,
            "--kiosk",
            "K01",
            "--door",
            "1",
            "--document",
            "营业执照",
            "--holder",
            "王小明",
            "--id-number-stdin",
            "--postable",
        ]),
        format!("{ID_NUMBER}\n"),
    )
    .await
    .unwrap();
    assert!(ok, "{err}");
    let (pickup, code) = out.trim().split_once(' ').unwrap();
    let listed = pickups(&p, "K01", &token).await.pickups;
    let hall_key = p.store.citizen_key().await.unwrap();
    assert_eq!(
        listed[0].citizen_ref,
        Some(citizen_ref(&hall_key, ID_NUMBER).unwrap())
    );
    assert_eq!(listed[0].holder, "王**");
    assert!(pickup_code_matches(&listed[0], code));

    let batch = vec![
        event(
            1,
            "pickup.post_requested",
            json!({"request_id": Uuid::now_v7(), "pickup_id": pickup, "locker_door": 1,
                   "citizen_ref": "c0ffee", "recipient": recipient()}),
        ),
        event(
            2,
            "locker.deposited",
            json!({"pickup_id": Uuid::now_v7(), "locker_door": 4, "document_no": "DOC-0004"}),
        ),
        event(
            3,
            "rating.submitted",
            json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "errand_id": "A001",
                   "service": "ECO-01", "channel": "self_service_terminal", "level": "dissatisfied",
                   "level_code": 2, "reasons": ["long_wait"], "callback_phone": "13800001234",
                   "times_rated": 1}),
        ),
        event(
            4,
            "rating.submitted",
            json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "errand_id": "A002",
                   "service": "ECO-01", "channel": "self_service_terminal", "level": "very_satisfied",
                   "level_code": 5, "times_rated": 1}),
        ),
        event(
            5,
            "pickup.code_rejected",
            json!({"failures_in_window": 5, "locked_until": "2026-11-26T09:30:00+08:00"}),
        ),
    ];
    let (status, reply) = p.events("K01", &token, batch).await;
    assert_eq!(
        (status, reply["rejected"].clone()),
        (200, json!([])),
        "{reply}"
    );

    let (ok, out, err) = run(
        args(&["pickups", "--db", &db, "--json", "--data-key", &key_file]),
        String::new(),
    )
    .await
    .unwrap();
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let k = &report["kiosks"][0];
    assert_eq!(
        (
            k["waiting"].clone(),
            k["posted"].clone(),
            k["wrong_codes"].clone(),
            k["lockouts"].clone()
        ),
        (json!(1), json!(1), json!(1), json!(1))
    );
    assert!(
        !out.contains("13912345678") && !out.contains("纱帽街"),
        "{out}"
    );
    let (ok, out, _) = run(
        args(&[
            "pickups",
            "--db",
            &db,
            "--reveal",
            "--overdue-days",
            "1",
            "--data-key",
            &key_file,
        ]),
        String::new(),
    )
    .await
    .unwrap();
    assert!(ok);
    assert!(
        out.contains("王小明 13912345678 湖北省武汉市汉南区纱帽街1号"),
        "{out}"
    );
    assert!(
        out.contains("overdue (waiting more than 1 days): 1"),
        "{out}"
    );

    let (ok, out, err) = run(
        args(&["ratings", "--db", &db, "--json", "--data-key", &key_file]),
        String::new(),
    )
    .await
    .unwrap();
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["total"], 2);
    assert_eq!(report["by_service"][0]["key"], "ECO-01");
    assert_eq!(report["by_service"][0]["levels"][0]["percent"], 50.0);
    assert_eq!(report["bad"][0]["callback_phone"], "138****1234");
    assert_eq!(report["bad"][0]["reasons"][0], "等候时间长 (long_wait)");
    let (ok, out, _) = run(
        args(&["ratings", "--db", &db, "--reveal", "--data-key", &key_file]),
        String::new(),
    )
    .await
    .unwrap();
    assert!(
        ok && out.contains("回访 13800001234") && out.contains("不满意"),
        "{out}"
    );

    // The deposit's code, once: printed, then erased.
    let (ok, out, err) = run(
        args(&["pickup", "notices", "--db", &db, "--data-key", &key_file]),
        String::new(),
    )
    .await
    .unwrap();
    assert!(ok, "{err}");
    let fields: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        (fields[1], fields[2], fields[3]),
        ("K01", "4", "DOC-0004"),
        "{out}"
    );
    let deposited = pickups(&p, "K01", &token).await.pickups;
    let d = deposited.iter().find(|x| x.pickup_id == fields[0]).unwrap();
    assert!(pickup_code_matches(d, fields[4]));
    let (ok, out, _) = run(
        args(&["pickup", "notices", "--db", &db, "--data-key", &key_file]),
        String::new(),
    )
    .await
    .unwrap();
    assert!(ok && out.is_empty(), "{out}");
    drop(key);
    p.stop().await;
}

const ID_NUMBER: &str = "420111199003071234";

/// A platform whose data key is a file in `dir`, made by the test before the server starts.
async fn platform_with_key(store: StoreKind, dir: &tempfile::TempDir) -> (Platform, DataKey) {
    let path = dir.path().join("data.key");
    // Made before the server starts: the server reads it as it starts serving, after `start_with` returns, and
    // two makers of one new key file would race.
    let key = DataKey::load_or_create(&path).unwrap();
    let p = Platform::start_with(
        store,
        ServeOptions {
            data_key: Some(path.clone()),
            ..ServeOptions::default()
        },
    )
    .await;
    (p, key)
}

async fn pickups(p: &Platform, kiosk: &str, token: &str) -> PickupList {
    let (status, list) = p
        .get(&format!("/v1/kiosks/{kiosk}/pickups"), Some(token))
        .await;
    assert_eq!(status, 200, "{list}");
    serde_json::from_value(list).unwrap()
}

async fn a_kiosk_accepts_the_code_the_platform_issued_and_finds_the_document_by_id_card(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    p.add_kiosk("K02").await;
    let hall_key = p.store.citizen_key().await.unwrap();
    let holder_ref = citizen_ref(&hall_key, ID_NUMBER).unwrap();
    let mut first = NewPickup::new("K01", 2, "营业执照", "482913");
    first.citizen_ref = Some(holder_ref.clone());
    first.holder = mask_name("张三");
    first.postable = true;
    first.document_en = "Business licence".into();
    p.store.add_pickup(&first).await.unwrap();
    // The same code for another document: its own salt, an unrelated hash.
    p.store
        .add_pickup(&NewPickup::new("K01", 4, "居民身份证", "482913"))
        .await
        .unwrap();
    p.store
        .add_pickup(&NewPickup::new("K02", 2, "护照", "111111"))
        .await
        .unwrap();

    let busy = p
        .store
        .add_pickup(&NewPickup::new("K01", 2, "second doc, same door", "000000"))
        .await
        .unwrap_err();
    assert!(busy.to_string().contains("already holds"), "{busy}");
    let mut bad_ref = NewPickup::new("K01", 7, "x", "000000");
    bad_ref.citizen_ref = Some("not a hash".into());
    let err = p.store.add_pickup(&bad_ref).await.unwrap_err();
    assert!(err.to_string().contains("citizen_ref"), "{err}");
    let err = p
        .store
        .add_pickup(&NewPickup::new("K99", 1, "x", "000000"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown kiosk"), "{err}");

    let (status, raw) = p.get("/v1/kiosks/K01/pickups", Some(&token)).await;
    assert_eq!(status, 200);
    assert!(!raw.to_string().contains("482913"), "the code never leaves");
    let list = pickups(&p, "K01", &token).await;
    assert_eq!(list.pickups.len(), 2, "K01's documents only");
    let (a, b) = (&list.pickups[0], &list.pickups[1]);
    // The kiosk's own check (sanban_wire), offline, against what the platform served.
    assert!(pickup_code_matches(a, "482913") && pickup_code_matches(b, "482913"));
    assert!(!pickup_code_matches(a, "482914") && !pickup_code_matches(a, "111111"));
    assert_ne!(a.code_salt, b.code_salt);
    assert_ne!(a.code_hash, b.code_hash);
    assert_eq!(a.code_salt.len(), 32);
    // The ID card finds it: the kiosk computes the same citizen_ref from the card's number.
    assert_eq!(
        (a.locker_door, a.citizen_ref.as_deref(), a.holder.as_str()),
        (2, Some(holder_ref.as_str()), "张*")
    );
    assert!(a.postable && !b.postable);
    assert_eq!(a.document_en, "Business licence");
    assert_eq!((b.citizen_ref.as_deref(), b.holder.as_str()), (None, ""));
    p.stop().await;
}

fn recipient() -> Value {
    json!({"name": "王小明", "phone": "13912345678", "address": "湖北省武汉市汉南区纱帽街1号"})
}

async fn the_interim_pickup_events_are_stored_once_with_personal_data_sealed(store: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let (p, key) = platform_with_key(store, &dir).await;
    let token = p.add_kiosk("K01").await;
    let mut postable = NewPickup::new("K01", 1, "营业执照", "100001");
    postable.postable = true;
    let posted = p.store.add_pickup(&postable).await.unwrap();
    let waiting = p
        .store
        .add_pickup(&NewPickup::new("K01", 2, "居民身份证", "100002"))
        .await
        .unwrap();
    let jammed = p
        .store
        .add_pickup(&NewPickup::new("K01", 3, "护照", "100003"))
        .await
        .unwrap();
    let (deposit5, deposit3, refused) = (
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
    );
    let rating_id = Uuid::now_v7();
    let batch = vec![
        event(
            1,
            "pickup.held",
            json!({"pickup_id": jammed, "locker_door": 3, "reason": "jammed"}),
        ),
        event(2, "pickup.code_rejected", json!({"failures_in_window": 1})),
        event(
            3,
            "pickup.code_rejected",
            json!({"failures_in_window": 5, "locked_until": "2026-11-26T09:30:00+08:00"}),
        ),
        event(
            4,
            "pickup.post_requested",
            json!({"request_id": Uuid::now_v7(), "pickup_id": posted, "locker_door": 1,
                   "citizen_ref": "c0ffee", "recipient": recipient()}),
        ),
        event(
            5,
            "locker.deposited",
            json!({"pickup_id": deposit5, "locker_door": 5, "document_no": "DOC-0005"}),
        ),
        event(
            6,
            "locker.alert",
            json!({"locker_door": 2, "alert": "left_open", "open_seconds": 120}),
        ),
        // The jammed door's document was taken out by the staff; a new one goes in.
        event(
            7,
            "locker.deposited",
            json!({"pickup_id": deposit3, "locker_door": 3, "document_no": "DOC-0003"}),
        ),
        // Door 2 still holds a document waiting for its citizen → rejected.
        event(
            8,
            "locker.deposited",
            json!({"pickup_id": refused, "locker_door": 2, "document_no": "DOC-0002"}),
        ),
        // Not postable → rejected.
        event(
            9,
            "pickup.post_requested",
            json!({"request_id": Uuid::now_v7(), "pickup_id": waiting, "locker_door": 2,
                   "citizen_ref": "c0ffee", "recipient": recipient()}),
        ),
        event(
            10,
            "rating.submitted",
            json!({"rating_id": rating_id, "errand": "pickup", "errand_id": posted,
                   "channel": "self_service_terminal", "level": "very_dissatisfied", "level_code": 1,
                   "reasons": ["long_wait", "device_fault"], "text": "柜门卡住了",
                   "callback_phone": "13800001234", "times_rated": 1}),
        ),
        event(
            11,
            "locker.alert",
            json!({"locker_door": 6, "alert": "opened_unexpectedly"}),
        ),
    ];
    let (status, reply) = p.events("K01", &token, batch.clone()).await;
    assert_eq!(status, 200, "{reply}");
    let rejected: Vec<u64> = reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(rejected, [8, 9], "{reply}");
    assert!(reply["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("still holds"));
    assert!(reply["rejected"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("may not be posted"));

    // Exactly once: the same batch again changes nothing.
    let before = p.counts().await;
    let (status, again) = p.events("K01", &token, batch).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["applied_through"], 11);
    assert_eq!(p.counts().await, before);
    let count = |table: &str| {
        before
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, n)| *n)
            .unwrap()
    };
    assert_eq!(
        (
            count("postal_requests"),
            count("pickup_code_rejections"),
            count("locker_alerts"),
            count("pickup_notices"),
            count("pickups"),
            count("ratings")
        ),
        (1, 2, 2, 2, 5, 1)
    );

    // The kiosk's list: the waiting document and both deposits (with codes only the SMS step knows); the posted
    // and the taken-out ones are gone.
    let list = pickups(&p, "K01", &token).await;
    let ids: Vec<&str> = list.pickups.iter().map(|x| x.pickup_id.as_str()).collect();
    assert_eq!(
        ids,
        [waiting.as_str(), deposit3.as_str(), deposit5.as_str()]
    );
    let notices = p.store.pending_notices().await.unwrap();
    assert_eq!(notices.len(), 2);
    let mut codes = Vec::new();
    for n in &notices {
        let code = key
            .open(&format!("notice:{}", n.pickup_id), &n.code_sealed)
            .unwrap();
        let listed = list
            .pickups
            .iter()
            .find(|x| x.pickup_id == n.pickup_id)
            .unwrap();
        assert!(
            pickup_code_matches(listed, &code),
            "the code to send opens the door"
        );
        assert_eq!(listed.locker_door, n.locker_door);
        codes.push(code.to_string());
    }
    assert!(p.store.notice_sent(&notices[0].pickup_id).await.unwrap());
    assert!(!p.store.notice_sent(&notices[0].pickup_id).await.unwrap());
    assert_eq!(p.store.pending_notices().await.unwrap().len(), 1);

    // Nothing personal, and no code, is stored in clear anywhere.
    let everything = dump(&p).await;
    for secret in [
        "王小明",
        "13912345678",
        "纱帽街",
        "13800001234",
        codes[0].as_str(),
        codes[1].as_str(),
    ] {
        assert!(!everything.contains(secret), "{secret} is stored in clear");
    }

    // The staff's reports.
    let report = reports::pickups_report(
        &p.store.pickup_records().await.unwrap(),
        &p.store.code_rejections().await.unwrap(),
        7,
        chrono::Utc::now(),
        Some(&key),
        false,
    );
    let k = &report.kiosks[0];
    assert_eq!(
        (
            k.waiting,
            k.posted,
            k.held,
            k.taken_out,
            k.collected,
            k.wrong_codes,
            k.lockouts
        ),
        (3, 1, 0, 1, 0, 2, 1)
    );
    let to_post = report.to_post[0].detail.clone().unwrap();
    assert!(
        to_post.starts_with("王** 139****5678") && !to_post.contains("纱帽街"),
        "{to_post}"
    );
    let revealed = reports::pickups_report(
        &p.store.pickup_records().await.unwrap(),
        &[],
        7,
        chrono::Utc::now(),
        Some(&key),
        true,
    );
    assert_eq!(
        revealed.to_post[0].detail.as_deref(),
        Some("王小明 13912345678 湖北省武汉市汉南区纱帽街1号")
    );
    // Deposited on 2026-11-26: overdue after a day, not after 7 days... unless the test runs much later.
    let overdue_after_a_day = reports::pickups_report(
        &p.store.pickup_records().await.unwrap(),
        &[],
        1,
        chrono::Utc::now(),
        None,
        false,
    );
    assert!(overdue_after_a_day
        .overdue
        .iter()
        .any(|i| i.pickup_id == deposit5));

    let ratings = p.store.ratings().await.unwrap();
    assert_eq!(ratings.len(), 1);
    let r = &ratings[0];
    assert_eq!(
        (
            r.errand_id.as_deref(),
            r.channel.as_deref(),
            r.level_code,
            r.times_rated
        ),
        (
            Some(posted.as_str()),
            Some("self_service_terminal"),
            1,
            Some(1)
        )
    );
    assert_eq!(r.reasons, ["long_wait", "device_fault"]);
    assert_eq!(r.text.as_deref(), Some("柜门卡住了"));
    let report = reports::ratings_report(&ratings, Some(&key), false);
    assert_eq!(report.bad[0].callback_phone.as_deref(), Some("138****1234"));
    let report = reports::ratings_report(&ratings, Some(&key), true);
    assert_eq!(report.bad[0].callback_phone.as_deref(), Some("13800001234"));

    let alerts = p.store.locker_alerts(10).await.unwrap();
    let kinds: Vec<(&str, u32, Option<u32>)> = alerts
        .iter()
        .map(|a| (a.alert.as_str(), a.locker_door, a.open_seconds))
        .collect();
    assert_eq!(
        kinds,
        [
            ("opened_unexpectedly", 6, None),
            ("left_open", 2, Some(120))
        ]
    );
    p.stop().await;
}

async fn personal_data_is_refused_by_a_platform_without_a_data_key(store: StoreKind) {
    // A platform started without a key (PostgreSQL has no default; a SQLite one is served here without it).
    let p = Platform::start(store).await;
    let state = sanban_platform::AppState::new(p.store.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sanban_platform::serve_state(
        listener,
        state,
        ServeOptions::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    let token = p.add_kiosk("K01").await;
    let mut postable = NewPickup::new("K01", 1, "营业执照", "100001");
    postable.postable = true;
    let pickup = p.store.add_pickup(&postable).await.unwrap();
    let batch = json!({"events": [
        event(1, "pickup.post_requested",
              json!({"request_id": Uuid::now_v7(), "pickup_id": pickup, "locker_door": 1,
                     "citizen_ref": "c0ffee", "recipient": recipient()})),
        event(2, "locker.deposited",
              json!({"pickup_id": Uuid::now_v7(), "locker_door": 5, "document_no": "DOC-0005"})),
        event(3, "rating.submitted",
              json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "errand_id": "A001",
                     "channel": "self_service_terminal", "level": "dissatisfied", "level_code": 2,
                     "reasons": ["long_wait"], "callback_phone": "13800001234", "times_rated": 1})),
        event(4, "locker.alert", json!({"locker_door": 2, "alert": "jammed"})),
    ]});
    let reply: Value = p
        .http
        .post(format!("{base}/v1/kiosks/K01/events"))
        .bearer_auth(&token)
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rejected: Vec<u64> = reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(rejected, [1, 2, 3], "{reply}");
    assert!(reply["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("no data key"));
    assert!(!reply.to_string().contains("13800001234"));
    let everything = dump(&p).await;
    assert!(!everything.contains("13912345678") && !everything.contains("13800001234"));
    let _ = stop.send(());
    server.await.unwrap();
    p.stop().await;
}

/// Every row of every table as text.
async fn dump(p: &Platform) -> String {
    use sanban_platform::store::tables::CopyItem;
    let (sink, mut rows) = tokio::sync::mpsc::channel(4);
    let store = p.store.clone();
    let export = tokio::spawn(async move { store.export(sink).await });
    let mut out = String::new();
    while let Some(item) = rows.recv().await {
        if let CopyItem::Rows(chunk) = item {
            for row in chunk.rows {
                out.push_str(&format!("{row:?}\n"));
            }
        }
    }
    export.await.unwrap().unwrap();
    out
}
