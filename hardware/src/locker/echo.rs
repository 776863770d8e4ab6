//! Half-duplex RS-485 adapters that hear themselves.
//!
//! Many USB–RS-485 adapters (and any transceiver with its receiver left enabled) hand every byte the host sends
//! straight back to the host. On the 8A family this needs care: the board's answer to "open lock ll"
//! (`8A bb ll 11`) is `8A bb ll ss`, and when the lock still reads locked (a jammed door) that answer is
//! byte-for-byte the command. "Drop whatever equals what we sent" would eat exactly the answer that matters.
//!
//! The rules, and why they keep every board answer:
//! 1. An adapter's echo is made by the adapter itself while the host transmits, so it arrives at once, whole and
//!    first: a board starts answering only after it has received the whole command. When the adapter is known to
//!    echo, the echo is exactly the command's bytes at the head of what arrives after the send, and nothing else
//!    ([`EchoCanceller`] is `strip_prefix` over the stream). A second, identical copy is the board's answer and
//!    is kept.
//! 2. In [`super::EchoMode::Auto`] the bus learns whether the adapter echoes only from exchanges whose answer
//!    cannot be mistaken for the echo — reading a board's locks, whose answer has another length — using
//!    [`verdict`]: a board frame at the head of what came back means no echo; a copy of the command at the
//!    head, with any frame after it, means echo; nothing at all for the whole reply time also means no echo,
//!    since an adapter echoes whether or not a board answers. Anything else (noise) decides nothing.
//! 3. While the echo is unknown, the bus never fires a lock before reading the board (it wants the door's state
//!    before the pulse anyway), so the ambiguous exchange happens only once the question is settled.

/// What the bus knows about its adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoState {
    /// Not yet learned (mode `auto`, no board read yet).
    Unknown,
    /// The adapter hands back what the host sends; the copy is dropped.
    Echoing,
    /// What comes back is the boards'.
    NotEchoing,
}

/// Drops the echo of one sent command from the bytes that come back after it.
///
/// After [`expect`](Self::expect)`(sent)`, the stream that follows loses `sent` if and only if it starts with
/// `sent`; every other byte passes, unchanged and in order, however the stream is chunked. Bytes that match the
/// start of `sent` are held back until they either complete the copy (dropped) or stop matching (passed on).
#[derive(Debug, Default)]
pub struct EchoCanceller {
    expected: Vec<u8>,
    matched: usize,
    dropped: u64,
}

impl EchoCanceller {
    /// A canceller that expects nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `sent` was just written: its copy may come first. A partial copy still held from the previous command is
    /// forgotten: it belonged to an exchange that is over.
    pub fn expect(&mut self, sent: &[u8]) {
        self.expected.clear();
        self.expected.extend_from_slice(sent);
        self.matched = 0;
    }

    /// Expect no echo (the adapter does not echo): pass everything.
    pub fn clear(&mut self) {
        self.expected.clear();
        self.matched = 0;
    }

    /// Pass `input` on to `out`, less the echo.
    pub fn filter(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            if self.expected.is_empty() {
                out.push(b);
            } else if b == self.expected[self.matched] {
                self.matched += 1;
                if self.matched == self.expected.len() {
                    self.dropped += self.matched as u64;
                    self.clear();
                }
            } else {
                // Not the echo after all: what was held is the board's, and so is everything after it.
                out.extend_from_slice(&self.expected[..self.matched]);
                out.push(b);
                self.clear();
            }
        }
    }

    /// Echo bytes dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Bytes held back because they may be the start of the echo.
    pub fn held(&self) -> usize {
        self.matched
    }
}

/// What one exchange says about the adapter (rule 2 of the module notes), or `None` if it says nothing.
///
/// `sent` is the command, `heard` every byte that came back after it (nothing removed), `frame_at` where the
/// first board frame (the answer or any other) started within `heard`. Call it once the answer came or the reply
/// time is over; use it only for commands whose own bytes can never decode as a board frame.
pub fn verdict(sent: &[u8], heard: &[u8], frame_at: Option<usize>) -> Option<EchoState> {
    if sent.is_empty() {
        return None;
    }
    match frame_at {
        // A board spoke first: nothing of ours came back before it.
        Some(0) => Some(EchoState::NotEchoing),
        Some(at) if at >= sent.len() && heard.starts_with(sent) => Some(EchoState::Echoing),
        Some(_) => None,
        None if heard.is_empty() => Some(EchoState::NotEchoing),
        None if heard.starts_with(sent) => Some(EchoState::Echoing),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OPEN_1_1: [u8; 5] = [0x8A, 0x01, 0x01, 0x11, 0x9B];

    fn run(sent: &[u8], chunks: &[&[u8]]) -> Vec<u8> {
        let mut c = EchoCanceller::new();
        c.expect(sent);
        let mut out = Vec::new();
        for chunk in chunks {
            c.filter(chunk, &mut out);
        }
        out
    }

    #[test]
    fn an_answer_identical_to_the_command_survives_the_echo() {
        // echo, then the jammed lock's answer: the same five bytes twice
        let out = run(&OPEN_1_1, &[&OPEN_1_1[..3], &OPEN_1_1[3..], &OPEN_1_1]);
        assert_eq!(out, OPEN_1_1);
    }

    #[test]
    fn an_answer_that_only_starts_like_the_command_is_passed_whole() {
        // no echo; the lock opened: 8A 01 01 00 8A shares three bytes with the command
        let answer = [0x8A, 0x01, 0x01, 0x00, 0x8A];
        assert_eq!(run(&OPEN_1_1, &[&answer[..2], &answer[2..]]), answer);
    }

    #[test]
    fn a_corrupted_echo_is_not_removed() {
        let mut bent = OPEN_1_1;
        bent[3] = 0x10;
        assert_eq!(run(&OPEN_1_1, &[&bent]), bent);
    }

    #[test]
    fn after_clear_everything_passes() {
        let mut c = EchoCanceller::new();
        c.expect(&OPEN_1_1);
        c.clear();
        let mut out = Vec::new();
        c.filter(&OPEN_1_1, &mut out);
        assert_eq!(out, OPEN_1_1);
        assert_eq!(c.dropped(), 0);
    }

    #[test]
    fn verdicts() {
        let query = [0x80, 0x01, 0x00, 0x33, 0xB2];
        let reply = [0x80, 0x01, 0xFF, 0x00, 0x00, 0x33, 0x4D];
        let echo_then_reply: Vec<u8> = query.iter().chain(&reply).copied().collect();
        assert_eq!(
            verdict(&query, &reply, Some(0)),
            Some(EchoState::NotEchoing)
        );
        assert_eq!(
            verdict(&query, &echo_then_reply, Some(5)),
            Some(EchoState::Echoing)
        );
        assert_eq!(verdict(&query, &query, None), Some(EchoState::Echoing));
        assert_eq!(verdict(&query, &[], None), Some(EchoState::NotEchoing));
        // noise, or an answer after something that is not our copy: no conclusion
        assert_eq!(verdict(&query, &[0x00, 0x01], None), None);
        assert_eq!(verdict(&query, &[0x55; 9], Some(2)), None);
        // a (possible) answer that begins with the command's very bytes is still an answer at the head
        let lookalike = [0x80, 0x01, 0x00, 0x33, 0xB2, 0x33, 0x01];
        assert_eq!(
            verdict(&query, &lookalike, Some(0)),
            Some(EchoState::NotEchoing)
        );
    }

    proptest! {
        #[test]
        fn the_canceller_is_strip_prefix_however_chunked(
            sent in proptest::collection::vec(any::<u8>(), 1..8),
            echo in any::<bool>(),
            tail in proptest::collection::vec(any::<u8>(), 0..32),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let mut stream = if echo { sent.clone() } else { Vec::new() };
            stream.extend(&tail);
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
            points.sort_unstable();
            let mut c = EchoCanceller::new();
            c.expect(&sent);
            let mut out = Vec::new();
            let mut last = 0;
            for p in points.into_iter().chain([stream.len()]) {
                c.filter(&stream[last..p], &mut out);
                last = p;
            }
            let want = stream.strip_prefix(sent.as_slice()).unwrap_or(&stream);
            // a held partial copy at the very end is released by the next byte or dropped with the exchange
            prop_assert_eq!(&out[..], &want[..want.len() - c.held().min(want.len())]);
        }
    }
}
