//! kill -9 between the two commits of a door opening: the kiosk process (`run --headless --script`) is killed
//! with SIGKILL after it journalled the opening and fired the lock, before it knew how the door went (the door is
//! jammed and the confirmation time 10 s, the most `[devices]` allows, so the kiosk is waiting on the sensor).
//! Restarted on the same data, it settles the opening from the door's sensor **without firing the lock again**: a
//! door found shut → the document is held for the staff; a door found open → collected. Nothing is lost, no door
//! is opened twice. The locker simulator lives in this test process on a pseudo-terminal, so it outlives the kiosk.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sanban_hardware::locker::LockerSim;
use sanban_kiosk::store::pickups::PickupState;
use sanban_kiosk::store::Store;
use sanban_wire::{pickup_code_hash, Pickup};

const KIOSK_BIN: &str = env!("CARGO_BIN_EXE_sanban-kiosk");

fn waiting(id: &str, door: u32, code: &str) -> Pickup {
    let salt = format!("{door:032x}");
    Pickup {
        pickup_id: id.into(),
        code_hash: pickup_code_hash(&salt, code).unwrap(),
        code_salt: salt,
        locker_door: door,
        document: "营业执照".into(),
        document_en: String::new(),
        citizen_ref: None,
        holder: "王*".into(),
        postable: false,
        deposited_at: "2026-11-28T09:00:00+08:00".into(),
    }
}

struct KioskFiles {
    config: PathBuf,
    data: PathBuf,
    dir: PathBuf,
}

impl KioskFiles {
    fn new(dir: &Path, locker: &Path) -> KioskFiles {
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let config = dir.join("kiosk.toml");
        // The longest confirmation time: the kiosk is still waiting for the jammed door's sensor when it is killed.
        std::fs::write(
            &config,
            format!(
                "[kiosk]\nid = \"K09\"\n\n[devices]\nprinter = \"none\"\nidcard = \"none\"\nlocker = \"{}\"\n\
                 locker_confirm_ms = 10000\npoll_ms = 200\n\n[data]\ndir = \"{}\"\n",
                locker.display(),
                data.display()
            ),
        )
        .unwrap();
        KioskFiles {
            config,
            data,
            dir: dir.into(),
        }
    }

    fn store(&self) -> Store {
        Store::open(&self.data.join("kiosk.sqlite3")).unwrap()
    }

    /// `run --headless --script` with `script`, its log appended to kiosk.log.
    fn run(&self, name: &str, script: &str) -> Child {
        let path = self.dir.join(format!("{name}.script"));
        std::fs::write(&path, script).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("kiosk.log"))
            .unwrap();
        Command::new(KIOSK_BIN)
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(["run", "--headless", "--script"])
            .arg(&path)
            .env("RUST_LOG", "info")
            .env_remove("SANBAN_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn sanban-kiosk")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kiosk.log")).unwrap_or_default()
    }
}

/// Enter `code` on the kiosk, wait for the lock to fire, SIGKILL the kiosk.
fn kill_after_the_pulse(kiosk: &KioskFiles, sim: &LockerSim, code: &str, door: u16) {
    let fired_before = sim.opened_log().len();
    let mut child = kiosk.run(
        "pickup",
        &format!(
            "see 取件柜 正常\ntap 取件\ntap 输入取件码\ntype {code}\ntap 确定\nsee 正在打开柜门\nsleep 60\n"
        ),
    );
    let start = Instant::now();
    while sim.opened_log().len() == fired_before {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the kiosk ended; its log:\n{}",
            kiosk.log()
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no pulse on the wire; the kiosk's log:\n{}",
            kiosk.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(sim.opened_log().last(), Some(&door));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// Start the kiosk again and give it time to settle what the killed run left.
fn restart(kiosk: &KioskFiles) {
    let mut child = kiosk.run("restart", "see 取件柜 正常\nsleep 3\n");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "restart did not end"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_kill_between_journal_and_outcome_loses_no_document_and_opens_no_door_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = LockerSim::spawn_bus(&[(1, 16)]).expect("locker simulator");
    let kiosk = KioskFiles::new(tmp.path(), sim.path());
    {
        let mut store = kiosk.store();
        store
            .apply_pickup_list(
                &[waiting("SHUT", 3, "482913"), waiting("OPEN", 5, "135790")],
                16,
            )
            .unwrap();
    }

    // 1. Killed while waiting on a jammed door; at the restart the door is still shut: held, not fired again.
    sim.set_jammed(3, true);
    kill_after_the_pulse(&kiosk, &sim, "482913", 3);
    {
        let store = kiosk.store();
        assert_eq!(
            store.locker_document("SHUT").unwrap().unwrap().state,
            PickupState::Opening,
            "journalled before the lock was fired"
        );
        assert_eq!(store.pending_openings().unwrap().len(), 1);
    }
    restart(&kiosk);
    {
        let store = kiosk.store();
        let doc = store.locker_document("SHUT").unwrap().unwrap();
        assert_eq!(
            doc.state,
            PickupState::Held,
            "held for the staff: {}",
            kiosk.log()
        );
        assert!(store.pending_openings().unwrap().is_empty());
        let kinds: Vec<String> = store
            .pending_events(50)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.contains(&"pickup.held".to_string()), "{kinds:?}");
        assert!(kinds.contains(&"locker.alert".to_string()), "{kinds:?}");
    }
    assert_eq!(sim.opened_log(), vec![3], "door 3 fired once, never again");

    // 2. Killed the same way; meanwhile the citizen got the door open: collected (found open), not fired again.
    sim.set_jammed(5, true);
    kill_after_the_pulse(&kiosk, &sim, "135790", 5);
    sim.set_jammed(5, false);
    sim.force_open(5);
    restart(&kiosk);
    {
        let store = kiosk.store();
        let doc = store.locker_document("OPEN").unwrap().unwrap();
        assert_eq!(doc.state, PickupState::Collected, "{}", kiosk.log());
        let collected: Vec<serde_json::Value> = store
            .pending_events(50)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "pickup.collected")
            .map(|e| e.payload)
            .collect();
        assert_eq!(collected.len(), 1);
        assert_eq!(collected[0]["pickup_id"], "OPEN");
        assert_eq!(collected[0]["proof"], "found_open");
    }
    assert_eq!(sim.opened_log(), vec![3, 5], "each door fired once");
}
