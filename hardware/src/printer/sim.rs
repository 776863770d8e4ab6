//! A simulated ESC/POS printer on a pseudo-terminal: it answers `DLE EOT n` at once like a real unit, prints
//! what it receives at a real speed (see [`super::sim_engine`]), answers `GS r 1` and `GS I 69` only when its
//! mechanism reaches them, collects print jobs (a cut ends a job) and can be made to fail (paper out, paper
//! running out mid-job, cover, cutter, silence, slowness, legacy firmware without `GS r`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::TTYPort;

use super::command::{command_extent, DLE};
use super::coverage::PrinterFont;
use super::render::{render_for, RenderError, RenderedReceipt, DOTS_PER_MM};
use super::sim_engine::{Action, EngineState, Stall};
use super::status::{PaperLevel, PrinterStatus};

/// Commands up to this long are buffered until complete (a real-time query must be seen whole); longer ones
/// (images, QR data) stream straight into the receive buffer so a huge declared length cannot stall the reader.
const WAIT_WHOLE: usize = 64;
/// Print speed of a new simulator, in mm/s: a mid-range 80 mm kiosk mechanism.
pub const DEFAULT_PRINT_SPEED: f32 = 250.0;
/// Paper is fed in steps of at most this many dots (2 mm), so a stop (paper out, cover open) lands within one.
const FEED_STEP_DOTS: u32 = 16;

struct State {
    status: PrinterStatus,
    silent: bool,
    delay: Duration,
    /// Print speed in mm/s; infinite: no print time at all.
    speed: f32,
    engine: EngineState,
    /// Received bytes not yet framed (the real-time side looks for `DLE EOT`).
    pending: Vec<u8>,
    /// Data bytes of a long command still to come, to be passed to the engine unframed.
    skip: usize,
}

impl Default for State {
    fn default() -> Self {
        State {
            status: PrinterStatus::default(),
            silent: false,
            delay: Duration::ZERO,
            speed: DEFAULT_PRINT_SPEED,
            engine: EngineState::default(),
            pending: Vec::new(),
            skip: 0,
        }
    }
}

impl State {
    /// Frame `pending`: answer real-time status queries now, queue everything else for the mechanism.
    /// Returns the reply bytes to send.
    fn receive(&mut self) -> Vec<u8> {
        let mut replies = Vec::new();
        loop {
            if self.skip > 0 {
                let take = self.skip.min(self.pending.len());
                self.engine.buffer.extend(self.pending.drain(..take));
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
                self.engine.buffer.extend(self.pending.drain(..));
                break;
            }
            match self.pending[..n] {
                [DLE, 0x04, q] => {
                    if (1..=4).contains(&q) {
                        replies.push(self.status.to_dle_eot()[q as usize - 1]);
                    }
                    self.pending.drain(..n);
                }
                _ => self.engine.buffer.extend(self.pending.drain(..n)),
            }
        }
        replies
    }

    /// Time to feed `dots` at the current speed.
    fn feed_time(&self, dots: u32) -> Duration {
        let dots_per_s = self.speed * DOTS_PER_MM as f32;
        if !dots_per_s.is_finite() || dots_per_s <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f32(dots as f32 / dots_per_s)
    }
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when a job is complete.
    job_done: Condvar,
    /// Signalled when bytes arrive or the printer's condition changes (the engine waits on it).
    wake: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&'a self, st: MutexGuard<'a, State>, d: Duration) -> MutexGuard<'a, State> {
        self.wake
            .wait_timeout(st, d)
            .unwrap_or_else(|e| e.into_inner())
            .0
    }
}

/// A simulated 80 mm ESC/POS printer on a pseudo-terminal.
///
/// Open [`PrinterSim::path`] with `SerialTransport::open(path, 115200)` and drive it with
/// [`crate::printer::Printer`]. It prints at [`DEFAULT_PRINT_SPEED`] unless told otherwise
/// ([`PrinterSim::set_print_speed`]): a job appears in [`PrinterSim::jobs`] once its cut is done, not when its
/// bytes arrive. Dropping the simulator stops its threads.
pub struct PrinterSim {
    shared: Arc<Shared>,
    path: PathBuf,
    threads: Vec<JoinHandle<()>>,
    /// Held open so the master side never sees a hang-up while no client has the port open.
    _slave: TTYPort,
}

impl PrinterSim {
    /// Create the pseudo-terminal and start the printer's threads on its master side: one answers real-time
    /// queries as bytes arrive, one is the print mechanism.
    pub fn spawn() -> std::io::Result<PrinterSim> {
        let crate::pty::PtyPair {
            master,
            slave,
            path,
        } = crate::pty::open(Duration::from_millis(20))?;
        let engine_port = master.try_clone_native().map_err(std::io::Error::from)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            job_done: Condvar::new(),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let (s1, s2) = (shared.clone(), shared.clone());
        let threads = vec![
            std::thread::Builder::new()
                .name("printer-sim".into())
                .spawn(move || receive(master, &s1))?,
            std::thread::Builder::new()
                .name("printer-sim-engine".into())
                .spawn(move || mechanism(engine_port, &s2))?,
        ];
        Ok(PrinterSim {
            shared,
            path,
            threads,
            _slave: slave,
        })
    }

    /// The device to open (the pseudo-terminal's slave side), e.g. `/dev/pts/7`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every job printed to the end so far (each ends with its cut); status queries are not part of jobs.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.shared.lock().engine.jobs.clone()
    }

    /// The bytes of the job being printed (processed since the last cut): after the paper ran out mid-job, what
    /// made it onto the paper.
    pub fn unfinished_job(&self) -> Vec<u8> {
        self.shared.lock().engine.current.clone()
    }

    /// Job `i` (0-based) rendered as the paper would look, with glyphs from `font` for the characters this
    /// printer's font has and boxes for the rest (see [`render_for`]).
    pub fn render_job(&self, i: usize, font: &[u8]) -> Result<RenderedReceipt, RenderError> {
        let (job, printer_font) = {
            let st = self.shared.lock();
            (st.engine.jobs.get(i).cloned(), st.engine.font)
        };
        render_for(&job.ok_or(RenderError::NoSuchJob(i))?, font, printer_font)
    }

    /// Wait until at least `n` jobs have printed or `timeout` passes; returns the jobs printed by then.
    pub fn wait_for_jobs(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        while st.engine.jobs.len() < n {
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
        st.engine.jobs.clone()
    }

    fn change(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.shared.lock());
        self.shared.wake.notify_all();
    }

    /// The paper sensors' reading. [`PaperLevel::Ok`] is a fresh roll: printing resumes where it stopped.
    pub fn set_paper(&self, p: PaperLevel) {
        self.change(|st| {
            st.status.paper = p;
            if p == PaperLevel::Ok {
                st.engine.paper_left = None;
            }
        });
    }

    /// Leave `mm` millimetres of paper on the roll: printing stops there with the paper-end sensor set.
    pub fn run_out_of_paper_after_mm(&self, mm: u32) {
        self.change(|st| st.engine.paper_left = Some(mm.saturating_mul(DOTS_PER_MM)));
    }

    /// Open or shut the paper cover. Printing stops while it is open and resumes when it is shut.
    pub fn set_cover_open(&self, open: bool) {
        self.change(|st| st.status.cover_open = open);
    }

    /// Jam (or clear) the autocutter.
    pub fn set_cutter_error(&self, e: bool) {
        self.change(|st| st.status.cutter_error = e);
    }

    /// Print speed in mm/s (real units: 150-300). `f32::INFINITY` prints with no delay at all.
    pub fn set_print_speed(&self, mm_per_s: f32) {
        self.change(|st| st.speed = mm_per_s);
    }

    /// Firmware that does not know `GS r`: the completion query is read and never answered.
    pub fn set_legacy_firmware(&self, legacy: bool) {
        self.change(|st| st.engine.legacy = legacy);
    }

    /// The printer's own double-byte font: what `GS I 69` answers and which characters [`PrinterSim::render_job`]
    /// draws (the default is GB18030).
    pub fn set_font(&self, font: PrinterFont) {
        self.change(|st| st.engine.font = font);
    }

    /// Make the printer answer nothing and drop what it receives, like one unplugged or powered off.
    /// Going silent also loses a half-received or half-printed job, as a power cut would.
    pub fn set_silent(&self, silent: bool) {
        self.change(|st| {
            st.silent = silent;
            if silent {
                st.pending.clear();
                st.skip = 0;
                st.engine.power_cut();
            }
        });
    }

    /// Delay every status reply by `d` (a slow or busy device). Longer than the driver's timeout: no answer.
    pub fn set_delay(&self, d: Duration) {
        self.change(|st| st.delay = d);
    }
}

impl Drop for PrinterSim {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The receiving side: reads the port, answers `DLE EOT` at once, queues the rest for the mechanism.
fn receive(mut master: TTYPort, shared: &Shared) {
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
        let (replies, delay) = {
            let mut st = shared.lock();
            if st.silent {
                continue;
            }
            st.pending.extend_from_slice(&buf[..n]);
            (st.receive(), st.delay)
        };
        shared.wake.notify_all();
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

/// The print mechanism: takes units from the receive buffer in order, feeds the paper each needs at the print
/// speed, stops while the printer cannot print (and when the roll runs out), answers queries when it reaches
/// them.
fn mechanism(mut port: TTYPort, shared: &Shared) {
    // When the mechanism is next free: feeds are scheduled back to back on this clock, so time spent here in
    // bookkeeping does not slow the simulated printer down.
    let mut free_at = Instant::now();
    let idle = Duration::from_millis(20);
    while !shared.stop.load(Ordering::Relaxed) {
        let mut st = shared.lock();
        if st.silent || !st.status.can_print() {
            drop(shared.wait(st, idle));
            continue;
        }
        let status = st.status;
        let stall = match st.engine.stalled.take() {
            Some(stall) => stall,
            None => match st.engine.next_action(&status) {
                Some(Action::Reply(bytes)) => {
                    let delay = st.delay;
                    drop(st);
                    std::thread::sleep(delay);
                    if let Err(e) = port.write_all(&bytes) {
                        tracing::debug!("printer sim write: {e}");
                    }
                    continue;
                }
                Some(Action::Feed { dots, ends_job }) => Stall { dots, ends_job },
                None => {
                    drop(shared.wait(st, idle));
                    continue;
                }
            },
        };
        drop(st);
        if feed(shared, stall, &mut free_at) && stall.ends_job {
            shared.lock().engine.finish_job();
            shared.job_done.notify_all();
        }
    }
}

/// Feed `stall.dots` of paper in steps, in real time. Returns whether the feed completed; if it did not (paper
/// ran out, cover opened, power lost), the rest is left in `engine.stalled` (or dropped on a power cut).
fn feed(shared: &Shared, stall: Stall, free_at: &mut Instant) -> bool {
    let mut left = stall.dots;
    while left > 0 {
        let step = left.min(FEED_STEP_DOTS);
        let (got, time) = {
            let mut st = shared.lock();
            let got = st.engine.paper_for(step);
            (got, st.feed_time(got))
        };
        *free_at = (*free_at).max(Instant::now()) + time;
        let wait = free_at.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        let mut st = shared.lock();
        left -= got;
        if got < step {
            st.status.paper = PaperLevel::Out;
        }
        if st.silent || shared.stop.load(Ordering::Relaxed) {
            return false;
        }
        if !st.status.can_print() {
            st.engine.stalled = Some(Stall {
                dots: left,
                ends_job: stall.ends_job,
            });
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(st: &mut State, bytes: &[u8]) -> Vec<u8> {
        st.pending.extend_from_slice(bytes);
        st.receive()
    }

    #[test]
    fn real_time_queries_are_answered_and_the_rest_is_queued() {
        let mut st = State::default();
        assert_eq!(feed(&mut st, b"\x10\x04\x01\x10\x04\x04"), [0x12, 0x12]);
        assert_eq!(feed(&mut st, b"\x1b@hi\n\x1dV"), b"");
        assert_eq!(feed(&mut st, b"B\x03\x10\x04"), b"");
        st.status.paper = PaperLevel::Out;
        assert_eq!(feed(&mut st, b"\x02"), [0x32]);
        assert_eq!(
            feed(&mut st, b"\x1dIE"),
            b"",
            "GS I waits for the mechanism"
        );
        let queued: Vec<u8> = st.engine.buffer.iter().copied().collect();
        assert_eq!(queued, b"\x1b@hi\n\x1dVB\x03\x1dIE");
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
        let queued: Vec<u8> = st.engine.buffer.iter().copied().collect();
        assert_eq!(queued, job);
    }

    #[test]
    fn feed_time_follows_the_speed() {
        let mut st = State {
            speed: 100.0, // 800 dots/s
            ..Default::default()
        };
        let t = st.feed_time(80).as_secs_f64();
        assert!((t - 0.1).abs() < 1e-6, "{t}");
        st.speed = f32::INFINITY;
        assert_eq!(st.feed_time(80), Duration::ZERO);
    }
}
