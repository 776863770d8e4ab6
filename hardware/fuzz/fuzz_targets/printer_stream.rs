//! Arbitrary bytes into the printer's two stream readers:
//! - as the printer's answers: the status stream decoder (DLE EOT replies vs `GS a` blocks), fed in chunks
//!   whose size comes from byte 0; it must stay bounded and account for every byte;
//! - as a print job: the receipt renderer (box glyphs, no font), which must never panic and stay bounded, drawn
//!   as a GB2312 unit would (boxes for what its font lacks) just as safely; and the paper model the driver's
//!   completion bound and the simulator's print time come from, which must agree with the drawn height.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sanban_hardware::printer::{
    paper_dots, render, render_with, PrinterFont, StatusEvent, StatusStreamDecoder, MAX_HEIGHT,
    PAPER_DOTS,
};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(seed % 16) + 1;
    let mut d = StatusStreamDecoder::new();
    let mut accounted = 0;
    for piece in stream.chunks(chunk) {
        d.push(piece);
        while let Some(e) = d.pop() {
            accounted += match e {
                StatusEvent::Auto(_) => 4,
                StatusEvent::RealTime(_) | StatusEvent::Noise(_) => 1,
            };
        }
    }
    // every byte is in an event except the (at most 3) bytes of an unfinished block
    assert!(stream.len() - accounted <= 3);

    let img = render(stream, &[]).expect("rendering without a font cannot fail");
    assert_eq!(img.width, PAPER_DOTS);
    assert!(img.height >= 1 && img.height <= MAX_HEIGHT);
    assert_eq!(img.pixels.len(), (img.width * img.height) as usize);
    let gb2312 = render_with(stream, None, Some(PrinterFont::Gb2312));
    assert_eq!((gb2312.width, gb2312.height), (img.width, img.height));

    // the paper model feeds at least what is drawn (cuts move more paper than their drawn mark), less a last
    // line still waiting for its line feed, which the drawing prints and the paper model does not
    let fed = paper_dots(stream);
    assert!(img.height == 1 || img.height == MAX_HEIGHT || fed + 256 >= img.height);
});
