//! The serial line of one bus: the only owner of the transport. It keeps the inter-frame gap, removes the
//! adapter's echo, and remembers when the line last carried a byte.

use std::io;
use std::time::{Duration, Instant};

use super::echo::{EchoCanceller, EchoState};
use super::options::EchoMode;
use crate::transport::Transport;

/// One RS-485 line.
pub(crate) struct Line<T: Transport> {
    t: T,
    gap: Duration,
    mode: EchoMode,
    echo: EchoState,
    canceller: EchoCanceller,
    /// When a byte was last sent or heard: the line has been quiet since.
    last_activity: Option<Instant>,
    buf: [u8; 256],
}

impl<T: Transport> Line<T> {
    /// A line over `t` keeping `gap` between frames, with echo handling `mode`.
    pub fn new(t: T, gap: Duration, mode: EchoMode) -> Self {
        let echo = match mode {
            EchoMode::Auto => EchoState::Unknown,
            EchoMode::On => EchoState::Echoing,
            EchoMode::Off => EchoState::NotEchoing,
        };
        Line {
            t,
            gap,
            mode,
            echo,
            canceller: EchoCanceller::new(),
            last_activity: None,
            buf: [0; 256],
        }
    }

    /// Echo handling as configured.
    pub fn mode(&self) -> EchoMode {
        self.mode
    }

    /// What the line knows about the adapter's echo.
    pub fn echo(&self) -> EchoState {
        self.echo
    }

    /// Whether the next exchange should be used to learn the echo.
    pub fn learning(&self) -> bool {
        self.echo == EchoState::Unknown
    }

    /// Record what an exchange showed about the echo; the first verdict stands for the life of the connection
    /// (a different adapter means a new port, and so a new bus).
    pub fn learn(&mut self, verdict: EchoState) {
        if self.echo == EchoState::Unknown && verdict != EchoState::Unknown {
            self.echo = verdict;
            tracing::info!(
                "locker line: adapter {}",
                if verdict == EchoState::Echoing {
                    "echoes what it sends; dropping the echo"
                } else {
                    "does not echo"
                }
            );
        }
    }

    /// Echo bytes dropped so far.
    pub fn echo_bytes(&self) -> u64 {
        self.canceller.dropped()
    }

    /// Wait until the line has been quiet for the gap, giving up after `limit` on a line that never goes quiet.
    /// Whatever arrives meanwhile (a pushed change, a late answer) goes to `out` and restarts the quiet time.
    pub fn settle(&mut self, limit: Duration, out: &mut Vec<u8>) -> io::Result<()> {
        let give_up = Instant::now() + limit;
        loop {
            let now = Instant::now();
            let quiet_at = self.last_activity.map_or(now, |t| t + self.gap);
            let wait = quiet_at.min(give_up).saturating_duration_since(now);
            let n = self.read(wait, out)?;
            let now = Instant::now();
            if n == 0 && (now >= quiet_at || now >= give_up) {
                return Ok(());
            }
            if now >= give_up {
                tracing::warn!("locker line never went quiet; sending anyway");
                return Ok(());
            }
        }
    }

    /// Write a whole frame; returns when its last byte was handed to the port.
    pub fn send(&mut self, frame: &[u8]) -> io::Result<Instant> {
        match self.echo {
            EchoState::Echoing => self.canceller.expect(frame),
            // Unknown: nothing is removed; the exchange learns from the raw bytes.
            EchoState::Unknown | EchoState::NotEchoing => self.canceller.clear(),
        }
        self.t.send(frame)?;
        let at = Instant::now();
        self.last_activity = Some(at);
        Ok(at)
    }

    /// Read once, waiting until `deadline` at most for the first byte; what is not echo goes to `out`.
    /// Returns the bytes heard (echo included), 0 if none came in time.
    pub fn read_until(&mut self, deadline: Instant, out: &mut Vec<u8>) -> io::Result<usize> {
        self.read(deadline.saturating_duration_since(Instant::now()), out)
    }

    fn read(&mut self, timeout: Duration, out: &mut Vec<u8>) -> io::Result<usize> {
        let n = self.t.recv(&mut self.buf, timeout)?;
        if n > 0 {
            self.last_activity = Some(Instant::now());
            self.canceller.filter(&self.buf[..n], out);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::MemoryPipe;
    use std::sync::{Arc, Mutex};

    /// A transport that notes when each frame was written.
    struct Stamped {
        inner: MemoryPipe,
        sends: Arc<Mutex<Vec<Instant>>>,
    }

    impl Transport for Stamped {
        fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
            self.sends.lock().unwrap().push(Instant::now());
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
    fn frames_sent_back_to_back_keep_the_gap() {
        let (a, _b) = MemoryPipe::pair();
        let sends = Arc::new(Mutex::new(Vec::new()));
        let gap = Duration::from_millis(15);
        let mut line = Line::new(
            Stamped {
                inner: a,
                sends: sends.clone(),
            },
            gap,
            EchoMode::Off,
        );
        let mut out = Vec::new();
        for _ in 0..4 {
            line.settle(Duration::from_secs(1), &mut out).unwrap();
            line.send(&[0x80, 0x01, 0x00, 0x33, 0xB2]).unwrap();
        }
        let sends = sends.lock().unwrap();
        for pair in sends.windows(2) {
            assert!(pair[1] - pair[0] >= gap, "{:?}", pair[1] - pair[0]);
        }
    }

    #[test]
    fn a_byte_heard_during_the_gap_restarts_it() {
        let (a, mut b) = MemoryPipe::pair();
        let gap = Duration::from_millis(40);
        let mut line = Line::new(a, gap, EchoMode::Off);
        let sent_at = line.send(&[0x01]).unwrap();
        let talker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            b.send(&[0x82]).unwrap();
            b
        });
        let mut out = Vec::new();
        line.settle(Duration::from_secs(1), &mut out).unwrap();
        let settled_at = Instant::now();
        let _b = talker.join().unwrap();
        assert_eq!(out, [0x82]);
        // settle returned a full gap after the byte it heard, not after the frame it sent
        let heard_at = line.last_activity.unwrap();
        assert!(heard_at > sent_at);
        assert!(settled_at >= heard_at + gap);
    }

    #[test]
    fn a_line_that_never_goes_quiet_is_sent_on_after_the_limit() {
        let (a, mut b) = MemoryPipe::pair();
        let mut line = Line::new(a, Duration::from_millis(30), EchoMode::Off);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let babbler = std::thread::spawn(move || {
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = b.send(&[0x00]);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        line.send(&[0x01]).unwrap();
        let start = Instant::now();
        let mut out = Vec::new();
        line.settle(Duration::from_millis(100), &mut out).unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        babbler.join().unwrap();
        assert!(start.elapsed() >= Duration::from_millis(100));
        assert!(!out.is_empty());
    }

    #[test]
    fn a_known_echo_is_dropped_and_the_identical_answer_kept() {
        let (a, mut b) = MemoryPipe::pair();
        let mut line = Line::new(a, Duration::ZERO, EchoMode::On);
        let open = [0x8A, 0x01, 0x01, 0x11, 0x9B];
        line.send(&open).unwrap();
        b.send(&open).unwrap(); // the adapter's echo
        b.send(&open).unwrap(); // the board: the lock still reads locked
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_millis(100);
        while out.len() < 5 && Instant::now() < deadline {
            line.read_until(deadline, &mut out).unwrap();
        }
        assert_eq!(out, open);
        assert_eq!(line.echo_bytes(), 5);
    }
}
