//! The `sanban-platform` binary: kiosk credentials, pickups, serve (ephemeral port, SIGTERM), tickets.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn kiosk_pickup_serve_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let db = db.to_str().unwrap();

    let (ok, token, _) = run(&["kiosk", "add", "K07", "--db", db]);
    assert!(ok);
    let token = token.trim().to_string();
    assert_eq!(token.len(), 64);
    let (ok, _, err) = run(&["kiosk", "add", "K07", "--db", db]);
    assert!(!ok && err.contains("already registered"), "{err}");
    let (ok, rotated, _) = run(&["kiosk", "add", "K07", "--db", db, "--rotate"]);
    assert!(ok && rotated.trim() != token);
    let token = rotated.trim().to_string();
    let (ok, list, _) = run(&["kiosk", "list", "--db", db]);
    assert!(ok && list.contains("K07") && !list.contains(&token));
    // The token is stored only as a hash.
    let raw = std::fs::read(dir.path().join("p.db")).unwrap();
    assert!(!raw.windows(token.len()).any(|w| w == token.as_bytes()));

    let (ok, _, _) = run(&[
        "pickup",
        "add",
        "--db",
        db,
        "--kiosk",
        "K07",
        "--door",
        "4",
        "--code",
        "246810",
        "--document",
        "不动产权证书",
    ]);
    assert!(ok);
    let (ok, _, err) = run(&[
        "pickup",
        "add",
        "--db",
        db,
        "--kiosk",
        "K99",
        "--door",
        "1",
        "--code",
        "1",
        "--document",
        "x",
    ]);
    assert!(!ok && err.contains("unknown kiosk"), "{err}");

    let mut server = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_string();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let events = json!({"events": [common::ticket(1, "realestate", "F001"), common::ticket(2, "tax", "G001")]});
        let r = http.post(format!("http://{addr}/v1/kiosks/K07/events")).bearer_auth(&token).json(&events)
            .send().await.unwrap();
        assert_eq!(r.status(), 200);
        let pickups: Value = http.get(format!("http://{addr}/v1/kiosks/K07/pickups")).bearer_auth(&token)
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(pickups["pickups"][0]["locker_door"], 4);
    });

    // SIGTERM: graceful stop, exit status 0.
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(server.wait().unwrap().success());

    let (ok, out, _) = run(&["tickets", "--db", db, "--kiosk", "K07", "--json"]);
    assert!(ok);
    let tickets: Value = serde_json::from_str(&out).unwrap();
    let numbers: Vec<&str> = tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["F001", "G001"]);
    let (ok, table, _) = run(&["tickets", "--db", db]);
    assert!(ok && table.contains("F001") && table.contains("realestate"));
}
