//! The `sanban-platform` command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::store::{
    export_catalog, import_catalog, list_kiosks, open_connection, Imported, PlatformDb,
};

#[derive(Parser)]
#[command(
    name = "sanban-platform",
    version,
    about = "Sanban reference central platform (sync API v1)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the HTTP API until SIGTERM or Ctrl-C. Prints "listening on ADDR" once bound (port 0 picks one).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        #[arg(long)]
        db: PathBuf,
    },
    /// Manage kiosk credentials.
    Kiosk {
        #[command(subcommand)]
        command: KioskCommand,
    },
    /// Put documents in kiosk lockers (demos and tests).
    Pickup {
        #[command(subcommand)]
        command: PickupCommand,
    },
    /// The service catalog (事项清单): import a new version, export the current one.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Print a kiosk's one-time maintenance code secret (made on first use; --rotate makes a new one). Store it on
    /// the kiosk once: `sanban-kiosk maintenance set-code-secret` (reads it from stdin).
    MaintenanceSecret {
        kiosk: String,
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        rotate: bool,
    },
    /// A one-time maintenance code for a technician at kiosk ID: valid for the current 15-minute window (and the
    /// next), once, even when the kiosk is offline.
    MaintenanceCode {
        kiosk: String,
        #[arg(long)]
        db: PathBuf,
    },
    /// List the queue tickets the platform holds.
    Tickets {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        kiosk: Option<String>,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum KioskCommand {
    /// Register a kiosk and print its token (shown once; only its hash is kept).
    Add {
        id: String,
        #[arg(long)]
        db: PathBuf,
        /// Issue an existing kiosk a new token (the old one stops working).
        #[arg(long)]
        rotate: bool,
    },
    /// List registered kiosks.
    List {
        #[arg(long)]
        db: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Check FILE (`{"services": [...]}`, the export format) and publish it as the next catalog version; kiosks
    /// get it at their next sync. Any problem is printed (service, field, why) and nothing is stored. A catalog
    /// identical to the current version is not stored again.
    Import {
        file: PathBuf,
        #[arg(long)]
        db: PathBuf,
    },
    /// Write the current catalog version in the import format, to stdout or to FILE.
    Export {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum PickupCommand {
    /// Place a document behind a locker door of a kiosk, collectable with CODE.
    Add {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        kiosk: String,
        #[arg(long)]
        door: u32,
        #[arg(long)]
        code: String,
        #[arg(long)]
        document: String,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { listen, db } => serve(&listen, db),
        Command::Kiosk {
            command: KioskCommand::Add { id, db, rotate },
        } => {
            let token = if rotate {
                crate::rotate_kiosk(&db, &id)?
            } else {
                crate::add_kiosk(&db, &id)?
            };
            println!("{token}");
            eprintln!("kiosk {id}: token printed above; it is shown only this once (only its hash is stored)");
            Ok(())
        }
        Command::Kiosk {
            command: KioskCommand::List { db },
        } => kiosk_list(&db),
        Command::Pickup {
            command:
                PickupCommand::Add {
                    db,
                    kiosk,
                    door,
                    code,
                    document,
                },
        } => {
            let conn = open_connection(&db)?;
            let id = crate::store::add_pickup(&conn, &kiosk, door, &code, &document)?;
            println!("{id}");
            Ok(())
        }
        Command::Catalog {
            command: CatalogCommand::Import { file, db },
        } => catalog_import(&file, &db),
        Command::Catalog {
            command: CatalogCommand::Export { db, out },
        } => catalog_export(&db, out.as_deref()),
        Command::Tickets { db, kiosk, json } => tickets(&db, kiosk.as_deref(), json),
        Command::MaintenanceSecret { kiosk, db, rotate } => {
            let secret = crate::maintenance::kiosk_secret(&existing_db(&db)?, &kiosk, rotate)?;
            println!("{secret}");
            eprintln!("kiosk {kiosk}: on the kiosk, as root: echo SECRET | sanban-kiosk maintenance set-code-secret");
            Ok(())
        }
        Command::MaintenanceCode { kiosk, db } => {
            let now = chrono::Utc::now();
            let (code, until) = crate::maintenance::one_time_code(
                &existing_db(&db)?,
                &kiosk,
                now.timestamp().max(0) as u64,
            )?;
            println!("{code}");
            let until = chrono::DateTime::from_timestamp(until as i64, 0).unwrap_or(now);
            eprintln!(
                "one-time maintenance code for kiosk {kiosk}, window ends {} (accepted up to 15 minutes later), once",
                until.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M %Z")
            );
            Ok(())
        }
    }
}

fn serve(listen: &str, db: PathBuf) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        // Tests and scripts read the real address (port 0 → ephemeral) from this line.
        println!("listening on {}", listener.local_addr()?);
        std::io::stdout().flush()?;
        crate::serve(listener, db).await
    })
}

/// The catalog commands work on an existing platform database only: a mistyped path must not create a new one
/// that no server reads.
fn existing_db(db: &Path) -> anyhow::Result<rusqlite::Connection> {
    if !db.is_file() {
        anyhow::bail!("no platform database at {}", db.display());
    }
    Ok(open_connection(db)?)
}

fn catalog_import(file: &Path, db: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let services = match sanban_wire::parse_catalog_file(&text) {
        Ok(services) => services,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            anyhow::bail!(
                "{}: {} problem(s); nothing was imported",
                file.display(),
                problems.len()
            );
        }
    };
    match import_catalog(&existing_db(db)?, &services)? {
        Imported::Published { version } => println!(
            "catalog version {version} published: {} services; kiosks get it at their next sync",
            services.len()
        ),
        Imported::Unchanged { version } => println!(
            "catalog unchanged: version {version} already holds these {} services; nothing stored",
            services.len()
        ),
    }
    Ok(())
}

fn catalog_export(db: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let (version, file) = export_catalog(&existing_db(db)?)?;
    let mut text = serde_json::to_string_pretty(&file)?;
    text.push('\n');
    match out {
        None => std::io::stdout().write_all(text.as_bytes())?,
        Some(path) => {
            // Written beside the target and renamed: an interrupted export never leaves half a catalog behind.
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".tmp");
            std::fs::write(&tmp, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    eprintln!(
        "catalog version {version}: {} services exported",
        file.services.len()
    );
    Ok(())
}

fn kiosk_list(db: &Path) -> anyhow::Result<()> {
    let conn = open_connection(db)?;
    let kiosks = list_kiosks(&conn)?;
    println!(
        "{:<16} {:<25} {:<25} {:<10} {:>10}",
        "ID", "REGISTERED", "LAST SEEN", "VERSION", "LAST SEQ"
    );
    for k in kiosks {
        println!(
            "{:<16} {:<25} {:<25} {:<10} {:>10}",
            k.id,
            k.registered_at,
            k.last_seen.as_deref().unwrap_or("never"),
            k.app_version.as_deref().unwrap_or("-"),
            k.last_applied_seq
        );
    }
    Ok(())
}

fn tickets(db: &Path, kiosk: Option<&str>, json: bool) -> anyhow::Result<()> {
    let tickets = PlatformDb::open(db)?.tickets(kiosk)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&tickets)?);
        return Ok(());
    }
    println!(
        "{:<12} {:>6} {:<12} {:<12} {:<12} {:<8} {:<7} TICKET ID",
        "KIOSK", "SEQ", "DAY", "CATEGORY", "NUMBER", "PRIORITY", "OFFLINE"
    );
    for t in &tickets {
        println!(
            "{:<12} {:>6} {:<12} {:<12} {:<12} {:<8} {:<7} {}",
            t.kiosk_id,
            t.seq,
            t.business_day,
            t.category,
            t.number,
            t.priority,
            t.offline,
            t.ticket_id
        );
    }
    eprintln!("{} tickets", tickets.len());
    Ok(())
}
