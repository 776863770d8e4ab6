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

/// `locker deposit` and `locker status` against the locker simulator on a pty, with the kiosk's database: the door
/// opens, the document is in once the door is shut (`locker.deposited` queued), a taken door is refused without
/// firing, a jammed door gives the door back with an alert, bad values are refused by the parser.
#[test]
fn locker_deposit_puts_a_document_in_a_free_door_and_status_lists_it() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    use sanban_hardware::locker::LockerSim;
    use sanban_kiosk::store::Store;

    let sim = LockerSim::spawn_bus(&[(1, 16)]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg,
        format!(
            "[devices]\nlocker = \"{}\"\npoll_ms = 200\nprinter = \"none\"\nidcard = \"none\"\n",
            sim.path().display()
        ),
    )
    .unwrap();
    let config = cfg.to_str().unwrap();
    let db = data.join("kiosk.sqlite3");
    {
        let mut store = Store::open(&db).unwrap();
        let salt = "00112233445566778899aabbccddeeff".to_string();
        store
            .apply_pickup_list(
                &[sanban_wire::Pickup {
                    pickup_id: "P-4".into(),
                    code_hash: sanban_wire::pickup_code_hash(&salt, "482913").unwrap(),
                    code_salt: salt,
                    locker_door: 4,
                    document: "营业执照".into(),
                    document_en: String::new(),
                    citizen_ref: None,
                    holder: "王*".into(),
                    postable: false,
                    deposited_at: "2026-11-01T09:00:00+08:00".into(),
                }],
                16,
            )
            .unwrap();
    }
    let events = |kind: &str| -> Vec<serde_json::Value> {
        Store::open(&db)
            .unwrap()
            .pending_events(100)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.payload)
            .collect()
    };

    // Door 5: it opens; the technician shuts it once the command says so.
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanban-kiosk"))
        .args(["--config", config, "--data-dir"])
        .arg(&data)
        .args(["locker", "deposit", "--door", "5", "--document", "hn1128"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a line").unwrap();
    assert_eq!(
        first,
        "door 5 is open: put the document in and shut the door"
    );
    assert_eq!(sim.opened_log(), [5]);
    assert!(events("locker.deposited").is_empty(), "not before the shut");
    sim.close_door(5);
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "{rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.starts_with("deposited HN1128 in door 5")),
        "{rest:?}"
    );
    let deposited = events("locker.deposited");
    assert_eq!(deposited.len(), 1);
    assert_eq!(deposited[0]["locker_door"], 5);
    assert_eq!(deposited[0]["document_no"], "HN1128");

    // Door 4 holds a waiting document: refused, nothing fired.
    let o = kiosk(
        &[
            "--config",
            config,
            "locker",
            "deposit",
            "--door",
            "4",
            "--document",
            "X1",
        ],
        &data,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("door 4 is not free"), "{}", text(&o));
    assert_eq!(sim.opened_log(), [5]);

    // Door 7 jammed: fired once, nothing deposited, the door free again, an alert for the technicians.
    sim.set_jammed(7, true);
    let o = kiosk(
        &[
            "--config",
            config,
            "locker",
            "deposit",
            "--door",
            "7",
            "--document",
            "X2",
        ],
        &data,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("door 7 did not open"), "{}", text(&o));
    assert_eq!(sim.opened_log(), [5, 7]);
    assert_eq!(events("locker.deposited").len(), 1);
    assert!(events("locker.alert")
        .iter()
        .any(|a| a["locker_door"] == 7 && a["alert"] == "jammed"));
    sim.set_jammed(7, false);

    // Values the parser refuses, and a door the locker does not have.
    for (args, says) in [
        (["--door", "0", "--document", "X3"], "--door"),
        (["--door", "5", "--document", "X 3"], "letters and digits"),
        (["--door", "17", "--document", "X3"], "doors 1 to 16"),
    ] {
        let mut all = vec!["--config", config, "locker", "deposit"];
        all.extend(args);
        let o = kiosk(&all, &data);
        assert!(!o.status.success(), "{args:?}");
        assert!(text(&o).contains(says), "{args:?}: {}", text(&o));
    }
    assert_eq!(sim.opened_log(), [5, 7], "nothing fired for bad values");

    // Every door, with the sensor and what is in it.
    let o = kiosk(&["--config", config, "locker", "status", "--json"], &data);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let doors = v["doors"].as_array().unwrap();
    assert_eq!(doors.len(), 16);
    assert_eq!(doors[3]["state"], "waiting");
    assert_eq!(doors[3]["overdue"], true, "deposited on 1 November");
    assert_eq!(doors[4]["state"], "deposited");
    assert_eq!(doors[4]["document_no"], "HN1128");
    assert_eq!(doors[6]["state"], serde_json::Value::Null, "door 7 free");
    assert!(doors.iter().all(|d| d["sensor"] == "shut"), "{doors:?}");
    let o = kiosk(&["--config", config, "locker", "status"], &data);
    let out = text(&o);
    assert!(out.contains("door   5: shut  deposited · HN1128"), "{out}");
    assert!(out.contains("OVERDUE"), "{out}");
    assert!(out.contains("door   7: shut  free"), "{out}");
}
