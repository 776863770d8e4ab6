//! Arbitrary bytes, in arbitrary chunkings, into the ID card response decoder; every complete frame's payload is
//! parsed as a card read and every record that parses must survive an encode/decode round trip.
//!
//! Input layout: byte 0 picks the mode and seeds the chunk sizes, the rest is the stream.
//! - mode 0: the stream is raw line bytes (noise, frames, broken frames);
//! - mode 1: the stream is wrapped in a valid response frame first, so payload parsing is reached every time;
//! - mode 2: the stream is a text block, parsed directly as a `CardRecord`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sanban_hardware::idcard::frame::{encode_response, ResponseDecoder, MAX_FRAME, MAX_LEN};
use sanban_hardware::idcard::record::TEXT_LEN;
use sanban_hardware::idcard::{parse_read_data, CardRecord, Date};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    match seed % 3 {
        0 => decode_stream(seed, stream),
        1 => decode_stream(
            seed,
            &encode_response(0x90, &stream[..stream.len().min(MAX_LEN - 4)]),
        ),
        _ => {
            let mut block = [0x20u8; TEXT_LEN];
            let n = stream.len().min(TEXT_LEN);
            block[..n].copy_from_slice(&stream[..n]);
            check_record(CardRecord::decode(&block));
        }
    }
});

fn decode_stream(seed: u8, mut rest: &[u8]) {
    let mut decoder = ResponseDecoder::new();
    let mut state = u32::from(seed);
    while !rest.is_empty() {
        // Chunk sizes 1..=300 from a small LCG: the same input always splits the same way.
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let n = ((state >> 16) as usize % 300 + 1).min(rest.len());
        let (mut chunk, tail) = rest.split_at(n);
        rest = tail;
        loop {
            let taken = decoder.push(chunk);
            chunk = &chunk[taken..];
            assert!(
                decoder.buffered() <= MAX_FRAME,
                "decoder buffer grew past the protocol maximum"
            );
            while let Some(result) = decoder.pop() {
                if let Ok(response) = result {
                    assert!(response.data.len() <= MAX_LEN);
                    for with_fingerprint in [false, true] {
                        check_record(
                            parse_read_data(&response.data, with_fingerprint).map(|(r, _, _)| r),
                        );
                    }
                    if response.data.len() >= TEXT_LEN {
                        check_record(CardRecord::decode_slice(&response.data[..TEXT_LEN]));
                    }
                }
            }
            if chunk.is_empty() {
                break;
            }
        }
    }
}

fn check_record<E>(parsed: Result<CardRecord, E>) {
    let Ok(record) = parsed else { return };
    let again = CardRecord::decode(&record.encode());
    assert!(
        again.as_ref() == Ok(&record),
        "decode(encode(r)) != r for {record:?}"
    );
    // Masking and the derived values must not panic on any text.
    let shown = format!("{record:?} {record}");
    assert!(!shown.is_empty());
    let _ = (record.masked_name(), record.masked_id(), record.name());
    let today = Date::new(2025, 6, 1).expect("valid date");
    let _ = (record.age_on(today), record.is_expired_on(today));
}
