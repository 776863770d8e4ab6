//! The `sanban-platform` command line. Every `--db` takes `sqlite://FILE`, a plain file path (SQLite) or
//! `postgres://…`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tokio::sync::mpsc;

use crate::store::tables::export_stopped;
use crate::store::{DbUrl, Imported, Store, StoreError};

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
        /// sqlite://FILE, a file path, or postgres://USER@HOST/DB (several instances may share one).
        #[arg(long)]
        db: DbUrl,
        #[command(flatten)]
        options: crate::ServeOptions,
    },
    /// Manage kiosk credentials.
    Kiosk {
        #[command(subcommand)]
        command: KioskCommand,
    },
    /// Operators of the fleet and KPI pages (`/login`).
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
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
        db: DbUrl,
        #[arg(long)]
        rotate: bool,
    },
    /// A one-time maintenance code for a technician at kiosk ID: valid for the current 15-minute window (and the
    /// next), once, even when the kiosk is offline.
    MaintenanceCode {
        kiosk: String,
        #[arg(long)]
        db: DbUrl,
    },
    /// List the queue tickets the platform holds.
    Tickets {
        #[arg(long)]
        db: DbUrl,
        #[arg(long)]
        kiosk: Option<String>,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// 好差评: the share of each level per service and per kiosk, and every bad rating (不满意, 非常不满意) with its
    /// reasons, text and call-back number for 回访. The number is shown masked unless --reveal (it needs the data
    /// key).
    Ratings {
        #[arg(long)]
        db: DbUrl,
        /// One JSON document instead of tables.
        #[arg(long)]
        json: bool,
        /// Show call-back numbers in full (for the staff making the 回访 calls).
        #[arg(long)]
        reveal: bool,
        #[command(flatten)]
        key: DataKeyArg,
    },
    /// 取件: documents per kiosk waiting, collected, posted, held, overdue and taken out; wrong codes and lock-outs;
    /// the overdue and held documents and the parcels to post (recipient masked unless --reveal).
    Pickups {
        #[arg(long)]
        db: DbUrl,
        #[arg(long)]
        json: bool,
        /// Documents waiting longer than this are overdue.
        #[arg(long, default_value = "7")]
        overdue_days: u32,
        /// Show postal recipients in full (for the staff posting the parcels).
        #[arg(long)]
        reveal: bool,
        #[command(flatten)]
        key: DataKeyArg,
    },
    /// The appointments (预约) for the hall's staff: a day's list, and the no-show pass.
    Appointments {
        #[command(subcommand)]
        command: Option<AppointmentsCommand>,
        #[arg(long)]
        db: Option<DbUrl>,
        /// The day (YYYY-MM-DD); today in the hall's time zone when not given.
        #[arg(long)]
        date: Option<String>,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
        #[arg(long, value_name = "ZONE", default_value = "Asia/Shanghai")]
        timezone: chrono_tz::Tz,
    },
    /// 申办: the applications (number, service, kiosk, submitted, status, materials owed; the applicant masked,
    /// never in clear), newest first; `set-status` reports progress to the kiosks (the back office's stand-in).
    Applications {
        #[command(subcommand)]
        command: Option<ApplicationsCommand>,
        #[arg(long)]
        db: Option<DbUrl>,
        /// One JSON array (each with its status history and the materials owed with due dates).
        #[arg(long)]
        json: bool,
        /// Only the application with this number.
        #[arg(long)]
        number: Option<String>,
        /// Only the applications whose latest status is this one.
        #[arg(long, value_parser = crate::applications::report::status_parser())]
        status: Option<sanban_wire::ApplicationStatus>,
        /// Opens the applicant to show it masked (张* 4201**********1234); without it the list says "sealed".
        #[command(flatten)]
        key: DataKeyArg,
    },
    /// The 三办 KPI report: the catalog against the reform's targets (hall and departments) and what kiosks did
    /// per day. The same figures as the operators' page `GET /kpi`.
    Kpi {
        #[arg(long)]
        db: DbUrl,
        /// Last day of the report (default: today in the hall).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<chrono::NaiveDate>,
        /// Days in the report, ending with --to.
        #[arg(long, default_value_t = crate::kpi::DEFAULT_DAYS,
              value_parser = clap::value_parser!(u64).range(1..=crate::kpi::MAX_DAYS))]
        days: u64,
        /// The whole report as one JSON object.
        #[arg(long)]
        json: bool,
        /// The hall's time zone (IANA name, as `serve --timezone`): decides which day is today.
        #[arg(long, value_name = "ZONE", default_value = "Asia/Shanghai")]
        timezone: chrono_tz::Tz,
    },
    /// Copy everything a platform holds to another store (a hall's SQLite platform joining the city's
    /// PostgreSQL one, or back). Stop the source platform first. The copy is one transaction on the target, which
    /// must hold no data unless --replace is given; kiosks carry on from the same last applied seq.
    Migrate {
        #[arg(long)]
        from: DbUrl,
        #[arg(long)]
        to: DbUrl,
        /// Delete whatever the target holds before copying.
        #[arg(long)]
        replace: bool,
    },
}

/// `--data-key FILE` of the commands that open sealed personal data.
#[derive(clap::Args)]
pub struct DataKeyArg {
    /// The platform's data key file (as given to `serve`; default beside a SQLite database). Never created here.
    #[arg(long = "data-key", value_name = "FILE", env = "SANBAN_DATA_KEY")]
    pub path: Option<PathBuf>,
}

impl DataKeyArg {
    /// The key, if there is one: reports do without it (sealed values then say so); they never make one.
    fn load(&self, db: &DbUrl) -> anyhow::Result<Option<crate::privacy::DataKey>> {
        let Some(path) = self
            .path
            .clone()
            .or_else(|| crate::privacy::default_key_path(db))
        else {
            return Ok(None);
        };
        if !path.exists() {
            if self.path.is_some() {
                anyhow::bail!("no data key at {}", path.display());
            }
            return Ok(None);
        }
        crate::privacy::DataKey::load_or_create(&path).map(Some)
    }
}

#[derive(Subcommand)]
pub enum KioskCommand {
    /// Register a kiosk and print its token (shown once; only its hash is kept).
    Add {
        id: String,
        #[arg(long)]
        db: DbUrl,
        /// Issue an existing kiosk a new token (the old one stops working).
        #[arg(long)]
        rotate: bool,
        /// What the hall calls it, for the fleet page ("一楼东侧 2 号机").
        #[arg(long)]
        name: Option<String>,
        /// The hall it stands in ("汉南区政务服务中心").
        #[arg(long)]
        hall: Option<String>,
    },
    /// Set a registered kiosk's name and hall (either may be left out).
    Describe {
        id: String,
        #[arg(long)]
        db: DbUrl,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        hall: Option<String>,
    },
    /// List registered kiosks.
    List {
        #[arg(long)]
        db: DbUrl,
    },
}

#[derive(Subcommand)]
pub enum AppointmentsCommand {
    /// Mark the bookings of DATE and every day before it that nobody checked in for as missed (the server does
    /// this every hour for the days before today). Two missed within 90 days bar a citizen from booking for 30.
    NoShows {
        #[arg(long)]
        db: DbUrl,
        /// The last day to close (YYYY-MM-DD); yesterday in the hall's time zone when not given.
        #[arg(long)]
        date: Option<String>,
        #[arg(long, value_name = "ZONE", default_value = "Asia/Shanghai")]
        timezone: chrono_tz::Tz,
    },
}

#[derive(Subcommand)]
pub enum ApplicationsCommand {
    /// Append a status to an application's history (kiosks show the latest). The same status again is recorded
    /// only with a new --note (a retry changes nothing).
    SetStatus {
        /// The application number, as on the receipt.
        number: String,
        #[arg(value_parser = crate::applications::report::status_parser())]
        status: sanban_wire::ApplicationStatus,
        /// What the department says with it (shown at the kiosk; never personal data).
        #[arg(long)]
        note: Option<String>,
        /// Who sets it (kept in the history, not shown at the kiosk).
        #[arg(long, default_value = "back-office")]
        by: String,
        #[arg(long)]
        db: DbUrl,
    },
}

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Create operator NAME. The password (10 to 128 characters) is read from the first line of stdin, so it
    /// never appears in the process list or the shell's history; only its Argon2id hash is stored.
    Add {
        name: String,
        #[arg(long)]
        db: DbUrl,
        /// Set a new password for an existing operator (ends its sessions, clears its lock-out).
        #[arg(long)]
        reset: bool,
    },
    /// Remove operator NAME and end its sessions.
    Remove {
        name: String,
        #[arg(long)]
        db: DbUrl,
    },
    /// List operators (name, created, locked until).
    List {
        #[arg(long)]
        db: DbUrl,
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
        db: DbUrl,
    },
    /// Write the current catalog version in the import format, to stdout or to FILE.
    Export {
        #[arg(long)]
        db: DbUrl,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum PickupCommand {
    /// Print the codes of staff deposits waiting for their SMS (`PICKUP_ID KIOSK DOOR DOCUMENT_NO CODE`, one a
    /// line), then erase them: each code is printed once. Needs the data key.
    Notices {
        #[arg(long)]
        db: DbUrl,
        #[command(flatten)]
        key: DataKeyArg,
    },
    /// Place a document behind a locker door of a kiosk. A random 6-digit pickup code is issued and printed once
    /// (`PICKUP_ID CODE` on stdout, for the SMS); only its salted hash is stored.
    Add {
        #[arg(long)]
        db: DbUrl,
        #[arg(long)]
        kiosk: String,
        #[arg(long)]
        door: u32,
        /// What the document is, e.g. 营业执照.
        #[arg(long)]
        document: String,
        #[arg(long, default_value = "")]
        document_en: String,
        /// The holder's name (stored masked: 张三 → 张*), for the pickup proof.
        #[arg(long, default_value = "")]
        holder: String,
        /// The holder's citizen_ref (64 hex digits), so that the ID card finds the document.
        #[arg(long, conflicts_with = "id_number_stdin")]
        citizen_ref: Option<String>,
        /// Read the holder's ID number from stdin and store its citizen_ref under the hall's key (the number
        /// itself is not stored).
        #[arg(long)]
        id_number_stdin: bool,
        /// May be sent by free post (免费邮寄) instead of collected.
        #[arg(long)]
        postable: bool,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve {
                listen,
                db,
                options,
            } => serve(&listen, db, options).await,
            Command::Kiosk {
                command:
                    KioskCommand::Add {
                        id,
                        db,
                        rotate,
                        name,
                        hall,
                    },
            } => {
                let store = open(&db).await?;
                let token = crate::register(&store, &id, rotate).await?;
                describe(&store, &id, name, hall).await?;
                println!("{token}");
                eprintln!(
                    "kiosk {id}: token printed above; it is shown only this once (only its hash is stored)"
                );
                Ok(())
            }
            Command::Kiosk {
                command: KioskCommand::Describe { id, db, name, hall },
            } => describe(&existing(&db).await?, &id, name, hall).await,
            Command::Kiosk {
                command: KioskCommand::List { db },
            } => kiosk_list(&open(&db).await?).await,
            Command::Operator { command } => operator(command).await,
            Command::Pickup {
                command:
                    PickupCommand::Add {
                        db,
                        kiosk,
                        door,
                        document,
                        document_en,
                        holder,
                        citizen_ref,
                        id_number_stdin,
                        postable,
                    },
            } => {
                let store = existing(&db).await?;
                let citizen_ref = match (citizen_ref, id_number_stdin) {
                    (Some(r), _) => Some(r.trim().to_ascii_lowercase()),
                    (None, true) => Some(citizen_ref_from_stdin(&store).await?),
                    (None, false) => None,
                };
                let code = crate::store::model::new_pickup_code();
                let mut pickup = crate::store::NewPickup::new(&kiosk, door, &document, &code);
                pickup.document_en = document_en;
                pickup.holder = crate::store::model::mask_name(&holder);
                pickup.citizen_ref = citizen_ref;
                pickup.postable = postable;
                let id = store.add_pickup(&pickup).await?;
                println!("{id} {}", code.as_str());
                eprintln!(
                    "pickup {id} behind door {door} of kiosk {kiosk}: its code is printed above, this once (only a \
                     salted hash of it is stored)"
                );
                Ok(())
            }
            Command::Pickup {
                command: PickupCommand::Notices { db, key },
            } => {
                let key = key
                    .load(&db)?
                    .ok_or_else(|| anyhow::anyhow!("the deposit codes are sealed: give --data-key"))?;
                pickup_notices(&existing(&db).await?, &key).await
            }
            Command::Ratings {
                db,
                json,
                reveal,
                key,
            } => {
                let key = key.load(&db)?;
                ratings(&existing(&db).await?, key.as_ref(), json, reveal).await
            }
            Command::Pickups {
                db,
                json,
                overdue_days,
                reveal,
                key,
            } => {
                let key = key.load(&db)?;
                pickups(&existing(&db).await?, key.as_ref(), json, overdue_days, reveal).await
            }
            Command::Catalog {
                command: CatalogCommand::Import { file, db },
            } => catalog_import(&file, &existing(&db).await?).await,
            Command::Catalog {
                command: CatalogCommand::Export { db, out },
            } => catalog_export(&existing(&db).await?, out.as_deref()).await,
            Command::Appointments {
                command: Some(AppointmentsCommand::NoShows { db, date, timezone }),
                ..
            } => {
                let hall = crate::appointments::Hall::new(timezone);
                let through = day_arg(date, hall.today() - chrono::Duration::days(1))?;
                let n = existing(&db).await?.mark_no_shows(&through).await?;
                println!("{n} booking(s) up to {through} marked as missed");
                Ok(())
            }
            Command::Appointments {
                command: None,
                db,
                date,
                json,
                timezone,
            } => {
                let Some(db) = db else {
                    anyhow::bail!("--db is required");
                };
                let day = day_arg(date, crate::appointments::Hall::new(timezone).today())?;
                appointments(&existing(&db).await?, &day, json).await
            }
            Command::Applications {
                command:
                    Some(ApplicationsCommand::SetStatus {
                        number,
                        status,
                        note,
                        by,
                        db,
                    }),
                ..
            } => {
                let store = existing(&db).await?;
                let outcome =
                    crate::applications::report::set_status(&store, &number, status, note, &by)
                        .await?;
                match outcome {
                    crate::store::applications::StatusOutcome::Unchanged => {
                        println!("{number}: already {}; nothing recorded", status.code())
                    }
                    _ => println!("{number}: {}", status.code()),
                }
                Ok(())
            }
            Command::Applications {
                command: None,
                db,
                json,
                number,
                status,
                key,
            } => {
                let Some(db) = db else {
                    anyhow::bail!("--db is required");
                };
                let key = key.load(&db)?;
                let store = existing(&db).await?;
                let apps = crate::applications::report::list(
                    &store,
                    number.as_deref(),
                    status,
                    key.as_ref(),
                )
                .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&apps)?);
                } else {
                    print!("{}", crate::applications::report::table(&apps));
                    eprintln!("{} application(s)", apps.len());
                }
                Ok(())
            }
            Command::Kpi {
                db,
                to,
                days,
                json,
                timezone,
            } => {
                let to = to.unwrap_or_else(|| crate::appointments::Hall::new(timezone).today());
                let (from, to) = crate::kpi::range(None, Some(days), to).map_err(anyhow::Error::msg)?;
                let report = crate::kpi::report(&existing(&db).await?, from, to).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    print!("{}", crate::kpi::text::render(&report));
                }
                Ok(())
            }
            Command::Tickets { db, kiosk, json } => {
                tickets(&open(&db).await?, kiosk.as_deref(), json).await
            }
            Command::MaintenanceSecret { kiosk, db, rotate } => {
                let secret = existing(&db)
                    .await?
                    .maintenance_secret(&kiosk, rotate)
                    .await?;
                println!("{secret}");
                eprintln!(
                    "kiosk {kiosk}: on the kiosk, as root: echo SECRET | sanban-kiosk maintenance set-code-secret"
                );
                Ok(())
            }
            Command::MaintenanceCode { kiosk, db } => {
                let now = chrono::Utc::now();
                let (code, until) = crate::maintenance::one_time_code(
                    &existing(&db).await?,
                    &kiosk,
                    now.timestamp().max(0) as u64,
                )
                .await?;
                println!("{code}");
                let until = chrono::DateTime::from_timestamp(until as i64, 0).unwrap_or(now);
                eprintln!(
                    "one-time maintenance code for kiosk {kiosk}, window ends {} (accepted up to 15 minutes later), once",
                    until.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M %Z")
                );
                Ok(())
            }
            Command::Migrate { from, to, replace } => {
                let rows = migrate(&from, &to, replace).await?;
                eprintln!("copied {rows} rows from {from} to {to}");
                Ok(())
            }
        }
    })
}

async fn open(db: &DbUrl) -> anyhow::Result<Store> {
    Store::open(db)
        .await
        .with_context(|| format!("opening database {db}"))
}

/// The catalog commands work on an existing platform store only: a mistyped SQLite path must not create a new
/// database that no server reads (a mistyped PostgreSQL database fails to connect).
async fn operator(command: OperatorCommand) -> anyhow::Result<()> {
    match command {
        OperatorCommand::Add { name, db, reset } => {
            anyhow::ensure!(
                crate::operators::valid_name(&name),
                "an operator name is 1 to 64 letters, digits, '-', '_' or '.'"
            );
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from stdin")?;
            let password = line.trim_end_matches(['\r', '\n']);
            let hash = crate::operators::hash_password(password).map_err(anyhow::Error::msg)?;
            open(&db).await?.put_operator(&name, &hash, reset).await?;
            eprintln!("operator {name}: password set (only its Argon2id hash is stored)");
        }
        OperatorCommand::Remove { name, db } => {
            anyhow::ensure!(
                existing(&db).await?.remove_operator(&name).await?,
                "no operator {name}"
            );
            eprintln!("operator {name} removed; its sessions ended");
        }
        OperatorCommand::List { db } => {
            for o in existing(&db).await?.operators().await? {
                let locked = o
                    .locked_until
                    .map(|t| format!("  locked until {t}"))
                    .unwrap_or_default();
                println!("{}  created {}{locked}", o.name, o.created_at);
            }
        }
    }
    Ok(())
}

async fn existing(db: &DbUrl) -> anyhow::Result<Store> {
    if let DbUrl::Sqlite(path) = db {
        if !path.is_file() {
            anyhow::bail!("no platform database at {}", path.display());
        }
    }
    open(db).await
}

/// `citizen_ref` of the ID number on stdin (one line), under the hall's key.
async fn citizen_ref_from_stdin(store: &Store) -> anyhow::Result<String> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the ID number from stdin")?;
    let number = line.trim();
    if number.len() != 18 && number.len() != 15 {
        anyhow::bail!("stdin does not hold an ID number (15 or 18 characters)");
    }
    let key = zeroize::Zeroizing::new(store.citizen_key().await?);
    crate::store::model::citizen_ref(&key, number)
        .ok_or_else(|| anyhow::anyhow!("the hall's citizen key is not hex"))
}

async fn serve(listen: &str, db: DbUrl, options: crate::ServeOptions) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    // Tests and scripts read the real address (port 0 → ephemeral) from this line.
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    crate::serve_with(listener, db, options, crate::server::shutdown_signal()).await
}

async fn catalog_import(file: &Path, store: &Store) -> anyhow::Result<()> {
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
    match store.import_catalog(&services).await? {
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

async fn catalog_export(store: &Store, out: Option<&Path>) -> anyhow::Result<()> {
    let (version, file) = store.export_catalog().await?;
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

/// Copies every table of `from` into `to` (see [`Command::Migrate`]); returns the rows copied.
pub async fn migrate(from: &DbUrl, to: &DbUrl, replace: bool) -> anyhow::Result<u64> {
    if from == to {
        anyhow::bail!("--from and --to name the same database");
    }
    let (source, target) = (open(from).await?, open(to).await?);
    let (sink, rows) = mpsc::channel(4);
    let (exported, imported) = tokio::join!(source.export(sink), target.import(rows, replace));
    match (exported, imported) {
        (Ok(()), Ok(rows)) => Ok(rows),
        // The import failed first (the export then only saw it stop taking rows), or the export failed and the
        // import only saw the rows stop coming: report the cause, not its echo.
        (_, Err(e)) if !matches!(&e, StoreError::Invalid(m) if *m == export_stopped().to_string()) => {
            Err(e).with_context(|| format!("writing {to}"))
        }
        (Err(e), _) => Err(e).with_context(|| format!("reading {from}")),
        (Ok(()), Err(e)) => Err(e).with_context(|| format!("writing {to}")),
    }
}

/// Sets a kiosk's name and hall when given: printable text of at most 64 characters each.
async fn describe(
    store: &Store,
    id: &str,
    name: Option<String>,
    hall: Option<String>,
) -> anyhow::Result<()> {
    if name.is_none() && hall.is_none() {
        return Ok(());
    }
    for text in [&name, &hall].into_iter().flatten() {
        anyhow::ensure!(
            (1..=64).contains(&text.chars().count()) && !text.chars().any(char::is_control),
            "a kiosk's name and hall are 1 to 64 printable characters"
        );
    }
    anyhow::ensure!(
        store
            .describe_kiosk(id, name.as_deref(), hall.as_deref())
            .await?,
        "no kiosk {id}"
    );
    Ok(())
}

async fn kiosk_list(store: &Store) -> anyhow::Result<()> {
    let kiosks = store.list_kiosks().await?;
    println!(
        "{:<16} {:<25} {:<25} {:<10} {:>10}  NAME / HALL",
        "ID", "REGISTERED", "LAST SEEN", "VERSION", "LAST SEQ"
    );
    for k in kiosks {
        println!(
            "{:<16} {:<25} {:<25} {:<10} {:>10}  {} / {}",
            k.id,
            k.registered_at,
            k.last_seen.as_deref().unwrap_or("never"),
            k.app_version.as_deref().unwrap_or("-"),
            k.last_applied_seq,
            k.name.as_deref().unwrap_or("-"),
            k.hall.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}

async fn tickets(store: &Store, kiosk: Option<&str>, json: bool) -> anyhow::Result<()> {
    let tickets = store.tickets(kiosk).await?;
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

async fn pickup_notices(store: &Store, key: &crate::privacy::DataKey) -> anyhow::Result<()> {
    let notices = store.pending_notices().await?;
    for n in &notices {
        let code = key
            .open(&format!("notice:{}", n.pickup_id), &n.code_sealed)
            .with_context(|| format!("the code of pickup {}", n.pickup_id))?;
        println!(
            "{} {} {} {} {}",
            n.pickup_id,
            n.kiosk_id,
            n.locker_door,
            n.document_no.as_deref().unwrap_or("-"),
            code.as_str()
        );
        std::io::stdout().flush()?;
        // Erased once printed: the next run does not print it again.
        store.notice_sent(&n.pickup_id).await?;
    }
    eprintln!("{} deposit code(s) to send", notices.len());
    Ok(())
}

async fn ratings(
    store: &Store,
    key: Option<&crate::privacy::DataKey>,
    json: bool,
    reveal: bool,
) -> anyhow::Result<()> {
    let report = crate::reports::ratings_report(&store.ratings().await?, key, reveal);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("好差评: {} ratings", report.total);
    for (title, rows) in [("SERVICE", &report.by_service), ("KIOSK", &report.by_kiosk)] {
        let header: String = sanban_wire::RatingLevel::ALL
            .iter()
            .map(|l| pad_left(l.label_zh(), 14))
            .collect();
        println!("\n{title:<16} {:>6}{header}", "TOTAL");
        for row in rows {
            let cells: String = row
                .levels
                .iter()
                .map(|l| pad_left(&format!("{} ({:.1}%)", l.count, l.percent), 14))
                .collect();
            println!("{:<16} {:>6}{cells}", row.key, row.total);
        }
    }
    println!("\n差评 to follow up (回访): {}", report.bad.len());
    for b in &report.bad {
        println!(
            "{} {} {} {} {} {}: {}{}{}",
            b.rated_at,
            b.kiosk_id,
            b.errand,
            b.errand_id.as_deref().unwrap_or("-"),
            b.service.as_deref().unwrap_or("-"),
            b.label_zh,
            if b.reasons.is_empty() {
                "-".to_string()
            } else {
                b.reasons.join(", ")
            },
            b.text
                .as_deref()
                .map(|t| format!(" 「{t}」"))
                .unwrap_or_default(),
            b.callback_phone
                .as_deref()
                .map(|p| format!(" 回访 {p}"))
                .unwrap_or_default(),
        );
    }
    Ok(())
}

async fn pickups(
    store: &Store,
    key: Option<&crate::privacy::DataKey>,
    json: bool,
    overdue_days: u32,
    reveal: bool,
) -> anyhow::Result<()> {
    let report = crate::reports::pickups_report(
        &store.pickup_records().await?,
        &store.code_rejections().await?,
        overdue_days,
        chrono::Utc::now(),
        key,
        reveal,
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{:<16} {:>8} {:>10} {:>7} {:>5} {:>8} {:>10} {:>12} {:>9}",
        "KIOSK",
        "WAITING",
        "COLLECTED",
        "POSTED",
        "HELD",
        "OVERDUE",
        "TAKEN OUT",
        "WRONG CODES",
        "LOCKOUTS"
    );
    for k in &report.kiosks {
        println!(
            "{:<16} {:>8} {:>10} {:>7} {:>5} {:>8} {:>10} {:>12} {:>9}",
            k.kiosk_id,
            k.waiting,
            k.collected,
            k.posted,
            k.held,
            k.overdue,
            k.taken_out,
            k.wrong_codes,
            k.lockouts
        );
    }
    for (title, items) in [
        (
            format!("overdue (waiting more than {overdue_days} days)"),
            &report.overdue,
        ),
        ("held for the staff".to_string(), &report.held),
        ("to post (免费邮寄)".to_string(), &report.to_post),
    ] {
        println!("\n{title}: {}", items.len());
        for i in items {
            println!(
                "{} door {} {} {} since {}{}",
                i.kiosk_id,
                i.locker_door,
                i.pickup_id,
                i.document,
                i.since,
                i.detail
                    .as_deref()
                    .map(|d| format!(" — {d}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// `text` right-aligned in `width` terminal columns after a space (a CJK character takes two).
fn pad_left(text: &str, width: usize) -> String {
    let used: usize = text
        .chars()
        .map(|c| if c >= '\u{2E80}' { 2 } else { 1 })
        .sum();
    format!(" {}{text}", " ".repeat(width.saturating_sub(used)))
}
/// `--date` checked, or `default`.
fn day_arg(date: Option<String>, default: chrono::NaiveDate) -> anyhow::Result<String> {
    match date {
        None => Ok(default.to_string()),
        Some(d) if crate::schedule::parse_date(&d).is_some() => Ok(d),
        Some(d) => anyhow::bail!("--date {d:?} is not a YYYY-MM-DD date"),
    }
}

async fn appointments(store: &Store, day: &str, json: bool) -> anyhow::Result<()> {
    let list = store.appointments_on(Some(day)).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let catalog = store.current_catalog().await?;
    println!(
        "{:<10} {:<11} {:<12} {:<11} {:<12} {:<8} {:<8} REFUSED BECAUSE",
        "SERVICE", "TIME", "STATUS", "CODE", "KIOSK", "SOURCE", "SEEN"
    );
    for a in &list {
        let (start, end) =
            crate::appointments::slot_clock(&catalog, &a.service, &a.date, &a.slot_id);
        println!(
            "{:<10} {:<11} {:<12} {:<11} {:<12} {:<8} {:<8} {}",
            a.service,
            format!("{start}-{end}"),
            a.status,
            a.code
                .as_deref()
                .map(sanban_wire::spaced_code)
                .unwrap_or_default(),
            a.kiosk_id,
            a.source,
            if a.status == "refused" {
                if a.refusal_seen {
                    "yes"
                } else {
                    "no"
                }
            } else {
                ""
            },
            a.reason.as_deref().unwrap_or("")
        );
    }
    eprintln!("{} appointment(s) on {day}", list.len());
    Ok(())
}
