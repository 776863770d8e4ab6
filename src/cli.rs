//! The command line: the kiosk itself, headless pictures, the scripted tour, and technician commands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "sanban-kiosk",
    version,
    about = "Sanban (三办) government self-service kiosk"
)]
pub struct Cli {
    /// Configuration file (TOML). Without it every key has its documented default.
    #[arg(long, global = true, value_name = "FILE", env = "SANBAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory (the SQLite file); overrides `[data] dir`.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the kiosk (the default): simulated devices and a local SQLite file unless configured otherwise.
    Run {
        /// No window: render with the software renderer off-screen (for benchmarks and unattended tests).
        #[arg(long)]
        headless: bool,
        /// Window size, portrait by default.
        #[arg(long, default_value = "1080x1920")]
        size: String,
        /// With --headless: issue N tickets through the real UI (taps), then keep running (soak and crash tests).
        #[arg(long, requires = "headless", conflicts_with = "script")]
        burst: Option<usize>,
        /// With --headless: play a script of citizen actions (see the README), one JSON line per step, then exit.
        #[arg(long, requires = "headless", value_name = "FILE")]
        script: Option<PathBuf>,
        /// Where the script's `shot NAME` steps write NAME.png.
        #[arg(long, requires = "script", value_name = "DIR")]
        shots: Option<PathBuf>,
    },
    /// Render one page of the UI to a PNG file, no display needed.
    Screenshot {
        /// A registered page or preview state (e.g. home.main, guide.detail, ticket.ticket#offline-paper-out), an
        /// overlay (countdown, help), or `all`: every page in every language, type size and orientation into the
        /// directory --out. An unknown name lists them all.
        #[arg(long)]
        page: String,
        #[arg(long, default_value = "1080x1920")]
        size: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "zh")]
        lang: crate::lang::Lang,
        /// Large-type mode (适老化).
        #[arg(long)]
        large: bool,
    },
    /// Walk the real UI through the ticket flow, writing screens, print jobs and tour.json to DIR.
    Tour {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "1080x1920")]
        size: String,
    },
    /// Show the effective configuration (defaults filled in) as TOML.
    Config,
    /// The sync backlog: pending events, oldest pending age, last error, rejections.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Technician tools for the ID card reader, printer and locker.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// The staff's locker work through the configured locker and the kiosk's database (stop the kiosk first: it
    /// owns the locker's line): put a document in a free door, or see every door.
    Locker {
        #[command(subcommand)]
        command: LockerCommand,
    },
    /// Technician credentials (PINs, the one-time code secret) and maintenance mode's state.
    Maintenance {
        #[command(subcommand)]
        command: MaintenanceCommand,
    },
    /// Send queued events to the platform.
    Sync {
        /// Drain now and exit (non-zero with the reason when the platform cannot be reached).
        #[arg(long)]
        once: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Serial ports with their USB vendor/product ids.
    List,
    /// Run a device simulator on a pseudo-terminal and print its path; commands on stdin (see its help line).
    Sim {
        /// idcard, printer or locker
        kind: String,
        /// Sample card placed on the ID card simulator.
        #[arg(long, default_value = "resident")]
        card: String,
        /// Printer simulator: save each job here as .escpos with a .png preview.
        #[arg(long)]
        jobs_dir: Option<PathBuf>,
    },
    /// Wait for an ID card and read it: every field of the record (masked unless --unmasked), each step's time.
    ReadId {
        /// Serial device path, or `sim` for a built-in simulator with a sample card.
        #[arg(long)]
        port: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        unmasked: bool,
        /// Seconds to wait for a card.
        #[arg(long, default_value_t = 30)]
        wait: u64,
    },
    /// Query the printer's real-time status (DLE EOT 1–4).
    PrinterStatus {
        #[arg(long)]
        port: String,
        #[arg(long)]
        json: bool,
    },
    /// Print a test page: Chinese, sizes, a QR code and a cut.
    PrintTest {
        #[arg(long)]
        port: String,
    },
    /// Render saved ESC/POS bytes to a PNG receipt preview.
    Render {
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Locker board: `status`, or `open N`.
    Locker {
        #[arg(long)]
        port: String,
        /// status | open
        action: String,
        door: Option<u16>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LockerCommand {
    /// Put a document into a free door, as the staff page does: the door opens, put the document in and shut it;
    /// then the platform is told (`locker.deposited`) and sends the citizen a pickup code.
    Deposit {
        /// The door, numbered across the boards as `locker status` lists them.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        door: u16,
        /// The document's number: letters and digits (kept in capitals).
        #[arg(long, value_name = "NUMBER")]
        document: crate::technician::deposit::DocumentNo,
        /// Seconds to wait for the door to be shut before the deposit is held for the staff to check.
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
        wait: u64,
        #[arg(long)]
        json: bool,
    },
    /// Every door: its sensor, and the document in it (waiting, held for the staff, to be posted, overdue).
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MaintenanceCommand {
    /// Set a technician's PIN (asked twice, never echoed; from stdin when it is not a terminal). Only its Argon2id
    /// hash is written, to the credentials file (`[maintenance] credentials`, or --file), readable by root only.
    SetPin {
        /// The technician's staff id, recorded with every maintenance action.
        #[arg(long, default_value = "technician")]
        technician: String,
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Remove a technician's PIN.
    RemoveTechnician {
        name: String,
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Store the one-time code secret `sanban-platform maintenance-secret ID` printed (read from stdin).
    SetCodeSecret {
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Who may enter, whether one-time codes work, the pad's lock-out, the settings in effect.
    Status {
        #[arg(long)]
        json: bool,
    },
}
