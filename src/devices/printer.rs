//! The receipt printer, owned by one thread. Jobs and status queries arrive over a channel; the thread checks
//! the printer's real-time status before and after each job, polls it while idle, and reopens the port with
//! backoff when it disappears.

use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use sanban_hardware::printer::{PaperLevel, Printer, PrinterError, PrinterStatus};
use sanban_hardware::transport::SerialTransport;

use super::health::{DeviceKind, HealthBoard};
use super::worker::{self, Device, Link};

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

pub enum Command {
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

impl PrinterHandle {
    /// Start the printer thread for `path` (None: no printer configured).
    pub fn start(
        path: Option<String>,
        baud: u32,
        poll: Duration,
        health: HealthBoard,
    ) -> PrinterHandle {
        PrinterHandle {
            tx: worker::spawn(
                "printer",
                DeviceKind::Printer,
                path.map(|p| (p, PrinterDevice { baud, poll })),
                health,
            ),
        }
    }

    /// Queue a job; the result arrives on the returned channel.
    pub fn print(&self, bytes: Vec<u8>) -> mpsc::Receiver<PrintResult> {
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

/// How long opening the port waits for a job of an earlier run to finish printing (a long receipt at the slowest
/// print speed the driver assumes).
const SETTLE_WAIT: Duration = Duration::from_secs(5);

struct PrinterDevice {
    baud: u32,
    poll: Duration,
}

type Port = Printer<SerialTransport>;

impl Device for PrinterDevice {
    type Port = Port;
    type Command = Command;

    fn open(&mut self, path: &str) -> Result<Port, String> {
        let mut printer = SerialTransport::open(path, self.baud)
            .map(Printer::new)
            .map_err(|e| e.to_string())?;
        // A job of an earlier run may still be printing: its late answer must not confirm ours.
        if let Ok(false) | Err(_) = printer.settle(SETTLE_WAIT) {
            tracing::debug!(
                "printer did not answer GS I 69: answers of earlier jobs cannot be told apart"
            );
        }
        Ok(printer)
    }

    fn serve(&mut self, link: &mut Link<Port>, command: Command) {
        match command {
            Command::Print { bytes, reply } => {
                let result = self.print(link, &bytes);
                let _ = reply.send(result);
            }
            Command::Status { reply } => {
                let _ = reply.send(self.status(link));
            }
        }
    }

    fn tick(&mut self, link: &mut Link<Port>) -> Duration {
        let _ = self.status(link);
        if link.is_open() {
            self.poll
        } else {
            link.until_retry().max(Duration::from_millis(100))
        }
    }
}

impl PrinterDevice {
    fn status(&mut self, link: &mut Link<Port>) -> Result<PrinterStatus, String> {
        let result = link.port(self)?.status();
        report(link, &result);
        result.map_err(|e| e.to_string())
    }

    fn print(&mut self, link: &mut Link<Port>, bytes: &[u8]) -> PrintResult {
        let result = match link.port(self) {
            Ok(printer) => printer.print(bytes),
            Err(why) => {
                return PrintResult {
                    outcome: PrintOutcome::Failed(why),
                    last_byte_written_at: None,
                }
            }
        };
        let outcome = match &result {
            Ok(report_) => {
                tracing::debug!(
                    confirmed = report_.completion.confirmed(),
                    print_ms =
                        (report_.completion.at() - report_.last_byte_written_at).as_millis() as u64,
                    "print job done"
                );
                report(link, &Ok(report_.after));
                PrintOutcome::Printed {
                    paper_low: matches!(report_.after.paper, PaperLevel::NearEnd),
                }
            }
            Err(e) => {
                match e {
                    PrinterError::NotReady(s) | PrinterError::StoppedMidJob { status: s, .. } => {
                        report(link, &Ok(*s))
                    }
                    other => report_error(link, other),
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
}

fn report(link: &mut Link<Port>, result: &Result<PrinterStatus, PrinterError>) {
    match result {
        Ok(status) if !status.can_print() => link.fault(status.problem().unwrap_or("not ready")),
        Ok(status) if matches!(status.paper, PaperLevel::NearEnd) => link.warn("paper near end"),
        Ok(_) => link.ok("ready"),
        Err(e) => report_error(link, e),
    }
}

fn report_error(link: &mut Link<Port>, e: &PrinterError) {
    if matches!(e, PrinterError::Io(_)) {
        // A pulled cable: drop the port and reopen it after a backoff.
        link.lost(&e.to_string());
    } else {
        link.fault(&e.to_string());
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
