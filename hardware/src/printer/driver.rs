//! The printer driver: real-time status queries and sending jobs over a [`Transport`].

use std::io;
use std::time::{Duration, Instant};

use super::status::{is_dle_eot_reply, PrinterStatus};
use crate::transport::Transport;

/// Bytes written per `send`: small enough that a failure says closely how much of the job went out.
pub const CHUNK: usize = 512;
/// Default wait for each one-byte status reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(300);

/// Why a status query or a print failed.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// Nothing came back to a status query: unplugged, powered off, wrong port or wrong baud rate.
    #[error("the printer did not answer (unplugged, powered off, or wrong port/baud rate)")]
    NoAnswer,
    /// The printer answered but cannot print; the job was not sent.
    #[error("the printer is not ready: {}", .0.problem().unwrap_or("unknown cause"))]
    NotReady(PrinterStatus),
    /// The job did not complete: `bytes_sent` of it went out, `status` is what the printer said afterwards (if it
    /// answered). `bytes_sent == job.len()` means every byte went out but the printer then reported a stop (or
    /// stopped answering), so the paper may hold a partial receipt.
    #[error("printing failed after {bytes_sent} bytes: {}", .status.and_then(|s| s.problem()).unwrap_or("the printer stopped answering"))]
    FailedMidway {
        /// How many bytes of the job were written to the port.
        bytes_sent: usize,
        /// The status read after the failure, if the printer answered.
        status: Option<PrinterStatus>,
    },
    /// A status reply without the fixed bits 0xx1xx10: not an ESC/POS printer, or line noise.
    #[error("unexpected status reply byte {0:#04x} (not an ESC/POS DLE EOT reply)")]
    BadReply(u8),
    /// The port itself failed.
    #[error("printer port error: {0}")]
    Io(#[from] io::Error),
}

/// What a successful [`Printer::print`] did.
#[derive(Debug, Clone, Copy)]
pub struct PrintReport {
    /// Bytes written (the whole job).
    pub bytes: usize,
    /// Status checked before sending.
    pub before: PrinterStatus,
    /// Status read right after the last byte left the port. May carry a warning (paper near end).
    pub after: PrinterStatus,
    /// When the last byte was handed to (and drained by) the port.
    pub last_byte_written_at: Instant,
}

/// An ESC/POS printer on a transport (a serial port, or a simulator's pseudo-terminal).
pub struct Printer<T: Transport> {
    t: T,
    timeout: Duration,
}

impl<T: Transport> Printer<T> {
    /// A printer on `t` with the default status timeout (300 ms).
    pub fn new(t: T) -> Self {
        Printer {
            t,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Wait up to `d` for each status reply byte.
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The transport back (e.g. to reopen it).
    pub fn into_inner(self) -> T {
        self.t
    }

    /// One `DLE EOT n` query: exactly `10 04 n` (the `escpos` crate appends a stray 00, which some printers
    /// print as a character), one reply byte checked against the fixed bits.
    fn query(&mut self, n: u8) -> Result<u8, PrinterError> {
        self.t.send(&[0x10, 0x04, n])?;
        let mut b = [0u8; 1];
        let deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.t.recv(&mut b, left)? == 1 {
                break;
            }
            if left.is_zero() {
                return Err(PrinterError::NoAnswer);
            }
        }
        if is_dle_eot_reply(b[0]) {
            Ok(b[0])
        } else {
            Err(PrinterError::BadReply(b[0]))
        }
    }

    /// The printer's status from `DLE EOT 1..4`. Stale input (a late reply from an earlier timeout) is discarded
    /// first so replies cannot be paired with the wrong query.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.t.discard_input()?;
        let mut replies = [0u8; 4];
        for (slot, n) in replies.iter_mut().zip(1u8..=4) {
            *slot = self.query(n)?;
        }
        Ok(PrinterStatus::from_dle_eot(replies))
    }

    /// Which double-byte font the printer has (`GS I 69` = `1D 49 45`), e.g. `"CHINA GB18030"`.
    /// The reply is `5F`, the name, `00` (some firmware omits the `5F`).
    pub fn font_id(&mut self) -> Result<String, PrinterError> {
        self.t.discard_input()?;
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

    /// Send one job: check the status (refuse with [`PrinterError::NotReady`] if it cannot print, sending
    /// nothing), write the bytes in chunks, then read the status again. If the printer reports a stop after the
    /// bytes went out, that is [`PrinterError::FailedMidway`] with `bytes_sent == job.len()`: the receipt may be
    /// incomplete and the caller should offer another way (reprint, on-screen QR).
    pub fn print(&mut self, job: &[u8]) -> Result<PrintReport, PrinterError> {
        let before = self.status()?;
        if !before.can_print() {
            return Err(PrinterError::NotReady(before));
        }
        let mut sent = 0;
        for chunk in job.chunks(CHUNK) {
            if let Err(e) = self.t.send(chunk) {
                tracing::warn!(bytes_sent = sent, "printer write failed: {e}");
                let status = self.status().ok();
                return Err(PrinterError::FailedMidway {
                    bytes_sent: sent,
                    status,
                });
            }
            sent += chunk.len();
        }
        let last_byte_written_at = Instant::now();
        let after = match self.status() {
            Ok(s) => s,
            Err(_) => {
                return Err(PrinterError::FailedMidway {
                    bytes_sent: sent,
                    status: None,
                })
            }
        };
        if !after.can_print() {
            return Err(PrinterError::FailedMidway {
                bytes_sent: sent,
                status: Some(after),
            });
        }
        Ok(PrintReport {
            bytes: sent,
            before,
            after,
            last_byte_written_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::PaperLevel;
    use crate::transport::MemoryPipe;

    /// A scripted printer on the far end of a pipe: answers each `10 04 n` with `replies[n-1]`, records the rest.
    fn scripted(replies: [u8; 4]) -> (Printer<MemoryPipe>, std::thread::JoinHandle<Vec<u8>>) {
        let (a, mut b) = MemoryPipe::pair();
        let h = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = b.recv(&mut buf, Duration::from_millis(200)) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                while let Some(p) = got.windows(3).position(|w| w[0] == 0x10 && w[1] == 0x04) {
                    let q = got[p + 2];
                    got.drain(p..p + 3);
                    let _ = b.send(&[replies[(q as usize).clamp(1, 4) - 1]]);
                }
            }
            got
        });
        (Printer::new(a).with_timeout(Duration::from_millis(100)), h)
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
    fn print_sends_the_job_between_status_checks() {
        let (mut p, h) = scripted([0x12, 0x12, 0x12, 0x1E]);
        let job: Vec<u8> = (0..2000u32).map(|i| (i % 200 + 0x20) as u8).collect();
        let job: Vec<u8> = job
            .into_iter()
            .map(|b| if b == 0x10 { 0x11 } else { b })
            .collect();
        let r = p.print(&job).unwrap();
        assert_eq!(r.bytes, 2000);
        assert_eq!(r.after.paper, PaperLevel::NearEnd);
        assert_eq!(r.after.warning(), Some("paper roll is nearly used up"));
        drop(p);
        assert_eq!(h.join().unwrap(), job);
    }

    #[test]
    fn a_stop_reported_after_the_job_is_a_failure_with_all_bytes_sent() {
        // healthy before the job, out of paper after it: the receipt may be cut short
        let (a, mut b) = MemoryPipe::pair();
        let h = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let mut queries = 0;
            while let Ok(n) = b.recv(&mut buf, Duration::from_millis(200)) {
                if n == 0 {
                    break;
                }
                for w in buf[..n].windows(3).filter(|w| w[0] == 0x10 && w[1] == 0x04) {
                    let out = [0x1A, 0x32, 0x12, 0x7E][w[2] as usize - 1];
                    let _ = b.send(&[if queries < 4 { 0x12 } else { out }]);
                    queries += 1;
                }
            }
        });
        let mut p = Printer::new(a).with_timeout(Duration::from_millis(100));
        match p.print(b"receipt") {
            Err(PrinterError::FailedMidway {
                bytes_sent: 7,
                status: Some(s),
            }) => {
                assert_eq!(s.paper, PaperLevel::Out)
            }
            other => panic!("{other:?}"),
        }
        drop(p);
        h.join().unwrap();
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
    }
}
