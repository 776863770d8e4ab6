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
    // Personal data at rest: none held, none erased, and the retention that applies.
    let personal = &v["personal_data"];
    assert_eq!(
        (
            &personal["events"],
            &personal["erased"],
            &personal["retention_days"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(0),
            &serde_json::json!(7)
        ),
        "{v}"
    );
    let o = kiosk(&["outbox", "status"], dir.path());
    assert!(
        text(&o).contains("personal data:   none held; erased 7 day(s) after acknowledgement"),
        "{}",
        text(&o)
    );

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

fn kiosk_with_stdin(args: &[&str], data: &std::path::Path, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanban-kiosk"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn set_pin_writes_only_a_private_argon2id_hash_and_status_names_the_technician() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets/maintenance.toml");
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg,
        format!(
            "[maintenance]\ncredentials = {:?}\n",
            secrets.to_str().unwrap()
        ),
    )
    .unwrap();
    let config = cfg.to_str().unwrap();

    let o = kiosk_with_stdin(
        &["--config", config, "maintenance", "status", "--json"],
        dir.path(),
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["technicians"], serde_json::json!([]), "no default PIN");

    let o = kiosk_with_stdin(
        &[
            "--config",
            config,
            "maintenance",
            "set-pin",
            "--technician",
            "T07",
        ],
        dir.path(),
        "482913\n482914\n",
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("differ"), "{}", text(&o));
    assert!(!secrets.exists(), "nothing written when the PINs differ");

    let o = kiosk_with_stdin(
        &[
            "--config",
            config,
            "maintenance",
            "set-pin",
            "--technician",
            "T07",
        ],
        dir.path(),
        "482913\n482913\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let written = std::fs::read_to_string(&secrets).unwrap();
    assert!(written.contains("$argon2id$"), "{written}");
    assert!(
        !written.contains("482913"),
        "the PIN itself is never written"
    );
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let o = kiosk_with_stdin(
        &["--config", config, "maintenance", "status", "--json"],
        dir.path(),
        "",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["technicians"], serde_json::json!(["T07"]));
    assert_eq!(v["one_time_codes"], false);
    assert_eq!(v["failures"], 0);

    let o = kiosk_with_stdin(
        &[
            "--config",
            config,
            "maintenance",
            "set-pin",
            "--technician",
            "T08",
        ],
        dir.path(),
        "12\n12\n",
    );
    assert!(!o.status.success(), "a 2-digit PIN is refused");
}
