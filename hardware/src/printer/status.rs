//! Printer status: decoding the `DLE EOT n` replies and `GS a` automatic status blocks.

/// What the paper sensors say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaperLevel {
    /// Enough paper.
    #[default]
    Ok,
    /// The near-end sensor fired: printing works, the roll should be changed soon.
    NearEnd,
    /// No paper: the printer stopped.
    Out,
}

/// The printer's state, decoded from the four `DLE EOT n` replies (or one `GS a` block).
///
/// `Default` is a healthy, idle printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterStatus {
    /// Not offline (n=1 bit 3 clear).
    pub online: bool,
    /// The paper cover is open (n=2 bit 2).
    pub cover_open: bool,
    /// Paper sensors (n=4 bits 2+3 near end, bits 5+6 end; n=2 bit 5 stopped by paper end).
    pub paper: PaperLevel,
    /// The autocutter failed (n=3 bit 3), usually a jam.
    pub cutter_error: bool,
    /// An error that needs service (n=3 bit 5).
    pub unrecoverable_error: bool,
    /// An error that clears by itself or by a recovery command, e.g. head too hot (n=3 bits 2 and 6).
    pub recoverable_error: bool,
}

impl Default for PrinterStatus {
    fn default() -> Self {
        PrinterStatus {
            online: true,
            cover_open: false,
            paper: PaperLevel::Ok,
            cutter_error: false,
            unrecoverable_error: false,
            recoverable_error: false,
        }
    }
}

/// `DLE EOT n` replies have the fixed bits 0xx1xx10.
pub(crate) fn is_dle_eot_reply(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// A `GS r 1` (paper sensor) reply: one byte 0000xxxx (bits 0+1 near end, bits 2+3 paper end). Bit 4 is clear,
/// which sets it apart from `DLE EOT` replies and `GS a` blocks.
pub(crate) fn is_gs_r_reply(b: u8) -> bool {
    b & 0xF0 == 0
}

/// The first byte of a `GS a` automatic status block has the fixed bits 0xx1xx00.
pub(crate) fn is_asb_first(b: u8) -> bool {
    b & 0x93 == 0x10
}

/// Bits of each `DLE EOT` class, named after the spec.
mod bit {
    pub const N1_OFFLINE: u8 = 1 << 3;
    pub const N2_COVER_OPEN: u8 = 1 << 2;
    pub const N2_PAPER_END_STOP: u8 = 1 << 5;
    pub const N2_ERROR: u8 = 1 << 6;
    pub const N3_RECOVERABLE: u8 = 1 << 2;
    pub const N3_CUTTER: u8 = 1 << 3;
    pub const N3_UNRECOVERABLE: u8 = 1 << 5;
    pub const N3_AUTO_RECOVERABLE: u8 = 1 << 6;
    pub const N4_NEAR_END: u8 = 0x0C;
    pub const N4_END: u8 = 0x60;
}

impl PrinterStatus {
    /// Decode the replies to `DLE EOT 1`, `2`, `3`, `4` (fixed bits assumed already checked).
    ///
    /// ```
    /// use sanban_hardware::printer::{PaperLevel, PrinterStatus};
    /// let s = PrinterStatus::from_dle_eot([0x1A, 0x32, 0x12, 0x7E]); // the spec's paper-out example
    /// assert_eq!(s.paper, PaperLevel::Out);
    /// assert!(!s.online && !s.can_print());
    /// ```
    pub fn from_dle_eot(replies: [u8; 4]) -> Self {
        let [n1, n2, n3, n4] = replies;
        let paper = if n4 & bit::N4_END != 0 || n2 & bit::N2_PAPER_END_STOP != 0 {
            PaperLevel::Out
        } else if n4 & bit::N4_NEAR_END != 0 {
            PaperLevel::NearEnd
        } else {
            PaperLevel::Ok
        };
        let cutter_error = n3 & bit::N3_CUTTER != 0;
        let unrecoverable_error = n3 & bit::N3_UNRECOVERABLE != 0;
        let mut recoverable_error = n3 & (bit::N3_RECOVERABLE | bit::N3_AUTO_RECOVERABLE) != 0;
        // n=2 bit 6 says "an error occurred" without its cause in n=3 on some firmware: never drop it.
        if n2 & bit::N2_ERROR != 0 && !cutter_error && !unrecoverable_error {
            recoverable_error = true;
        }
        PrinterStatus {
            online: n1 & bit::N1_OFFLINE == 0,
            cover_open: n2 & bit::N2_COVER_OPEN != 0,
            paper,
            cutter_error,
            unrecoverable_error,
            recoverable_error,
        }
    }

    /// The four `DLE EOT` reply bytes that describe this status (what a simulator answers).
    pub fn to_dle_eot(&self) -> [u8; 4] {
        let mut n = [0x12u8; 4];
        let error = self.cutter_error || self.unrecoverable_error || self.recoverable_error;
        let out = self.paper == PaperLevel::Out;
        if !self.online || self.cover_open || out || error {
            n[0] |= bit::N1_OFFLINE;
        }
        if self.cover_open {
            n[1] |= bit::N2_COVER_OPEN;
        }
        if out {
            n[1] |= bit::N2_PAPER_END_STOP;
        }
        if error {
            n[1] |= bit::N2_ERROR;
        }
        if self.recoverable_error {
            n[2] |= bit::N3_RECOVERABLE;
        }
        if self.cutter_error {
            n[2] |= bit::N3_CUTTER;
        }
        if self.unrecoverable_error {
            n[2] |= bit::N3_UNRECOVERABLE;
        }
        n[3] |= match self.paper {
            PaperLevel::Ok => 0,
            PaperLevel::NearEnd => bit::N4_NEAR_END,
            // the near-end sensor is further up the roll: when the paper is out it has fired too
            PaperLevel::Out => bit::N4_NEAR_END | bit::N4_END,
        };
        n
    }

    /// Whether a job sent now would print: online, cover shut, paper present, no error. Paper near end prints.
    pub fn can_print(&self) -> bool {
        self.problem().is_none()
    }

    /// Why the printer cannot print, in plain English for the technician; `None` when it can.
    pub fn problem(&self) -> Option<&'static str> {
        Some(if self.unrecoverable_error {
            "printer has an unrecoverable error and needs service"
        } else if self.cutter_error {
            "autocutter error: paper jammed at the cutter"
        } else if self.cover_open {
            "printer cover is open"
        } else if self.paper == PaperLevel::Out {
            "printer is out of paper"
        } else if self.recoverable_error {
            "printer has a recoverable error (e.g. print head too hot); it should clear by itself"
        } else if !self.online {
            "printer is offline"
        } else {
            return None;
        })
    }

    /// Something to fix soon that does not stop printing (paper near end).
    pub fn warning(&self) -> Option<&'static str> {
        (self.paper == PaperLevel::NearEnd).then_some("paper roll is nearly used up")
    }
}

/// One `GS a` automatic status block (4 bytes), Epson TM layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoStatus {
    /// The four bytes as received.
    pub raw: [u8; 4],
}

impl AutoStatus {
    /// Byte 1 bit 5: the cover is open. Byte 1 bit 3: offline. Byte 1 bit 6: feed button pressed.
    /// Byte 2 bit 3: autocutter error, bit 5: unrecoverable, bit 6: auto-recoverable.
    /// Byte 3 bits 0+1: paper near end, bits 2+3: paper end.
    pub fn status(&self) -> PrinterStatus {
        let [b1, b2, b3, _] = self.raw;
        let cutter_error = b2 & (1 << 3) != 0;
        let unrecoverable_error = b2 & (1 << 5) != 0;
        let paper = if b3 & 0x0C != 0 {
            PaperLevel::Out
        } else if b3 & 0x03 != 0 {
            PaperLevel::NearEnd
        } else {
            PaperLevel::Ok
        };
        PrinterStatus {
            online: b1 & (1 << 3) == 0,
            cover_open: b1 & (1 << 5) != 0,
            paper,
            cutter_error,
            unrecoverable_error,
            recoverable_error: b2 & (1 << 6) != 0 || b2 & (1 << 2) != 0,
        }
    }
}

/// What [`StatusStreamDecoder`] found in the byte stream from the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvent {
    /// A one-byte `DLE EOT` reply.
    RealTime(u8),
    /// A 4-byte `GS a` automatic status block.
    Auto(AutoStatus),
    /// A byte that is neither (line noise, an unrelated reply); skipped.
    Noise(u8),
}

/// Splits the printer's input stream into `DLE EOT` replies and `GS a` blocks.
///
/// Push bytes as they arrive, pop events. A byte matching 0xx1xx00 starts a 4-byte block (the other three
/// bytes are taken as they come: their bits are free); 0xx1xx10 outside a block is a `DLE EOT` reply;
/// anything else is noise. Never panics; holds at most 3 bytes of a block and a bounded event queue.
#[derive(Debug, Default)]
pub struct StatusStreamDecoder {
    block: Vec<u8>,
    events: std::collections::VecDeque<StatusEvent>,
}

impl StatusStreamDecoder {
    /// Events kept before the oldest are dropped (a caller that never pops cannot grow memory).
    pub const MAX_EVENTS: usize = 1024;

    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if !self.block.is_empty() {
                self.block.push(b);
                if self.block.len() == 4 {
                    let raw = [self.block[0], self.block[1], self.block[2], self.block[3]];
                    self.block.clear();
                    self.emit(StatusEvent::Auto(AutoStatus { raw }));
                }
            } else if is_asb_first(b) {
                self.block.push(b);
            } else if is_dle_eot_reply(b) {
                self.emit(StatusEvent::RealTime(b));
            } else {
                self.emit(StatusEvent::Noise(b));
            }
        }
    }

    fn emit(&mut self, e: StatusEvent) {
        if self.events.len() >= Self::MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    /// The oldest event not yet popped.
    pub fn pop(&mut self) -> Option<StatusEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_is_healthy() {
        let s = PrinterStatus::from_dle_eot([0x12; 4]);
        assert_eq!(s, PrinterStatus::default());
        assert!(s.can_print());
        assert_eq!(s.problem(), None);
        assert_eq!(PrinterStatus::default().to_dle_eot(), [0x12; 4]);
    }

    #[test]
    fn spec_paper_out_example() {
        let s = PrinterStatus::from_dle_eot([0x1A, 0x32, 0x12, 0x7E]);
        assert!(!s.online);
        assert_eq!(s.paper, PaperLevel::Out);
        assert!(!s.cover_open && !s.cutter_error && !s.unrecoverable_error && !s.recoverable_error);
        assert_eq!(s.problem(), Some("printer is out of paper"));
        // and the simulator answers exactly the spec's bytes for it
        assert_eq!(s.to_dle_eot(), [0x1A, 0x32, 0x12, 0x7E]);
    }

    #[test]
    fn each_bit_decodes() {
        let s = PrinterStatus::from_dle_eot([0x12, 0x16, 0x12, 0x12]);
        assert!(s.cover_open && s.online);
        let s = PrinterStatus::from_dle_eot([0x12, 0x12, 0x1A, 0x12]);
        assert!(s.cutter_error && !s.can_print());
        let s = PrinterStatus::from_dle_eot([0x12, 0x12, 0x32, 0x12]);
        assert!(s.unrecoverable_error);
        let s = PrinterStatus::from_dle_eot([0x12, 0x12, 0x16, 0x12]);
        assert!(s.recoverable_error);
        let s = PrinterStatus::from_dle_eot([0x12, 0x12, 0x52, 0x12]);
        assert!(
            s.recoverable_error,
            "auto-recoverable counts as recoverable"
        );
        let s = PrinterStatus::from_dle_eot([0x12, 0x12, 0x12, 0x1E]);
        assert_eq!(s.paper, PaperLevel::NearEnd);
        assert!(s.can_print());
        assert_eq!(s.warning(), Some("paper roll is nearly used up"));
        let s = PrinterStatus::from_dle_eot([0x1A, 0x12, 0x12, 0x12]);
        assert!(!s.online && !s.can_print());
        assert_eq!(s.problem(), Some("printer is offline"));
    }

    #[test]
    fn encode_decode_round_trips() {
        for bits in 0u8..64 {
            let s = PrinterStatus {
                online: bits & 1 == 0,
                cover_open: bits & 2 != 0,
                paper: [PaperLevel::Ok, PaperLevel::NearEnd, PaperLevel::Out]
                    [(bits as usize >> 2) % 3],
                cutter_error: bits & 8 != 0,
                unrecoverable_error: bits & 16 != 0,
                recoverable_error: bits & 32 != 0,
            };
            let bytes = s.to_dle_eot();
            assert!(bytes.iter().all(|&b| is_dle_eot_reply(b)));
            let back = PrinterStatus::from_dle_eot(bytes);
            // offline is implied by any stop condition
            assert_eq!(back.online, s.online && s.can_print(), "{s:?}");
            assert_eq!(
                PrinterStatus {
                    online: s.online,
                    ..back
                },
                PrinterStatus {
                    online: s.online,
                    ..s
                }
            );
            assert_eq!(back.can_print(), s.can_print());
        }
    }

    #[test]
    fn stream_tells_blocks_from_replies() {
        let mut d = StatusStreamDecoder::new();
        // a reply, an ASB block (first byte 0x10 | cover open 0x20 = 0x30, then 3 free bytes), a reply, noise
        d.push(&[0x12, 0x30, 0x00, 0x0C]);
        assert_eq!(d.pop(), Some(StatusEvent::RealTime(0x12)));
        assert_eq!(d.pop(), None, "block not complete yet");
        d.push(&[0x12, 0x1A, 0xFF]);
        let Some(StatusEvent::Auto(a)) = d.pop() else {
            panic!("expected a block")
        };
        assert_eq!(a.raw, [0x30, 0x00, 0x0C, 0x12]);
        let st = a.status();
        assert!(st.cover_open && st.paper == PaperLevel::Out);
        assert_eq!(d.pop(), Some(StatusEvent::RealTime(0x1A)));
        assert_eq!(d.pop(), Some(StatusEvent::Noise(0xFF)));
        assert_eq!(d.pop(), None);
    }

    #[test]
    fn stream_queue_is_bounded() {
        let mut d = StatusStreamDecoder::new();
        d.push(&vec![0x12; 5000]);
        let mut n = 0;
        while d.pop().is_some() {
            n += 1;
        }
        assert_eq!(n, StatusStreamDecoder::MAX_EVENTS);
    }
}
