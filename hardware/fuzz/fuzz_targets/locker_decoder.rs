//! Arbitrary bytes, in arbitrary chunkings, into the 8A locker frame decoder, for both directions. Every frame
//! it accepts must encode back to bytes that decode to the same frame, and the decoder must never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sanban_hardware::locker::{Decoder8A, Direction};

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
});
