//! 预约 when the platform's reply is lost: the fault-injecting proxy forwards the kiosk's booking, lets the platform
//! commit it, and cuts the reply. The kiosk cannot know the booking was made, so it keeps it as awaiting
//! confirmation (its slip says so) and queues its event under the same request id; when the network is back the
//! platform recognises the request and confirms it — one booking on the platform, never two, and the slot's places
//! counted once.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{sleep, wait_until};
use sanban_kiosk::store::appointments::BookingStatus;
use sanban_kiosk::ui::AppointmentAdapter;
use slint::{ComponentHandle, Model};
use support::platform::Platform;
use support::proxy::{Mode, Outcome, Proxy};
use support::ui::{finish, job_text, play};

const SERVICE: &str = "城乡居民基本医疗保险参保登记";

async fn scenario(app: &KioskApp, platform: &Platform, proxy: &Proxy) -> anyhow::Result<()> {
    let w = &app.window;
    let a = w.global::<AppointmentAdapter>();
    let sim = app.services.devices.printer_sim.clone().expect("printer");

    // The service, a day and its live slot list, through the proxy passing everything.
    play(
        app,
        &format!("tap 预约\ntype ylbx\ntap {SERVICE}\nwait appointment.days\n"),
    )
    .await?;
    let day = a
        .get_days()
        .row_data(0)
        .expect("a working day")
        .date
        .to_string();
    play(app, &format!("tap {day}\nwait appointment.slots\n")).await?;
    wait_until(w, "the slot list", Duration::from_secs(10), |w| {
        !w.global::<AppointmentAdapter>().get_loading()
    })
    .await?;
    assert!(!a.get_offline(), "the slot list came from the platform");
    let slot = a
        .get_slots()
        .iter()
        .find(|s| s.free > 0)
        .ok_or_else(|| anyhow::anyhow!("no free slot on {day}"))?;
    let free_before = slot.free;

    // Confirm: the platform books it, the reply never arrives whole.
    proxy.set_mode(Mode::ResetMidResponse);
    play(
        app,
        &format!(
            "tap {}\ncard 20\ntap 确认预约\nsee 预约已提交，待确认\n",
            slot.start
        ),
    )
    .await?;
    let code: String = a.get_code().chars().filter(|c| *c != '-').collect();
    let (service_id, slot_id) = (a.get_service_id().to_string(), a.get_slot_id().to_string());
    let cut = proxy.records().into_iter().any(|r| {
        r.method == "POST"
            && r.path.starts_with("/v1/appointments")
            && matches!(r.outcome, Outcome::Reset { status: 200, .. })
    });
    assert!(
        cut,
        "the booking reached the platform and its reply was cut: {:?}",
        proxy.records()
    );
    let slip = job_text(
        sim.wait_for_jobs(1, Duration::from_secs(10))
            .last()
            .unwrap(),
    );
    assert!(
        slip.contains("待确认"),
        "the slip says it awaits confirmation: {slip}"
    );
    assert_eq!(
        app.services.store().booking(&code)?.unwrap().status,
        BookingStatus::Pending
    );
    finish(app).await?;

    // The network is back: the queued event carries the same request id, the platform answers as before.
    proxy.set_mode(Mode::Pass);
    let status = || app.services.store().booking(&code).unwrap().unwrap().status;
    for _ in 0..120 {
        if status() != BookingStatus::Pending {
            break;
        }
        app.services.poke_sync();
        sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status(), BookingStatus::Confirmed, "confirmed once synced");

    let db = rusqlite::Connection::open(&platform.db)?;
    let (rows, sources): (i64, String) = db.query_row(
        "SELECT COUNT(*), group_concat(source) FROM appointments WHERE service = ?1 AND date = ?2 AND slot_id = ?3",
        rusqlite::params![service_id, day, slot_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(rows, 1, "one booking on the platform, not two");
    assert_eq!(
        sources, "online",
        "the one the platform made when first asked"
    );
    let rejected: i64 = db.query_row("SELECT COUNT(*) FROM rejections", [], |r| r.get(0))?;
    assert_eq!(
        rejected, 0,
        "the retried request is acknowledged, not refused"
    );

    // Another citizen sees the slot with one place fewer, not two.
    play(
        app,
        &format!("tap 预约\ntype ylbx\ntap {SERVICE}\nwait appointment.days\ntap {day}\nwait appointment.slots\n"),
    )
    .await?;
    wait_until(w, "the slot list", Duration::from_secs(10), |w| {
        !w.global::<AppointmentAdapter>().get_loading()
    })
    .await?;
    assert!(!a.get_offline());
    let after = a
        .get_slots()
        .iter()
        .find(|s| s.start == slot.start)
        .expect("the same slot");
    assert_eq!(after.free, free_before - 1, "the place is counted once");
    play(app, "tap 首页\nwait home.main\n").await?;
    Ok(())
}

#[test]
fn a_booking_whose_reply_was_lost_is_confirmed_once_not_booked_twice() {
    let _serial = support::serial();
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let mut platform = Platform::new(dir.path(), port);
    let token = platform.add_kiosk("K01");
    platform.start_in_process();
    let proxy = Proxy::start(platform.addr(), Mode::Pass);
    let mut config = Config::default();
    config.kiosk.id = "K01".into();
    config.platform.url = Some(proxy.url());
    config.platform.token = Some(token);
    config.data.dir = dir.path().join("kiosk");
    config.devices.locker = "none".into();
    config.session.idle_seconds = 600;
    sanban_kiosk::headless::init_headless().unwrap();
    let services = Services::start(config, None).unwrap();
    let app = KioskApp::new(services).unwrap();
    support::ui::run_portrait(app, move |app| async move {
        scenario(&app, &platform, &proxy).await
    });
}
