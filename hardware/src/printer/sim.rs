//! A simulated ESC/POS printer on a pseudo-terminal: it answers `DLE EOT n` and `GS I 69` like a real unit,
//! collects print jobs (a cut ends a job) and can be made to fail (paper, cover, cutter, silence, slowness).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::TTYPort;

use super::command::{command_extent, DLE, ESC, GS};
use super::render::{render, RenderError, RenderedReceipt};
use super::status::{PaperLevel, PrinterStatus};

/// What `GS I 69` answers: header 5F, the font name, NUL.
const FONT_ID_REPLY: &[u8] = b"_CHINA GB18030\0";
/// Commands up to this long are buffered until complete (queries and cuts must be seen whole); longer ones
/// (images, QR data) stream straight into the job so a huge declared length cannot grow memory.
const WAIT_WHOLE: usize = 64;

#[derive(Default)]
struct State {
    status: PrinterStatus,
    silent: bool,
    delay: Duration,
    jobs: Vec<Vec<u8>>,
    /// Bytes of the job being received.
    current: Vec<u8>,
    /// Received bytes not yet framed into a command.
    pending: Vec<u8>,
    /// Data bytes of a long command still to come, to be copied into `current` unframed.
    skip: usize,
}

impl State {
    /// Frame `pending` into commands; returns the reply bytes to send.
    fn process(&mut self) -> Vec<u8> {
        let mut replies = Vec::new();
        loop {
            if self.skip > 0 {
                let take = self.skip.min(self.pending.len());
                self.current.extend(self.pending.drain(..take));
                self.skip -= take;
                if self.skip > 0 {
                    break;
                }
                continue;
            }
            let Some(n) = command_extent(&self.pending) else {
                break;
            };
            if n > self.pending.len() {
                if n <= WAIT_WHOLE {
                    break;
                }
                self.skip = n - self.pending.len();
                self.current.append(&mut self.pending);
                break;
            }
            let cmd: Vec<u8> = self.pending.drain(..n).collect();
            match cmd.as_slice() {
                [DLE, 0x04, q] => {
                    if (1..=4).contains(q) {
                        replies.push(self.status.to_dle_eot()[*q as usize - 1]);
                    }
                }
                [GS, b'I', 69] => replies.extend_from_slice(FONT_ID_REPLY),
                [GS, b'V', ..] | [ESC, b'i'] | [ESC, b'm'] => {
                    self.current.extend_from_slice(&cmd);
                    self.jobs.push(std::mem::take(&mut self.current));
                }
                _ => self.current.extend_from_slice(&cmd),
            }
        }
        replies
    }
}

struct Shared {
    state: Mutex<State>,
    job_done: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A simulated 80 mm ESC/POS printer on a pseudo-terminal.
///
/// Open [`PrinterSim::path`] with `SerialTransport::open(path, 115200)` and drive it with
/// [`crate::printer::Printer`]. Dropping the simulator stops its thread.
pub struct PrinterSim {
    shared: Arc<Shared>,
    path: PathBuf,
    thread: Option<JoinHandle<()>>,
    /// Held open so the master side never sees a hang-up while no client has the port open.
    _slave: TTYPort,
}

impl PrinterSim {
    /// Create the pseudo-terminal and start the printer thread on its master side.
    pub fn spawn() -> std::io::Result<PrinterSim> {
        let crate::pty::PtyPair {
            master,
            slave,
            path,
        } = crate::pty::open(Duration::from_millis(20))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            job_done: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("printer-sim".into())
            .spawn(move || run(master, &thread_shared))?;
        Ok(PrinterSim {
            shared,
            path,
            thread: Some(thread),
            _slave: slave,
        })
    }

    /// The device to open (the pseudo-terminal's slave side), e.g. `/dev/pts/7`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every complete job received so far (each ends with its cut); status queries are not part of jobs.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.shared.lock().jobs.clone()
    }

    /// Job `i` (0-based) rendered as the paper would look, with glyphs from `font` (see [`render`]).
    pub fn render_job(&self, i: usize, font: &[u8]) -> Result<RenderedReceipt, RenderError> {
        let job = self.shared.lock().jobs.get(i).cloned();
        render(&job.ok_or(RenderError::NoSuchJob(i))?, font)
    }

    /// Wait until at least `n` jobs have arrived or `timeout` passes; returns the jobs received by then.
    pub fn wait_for_jobs(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        while st.jobs.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = self
                .shared
                .job_done
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        st.jobs.clone()
    }

    /// The paper sensors' reading.
    pub fn set_paper(&self, p: PaperLevel) {
        self.shared.lock().status.paper = p;
    }

    /// Open or shut the paper cover.
    pub fn set_cover_open(&self, open: bool) {
        self.shared.lock().status.cover_open = open;
    }

    /// Jam (or clear) the autocutter.
    pub fn set_cutter_error(&self, e: bool) {
        self.shared.lock().status.cutter_error = e;
    }

    /// Make the printer answer nothing and drop what it receives, like one unplugged or powered off.
    /// Going silent also loses a half-received job, as a power cut would.
    pub fn set_silent(&self, silent: bool) {
        let mut st = self.shared.lock();
        st.silent = silent;
        if silent {
            st.current.clear();
            st.pending.clear();
            st.skip = 0;
        }
    }

    /// Delay every status reply by `d` (a slow or busy device). Longer than the driver's timeout: no answer.
    pub fn set_delay(&self, d: Duration) {
        self.shared.lock().delay = d;
    }
}

impl Drop for PrinterSim {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(mut master: TTYPort, shared: &Shared) {
    let mut buf = [0u8; 4096];
    while !shared.stop.load(Ordering::Relaxed) {
        let n = match std::io::Read::read(&mut master, &mut buf) {
            Ok(n) => n,
            Err(e)
                if e.kind() == std::io::ErrorKind::TimedOut
                    || e.kind() == std::io::ErrorKind::WouldBlock =>
            {
                continue
            }
            Err(e) => {
                tracing::debug!("printer sim read: {e}");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let (replies, delay, new_job) = {
            let mut st = shared.lock();
            if st.silent {
                continue;
            }
            let jobs_before = st.jobs.len();
            st.pending.extend_from_slice(&buf[..n]);
            let replies = st.process();
            (replies, st.delay, st.jobs.len() > jobs_before)
        };
        if new_job {
            shared.job_done.notify_all();
        }
        if !replies.is_empty() {
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            if let Err(e) = master.write_all(&replies) {
                tracing::debug!("printer sim write: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(st: &mut State, bytes: &[u8]) -> Vec<u8> {
        st.pending.extend_from_slice(bytes);
        st.process()
    }

    #[test]
    fn queries_are_answered_and_cuts_end_jobs() {
        let mut st = State::default();
        assert_eq!(feed(&mut st, b"\x10\x04\x01\x10\x04\x04"), [0x12, 0x12]);
        assert_eq!(feed(&mut st, b"\x1b@hi\n\x1dV"), b"");
        assert!(st.jobs.is_empty(), "cut not complete yet");
        assert_eq!(feed(&mut st, b"B\x03\x10\x04"), b"");
        assert_eq!(st.jobs, vec![b"\x1b@hi\n\x1dVB\x03".to_vec()]);
        st.status.paper = PaperLevel::Out;
        assert_eq!(feed(&mut st, b"\x02"), [0x32]);
        assert_eq!(feed(&mut st, b"\x1dIE"), FONT_ID_REPLY);
        assert!(st.current.is_empty());
    }

    #[test]
    fn query_bytes_inside_image_data_are_data() {
        let mut st = State::default();
        // a 1-byte-wide, 100-row raster whose data contains 10 04 01 and a cut's bytes
        let mut job = b"\x1dv0\x00\x01\x00\x64\x00".to_vec();
        job.extend((0..100).map(|i| [0x10, 0x04, 0x01, 0x1D, 0x56][i % 5]));
        job.extend_from_slice(b"\x1dVA\x00");
        for piece in job.chunks(7) {
            assert_eq!(feed(&mut st, piece), b"");
        }
        assert_eq!(st.jobs, vec![job]);
    }
}
