//! The technician commands, run as a technician would: the real binary, simulators on pseudo-terminals.

use std::process::{Command, Output};

fn kiosk(args: &[&str], data: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanban-kiosk"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn read_id_masks_unless_asked_and_times_each_step() {
    let dir = tempfile::tempdir().unwrap();
    let o = kiosk(
        &["device", "read-id", "--port", "sim", "--json"],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["masked"], true);
    let id = v["id_number"].as_str().unwrap();
    assert_eq!(id.len(), 18);
    assert!(id.contains("**********"), "{id}");
    assert!(v["name"].as_str().unwrap().contains('*'));
    assert!(v["card_type"].as_str().unwrap().contains("resident"));
    assert_eq!(
        v["steps_ms"].as_array().unwrap().len(),
        3,
        "find, select, read"
    );
    assert!(v["bytes"].as_u64().unwrap() > 1295);

    let o = kiosk(
        &["device", "read-id", "--port", "sim", "--json", "--unmasked"],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v["id_number"].as_str().unwrap().contains('*'));

    let o = kiosk(
        &["device", "read-id", "--port", "/dev/nonexistent-reader"],
        dir.path(),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("/dev/nonexistent-reader"), "{}", text(&o));
}

#[test]
fn printer_status_test_page_and_render() {
    let dir = tempfile::tempdir().unwrap();
    let o = kiosk(&["device", "printer-status", "--port", "sim"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("ready:         yes"));
    let o = kiosk(&["device", "print-test", "--port", "sim"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("simulator received 1 job"),
        "{}",
        text(&o)
    );

    let png = dir.path().join("ticket.png");
    let golden = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/ticket-zh.escpos");
    let o = kiosk(
        &["device", "render", golden, "--out", png.to_str().unwrap()],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(text(&o).contains("576×"), "{}", text(&o));
}

#[test]
fn locker_opens_a_door() {
    let dir = tempfile::tempdir().unwrap();
    let o = kiosk(
        &["device", "locker", "--port", "sim", "open", "3"],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("door 3"), "{}", text(&o));
    let o = kiosk(&["device", "locker", "--port", "sim", "open"], dir.path());
    assert!(!o.status.success());
}

#[test]
fn config_errors_name_the_key_and_outbox_status_works_offline() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[session]\nidle_seconds = \"soon\"\n").unwrap();
    let o = kiosk(&["--config", cfg.to_str().unwrap(), "config"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("session.idle_seconds"), "{}", text(&o));

    let o = kiosk(&["outbox", "status", "--json"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pending"], 0);

    let o = kiosk(&["sync", "--once"], dir.path());
    assert!(!o.status.success());
    assert!(text(&o).contains("no platform configured"), "{}", text(&o));
}

#[test]
fn without_a_display_run_says_how_to_get_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let o = kiosk(&["run"], dir.path());
    assert!(!o.status.success());
    let msg = text(&o);
    let lines: Vec<&str> = msg.lines().filter(|l| l.contains("display")).collect();
    assert_eq!(lines.len(), 1, "{msg}");
    assert!(
        lines[0].contains("screenshot") && lines[0].contains("tour"),
        "{msg}"
    );

    let png = dir.path().join("home.png");
    let o = kiosk(
        &[
            "screenshot",
            "--page",
            "home",
            "--size",
            "1920x1080",
            "--out",
            png.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let info = decoder.read_info().unwrap();
    assert_eq!((info.info().width, info.info().height), (1920, 1080));
}
