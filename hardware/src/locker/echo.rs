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
//!    [`verdict`]: the board's answer with no copy of the command before it means no echo; a copy of the
//!    command before the answer (or with no answer) means echo; nothing at all for the whole reply time also
//!    means no echo, since an adapter echoes whether or not a board answers. Anything else decides nothing.
//! 3. While the echo is unknown, the bus never fires a lock before reading the board (it wants the door's state
//!    before the pulse anyway), so the ambiguous exchange happens only once the question is settled. Should that
//!    read bring back nothing but noise, the fire goes ahead with the echo still unknown and nothing removed: an
//!    echoing adapter's copy of the command is then taken for a "still locked" answer, the bus watches the
//!    sensor as for any such answer, and the board's real answer right behind the copy counts as a reading. The
//!    worst case, an echo in front of a silent board, reads as `Jammed` instead of `NoAnswer`: the document stays
//!    in its door either way.
//!
//! `EchoMode::On` with an adapter that does not echo is a misconfiguration that costs exactly the answer this
//! module protects: a jammed lock's answer is dropped as the echo and the board reads as not answering.

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
/// `sent` is the command, `heard` the bytes that came back after it (nothing removed; possibly cut short),
/// `answer_at` where the board's answer started within them if it came. An echo comes before the answer, so:
/// a copy of `sent` before the answer means the adapter echoes, none means it does not; with no answer, a copy
/// means it echoes and silence means it does not. Frames that were already on their way (a push) may come
/// first and change nothing. Call it once the answer came or the reply time is over, and only for commands
/// whose answer can never be their own bytes.
pub fn verdict(sent: &[u8], heard: &[u8], answer_at: Option<usize>) -> Option<EchoState> {
    if sent.is_empty() {
        return None;
    }
    let has_copy = |bytes: &[u8]| bytes.windows(sent.len()).any(|w| w == sent);
    match answer_at {
        Some(at) if at <= heard.len() => Some(if has_copy(&heard[..at]) {
            EchoState::Echoing
        } else {
            EchoState::NotEchoing
        }),
        // The answer lies beyond what was kept: only a copy within it tells.
        Some(_) => has_copy(heard).then_some(EchoState::Echoing),
        None if heard.is_empty() => Some(EchoState::NotEchoing),
        None => has_copy(heard).then_some(EchoState::Echoing),
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
        let push = [0x82, 0x01, 0x02, 0x00, 0x81];
        let cat = |parts: &[&[u8]]| parts.concat();
        assert_eq!(
            verdict(&query, &reply, Some(0)),
            Some(EchoState::NotEchoing)
        );
        assert_eq!(
            verdict(&query, &cat(&[&query, &reply]), Some(5)),
            Some(EchoState::Echoing)
        );
        // a push already on its way comes first either way
        assert_eq!(
            verdict(&query, &cat(&[&push, &query, &reply]), Some(10)),
            Some(EchoState::Echoing)
        );
        assert_eq!(
            verdict(&query, &cat(&[&push, &reply]), Some(5)),
            Some(EchoState::NotEchoing)
        );
        // no answer: a copy says echo, silence says none, anything else nothing
        assert_eq!(verdict(&query, &query, None), Some(EchoState::Echoing));
        assert_eq!(verdict(&query, &[], None), Some(EchoState::NotEchoing));
        assert_eq!(verdict(&query, &push, None), None);
        // an answer that begins with the command's very bytes is an answer, not a copy before one
        let lookalike = [0x80, 0x01, 0x00, 0x33, 0xB2, 0x33, 0x01];
        assert_eq!(
            verdict(&query, &lookalike, Some(0)),
            Some(EchoState::NotEchoing)
        );
        assert_eq!(
            verdict(&query, &cat(&[&query, &lookalike]), Some(5)),
            Some(EchoState::Echoing)
        );
        // the answer lies beyond the kept bytes: only a copy tells
        assert_eq!(verdict(&query, &push, Some(40)), None);
        assert_eq!(
            verdict(&query, &cat(&[&push, &query]), Some(40)),
            Some(EchoState::Echoing)
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
