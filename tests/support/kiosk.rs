//! The kiosk binary as a child process: a config TOML in a temp dir, `run --headless --burst N`, its stdout read
//! line by line, SIGKILL and restart on the same data directory; plus the technician commands (`sync --once`,
//! `outbox status --json`) and read-only looks into its SQLite file.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

pub const KIOSK_BIN: &str = env!("CARGO_BIN_EXE_sanban-kiosk");

/// One ticket line of a burst: `ticket <NUMBER> <PrintState>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownTicket {
    pub number: String,
    pub state: String,
}

/// A kiosk's files: config, data directory, log. Processes come and go; the files stay.
pub struct Kiosk {
    pub id: String,
    pub dir: PathBuf,
    pub config: PathBuf,
    pub data: PathBuf,
    log: PathBuf,
    run: Option<KioskRun>,
    /// Every ticket line every run printed, in order.
    pub shown: Vec<ShownTicket>,
    pub runs: usize,
}

/// One running `sanban-kiosk run` process.
struct KioskRun {
    child: Child,
    lines: Receiver<String>,
    burst_done: bool,
}

impl Kiosk {
    /// Write the config: the printer on `printer` (a pty path), no ID card reader or locker, the platform at
    /// `platform` (`(url, token)`) or none.
    pub fn new(dir: &Path, id: &str, printer: &Path, platform: Option<(&str, &str)>) -> Kiosk {
        std::fs::create_dir_all(dir).expect("kiosk dir");
        let data = dir.join("data");
        let config = dir.join("kiosk.toml");
        let mut toml = format!(
            "[kiosk]\nid = \"{id}\"\n\n[devices]\nprinter = \"{}\"\nidcard = \"none\"\nlocker = \"none\"\npoll_ms = 1000\n\n[data]\ndir = \"{}\"\n",
            printer.display(),
            data.display()
        );
        if let Some((url, token)) = platform {
            toml.push_str(&format!(
                "\n[platform]\nurl = \"{url}\"\ntoken = \"{token}\"\n"
            ));
        }
        std::fs::write(&config, toml).expect("write kiosk config");
        Kiosk {
            id: id.into(),
            dir: dir.into(),
            config,
            data,
            log: dir.join("kiosk.log"),
            run: None,
            shown: Vec::new(),
            runs: 0,
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(KIOSK_BIN);
        cmd.arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data);
        cmd.env("RUST_LOG", "info")
            .env_remove("SANBAN_CONFIG")
            .stdin(Stdio::null());
        cmd
    }

    /// Start `run --headless --burst n`. Panics if a run is still alive.
    pub fn start_burst(&mut self, n: usize) {
        assert!(self.run.is_none(), "kiosk already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("kiosk log");
        use std::io::Write;
        let _ = writeln!(&log, "===== run {} (burst {n}) =====", self.runs + 1);
        let mut child = self
            .command()
            .args(["run", "--headless", "--burst", &n.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn sanban-kiosk");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        self.run = Some(KioskRun {
            child,
            lines: rx,
            burst_done: false,
        });
        self.runs += 1;
    }

    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// Wait up to `timeout` for the next stdout line of the running kiosk; records ticket lines.
    fn next_line(&mut self, timeout: Duration) -> Result<String, RecvTimeoutError> {
        let run = self.run.as_mut().expect("kiosk not running");
        let line = run.lines.recv_timeout(timeout)?;
        if let Some(rest) = line.strip_prefix("ticket ") {
            let mut parts = rest.split_whitespace();
            if let (Some(number), Some(state)) = (parts.next(), parts.next()) {
                self.shown.push(ShownTicket {
                    number: number.into(),
                    state: state.into(),
                });
            }
        } else if line == "burst done" {
            run.burst_done = true;
        }
        Ok(line)
    }

    /// Read lines until `count` more ticket lines were printed (or "burst done"); returns how many arrived.
    pub fn wait_tickets(&mut self, count: usize, timeout: Duration) -> usize {
        let before = self.shown.len();
        let deadline = Instant::now() + timeout;
        while self.shown.len() - before < count {
            if self.run.as_ref().is_some_and(|r| r.burst_done) {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left.max(Duration::from_millis(1))) {
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("kiosk exited during the burst; log:\n{}", self.log_tail(30))
                }
            }
        }
        self.shown.len() - before
    }

    /// Read lines until "burst done"; panics with the log after `timeout`.
    pub fn wait_burst_done(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.run.as_ref().expect("kiosk not running").burst_done {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left.max(Duration::from_millis(1))) {
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(e) => panic!(
                    "no \"burst done\" from the kiosk within {timeout:?} ({e:?}); log:\n{}",
                    self.log_tail(30)
                ),
            }
        }
    }

    /// SIGKILL the running kiosk (no-op when none) and reap it; drains the lines it printed before dying.
    pub fn kill(&mut self) {
        if let Some(mut run) = self.run.take() {
            let _ = run.child.kill();
            let _ = run.child.wait();
            // Lines already written to the pipe are still readable: keep the ticket lines.
            let lines: Vec<String> = run.lines.try_iter().collect();
            for line in lines {
                if let Some(rest) = line.strip_prefix("ticket ") {
                    let mut parts = rest.split_whitespace();
                    if let (Some(number), Some(state)) = (parts.next(), parts.next()) {
                        self.shown.push(ShownTicket {
                            number: number.into(),
                            state: state.into(),
                        });
                    }
                }
            }
        }
    }

    /// `sanban-kiosk sync --once`, bounded by `timeout` (killed after it).
    pub fn sync_once(&self, timeout: Duration) -> Output {
        self.run_tool(&["sync", "--once"], timeout)
    }

    /// `sanban-kiosk outbox status --json`, parsed.
    pub fn outbox_status(&self) -> serde_json::Value {
        let out = self.run_tool(&["outbox", "status", "--json"], Duration::from_secs(30));
        assert!(
            out.status.success(),
            "outbox status failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "outbox status --json is not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Pending events, read straight from the database (cheaper than the CLI for polling).
    pub fn pending_events(&self) -> u64 {
        self.db()
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE status = 'pending'",
                [],
                |r| r.get(0),
            )
            .expect("count pending")
    }

    fn run_tool(&self, args: &[&str], timeout: Duration) -> Output {
        self.spawn_tool(args).wait(timeout)
    }

    /// Start a technician command (e.g. `sync --once`) without waiting for it.
    pub fn spawn_tool(&self, args: &[&str]) -> Tool {
        let child = self
            .command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sanban-kiosk tool");
        Tool {
            child: Some(child),
            what: format!("sanban-kiosk {}", args.join(" ")),
        }
    }

    /// A read-only connection to the kiosk's SQLite file (never a writer: the kiosk owns it).
    pub fn db(&self) -> Connection {
        let conn = Connection::open_with_flags(
            self.data.join("kiosk.sqlite3"),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .expect("open kiosk db read-only");
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn
    }

    /// Tickets the kiosk committed: id → (category, business_day, number).
    pub fn db_tickets(&self) -> BTreeMap<String, (String, String, String)> {
        let conn = self.db();
        let mut stmt = conn
            .prepare("SELECT id, category, business_day, number FROM tickets")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// Print jobs per ticket id: the statuses of its jobs ('pending', 'printed', 'failed').
    pub fn print_jobs(&self) -> BTreeMap<String, Vec<String>> {
        let conn = self.db();
        let mut stmt = conn
            .prepare(
                "SELECT subject_id, status FROM print_jobs WHERE subject = 'ticket' ORDER BY id",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap();
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in rows {
            let (ticket, status) = row.unwrap();
            out.entry(ticket).or_default().push(status);
        }
        out
    }

    /// The end of the kiosk's log without its sync retry lines (they drown everything else), and the ticket lines
    /// its runs printed.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("retrying in"))
            .collect();
        format!(
            "{}\n(ticket lines so far: {:?})",
            kept[kept.len().saturating_sub(lines)..].join("\n"),
            self.shown
                .iter()
                .map(|t| format!("{} {}", t.number, t.state))
                .collect::<Vec<_>>()
        )
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A technician command in flight; killed if dropped unfinished (a panic unwinding past it).
pub struct Tool {
    child: Option<Child>,
    what: String,
}

impl Tool {
    /// Wait for it to finish (reading its output as it comes); panics, after killing it, past `timeout`.
    pub fn wait(mut self, timeout: Duration) -> Output {
        let mut child = self.child.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out_reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stdout, &mut v);
            v
        });
        let err_reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stderr, &mut v);
            v
        });
        let status = super::poll_for(timeout, Duration::from_millis(10), || {
            child.try_wait().expect("try_wait")
        });
        let Some(status) = status else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{}` did not finish within {timeout:?}", self.what);
        };
        Output {
            status,
            stdout: out_reader.join().unwrap(),
            stderr: err_reader.join().unwrap(),
        }
    }
}

impl Drop for Tool {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
