//! Technician functions. Each one returns data (a report: plain structs, `Serialize`); the command line
//! ([`cli`], called by `main.rs`) prints it as text or JSON, and the maintenance pages
//! (`app::flows::maintenance`) show the same reports on the touchscreen. Commands that take `--port` talk to a
//! device directly (the kiosk must not be running); the pages go through the running kiosk's device threads.

pub mod card;
pub mod cli;
pub mod deposit;
pub mod locker;
pub mod logs;
pub mod maintenance;
pub mod outbox;
pub mod ports;
pub mod printer;
pub mod render;
pub mod sim;

use sanban_hardware::idcard::IdCardSim;
use sanban_hardware::locker::LockerSim;
use sanban_hardware::printer::PrinterSim;

/// A device path, or a simulator kept alive while a command uses it (`--port sim`).
enum Port {
    Path(String),
    IdSim(IdCardSim),
    PrinterSim(PrinterSim),
    LockerSim(LockerSim),
}

impl Port {
    fn path(&self) -> String {
        match self {
            Port::Path(p) => p.clone(),
            Port::IdSim(s) => s.path().display().to_string(),
            Port::PrinterSim(s) => s.path().display().to_string(),
            Port::LockerSim(s) => s.path().display().to_string(),
        }
    }
}
