//! The device manager while the kiosk runs: a printer unplugged and plugged back in (a stable device path, as
//! udev gives one, re-pointed to a new pseudo-terminal), devices going silent and coming back, and a card read
//! that hands the app only masked data.

use std::path::Path;
use std::time::{Duration, Instant};

use sanban_hardware::idcard::{Fault, IdCardSim, SimCard};
use sanban_hardware::printer::PrinterSim;
use sanban_kiosk::config::DevicesConfig;
use sanban_kiosk::devices::{CardOutcome, CitizenKey, DeviceKind, DeviceManager};
use sanban_wire::DeviceState;

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn tz() -> chrono_tz::Tz {
    "Asia/Shanghai".parse().unwrap()
}

fn relink(link: &Path, target: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn config(printer: &str, idcard: &str) -> DevicesConfig {
    DevicesConfig {
        printer: printer.into(),
        idcard: idcard.into(),
        locker: "none".into(),
        poll_ms: 150,
        ..Default::default()
    }
}

#[test]
fn printer_unplugged_and_replugged_while_running() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("sanban-printer");
    let first = PrinterSim::spawn().unwrap();
    relink(&link, first.path());
    let devices = DeviceManager::start(&config(link.to_str().unwrap(), "none"), tz(), None);
    let state = || devices.health.get(DeviceKind::Printer).state;
    wait_for("printer ok", Duration::from_secs(5), || {
        state() == DeviceState::Ok
    });

    drop(first); // cable pulled: the pseudo-terminal is gone
    wait_for("printer fault", Duration::from_secs(5), || {
        state() == DeviceState::Fault
    });
    let detail = devices.health.get(DeviceKind::Printer).detail;
    assert!(!detail.is_empty(), "a technician gets the cause");
    let result = devices
        .printer
        .print(b"\x1b@lost?\x1dVB\x03".to_vec())
        .recv()
        .unwrap();
    assert!(
        !result.outcome.printed(),
        "nothing claims to print on an unplugged printer"
    );

    let second = PrinterSim::spawn().unwrap();
    relink(&link, second.path()); // plugged back in: udev points the stable name at the new device
    wait_for("printer ok again", Duration::from_secs(10), || {
        state() == DeviceState::Ok
    });
    let job = b"\x1b@\x1c&hello\n\x1dVB\x03".to_vec();
    let result = devices.printer.print(job.clone()).recv().unwrap();
    assert!(result.outcome.printed(), "{:?}", result.outcome);
    assert_eq!(second.wait_for_jobs(1, Duration::from_secs(2)), vec![job]);
}

#[test]
fn card_reader_unplugged_and_replugged_while_running() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("sanban-idcard");
    let first = IdCardSim::spawn().unwrap();
    relink(&link, first.path());
    let devices = DeviceManager::start(&config("none", link.to_str().unwrap()), tz(), None);
    let state = || devices.health.get(DeviceKind::IdCard).state;
    wait_for("reader ok", Duration::from_secs(5), || {
        state() == DeviceState::Ok
    });
    drop(first);
    wait_for("reader fault", Duration::from_secs(5), || {
        state() == DeviceState::Fault
    });

    let second = IdCardSim::spawn().unwrap();
    second.place(SimCard::elderly());
    relink(&link, second.path());
    wait_for("reader ok again", Duration::from_secs(10), || {
        state() == DeviceState::Ok
    });
    let (tx, rx) = std::sync::mpsc::channel();
    devices
        .idcard
        .wait_for_card(key(), move |o| tx.send(o).unwrap());
    let outcome = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(
        matches!(outcome, CardOutcome::Read(ref c) if c.age >= 60),
        "{outcome:?}"
    );
}

#[test]
fn silent_devices_show_as_faults_and_recover() {
    let printer = PrinterSim::spawn().unwrap();
    let reader = IdCardSim::spawn().unwrap();
    let devices = DeviceManager::start(
        &config(
            printer.path().to_str().unwrap(),
            reader.path().to_str().unwrap(),
        ),
        tz(),
        None,
    );
    let state = |k| devices.health.get(k).state;
    wait_for("both ok", Duration::from_secs(5), || {
        state(DeviceKind::Printer) == DeviceState::Ok
            && state(DeviceKind::IdCard) == DeviceState::Ok
    });
    printer.set_silent(true);
    reader.inject(Fault::Silent);
    wait_for("both fault", Duration::from_secs(10), || {
        state(DeviceKind::Printer) == DeviceState::Fault
            && state(DeviceKind::IdCard) == DeviceState::Fault
    });
    printer.set_silent(false);
    reader.clear_faults();
    wait_for("both ok again", Duration::from_secs(10), || {
        state(DeviceKind::Printer) == DeviceState::Ok
            && state(DeviceKind::IdCard) == DeviceState::Ok
    });
    printer.set_paper(sanban_hardware::printer::PaperLevel::NearEnd);
    wait_for("paper warning", Duration::from_secs(5), || {
        state(DeviceKind::Printer) == DeviceState::Warning
    });
}

fn key() -> CitizenKey {
    CitizenKey::new([3; 32])
}

#[test]
fn a_card_read_hands_over_an_identity_that_shows_only_masked_data() {
    let reader = IdCardSim::spawn().unwrap();
    let devices =
        DeviceManager::start(&config("none", reader.path().to_str().unwrap()), tz(), None);
    let (tx, rx) = std::sync::mpsc::channel();
    devices
        .idcard
        .wait_for_card(key(), move |o| tx.send(o).unwrap());
    // Nobody has placed a card yet: the reader keeps polling.
    assert!(rx.recv_timeout(Duration::from_millis(800)).is_err());
    reader.place(SimCard::elderly());
    let outcome = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    let CardOutcome::Read(card) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(card.age >= 60, "the elderly sample card is 60+");
    let number = SimCard::elderly().record.id_number().to_string();
    assert!(
        card.masked_name().contains('*'),
        "masked: {}",
        card.masked_name()
    );
    assert!(card.masked_name().chars().count() >= 2);
    assert!(
        !card.masked_id().contains(&number[4..14]),
        "the middle digits are hidden"
    );
    assert_eq!(
        card.full().id_number(),
        number,
        "the full record for flows that submit it"
    );
    assert_eq!(
        card.citizen_ref,
        key().citizen_ref(&number),
        "keyed reference"
    );
    let shown = format!("{card:?}");
    assert!(
        !shown.contains(&number),
        "Debug never shows the number: {shown}"
    );

    let (tx, rx) = std::sync::mpsc::channel();
    reader.inject(Fault::ReadFails);
    devices
        .idcard
        .wait_for_card(key(), move |o| tx.send(o).unwrap());
    assert!(matches!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        CardOutcome::Failed(_)
    ));

    // Cancelled waits never call back.
    reader.clear_faults();
    let (tx, rx) = std::sync::mpsc::channel();
    reader.remove();
    devices
        .idcard
        .wait_for_card(key(), move |o| tx.send(o).unwrap());
    devices.idcard.cancel();
    reader.place(SimCard::resident());
    assert!(rx.recv_timeout(Duration::from_millis(1200)).is_err());

    // A read already under way when the citizen leaves is discarded, never handed to the next citizen.
    reader.remove();
    reader.inject(Fault::Slow(Duration::from_millis(300)));
    let (tx, rx) = std::sync::mpsc::channel();
    devices
        .idcard
        .wait_for_card(key(), move |o| tx.send(o).unwrap());
    reader.place(SimCard::elderly());
    std::thread::sleep(Duration::from_millis(700)); // find/select/read are under way
    devices.idcard.cancel();
    assert!(
        rx.recv_timeout(Duration::from_secs(2)).is_err(),
        "a stale read reached the app"
    );
}

#[test]
fn a_silent_reader_tells_the_waiting_citizen() {
    let reader = IdCardSim::spawn().unwrap();
    reader.inject(Fault::Silent);
    let devices =
        DeviceManager::start(&config("none", reader.path().to_str().unwrap()), tz(), None);
    let (tx, rx) = std::sync::mpsc::channel();
    devices
        .idcard
        .wait_for_card(key(), move |o| tx.send(o).unwrap());
    let outcome = rx
        .recv_timeout(Duration::from_secs(15))
        .expect("the citizen is not left waiting");
    assert!(matches!(outcome, CardOutcome::Failed(_)), "{outcome:?}");
}
