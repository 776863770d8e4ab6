//! SAM frames on the wire: `AA AA AA 96 69 | LEN_HI LEN_LO | body | CHK`.
//!
//! The host sends `CMD PARA [DATA]` bodies, the reader answers `SW1 SW2 SW3 [DATA]`. LEN counts the body plus CHK;
//! CHK is the XOR of the LEN bytes and the body. Decoding is incremental because readers deliver a response in
//! several chunks, and bounded because a corrupted LEN must never make us allocate or wait for megabytes.

use std::fmt;

/// The five bytes every frame starts with.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];

/// Largest LEN we accept. The biggest real answer (text + photo + 1024 fingerprint bytes) has LEN 2314; 4096
/// leaves room for firmware variants while keeping a corrupted length from costing more than 4 KiB.
pub const MAX_LEN: usize = 4096;

/// Largest complete frame: preamble, two LEN bytes and LEN bytes.
pub const MAX_FRAME: usize = PREAMBLE.len() + 2 + MAX_LEN;

/// XOR checksum over the LEN bytes and the body (everything after the preamble, CHK excluded).
pub fn checksum(len_and_body: &[u8]) -> u8 {
    len_and_body.iter().fold(0, |acc, b| acc ^ b)
}

/// Build a frame around `body` (host: `CMD PARA DATA`, reader: `SW1 SW2 SW3 DATA`).
///
/// Bodies longer than [`MAX_LEN`]` - 1` are not valid frames; they are still encoded (LEN saturates at 0xFFFF) so
/// tests can build impossible frames on purpose.
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 1).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(PREAMBLE.len() + 3 + body.len());
    out.extend_from_slice(&PREAMBLE);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out.push(checksum(&out[PREAMBLE.len()..]));
    out
}

/// A host command frame `CMD PARA [DATA]`.
pub fn encode_command(cmd: u8, para: u8, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(2 + data.len());
    body.extend_from_slice(&[cmd, para]);
    body.extend_from_slice(data);
    encode_frame(&body)
}

/// A reader response frame `00 00 SW3 [DATA]` (used by the simulator and tests).
pub fn encode_response(sw3: u8, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(3 + data.len());
    body.extend_from_slice(&[0x00, 0x00, sw3]);
    body.extend_from_slice(data);
    encode_frame(&body)
}

/// Every command of the protocol table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// `10 FF`: reset the SAM module.
    ResetSam,
    /// `11 FF`: SAM self-check status.
    SamStatus,
    /// `12 FF`: read the 16-byte SAM id.
    SamId,
    /// `20 01`: look for a card in the field.
    FindCard,
    /// `20 02`: select the card found.
    SelectCard,
    /// `30 01`: read the text block and the photo.
    ReadText,
    /// `30 03`: read the appended (newer) address.
    ReadAppendedAddress,
    /// `30 10`: read text, photo and fingerprint.
    ReadTextWithFingerprint,
}

impl Command {
    /// All commands, in table order.
    pub const ALL: [Command; 8] = [
        Command::ResetSam,
        Command::SamStatus,
        Command::SamId,
        Command::FindCard,
        Command::SelectCard,
        Command::ReadText,
        Command::ReadAppendedAddress,
        Command::ReadTextWithFingerprint,
    ];

    /// The CMD and PARA bytes.
    pub const fn code(self) -> (u8, u8) {
        match self {
            Command::ResetSam => (0x10, 0xFF),
            Command::SamStatus => (0x11, 0xFF),
            Command::SamId => (0x12, 0xFF),
            Command::FindCard => (0x20, 0x01),
            Command::SelectCard => (0x20, 0x02),
            Command::ReadText => (0x30, 0x01),
            Command::ReadAppendedAddress => (0x30, 0x03),
            Command::ReadTextWithFingerprint => (0x30, 0x10),
        }
    }

    /// The command with these CMD and PARA bytes, if any.
    pub fn from_code(cmd: u8, para: u8) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.code() == (cmd, para))
    }

    /// The complete 10-byte frame; computed at compile time, so sending a command allocates nothing.
    pub const fn frame(self) -> [u8; 10] {
        let (cmd, para) = self.code();
        // LEN = 00 03 (CMD, PARA, CHK); CHK = 00 ^ 03 ^ CMD ^ PARA.
        [
            0xAA,
            0xAA,
            0xAA,
            0x96,
            0x69,
            0x00,
            0x03,
            cmd,
            para,
            0x03 ^ cmd ^ para,
        ]
    }

    /// A short English name for logs and technician output.
    pub const fn name(self) -> &'static str {
        match self {
            Command::ResetSam => "reset SAM",
            Command::SamStatus => "SAM status",
            Command::SamId => "read SAM id",
            Command::FindCard => "find card",
            Command::SelectCard => "select card",
            Command::ReadText => "read text + photo",
            Command::ReadAppendedAddress => "read appended address",
            Command::ReadTextWithFingerprint => "read text + photo + fingerprint",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cmd, para) = self.code();
        write!(f, "{} ({cmd:02X} {para:02X})", self.name())
    }
}

/// A decoded reader response. `data` is everything between SW3 and CHK.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The status byte (see [`super::ReaderStatus`]).
    pub sw3: u8,
    /// Payload after SW3, CHK excluded. May hold card data: never log it.
    pub data: Vec<u8>,
}

impl fmt::Debug for Response {
    // The payload can be a citizen's card text: show only its size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Response {{ sw3: {:02X}, data: {} bytes }}",
            self.sw3,
            self.data.len()
        )
    }
}

/// A decoded host command (what the simulator receives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFrame {
    /// CMD byte.
    pub cmd: u8,
    /// PARA byte.
    pub para: u8,
    /// Any bytes after PARA, CHK excluded.
    pub data: Vec<u8>,
}

/// A frame that could not be decoded. The decoder has already resynchronised when it returns one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// CHK does not match the bytes: they were corrupted on the line.
    #[error("checksum error: frame says {found:02X}, bytes give {expected:02X}")]
    Checksum {
        /// CHK computed from the bytes received.
        expected: u8,
        /// CHK as received.
        found: u8,
    },
    /// LEN is too small for the frame kind or larger than [`MAX_LEN`].
    #[error("length error: LEN {len} is outside {min}..={max}", max = MAX_LEN)]
    Length {
        /// LEN as received.
        len: u16,
        /// The smallest LEN this frame kind can have.
        min: u16,
    },
}

/// Incremental, bounded frame splitter shared by the response and command decoders.
///
/// Its buffer never holds more than [`MAX_FRAME`] bytes: [`FrameDecoder::push`] takes only what fits, and
/// [`FrameDecoder::pop`] always frees room when the buffer is full (a full buffer holds either noise or a whole frame).
pub struct FrameDecoder {
    buf: Vec<u8>,
    min_len: u16,
}

impl fmt::Debug for FrameDecoder {
    // The buffer can hold a citizen's card text: show only how much is buffered.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FrameDecoder {{ buffered: {} bytes }}", self.buf.len())
    }
}

impl FrameDecoder {
    /// A decoder that rejects LEN below `min_len` (3 for commands, 4 for responses).
    pub fn new(min_len: u16) -> Self {
        Self {
            buf: Vec::with_capacity(MAX_FRAME),
            min_len,
        }
    }

    /// Append as many of `bytes` as fit; returns how many were taken. Call [`pop`](Self::pop) and push the rest.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(MAX_FRAME - self.buf.len());
        self.buf.extend_from_slice(&bytes[..n]);
        n
    }

    /// Bytes held (noise, a partial frame, or unread frames).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Forget everything buffered (before a new command: stale bytes belong to an old exchange).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// The next complete frame body (bytes between LEN and CHK), an error for a bad frame, or `None` if more bytes
    /// are needed.
    pub fn pop(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        // Resync: drop everything before the first preamble. Keep a tail that could be a preamble's start.
        match find_preamble(&self.buf) {
            Some(0) => {}
            Some(i) => {
                self.buf.drain(..i);
            }
            None => {
                let keep = self.buf.len().min(PREAMBLE.len() - 1);
                self.buf.drain(..self.buf.len() - keep);
                return None;
            }
        }
        let header = PREAMBLE.len() + 2;
        if self.buf.len() < header {
            return None;
        }
        let len = u16::from_be_bytes([self.buf[5], self.buf[6]]);
        if len < self.min_len || usize::from(len) > MAX_LEN {
            // The length is not credible, so neither is this preamble: skip one byte and rescan.
            self.buf.drain(..1);
            return Some(Err(FrameError::Length {
                len,
                min: self.min_len,
            }));
        }
        let total = header + usize::from(len);
        if self.buf.len() < total {
            return None;
        }
        let expected = checksum(&self.buf[PREAMBLE.len()..total - 1]);
        let found = self.buf[total - 1];
        // The length was credible, so the frame boundary is too: drop the whole frame either way. Rescanning
        // inside a bad frame could find a false preamble in photo data.
        let body = self.buf[header..total - 1].to_vec();
        self.buf.drain(..total);
        if expected != found {
            return Some(Err(FrameError::Checksum { expected, found }));
        }
        Some(Ok(body))
    }
}

fn find_preamble(buf: &[u8]) -> Option<usize> {
    buf.windows(PREAMBLE.len()).position(|w| w == PREAMBLE)
}

/// Incremental decoder of reader responses: push bytes as they arrive, pop complete [`Response`]s.
///
/// Copes with responses split at any point, line noise before the preamble, bad checksums and impossible lengths
/// (each reported once as a [`FrameError`], after which decoding resumes), and never panics or grows past
/// [`MAX_FRAME`] bytes.
#[derive(Debug)]
pub struct ResponseDecoder {
    inner: FrameDecoder,
}

impl Default for ResponseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        // SW1 SW2 SW3 CHK: a response's LEN is at least 4.
        Self {
            inner: FrameDecoder::new(4),
        }
    }

    /// Append as many of `bytes` as fit; returns how many were taken. Pop, then push the rest.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        self.inner.push(bytes)
    }

    /// The next complete response, a frame error, or `None` if more bytes are needed.
    pub fn pop(&mut self) -> Option<Result<Response, FrameError>> {
        // SW1 SW2 are 00 00 in every source; they carry nothing, so they are not checked.
        self.inner.pop().map(|r| {
            r.map(|mut body| {
                let sw3 = body[2];
                body.drain(..3);
                Response { sw3, data: body }
            })
        })
    }

    /// Feed all of `bytes`, collecting every result (convenience for tests and the fuzzer).
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<Result<Response, FrameError>>) {
        loop {
            let n = self.push(bytes);
            bytes = &bytes[n..];
            while let Some(r) = self.pop() {
                out.push(r);
            }
            if bytes.is_empty() {
                return;
            }
        }
    }

    /// Bytes held; never more than [`MAX_FRAME`].
    pub fn buffered(&self) -> usize {
        self.inner.buffered()
    }

    /// Forget everything buffered.
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}

/// Incremental decoder of host commands (the simulator's side of the line).
#[derive(Debug)]
pub struct CommandDecoder {
    inner: FrameDecoder,
}

impl Default for CommandDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl CommandDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        // CMD PARA CHK: a command's LEN is at least 3.
        Self {
            inner: FrameDecoder::new(3),
        }
    }

    /// Append as many of `bytes` as fit; returns how many were taken.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        self.inner.push(bytes)
    }

    /// The next complete command, a frame error, or `None` if more bytes are needed.
    pub fn pop(&mut self) -> Option<Result<CommandFrame, FrameError>> {
        self.inner.pop().map(|r| {
            r.map(|body| CommandFrame {
                cmd: body[0],
                para: body[1],
                data: body[2..].to_vec(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn decode_all(bytes: &[u8]) -> Vec<Result<Response, FrameError>> {
        let mut d = ResponseDecoder::new();
        let mut out = Vec::new();
        d.feed(bytes, &mut out);
        out
    }

    #[test]
    fn command_frames_match_the_protocol_table() {
        let table = [
            (Command::ResetSam, "AA AA AA 96 69 00 03 10 FF EC"),
            (Command::SamStatus, "AA AA AA 96 69 00 03 11 FF ED"),
            (Command::SamId, "AA AA AA 96 69 00 03 12 FF EE"),
            (Command::FindCard, "AA AA AA 96 69 00 03 20 01 22"),
            (Command::SelectCard, "AA AA AA 96 69 00 03 20 02 21"),
            (Command::ReadText, "AA AA AA 96 69 00 03 30 01 32"),
            (
                Command::ReadAppendedAddress,
                "AA AA AA 96 69 00 03 30 03 30",
            ),
            (
                Command::ReadTextWithFingerprint,
                "AA AA AA 96 69 00 03 30 10 23",
            ),
        ];
        for (command, frame) in table {
            assert_eq!(command.frame().to_vec(), hex(frame), "{command}");
            let (cmd, para) = command.code();
            assert_eq!(encode_command(cmd, para, &[]), hex(frame), "{command}");
            assert_eq!(Command::from_code(cmd, para), Some(command));
        }
        assert_eq!(Command::from_code(0x01, 0xFF), None);
    }

    #[test]
    fn typical_responses_from_the_spec_decode() {
        let find_long = hex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97");
        let find_short = hex("AA AA AA 96 69 00 04 00 00 9F 9B");
        let no_card = hex("AA AA AA 96 69 00 04 00 00 80 84");
        let select_ok = hex("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C");
        let select_failed = hex("AA AA AA 96 69 00 04 00 00 81 85");
        assert_eq!(encode_response(0x9F, &[0; 4]), find_long);
        assert_eq!(encode_response(0x9F, &[]), find_short);
        assert_eq!(encode_response(0x80, &[]), no_card);
        assert_eq!(encode_response(0x90, &[0; 8]), select_ok);
        assert_eq!(encode_response(0x81, &[]), select_failed);
        for (frame, sw3, data_len) in [
            (find_long, 0x9F, 4),
            (find_short, 0x9F, 0),
            (no_card, 0x80, 0),
            (select_ok, 0x90, 8),
            (select_failed, 0x81, 0),
        ] {
            let got = decode_all(&frame);
            assert_eq!(got.len(), 1);
            let r = got[0].as_ref().unwrap();
            assert_eq!((r.sw3, r.data.len()), (sw3, data_len));
        }
    }

    #[test]
    fn a_1295_byte_read_response_decodes() {
        let mut data = vec![0x01, 0x00, 0x04, 0x00];
        data.extend((0..1280).map(|i| (i * 7) as u8));
        let frame = encode_response(0x90, &data);
        assert_eq!(frame.len(), 1295);
        assert_eq!(&frame[..10], &hex("AA AA AA 96 69 05 08 00 00 90")[..]);
        let got = decode_all(&frame);
        assert_eq!(got, vec![Ok(Response { sw3: 0x90, data })]);
    }

    #[test]
    fn noise_before_the_preamble_is_skipped() {
        let mut bytes = hex("00 AA 13 AA AA 96 AA AA");
        bytes.extend(encode_response(0x9F, &[]));
        let got = decode_all(&bytes);
        assert_eq!(
            got,
            vec![Ok(Response {
                sw3: 0x9F,
                data: vec![]
            })]
        );
    }

    #[test]
    fn bad_checksum_is_reported_then_decoding_resumes() {
        let mut bad = encode_response(0x90, &[1, 2, 3]);
        *bad.last_mut().unwrap() ^= 0x55;
        let mut bytes = bad.clone();
        bytes.extend(encode_response(0x80, &[]));
        let got = decode_all(&bytes);
        let good_chk = bad[bad.len() - 1] ^ 0x55;
        assert_eq!(
            got,
            vec![
                Err(FrameError::Checksum {
                    expected: good_chk,
                    found: good_chk ^ 0x55
                }),
                Ok(Response {
                    sw3: 0x80,
                    data: vec![]
                })
            ]
        );
    }

    #[test]
    fn impossible_lengths_are_errors_and_never_awaited() {
        // LEN 0x2000 > 4096: an error at once, not a wait for 8 KiB.
        let mut bytes = hex("AA AA AA 96 69 20 00 00 00 90");
        bytes.extend(encode_response(0x9F, &[]));
        let got = decode_all(&bytes);
        assert_eq!(
            got[0],
            Err(FrameError::Length {
                len: 0x2000,
                min: 4
            })
        );
        assert_eq!(
            got[1],
            Ok(Response {
                sw3: 0x9F,
                data: vec![]
            })
        );
        assert_eq!(got.len(), 2);
        // LEN 3 is too short for a response (no room for SW1 SW2 SW3 CHK).
        let got = decode_all(&hex("AA AA AA 96 69 00 03 00 00 03"));
        assert_eq!(got, vec![Err(FrameError::Length { len: 3, min: 4 })]);
    }

    #[test]
    fn byte_by_byte_delivery_decodes() {
        let frame = encode_response(0x90, &[9; 300]);
        let mut d = ResponseDecoder::new();
        for (i, b) in frame.iter().enumerate() {
            assert_eq!(d.push(std::slice::from_ref(b)), 1);
            let r = d.pop();
            if i + 1 < frame.len() {
                assert!(r.is_none());
            } else {
                assert_eq!(
                    r,
                    Some(Ok(Response {
                        sw3: 0x90,
                        data: vec![9; 300]
                    }))
                );
            }
        }
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn command_decoder_reads_host_frames() {
        let mut d = CommandDecoder::new();
        let mut bytes = vec![0x55];
        bytes.extend(Command::SelectCard.frame());
        assert_eq!(d.push(&bytes), bytes.len());
        assert_eq!(
            d.pop(),
            Some(Ok(CommandFrame {
                cmd: 0x20,
                para: 0x02,
                data: vec![]
            }))
        );
        assert_eq!(d.pop(), None);
    }

    #[test]
    fn response_debug_hides_the_payload() {
        let r = Response {
            sw3: 0x90,
            data: vec![0x35, 0x00],
        };
        assert_eq!(format!("{r:?}"), "Response { sw3: 90, data: 2 bytes }");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn split_anywhere_decodes_the_same(
                sw3 in any::<u8>(),
                data in proptest::collection::vec(any::<u8>(), 0..1400),
                noise in proptest::collection::vec(any::<u8>(), 0..40),
                cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
            ) {
                // Noise must not end in a partial preamble that the frame would complete differently; strip 0xAA.
                let noise: Vec<u8> = noise.into_iter().filter(|&b| b != 0xAA).collect();
                let frame = encode_response(sw3, &data);
                let mut bytes = noise;
                bytes.extend(&frame);
                let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
                points.sort_unstable();
                let mut d = ResponseDecoder::new();
                let mut out = Vec::new();
                let mut start = 0;
                for p in points.into_iter().chain([bytes.len()]) {
                    d.feed(&bytes[start..p], &mut out);
                    start = p;
                }
                prop_assert_eq!(out, vec![Ok(Response { sw3, data })]);
                prop_assert_eq!(d.buffered(), 0);
            }

            #[test]
            fn arbitrary_bytes_never_panic_and_stay_bounded(
                chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..5000), 0..6),
            ) {
                let mut d = ResponseDecoder::new();
                for chunk in &chunks {
                    let mut rest = &chunk[..];
                    loop {
                        let n = d.push(rest);
                        rest = &rest[n..];
                        prop_assert!(d.buffered() <= MAX_FRAME);
                        while let Some(r) = d.pop() {
                            if let Ok(resp) = r {
                                prop_assert!(resp.data.len() <= MAX_LEN);
                            }
                        }
                        if rest.is_empty() { break; }
                    }
                }
            }

            #[test]
            fn preamble_heavy_garbage_never_panics(
                parts in proptest::collection::vec(prop_oneof![
                    Just(PREAMBLE.to_vec()),
                    proptest::collection::vec(any::<u8>(), 0..8),
                ], 0..40),
            ) {
                let bytes: Vec<u8> = parts.concat();
                let mut d = ResponseDecoder::new();
                let mut out = Vec::new();
                d.feed(&bytes, &mut out);
                prop_assert!(d.buffered() <= MAX_FRAME);
            }
        }
    }

    #[test]
    fn debug_of_a_decoder_never_shows_buffered_bytes() {
        let mut d = ResponseDecoder::new();
        // A partial frame whose payload spells out card text.
        d.push(&[
            0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x05, 0x08, 0x00, 0x00, 0x90, 0x20, 0x5F, 0x09, 0x4E,
        ]);
        let shown = format!("{d:?}");
        assert!(shown.contains("14 bytes"), "{shown}");
        assert!(
            !shown.contains("95") && !shown.contains("0x"),
            "raw bytes leaked: {shown}"
        );
    }
}
