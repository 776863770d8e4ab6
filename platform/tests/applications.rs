//! 申办 on the platform, on both stores: an ingested application starts its status history with `received`,
//! `applications set-status` (the back office's stand-in) appends to it, and `GET /v1/applications` finds it by
//! citizen or by number at any kiosk; the applicant and the form's answers are stored only sealed.

mod common;

use common::{db_arg, event, Platform, StoreKind};
use sanban_platform::privacy::DataKey;
use sanban_platform::store::applications::{applicant_context, fields_context, ApplicationQuery};
use sanban_platform::ServeOptions;
use sanban_wire::{Applicant, ApplicationList, ApplicationStatus};
use serde_json::{json, Value};
use uuid::Uuid;

on_both_stores!(
    an_ingested_application_is_received_and_found_by_citizen_and_by_number_at_any_kiosk,
    set_status_appends_to_the_history_and_the_kiosk_sees_the_latest,
    a_citizen_sees_their_own_applications_newest_first,
    a_look_up_names_exactly_one_well_formed_key,
    broken_commitments_reject_the_application_with_a_reason,
    the_applicant_and_the_answers_are_stored_only_sealed,
    personal_data_of_an_application_is_refused_by_a_platform_without_a_data_key,
);

/// Distinctive values, to be searched for in the stored bytes.
const ID_NUMBER: &str = "420111199003077531";
const NAME: &str = "欧阳䶮堃";
const ADDRESS: &str = "示例省测试市沙堤巷99号";
const PHONE: &str = "13912345678";
const SHOP: &str = "喆赟热干面馆";

const SERVICE: &str = "ECO-02";
const DEFERRABLE: &str = "经营场所使用证明";
const CORE: [&str; 2] = ["个体工商户登记(备案)申请书", "申请人居民身份证"];

fn applicant() -> Value {
    json!({"name": NAME, "id_number": ID_NUMBER, "sex": "male", "birth_date": "1990-03-07",
           "address": ADDRESS, "card_type": "resident"})
}

/// An `application.submitted` event of ECO-02, the non-core material deferred to `due` (or left out without a
/// commitment when `None`).
fn application(seq: u64, no: &str, citizen: &str, at: &str, due: Option<&str>) -> Value {
    let mut payload = json!({
        "application_id": Uuid::now_v7(), "application_no": no, "service": SERVICE, "citizen_ref": citizen,
        "fields": {"shop_name": SHOP, "business_scope": "小吃", "premises": ADDRESS, "contact_phone": PHONE},
        "materials_provided": CORE, "applicant": applicant()});
    if let Some(due) = due {
        payload["materials_deferred"] = json!([{"name": DEFERRABLE, "due": due}]);
    }
    let mut e = event(seq, "application.submitted", payload);
    e["occurred_at"] = json!(at);
    e
}

async fn submit(p: &Platform, token: &str, events: Vec<Value>) -> Vec<u64> {
    let (status, reply) = p.events("K01", token, events).await;
    assert_eq!(status, 200, "{reply}");
    reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect()
}

async fn look_up(p: &Platform, token: &str, query: &str) -> ApplicationList {
    let (status, body) = p
        .get(&format!("/v1/applications?{query}"), Some(token))
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Runs the platform's command line: (success, stdout, stderr).
fn cli(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn an_ingested_application_is_received_and_found_by_citizen_and_by_number_at_any_kiosk(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let other = p.add_kiosk("K02").await;
    let at = "2026-11-30T09:15:00+08:00";
    let rejected = submit(
        &p,
        &token,
        vec![application(
            1,
            "K01-20261130-0001",
            "c0ffee",
            at,
            Some("2026-12-07"),
        )],
    )
    .await;
    assert!(rejected.is_empty(), "{rejected:?}");

    let by_citizen = look_up(&p, &token, "citizen_ref=c0ffee").await;
    assert_eq!(by_citizen.applications.len(), 1);
    let a = &by_citizen.applications[0];
    assert_eq!(a.application_no, "K01-20261130-0001");
    assert_eq!(a.service, SERVICE);
    assert_eq!(a.submitted_at, at);
    assert_eq!(a.status, ApplicationStatus::Received);
    assert_eq!(a.history.len(), 1);
    assert_eq!(
        (a.history[0].status, a.history[0].at.as_str()),
        (ApplicationStatus::Received, at)
    );
    assert_eq!(a.materials_owed.len(), 1);
    assert_eq!(
        (
            a.materials_owed[0].name.as_str(),
            a.materials_owed[0].due.as_str()
        ),
        (DEFERRABLE, "2026-12-07")
    );

    // The citizen may ask at any kiosk of the hall, by the number on the receipt too.
    let by_number = look_up(&p, &other, "number=K01-20261130-0001").await;
    assert_eq!(by_number.applications, by_citizen.applications);
    // The reply carries no personal data.
    let (_, raw) = p
        .get("/v1/applications?citizen_ref=c0ffee", Some(&token))
        .await;
    let text = raw.to_string();
    for clear in [ID_NUMBER, NAME, ADDRESS, PHONE, SHOP, "c0ffee"] {
        assert!(!text.contains(clear), "{clear} in {text}");
    }
    // Nothing found is an empty list, not a 404.
    assert!(look_up(&p, &token, "number=K01-20261130-0404")
        .await
        .applications
        .is_empty());
    assert!(look_up(&p, &token, "citizen_ref=beef")
        .await
        .applications
        .is_empty());
    // Without a kiosk token: 401.
    let (status, body) = p.get("/v1/applications?citizen_ref=c0ffee", None).await;
    assert_eq!(status, 401, "{body}");
    p.stop().await;
}

async fn set_status_appends_to_the_history_and_the_kiosk_sees_the_latest(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let no = "K01-20261130-0002";
    // Left out without a commitment: owed, with no due date.
    let rejected = submit(
        &p,
        &token,
        vec![application(
            1,
            no,
            "c0ffee",
            "2026-11-30T10:00:00+08:00",
            None,
        )],
    )
    .await;
    assert!(rejected.is_empty(), "{rejected:?}");
    let db = db_arg(&p.db);
    let set = |status: &str, note: Option<&str>| {
        let mut args = vec!["applications", "set-status", no, status, "--db", &db];
        if let Some(n) = note {
            args.extend(["--note", n]);
        }
        cli(&args)
    };
    let (ok, out, err) = set("in_review", None);
    assert!(ok && out.contains("in_review"), "{out} {err}");
    let (ok, out, err) = set("materials_requested", Some("请补交经营场所使用证明"));
    assert!(ok, "{out} {err}");
    // The same status without a new note is a retry: nothing recorded.
    let (ok, out, err) = set("materials_requested", None);
    assert!(ok && out.contains("nothing recorded"), "{out} {err}");
    let (ok, out, err) = set("materials_requested", Some("请补交经营场所使用证明"));
    assert!(ok && out.contains("nothing recorded"), "{out} {err}");
    // An unknown number and an unknown status are refused clearly.
    let (ok, _, err) = cli(&[
        "applications",
        "set-status",
        "K09-20261130-9999",
        "approved",
        "--db",
        &db,
    ]);
    assert!(!ok && err.contains("no application is numbered"), "{err}");
    let (ok, _, err) = set("done", None);
    assert!(!ok && err.contains("in_review"), "{err}");

    let list = look_up(&p, &token, &format!("number={no}")).await;
    let a = &list.applications[0];
    let steps: Vec<(ApplicationStatus, Option<&str>)> = a
        .history
        .iter()
        .map(|s| (s.status, s.note.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (ApplicationStatus::Received, None),
            (ApplicationStatus::InReview, None),
            (
                ApplicationStatus::MaterialsRequested,
                Some("请补交经营场所使用证明")
            ),
        ]
    );
    assert_eq!(a.status, ApplicationStatus::MaterialsRequested);
    assert!(a.history[1].at <= a.history[2].at);
    assert_eq!(
        (
            a.materials_owed[0].name.as_str(),
            a.materials_owed[0].due.as_str()
        ),
        (DEFERRABLE, "")
    );

    // The back office's list: a table and JSON, filtered by status; never the applicant.
    let (ok, out, err) = cli(&["applications", "--db", &db]);
    assert!(ok, "{err}");
    let row = out.lines().find(|l| l.starts_with(no)).unwrap();
    for column in [SERVICE, "K01", "materials_requested", "1"] {
        assert!(row.contains(column), "{column} in {row}");
    }
    let key = p.data_key.as_ref().unwrap().to_str().unwrap();
    let (ok, out, err) = cli(&[
        "applications",
        "--db",
        &db,
        "--json",
        "--number",
        no,
        "--data-key",
        key,
    ]);
    assert!(ok, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["status"], "materials_requested");
    assert_eq!(listed[0]["applicant"], "欧*** 4201**********7531");
    assert_eq!(
        listed[0]["set_by"],
        json!(["kiosk:K01", "back-office", "back-office"])
    );
    for clear in [ID_NUMBER, NAME, ADDRESS, PHONE, SHOP] {
        assert!(!out.contains(clear), "{clear} in {out}");
    }
    let (ok, out, _) = cli(&[
        "applications",
        "--db",
        &db,
        "--json",
        "--status",
        "approved",
    ]);
    assert!(ok);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), json!([]));
    p.stop().await;
}

async fn a_citizen_sees_their_own_applications_newest_first(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let rejected = submit(
        &p,
        &token,
        vec![
            application(
                1,
                "K01-20261128-0001",
                "c0ffee",
                "2026-11-28T09:00:00+08:00",
                None,
            ),
            application(
                2,
                "K01-20261130-0001",
                "c0ffee",
                "2026-11-30T09:00:00+08:00",
                None,
            ),
            application(
                3,
                "K01-20261130-0002",
                "beef",
                "2026-11-30T09:30:00+08:00",
                None,
            ),
            application(
                4,
                "K01-20261129-0001",
                "c0ffee",
                "2026-11-29T09:00:00+08:00",
                None,
            ),
        ],
    )
    .await;
    assert!(rejected.is_empty(), "{rejected:?}");
    let mine = look_up(&p, &token, "citizen_ref=c0ffee").await;
    let numbers: Vec<&str> = mine
        .applications
        .iter()
        .map(|a| a.application_no.as_str())
        .collect();
    assert_eq!(
        numbers,
        [
            "K01-20261130-0001",
            "K01-20261129-0001",
            "K01-20261128-0001"
        ]
    );
    p.stop().await;
}

async fn a_look_up_names_exactly_one_well_formed_key(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let long = "9".repeat(129);
    for query in [
        String::new(),
        "citizen_ref=c0ffee&number=K01-20261130-0001".to_string(),
        "citizen_ref=".to_string(),
        format!("citizen_ref={long}"),
        format!("number={}", "K".repeat(65)),
        "number=%0A".to_string(),
    ] {
        let (status, body) = p
            .get(&format!("/v1/applications?{query}"), Some(&token))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        let reason = body["error"].as_str().unwrap();
        assert!(!reason.contains(&long), "{reason}");
    }
    p.stop().await;
}

async fn broken_commitments_reject_the_application_with_a_reason(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let at = "2026-11-30T09:00:00+08:00";
    let mut core_deferred = application(1, "K01-20261130-0001", "c0ffee", at, None);
    core_deferred["payload"]["materials_provided"] = json!([CORE[1]]);
    core_deferred["payload"]["materials_deferred"] =
        json!([{"name": CORE[0], "due": "2026-12-07"}]);
    let mut in_hand = application(2, "K01-20261130-0002", "c0ffee", at, Some("2026-12-07"));
    in_hand["payload"]["materials_provided"] = json!([CORE[0], CORE[1], DEFERRABLE]);
    let before = application(3, "K01-20261130-0003", "c0ffee", at, Some("2026-11-29"));
    let not_a_date = application(4, "K01-20261130-0004", "c0ffee", at, Some("下周一"));
    let fine = application(5, "K01-20261130-0005", "c0ffee", at, Some("2026-11-30"));
    let rejected = submit(
        &p,
        &token,
        vec![core_deferred, in_hand, before, not_a_date, fine],
    )
    .await;
    assert_eq!(rejected, [1, 2, 3, 4]);
    let reasons = p.store.rejections("K01").await.unwrap();
    assert!(
        reasons[0].reason.contains("核心材料不可容缺"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].reason.contains("both in hand and deferred"),
        "{reasons:?}"
    );
    assert!(reasons[2].reason.contains("due date"), "{reasons:?}");
    let found = look_up(&p, &token, "citizen_ref=c0ffee").await;
    assert_eq!(found.applications.len(), 1);
    assert_eq!(
        p.query_text("SELECT status FROM application_statuses")
            .await
            .as_deref(),
        Some("received")
    );
    p.stop().await;
}

async fn the_applicant_and_the_answers_are_stored_only_sealed(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let at = "2026-11-30T09:15:00+08:00";
    let rejected = submit(
        &p,
        &token,
        vec![application(
            1,
            "K01-20261130-0001",
            "c0ffee",
            at,
            Some("2026-12-07"),
        )],
    )
    .await;
    assert!(rejected.is_empty(), "{rejected:?}");

    // The sealed copies open with the platform's key, bound to their application.
    let key = DataKey::load_or_create(p.data_key.as_ref().unwrap()).unwrap();
    let stored = p
        .store
        .applications(&ApplicationQuery::Number("K01-20261130-0001".into()), 1)
        .await
        .unwrap();
    let app = &stored[0];
    let sealed = app.applicant_sealed.as_deref().unwrap();
    let opened = key
        .open(&applicant_context(&app.application_id), sealed)
        .unwrap();
    let applicant: Applicant = serde_json::from_str(&opened).unwrap();
    assert_eq!(
        (applicant.id_number.as_str(), applicant.name.as_str()),
        (ID_NUMBER, NAME)
    );
    assert!(key.open(&applicant_context("another"), sealed).is_err());
    let fields = key
        .open(&fields_context(&app.application_id), &app.fields_stored)
        .unwrap();
    assert!(fields.contains(PHONE) && fields.contains(SHOP));

    // No personal value in clear anywhere in the database (the WAL included, before any checkpoint).
    let clear = [ID_NUMBER, NAME, ADDRESS, PHONE, SHOP];
    match &p.db {
        sanban_platform::DbUrl::Sqlite(path) => {
            let mut bytes = std::fs::read(path).unwrap();
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            bytes.extend(std::fs::read(&wal).unwrap_or_default());
            for value in clear {
                let needle = value.as_bytes();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{value} found in the database files"
                );
            }
        }
        sanban_platform::DbUrl::Postgres(_) => {
            let dump = p
                .query_text("SELECT string_agg(a::text, '|') FROM applications a")
                .await
                .unwrap();
            for value in clear {
                assert!(!dump.contains(value), "{value} stored in clear");
            }
        }
    }
    p.stop().await;
}

async fn personal_data_of_an_application_is_refused_by_a_platform_without_a_data_key(
    store: StoreKind,
) {
    // A platform served without a key (as on PostgreSQL without --data-key).
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
    let at = "2026-11-30T09:15:00+08:00";
    // The same application without personal data: what a kiosk sends again after it purged them.
    let mut bare = application(2, "K01-20261130-0002", "c0ffee", at, None);
    bare["payload"]["fields"] = json!({});
    bare["payload"].as_object_mut().unwrap().remove("applicant");
    let reply: Value = p
        .http
        .post(format!("{base}/v1/kiosks/K01/events"))
        .bearer_auth(&token)
        .json(&json!({"events": [application(1, "K01-20261130-0001", "c0ffee", at, None), bare]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["rejected"][0]["seq"], 1, "{reply}");
    assert!(
        reply["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no data key"),
        "{reply}"
    );
    assert_eq!(reply["rejected"].as_array().unwrap().len(), 1, "{reply}");
    let _ = stop.send(());
    server.await.unwrap();
    let found = p
        .store
        .applications(&ApplicationQuery::Citizen("c0ffee".into()), 50)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].applicant_sealed, None);
    assert_eq!(found[0].fields_stored, "{}");
    p.stop().await;
}
