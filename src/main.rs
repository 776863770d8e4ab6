//! `sanban-kiosk`: see `sanban-kiosk --help`.

use std::process::ExitCode;

use clap::Parser;
use sanban_kiosk::cli::{
    Cli, Command, DeviceCommand, LockerCommand, MaintenanceCommand, OutboxCommand,
};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::{self, screenshot::ScreenshotOptions};
use sanban_kiosk::technician;

fn main() -> ExitCode {
    let cli = Cli::parse();
    sanban_kiosk::logbook::init_logging();
    let config = match Config::load(cli.config.as_deref(), cli.data_dir.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sanban-kiosk: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Run {
        headless: false,
        size: "1080x1920".into(),
        burst: None,
        script: None,
        shots: None,
    }) {
        Command::Run {
            headless,
            size,
            burst,
            script,
            shots,
        } => sanban_kiosk::app::run::run(
            config,
            headless,
            &size,
            sanban_kiosk::app::run::Drive {
                burst,
                script,
                shots,
            },
        ),
        Command::Screenshot {
            page,
            size,
            out,
            lang,
            large,
        } => headless::parse_size(&size).and_then(|size| {
            headless::screenshot::run(
                config,
                ScreenshotOptions {
                    page,
                    size,
                    out: out.clone(),
                    lang,
                    large,
                },
            )
            .map(|_| println!("wrote {}", out.display()))
        }),
        Command::Tour { out, size } => headless::parse_size(&size).and_then(|size| {
            let report = headless::tour::run(config, &out, size)?;
            println!(
                "tour: {} steps, {} screens, {} print jobs, files in {}",
                report.steps.len(),
                report.screens(),
                report.jobs.len(),
                out.display()
            );
            Ok(())
        }),
        Command::Config => {
            let mut shown = config.clone();
            if shown.platform.token.is_some() {
                shown.platform.token = Some("<set>".into()); // a secret: never echoed
            }
            toml::to_string_pretty(&shown)
                .map(|t| print!("{t}"))
                .map_err(Into::into)
        }
        Command::Outbox {
            command: OutboxCommand::Status { json },
        } => technician::cli::outbox_status(&config, json),
        Command::Device { command } => device(&config, command),
        Command::Locker { command } => locker(&config, command),
        Command::Maintenance { command } => maintenance(&config, command),
        Command::Sync { once: true } => technician::cli::sync_once(&config),
        Command::Sync { once: false } => Err(anyhow::anyhow!(
            "the kiosk syncs by itself while it runs; use `sync --once` to drain now"
        )),
    };
    match result {
        Ok(()) if sanban_kiosk::restart::requested() => {
            eprintln!("sanban-kiosk: exiting for a restart a technician asked for");
            ExitCode::from(sanban_kiosk::restart::EXIT_STATUS)
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sanban-kiosk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn device(config: &Config, command: DeviceCommand) -> anyhow::Result<()> {
    use technician::cli;
    match command {
        DeviceCommand::List => cli::list_ports(),
        DeviceCommand::Sim {
            kind,
            card,
            jobs_dir,
        } => technician::sim::sim(config, &kind, &card, jobs_dir.as_deref()),
        DeviceCommand::ReadId {
            port,
            json,
            unmasked,
            wait,
        } => cli::read_id(
            config,
            &port,
            json,
            unmasked,
            std::time::Duration::from_secs(wait),
        ),
        DeviceCommand::PrinterStatus { port, json } => cli::printer_status(config, &port, json),
        DeviceCommand::PrintTest { port } => cli::print_test(config, &port),
        DeviceCommand::Render { file, out } => cli::render(&file, &out),
        DeviceCommand::Locker { port, action, door } => match (action.as_str(), door) {
            ("status", None) => cli::locker(config, &port, None),
            ("open", Some(n)) => cli::locker(config, &port, Some(n)),
            _ => Err(anyhow::anyhow!(
                "use `locker --port P status` or `locker --port P open N`"
            )),
        },
    }
}

fn locker(config: &Config, command: LockerCommand) -> anyhow::Result<()> {
    use technician::cli;
    match command {
        LockerCommand::Deposit {
            door,
            document,
            wait,
            json,
        } => cli::locker_deposit(
            config,
            door,
            &document,
            std::time::Duration::from_secs(wait),
            json,
        ),
        LockerCommand::Status { json } => cli::locker_status(config, json),
    }
}

fn maintenance(config: &Config, command: MaintenanceCommand) -> anyhow::Result<()> {
    use technician::cli;
    match command {
        MaintenanceCommand::SetPin { technician, file } => cli::set_pin(config, &technician, file),
        MaintenanceCommand::RemoveTechnician { name, file } => {
            cli::remove_technician(config, &name, file)
        }
        MaintenanceCommand::SetCodeSecret { file } => cli::set_code_secret(config, file),
        MaintenanceCommand::Status { json } => cli::maintenance_status(config, json),
    }
}
