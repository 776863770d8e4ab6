//! The one printing service: every print job of every errand (ticket, guide notice, appointment slip, application
//! receipt, pickup proof) goes through here. The job is already stored (the errand transaction wrote it); this
//! sends it to the printer thread (which checks the status before and after), records the outcome with the job —
//! a failed job stays in the database with its cause for the technician — and reports it to whoever waits.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::clock::Clock;
use crate::devices::printer::PrintResult;
use crate::devices::{PrintOutcome, PrinterHandle};
use crate::store::Store;

/// Measurements the benchmarks and the tour read.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    /// From the tap's callback to the last receipt byte written to the printer port.
    pub tap_to_last_byte: Vec<std::time::Duration>,
}

#[derive(Clone)]
pub struct PrintService {
    printer: PrinterHandle,
    store: Arc<Mutex<Store>>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Mutex<Metrics>>,
}

impl PrintService {
    pub fn new(
        printer: PrinterHandle,
        store: Arc<Mutex<Store>>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Mutex<Metrics>>,
    ) -> PrintService {
        PrintService {
            printer,
            store,
            clock,
            metrics,
        }
    }

    /// Print stored job `job` (`bytes` are its stored bytes). `tapped_at` is when the citizen asked for it (for the
    /// tap-to-print measurement). `on_done` runs on a helper thread with the outcome, after it was recorded.
    pub fn print(
        &self,
        job: i64,
        bytes: Vec<u8>,
        tapped_at: Instant,
        on_done: impl FnOnce(PrintOutcome) + Send + 'static,
    ) {
        // Sent to the printer thread before anything else is done.
        let reply = self.printer.print(bytes);
        let this = self.clone();
        std::thread::spawn(move || {
            let result = reply.recv().unwrap_or(PrintResult {
                outcome: PrintOutcome::NoAnswer,
                last_byte_written_at: None,
            });
            if let Some(at) = result.last_byte_written_at {
                this.metrics
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .tap_to_last_byte
                    .push(at.saturating_duration_since(tapped_at));
            }
            let recorded = this
                .store
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .finish_print_job(
                    job,
                    result.outcome.printed(),
                    Some(&result.outcome.detail()),
                    this.clock.now(),
                );
            if let Err(e) = recorded {
                tracing::error!("print job {job} outcome not recorded: {e}");
            }
            if !result.outcome.printed() {
                tracing::warn!(job, "not printed: {}", result.outcome.detail());
            }
            on_done(result.outcome);
        });
    }

    /// Send a stored job again (a technician's reprint, or the citizen's "try again" after the paper was refilled).
    pub fn reprint(&self, job: i64, on_done: impl FnOnce(PrintOutcome) + Send + 'static) {
        let bytes = {
            let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            match store
                .print_job_bytes(job)
                .and_then(|b| store.restart_print_job(job).map(|()| b))
            {
                Ok(b) => b,
                Err(e) => {
                    on_done(PrintOutcome::Failed(format!(
                        "job {job} cannot be read: {e}"
                    )));
                    return;
                }
            }
        };
        self.print(job, bytes, Instant::now(), on_done);
    }
}
