//! 重启应用 end to end: the real binary, headless, played by a script. A technician enters and confirms the
//! restart; the audited event is committed before the app exits, and the process exits with the status the
//! systemd unit restarts on (`RestartForceExitStatus=75`). Without systemd the page says to start it again by hand.

use std::process::Command;

use sanban_kiosk::config::Config;
use sanban_kiosk::store::Store;

#[test]
fn a_confirmed_restart_is_recorded_then_the_app_exits_with_the_restart_status() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets/maintenance.toml");
    sanban_kiosk::maintenance::credentials::set_pin(&secrets, "T07", "482913").unwrap();
    let config = dir.path().join("kiosk.toml");
    let data = dir.path().join("data");
    std::fs::write(
        &config,
        format!("[maintenance]\ncredentials = \"{}\"\n", secrets.display()),
    )
    .unwrap();
    // If the app did not exit, the script would end after its last sleep and the run would exit with 0.
    let script = dir.path().join("restart.script");
    std::fs::write(
        &script,
        "hold 维护入口 3.5\nwait maintenance.pad 2\ntype 482913\ntap 确认\nwait maintenance.menu 20\n\
         tap 重启应用\nwait maintenance.restart 2\nsee 需要手动重新启动\ntap 确定重启\nsee 应用正在退出\nsleep 10\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sanban-kiosk"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args(["run", "--headless", "--script"])
        .arg(&script)
        // Not under systemd here, whatever runs the tests.
        .env_remove("INVOCATION_ID")
        .env_remove("NOTIFY_SOCKET")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(i32::from(sanban_kiosk::restart::EXIT_STATUS)),
        "{said}"
    );
    assert_eq!(
        sanban_kiosk::restart::EXIT_STATUS,
        75,
        "the unit's RestartForceExitStatus="
    );
    assert!(said.contains("exiting for a restart"), "{said}");

    let db = Config::load(Some(&config), Some(&data))
        .unwrap()
        .database_path();
    let events = Store::open(&db).unwrap().pending_events(100).unwrap();
    let restart: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.kind == "maintenance.action")
        .map(|e| &e.payload)
        .collect();
    assert_eq!(restart.len(), 1, "{restart:?}");
    assert_eq!(restart[0]["technician"], "T07");
    assert_eq!(restart[0]["action"], "restart_app");
    assert!(restart[0]["result"]
        .as_str()
        .unwrap()
        .contains("start it again by hand"));
}

#[test]
fn the_kiosk_unit_restarts_the_app_on_the_restart_status() {
    let unit = include_str!("../packaging/kiosk/sanban-kiosk.service");
    let status = sanban_kiosk::restart::EXIT_STATUS;
    assert!(unit.contains(&format!("\nRestartForceExitStatus={status}\n")));
    assert!(unit.contains(&format!("\nSuccessExitStatus={status}\n")));
}
