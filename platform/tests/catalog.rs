//! The catalog end to end: `sanban-platform catalog import/export` on a real database file, `GET /v1/catalog` on a
//! real server, and the catalog's appointment hours and form rules as the kiosks meet them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Datelike;
use common::{db_arg, event, query_count, Platform, StoreKind, TestDb};
use sanban_platform::{DbUrl, Store};
use sanban_wire::{CatalogFile, Service};
use serde_json::{json, Value};
use uuid::Uuid;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn seed() -> Vec<Service> {
    sanban_platform::store::seed_services().unwrap()
}

fn write_file(dir: &Path, name: &str, services: &[Service]) -> PathBuf {
    let path = dir.join(name);
    let file = CatalogFile {
        services: services.to_vec(),
    };
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    path
}

fn import(file: &Path, db: &DbUrl) -> (bool, String, String) {
    run(&[
        "catalog",
        "import",
        file.to_str().unwrap(),
        "--db",
        &db_arg(db),
    ])
}

async fn stored_versions(db: &DbUrl) -> i64 {
    query_count(db, "SELECT COUNT(*) FROM catalog").await
}

/// A fresh store of `kind`, created and migrated as `serve` would.
async fn created(kind: StoreKind) -> TestDb {
    let db = TestDb::new(kind).await;
    drop(Store::open(&db.url).await.unwrap());
    db
}

on_both_stores!(
    an_import_with_problems_names_each_service_and_field_and_stores_nothing,
    a_valid_import_is_the_next_version_and_kiosks_get_it_at_their_next_sync,
    importing_the_current_catalog_again_stores_nothing,
    export_then_import_gives_the_same_services,
    slots_follow_each_services_hours_and_capacity,
    applications_are_checked_against_the_form_rules_without_echoing_values,
);

fn position(services: &[Service], id: &str) -> usize {
    services.iter().position(|s| s.id == id).unwrap()
}

async fn an_import_with_problems_names_each_service_and_field_and_stores_nothing(store: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let db = created(store).await;
    let mut services = seed();
    let company = position(&services, "ECO-01");
    let charter = services[company]
        .materials
        .iter()
        .position(|m| m.name == "公司章程")
        .unwrap();
    services[company].materials[charter].deferrable = true;
    services[company].materials[charter].defer_days = Some(5);
    let insurance = position(&services, "SOC-01");
    services[insurance].category = "welfare".into();
    let file = write_file(dir.path(), "bad.json", &services);
    // A wrong type is reported with the rule problems, by its field path.
    let last = services.len() - 1;
    let mut text: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    text["services"][last]["handling"] = "soon".into();
    std::fs::write(&file, text.to_string()).unwrap();

    let (ok, out, err) = import(&file, &db.url);
    assert!(!ok, "{out}");
    for expected in [
        format!(
            "services[{company}] ECO-01 企业设立登记 (实施编码 {}): materials[{charter}].deferrable: a core \
             material cannot be deferrable",
            services[company].code
        ),
        format!("services[{insurance}] SOC-01 城乡居民基本医疗保险参保登记"),
        "category: unknown window category \"welfare\"".into(),
        format!("services[{last}] {}", services[last].id),
        "handling: unknown variant `soon`".into(),
        "3 problem(s); nothing was imported".into(),
    ] {
        assert!(err.contains(&expected), "{expected:?} not in:\n{err}");
    }
    assert_eq!(stored_versions(&db.url).await, 1, "nothing stored");
}

async fn a_valid_import_is_the_next_version_and_kiosks_get_it_at_their_next_sync(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let (_, before) = p.get("/v1/catalog", Some(&token)).await;
    let old = before["version"].as_u64().unwrap();

    let mut services = seed();
    services[0].phone = "027-84890199".into();
    services.truncate(60);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "next.json", &services);
    let (ok, out, err) = import(&file, &p.db);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "catalog version {} published: 60 services",
            old + 1
        )),
        "{out}"
    );

    let (status, next) = p
        .get(&format!("/v1/catalog?since={old}"), Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (next["version"].as_u64(), &next["changed"]),
        (Some(old + 1), &json!(true))
    );
    let served: Vec<Service> = serde_json::from_value(next["services"].clone()).unwrap();
    assert_eq!(served, services);
    let (_, same) = p
        .get(&format!("/v1/catalog?since={}", old + 1), Some(&token))
        .await;
    assert_eq!(
        same,
        json!({"version": old + 1, "changed": false, "services": []})
    );
    p.stop().await;
}

async fn importing_the_current_catalog_again_stores_nothing(store: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let db = created(store).await;
    let file = write_file(dir.path(), "seed.json", &seed());
    let (ok, out, _) = import(&file, &db.url);
    assert!(ok);
    assert!(
        out.contains("catalog unchanged: version 1 already holds these"),
        "{out}"
    );
    assert_eq!(stored_versions(&db.url).await, 1);
}

async fn export_then_import_gives_the_same_services(store: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let (first_db, second_db) = (created(store).await, created(store).await);
    let (first, second) = (&first_db.url, &second_db.url);
    let mut services = seed();
    services[3].keywords.push("开业".into());
    let (ok, _, err) = import(&write_file(dir.path(), "v2.json", &services), first);
    assert!(ok, "{err}");

    let exported = dir.path().join("exported.json");
    let (ok, _, err) = run(&[
        "catalog",
        "export",
        "--db",
        &db_arg(first),
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        err.contains("catalog version 2: 64 services exported"),
        "{err}"
    );
    let (ok, stdout, _) = run(&["catalog", "export", "--db", &db_arg(first)]);
    assert!(ok);
    assert_eq!(stdout, std::fs::read_to_string(&exported).unwrap());

    let (ok, out, err) = import(&exported, second);
    assert!(
        ok && out.contains("catalog version 2 published"),
        "{out}{err}"
    );
    let index = Store::open(second)
        .await
        .unwrap()
        .current_catalog()
        .await
        .unwrap();
    assert_eq!(index.services, services);
    // Back into the database it came from: already there.
    let (_, out, _) = import(&exported, first);
    assert!(out.contains("catalog unchanged: version 2"), "{out}");
}

#[test]
fn the_catalog_commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let file = write_file(dir.path(), "seed.json", &seed());
    let (ok, _, err) = import(&file, &DbUrl::Sqlite(missing.clone()));
    assert!(!ok && err.contains("no platform database at"), "{err}");
    let (ok, _, err) = run(&["catalog", "export", "--db", missing.to_str().unwrap()]);
    assert!(!ok && err.contains("no platform database at"), "{err}");
    assert!(!missing.exists());
}

/// The next date after today falling on `weekday`.
fn next(weekday: chrono::Weekday) -> String {
    let mut d = sanban_platform::appointments::Hall::default().today() + chrono::Duration::days(1);
    while d.weekday() != weekday {
        d += chrono::Duration::days(1);
    }
    d.format("%Y-%m-%d").to_string()
}

async fn slots_follow_each_services_hours_and_capacity(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let slots = |service: &str, date: String| {
        let url = format!("/v1/slots?service={service}&date={date}");
        let p = &p;
        let token = token.clone();
        async move { p.get(&url, Some(&token)).await }
    };
    // 护照: 20-minute slots of 3, Saturday mornings too.
    let (status, saturday) = slots("POL-04", next(chrono::Weekday::Sat)).await;
    assert_eq!(status, 200, "{saturday}");
    let list = saturday["slots"].as_array().unwrap();
    assert_eq!(list.len(), 9);
    assert_eq!(
        list[1],
        json!({"slot_id": "0920", "start": "09:20", "end": "09:40", "capacity": 3, "booked": 0})
    );
    // 退役军人优待证: Tuesday and Thursday mornings only.
    let (_, monday) = slots("SOC-07", next(chrono::Weekday::Mon)).await;
    assert_eq!(monday["slots"], json!([]));
    let tuesday = next(chrono::Weekday::Tue);
    let (_, open) = slots("SOC-07", tuesday.clone()).await;
    assert_eq!(open["slots"].as_array().unwrap().len(), 6);
    // A service that takes no appointments has no slots to list: 404, as an unknown one.
    let (status, reply) = slots("ECO-03", tuesday.clone()).await;
    assert_eq!(status, 404);
    assert!(reply["error"]
        .as_str()
        .unwrap()
        .contains("takes no appointments"));

    // Its capacity of 2 holds, online and offline alike.
    let book = |n: u8| {
        json!({"request_id": Uuid::now_v7(), "kiosk_id": "K01", "service": "SOC-07",
               "date": tuesday, "slot_id": "0920", "citizen_ref": format!("ref{n}"),
               "code": sanban_wire::booking_code(u64::from(n))})
    };
    assert_eq!(p.post("/v1/appointments", &token, &book(1)).await.0, 200);
    assert_eq!(p.post("/v1/appointments", &token, &book(2)).await.0, 200);
    assert_eq!(p.post("/v1/appointments", &token, &book(3)).await.0, 409);
    let mut closed = book(4);
    closed["date"] = next(chrono::Weekday::Mon).into();
    // A day the service is closed names no bookable slot.
    let (status, reply) = p.post("/v1/appointments", &token, &closed).await;
    assert_eq!(status, 404);
    assert!(reply["error"]
        .as_str()
        .unwrap()
        .contains("takes no appointments on"));
    let offline = event(
        1,
        "appointment.requested",
        json!({"request_id": Uuid::now_v7(), "service": "ECO-03", "date": tuesday,
               "slot_id": "0900", "citizen_ref": "ref5", "code": "2JW9TNE4"}),
    );
    let (_, reply) = p.events("K01", &token, vec![offline]).await;
    assert!(reply["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("takes no appointments"));
    p.stop().await;
}

async fn applications_are_checked_against_the_form_rules_without_echoing_values(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let company = seed().into_iter().find(|s| s.id == "ECO-01").unwrap();
    let core: Vec<&str> = company
        .materials
        .iter()
        .filter(|m| m.core)
        .map(|m| m.name.as_str())
        .collect();
    let application = |seq: u64, no: &str, service: &str, fields: Value| {
        event(
            seq,
            "application.submitted",
            json!({"application_id": Uuid::now_v7(), "application_no": no, "service": service,
                   "citizen_ref": "c0ffee", "fields": fields, "materials_provided": core}),
        )
    };
    let good = json!({"company_name": "武汉汉南热干面餐饮有限公司", "company_type": "llc_natural_person",
                      "registered_capital": "50", "business_scope": "餐饮服务",
                      "contact_mobile": "13800000000", "free_seal": "yes", "established_on": "2026-12-01"});
    let mut bad_capital = good.clone();
    bad_capital["registered_capital"] = "五十万".into();
    let mut bad_mobile = good.clone();
    bad_mobile["contact_mobile"] = "8489-0101".into();
    // An optional field left empty is simply unanswered.
    let mut unanswered = good.clone();
    unanswered["established_on"] = "".into();
    let (status, reply) = p
        .events(
            "K01",
            &token,
            vec![
                application(1, "K01-0001", "ECO-01", good.clone()),
                application(2, "K01-0002", "ECO-01", bad_capital),
                application(3, "K01-0003", "ECO-01", bad_mobile),
                // 食品经营许可 is not submittable at a kiosk.
                application(4, "K01-0004", "ECO-03", json!({})),
                application(5, "K01-0005", "ECO-01", unanswered),
            ],
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let rejected = reply["rejected"].as_array().unwrap();
    let seqs: Vec<u64> = rejected
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [2, 3, 4], "{reply}");
    let reason = |i: usize| rejected[i]["reason"].as_str().unwrap().to_string();
    assert!(reason(0).contains("registered_capital") && reason(0).contains("is not a number"));
    assert!(!reason(0).contains("五十万"), "{}", reason(0));
    assert!(reason(1).contains("contact_mobile") && !reason(1).contains("8489-0101"));
    assert!(reason(2).contains("cannot be applied for at a kiosk"));
    // The accepted one owes the deferred 住所 document.
    let owed = p
        .query_text("SELECT materials_owed FROM applications WHERE application_no = 'K01-0001'")
        .await
        .unwrap();
    assert!(owed.contains("住所使用相关文件"), "{owed}");
    p.stop().await;
}
