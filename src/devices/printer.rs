//! The receipt printer, owned by one thread. Jobs and status queries arrive over a channel; the thread checks
//! the printer's real-time status before and after each job, polls it while idle, and reopens the port with
//! backoff when it disappears.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use sanban_hardware::printer::{PaperLevel, Printer, PrinterError, PrinterStatus};
use sanban_hardware::transport::SerialTransport;
use sanban_wire::DeviceState;

use super::health::{DeviceKind, HealthBoard};

/// How a job ended, in terms the UI can show a citizen.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintOutcome {
    Printed {
        paper_low: bool,
    },
    PaperOut,
    CoverOpen,
    /// Every byte went out, then the paper ran out before the end of the job: a partial receipt.
    PaperOutMidJob,
    /// Every byte went out, then the cover was opened before the end of the job: a partial receipt.
    CoverOpenMidJob,
    NoAnswer,
    /// Any other failure, with the exact cause for the technician.
    Failed(String),
}

impl PrintOutcome {
    pub fn printed(&self) -> bool {
        matches!(self, PrintOutcome::Printed { .. })
    }

    /// The cause recorded with the job.
    pub fn detail(&self) -> String {
        match self {
            PrintOutcome::Printed { paper_low: false } => "printed".into(),
            PrintOutcome::Printed { paper_low: true } => "printed; paper near end".into(),
            PrintOutcome::PaperOut => "paper out".into(),
            PrintOutcome::CoverOpen => "cover open".into(),
            PrintOutcome::PaperOutMidJob => "paper ran out mid-job; receipt incomplete".into(),
            PrintOutcome::CoverOpenMidJob => "cover opened mid-job; receipt incomplete".into(),
            PrintOutcome::NoAnswer => "printer does not answer".into(),
            PrintOutcome::Failed(why) => why.clone(),
        }
    }
}

/// Result of a job plus when its last byte left for the port (the tap-to-print benchmark reads it).
#[derive(Debug, Clone)]
pub struct PrintResult {
    pub outcome: PrintOutcome,
    pub last_byte_written_at: Option<Instant>,
}

enum Command {
    Print {
        bytes: Vec<u8>,
        reply: Sender<PrintResult>,
    },
    Status {
        reply: Sender<Result<PrinterStatus, String>>,
    },
}

/// Talk to the printer thread.
#[derive(Clone)]
pub struct PrinterHandle {
    tx: Option<Sender<Command>>,
}

const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl PrinterHandle {
    /// Start the printer thread for `path` (None: no printer configured).
    pub fn start(
        path: Option<String>,
        baud: u32,
        poll: Duration,
        health: HealthBoard,
    ) -> PrinterHandle {
        let Some(path) = path else {
            health.set(DeviceKind::Printer, DeviceState::Absent, "not configured");
            return PrinterHandle { tx: None };
        };
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("printer".into())
            .spawn(move || {
                PrinterWorker {
                    path,
                    baud,
                    poll,
                    health,
                    printer: None,
                    backoff: Duration::ZERO,
                }
                .run(rx)
            })
            .expect("spawn printer thread");
        PrinterHandle { tx: Some(tx) }
    }

    /// Queue a job; the result arrives on the returned channel.
    pub fn print(&self, bytes: Vec<u8>) -> Receiver<PrintResult> {
        let (reply, rx) = mpsc::channel();
        match &self.tx {
            Some(tx) => {
                if let Err(mpsc::SendError(Command::Print { reply, .. })) =
                    tx.send(Command::Print { bytes, reply })
                {
                    let _ = reply.send(PrintResult {
                        outcome: PrintOutcome::NoAnswer,
                        last_byte_written_at: None,
                    });
                }
            }
            None => {
                let _ = reply.send(PrintResult {
                    outcome: PrintOutcome::Failed("no printer configured".into()),
                    last_byte_written_at: None,
                });
            }
        }
        rx
    }

    /// Ask the printer for its status now.
    pub fn status(&self, timeout: Duration) -> Result<PrinterStatus, String> {
        let tx = self.tx.as_ref().ok_or("no printer configured")?;
        let (reply, rx) = mpsc::channel();
        tx.send(Command::Status { reply })
            .map_err(|_| "printer thread stopped".to_string())?;
        rx.recv_timeout(timeout)
            .map_err(|_| "printer thread did not answer".to_string())?
    }
}

struct PrinterWorker {
    path: String,
    baud: u32,
    poll: Duration,
    health: HealthBoard,
    printer: Option<Printer<SerialTransport>>,
    backoff: Duration,
}

impl PrinterWorker {
    fn run(mut self, rx: Receiver<Command>) {
        let mut next_poll = Instant::now();
        loop {
            let wait = next_poll.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(Command::Print { bytes, reply }) => {
                    let result = self.print(&bytes);
                    let _ = reply.send(result);
                }
                Ok(Command::Status { reply }) => {
                    let _ = reply.send(self.poll().map_err(|e| e.to_string()));
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.poll();
                    next_poll = Instant::now()
                        + if self.printer.is_some() {
                            self.poll
                        } else {
                            self.backoff
                        };
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Open the port if it is not open; on failure, back off exponentially (capped).
    fn connect(&mut self) -> Result<&mut Printer<SerialTransport>, PrinterError> {
        if self.printer.is_none() {
            match SerialTransport::open(&self.path, self.baud) {
                Ok(t) => {
                    self.printer = Some(Printer::new(t));
                    self.backoff = Duration::ZERO;
                }
                Err(e) => {
                    self.backoff =
                        (self.backoff * 2).clamp(Duration::from_millis(500), MAX_BACKOFF);
                    self.health.set(
                        DeviceKind::Printer,
                        DeviceState::Fault,
                        format!("cannot open {}: {e}", self.path),
                    );
                    return Err(PrinterError::Io(e));
                }
            }
        }
        Ok(self.printer.as_mut().expect("just opened"))
    }

    fn poll(&mut self) -> Result<PrinterStatus, PrinterError> {
        let result = self.connect().and_then(|p| p.status());
        self.report(&result);
        result
    }

    fn print(&mut self, bytes: &[u8]) -> PrintResult {
        let result = self.connect().and_then(|p| p.print(bytes));
        let outcome = match &result {
            Ok(report) => {
                tracing::debug!(
                    confirmed = report.completion.confirmed(),
                    print_ms =
                        (report.completion.at() - report.last_byte_written_at).as_millis() as u64,
                    "print job done"
                );
                self.report(&Ok(report.after));
                PrintOutcome::Printed {
                    paper_low: matches!(report.after.paper, PaperLevel::NearEnd),
                }
            }
            Err(e) => {
                let status = match e {
                    PrinterError::NotReady(s) | PrinterError::StoppedMidJob { status: s, .. } => {
                        Ok(*s)
                    }
                    _ => Err(()),
                };
                match status {
                    Ok(s) => self.report(&Ok(s)),
                    Err(()) => self.report_error(e),
                }
                outcome_of(e)
            }
        };
        let last_byte_written_at = match &result {
            Ok(r) => Some(r.last_byte_written_at),
            Err(PrinterError::StoppedMidJob {
                last_byte_written_at,
                ..
            }) => Some(*last_byte_written_at),
            Err(_) => None,
        };
        PrintResult {
            last_byte_written_at,
            outcome,
        }
    }

    fn report(&mut self, result: &Result<PrinterStatus, PrinterError>) {
        match result {
            Ok(status) if !status.can_print() => self.health.set(
                DeviceKind::Printer,
                DeviceState::Fault,
                status.problem().unwrap_or("not ready").to_string(),
            ),
            Ok(status) if matches!(status.paper, PaperLevel::NearEnd) => {
                self.health
                    .set(DeviceKind::Printer, DeviceState::Warning, "paper near end")
            }
            Ok(_) => self
                .health
                .set(DeviceKind::Printer, DeviceState::Ok, "ready"),
            Err(e) => self.report_error(e),
        }
    }

    fn report_error(&mut self, e: &PrinterError) {
        if matches!(e, PrinterError::Io(_)) {
            // A pulled cable: drop the port and reopen it on the next attempt.
            self.printer = None;
            self.backoff = self.backoff.max(Duration::from_millis(500));
        }
        self.health
            .set(DeviceKind::Printer, DeviceState::Fault, e.to_string());
    }
}

fn outcome_of(e: &PrinterError) -> PrintOutcome {
    match e {
        PrinterError::NotReady(s) if s.cover_open => PrintOutcome::CoverOpen,
        PrinterError::NotReady(s) if matches!(s.paper, PaperLevel::Out) => PrintOutcome::PaperOut,
        PrinterError::StoppedMidJob { status, .. } if status.cover_open => {
            PrintOutcome::CoverOpenMidJob
        }
        PrinterError::StoppedMidJob { status, .. } if matches!(status.paper, PaperLevel::Out) => {
            PrintOutcome::PaperOutMidJob
        }
        PrinterError::NoAnswer => PrintOutcome::NoAnswer,
        other => PrintOutcome::Failed(other.to_string()),
    }
}
