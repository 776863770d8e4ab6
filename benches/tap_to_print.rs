//! Tap "take ticket" → last ticket byte written to the printer port, with the platform unreachable
//! (budget: the bytes' time on the wire + 20 ms). The printer is the simulator on a pseudo-terminal, which has no
//! baud-rate pacing: the measured time is the host's whole overhead (UI callback, SQLite commit with fsync,
//! receipt encoding, status check, write), compared with the wire time of the same bytes at 115200 baud.

#[path = "common.rs"]
mod common;

use std::time::Duration;

use sanban_hardware::transport::wire_time;
use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{tap, wait_until};
use sanban_kiosk::ui::{Nav, PrintAdapter, PrintState};
use slint::ComponentHandle;

const TICKETS: usize = 60;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.idcard = "none".into();
    config.devices.locker = "none".into();
    // A platform that does not answer: the tap path must not notice.
    config.platform.url = Some("http://127.0.0.1:9".into());
    config.platform.token = Some("unreachable".into());
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    sanban_kiosk::headless::set_size(&app.window, 1080, 1920);
    let job_len = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let jl = job_len.clone();
    slint::spawn_local(async move {
        let w = &app.window;
        for _ in 0..TICKETS {
            app.kiosk.go("ticket.categories");
            tap(w, "公安事务类").await.unwrap();
            wait_until(w, "printed", Duration::from_secs(10), |w| {
                w.global::<PrintAdapter>().get_state() == PrintState::Printed
            })
            .await
            .unwrap();
            w.global::<Nav>().invoke_home();
        }
        let sim = app.services.devices.printer_sim.clone().unwrap();
        jl.set(
            sim.wait_for_jobs(TICKETS, Duration::from_secs(5))
                .iter()
                .map(|j| j.len())
                .max()
                .unwrap_or(0),
        );
        let mut samples = app
            .services
            .metrics
            .lock()
            .unwrap()
            .tap_to_last_byte
            .clone();
        let wire = wire_time(jl.get(), 115_200);
        println!(
            "ticket job: {} bytes = {:.1} ms on the wire at 115200 baud",
            jl.get(),
            common::ms(wire)
        );
        common::report(
            "tap → last ticket byte (platform down)",
            &mut samples,
            Some(wire + Duration::from_millis(20)),
        );
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
}
