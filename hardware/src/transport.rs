//! Byte transports the drivers run over: a serial port, a pseudo-terminal, or an in-memory pipe in tests.
//!
//! Drivers are generic over [`Transport`] so the same protocol code runs against real hardware, a simulator on a
//! pseudo-terminal, or a pipe in a unit test.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A bidirectional byte stream with read timeouts.
pub trait Transport: Send {
    /// Write every byte (and flush).
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Read what is available, waiting at most `timeout` for the first byte.
    /// `Ok(0)` means the timeout passed with nothing to read.
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Drop whatever unread input is buffered (stale replies, line noise).
    fn discard_input(&mut self) -> io::Result<()>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        (**self).send(bytes)
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        (**self).recv(buf, timeout)
    }
    fn discard_input(&mut self) -> io::Result<()> {
        (**self).discard_input()
    }
}

/// A serial port (or the slave side of a pseudo-terminal) as a [`Transport`].
pub struct SerialTransport {
    port: Box<dyn serialport::SerialPort>,
}

impl SerialTransport {
    /// Open `path` at `baud`, 8N1, no flow control.
    pub fn open(path: &str, baud: u32) -> io::Result<Self> {
        let port = serialport::new(path, baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(io::Error::from)?;
        Ok(Self { port })
    }

    /// Wrap an already opened port (e.g. one end of `serialport::TTYPort::pair()`).
    pub fn from_port(port: Box<dyn serialport::SerialPort>) -> Self {
        Self { port }
    }

    /// The configured baud rate, used to compute a frame's time on the wire.
    pub fn baud_rate(&self) -> u32 {
        self.port.baud_rate().unwrap_or(115_200)
    }
}

impl Transport for SerialTransport {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.port.write_all(bytes)?;
        self.port.flush()
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))
            .map_err(io::Error::from)?;
        match self.port.read(buf) {
            Ok(n) => Ok(n),
            Err(e)
                if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.port
            .clear(serialport::ClearBuffer::Input)
            .map_err(io::Error::from)
    }
}

#[derive(Default)]
struct PipeBuffer {
    bytes: VecDeque<u8>,
    closed: bool,
}

type Shared = Arc<(Mutex<PipeBuffer>, Condvar)>;

/// One end of an in-memory, full-duplex pipe: what one end sends, the other receives.
/// For unit tests of drivers and simulators without a pseudo-terminal.
pub struct MemoryPipe {
    rx: Shared,
    tx: Shared,
}

impl MemoryPipe {
    /// Two connected ends.
    pub fn pair() -> (MemoryPipe, MemoryPipe) {
        let a: Shared = Arc::default();
        let b: Shared = Arc::default();
        (
            MemoryPipe {
                rx: a.clone(),
                tx: b.clone(),
            },
            MemoryPipe { rx: b, tx: a },
        )
    }
}

impl Drop for MemoryPipe {
    fn drop(&mut self) {
        // The peer sees a closed pipe, like a pulled cable.
        for side in [&self.tx, &self.rx] {
            let (lock, cv) = &**side;
            lock.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
            cv.notify_all();
        }
    }
}

impl Transport for MemoryPipe {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let (lock, cv) = &*self.tx;
        let mut buf = lock.lock().unwrap_or_else(|e| e.into_inner());
        if buf.closed {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "peer closed"));
        }
        buf.bytes.extend(bytes);
        cv.notify_all();
        Ok(())
    }

    fn recv(&mut self, out: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let (lock, cv) = &*self.rx;
        let deadline = Instant::now() + timeout;
        let mut buf = lock.lock().unwrap_or_else(|e| e.into_inner());
        while buf.bytes.is_empty() {
            if buf.closed {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "peer closed"));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(0);
            }
            buf = cv
                .wait_timeout(buf, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let n = out.len().min(buf.bytes.len());
        for (slot, byte) in out.iter_mut().zip(buf.bytes.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }

    fn discard_input(&mut self) -> io::Result<()> {
        let (lock, _) = &*self.rx;
        lock.lock().unwrap_or_else(|e| e.into_inner()).bytes.clear();
        Ok(())
    }
}

/// Seconds a frame of `len` bytes spends on the wire at `baud`, 8N1 (10 bits a byte).
pub fn wire_time(len: usize, baud: u32) -> Duration {
    Duration::from_secs_f64(len as f64 * 10.0 / baud as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_carries_bytes_both_ways_and_times_out() {
        let (mut a, mut b) = MemoryPipe::pair();
        a.send(b"ping").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(b.recv(&mut buf, Duration::from_millis(50)).unwrap(), 4);
        assert_eq!(&buf[..4], b"ping");
        assert_eq!(a.recv(&mut buf, Duration::from_millis(10)).unwrap(), 0);
        drop(b);
        assert_eq!(a.send(b"x").unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn wire_time_counts_ten_bits_a_byte() {
        assert_eq!(wire_time(1295, 115_200).as_micros(), 112_413);
    }
}
