//! The reference platform on a fixed loopback port over one SQLite file: in this process (its own tokio runtime)
//! or as a `sanban-platform serve` child process that can be killed with SIGKILL and restarted on the same file
//! and the same port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sanban_platform::{PlatformDb, StoredTicket};

enum Running {
    Stopped,
    InProcess {
        runtime: tokio::runtime::Runtime,
        shutdown: Option<tokio::sync::oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<anyhow::Result<()>>,
    },
    Process {
        child: Child,
    },
}

/// A platform on `127.0.0.1:port` over `db`. Starts stopped; dropping it stops (kills) it.
pub struct Platform {
    pub db: PathBuf,
    pub port: u16,
    log: PathBuf,
    running: Running,
    starts: usize,
}

impl Platform {
    /// A platform whose database lives in `dir` (created now, migrated) and that will listen on `port`.
    pub fn new(dir: &Path, port: u16) -> Platform {
        let db = dir.join("platform.sqlite3");
        drop(PlatformDb::open(&db).expect("create the platform database"));
        Platform {
            db,
            port,
            log: dir.join("platform.log"),
            running: Running::Stopped,
            starts: 0,
        }
    }

    /// Register a kiosk; returns its bearer token.
    pub fn add_kiosk(&self, id: &str) -> String {
        sanban_platform::add_kiosk(&self.db, id).expect("add kiosk")
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    pub fn is_running(&self) -> bool {
        !matches!(self.running, Running::Stopped)
    }

    /// Serve from this test process (library `serve_with_shutdown`), on the fixed port.
    pub fn start_in_process(&mut self) {
        assert!(!self.is_running(), "platform already running");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("platform")
            .build()
            .expect("platform runtime");
        let port = self.port;
        // The port may still be held briefly by a connection of the previous run: retry, bounded.
        let listener = super::poll_until(
            "the platform port to bind",
            Duration::from_secs(10),
            Duration::from_millis(100),
            || {
                runtime.block_on(async {
                    let socket = tokio::net::TcpSocket::new_v4().ok()?;
                    socket.set_reuseaddr(true).ok()?;
                    socket.bind(([127, 0, 0, 1], port).into()).ok()?;
                    socket.listen(1024).ok()
                })
            },
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let db = self.db.clone();
        let task = runtime.spawn(async move {
            sanban_platform::serve_with_shutdown(listener, db, async {
                let _ = rx.await;
            })
            .await
        });
        self.running = Running::InProcess {
            runtime,
            shutdown: Some(tx),
            task,
        };
        self.starts += 1;
    }

    /// Serve as a `sanban-platform serve` child process, on the fixed port; returns once it printed
    /// "listening on".
    pub fn start_process(&mut self) {
        assert!(!self.is_running(), "platform already running");
        let bin = platform_binary();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .expect("platform log");
            let mut child = Command::new(bin)
                .args([
                    "serve",
                    "--listen",
                    &format!("127.0.0.1:{}", self.port),
                    "--db",
                ])
                .arg(&self.db)
                .env("RUST_LOG", "info")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(log))
                .spawn()
                .expect("spawn sanban-platform");
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(line) if line.starts_with("listening on ") => {
                    self.running = Running::Process { child };
                    self.starts += 1;
                    return;
                }
                other => {
                    let _ = child.kill();
                    let _ = child.wait();
                    if Instant::now() > deadline {
                        panic!(
                            "sanban-platform did not start on port {} ({other:?}); log:\n{}",
                            self.port,
                            tail(&self.log, 20)
                        );
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
    }

    /// Stop at once: SIGKILL for a process; for an in-process platform, drop its runtime without waiting (its
    /// tasks vanish mid-request, the store's writer finishes the transaction it is in).
    pub fn kill(&mut self) {
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::Stopped => {}
            Running::Process { mut child } => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Running::InProcess {
                runtime,
                shutdown,
                task,
            } => {
                drop((shutdown, task));
                runtime.shutdown_background();
            }
        }
    }

    /// Stop gracefully (finish requests in flight), bounded; a process gets SIGKILL (the CLI also handles SIGTERM,
    /// but std has no portable way to send it).
    pub fn stop(&mut self) {
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::InProcess {
                runtime,
                mut shutdown,
                task,
            } => {
                if let Some(tx) = shutdown.take() {
                    let _ = tx.send(());
                }
                let _ = runtime
                    .block_on(async { tokio::time::timeout(Duration::from_secs(5), task).await });
                runtime.shutdown_timeout(Duration::from_secs(2));
            }
            other => {
                self.running = other;
                self.kill();
            }
        }
    }

    /// The read API over the database file (works while the platform runs: WAL).
    pub fn read(&self) -> PlatformDb {
        PlatformDb::open(&self.db).expect("open platform db")
    }

    pub fn tickets(&self, kiosk: &str) -> Vec<StoredTicket> {
        self.read().tickets(Some(kiosk)).expect("platform tickets")
    }

    pub fn last_applied_seq(&self, kiosk: &str) -> u64 {
        self.read()
            .last_applied_seq(kiosk)
            .expect("last_applied_seq")
            .unwrap_or(0)
    }

    /// Rows of the platform's `events` table for `kiosk` (one per applied or rejected event).
    pub fn event_rows(&self, kiosk: &str) -> u64 {
        self.read()
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM events WHERE kiosk_id = ?1",
                [kiosk],
                |r| r.get(0),
            )
            .expect("count events")
    }

    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Path of the `sanban-platform` binary next to the kiosk binary, built (once per test process) with
/// `cargo build -p sanban-platform` so it is never stale.
pub fn platform_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let kiosk = Path::new(env!("CARGO_BIN_EXE_sanban-kiosk"));
        let bin = kiosk.with_file_name(format!("sanban-platform{}", std::env::consts::EXE_SUFFIX));
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "sanban-platform",
            "--bin",
            "sanban-platform",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
        if kiosk
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|d| d == "release")
        {
            cmd.arg("--release");
        }
        let mut child = cmd.spawn().expect("run cargo build -p sanban-platform");
        let status = super::poll_until(
            "cargo build -p sanban-platform",
            Duration::from_secs(900),
            Duration::from_millis(200),
            || child.try_wait().expect("wait for cargo"),
        );
        assert!(
            status.success(),
            "cargo build -p sanban-platform failed: {status}"
        );
        assert!(bin.exists(), "{} missing after the build", bin.display());
        bin
    })
}

pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
