//! Arbitrary bytes, in arbitrary chunkings, into the 8A locker decoders and the locker bus's receive path.
//!
//! 1. The frame decoder, both directions: every frame it accepts encodes back to bytes that decode to the same
//!    frame, and it never panics.
//! 2. The bus's receive path: one byte picks the command the host just sent (fire or read, board, lock); the rest
//!    is what came back. The echo canceller removes that command's bytes at the head of the stream and nothing
//!    else; the echo verdict never panics; every message the codec yields lands in a door table of two boards,
//!    and every event it makes names a door of the bus with its board.

#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sanban_hardware::locker::echo::verdict;
use sanban_hardware::locker::{
    Codec, Codec8A, Decoder8A, Direction, DoorMap, DoorPolarity, DoorTable, EchoCanceller, Incoming,
};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(seed % 8) + 1;
    for dir in [Direction::FromHost, Direction::FromBoard] {
        let mut d = Decoder8A::new(dir);
        let mut frames = 0;
        for piece in stream.chunks(chunk) {
            d.push(piece);
            while let Some(f) = d.pop() {
                frames += 1;
                let mut again = Decoder8A::new(dir);
                again.push(&f.encode());
                assert_eq!(again.pop(), Some(f));
                assert_eq!(again.rejected_bytes(), 0);
            }
        }
        assert!(frames * 5 + d.rejected_bytes() <= stream.len());
    }

    let Some((&pick, heard)) = stream.split_first() else {
        return;
    };
    let mut codec = Codec8A::new();
    let (board, lock) = (pick & 0x03, (pick >> 2) & 0x1F);
    let sent = if pick & 0x80 != 0 {
        codec.fire(board, lock)
    } else {
        codec.read(board)
    };

    let mut canceller = EchoCanceller::new();
    canceller.expect(&sent);
    let mut passed = Vec::new();
    for piece in heard.chunks(chunk) {
        canceller.filter(piece, &mut passed);
    }
    let want = heard.strip_prefix(sent.as_slice()).unwrap_or(heard);
    let held = canceller.held().min(want.len());
    assert_eq!(passed, want[..want.len() - held]);
    let _ = verdict(&sent, heard, Some(usize::from(seed)));
    let _ = verdict(&sent, heard, None);

    let map = DoorMap::new(&[(1, 24), (2, 8)], 24).unwrap();
    let mut table = DoorTable::new(
        map.clone(),
        DoorPolarity::default(),
        Duration::from_millis(1500),
    );
    let now = Instant::now();
    table.released(3, now);
    for piece in passed.chunks(chunk) {
        codec.feed(piece);
        while let Some(d) = codec.next() {
            assert!(d.offset + 5 <= codec.position());
            match d.msg {
                Incoming::Fired {
                    board,
                    lock,
                    locked,
                } => {
                    table.observe(board, lock, locked, false, now);
                }
                Incoming::Read { board, locked } => {
                    table.observe_board(board, locked, now);
                }
                Incoming::Pushed {
                    board,
                    lock,
                    locked,
                } => {
                    table.observe(board, lock, locked, true, now);
                }
            }
        }
    }
    assert!(codec.rejected_bytes() <= passed.len() as u64);
    while let Some(e) = table.next_event() {
        assert_eq!(map.locate(e.door), Some(e.addr));
    }
});
