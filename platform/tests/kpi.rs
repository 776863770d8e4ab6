//! The 三办 KPI report from a known data set, checked against figures worked out by hand: five services with
//! chosen flags in two departments, and a week of kiosk events (some done offline), on both stores; through the
//! store, `GET /kpi` and `sanban-platform kpi --json`.

mod common;

use chrono::{Duration, FixedOffset, Utc};
use common::{Platform, StoreKind};
use sanban_platform::kpi::{self, Indicator};
use sanban_wire::{Handling, Service};
use serde_json::{json, Value};
use uuid::Uuid;

on_both_stores!(
    the_report_matches_figures_worked_out_by_hand,
    the_page_draws_the_targets_and_refuses_a_bad_range,
);

const A: (&str, &str) = ("甲局", "Bureau A");
const B: (&str, &str) = ("乙局", "Bureau B");

/// Gives `s` the flags the indicators read, keeping the catalog's rules (an instant service promises 0 days; no
/// visit needs an online address).
fn shaped(
    mut s: Service,
    department: (&str, &str),
    instant: bool,
    visits: u32,
    online: bool,
) -> Service {
    s.department = department.0.into();
    s.department_en = department.1.into();
    s.handling = if instant {
        Handling::Instant
    } else {
        Handling::Promised
    };
    s.promised_limit_days = if instant {
        0
    } else {
        1.max(s.legal_limit_days.min(5))
    };
    s.legal_limit_days = s.legal_limit_days.max(s.promised_limit_days);
    s.visits = visits;
    s.online = online;
    s.online_url = online.then(|| format!("https://zwfw.example.gov.cn/{}", s.id));
    s
}

/// The catalog of the test: S1 (A, instant, 0 visits, online), S2 (A, promised, 1 visit, online), ECO-02 (B,
/// promised, 2 visits, offline), S4 (B, instant, 1 visit, online), S5 (A, instant, 0 visits, online).
///
/// By hand — hall: 即办 3/5 = 60% (> 50%: met), 全程网办 2/5 = 40% (missed), 网上预审 4/5 = 80% (met, at the
/// target), 一次办 4/5 = 80% (met). A: 2/3, 2/3, 3/3, 3/3 — all met. B: 1/2 = 50% (not above 50%: missed),
/// 0/2, 1/2, 1/2 — its worst margin (0% against 50%) puts it first.
fn catalog() -> Vec<Service> {
    let seed = sanban_platform::store::seed_services().unwrap();
    let pick = |id: &str| seed.iter().find(|s| s.id == id).unwrap().clone();
    let others: Vec<Service> = seed
        .iter()
        .filter(|s| s.id != "ECO-02" && !s.kiosk_submittable && !s.bookable)
        .take(4)
        .cloned()
        .collect();
    vec![
        shaped(others[0].clone(), A, true, 0, true),
        shaped(others[1].clone(), A, false, 1, true),
        shaped(pick("ECO-02"), B, false, 2, false),
        shaped(others[2].clone(), B, true, 1, true),
        shaped(others[3].clone(), A, true, 0, true),
    ]
}

fn at(seq: u64, kind: &str, occurred_at: &str, payload: Value) -> Value {
    json!({"seq": seq, "id": Uuid::now_v7(), "kind": kind, "occurred_at": occurred_at, "payload": payload})
}

fn rating(seq: u64, when: &str, service: &str, level: &str, code: u8) -> Value {
    let mut p = json!({"rating_id": Uuid::now_v7(), "errand": "guide", "errand_id": format!("G{seq}"),
        "service": service, "channel": "self_service_terminal", "level": level, "level_code": code,
        "times_rated": 1});
    if code <= 2 {
        p["reasons"] = json!(["long_wait"]);
    }
    at(seq, "rating.submitted", when, p)
}

struct Data {
    p: Platform,
    services: Vec<Service>,
    past_day: String,
    today: String,
}

/// Three days ago (hall time) K01 printed 2 guides of S1 and got a 非常不满意 for ECO-02 — all sent now, so
/// late (done offline). Today K01 printed 1 guide of S2, took a 满意 and a 基本满意 for S1, and K02 submitted an
/// ECO-02 application with its deferrable materials owed — all sent at once (online).
async fn data(store: StoreKind) -> Data {
    let p = Platform::start(store).await;
    let services = catalog();
    let version = p.store.publish_catalog(&services).await.unwrap();
    let k1 = p.add_kiosk("K01").await;
    let k2 = p.add_kiosk("K02").await;
    let hall = FixedOffset::east_opt(8 * 3600).unwrap();
    let now = Utc::now().with_timezone(&hall);
    let past = now - Duration::days(3);
    let past_at = past.format("%Y-%m-%dT09:15:00+08:00").to_string();
    let now_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    let guide = |seq, when: &str, service: &str| {
        at(
            seq,
            "guide.printed",
            when,
            json!({"service": service, "catalog_version": version, "language": "zh"}),
        )
    };
    let (s1, s2) = (services[0].id.as_str(), services[1].id.as_str());
    let batch = vec![
        guide(1, &past_at, s1),
        guide(2, &past_at, s1),
        rating(3, &past_at, "ECO-02", "very_dissatisfied", 1),
        guide(4, &now_at, s2),
        rating(5, &now_at, s1, "satisfied", 4),
        rating(6, &now_at, s1, "basic", 3),
    ];
    let (status, reply) = p.events("K01", &k1, batch).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["rejected"], json!([]), "{reply}");
    let application = at(
        1,
        "application.submitted",
        &now_at,
        json!({"application_id": Uuid::now_v7(), "application_no": "K02-0001", "service": "ECO-02",
            "citizen_ref": "c0ffee",
            "fields": {"shop_name": "老王热干面", "business_scope": "小吃", "premises": "汉南区纱帽街1号",
                       "contact_phone": "13800000000"},
            "materials_provided": ["个体工商户登记(备案)申请书", "申请人居民身份证"], "delivery": "post"}),
    );
    let (status, reply) = p.events("K02", &k2, vec![application]).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["rejected"], json!([]), "{reply}");
    Data {
        p,
        services,
        past_day: past.format("%Y-%m-%d").to_string(),
        today: now.format("%Y-%m-%d").to_string(),
    }
}

async fn the_report_matches_figures_worked_out_by_hand(store: StoreKind) {
    let d = data(store).await;
    let today = sanban_platform::schedule::parse_date(&d.today).unwrap();
    let (from, to) = kpi::range(None, Some(7), today).unwrap();
    let r = kpi::report(&d.p.store, from, to).await.unwrap();

    assert_eq!(r.services, 5);
    let hall: Vec<(Indicator, u64, u64, bool)> = r
        .hall
        .iter()
        .map(|s| (s.indicator, s.met, s.total, s.target_met))
        .collect();
    assert_eq!(
        hall,
        [
            (Indicator::Instant, 3, 5, true),
            (Indicator::FullyOnline, 2, 5, false),
            (Indicator::OnlinePrereview, 4, 5, true),
            (Indicator::OneVisit, 4, 5, true),
        ]
    );
    assert_eq!(r.hall[1].share_percent, 40.0);
    assert_eq!(
        r.departments[0].department, B.0,
        "the department furthest below a target first"
    );
    let b: Vec<(u64, bool)> = r.departments[0]
        .standings
        .iter()
        .map(|s| (s.met, s.target_met))
        .collect();
    assert_eq!(b, [(1, false), (0, false), (1, false), (1, false)]);
    assert!(r.departments[1].standings.iter().all(|s| s.target_met));

    let u = &r.usage;
    assert_eq!(u.days.len(), 7);
    let count = |kind: &str| u.kinds.iter().find(|k| k.kind == kind).unwrap().count;
    assert_eq!(count("guide.printed"), 3);
    assert_eq!(count("application.submitted"), 1);
    assert_eq!(count("ticket.issued"), 0);
    // Errands: 3 guides + 1 application; the two guides of three days ago reached the platform late.
    assert_eq!((u.errands, u.offline), (4, 2));
    assert_eq!(u.offline_percent, 50.0);
    let past = u.days.iter().find(|x| x.day == d.past_day).unwrap();
    assert_eq!(
        (past.errands, past.offline, past.ratings, past.good),
        (2, 2, 1, 0)
    );
    let now = u.days.iter().find(|x| x.day == d.today).unwrap();
    assert_eq!(
        (now.errands, now.offline, now.ratings, now.good),
        (2, 0, 2, 2)
    );
    assert_eq!(now.good_percent, 100.0);
    // Ratings: 满意 + 基本满意 good, one 非常不满意: 2 of 3 good.
    assert_eq!(u.ratings.by_level, [1, 0, 1, 1, 0]);
    assert_eq!(u.ratings.bad, 1);
    assert!((u.ratings.good_percent - 200.0 / 3.0).abs() < 1e-9);
    // The application brought ECO-02's two core materials only: the rest is owed (容缺受理).
    assert_eq!((u.applications, u.deferred_applications), (1, 1));
    assert_eq!(u.deferred_percent, 100.0);
    // Services, worst rated first: ECO-02 (0% good), then S1 (100%), then the unrated.
    assert_eq!(u.services[0].service, "ECO-02");
    assert_eq!((u.services[0].bad, u.services[0].applications), (1, 1));
    assert_eq!(u.services[1].service, d.services[0].id);
    assert_eq!((u.services[1].guide_prints, u.services[1].good), (2, 2));
    assert_eq!(u.services.last().unwrap().ratings, 0);
    assert_eq!(u.departments[0].department, B.0);
    let kiosks: Vec<(&str, u64, u64)> = u
        .kiosks
        .iter()
        .map(|k| (k.kiosk.as_str(), k.errands, k.offline))
        .collect();
    assert_eq!(kiosks, [("K01", 3, 2), ("K02", 1, 0)]);

    // A report that ends before the data holds none of it, and the hall's standing is the same.
    let (from, to) = kpi::range(None, Some(1), today - Duration::days(10)).unwrap();
    let empty = kpi::report(&d.p.store, from, to).await.unwrap();
    assert_eq!((empty.usage.errands, empty.usage.ratings.total), (0, 0));
    assert_eq!(empty.hall, r.hall);

    // The command line gives the same figures.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args([
            "kpi",
            "--db",
            &common::db_arg(&d.p.db),
            "--to",
            &d.today,
            "--days",
            "7",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["usage"]["errands"], json!(4));
    assert_eq!(json["hall"][0]["indicator"], json!("instant"));
    assert_eq!(json["departments"][0]["department"], json!(B.0));
    d.p.stop().await;
}

async fn kpi_page(addr: &str, cookie: &str, query: &str) -> (u16, String) {
    let (status, _, body) = common::raw(
        addr,
        format!(
            "GET /kpi?{query} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    (status, body)
}

async fn the_page_draws_the_targets_and_refuses_a_bad_range(store: StoreKind) {
    let d = data(store).await;
    let cookie = d.p.operator_cookie().await;
    let (status, html) = kpi_page(d.p.addr(), &cookie, &format!("to={}&days=7", d.today)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<svg"), "server-drawn charts");
    assert!(html.contains("即办件比例") && html.contains("未达标"));
    // 全程网上办 at 40% of a 420-pixel bar, drawn red.
    assert!(
        html.contains("width=\"168.0\" height=\"22\" fill=\"#c62828\""),
        "{html}"
    );
    assert!(
        html.find(B.0).unwrap() < html.find(A.0).unwrap(),
        "worst department first"
    );

    for bad in ["days=0", "days=367", "to=2026-02-30", "days=x"] {
        let (status, body) = kpi_page(d.p.addr(), &cookie, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        let reply: Value = serde_json::from_str(&body).unwrap();
        assert!(reply["error"].is_string(), "{bad}: {body}");
    }
    d.p.stop().await;
}
