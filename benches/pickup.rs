//! 取件 budgets, with no platform at all (the kiosk works from its own store): a pickup code accepted → the open
//! command on the locker's wire < 50 ms (checking the code against every waiting document's salted hash, the
//! journal commit on the SQLite file, the locker worker taking the request between its status polls, the frame
//! written to the simulator's pseudo-terminal — measured to the moment the simulated board fired the lock); and the
//! door sensor's confirmation reported < 1 s after the door opened in the simulator (the citizen pulls the door
//! 300 ms after the lock is released; the simulator records a door's change when the bus next asks for the door
//! states, so this is the time from that record to the report — the bound on it is the bus's polling interval
//! while it waits for the sensor). `cargo bench --bench pickup`; the README has the numbers.

#[path = "common.rs"]
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use sanban_hardware::locker::{DoorHappening, LockerSim, OpenOutcome};
use sanban_kiosk::config::{DevicesConfig, LockerBoardConfig};
use sanban_kiosk::devices::health::HealthBoard;
use sanban_kiosk::devices::{locker_setup, LockerHandle};
use sanban_kiosk::store::pickups::CodeMatch;
use sanban_kiosk::store::Store;
use sanban_wire::{pickup_code_hash, OpeningProof, Pickup};

const ROUNDS: usize = 60;
const DOORS: u16 = 32;

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("kiosk.sqlite3")).unwrap();
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let sim = LockerSim::spawn_bus(&[(1, 16), (2, 16)]).expect("locker simulator");
    let devices = DevicesConfig {
        locker_boards: vec![
            LockerBoardConfig {
                address: 1,
                doors: 16,
                ..LockerBoardConfig::default()
            },
            LockerBoardConfig {
                address: 2,
                doors: 16,
                ..LockerBoardConfig::default()
            },
        ],
        ..DevicesConfig::default()
    };
    let locker = LockerHandle::start(
        Some(locker_setup(&devices, sim.path().display().to_string())),
        HealthBoard::new(None),
    );
    std::thread::sleep(Duration::from_secs(1)); // the worker's first status poll

    let mut to_wire = Vec::new();
    let mut confirm = Vec::new();
    for round in 0..ROUNDS {
        // Every door holds a document with its own salt and code; the one collected is the last door's, so the
        // code is checked against every hash first.
        let list: Vec<Pickup> = (1..=DOORS as u32)
            .map(|door| {
                let salt = format!("{:032x}", (round as u128) << 16 | door as u128);
                let code = format!("{:06}", (round * 97 + door as usize * 7919) % 1_000_000);
                Pickup {
                    pickup_id: format!("R{round}-D{door}"),
                    code_hash: pickup_code_hash(&salt, &code).unwrap(),
                    code_salt: salt,
                    locker_door: door,
                    document: "营业执照".into(),
                    document_en: String::new(),
                    citizen_ref: None,
                    holder: String::new(),
                    postable: false,
                    deposited_at: "2026-11-28T09:00:00+08:00".into(),
                }
            })
            .collect();
        store.apply_pickup_list(&list, DOORS).unwrap();
        let door = DOORS - (round % 4) as u16;
        let code = format!("{:06}", (round * 97 + door as usize * 7919) % 1_000_000);
        sim.run(&format!("citizen {door} 300 never")).unwrap();

        let accepted = Instant::now();
        let CodeMatch::Waiting(doc) = store.pickup_by_code(&code).unwrap() else {
            panic!("code of door {door} not found");
        };
        let opening = store
            .begin_opening(&doc.pickup_id, "code", Utc::now())
            .unwrap();
        let opened = locker
            .open_blocking(opening.door, Duration::from_secs(5))
            .expect("door opened");
        assert_eq!(opened.outcome, OpenOutcome::Opened);
        let log = sim.door_log();
        let fired = log
            .iter()
            .find(|e| e.door == door && e.what == DoorHappening::Pulsed && e.at >= accepted)
            .expect("the lock fired");
        let door_opened = log
            .iter()
            .find(|e| e.door == door && e.what == DoorHappening::Opened && e.at >= accepted)
            .expect("the door opened");
        to_wire.push(fired.at.saturating_duration_since(accepted));
        let confirmed = opened.confirmed_at.expect("sensor read open");
        confirm.push(confirmed.saturating_duration_since(door_opened.at));
        store
            .collect_pickup(&opening, OpeningProof::Sensor, Utc::now(), tz, None)
            .unwrap();
        sim.close_door(door);
        std::thread::sleep(Duration::from_millis(150));
    }
    println!(
        "取件 with the platform unreachable, {DOORS} documents waiting, two boards on one bus"
    );
    common::report(
        "code accepted → lock fired on the wire",
        &mut to_wire,
        Some(Duration::from_millis(50)),
    );
    common::report(
        "door opened → sensor confirmation reported",
        &mut confirm,
        Some(Duration::from_secs(1)),
    );
}
