//! The kiosk speaks systemd's notify protocol to a socket this test owns, as a `Type=notify` unit with
//! `WatchdogSec=` would see it: READY=1 only after the first frame, WATCHDOG=1 at half the timeout from the UI event
//! loop, no pings while the UI thread is frozen (other threads keep running), pings again once it thaws.
//! One in-process #[test] runs the Slint event loop (it starts once per process); the other runs the real binary.

use std::io::Read;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::sleep;
use sanban_kiosk::systemd::ServiceNotifier;
use slint::ComponentHandle;

/// The service manager's end: every datagram with the instant it arrived.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(Instant, String)>>>);

impl Received {
    fn listen(path: &Path) -> Received {
        let socket = UnixDatagram::bind(path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let received = Received::default();
        let log = received.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match socket.recv(&mut buf) {
                    Ok(n) => {
                        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                        log.0.lock().unwrap().push((Instant::now(), text));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(e) => panic!("notify socket: {e}"),
                }
            }
        });
        received
    }

    /// Instants of the datagrams that carry `line` (e.g. "WATCHDOG=1").
    fn with_line(&self, line: &str) -> Vec<Instant> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, text)| text.lines().any(|l| l == line))
            .map(|(at, _)| *at)
            .collect()
    }

    fn all_text(&self) -> String {
        let messages = self.0.lock().unwrap();
        messages
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("")
    }
}

fn largest_gap(instants: &[Instant]) -> Duration {
    instants
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default()
}

const WATCHDOG: Duration = Duration::from_millis(1000);

async fn watchdog_scenario(received: &Received) -> anyhow::Result<()> {
    // READY=1 comes from the running event loop, after the frame rendered before it started.
    let start = Instant::now();
    while received.with_line("READY=1").is_empty() {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(10),
            "no READY=1 from the event loop"
        );
        sleep(Duration::from_millis(20)).await;
    }
    assert!(received.all_text().contains("STATUS=kiosk K01: ready"));

    // A live UI: pings at half the timeout, never a gap systemd would take for a hang.
    sleep(Duration::from_millis(3000)).await;
    let live = received.with_line("WATCHDOG=1");
    assert!(
        (4..=8).contains(&live.len()),
        "about 6 pings in 3 s at a 500 ms period, got {}",
        live.len()
    );
    assert!(
        largest_gap(&live) < WATCHDOG,
        "a live UI never leaves a watchdog gap: {:?}",
        largest_gap(&live)
    );

    // Freeze the UI thread (a callback that never returns, for 3 watchdog periods). The receiving thread keeps
    // running and records what arrives meanwhile.
    let frozen_at = Instant::now();
    std::thread::sleep(3 * WATCHDOG);
    let thawed_at = Instant::now();
    let during: Vec<Instant> = received
        .with_line("WATCHDOG=1")
        .into_iter()
        .filter(|at| *at > frozen_at + Duration::from_millis(50) && *at < thawed_at)
        .collect();
    assert!(during.is_empty(), "a frozen UI sent {} pings", during.len());

    // Thawed: pings resume within a period or so.
    sleep(Duration::from_millis(1200)).await;
    let after: Vec<Instant> = received
        .with_line("WATCHDOG=1")
        .into_iter()
        .filter(|at| *at >= thawed_at)
        .collect();
    assert!(!after.is_empty(), "pings resume after the UI thaws");
    let all = received.with_line("WATCHDOG=1");
    assert!(
        largest_gap(&all) > 2 * WATCHDOG,
        "systemd would have seen the hang: largest gap {:?}",
        largest_gap(&all)
    );
    Ok(())
}

#[test]
fn readiness_after_the_first_frame_and_a_watchdog_that_stops_when_the_ui_freezes() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("notify.sock");
    let received = Received::listen(&socket);
    // Set before any other thread of this process reads the environment (this is its only in-process test).
    std::env::set_var("NOTIFY_SOCKET", &socket);
    std::env::set_var("WATCHDOG_USEC", WATCHDOG.as_micros().to_string());
    std::env::remove_var("WATCHDOG_PID");

    let mut config = Config::default();
    config.data.dir = dir.path().join("data");
    config.devices.locker = "none".into();
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    sanban_kiosk::headless::set_size(&app.window, 1080, 1920);

    // As `sanban-kiosk run --headless` does: the notifier first, then the first frame, then the event loop.
    let notifier = ServiceNotifier::start("kiosk K01");
    assert!(notifier.is_active());
    app.window.show().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        received.with_line("READY=1").is_empty(),
        "READY=1 before the event loop ran"
    );
    assert!(received.all_text().contains("STATUS=kiosk K01: starting"));
    app.window.window().take_snapshot().unwrap();

    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    let rx = received.clone();
    slint::spawn_local(async move {
        *r.borrow_mut() = Some(watchdog_scenario(&rx).await);
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
    result
        .borrow_mut()
        .take()
        .expect("scenario finished")
        .unwrap();

    drop(notifier);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !received.with_line("STOPPING=1").is_empty(),
        "STOPPING=1 once the event loop has ended"
    );
    drop(app);
}

/// The real binary under a notify socket: READY=1 arrives only once "first frame rendered" has been written, then
/// the pings follow.
#[test]
fn the_kiosk_binary_reports_ready_after_its_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("notify.sock");
    let received = Received::listen(&socket);
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        "[kiosk]\nid = \"K07\"\n[devices]\nlocker = \"none\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanban-kiosk"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["run", "--headless"])
        .env("NOTIFY_SOCKET", &socket)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let start = Instant::now();
    while received.with_line("READY=1").is_empty() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let ready = received.with_line("READY=1");
    // The line was written (the write returned) before READY=1 was sent, so it is in the pipe already: a
    // non-blocking read finds it.
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        use std::os::fd::AsRawFd;
        let fd = stdout.as_raw_fd();
        libc::fcntl(
            fd,
            libc::F_SETFL,
            libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK,
        );
    }
    let mut early = vec![0u8; 1 << 16];
    let n = stdout.read(&mut early).unwrap_or(0);
    let early = String::from_utf8_lossy(&early[..n]).into_owned();
    std::thread::sleep(Duration::from_millis(1000));
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!(ready.len(), 1, "one READY=1: {}", received.all_text());
    assert!(
        early.contains("first frame rendered"),
        "READY=1 came after the first frame: stdout then was {early:?}"
    );
    assert!(received.all_text().contains("STATUS=kiosk K07: ready"));
    let pings = received.with_line("WATCHDOG=1");
    assert!(
        pings.len() >= 3,
        "pings every 200 ms after READY=1, got {}",
        pings.len()
    );
}
