//! A simulated SAM reader that speaks the protocol byte for byte, on a pseudo-terminal or any [`Transport`].
//!
//! The kiosk without hardware opens [`IdCardSim::path`] exactly like a real reader's serial port; tests place and
//! remove sample cards and inject faults.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::date::Date;
use super::frame::{encode_response, Command, CommandDecoder, CommandFrame, FrameError};
use super::idnumber::{check_character, IdNumber};
use super::nation::Nation;
use super::record::{CardDetails, CardRecord, Personal, Sex, ValidTo, TEXT_LEN};
use super::status::ReaderStatus;
use crate::transport::{SerialTransport, Transport};

/// The simulated SAM's id: shown as `05.01-20101126-0001234567-0987654321`.
pub const SIM_SAM_ID: [u8; 16] = {
    let mut id = [0u8; 16];
    id[0] = 5;
    id[2] = 1;
    let a = 20101126u32.to_le_bytes();
    let b = 1234567u32.to_le_bytes();
    let c = 987654321u32.to_le_bytes();
    let mut i = 0;
    while i < 4 {
        id[4 + i] = a[i];
        id[8 + i] = b[i];
        id[12 + i] = c[i];
        i += 1;
    }
    id
};

/// A fault the simulator can play. Faults persist until [`IdCardSim::clear_faults`] unless marked "once".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Find card answers 80 even with a card placed; select and read fail as without a card.
    NoCard,
    /// Select card answers 81.
    SelectFails,
    /// Read commands answer 41 (read failed).
    ReadFails,
    /// Once: the next response goes out with a corrupted CHK.
    ChecksumError,
    /// Wait this long before every response.
    Slow(Duration),
    /// Send only the first half of every response, then nothing.
    HalfFrame,
    /// Answer nothing at all (an unplugged reader).
    Silent,
}

/// A card to place on the simulated reader: its text record, photo and optional fingerprint data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCard {
    /// The card's text data.
    pub record: CardRecord,
    /// The WLT photo bytes (fake, 1024 bytes).
    pub photo: Vec<u8>,
    /// Fingerprint data for `30 10`; `None` answers a zero fingerprint length.
    pub fingerprint: Option<Vec<u8>>,
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).expect("sample dates are valid")
}

/// A GB 11643 number from its first 17 digits, with the right check character.
fn gb_number(first17: &str) -> IdNumber {
    let check = check_character(first17).expect("sample numbers are 17 digits");
    IdNumber::parse(&format!("{first17}{check}")).expect("the check character was just computed")
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

impl SimCard {
    fn with_record(record: CardRecord) -> SimCard {
        SimCard {
            record,
            photo: pattern(1024, 7),
            fingerprint: None,
        }
    }

    /// 张三, resident ID card, born 1990-03-07, valid to 2035-06-01.
    pub fn resident() -> SimCard {
        Self::with_record(CardRecord {
            name: Personal::new("张三"),
            sex: Sex::Male,
            birth: date(1990, 3, 7),
            id_number: gb_number("42011119900307123"),
            valid_from: date(2015, 6, 1),
            valid_to: ValidTo::Date(date(2035, 6, 1)),
            details: CardDetails::Resident {
                nation: Nation::from_code(1).expect("01 is 汉"),
                address: Personal::new("示例省示例市测试区样例路1号"),
                authority: "示例市公安局测试分局".into(),
            },
        })
    }

    /// 李四, resident ID card valid for life (长期), born 1968-11-20.
    pub fn resident_long_term() -> SimCard {
        Self::with_record(CardRecord {
            name: Personal::new("李四"),
            sex: Sex::Female,
            birth: date(1968, 11, 20),
            id_number: gb_number("42010219681120456"),
            valid_from: date(2016, 1, 4),
            valid_to: ValidTo::LongTerm,
            details: CardDetails::Resident {
                nation: Nation::from_code(3).expect("03 is 回"),
                address: Personal::new("示例省示例市样例区测试街2号"),
                authority: "示例市公安局样例分局".into(),
            },
        })
    }

    /// 欧阳秀英, resident ID card, born 1952-09-09 (over 60: priority lane), valid for life.
    pub fn elderly() -> SimCard {
        Self::with_record(CardRecord {
            name: Personal::new("欧阳秀英"),
            sex: Sex::Female,
            birth: date(1952, 9, 9),
            id_number: gb_number("42010619520909002"),
            valid_from: date(2008, 3, 15),
            valid_to: ValidTo::LongTerm,
            details: CardDetails::Resident {
                nation: Nation::from_code(8).expect("08 is 壮"),
                address: Personal::new("示例省示例市测试区老年路3号"),
                authority: "示例市公安局测试分局".into(),
            },
        })
    }

    /// 陈大文, Hong Kong/Macao/Taiwan residence permit (number starts 810000).
    pub fn hk_macao_taiwan() -> SimCard {
        Self::with_record(CardRecord {
            name: Personal::new("陈大文"),
            sex: Sex::Male,
            birth: date(1985, 5, 5),
            id_number: gb_number("81000019850505001"),
            valid_from: date(2019, 1, 2),
            valid_to: ValidTo::Date(date(2029, 1, 2)),
            details: CardDetails::HkMacaoTaiwan {
                address: Personal::new("示例省示例市测试区港湾路8号"),
                authority: "示例市公安局测试分局".into(),
                pass_number: Personal::new("H12345678"),
                issue_count: 1,
            },
        })
    }

    /// 史密斯 / SMITH JOHN TEST, foreign permanent resident ID card 2017.
    pub fn pr_2017() -> SimCard {
        Self::with_record(CardRecord {
            name: Personal::new("史密斯"),
            sex: Sex::Male,
            birth: date(1980, 9, 1),
            id_number: IdNumber::parse_pr2017("USA110800901012")
                .expect("sample PR number has the right shape"),
            valid_from: date(2017, 7, 1),
            valid_to: ValidTo::Date(date(2027, 7, 1)),
            details: CardDetails::PermanentResident2017 {
                english_name: Personal::new("SMITH, JOHN TEST"),
                nationality: "USA".into(),
                card_version: "20".into(),
                authority_code: "1100".into(),
            },
        })
    }

    /// 安娜, foreign permanent resident ID card 2023, with an English name long enough to use both name parts.
    pub fn pr_2023() -> SimCard {
        Self::with_record(CardRecord {
            name: Personal::new("安娜"),
            sex: Sex::Female,
            birth: date(1992, 4, 4),
            id_number: gb_number("91184019920404002"),
            valid_from: date(2023, 12, 1),
            valid_to: ValidTo::Date(date(2033, 12, 1)),
            details: CardDetails::PermanentResident2023 {
                english_name: Personal::new("ANDERSON-WILLIAMSON, ANNA ELIZABETH TEST"),
                renewal_count: 0,
                nationality: "USA".into(),
                previous_number_link: Personal::new(""),
            },
        })
    }

    /// 刘䶮堃, resident ID card, born 1994-12-21, living at 示例省示例市喆赟路9号: a name and an address with
    /// characters outside GB2312 (䶮 U+4DAE is CJK Extension A; 堃, 喆, 赟 are in GBK), for receipts and screens
    /// that must show rare name characters. All of them are in the Basic Multilingual Plane: the card's text
    /// block is UCS-2, which cannot carry a supplementary-plane character (such names are written on the card
    /// with a substitute character), so no sample card holds one.
    pub fn rare_name() -> SimCard {
        Self::with_record(CardRecord {
            name: Personal::new("刘䶮堃"),
            sex: Sex::Male,
            birth: date(1994, 12, 21),
            id_number: gb_number("42010619941221003"),
            valid_from: date(2016, 8, 30),
            valid_to: ValidTo::Date(date(2026, 8, 30)),
            details: CardDetails::Resident {
                nation: Nation::from_code(1).expect("01 is 汉"),
                address: Personal::new("示例省示例市喆赟路9号"),
                authority: "示例市公安局测试分局".into(),
            },
        })
    }

    /// This card with `len` bytes of fake fingerprint data.
    pub fn with_fingerprint(mut self, len: usize) -> SimCard {
        self.fingerprint = Some(pattern(len, 3));
        self
    }

    /// The success payload of a read command: lengths, text, photo[, fingerprint].
    fn read_payload(&self, with_fingerprint: bool) -> Vec<u8> {
        let fp: &[u8] = if with_fingerprint {
            self.fingerprint.as_deref().unwrap_or(&[])
        } else {
            &[]
        };
        let mut out = Vec::with_capacity(6 + TEXT_LEN + self.photo.len() + fp.len());
        out.extend_from_slice(&(TEXT_LEN as u16).to_be_bytes());
        out.extend_from_slice(&(self.photo.len() as u16).to_be_bytes());
        if with_fingerprint {
            out.extend_from_slice(&(fp.len() as u16).to_be_bytes());
        }
        out.extend_from_slice(&self.record.encode());
        out.extend_from_slice(&self.photo);
        out.extend_from_slice(fp);
        out
    }
}

#[derive(Debug, Default)]
struct Faults {
    no_card: bool,
    select_fails: bool,
    read_fails: bool,
    checksum_once: bool,
    slow: Option<Duration>,
    half_frame: bool,
    silent: bool,
}

#[derive(Debug, Default)]
struct State {
    card: Option<SimCard>,
    /// Set by a successful select; a read needs it and clears it (a real card halts after a read).
    selected: bool,
    faults: Faults,
    commands: usize,
}

/// What to do with one command, decided under the lock and carried out after it is released.
struct Reply {
    frame: Vec<u8>,
    delay: Option<Duration>,
    half: bool,
}

impl State {
    fn reply(&mut self, command: Result<CommandFrame, FrameError>) -> Option<Reply> {
        self.commands += 1;
        if self.faults.silent {
            return None;
        }
        let mut frame = match command {
            Err(FrameError::Checksum { .. }) => {
                encode_response(ReaderStatus::ChecksumError.code(), &[])
            }
            Err(FrameError::Length { .. }) => {
                encode_response(ReaderStatus::LengthError.code(), &[])
            }
            Ok(c) => match Command::from_code(c.cmd, c.para) {
                Some(command) => self.answer(command),
                None => encode_response(ReaderStatus::CommandError.code(), &[]),
            },
        };
        if std::mem::take(&mut self.faults.checksum_once) {
            if let Some(chk) = frame.last_mut() {
                *chk ^= 0xFF;
            }
        }
        Some(Reply {
            frame,
            delay: self.faults.slow,
            half: self.faults.half_frame,
        })
    }

    fn answer(&mut self, command: Command) -> Vec<u8> {
        let card_seen = self.card.is_some() && !self.faults.no_card;
        let status = |s: ReaderStatus| encode_response(s.code(), &[]);
        match command {
            Command::ResetSam => {
                self.selected = false;
                status(ReaderStatus::Success)
            }
            Command::SamStatus => status(ReaderStatus::Success),
            Command::SamId => encode_response(ReaderStatus::Success.code(), &SIM_SAM_ID),
            // The long form most firmware sends: 9F and four zero bytes.
            Command::FindCard if card_seen => {
                encode_response(ReaderStatus::CardFound.code(), &[0; 4])
            }
            Command::FindCard => status(ReaderStatus::NoCard),
            Command::SelectCard if card_seen && !self.faults.select_fails => {
                self.selected = true;
                encode_response(ReaderStatus::Success.code(), &[0; 8])
            }
            Command::SelectCard => status(ReaderStatus::SelectFailed),
            Command::ReadAppendedAddress if card_seen => status(ReaderStatus::NoContent),
            Command::ReadText | Command::ReadTextWithFingerprint
                if card_seen && self.selected && !self.faults.read_fails =>
            {
                self.selected = false;
                let with_fp = command == Command::ReadTextWithFingerprint;
                let payload = self
                    .card
                    .as_ref()
                    .map(|c| c.read_payload(with_fp))
                    .unwrap_or_default();
                encode_response(ReaderStatus::Success.code(), &payload)
            }
            Command::ReadText | Command::ReadTextWithFingerprint | Command::ReadAppendedAddress => {
                status(ReaderStatus::ReadFailed)
            }
        }
    }
}

/// A simulated ID card reader running on its own thread. Dropping it stops the thread and closes the pty.
pub struct IdCardSim {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
    /// Our own handle on the pty slave: keeps the pty alive (no hang-up on the master) between driver sessions.
    _slave: Option<serialport::TTYPort>,
}

impl IdCardSim {
    /// Start a simulator on a new pseudo-terminal; open [`path`](Self::path) with
    /// `SerialTransport::open(path, 115200)`.
    pub fn spawn() -> io::Result<IdCardSim> {
        // `pair()` puts the slave in raw mode (no echo, no line editing). The transport sets its own read
        // timeouts, so the master's default one does not matter here.
        let crate::pty::PtyPair {
            master,
            slave,
            path,
        } = crate::pty::open(Duration::from_millis(100))?;
        let mut sim = Self::serve(SerialTransport::from_port(Box::new(master)));
        sim.path = path;
        sim._slave = Some(slave);
        Ok(sim)
    }

    /// Run the simulator over any transport (e.g. one end of a `MemoryPipe`). [`path`](Self::path) is empty.
    pub fn serve<T: Transport + 'static>(transport: T) -> IdCardSim {
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::Builder::new()
                .name("idcard-sim".into())
                .spawn(move || run(transport, &state, &stop))
                .ok()
        };
        IdCardSim {
            state,
            stop,
            thread,
            path: PathBuf::new(),
            _slave: None,
        }
    }

    /// The pty slave device to open as the reader's serial port (empty for [`serve`](Self::serve)).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Put a card on the reader (replacing any card there).
    pub fn place(&self, card: SimCard) {
        let mut s = self.state();
        s.card = Some(card);
        s.selected = false;
    }

    /// Take the card away.
    pub fn remove(&self) {
        let mut s = self.state();
        s.card = None;
        s.selected = false;
    }

    /// Start playing a fault (see [`Fault`]); faults combine.
    pub fn inject(&self, fault: Fault) {
        let f = &mut self.state().faults;
        match fault {
            Fault::NoCard => f.no_card = true,
            Fault::SelectFails => f.select_fails = true,
            Fault::ReadFails => f.read_fails = true,
            Fault::ChecksumError => f.checksum_once = true,
            Fault::Slow(d) => f.slow = Some(d),
            Fault::HalfFrame => f.half_frame = true,
            Fault::Silent => f.silent = true,
        }
    }

    /// Stop every fault.
    pub fn clear_faults(&self) {
        self.state().faults = Faults::default();
    }

    /// Command frames received so far (answered or not), for tests.
    pub fn commands_received(&self) -> usize {
        self.state().commands
    }
}

impl Drop for IdCardSim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How often the thread checks for a stop request while idle.
const POLL: Duration = Duration::from_millis(20);

fn run<T: Transport>(mut transport: T, state: &Mutex<State>, stop: &AtomicBool) {
    let mut decoder = CommandDecoder::new();
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        let n = match transport.recv(&mut buf, POLL) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // The other end is gone (pipe closed): nothing more to serve.
            Err(_) => return,
        };
        let mut chunk = &buf[..n];
        while !chunk.is_empty() {
            let taken = decoder.push(chunk);
            chunk = &chunk[taken..];
            while let Some(command) = decoder.pop() {
                let reply = state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .reply(command);
                let Some(reply) = reply else { continue };
                if let Some(delay) = reply.delay {
                    if !sleep_unless_stopped(delay, stop) {
                        return;
                    }
                }
                let bytes = if reply.half {
                    &reply.frame[..reply.frame.len() / 2]
                } else {
                    &reply.frame[..]
                };
                if transport.send(bytes).is_err() {
                    return;
                }
            }
        }
    }
}

/// Sleep `d` in short steps; false if a stop was requested meanwhile.
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(POLL));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn the_driver_and_simulator_can_move_to_device_threads() {
        assert_send::<IdCardSim>();
        assert_send::<crate::idcard::IdReader<SerialTransport>>();
    }

    #[test]
    fn sam_id_constant_reads_as_documented() {
        let id = crate::idcard::SamId(SIM_SAM_ID);
        assert_eq!(id.parts(), (5, 1, 20101126, 1234567, 987654321));
    }

    #[test]
    fn bad_host_frames_get_protocol_errors() {
        let mut s = State::default();
        let chk = s
            .reply(Err(FrameError::Checksum {
                expected: 1,
                found: 2,
            }))
            .unwrap();
        assert_eq!(chk.frame, encode_response(0x10, &[]));
        let unknown = s
            .reply(Ok(CommandFrame {
                cmd: 0x01,
                para: 0xFF,
                data: vec![],
            }))
            .unwrap();
        assert_eq!(unknown.frame, encode_response(0x21, &[]));
        // A read without a prior select fails like a real reader's.
        s.card = Some(SimCard::resident());
        let read = s
            .reply(Ok(CommandFrame {
                cmd: 0x30,
                para: 0x01,
                data: vec![],
            }))
            .unwrap();
        assert_eq!(read.frame, encode_response(0x41, &[]));
    }

    #[test]
    fn the_rare_name_card_carries_its_characters_through_the_text_block() {
        let card = SimCard::rare_name();
        let back = CardRecord::decode(&card.record.encode()).unwrap();
        assert_eq!(back, card.record);
        assert_eq!(back.name(), "刘䶮堃");
        assert_eq!(back.address(), Some("示例省示例市喆赟路9号"));
        assert_eq!(back.masked_name(), "刘**");
        assert_eq!(back.id_number.as_str().len(), 18);
        let text = format!("{}{}", back.name(), back.address().unwrap_or(""));
        assert!(
            text.chars().all(|c| (c as u32) < 0x1_0000),
            "UCS-2 carries only the BMP"
        );
    }
}
