//! Appointments (预约) on the platform, on both stores: the last place of a slot goes to exactly one of two kiosks,
//! one booking per citizen, service and day (online and offline), the bookable window, cancellation frees the
//! place, check-in marks the booking, refusals kept and looked up at any kiosk, the no-show ban, the calendar and
//! the hall's time zone.

mod common;

use common::{next_working_day, Platform, StoreKind};
use sanban_platform::ServeOptions;
use serde_json::{json, Value};
use uuid::Uuid;

on_both_stores!(
    the_last_place_of_a_slot_goes_to_exactly_one_of_two_kiosks,
    a_citizen_books_a_service_once_a_day_online_and_offline_and_the_refusal_shows_at_any_kiosk,
    a_cancellation_frees_the_place_and_a_check_in_marks_the_booking,
    two_no_shows_bar_a_citizen_from_booking_for_thirty_days,
    only_days_of_the_bookable_window_take_bookings,
);

/// A booking code of the kiosks' alphabet, different for each `n`.
fn code(n: u64) -> String {
    sanban_wire::booking_code(n * 7919 + 12345)
}

fn booking(kiosk: &str, day: &str, slot: &str, citizen: &str, n: u64) -> Value {
    json!({"request_id": Uuid::now_v7(), "kiosk_id": kiosk, "service": "RES-01", "date": day,
           "slot_id": slot, "citizen_ref": citizen, "code": code(n)})
}

fn requested(seq: u64, day: &str, slot: &str, citizen: &str, n: u64) -> Value {
    common::event(
        seq,
        "appointment.requested",
        json!({"request_id": Uuid::now_v7(), "service": "RES-01", "date": day, "slot_id": slot,
               "citizen_ref": citizen, "code": code(n)}),
    )
}

async fn lookup(p: &Platform, token: &str, citizen: &str) -> Value {
    let (status, reply) = p
        .post(
            "/v1/appointments/lookup",
            token,
            &json!({"citizen_ref": citizen}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    reply
}

async fn the_last_place_of_a_slot_goes_to_exactly_one_of_two_kiosks(store: StoreKind) {
    let p = Platform::start(store).await;
    let a = p.add_kiosk("K01").await;
    let b = p.add_kiosk("K02").await;
    let day = next_working_day();
    // RES-01 takes 4 per slot: three taken, then both kiosks ask for the last place at once, slot after slot.
    for (round, slot) in ["0900", "0930", "1000", "1030", "1100"].iter().enumerate() {
        let n = round as u64 * 10;
        for i in 0..3 {
            let (status, r) = p
                .post(
                    "/v1/appointments",
                    &a,
                    &booking("K01", &day, slot, &format!("c{n}-{i}"), n + i),
                )
                .await;
            assert_eq!(status, 200, "{r}");
        }
        let first = booking("K01", &day, slot, &format!("c{n}-a"), n + 5);
        let second = booking("K02", &day, slot, &format!("c{n}-b"), n + 6);
        let (x, y) = tokio::join!(
            p.post("/v1/appointments", &a, &first),
            p.post("/v1/appointments", &b, &second)
        );
        let mut statuses = [x.0, y.0];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "slot {slot}: {} / {}", x.1, y.1);
        let refused = if x.0 == 409 { &x.1 } else { &y.1 };
        assert_eq!(refused["reason"], "slot_full", "{refused}");
        assert!(refused["error"]
            .as_str()
            .unwrap()
            .starts_with("slot_full: "));
        let (_, slots) = p
            .get(&format!("/v1/slots?service=RES-01&date={day}"), Some(&a))
            .await;
        let this = slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["slot_id"] == *slot)
            .unwrap()
            .clone();
        assert_eq!(this["booked"], 4, "never more than the capacity");
    }
    // The same race between an online booking and an offline request's event: one place, one winner.
    let slot = "1130";
    for i in 0..3 {
        p.post(
            "/v1/appointments",
            &a,
            &booking("K01", &day, slot, &format!("e{i}"), 100 + i),
        )
        .await;
    }
    let online = booking("K01", &day, slot, "e-online", 105);
    let offline = requested(1, &day, slot, "e-offline", 106);
    let (x, y) = tokio::join!(
        p.post("/v1/appointments", &a, &online),
        p.events("K02", &b, vec![offline])
    );
    let online_won = x.0 == 200;
    let offline_won = y.1["rejected"] == json!([]);
    assert!(online_won != offline_won, "{} / {}", x.1, y.1);
    let held = p
        .store
        .appointments_on(Some(&day))
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.slot_id == slot && r.status == "booked")
        .count();
    assert_eq!(held, 4);
    p.stop().await;
}

async fn a_citizen_books_a_service_once_a_day_online_and_offline_and_the_refusal_shows_at_any_kiosk(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    let a = p.add_kiosk("K01").await;
    let b = p.add_kiosk("K02").await;
    let day = next_working_day();
    let first = booking("K01", &day, "0900", "citizen-1", 1);
    assert_eq!(p.post("/v1/appointments", &a, &first).await.0, 200);
    // A retry of the same request: the same booking, not a second one, and not "daily limit".
    let (status, again) = p.post("/v1/appointments", &a, &first).await;
    assert_eq!(status, 200, "{again}");
    let (status, refused) = p
        .post(
            "/v1/appointments",
            &b,
            &booking("K02", &day, "1000", "citizen-1", 2),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(refused["reason"], "daily_limit");
    // Another citizen, or another service, is not limited.
    let mut other_service = booking("K02", &day, "1000", "citizen-1", 3);
    other_service["service"] = "POL-01".into();
    let (_, slots) = p
        .get(&format!("/v1/slots?service=POL-01&date={day}"), Some(&a))
        .await;
    other_service["slot_id"] = slots["slots"][0]["slot_id"].clone();
    let (status, r) = p.post("/v1/appointments", &b, &other_service).await;
    assert_eq!(status, 200, "{r}");

    // Offline at kiosk 2, the same citizen asks for RES-01 that day again: refused with its reason, and kept.
    let (status, reply) = p
        .events("K02", &b, vec![requested(1, &day, "1100", "citizen-1", 4)])
        .await;
    assert_eq!(status, 200);
    assert_eq!(reply["applied_through"], 1);
    let reason = reply["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("daily_limit: "), "{reason}");

    // Kiosk 1 looks the citizen up: both bookings, and the refusal from kiosk 2, not yet seen.
    let found = lookup(&p, &a, "citizen-1").await;
    let list = found["appointments"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{found}");
    let refusal = list.iter().find(|v| v["status"] == "refused").unwrap();
    assert_eq!(refusal["code"], code(4));
    assert_eq!(refusal["kiosk_id"], "K02");
    assert_eq!(refusal["reason"], "daily_limit");
    assert_eq!(refusal["refusal_seen"], false);
    assert_eq!(refusal["start"], "11:00");
    let held = list.iter().find(|v| v["code"] == code(1)).unwrap();
    assert_eq!(
        (&held["status"], &held["start"], &held["end"]),
        (&json!("booked"), &json!("09:00"), &json!("09:30"))
    );
    assert_eq!(found["no_shows"], 0);
    assert!(found.get("banned_until").is_none());
    // Kiosk 1 told the citizen: no other kiosk tells them again.
    let seen = common::event(
        1,
        "appointment.refusal_seen",
        json!({"code": code(4), "citizen_ref": "citizen-1"}),
    );
    let (_, reply) = p.events("K01", &a, vec![seen]).await;
    assert_eq!(reply["rejected"], json!([]), "{reply}");
    let found = lookup(&p, &b, "citizen-1").await;
    let refusal = found["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["status"] == "refused")
        .unwrap()
        .clone();
    assert_eq!(refusal["refusal_seen"], true);
    // Someone else's code cannot be marked, and a stranger has nothing.
    let wrong = common::event(
        2,
        "appointment.refusal_seen",
        json!({"code": code(4), "citizen_ref": "citizen-2"}),
    );
    let (_, reply) = p.events("K01", &a, vec![wrong]).await;
    assert_eq!(reply["rejected"][0]["seq"], 2);
    assert_eq!(lookup(&p, &a, "citizen-2").await["appointments"], json!([]));
    let (status, _) = p
        .post("/v1/appointments/lookup", &a, &json!({"citizen_ref": ""}))
        .await;
    assert_eq!(status, 400);
    p.stop().await;
}

async fn a_cancellation_frees_the_place_and_a_check_in_marks_the_booking(store: StoreKind) {
    let p = Platform::start(store).await;
    let a = p.add_kiosk("K01").await;
    let day = next_working_day();
    for i in 0..4 {
        let (status, r) = p
            .post(
                "/v1/appointments",
                &a,
                &booking("K01", &day, "1400", &format!("c{i}"), i),
            )
            .await;
        assert_eq!(status, 200, "{r}");
    }
    let full = booking("K01", &day, "1400", "c9", 9);
    assert_eq!(p.post("/v1/appointments", &a, &full).await.0, 409);
    // The citizen cancels at a kiosk (possibly another one): the place is free again.
    let cancel = common::event(
        1,
        "appointment.cancelled",
        json!({"code": code(0), "citizen_ref": "c0"}),
    );
    // Another citizen cannot cancel it.
    let stranger = common::event(
        2,
        "appointment.cancelled",
        json!({"code": code(1), "citizen_ref": "c0"}),
    );
    let (_, reply) = p.events("K01", &a, vec![cancel, stranger]).await;
    assert_eq!(reply["applied_through"], 2);
    assert_eq!(reply["rejected"].as_array().unwrap().len(), 1, "{reply}");
    assert_eq!(reply["rejected"][0]["seq"], 2);
    let (status, r) = p
        .post(
            "/v1/appointments",
            &a,
            &booking("K01", &day, "1400", "c9", 10),
        )
        .await;
    assert_eq!(status, 200, "the freed place: {r}");
    // The citizen who cancelled may book the service that day again.
    let (status, r) = p
        .post(
            "/v1/appointments",
            &a,
            &booking("K01", &day, "1430", "c0", 11),
        )
        .await;
    assert_eq!(status, 200, "{r}");

    // Check-in: the priority ticket is recorded and the booking marked.
    let checked_in = common::event(
        3,
        "appointment.checked_in",
        json!({"code": code(1), "citizen_ref": "c1",
               "ticket": {"ticket_id": Uuid::now_v7(), "category": "realestate", "number": "K01-F001",
                          "business_day": common::today(), "priority": true, "offline": true}}),
    );
    let (_, reply) = p.events("K01", &a, vec![checked_in]).await;
    assert_eq!(reply["rejected"], json!([]), "{reply}");
    let rows = p.store.appointments_on(Some(&day)).await.unwrap();
    let status_of = |c: String| {
        rows.iter()
            .find(|r| r.code.as_deref() == Some(c.as_str()))
            .map(|r| r.status.clone())
            .unwrap()
    };
    assert_eq!(status_of(code(0)), "cancelled");
    assert_eq!(status_of(code(1)), "checked_in");
    assert_eq!(status_of(code(2)), "booked");
    assert!(p.tickets(Some("K01")).await.iter().any(|t| t.priority));
    p.stop().await;
}

async fn two_no_shows_bar_a_citizen_from_booking_for_thirty_days(store: StoreKind) {
    let p = Platform::start(store).await;
    let a = p.add_kiosk("K01").await;
    let day = next_working_day();
    let (_, days) = p.get("/v1/calendar", Some(&a)).await;
    assert_eq!(days["timezone"], "Asia/Shanghai");
    // Two bookings on two days, neither checked in; the no-show pass closes both days.
    let mut later = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap();
    loop {
        later += chrono::Duration::days(1);
        use chrono::Datelike;
        if later.weekday().num_days_from_monday() < 5 {
            break;
        }
    }
    let later = later.to_string();
    for (d, n) in [(&day, 1), (&later, 2)] {
        let (status, r) = p
            .post(
                "/v1/appointments",
                &a,
                &booking("K01", d, "0900", "late-1", n),
            )
            .await;
        assert_eq!(status, 200, "{r}");
    }
    p.post(
        "/v1/appointments",
        &a,
        &booking("K01", &day, "0900", "punctual", 3),
    )
    .await;
    assert_eq!(p.store.mark_no_shows(&later).await.unwrap(), 3);
    let (status, refused) = p
        .post(
            "/v1/appointments",
            &a,
            &booking("K01", &day, "1000", "late-1", 4),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["reason"], "banned");
    let until =
        chrono::NaiveDate::parse_from_str(&later, "%Y-%m-%d").unwrap() + chrono::Duration::days(30);
    assert_eq!(refused["until"], until.to_string());
    assert_eq!(
        lookup(&p, &a, "late-1").await["banned_until"],
        until.to_string()
    );
    // One no-show alone bars nothing; the pass leaves checked-in and cancelled bookings alone.
    let (status, r) = p
        .post(
            "/v1/appointments",
            &a,
            &booking("K01", &later, "1000", "punctual", 5),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(p.store.mark_no_shows(&day).await.unwrap(), 0);
    p.stop().await;
}

async fn only_days_of_the_bookable_window_take_bookings(store: StoreKind) {
    let p = Platform::start(store).await;
    let a = p.add_kiosk("K01").await;
    let today = common::today();
    let hall = sanban_platform::appointments::Hall::default();
    let window = hall.calendar.bookable_dates(hall.today());
    let past_end = {
        let mut d = *window.last().unwrap();
        loop {
            d += chrono::Duration::days(1);
            if hall.calendar.is_working_day(d) {
                break d;
            }
        }
    };
    for (d, why) in [
        (today.clone(), "today"),
        (past_end.to_string(), "past the window"),
        ("2020-01-06".into(), "the past"),
    ] {
        let (status, r) = p
            .post("/v1/appointments", &a, &booking("K01", &d, "0900", "w", 1))
            .await;
        assert_eq!(
            (status, r["reason"].as_str()),
            (409, Some("outside_window")),
            "{why}: {r}"
        );
    }
    let last = window.last().unwrap().to_string();
    let (status, r) = p
        .post(
            "/v1/appointments",
            &a,
            &booking("K01", &last, "0900", "w", 2),
        )
        .await;
    assert_eq!(status, 200, "the window's last day: {r}");
    let (status, r) = p
        .post(
            "/v1/appointments",
            &a,
            &booking("K01", &last, "1215", "w2", 3),
        )
        .await;
    assert_eq!((status, &r["reason"]), (404, &json!("no_such_slot")));
    // Offline the same: refused with its reason and kept for the citizen.
    let (_, reply) = p
        .events(
            "K01",
            &a,
            vec![requested(1, &past_end.to_string(), "0900", "w3", 4)],
        )
        .await;
    assert!(reply["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("outside_window: "));
    p.stop().await;
}

/// The hall's day turns at its own midnight: a hall at UTC-11 and one at UTC+14 are always on different dates, so
/// the day one lists slots for is already past for the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_day_follows_the_configured_time_zone_not_utc_plus_8() {
    let west = Platform::start_with(
        StoreKind::Sqlite,
        ServeOptions {
            timezone: chrono_tz::Pacific::Pago_Pago,
            ..ServeOptions::default()
        },
    )
    .await;
    let east = Platform::start_with(
        StoreKind::Sqlite,
        ServeOptions {
            timezone: chrono_tz::Pacific::Kiritimati,
            ..ServeOptions::default()
        },
    )
    .await;
    let (w, e) = (west.add_kiosk("K01").await, east.add_kiosk("K01").await);
    let west_today = sanban_platform::appointments::Hall::new(chrono_tz::Pacific::Pago_Pago)
        .today()
        .to_string();
    let (_, cal) = west.get("/v1/calendar", Some(&w)).await;
    assert_eq!(cal["timezone"], "Pacific/Pago_Pago");
    // Find a service open on that weekday.
    let (_, catalog) = west.get("/v1/catalog", Some(&w)).await;
    let mut open_somewhere = false;
    for s in catalog["services"].as_array().unwrap() {
        if s["bookable"] != true {
            continue;
        }
        let path = format!(
            "/v1/slots?service={}&date={west_today}",
            s["id"].as_str().unwrap()
        );
        let (_, here) = west.get(&path, Some(&w)).await;
        let (_, there) = east.get(&path, Some(&e)).await;
        assert_eq!(there["slots"], json!([]), "a past day at UTC+14: {there}");
        open_somewhere |= !here["slots"].as_array().unwrap().is_empty();
    }
    // A weekend or holiday has no slots anywhere; on a working day some service is open at UTC-11.
    let hall = sanban_platform::appointments::Hall::new(chrono_tz::Pacific::Pago_Pago);
    if hall.calendar.is_working_day(hall.today()) {
        assert!(open_somewhere, "slots of today at UTC-11");
    }
    west.stop().await;
    east.stop().await;
}
