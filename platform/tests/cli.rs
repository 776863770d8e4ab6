//! The `sanban-platform` binary: kiosk credentials, pickups, serve (ephemeral port, SIGTERM), tickets, and
//! `migrate` between SQLite and PostgreSQL.

mod common;

use common::{StoreKind, TestDb};

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

on_both_stores!(
    kiosk_pickup_serve_tickets,
    appointments_for_the_hall_staff_and_the_no_show_pass
);

async fn kiosk_pickup_serve_tickets(store: StoreKind) {
    let test_db = TestDb::new(store).await;
    let db = test_db.path_or_url();
    let db = db.as_str();
    // The binary runs on its own; this test's runtime only waits for it.
    tokio::task::spawn_blocking({
        let db = db.to_string();
        move || kiosk_pickup_serve_tickets_on(store, &db)
    })
    .await
    .unwrap();
}

fn kiosk_pickup_serve_tickets_on(store: StoreKind, db: &str) {
    let (ok, token, _) = run(&["kiosk", "add", "K07", "--db", db]);
    assert!(ok);
    let token = token.trim().to_string();
    assert_eq!(token.len(), 64);
    let (ok, _, err) = run(&["kiosk", "add", "K07", "--db", db]);
    assert!(!ok && err.contains("already registered"), "{err}");
    let (ok, rotated, _) = run(&["kiosk", "add", "K07", "--db", db, "--rotate"]);
    assert!(ok && rotated.trim() != token);
    let token = rotated.trim().to_string();
    let (ok, list, _) = run(&["kiosk", "list", "--db", db]);
    assert!(ok && list.contains("K07") && !list.contains(&token));
    // The token is stored only as a hash.
    if store == StoreKind::Sqlite {
        let raw = std::fs::read(db).unwrap();
        assert!(!raw.windows(token.len()).any(|w| w == token.as_bytes()));
    }

    let (ok, out, _) = run(&[
        "pickup",
        "add",
        "--db",
        db,
        "--kiosk",
        "K07",
        "--door",
        "4",
        "--document",
        "不动产权证书",
    ]);
    assert!(ok);
    // "PICKUP_ID CODE": a random 6-digit code, printed this once; only its salted hash is stored.
    let (_, code) = out.trim().split_once(' ').expect("pickup id and code");
    assert!(sanban_wire::is_pickup_code(code), "{out}");
    if store == StoreKind::Sqlite {
        let mut raw = std::fs::read(db).unwrap();
        raw.extend(std::fs::read(format!("{db}-wal")).unwrap_or_default());
        assert!(!raw.windows(code.len()).any(|w| w == code.as_bytes()));
    }
    let (ok, _, err) = run(&[
        "pickup",
        "add",
        "--db",
        db,
        "--kiosk",
        "K99",
        "--door",
        "1",
        "--document",
        "x",
    ]);
    assert!(!ok && err.contains("unknown kiosk"), "{err}");

    let mut server = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_string();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let events = json!({"events": [common::ticket(1, "realestate", "K07-F001"),
                                       common::ticket(2, "tax", "K07-G001")]});
        let r = http
            .post(format!("http://{addr}/v1/kiosks/K07/events"))
            .bearer_auth(&token)
            .json(&events)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let pickups: Value = http
            .get(format!("http://{addr}/v1/kiosks/K07/pickups"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(pickups["pickups"][0]["locker_door"], 4);
    });

    // SIGTERM: graceful stop, exit status 0.
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(server.wait().unwrap().success());

    let (ok, out, _) = run(&["tickets", "--db", db, "--kiosk", "K07", "--json"]);
    assert!(ok);
    let tickets: Value = serde_json::from_str(&out).unwrap();
    let numbers: Vec<&str> = tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["K07-F001", "K07-G001"]);
    let (ok, table, _) = run(&["tickets", "--db", db]);
    assert!(ok && table.contains("K07-F001") && table.contains("realestate"));
}

/// Everything a store holds, table by table, as comparable text (row order is the copy order).
async fn snapshot(db: &sanban_platform::DbUrl) -> Vec<(usize, Vec<String>)> {
    use sanban_platform::store::tables::CopyItem;
    let store = sanban_platform::Store::open(db).await.unwrap();
    let (sink, mut rows) = tokio::sync::mpsc::channel(4);
    let export = tokio::spawn(async move { store.export(sink).await });
    let mut out = Vec::new();
    while let Some(item) = rows.recv().await {
        if let CopyItem::Rows(chunk) = item {
            for row in chunk.rows {
                out.push((chunk.table, row.iter().map(|v| format!("{v:?}")).collect()));
            }
        }
    }
    export.await.unwrap().unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_moves_a_halls_data_to_postgres_and_back_keeping_exactly_once() {
    use common::{event, ticket, today, Platform};
    use uuid::Uuid;

    // A hall's platform on SQLite, holding some of everything.
    let hall_db = TestDb::new(StoreKind::Sqlite).await;
    let hall = Platform::start_on(StoreKind::Sqlite, &hall_db.url).await;
    let token = hall.add_kiosk_with_numbers("K01").await;
    hall.add_kiosk("K02").await;
    let pickup = hall
        .store
        .add_pickup(&sanban_platform::store::NewPickup::new(
            "K01",
            3,
            "营业执照",
            "123456",
        ))
        .await
        .unwrap();
    hall.store
        .add_pickup(&sanban_platform::store::NewPickup::new(
            "K02",
            1,
            "居民身份证",
            "654321",
        ))
        .await
        .unwrap();
    let lease_request = json!({"business_day": today(), "categories": ["tax"], "block_size": 10,
                               "request_id": Uuid::now_v7()});
    let (status, leased) = hall
        .post("/v1/kiosks/K01/ticket-leases", &token, &lease_request)
        .await;
    assert_eq!(status, 200, "{leased}");
    let day = common::next_working_day();
    let batch = vec![
        ticket(1, "police", "E001"),
        ticket(2, "police", "K01-E001"),
        event(
            3,
            "guide.printed",
            json!({"service": "POL-01", "catalog_version": 1, "language": "zh"}),
        ),
        event(
            4,
            "appointment.requested",
            json!({"request_id": Uuid::now_v7(), "service": "POL-01",
              "date": day, "slot_id": "0930", "citizen_ref": "c0ffee", "code": "2JW9TNE4"}),
        ),
        event(
            5,
            "pickup.collected",
            json!({"pickup_id": pickup, "locker_door": 3, "method": "code"}),
        ),
        event(
            6,
            "rating.submitted",
            json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "errand_id": "E001",
              "channel": "self_service_terminal", "level": "dissatisfied", "level_code": 2,
              "reasons": ["slow"], "times_rated": 1}),
        ),
        // 申办: its status history and the sealed applicant travel too.
        event(
            7,
            "application.submitted",
            json!({"application_id": Uuid::now_v7(), "application_no": "K01-20261130-0001",
              "service": "ECO-02", "citizen_ref": "c0ffee",
              "fields": {"shop_name": "老王热干面", "business_scope": "小吃", "premises": "汉南区纱帽街1号",
                         "contact_phone": "13800000000"},
              "materials_provided": ["个体工商户登记(备案)申请书", "申请人居民身份证"],
              "materials_deferred": [{"name": "经营场所使用证明", "due": "2099-12-31"}],
              "applicant": {"name": "王五", "id_number": "420111199003071234", "sex": "male",
                            "birth_date": "1990-03-07", "card_type": "resident"}}),
        ),
        ticket(8, "police", "E999"),
    ];
    let (status, reply) = hall.events("K01", &token, batch.clone()).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["rejected"][0]["seq"], 8, "{reply}");
    assert_eq!(reply["rejected"].as_array().unwrap().len(), 1, "{reply}");
    let hall_db_arg = hall_db.path_or_url();
    let (ok, _, err) = run(&[
        "applications",
        "set-status",
        "K01-20261130-0001",
        "in_review",
        "--db",
        &hall_db_arg,
    ]);
    assert!(ok, "{err}");
    let hb = json!({"app_version": "0.3.1", "outbox_backlog": 0, "sent_at": "2026-11-26T09:00:00+08:00",
                    "devices": []});
    assert_eq!(
        hall.http
            .post(hall.url("/v1/kiosks/K01/heartbeat"))
            .bearer_auth(&token)
            .json(&hb)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    hall.stop().await;
    let hall_rows = snapshot(&hall_db.url).await;
    assert!(hall_rows.len() > 20);
    let statuses = sanban_platform::store::tables::position("application_statuses").unwrap();
    assert_eq!(
        hall_rows.iter().filter(|(t, _)| *t == statuses).count(),
        2,
        "received and in_review"
    );

    // The hall joins the city: everything moves to PostgreSQL.
    let city_db = TestDb::new(StoreKind::Postgres).await;
    let from = format!("sqlite://{}", hall_db.path_or_url());
    let to = city_db.path_or_url();
    let (ok, _, err) = run(&["migrate", "--from", &from, "--to", &to]);
    assert!(ok, "{err}");
    assert_eq!(
        snapshot(&city_db.url).await,
        hall_rows,
        "every row, column for column"
    );

    // A target holding data is refused unless told, and then replaced.
    let (ok, _, err) = run(&["migrate", "--from", &from, "--to", &to]);
    assert!(
        !ok && err.contains("already holds data") && err.contains("--replace"),
        "{err}"
    );
    let (ok, _, err) = run(&["migrate", "--from", &from, "--to", &to, "--replace"]);
    assert!(ok, "{err}");
    assert_eq!(snapshot(&city_db.url).await, hall_rows);

    // The city platform carries on exactly once: the kiosk's last batch again is all duplicates, the next seq
    // applies, a retried lease request gets its first reply, and new blocks follow the hall's.
    let city = Platform::start_on(StoreKind::Postgres, &city_db.url).await;
    let (status, again) = city.events("K01", &token, batch).await;
    assert_eq!((status, &again), (200, &reply));
    let (status, next) = city
        .events("K01", &token, vec![ticket(9, "police", "E002")])
        .await;
    assert_eq!(
        (status, next["rejected"].clone()),
        (200, json!([])),
        "{next}"
    );
    let (_, replayed) = city
        .post("/v1/kiosks/K01/ticket-leases", &token, &lease_request)
        .await;
    assert_eq!(replayed, leased);
    let (_, fresh) = city
        .post(
            "/v1/kiosks/K01/ticket-leases",
            &token,
            &json!({"business_day": today(), "categories": ["tax"], "block_size": 10}),
        )
        .await;
    assert_eq!(fresh["leases"][0]["first"], 61, "{fresh}");
    assert_eq!(city.tickets(Some("K01")).await.len(), 3);
    city.stop().await;

    // And back to SQLite (a new file), row for row.
    let back_db = TestDb::new(StoreKind::Sqlite).await;
    let city_rows = snapshot(&city_db.url).await;
    let (ok, _, err) = run(&["migrate", "--from", &to, "--to", &back_db.path_or_url()]);
    assert!(ok, "{err}");
    assert_eq!(snapshot(&back_db.url).await, city_rows);
    let (ok, _, err) = run(&["migrate", "--from", &to, "--to", &to]);
    assert!(!ok && err.contains("same database"), "{err}");
}

async fn appointments_for_the_hall_staff_and_the_no_show_pass(store: StoreKind) {
    let test_db = TestDb::new(store).await;
    let db = test_db.path_or_url();
    let p = common::Platform::start_on(store, &test_db.url).await;
    let token = p.add_kiosk("K07").await;
    let day = common::next_working_day();
    let code = sanban_wire::booking_code(424_242);
    let (status, reply) = p
        .post(
            "/v1/appointments",
            &token,
            &json!({"request_id": uuid::Uuid::now_v7(), "kiosk_id": "K07", "service": "RES-01", "date": day,
                    "slot_id": "0930", "citizen_ref": "secret-ref-123", "code": code}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    p.stop().await;
    let day2 = day.clone();
    let (table, list, closed, after) = tokio::task::spawn_blocking(move || {
        let table = run(&["appointments", "--db", &db, "--date", &day2]);
        let list = run(&["appointments", "--db", &db, "--date", &day2, "--json"]);
        let closed = run(&["appointments", "no-shows", "--db", &db, "--date", &day2]);
        let after = run(&["appointments", "--db", &db, "--date", &day2, "--json"]);
        (table, list, closed, after)
    })
    .await
    .unwrap();
    assert!(table.0, "{}", table.2);
    assert!(
        table.1.contains("09:30-10:00") && table.1.contains("booked"),
        "{}",
        table.1
    );
    assert!(
        table.1.contains(&sanban_wire::spaced_code(&code)),
        "{}",
        table.1
    );
    let rows: Value = serde_json::from_str(&list.1).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["code"], code);
    assert_eq!(rows[0]["status"], "booked");
    // The citizen's reference is not printed for the staff.
    assert!(!list.1.contains("secret-ref-123") && !table.1.contains("secret-ref-123"));
    assert!(
        closed.0 && closed.1.starts_with("1 booking"),
        "{} {}",
        closed.1,
        closed.2
    );
    let rows: Value = serde_json::from_str(&after.1).unwrap();
    assert_eq!(rows[0]["status"], "no_show");
    let (ok, _, err) = run(&[
        "appointments",
        "--db",
        &test_db.path_or_url(),
        "--date",
        "2026-2-3",
    ]);
    assert!(!ok && err.contains("YYYY-MM-DD"), "{err}");
}
