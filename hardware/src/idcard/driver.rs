//! The reader driver: one command, one response, over any [`Transport`].
//!
//! Host overhead is kept tiny (the budget is 5 ms beyond the bytes' wire time): command frames are compile-time
//! constants, reads go into one buffer allocated at construction, and nothing sleeps: the driver blocks in
//! `Transport::recv` until bytes arrive or the response deadline passes.

use std::fmt;
use std::io;
use std::time::{Duration, Instant};

use super::frame::{Command, FrameError, Response, ResponseDecoder, MAX_FRAME};
use super::record::{Blob, CardRecord, Personal, RecordError, TEXT_LEN};
use super::status::ReaderStatus;
use crate::transport::Transport;

/// Default time allowed for a complete response. A text + photo + fingerprint read is 2321 bytes, 0.2 s at 115200
/// baud; at 9600 baud it is 2.4 s, so raise the timeout with [`IdReader::set_timeout`] on slow links.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// A step of a card read, for per-step timings (the protocol command it sent).
pub type Step = Command;

/// Everything that can go wrong talking to the reader. Messages never contain card data.
#[derive(Debug, thiserror::Error)]
pub enum IdCardError {
    /// Find card answered 80: nothing on the reader.
    #[error("no card on the reader")]
    NoCard,
    /// Select card answered 81: the card was seen but could not be selected (moved, or not fully on the reader).
    #[error("the card could not be selected; place it flat on the reader again")]
    SelectFailed,
    /// The read command answered with this status instead of 90.
    #[error("reading the card failed ({0})")]
    ReadFailed(ReaderStatus),
    /// A response frame arrived corrupted (line noise, bad cable).
    #[error("corrupted response from the reader (checksum {found:02X}, expected {expected:02X})")]
    Checksum {
        /// CHK computed from the bytes.
        expected: u8,
        /// CHK received.
        found: u8,
    },
    /// A response frame declared an impossible length (line noise, or not a SAM reader on this port).
    #[error("response with an impossible length ({len}) from the reader")]
    Length {
        /// LEN received.
        len: u16,
    },
    /// No complete response in time: the reader is silent (unplugged, powered off, wrong port or baud rate) or
    /// stopped half-way through a frame.
    #[error("the reader did not answer {command} within {timeout:?} ({received} bytes received)")]
    Timeout {
        /// The command that went unanswered.
        command: Command,
        /// The timeout in force.
        timeout: Duration,
        /// Bytes that did arrive (0: silent; more: a partial frame).
        received: usize,
    },
    /// The port itself failed (cable pulled, device gone, permission).
    #[error("I/O error on the reader's port: {0}")]
    Io(#[from] io::Error),
    /// The card's text is invalid (e.g. wrong ID check character): corrupt or forged card data.
    #[error("the card data is invalid: {0}")]
    BadRecord(#[from] RecordError),
    /// A success response whose payload does not have the documented layout.
    #[error("malformed answer to {command}: {what}")]
    Malformed {
        /// The command answered.
        command: Command,
        /// What was wrong.
        what: &'static str,
    },
    /// The reader answered a non-read command with an error status.
    #[error("the reader refused {command}: {status}")]
    Reader {
        /// The command refused.
        command: Command,
        /// The status it gave.
        status: ReaderStatus,
    },
}

impl From<FrameError> for IdCardError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Checksum { expected, found } => IdCardError::Checksum { expected, found },
            FrameError::Length { len, .. } => IdCardError::Length { len },
        }
    }
}

/// Bytes exchanged with the reader by one driver operation (commands sent, everything received incl. noise).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exchange {
    /// Bytes written.
    pub sent: usize,
    /// Bytes read.
    pub received: usize,
}

impl Exchange {
    /// All bytes both ways, e.g. to compute their time on the wire with [`crate::transport::wire_time`].
    pub fn total(&self) -> usize {
        self.sent + self.received
    }
}

/// The result of a card read.
#[derive(Debug, Clone)]
pub struct CardRead {
    /// The text data.
    pub record: CardRecord,
    /// The WLT photo (1024 bytes on current cards), opaque.
    pub photo: Blob,
    /// Fingerprint data, from [`IdReader::read_card_with_fingerprint`] only (may be empty: no fingerprint on card).
    pub fingerprint: Option<Blob>,
    /// How long each step took, from sending its command to its complete response.
    pub timings: Vec<(Step, Duration)>,
    /// Bytes exchanged by the whole read.
    pub bytes: Exchange,
}

impl CardRead {
    /// Sum of the step timings.
    pub fn total_time(&self) -> Duration {
        self.timings.iter().map(|(_, d)| *d).sum()
    }
}

/// The 16-byte SAM module id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SamId(pub [u8; 16]);

impl SamId {
    /// The parts of the common display form: byte 0, byte 2, and three little-endian u32 at 4, 8 and 12.
    pub fn parts(&self) -> (u8, u8, u32, u32, u32) {
        let b = &self.0;
        let u = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        (b[0], b[2], u(4), u(8), u(12))
    }
}

impl fmt::Display for SamId {
    /// `05.01-20101126-0001234567-0987654321`: bytes 0 and 2 as two digits, then the three u32.
    ///
    /// Sources disagree on zero-padding the u32 parts; we pad the first to 8 digits (it is commonly a YYYYMMDD date)
    /// and the other two to 10 (u32::MAX has 10 digits). Vendor tools that do not pad show the same numbers shorter,
    /// so compare ids by [`SamId::parts`], not by text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b, c, d, e) = self.parts();
        write!(f, "{a:02}.{b:02}-{c:08}-{d:010}-{e:010}")
    }
}

impl fmt::Debug for SamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SamId({self})")
    }
}

/// Split a successful read payload (after SW3) into record, photo and fingerprint.
///
/// Layout: text length, photo length, [fingerprint length,] (2 bytes big-endian each), then the blocks in that
/// order; the lengths must add up exactly. Public so the fuzzer and tests exercise the same code as the driver.
pub fn parse_read_data(
    data: &[u8],
    with_fingerprint: bool,
) -> Result<(CardRecord, Blob, Option<Blob>), IdCardError> {
    let command = if with_fingerprint {
        Command::ReadTextWithFingerprint
    } else {
        Command::ReadText
    };
    let malformed = |what| IdCardError::Malformed { command, what };
    let header = if with_fingerprint { 6 } else { 4 };
    if data.len() < header {
        return Err(malformed("shorter than its length fields"));
    }
    let len_at = |i: usize| usize::from(u16::from_be_bytes([data[i], data[i + 1]]));
    let (text_len, photo_len) = (len_at(0), len_at(2));
    let fp_len = if with_fingerprint { len_at(4) } else { 0 };
    if text_len != TEXT_LEN {
        return Err(malformed("text block is not 256 bytes"));
    }
    if header + text_len + photo_len + fp_len != data.len() {
        return Err(malformed("block lengths do not add up to the frame length"));
    }
    let text = &data[header..header + TEXT_LEN];
    let photo = &data[header + TEXT_LEN..header + TEXT_LEN + photo_len];
    let record = CardRecord::decode_slice(text)?;
    let fingerprint = with_fingerprint.then(|| Blob::new(data[data.len() - fp_len..].to_vec()));
    Ok((record, Blob::new(photo.to_vec()), fingerprint))
}

/// Driver of a SAM ID card reader over any [`Transport`].
pub struct IdReader<T: Transport> {
    transport: T,
    decoder: ResponseDecoder,
    buf: Box<[u8]>,
    timeout: Duration,
    last: Exchange,
}

impl<T: Transport> IdReader<T> {
    /// A driver with the [`DEFAULT_TIMEOUT`].
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            decoder: ResponseDecoder::new(),
            buf: vec![0; MAX_FRAME].into_boxed_slice(),
            timeout: DEFAULT_TIMEOUT,
            last: Exchange::default(),
        }
    }

    /// Builder form of [`set_timeout`](Self::set_timeout).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed for each complete response, from sending its command.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The response timeout in force.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The transport, e.g. to read its baud rate.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Give the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// Bytes exchanged by the last public operation (a whole `read_card` counts all three steps).
    pub fn last_exchange_bytes(&self) -> Exchange {
        self.last
    }

    /// Reset the SAM module (`10 FF`).
    pub fn reset_sam(&mut self) -> Result<(), IdCardError> {
        self.last = Exchange::default();
        self.expect_success(Command::ResetSam).map(drop)
    }

    /// Ask the SAM for its self-check status (`11 FF`). Any answered status is returned (90 = healthy, 60 = self-test
    /// failed, …) so a health page can show it; only transport and frame problems are errors.
    pub fn sam_status(&mut self) -> Result<ReaderStatus, IdCardError> {
        self.last = Exchange::default();
        Ok(ReaderStatus::from_code(
            self.transact(Command::SamStatus)?.sw3,
        ))
    }

    /// Read the 16-byte SAM id (`12 FF`).
    pub fn sam_id(&mut self) -> Result<SamId, IdCardError> {
        self.last = Exchange::default();
        let data = self.expect_success(Command::SamId)?;
        let id: [u8; 16] =
            data.get(..16)
                .and_then(|d| d.try_into().ok())
                .ok_or(IdCardError::Malformed {
                    command: Command::SamId,
                    what: "SAM id shorter than 16 bytes",
                })?;
        Ok(SamId(id))
    }

    /// Look for a card (`20 01`): `Ok(true)` on 9F (whatever the response length), `Ok(false)` on 80.
    pub fn find_card(&mut self) -> Result<bool, IdCardError> {
        self.last = Exchange::default();
        self.find()
    }

    /// Select the card found (`20 02`); 81 gives [`IdCardError::SelectFailed`].
    pub fn select_card(&mut self) -> Result<(), IdCardError> {
        self.last = Exchange::default();
        self.select()
    }

    /// Find, select and read text + photo (`30 01`), timing each step.
    pub fn read_card(&mut self) -> Result<CardRead, IdCardError> {
        self.read(false)
    }

    /// Find, select and read text + photo + fingerprint (`30 10`), timing each step.
    pub fn read_card_with_fingerprint(&mut self) -> Result<CardRead, IdCardError> {
        self.read(true)
    }

    /// Read the appended address (`30 03`) of a selected card: `None` on 91 (no appended address). The layout of
    /// this answer is not in our spec; it is taken as UCS-2LE text after SW3, as other implementations do.
    pub fn read_appended_address(&mut self) -> Result<Option<Personal>, IdCardError> {
        self.last = Exchange::default();
        let command = Command::ReadAppendedAddress;
        let r = self.transact(command)?;
        match ReaderStatus::from_code(r.sw3) {
            ReaderStatus::NoContent => Ok(None),
            ReaderStatus::Success => {
                let units = r
                    .data
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]));
                let s: String = char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect();
                Ok(Some(Personal::new(s.trim_end_matches([' ', '\0']))))
            }
            status => Err(IdCardError::ReadFailed(status)),
        }
    }

    /// Send one command and wait for its response. Input left from an earlier exchange is dropped first, so a
    /// late or partial answer to a timed-out command cannot be taken for this one's.
    pub fn transact(&mut self, command: Command) -> Result<Response, IdCardError> {
        self.transport.discard_input()?;
        self.decoder.clear();
        let frame = command.frame();
        self.transport.send(&frame)?;
        self.last.sent += frame.len();
        let deadline = Instant::now() + self.timeout;
        let mut received = 0;
        loop {
            let now = Instant::now();
            if now >= deadline {
                tracing::debug!(command = command.name(), received, "id card reader timeout");
                return Err(IdCardError::Timeout {
                    command,
                    timeout: self.timeout,
                    received,
                });
            }
            let n = self.transport.recv(&mut self.buf, deadline - now)?;
            received += n;
            self.last.received += n;
            let mut chunk = &self.buf[..n];
            while !chunk.is_empty() {
                let taken = self.decoder.push(chunk);
                chunk = &chunk[taken..];
                if let Some(result) = self.decoder.pop() {
                    // Anything after the response is stale; the next transact discards it.
                    let response = result?;
                    tracing::trace!(
                        command = command.name(),
                        sw3 = response.sw3,
                        len = response.data.len()
                    );
                    return Ok(response);
                }
            }
        }
    }

    fn expect_success(&mut self, command: Command) -> Result<Vec<u8>, IdCardError> {
        let r = self.transact(command)?;
        match ReaderStatus::from_code(r.sw3) {
            ReaderStatus::Success => Ok(r.data),
            status => Err(IdCardError::Reader { command, status }),
        }
    }

    fn find(&mut self) -> Result<bool, IdCardError> {
        let command = Command::FindCard;
        match ReaderStatus::from_code(self.transact(command)?.sw3) {
            ReaderStatus::CardFound => Ok(true),
            ReaderStatus::NoCard => Ok(false),
            status => Err(IdCardError::Reader { command, status }),
        }
    }

    fn select(&mut self) -> Result<(), IdCardError> {
        let command = Command::SelectCard;
        match ReaderStatus::from_code(self.transact(command)?.sw3) {
            ReaderStatus::Success => Ok(()),
            ReaderStatus::SelectFailed => Err(IdCardError::SelectFailed),
            status => Err(IdCardError::Reader { command, status }),
        }
    }

    fn read(&mut self, with_fingerprint: bool) -> Result<CardRead, IdCardError> {
        self.last = Exchange::default();
        let mut timings = Vec::with_capacity(3);
        let started = Instant::now();
        let found = self.find()?;
        timings.push((Command::FindCard, started.elapsed()));
        if !found {
            return Err(IdCardError::NoCard);
        }
        let started = Instant::now();
        self.select()?;
        timings.push((Command::SelectCard, started.elapsed()));
        let command = if with_fingerprint {
            Command::ReadTextWithFingerprint
        } else {
            Command::ReadText
        };
        let started = Instant::now();
        let r = self.transact(command)?;
        timings.push((command, started.elapsed()));
        match ReaderStatus::from_code(r.sw3) {
            ReaderStatus::Success => {}
            status => return Err(IdCardError::ReadFailed(status)),
        }
        let (record, photo, fingerprint) = parse_read_data(&r.data, with_fingerprint)?;
        tracing::debug!(
            kind = record.kind().name(),
            bytes = self.last.total(),
            "id card read"
        );
        Ok(CardRead {
            record,
            photo,
            fingerprint,
            timings,
            bytes: self.last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idcard::frame::encode_response;
    use crate::idcard::sim::{IdCardSim, SimCard};
    use crate::transport::MemoryPipe;
    use std::collections::VecDeque;

    /// A transport that answers each command with scripted chunks, and records what was sent.
    #[derive(Default)]
    struct Script {
        replies: VecDeque<Vec<Vec<u8>>>,
        pending: VecDeque<Vec<u8>>,
        sent: Vec<u8>,
        fail_recv: bool,
    }

    impl Script {
        fn answering(replies: Vec<Vec<Vec<u8>>>) -> Self {
            Script {
                replies: replies.into(),
                ..Default::default()
            }
        }
    }

    impl Transport for Script {
        fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
            self.sent.extend_from_slice(bytes);
            if let Some(chunks) = self.replies.pop_front() {
                self.pending.extend(chunks);
            }
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
            if self.fail_recv {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "cable pulled"));
            }
            match self.pending.pop_front() {
                Some(chunk) => {
                    buf[..chunk.len()].copy_from_slice(&chunk);
                    Ok(chunk.len())
                }
                None => {
                    std::thread::sleep(timeout.min(Duration::from_millis(5)));
                    Ok(0)
                }
            }
        }
        fn discard_input(&mut self) -> io::Result<()> {
            self.pending.clear();
            Ok(())
        }
    }

    fn read_reply(card: &SimCard) -> Vec<u8> {
        let mut data = vec![0x01, 0x00, 0x04, 0x00];
        data.extend_from_slice(&card.record.encode());
        data.extend_from_slice(&card.photo);
        encode_response(0x90, &data)
    }

    #[test]
    fn find_accepts_the_short_and_long_forms_and_no_card() {
        let mut r = IdReader::new(Script::answering(vec![
            vec![encode_response(0x9F, &[])],
            vec![encode_response(0x9F, &[0; 4])],
            vec![encode_response(0x80, &[])],
            vec![encode_response(0x41, &[])],
        ]));
        assert!(r.find_card().unwrap());
        assert!(r.find_card().unwrap());
        assert!(!r.find_card().unwrap());
        assert!(matches!(
            r.find_card(),
            Err(IdCardError::Reader {
                command: Command::FindCard,
                status: ReaderStatus::ReadFailed
            })
        ));
        let sent = &r.transport().sent;
        assert_eq!(sent.len(), 40);
        assert!(sent.chunks(10).all(|f| f == Command::FindCard.frame()));
    }

    #[test]
    fn a_read_split_into_odd_chunks_with_noise_decodes() {
        let card = SimCard::resident();
        let mut noisy = vec![0x00, 0xAA, 0x17];
        noisy.extend(read_reply(&card));
        let chunks: Vec<Vec<u8>> = noisy.chunks(97).map(<[u8]>::to_vec).collect();
        let mut r = IdReader::new(Script::answering(vec![
            vec![encode_response(0x9F, &[0; 4])],
            vec![
                encode_response(0x90, &[0; 8])[..7].to_vec(),
                encode_response(0x90, &[0; 8])[7..].to_vec(),
            ],
            chunks,
        ]));
        let read = r.read_card().unwrap();
        assert_eq!(read.record, card.record);
        assert_eq!(read.photo.as_bytes(), &card.photo[..]);
        assert!(read.fingerprint.is_none());
        let steps: Vec<Step> = read.timings.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            steps,
            [Command::FindCard, Command::SelectCard, Command::ReadText]
        );
        assert_eq!(
            read.bytes,
            Exchange {
                sent: 30,
                received: 15 + 19 + 3 + 1295
            }
        );
        assert_eq!(r.last_exchange_bytes(), read.bytes);
        assert_eq!(r.transport().sent[20..], Command::ReadText.frame());
    }

    #[test]
    fn statuses_map_to_their_errors() {
        let mut r = IdReader::new(Script::answering(vec![vec![encode_response(0x80, &[])]]));
        assert!(matches!(r.read_card(), Err(IdCardError::NoCard)));
        let mut r = IdReader::new(Script::answering(vec![
            vec![encode_response(0x9F, &[])],
            vec![encode_response(0x81, &[])],
        ]));
        assert!(matches!(r.read_card(), Err(IdCardError::SelectFailed)));
        let mut r = IdReader::new(Script::answering(vec![
            vec![encode_response(0x9F, &[])],
            vec![encode_response(0x90, &[0; 8])],
            vec![encode_response(0x41, &[])],
        ]));
        assert!(matches!(
            r.read_card(),
            Err(IdCardError::ReadFailed(ReaderStatus::ReadFailed))
        ));
        let mut bad = encode_response(0x9F, &[]);
        *bad.last_mut().unwrap() ^= 1;
        let mut r = IdReader::new(Script::answering(vec![vec![bad]]));
        assert!(matches!(
            r.find_card(),
            Err(IdCardError::Checksum {
                expected: 0x9B,
                found: 0x9A
            })
        ));
        let mut r = IdReader::new(Script::answering(vec![vec![vec![
            0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF,
        ]]]));
        assert!(matches!(
            r.find_card(),
            Err(IdCardError::Length { len: 0xFFFF })
        ));
    }

    #[test]
    fn silence_is_a_timeout_and_a_broken_port_is_io() {
        let mut r = IdReader::new(Script::default()).with_timeout(Duration::from_millis(30));
        match r.find_card() {
            Err(IdCardError::Timeout {
                command: Command::FindCard,
                received: 0,
                ..
            }) => {}
            other => panic!("expected a timeout, got {other:?}"),
        }
        let half = encode_response(0x90, &[0; 8])[..6].to_vec();
        let mut r = IdReader::new(Script::answering(vec![vec![half]]))
            .with_timeout(Duration::from_millis(30));
        assert!(matches!(
            r.select_card(),
            Err(IdCardError::Timeout { received: 6, .. })
        ));
        let mut r = IdReader::new(Script {
            fail_recv: true,
            ..Default::default()
        });
        let err = r.find_card().unwrap_err();
        assert!(
            matches!(err, IdCardError::Io(ref e) if e.kind() == io::ErrorKind::BrokenPipe),
            "{err}"
        );
    }

    #[test]
    fn read_payload_lengths_must_add_up() {
        let card = SimCard::resident();
        let mut data = vec![0x01, 0x00, 0x04, 0x00];
        data.extend_from_slice(&card.record.encode());
        data.extend_from_slice(&card.photo);
        assert!(parse_read_data(&data, false).is_ok());
        data.push(0);
        assert!(matches!(
            parse_read_data(&data, false),
            Err(IdCardError::Malformed { .. })
        ));
        assert!(matches!(
            parse_read_data(&data[..3], false),
            Err(IdCardError::Malformed { .. })
        ));
        data[1] = 0x01; // text length 257
        assert!(matches!(
            parse_read_data(&data, false),
            Err(IdCardError::Malformed { .. })
        ));
    }

    #[test]
    fn sam_id_shows_the_common_form() {
        let mut id = [0u8; 16];
        id[0] = 5;
        id[2] = 1;
        id[4..8].copy_from_slice(&20101126u32.to_le_bytes());
        id[8..12].copy_from_slice(&1234567u32.to_le_bytes());
        id[12..16].copy_from_slice(&987654321u32.to_le_bytes());
        assert_eq!(
            SamId(id).to_string(),
            "05.01-20101126-0001234567-0987654321"
        );
        let mut r = IdReader::new(Script::answering(vec![vec![encode_response(0x90, &id)]]));
        assert_eq!(r.sam_id().unwrap(), SamId(id));
        assert_eq!(r.transport().sent, Command::SamId.frame());
    }

    #[test]
    fn against_the_simulator_over_a_memory_pipe() {
        let (host, device) = MemoryPipe::pair();
        let sim = IdCardSim::serve(device);
        let mut r = IdReader::new(host).with_timeout(Duration::from_millis(500));
        r.reset_sam().unwrap();
        assert_eq!(r.sam_status().unwrap(), ReaderStatus::Success);
        assert_eq!(
            r.sam_id().unwrap().to_string(),
            "05.01-20101126-0001234567-0987654321"
        );
        assert!(matches!(r.read_card(), Err(IdCardError::NoCard)));
        sim.place(SimCard::resident().with_fingerprint(1024));
        let read = r.read_card_with_fingerprint().unwrap();
        assert_eq!(read.record, SimCard::resident().record);
        assert_eq!(read.fingerprint.as_ref().map(Blob::len), Some(1024));
        assert_eq!(read.bytes.received, 15 + 19 + 2321);
        sim.place(SimCard::resident());
        let read = r.read_card_with_fingerprint().unwrap();
        assert_eq!(read.fingerprint.map(|b| b.len()), Some(0));
        assert_eq!(read.bytes.received, 15 + 19 + 1297);
        assert!(r.select_card().is_ok());
        assert!(r.read_appended_address().unwrap().is_none());
    }
}
