//! The printer driver: real-time status queries and sending jobs over a [`Transport`], with print completion.
//!
//! Bytes leaving the port are not paper leaving the printer: a printer buffers the job and prints it over the
//! next second or two, and the paper can run out or the cover open meanwhile. So after a job the driver sends
//! `GS r 1` (transmit paper sensor status). It is a non-real-time command: the printer answers it only when its
//! mechanism reaches it, after everything before it (the last line and the cut) was done. Chinese 80 mm units
//! (Xprinter, Rongta, HPRT, GPrinter and their clones) answer it; Epson's `GS ( H` process-ID response would say
//! the same with an ID but few of them have it, so the driver does not use it. While waiting, the driver polls
//! `DLE EOT` (answered at once, even mid-job) and reports a stop (paper end, cover open, an error) as
//! [`PrinterError::StoppedMidJob`].
//!
//! The wait is bounded by the job's paper length at the slowest speed the printer may print at, plus a margin
//! ([`PrintTiming`]). Legacy firmware that does not know `GS r` never answers: when the bound passes with the
//! printer reporting no stop, the job is taken as printed ([`Completion::Assumed`]); that is the conservative
//! rule, as the bound assumes a slow printer. `GS r` replies (one byte, `0000xxxx`) and `DLE EOT` replies
//! (`0xx1xx10`) are told apart by bit 4, so both can share the line.

use std::io;
use std::time::{Duration, Instant};

use super::coverage::PrinterFont;
use super::render::{paper_dots, DOTS_PER_MM};
use super::status::{is_dle_eot_reply, is_gs_r_reply, PrinterStatus};
use crate::transport::Transport;

/// Bytes written per `send`: small enough that a failure says closely how much of the job went out.
pub const CHUNK: usize = 512;
/// Default wait for each one-byte status reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(300);
/// `GS r 1`: transmit the paper sensor status, once everything before it has printed.
const GS_R_PAPER: [u8; 3] = [0x1D, 0x72, 0x01];

/// Why a status query or a print failed.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// Nothing came back to a status query: unplugged, powered off, wrong port or wrong baud rate.
    #[error("the printer did not answer (unplugged, powered off, or wrong port/baud rate)")]
    NoAnswer,
    /// The printer answered but cannot print; the job was not sent.
    #[error("the printer is not ready: {}", .0.problem().unwrap_or("unknown cause"))]
    NotReady(PrinterStatus),
    /// The job did not go out or the printer stopped answering: `bytes_sent` of it went out, `status` is what
    /// the printer said afterwards (if it answered). `bytes_sent == job.len()` means every byte went out but the
    /// printer then stopped answering, so the paper may hold a partial receipt.
    #[error("printing failed after {bytes_sent} bytes: {}", .status.and_then(|s| s.problem()).unwrap_or("the printer stopped answering"))]
    FailedMidway {
        /// How many bytes of the job were written to the port.
        bytes_sent: usize,
        /// The status read after the failure, if the printer answered.
        status: Option<PrinterStatus>,
    },
    /// Every byte went out, then the printer stopped before the end of the job (paper ran out, cover opened, an
    /// error): the paper holds a partial receipt. Most printers finish the job once the cause is fixed (paper
    /// loaded, cover shut).
    #[error("the printer stopped mid-job: {} (the receipt is incomplete)", .status.problem().unwrap_or("unknown cause"))]
    StoppedMidJob {
        /// The status that showed the stop.
        status: PrinterStatus,
        /// When the last byte of the job was written.
        last_byte_written_at: Instant,
        /// When the stop was seen.
        stopped_at: Instant,
    },
    /// A status reply without the fixed bits 0xx1xx10: not an ESC/POS DLE EOT reply, or line noise.
    #[error("unexpected status reply byte {0:#04x} (not an ESC/POS DLE EOT reply)")]
    BadReply(u8),
    /// The port itself failed.
    #[error("printer port error: {0}")]
    Io(#[from] io::Error),
}

impl PrinterError {
    /// Whether the paper ran out while the job was printing (a partial receipt).
    pub fn paper_out_mid_job(&self) -> bool {
        matches!(self, PrinterError::StoppedMidJob { status, .. }
            if status.paper == super::status::PaperLevel::Out)
    }
}

/// How the end of a job was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The printer answered the `GS r 1` sent after the job: everything up to the cut was done.
    Confirmed {
        /// When the answer arrived.
        at: Instant,
    },
    /// No answer (legacy firmware without `GS r`), but the job's print time at the slowest speed plus the
    /// margin passed with the printer reporting no stop.
    Assumed {
        /// When the wait ended.
        at: Instant,
    },
}

impl Completion {
    /// When the job was known (or taken) to be done.
    pub fn at(&self) -> Instant {
        match *self {
            Completion::Confirmed { at } | Completion::Assumed { at } => at,
        }
    }

    /// Whether the printer itself confirmed it.
    pub fn confirmed(&self) -> bool {
        matches!(self, Completion::Confirmed { .. })
    }
}

/// What a successful [`Printer::print`] did.
#[derive(Debug, Clone, Copy)]
pub struct PrintReport {
    /// Bytes written (the whole job).
    pub bytes: usize,
    /// Status checked before sending.
    pub before: PrinterStatus,
    /// Status read once the job was done. May carry a warning (paper near end).
    pub after: PrinterStatus,
    /// When the last byte of the job was handed to (and drained by) the port; the completion query goes after.
    pub last_byte_written_at: Instant,
    /// When and how the end of the job was known.
    pub completion: Completion,
}

/// How long a job may take on paper: the bound of the completion wait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrintTiming {
    /// The slowest the printer prints, in mm/s (dense images, a cold head and a weak supply slow budget units
    /// far below their rated 150-250 mm/s). Default 50.
    pub slowest_mm_per_s: f32,
    /// Added to the estimate: the cut, the head warming up, the serial line. Default 1.5 s.
    pub margin: Duration,
    /// How often the real-time status is read while the job prints. Default 100 ms.
    pub poll: Duration,
}

impl Default for PrintTiming {
    fn default() -> Self {
        PrintTiming {
            slowest_mm_per_s: 50.0,
            margin: Duration::from_millis(1500),
            poll: Duration::from_millis(100),
        }
    }
}

impl PrintTiming {
    /// The longest `job` may take to print: its paper length at the slowest speed, plus the margin.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sanban_hardware::printer::PrintTiming;
    /// let t = PrintTiming { slowest_mm_per_s: 50.0, margin: Duration::from_secs(1), ..Default::default() };
    /// // ten lines of 32 dots (40 mm): 0.8 s at 50 mm/s, plus the margin
    /// let bound = t.completion_timeout(&b"\x1b3\x20A\n".repeat(10));
    /// assert_eq!(bound.as_millis(), 1800);
    /// ```
    pub fn completion_timeout(&self, job: &[u8]) -> Duration {
        let dots_per_s = self.slowest_mm_per_s * DOTS_PER_MM as f32;
        let print = if dots_per_s.is_finite() && dots_per_s > 0.0 {
            Duration::from_secs_f32(paper_dots(job) as f32 / dots_per_s)
        } else {
            Duration::ZERO
        };
        print + self.margin
    }
}

/// An ESC/POS printer on a transport (a serial port, or a simulator's pseudo-terminal).
pub struct Printer<T: Transport> {
    t: T,
    timeout: Duration,
    timing: PrintTiming,
    /// `GS r` requests sent and replies seen. Replies come in order, so a job's request is answered once
    /// `answered` reaches its number, even when an earlier, interrupted job's reply arrives first.
    requested: u64,
    answered: u64,
    answered_at: Option<Instant>,
}

impl<T: Transport> Printer<T> {
    /// A printer on `t` with the default status timeout (300 ms) and [`PrintTiming`].
    pub fn new(t: T) -> Self {
        Printer {
            t,
            timeout: DEFAULT_TIMEOUT,
            timing: PrintTiming::default(),
            requested: 0,
            answered: 0,
            answered_at: None,
        }
    }

    /// Wait up to `d` for each status reply byte.
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Bound the completion wait with `timing`.
    pub fn with_timing(mut self, timing: PrintTiming) -> Self {
        self.timing = timing;
        self
    }

    /// The transport back (e.g. to reopen it).
    pub fn into_inner(self) -> T {
        self.t
    }

    fn note_gs_r_reply(&mut self) {
        self.answered += 1;
        self.answered_at = Some(Instant::now());
    }

    /// One `DLE EOT n` query: exactly `10 04 n` (the `escpos` crate appends a stray 00, which some printers
    /// print as a character), one reply byte checked against the fixed bits. A `GS r` reply that arrives
    /// first is counted, not taken for the answer.
    fn query(&mut self, n: u8) -> Result<u8, PrinterError> {
        self.t.send(&[0x10, 0x04, n])?;
        let mut b = [0u8; 1];
        let deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.t.recv(&mut b, left)? == 1 {
                if is_dle_eot_reply(b[0]) {
                    return Ok(b[0]);
                }
                if !is_gs_r_reply(b[0]) {
                    return Err(PrinterError::BadReply(b[0]));
                }
                self.note_gs_r_reply();
                continue;
            }
            if left.is_zero() {
                return Err(PrinterError::NoAnswer);
            }
        }
    }

    /// `DLE EOT 1..4`, without first dropping stale input (which may hold a `GS r` reply).
    fn read_status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let mut replies = [0u8; 4];
        for (slot, n) in replies.iter_mut().zip(1u8..=4) {
            *slot = self.query(n)?;
        }
        Ok(PrinterStatus::from_dle_eot(replies))
    }

    /// The printer's status from `DLE EOT 1..4`. Stale input (a late reply from an earlier timeout) is discarded
    /// first so replies cannot be paired with the wrong query.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.clear_input()?;
        self.read_status()
    }

    /// Drop stale input. While a `GS r` answer is still owed (a job stopped mid-way, then went on), what is
    /// waiting is read and its `GS r` answers counted, so that answer cannot later pass for another job's.
    fn clear_input(&mut self) -> Result<(), PrinterError> {
        if self.answered >= self.requested {
            return Ok(self.t.discard_input()?);
        }
        let mut buf = [0u8; 64];
        for _ in 0..64 {
            let n = self.t.recv(&mut buf, Duration::from_millis(1))?;
            if n == 0 {
                break;
            }
            for _ in buf[..n].iter().filter(|&&b| is_gs_r_reply(b)) {
                self.note_gs_r_reply();
            }
        }
        Ok(())
    }

    /// Which double-byte font the printer has (`GS I 69` = `1D 49 45`), e.g. `"CHINA GB18030"`.
    /// The reply is `5F`, the name, `00` (some firmware omits the `5F`).
    pub fn font_id(&mut self) -> Result<String, PrinterError> {
        self.clear_input()?;
        self.t.send(&[0x1D, 0x49, 0x45])?;
        let mut reply = Vec::new();
        let deadline = Instant::now() + self.timeout;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let n = self.t.recv(&mut buf, left)?;
            reply.extend_from_slice(&buf[..n]);
            if let Some(end) = reply.iter().position(|&b| b == 0) {
                reply.truncate(end);
                break;
            }
            if left.is_zero() || reply.len() > 80 {
                if reply.is_empty() {
                    return Err(PrinterError::NoAnswer);
                }
                break;
            }
        }
        let name = reply.strip_prefix(&[0x5F]).unwrap_or(&reply);
        Ok(encoding_rs::GB18030.decode(name).0.trim().to_string())
    }

    /// Bring the answer stream in step with this connection. A job sent by an earlier connection (the kiosk
    /// restarted while the printer still worked on it) answers its `GS r` later; counted as this connection's
    /// answer, it would confirm a job still on its way. `GS I 69` is answered in order with the jobs, and its reply
    /// (`5F`, a name, `00`) cannot be mistaken for a `GS r` reply (`0000xxxx`), so every `GS r` reply that arrives
    /// before it is stale and dropped. Waits at most `max_wait` (about the longest job's print time); a printer
    /// without `GS I` simply never answers. Returns whether the stream is known to be in step.
    pub fn settle(&mut self, max_wait: Duration) -> Result<bool, PrinterError> {
        self.t.discard_input()?;
        // A printer that does not answer the real-time status at all is not waited for.
        self.read_status()?;
        self.t.send(&[0x1D, 0x49, 0x45])?;
        let deadline = Instant::now() + max_wait;
        let mut in_reply = false;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            let n = self.t.recv(&mut buf, left)?;
            for &b in &buf[..n] {
                if in_reply {
                    if b == 0 {
                        return Ok(true);
                    }
                } else if !is_gs_r_reply(b) && !is_dle_eot_reply(b) {
                    // 5F, or the name's first character when the firmware leaves the 5F out.
                    in_reply = true;
                }
            }
        }
    }

    /// The printer's font coverage: what `GS I 69` names, else `configured` (the printer did not answer or
    /// named a font that says neither GB18030 nor GB2312).
    pub fn printer_font(&mut self, configured: PrinterFont) -> PrinterFont {
        self.font_id()
            .ok()
            .and_then(|name| PrinterFont::from_font_id(&name))
            .unwrap_or(configured)
    }

    /// Send one job and wait for it to print: check the status (refuse with [`PrinterError::NotReady`] if it
    /// cannot print, sending nothing), write the bytes in chunks, send `GS r 1`, then wait for its answer while
    /// polling the real-time status, at most [`PrintTiming::completion_timeout`]. A stop seen before the answer
    /// is [`PrinterError::StoppedMidJob`]: the receipt is partial and the caller should offer another way
    /// (reprint, on-screen QR). No answer but no stop by the bound: [`Completion::Assumed`].
    pub fn print(&mut self, job: &[u8]) -> Result<PrintReport, PrinterError> {
        let before = self.status()?;
        if !before.can_print() {
            return Err(PrinterError::NotReady(before));
        }
        let mut sent = 0;
        for chunk in job.chunks(CHUNK) {
            if let Err(e) = self.t.send(chunk) {
                tracing::warn!(bytes_sent = sent, "printer write failed: {e}");
                return Err(self.failed_midway(sent));
            }
            sent += chunk.len();
        }
        let last_byte_written_at = Instant::now();
        let deadline = last_byte_written_at + self.timing.completion_timeout(job);
        if let Err(e) = self.t.send(&GS_R_PAPER) {
            tracing::warn!("printer write failed after the job: {e}");
            return Err(self.failed_midway(sent));
        }
        self.requested += 1;
        let (completion, after) = self.await_completion(deadline, last_byte_written_at, sent)?;
        Ok(PrintReport {
            bytes: sent,
            before,
            after,
            last_byte_written_at,
            completion,
        })
    }

    fn failed_midway(&mut self, bytes_sent: usize) -> PrinterError {
        PrinterError::FailedMidway {
            bytes_sent,
            status: self.status().ok(),
        }
    }

    /// Wait for the answer to the latest `GS r` until `deadline`, reading `DLE EOT` every `timing.poll`.
    fn await_completion(
        &mut self,
        deadline: Instant,
        last_byte_written_at: Instant,
        sent: usize,
    ) -> Result<(Completion, PrinterStatus), PrinterError> {
        let mine = self.requested;
        let mut next_poll = Instant::now() + self.timing.poll;
        loop {
            let until = next_poll.min(deadline);
            self.read_gs_r_replies(until)?;
            if self.answered >= mine {
                let at = self.answered_at.unwrap_or_else(Instant::now);
                let after = self.read_status().map_err(|_| PrinterError::FailedMidway {
                    bytes_sent: sent,
                    status: None,
                })?;
                return Ok((Completion::Confirmed { at }, after));
            }
            let now = Instant::now();
            if now >= next_poll || now >= deadline {
                let status = self.read_status().map_err(|_| PrinterError::FailedMidway {
                    bytes_sent: sent,
                    status: None,
                })?;
                if self.answered >= mine {
                    continue; // the answer came in among the status replies
                }
                if !status.can_print() {
                    return Err(PrinterError::StoppedMidJob {
                        status,
                        last_byte_written_at,
                        stopped_at: Instant::now(),
                    });
                }
                if Instant::now() >= deadline {
                    // The legacy rule. Replies still owed (a printer that dropped its buffer, or one without
                    // GS r) are written off, so they cannot confirm a later job.
                    tracing::debug!(
                        "no GS r answer within the print-time bound: completion assumed"
                    );
                    self.answered = self.requested;
                    return Ok((Completion::Assumed { at: Instant::now() }, status));
                }
                next_poll = Instant::now() + self.timing.poll;
            }
        }
    }

    /// Read what arrives until `until`, counting `GS r` replies; anything else (a late `DLE EOT` reply, noise)
    /// is dropped. Returns early once a reply came.
    fn read_gs_r_replies(&mut self, until: Instant) -> Result<(), PrinterError> {
        let mut buf = [0u8; 16];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            let n = self.t.recv(&mut buf, left)?;
            let replies = buf[..n].iter().filter(|&&b| is_gs_r_reply(b)).count();
            for _ in 0..replies {
                self.note_gs_r_reply();
            }
            if replies > 0 {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::PaperLevel;
    use crate::transport::MemoryPipe;

    const FAST: PrintTiming = PrintTiming {
        slowest_mm_per_s: 100.0,
        margin: Duration::from_millis(200),
        poll: Duration::from_millis(20),
    };

    /// A scripted printer on the far end of a pipe: answers each `10 04 n` with `replies(queries so far)[n-1]`,
    /// answers `GS r 1` with 00 unless `legacy`, records the rest.
    fn scripted_with(
        legacy: bool,
        replies: impl Fn(usize) -> [u8; 4] + Send + 'static,
    ) -> (Printer<MemoryPipe>, std::thread::JoinHandle<Vec<u8>>) {
        let (a, mut b) = MemoryPipe::pair();
        let h = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let mut queries = 0;
            while let Ok(n) = b.recv(&mut buf, Duration::from_millis(300)) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                while let Some(p) = got.windows(3).position(|w| w[0] == 0x10 && w[1] == 0x04) {
                    let q = got[p + 2];
                    got.drain(p..p + 3);
                    let _ = b.send(&[replies(queries)[(q as usize).clamp(1, 4) - 1]]);
                    queries += 1;
                }
                if let Some(p) = got.windows(3).position(|w| w == GS_R_PAPER) {
                    got.drain(p..p + 3);
                    if !legacy {
                        let _ = b.send(&[0x00]);
                    }
                }
            }
            got
        });
        (
            Printer::new(a)
                .with_timeout(Duration::from_millis(100))
                .with_timing(FAST),
            h,
        )
    }

    fn scripted(replies: [u8; 4]) -> (Printer<MemoryPipe>, std::thread::JoinHandle<Vec<u8>>) {
        scripted_with(false, move |_| replies)
    }

    #[test]
    fn status_sends_exactly_three_bytes_and_drops_stale_input() {
        let (a, mut b) = MemoryPipe::pair();
        let mut p = Printer::new(a).with_timeout(Duration::from_millis(50));
        b.send(&[0x12]).unwrap(); // a late reply from some earlier query: must not be taken as the answer
        assert!(matches!(p.status(), Err(PrinterError::NoAnswer)));
        let mut buf = [0u8; 16];
        let n = b.recv(&mut buf, Duration::from_millis(50)).unwrap();
        assert_eq!(
            &buf[..n],
            &[0x10, 0x04, 0x01],
            "no stray 00 after DLE EOT n"
        );
    }

    #[test]
    fn spec_example_decodes_to_paper_out_and_refuses() {
        let (mut p, h) = scripted([0x1A, 0x32, 0x12, 0x7E]);
        let s = p.status().unwrap();
        assert_eq!(s.paper, PaperLevel::Out);
        match p.print(b"job") {
            Err(PrinterError::NotReady(s)) => assert_eq!(s.paper, PaperLevel::Out),
            other => panic!("{other:?}"),
        }
        drop(p);
        assert_eq!(h.join().unwrap(), b"", "nothing but queries went out");
    }

    #[test]
    fn bad_reply_is_reported() {
        let (mut p, _h) = scripted([0x12, 0xFF, 0x12, 0x12]);
        assert!(matches!(p.status(), Err(PrinterError::BadReply(0xFF))));
    }

    #[test]
    fn print_sends_the_job_then_the_completion_query() {
        let (mut p, h) = scripted([0x12, 0x12, 0x12, 0x1E]);
        let job: Vec<u8> = (0..2000u32).map(|i| (i % 200 + 0x20) as u8).collect();
        let job: Vec<u8> = job
            .into_iter()
            .map(|b| if b == 0x10 || b == 0x1D { 0x11 } else { b })
            .collect();
        let r = p.print(&job).unwrap();
        assert_eq!(r.bytes, 2000);
        assert!(r.completion.confirmed());
        assert!(r.completion.at() >= r.last_byte_written_at);
        assert_eq!(r.after.paper, PaperLevel::NearEnd);
        assert_eq!(r.after.warning(), Some("paper roll is nearly used up"));
        drop(p);
        assert_eq!(
            h.join().unwrap(),
            job,
            "and GS r 1 after it (answered, so removed)"
        );
    }

    #[test]
    fn a_stop_seen_before_the_answer_is_stopped_mid_job() {
        // healthy before the job, out of paper at the first poll, and the GS r 1 never answered
        let (mut p, h) = scripted_with(true, |queries| {
            if queries < 4 {
                [0x12; 4]
            } else {
                [0x1A, 0x32, 0x12, 0x7E]
            }
        });
        let e = p.print(b"receipt\n").unwrap_err();
        assert!(e.paper_out_mid_job(), "{e:?}");
        match e {
            PrinterError::StoppedMidJob {
                status,
                last_byte_written_at,
                stopped_at,
            } => {
                assert_eq!(status.paper, PaperLevel::Out);
                assert!(stopped_at > last_byte_written_at);
            }
            other => panic!("{other:?}"),
        }
        drop(p);
        h.join().unwrap();
    }

    #[test]
    fn without_an_answer_a_healthy_printer_is_taken_as_done_at_the_bound() {
        let (mut p, h) = scripted_with(true, |_| [0x12; 4]);
        let job = b"\x1b3\x20A\n".repeat(10); // 320 dots: 0.4 s at 100 mm/s, + 0.2 s
        let r = p.print(&job).unwrap();
        assert!(!r.completion.confirmed());
        let waited = r.completion.at() - r.last_byte_written_at;
        assert!(waited >= Duration::from_millis(600), "{waited:?}");
        drop(p);
        h.join().unwrap();
    }

    #[test]
    fn an_earlier_jobs_late_answer_does_not_confirm_the_next() {
        let (a, mut b) = MemoryPipe::pair();
        let mut p = Printer::new(a)
            .with_timeout(Duration::from_millis(300))
            .with_timing(FAST);
        // the driver's books: one request still unanswered from an interrupted job
        p.requested = 1;
        let h = std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            let mut gs_r = 0;
            while let Ok(n) = b.recv(&mut buf, Duration::from_millis(300)) {
                if n == 0 {
                    break;
                }
                for w in buf[..n].windows(3) {
                    if w[0] == 0x10 && w[1] == 0x04 {
                        let _ = b.send(&[0x12]);
                    }
                    if w == GS_R_PAPER {
                        gs_r += 1;
                        // the old job's answer arrives now; this job's only 150 ms later
                        let _ = b.send(&[0x00]);
                        std::thread::sleep(Duration::from_millis(150));
                        let _ = b.send(&[0x00]);
                    }
                }
            }
            gs_r
        });
        let r = p.print(b"A\n").unwrap();
        assert!(r.completion.confirmed());
        assert!(
            r.completion.at() - r.last_byte_written_at >= Duration::from_millis(150),
            "confirmed by its own answer, not the stale one"
        );
        drop(p);
        assert_eq!(h.join().unwrap(), 1);
    }

    /// A port whose writes fail once `budget` job bytes went out (status queries always pass).
    struct Flaky {
        inner: MemoryPipe,
        budget: usize,
    }

    impl Transport for Flaky {
        fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
            if !bytes.starts_with(&[0x10, 0x04]) {
                if bytes.len() > self.budget {
                    return Err(io::Error::new(io::ErrorKind::BrokenPipe, "write failed"));
                }
                self.budget -= bytes.len();
            }
            self.inner.send(bytes)
        }
        fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
            self.inner.recv(buf, timeout)
        }
        fn discard_input(&mut self) -> io::Result<()> {
            self.inner.discard_input()
        }
    }

    #[test]
    fn a_write_failing_mid_job_says_how_much_went_out() {
        let (p, h) = scripted([0x12; 4]);
        let mut p = Printer::new(Flaky {
            inner: p.into_inner(),
            budget: CHUNK * 2,
        })
        .with_timeout(Duration::from_millis(100));
        let job = vec![b'x'; CHUNK * 3 + 5];
        match p.print(&job) {
            Err(PrinterError::FailedMidway {
                bytes_sent,
                status: Some(s),
            }) => {
                assert_eq!(bytes_sent, CHUNK * 2);
                assert!(s.can_print(), "the printer itself still answers");
            }
            other => panic!("{other:?}"),
        }
        drop(p);
        assert_eq!(h.join().unwrap(), vec![b'x'; CHUNK * 2]);
    }

    #[test]
    fn driver_and_receipt_can_move_to_a_device_thread() {
        fn send<T: Send>() {}
        send::<Printer<MemoryPipe>>();
        send::<crate::printer::Receipt>();
        send::<PrinterError>();
    }

    #[test]
    fn errors_read_plainly() {
        let e = PrinterError::NotReady(PrinterStatus {
            cover_open: true,
            ..Default::default()
        });
        assert_eq!(
            e.to_string(),
            "the printer is not ready: printer cover is open"
        );
        let e = PrinterError::FailedMidway {
            bytes_sent: 10,
            status: None,
        };
        assert_eq!(
            e.to_string(),
            "printing failed after 10 bytes: the printer stopped answering"
        );
        let now = Instant::now();
        let e = PrinterError::StoppedMidJob {
            status: PrinterStatus::from_dle_eot([0x1A, 0x32, 0x12, 0x7E]),
            last_byte_written_at: now,
            stopped_at: now,
        };
        assert_eq!(
            e.to_string(),
            "the printer stopped mid-job: printer is out of paper (the receipt is incomplete)"
        );
    }
}
