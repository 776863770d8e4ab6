//! Golden bytes of a small Chinese receipt: every command checked against hardware-protocols.md section 2.

use sanban_hardware::printer::{Align, Receipt};

#[test]
fn small_chinese_receipt_is_byte_exact() {
    let mut r = Receipt::new();
    r.align(Align::Center)
        .bold(true)
        .size(2, 2)
        .line("三办")
        .size(1, 1)
        .bold(false)
        .align(Align::Left);
    r.two_columns("窗口", "A012")
        .rule()
        .qr("T1", 4)
        .feed(2)
        .partial_cut(3);
    let got = r.into_bytes();

    let mut want: Vec<u8> = Vec::new();
    want.extend([0x1B, 0x40]); // ESC @ init
    want.extend([0x1B, 0x33, 32]); // ESC 3 32: explicit line spacing
    want.extend([0x1C, 0x26]); // FS &: Chinese mode
    want.extend([0x1B, 0x61, 1]); // ESC a 1: centre
    want.extend([0x1B, 0x45, 1]); // ESC E 1: bold
    want.extend([0x1D, 0x21, 0x11]); // GS ! 0x11: double width and height
    want.extend([0xC8, 0xFD, 0xB0, 0xEC, 0x0A]); // 三办 in GB18030, LF
    want.extend([0x1D, 0x21, 0x00]);
    want.extend([0x1B, 0x45, 0]);
    want.extend([0x1B, 0x61, 0]);
    want.extend([0xB4, 0xB0, 0xBF, 0xDA]); // 窗口: 4 columns
    want.extend([b' '; 40]);
    want.extend(*b"A012\n"); // 4 + 40 + 4 = 48 columns
    want.extend([b'-'; 48]);
    want.push(0x0A);
    want.extend([0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]); // QR model 2
    want.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x04]); // module size 4
    want.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]); // EC level M
    want.extend([0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, b'T', b'1']); // store, pL = 2 + 3
    want.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]); // print
    want.extend([0x1B, 0x64, 2]); // ESC d 2
    want.extend([0x1D, 0x56, 66, 3]); // GS V 66 3: feed 3, partial cut
    assert_eq!(got, want);
}
