//! What a board family must provide: its commands' bytes, and its frames read back as family-neutral messages.
//!
//! Everything else — door numbering, echo, the inter-frame gap, retries, proof that a door opened, events — is
//! the same for every family and lives in [`super::Bus`]. A second family (Kerong KR-CU16, "WKLY") is one module
//! implementing [`Codec`] and one variant of [`super::LockerFamily`].

/// A message from a board, in the family's terms mapped to the three things every lock board says.
///
/// `locked` is the lock's feedback as the board reports it (8A: status 11); [`super::DoorPolarity`] says whether
/// that means the door is shut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// The answer to a fire command: the lock's feedback right after the pulse.
    Fired {
        /// Board address.
        board: u8,
        /// Lock, 1-based.
        lock: u8,
        /// Feedback reads locked.
        locked: bool,
    },
    /// The answer to a read command: every lock's feedback; bit `i` is lock `i + 1`, set = locked.
    Read {
        /// Board address.
        board: u8,
        /// Feedback bitmap.
        locked: u32,
    },
    /// Sent by the board by itself: a lock's feedback changed.
    Pushed {
        /// Board address.
        board: u8,
        /// Lock, 1-based.
        lock: u8,
        /// Feedback reads locked.
        locked: bool,
    },
}

/// A decoded message and where its first byte was in the stream fed to the codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// Offset of the message's first byte, counting every byte ever fed.
    pub offset: u64,
    /// The message.
    pub msg: Incoming,
}

/// A board family's wire format.
///
/// Decoding must resynchronise on noise, never panic, and keep its buffers bounded. For echo detection (see
/// [`super::echo`]) the bytes of [`read`](Codec::read)`(board)` must never decode as an [`Incoming::Read`].
pub trait Codec: Send {
    /// Locks one board of this family can have.
    fn max_locks(&self) -> u16;
    /// The command that fires (pulses open) lock `lock` of board `board`.
    fn fire(&self, board: u8, lock: u8) -> Vec<u8>;
    /// The command that reads every lock of board `board`.
    fn read(&self, board: u8) -> Vec<u8>;
    /// Bytes from the line (echo already removed).
    fn feed(&mut self, bytes: &[u8]);
    /// The oldest message decoded and not yet taken.
    fn next(&mut self) -> Option<Decoded>;
    /// Bytes fed so far: the offset the next byte will have.
    fn position(&self) -> u64;
    /// Forget a partly received frame: the host is about to send, and on a half-duplex line a frame cut by the
    /// host's transmission can never complete.
    fn restart(&mut self);
    /// Bytes discarded as noise or broken frames so far.
    fn rejected_bytes(&self) -> u64;
}
