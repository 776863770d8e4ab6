//! The device manager: opens each configured device (a serial path, or `sim` = a simulator on a pseudo-terminal),
//! owns each one on its own thread, reconnects by itself with backoff, and publishes each device's health.
//! The rest of the app talks to a device only through its handle.

pub mod health;
pub mod idcard;
pub mod identity;
pub mod locker;
pub mod printer;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use sanban_hardware::idcard::{IdCardSim, SimCard};
use sanban_hardware::locker::{BusOptions, DoorPolarity, EchoMode, LockerFamily, LockerSim};
use sanban_hardware::printer::PrinterSim;

pub use health::{DeviceKind, HealthBoard, HealthListener};
pub use idcard::{CardOutcome, IdCardHandle};
pub use identity::{CitizenIdentity, CitizenKey};
pub use locker::{LockerEvent, LockerHandle, LockerSetup, OpenedDoor};
pub use printer::{PrintOutcome, PrinterHandle};

use crate::config::DevicesConfig;

/// Where a device is: a simulator started here, a real port, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceTarget {
    Sim,
    None,
    Path(String),
}

impl DeviceTarget {
    pub fn parse(value: &str) -> DeviceTarget {
        match value {
            "sim" => DeviceTarget::Sim,
            "none" | "" => DeviceTarget::None,
            path => DeviceTarget::Path(path.to_string()),
        }
    }
}

/// All devices of the kiosk.
pub struct DeviceManager {
    pub health: HealthBoard,
    pub printer: PrinterHandle,
    pub idcard: IdCardHandle,
    pub locker: LockerHandle,
    /// Simulators started for `sim` devices (tests and the tour drive them; dropping one unplugs it).
    pub printer_sim: Option<Arc<PrinterSim>>,
    pub idcard_sim: Option<Arc<IdCardSim>>,
    pub locker_sim: Option<Arc<LockerSim>>,
}

impl DeviceManager {
    /// Start every configured device. Never fails: a device that cannot be opened is reported unhealthy and
    /// retried in the background, so the kiosk still starts and serves what it can.
    pub fn start(
        config: &DevicesConfig,
        tz: chrono_tz::Tz,
        listener: Option<HealthListener>,
    ) -> DeviceManager {
        let health = HealthBoard::new(listener);
        let poll = Duration::from_millis(config.poll_ms.max(100));

        let (printer_path, printer_sim) =
            resolve(&config.printer, "printer", PrinterSim::spawn, |s| {
                s.path().display().to_string()
            });
        let printer = PrinterHandle::start(printer_path, config.printer_baud, poll, health.clone());

        // The simulated reader holds the configured sample card (by default someone over 60, so the priority
        // lane can be tried in a demo).
        let (idcard_path, idcard_sim) = resolve(
            &config.idcard,
            "ID card reader",
            || {
                IdCardSim::spawn().inspect(|s| {
                    if let Some(card) = sim_card(&config.sim_card) {
                        s.place(card)
                    }
                })
            },
            |s| s.path().display().to_string(),
        );
        let idcard = IdCardHandle::start(idcard_path, config.idcard_baud, poll, tz, health.clone());

        // The simulated locker has the configured boards, so doors are numbered as on the real one.
        let boards = config.locker_boards();
        let (locker_path, locker_sim) = resolve(
            &config.locker,
            "locker",
            || LockerSim::spawn_bus(&boards),
            |s| s.path().display().to_string(),
        );
        let locker = LockerHandle::start(
            locker_path.map(|path| locker_setup(config, path)),
            health.clone(),
        );
        DeviceManager {
            health,
            printer,
            idcard,
            locker,
            printer_sim,
            idcard_sim,
            locker_sim,
        }
    }
}

/// How the locker at `path` is wired and timed, from the configuration (validated: family and echo parse).
pub fn locker_setup(d: &DevicesConfig, path: String) -> LockerSetup {
    LockerSetup {
        path,
        baud: d.locker_baud,
        family: d.locker_family.parse().unwrap_or(LockerFamily::Family8A),
        boards: d.locker_boards(),
        polarity: if d.locker_locked_means_shut {
            DoorPolarity::LockedMeansShut
        } else {
            DoorPolarity::OpenMeansShut
        },
        options: BusOptions {
            echo: d.locker_echo.parse().unwrap_or(EchoMode::Auto),
            confirm_timeout: Duration::from_millis(d.locker_confirm_ms),
            ..BusOptions::default()
        },
        poll: Duration::from_millis(d.poll_ms.max(100)),
        left_open_after: Duration::from_secs(d.locker_left_open_seconds.into()),
    }
}

/// A sample card by its config name (`none` or unknown: no card).
pub fn sim_card(name: &str) -> Option<SimCard> {
    Some(match name {
        "resident" => SimCard::resident(),
        "elderly" => SimCard::elderly(),
        "long_term" => SimCard::resident_long_term(),
        "hk_macao_taiwan" => SimCard::hk_macao_taiwan(),
        "pr_2017" => SimCard::pr_2017(),
        "pr_2023" => SimCard::pr_2023(),
        "rare_name" => SimCard::rare_name(),
        _ => return None,
    })
}

/// A device's path: a simulator started now (`sim`), nothing (`none`), or the configured path.
fn resolve<S>(
    value: &str,
    what: &str,
    spawn: impl FnOnce() -> std::io::Result<S>,
    path_of: impl Fn(&S) -> String,
) -> (Option<String>, Option<Arc<S>>) {
    match DeviceTarget::parse(value) {
        DeviceTarget::Sim => match spawn() {
            Ok(sim) => (Some(path_of(&sim)), Some(Arc::new(sim))),
            Err(e) => {
                tracing::error!("{what} simulator could not start: {e}");
                (None, None)
            }
        },
        DeviceTarget::None => (None, None),
        DeviceTarget::Path(p) => (Some(p), None),
    }
}
