//! 预约 through the real UI, as SCENARIOS.md plays it, against the reference platform running in this process on
//! loopback: book online (the platform confirms at once, the slip is printed), check in on time (a priority
//! ticket), book offline with the platform down (the slip says it awaits confirmation), check in too early and too
//! late, and once the platform is back the offline booking confirmed — and another, whose slot other kiosks filled
//! meanwhile, refused and shown at the citizen's next card read. The kiosk's clock is a manual one, moved to the
//! booked day for the check-ins. One #[test]: the Slint event loop can be started once per process.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::clock::{Clock, ManualClock};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{sleep, wait_until};
use sanban_kiosk::store::appointments::BookingStatus;
use sanban_kiosk::ui::{AppointmentAdapter, Nav};
use slint::{ComponentHandle, Model};
use support::platform::Platform;
use support::ui::{finish, job_text, play};

const SERVICE: &str = "城乡居民基本医疗保险参保登记";

fn days(app: &KioskApp) -> Vec<String> {
    app.window
        .global::<AppointmentAdapter>()
        .get_days()
        .iter()
        .map(|d| d.date.to_string())
        .collect()
}

/// Opens the day's slot list and returns the start of the first slot with a free place.
async fn first_free_slot(app: &KioskApp, day: &str) -> anyhow::Result<String> {
    play(app, &format!("tap {day}\nwait appointment.slots\n")).await?;
    wait_until(&app.window, "the slot list", Duration::from_secs(10), |w| {
        !w.global::<AppointmentAdapter>().get_loading()
    })
    .await?;
    app.window
        .global::<AppointmentAdapter>()
        .get_slots()
        .iter()
        .find(|s| s.free > 0)
        .map(|s| s.start.to_string())
        .ok_or_else(|| anyhow::anyhow!("no free slot on {day}"))
}

/// The instant `hh:mm` on `day` in Shanghai.
fn at(day: &str, hh: u32, mm: u32) -> chrono::DateTime<Utc> {
    let d: NaiveDate = day.parse().unwrap();
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&d.and_hms_opt(hh, mm, 0).unwrap())
        .unwrap()
        .to_utc()
}

fn hm(start: &str) -> (u32, u32) {
    let (h, m) = start.split_once(':').unwrap();
    (h.parse().unwrap(), m.parse().unwrap())
}

async fn scenario(
    app: &KioskApp,
    platform: &mut Platform,
    clock: &ManualClock,
) -> anyhow::Result<()> {
    let w = &app.window;
    let sim = app.services.devices.printer_sim.clone().expect("printer");
    let real_now = clock.now();

    // Book online: the script of SCENARIOS.md, with the day and slot the calendar offers today.
    play(
        app,
        &format!("tap 预约\ntype ylbx\ntap {SERVICE}\nwait appointment.days\n"),
    )
    .await?;
    let offered = days(app);
    assert!(offered.len() >= 3, "working days offered: {offered:?}");
    let day = offered[0].clone();
    let start = first_free_slot(app, &day).await?;
    play(
        app,
        &format!("tap {start}\ncard 20\ntap 确认预约\nsee 预约成功\n"),
    )
    .await?;
    let a = w.global::<AppointmentAdapter>();
    assert_eq!(a.get_outcome().as_str(), "confirmed");
    let code: String = a.get_code().chars().filter(|c| *c != '-').collect();
    let jobs = sim.wait_for_jobs(1, Duration::from_secs(10));
    let slip = job_text(jobs.last().unwrap());
    assert!(slip.contains("预约凭条"), "{slip}");
    assert!(slip.contains(SERVICE));
    assert!(slip.contains(&start));
    assert!(!slip.contains("待确认"), "confirmed online: {slip}");
    {
        let b = app.services.store().booking(&code)?.expect("booking kept");
        assert_eq!(b.status, BookingStatus::Confirmed);
    }
    let booked_on_platform: i64 = rusqlite::Connection::open(&platform.db)?.query_row(
        "SELECT COUNT(*) FROM appointments WHERE date = ?1",
        [&day],
        |r| r.get(0),
    )?;
    assert_eq!(booked_on_platform, 1, "the platform holds the booking once");
    finish(app).await?;

    // Check in on the day, ten minutes before the slot: a priority ticket.
    let (h, m) = hm(&start);
    let slot_start = at(&day, h, m);
    clock.set(slot_start - chrono::Duration::minutes(10));
    play(app, "tap 预约签到\ncard 20\nsee 签到成功\n").await?;
    let ticket = a.get_ticket_number().to_string();
    assert!(!ticket.is_empty());
    let jobs = sim.wait_for_jobs(2, Duration::from_secs(10));
    assert!(job_text(jobs.last().unwrap()).contains(&ticket));
    assert_eq!(
        app.services.store().booking(&code)?.unwrap().status,
        BookingStatus::CheckedIn
    );
    finish(app).await?;

    // Book offline on the next day: the platform is down, the slip says it awaits confirmation.
    platform.stop();
    clock.set(real_now);
    let day2 = offered[1].clone();
    play(
        app,
        &format!("tap 预约\ntype ylbx\ntap {SERVICE}\nwait appointment.days\n"),
    )
    .await?;
    let start2 = first_free_slot(app, &day2).await?;
    assert!(a.get_offline(), "the slot list says it is not live");
    play(
        app,
        &format!("tap {start2}\ncard 20\ntap 确认预约\nsee 预约已提交，待确认\n"),
    )
    .await?;
    let code2: String = a.get_code().chars().filter(|c| *c != '-').collect();
    let jobs = sim.wait_for_jobs(3, Duration::from_secs(10));
    assert!(job_text(jobs.last().unwrap()).contains("待确认"));
    assert_eq!(
        app.services.store().booking(&code2)?.unwrap().status,
        BookingStatus::Pending
    );
    finish(app).await?;

    // Too early, then too late.
    let (h, m) = hm(&start2);
    let slot2 = at(&day2, h, m);
    clock.set(slot2 - chrono::Duration::minutes(45));
    play(app, "tap 预约签到\ncard 20\nsee 签到时间未到\n").await?;
    finish(app).await?;
    clock.set(slot2 + chrono::Duration::minutes(16));
    play(app, "tap 预约签到\ncard 20\nsee 本次预约已失效\ntap 取普通号\nwait ticket.categories\ntap 首页\n").await?;

    // A third booking, offline too, for a slot that other kiosks fill meanwhile.
    clock.set(real_now);
    let day3 = offered[2].clone();
    play(
        app,
        &format!("tap 预约\ntype ylbx\ntap {SERVICE}\nwait appointment.days\n"),
    )
    .await?;
    let start3 = first_free_slot(app, &day3).await?;
    play(
        app,
        &format!("tap {start3}\ncard 20\ntap 确认预约\nsee 预约已提交，待确认\n"),
    )
    .await?;
    let code3: String = a.get_code().chars().filter(|c| *c != '-').collect();
    let (service_id, slot3) = (a.get_service_id().to_string(), a.get_slot_id().to_string());
    finish(app).await?;
    let capacity = app
        .services
        .store()
        .catalog_service(&service_id)?
        .unwrap()
        .slot_capacity
        .unwrap();
    {
        let db = rusqlite::Connection::open(&platform.db)?;
        for i in 0..capacity {
            db.execute(
                "INSERT INTO appointments (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref,
                                           source, created_at)
                 VALUES (?1, ?1, 'K01', ?2, ?3, ?4, ?5, 'online', '2026-11-30T00:00:00Z')",
                rusqlite::params![format!("other-{i}"), service_id, day3, slot3, format!("someone-{i}")],
            )?;
        }
    }

    // The platform comes back: the first offline booking is confirmed, the other refused (its slot is full).
    platform.start_in_process();
    app.services.poke_sync();
    let status = |code: &str| app.services.store().booking(code).unwrap().unwrap().status;
    for _ in 0..120 {
        if status(&code2) != BookingStatus::Pending && status(&code3) != BookingStatus::Pending {
            break;
        }
        app.services.poke_sync();
        sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        status(&code2),
        BookingStatus::Confirmed,
        "confirmed once synced"
    );
    assert_eq!(
        status(&code3),
        BookingStatus::Refused,
        "refused: the slot filled up"
    );
    assert_eq!(w.global::<Nav>().get_page().as_str(), "home.main");

    // The citizen's next card read says so, once, with the reason.
    play(
        app,
        "tap 预约签到\ncard 20\nsee 您的预约未能确认\nsee 该时段已约满\n",
    )
    .await?;
    finish(app).await?;
    assert!(app.services.store().booking(&code3)?.unwrap().refusal_seen);
    play(app, "tap 预约签到\ncard 20\nsee 没有查到您今天的预约\n").await?;
    assert_eq!(a.get_refusals().row_count(), 0, "shown once");
    finish(app).await?;

    // 我的预约: the confirmed booking of the next day, cancelled.
    play(
        app,
        "tap 我的预约\ncard 20\ntap 取消预约\ntap 确认取消\nsee 已取消\n",
    )
    .await?;
    assert_eq!(status(&code2), BookingStatus::Cancelled);
    let queued: i64 = rusqlite::Connection::open(app.services.config.database_path())?
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'appointment.cancelled' AND payload LIKE '%' || ?1 || '%'",
            [&code2],
            |r| r.get(0),
        )?;
    assert_eq!(queued, 1, "the cancellation is queued for the platform");
    assert_eq!(a.get_bookings().row_count(), 0, "nothing left to cancel");
    Ok(())
}

#[test]
fn appointment_flow_through_the_ui() {
    let _serial = support::serial();
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let mut platform = Platform::new(dir.path(), port);
    let token = platform.add_kiosk("K01");
    platform.start_in_process();
    let mut config = Config::default();
    config.kiosk.id = "K01".into();
    config.platform.url = Some(platform.url());
    config.platform.token = Some(token);
    config.data.dir = dir.path().join("kiosk");
    config.devices.locker = "none".into();
    config.session.idle_seconds = 600;
    sanban_kiosk::headless::init_headless().unwrap();
    let mut services = Services::start(config, None).unwrap();
    let clock = ManualClock::new(Utc::now());
    services.clock = Arc::new(clock.clone());
    let app = KioskApp::new(services).unwrap();
    support::ui::run_portrait(app, move |app| async move {
        scenario(&app, &mut platform, &clock).await
    });
}
