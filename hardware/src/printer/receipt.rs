//! Building one print job's bytes: text in GB18030, layout, QR, raster images and cuts.
//!
//! The `escpos` crate encodes what it gets right (init, line spacing, justification, size, emphasis, feeds and
//! GB18030 text through `encoding_rs`); the commands it gets wrong or lacks (LF, Chinese mode, QR model 2,
//! partial cut, raster images) are written as raw bytes here. Every command is held to byte-exact tests.
//!
//! A receipt made [`Receipt::for_printer`] knows which characters the printer's own font has: a line holding a
//! character it lacks (a rare name character such as 堃 on a GB2312 unit) is drawn with the kiosk's font and sent
//! as a raster image instead of text. The whole line goes as one image: `GS v 0` starts at the beginning of a
//! line, so an image cannot sit between characters of the same line.

use std::sync::{Arc, Mutex};

use escpos::driver::Driver;
use escpos::printer::Printer as EscposPrinter;
use escpos::utils::{Encoder, JustifyMode, Protocol};

use super::coverage::PrinterFont;
use super::glyph::RasterFont;
use super::raster_text::{line_bitmap, wrap};

/// Columns of Font A (12 dots wide) across 576 dots of 80 mm paper at normal size.
pub const COLUMNS: usize = 48;
/// Line spacing set by [`Receipt::new`], in dots: a 24-dot glyph plus 8 dots of gap.
pub const LINE_SPACING: u8 = 32;
/// Rows of a raster image sent per `GS v 0` command, so a tall image never overruns a small input buffer.
pub const RASTER_BAND_ROWS: u16 = 128;

/// Horizontal alignment of the following lines (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Flush left (`ESC a 0`).
    #[default]
    Left,
    /// Centred (`ESC a 1`).
    Center,
    /// Flush right (`ESC a 2`).
    Right,
}

/// A `Driver` that keeps what the `escpos` crate writes instead of sending it anywhere.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// One print job being built. Methods chain; [`Receipt::into_bytes`] gives the bytes to hand to
/// [`crate::printer::Printer::print`].
///
/// ```
/// use sanban_hardware::printer::{Align, Receipt};
/// let mut r = Receipt::new();
/// r.align(Align::Center).size(2, 2).line("取号凭条").size(1, 1).align(Align::Left);
/// r.two_columns("窗口", "A012").rule().qr("https://example.org/t/A012", 6).partial_cut(3);
/// let bytes = r.into_bytes();
/// assert_eq!(&bytes[..2], b"\x1b@");
/// ```
pub struct Receipt {
    esc: EscposPrinter<Capture>,
    /// The current `GS !` width multiplier: column arithmetic depends on it.
    width_mul: u8,
    /// The current `GS !` height multiplier: a line drawn as an image is this many cells high.
    height_mul: u8,
    /// Emphasis (`ESC E`) is on: a line drawn as an image is drawn bold too.
    bold: bool,
    /// Text was written since the last line feed (an image must start on a fresh line).
    mid_line: bool,
    /// What the printer's font covers and the font to draw the rest with; `None`: all text goes as text.
    printer_text: Option<(PrinterFont, Arc<RasterFont>)>,
}

impl Default for Receipt {
    fn default() -> Self {
        Self::new()
    }
}

impl Receipt {
    /// A job that starts from a known state: `ESC @` (init), `ESC 3 32` (explicit line spacing, since vendor
    /// defaults differ) and `FS &` (Chinese mode, so bytes >= 0x80 are read as GB18030).
    pub fn new() -> Self {
        let capture = Capture::default();
        let protocol = Protocol::new(Encoder::new(encoding_rs::GB18030));
        let mut r = Receipt {
            esc: EscposPrinter::new(capture, protocol, None),
            width_mul: 1,
            height_mul: 1,
            bold: false,
            mid_line: false,
            printer_text: None,
        };
        r.lib(|p| p.init());
        r.lib(|p| p.line_spacing(LINE_SPACING));
        r.raw(&[0x1C, 0x26]);
        r
    }

    /// A job for a printer whose own font is `font`: [`Receipt::line`] and [`Receipt::two_columns`] send a line
    /// holding any character `font` lacks as a raster image drawn with `glyphs` (the kiosk's font) at the
    /// current size and emphasis. Lines the printer's font covers are sent exactly as [`Receipt::new`] sends
    /// them. Starts like [`Receipt::new`].
    pub fn for_printer(font: PrinterFont, glyphs: Arc<RasterFont>) -> Self {
        let mut r = Receipt::new();
        r.printer_text = Some((font, glyphs));
        r
    }

    /// Run one `escpos` builder call. Those used here cannot fail (sizes are clamped, GB18030 encodes every
    /// `char`), but an error must never pass silently.
    fn lib<F>(&mut self, f: F)
    where
        F: FnOnce(
            &mut EscposPrinter<Capture>,
        ) -> escpos::errors::Result<&mut EscposPrinter<Capture>>,
    {
        if let Err(e) = f(&mut self.esc) {
            tracing::error!("escpos encoding failed: {e}");
            debug_assert!(false, "escpos encoding failed: {e}");
        }
    }

    /// Append raw bytes (commands the crate gets wrong or lacks).
    fn raw(&mut self, bytes: &[u8]) {
        self.lib(|p| p.custom(bytes));
    }

    /// Alignment of the lines that follow (`ESC a n`).
    pub fn align(&mut self, a: Align) -> &mut Self {
        let mode = match a {
            Align::Left => JustifyMode::LEFT,
            Align::Center => JustifyMode::CENTER,
            Align::Right => JustifyMode::RIGHT,
        };
        self.lib(|p| p.justify(mode));
        self
    }

    /// Character size multipliers (`GS ! n`), each clamped to 1..=8.
    pub fn size(&mut self, width_mul: u8, height_mul: u8) -> &mut Self {
        let (w, h) = (width_mul.clamp(1, 8), height_mul.clamp(1, 8));
        self.width_mul = w;
        self.height_mul = h;
        self.lib(|p| p.size(w, h));
        self
    }

    /// Emphasis on or off (`ESC E n`).
    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.bold = on;
        self.lib(|p| p.bold(on));
        self
    }

    /// Text as GB18030 bytes. Control characters other than `\n` are replaced by spaces, so text that comes
    /// from a citizen or the network can never smuggle a printer command into the job. Text is sent as is,
    /// whatever the printer's font: use [`Receipt::line`] for text that may hold rare characters.
    pub fn text(&mut self, s: &str) -> &mut Self {
        let clean: String = s
            .chars()
            .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
            .collect();
        if !clean.is_empty() {
            self.mid_line = !clean.ends_with('\n');
            self.lib(|p| p.write(&clean));
        }
        self
    }

    /// Text followed by LF (0A). (The crate's `writeln` ends with `ESC d 1` instead.) On a receipt made
    /// [`Receipt::for_printer`], a line with a character the printer's font lacks is sent as an image instead
    /// (see [`Receipt::image_line`]).
    pub fn line(&mut self, s: &str) -> &mut Self {
        let needs_image = match &self.printer_text {
            Some((font, _)) => !s
                .chars()
                .filter(|c| !c.is_control())
                .all(|c| font.covers(c)),
            None => false,
        };
        if needs_image {
            return self.image_line(s);
        }
        self.text(s);
        self.raw(&[0x0A]);
        self.mid_line = false;
        self
    }

    /// `s` drawn with the kiosk's font as a raster image (`GS v 0`, in bands), one image per printed line
    /// (text too long for the paper wraps where the printer would wrap it), at the current size and emphasis,
    /// placed by the current alignment (`ESC a` applies to raster images). Each image line then feeds the rest
    /// of a text line's height (`ESC J`), so the receipt keeps its rhythm. Text written before on the same line
    /// is ended with a LF first. Without a font (a receipt not made [`Receipt::for_printer`]) this is
    /// [`Receipt::line`].
    pub fn image_line(&mut self, s: &str) -> &mut Self {
        let Some((_, glyphs)) = self.printer_text.clone() else {
            self.text(s);
            self.raw(&[0x0A]);
            self.mid_line = false;
            return self;
        };
        if self.mid_line {
            self.raw(&[0x0A]);
            self.mid_line = false;
        }
        let clean: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let (w, h) = (u32::from(self.width_mul), u32::from(self.height_mul));
        for piece in wrap(&clean, w) {
            let img = line_bitmap(&glyphs, &piece, w, h, self.bold);
            self.raster(img.width as u16, img.height as u16, &img.bits);
            let gap = u32::from(LINE_SPACING).saturating_sub(img.height);
            if gap > 0 {
                self.raw(&[0x1B, 0x4A, gap as u8]); // ESC J n: feed n dots
            }
        }
        self
    }

    /// Columns available on one line at the current width multiplier (ASCII = 1, CJK = 2).
    fn line_columns(&self) -> usize {
        COLUMNS / self.width_mul.max(1) as usize
    }

    /// One line: `left`, then `right` flush against the right edge. Widths are counted in columns (an ASCII
    /// character is 1 of 48, anything else — printed from the double-byte font in Chinese mode — is 2), divided
    /// by the current width multiplier. When both do not fit with one space between them, `left` is cut short
    /// and ends with `…`; a `right` too long for the line on its own is cut the same way and `left` dropped.
    /// Assumes left alignment is in force (it fills the whole line, so alignment makes no difference).
    pub fn two_columns(&mut self, left: &str, right: &str) -> &mut Self {
        let cols = self.line_columns();
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        };
        let (left, right) = (clean(left), clean(right));
        let right = truncate_to(&right, cols);
        let right_w = text_columns(&right);
        let room_for_left = cols.saturating_sub(right_w + 1);
        let left = if room_for_left == 0 {
            String::new()
        } else {
            truncate_to(&left, room_for_left)
        };
        let gap = cols.saturating_sub(text_columns(&left) + right_w);
        let mut s = left;
        s.extend(std::iter::repeat_n(' ', gap));
        s.push_str(&right);
        self.line(&s)
    }

    /// A full-width separator line of `-` at the current width multiplier.
    pub fn rule(&mut self) -> &mut Self {
        let s = "-".repeat(self.line_columns());
        self.line(&s)
    }

    /// A native QR code (`GS ( k`, cn=49): model 2, module size (clamped to the spec's 1..=16), error
    /// correction M, store, print. Written by hand: the crate defaults to model 1 and caps the size at 15.
    /// The data goes in as UTF-8 (what phone scanners expect). Data longer than QR capacity at level M (2331
    /// bytes) is sent as is and the printer will skip it.
    pub fn qr(&mut self, data: &str, module_size: u8) -> &mut Self {
        let mut cmd = Vec::with_capacity(data.len() + 40);
        cmd.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
        cmd.extend_from_slice(&[
            0x1D,
            0x28,
            0x6B,
            0x03,
            0x00,
            0x31,
            0x43,
            module_size.clamp(1, 16),
        ]);
        cmd.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);
        // pL + 256·pH = len + 3; the length field is 16 bits, so cap the data to what it can describe.
        let payload = &data.as_bytes()[..data.len().min(0xFFFF - 3)];
        let len = payload.len() + 3;
        cmd.extend_from_slice(&[
            0x1D,
            0x28,
            0x6B,
            (len & 0xFF) as u8,
            (len >> 8) as u8,
            0x31,
            0x50,
            0x30,
        ]);
        cmd.extend_from_slice(payload);
        cmd.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
        self.raw(&cmd);
        self
    }

    /// A raster image (`GS v 0`, m = 0): `bits` holds rows of `ceil(width_dots / 8)` bytes, MSB leftmost,
    /// 1 = black. Sent in bands of [`RASTER_BAND_ROWS`] rows. Missing bytes print white and extra bytes are
    /// ignored, so a short buffer can never leave the printer waiting for data and swallow the next commands.
    pub fn raster(&mut self, width_dots: u16, height_dots: u16, bits: &[u8]) -> &mut Self {
        let row_bytes = (width_dots as usize).div_ceil(8);
        if row_bytes == 0 || height_dots == 0 {
            return self;
        }
        let mut y = 0u16;
        while y < height_dots {
            let rows = RASTER_BAND_ROWS.min(height_dots - y);
            let mut cmd = vec![0x1D, 0x76, 0x30, 0x00];
            cmd.extend_from_slice(&(row_bytes as u16).to_le_bytes());
            cmd.extend_from_slice(&rows.to_le_bytes());
            let start = y as usize * row_bytes;
            let want = rows as usize * row_bytes;
            let have = bits.get(start..).unwrap_or(&[]);
            let take = have.len().min(want);
            cmd.extend_from_slice(&have[..take]);
            cmd.resize(8 + want, 0);
            self.raw(&cmd);
            y += rows;
        }
        self
    }

    /// Print and feed `lines` lines (`ESC d n`).
    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.mid_line = false;
        self.lib(|p| p.feeds(lines));
        self
    }

    /// Feed `feed` and cut partially (`GS V 66 n`). The crate's `partial_cut` sends a full cut.
    pub fn partial_cut(&mut self, feed: u8) -> &mut Self {
        self.raw(&[0x1D, 0x56, 66, feed]);
        self
    }

    /// Feed `feed` and cut fully (`GS V 65 n`).
    pub fn full_cut(&mut self, feed: u8) -> &mut Self {
        self.raw(&[0x1D, 0x56, 65, feed]);
        self
    }

    /// The job's bytes.
    pub fn into_bytes(mut self) -> Vec<u8> {
        self.lib(|p| p.print());
        let capture = self.esc.driver();
        let mut bytes = capture.0.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *bytes)
    }
}

/// Printed width of `s` in columns: 1 for ASCII, 2 for anything else (double-byte font in Chinese mode).
pub fn text_columns(s: &str) -> usize {
    s.chars().map(char_columns).sum()
}

fn char_columns(c: char) -> usize {
    if c.is_ascii() {
        1
    } else {
        2
    }
}

/// `s` cut to at most `cols` columns, ending with `…` when cut.
fn truncate_to(s: &str, cols: usize) -> String {
    if text_columns(s) <= cols {
        return s.to_string();
    }
    let ellipsis = '…';
    let budget = cols.saturating_sub(char_columns(ellipsis));
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + char_columns(c) > budget {
            break;
        }
        used += char_columns(c);
        out.push(c);
    }
    if cols >= char_columns(ellipsis) {
        out.push(ellipsis);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &[u8] = &[0x1B, 0x40, 0x1B, 0x33, 32, 0x1C, 0x26];

    fn body(f: impl FnOnce(&mut Receipt) -> &mut Receipt) -> Vec<u8> {
        let mut r = Receipt::new();
        f(&mut r);
        let bytes = r.into_bytes();
        assert_eq!(
            &bytes[..HEAD.len()],
            HEAD,
            "every job starts ESC @, ESC 3 n, FS &"
        );
        bytes[HEAD.len()..].to_vec()
    }

    #[test]
    fn new_is_init_line_spacing_chinese_mode() {
        assert_eq!(Receipt::new().into_bytes(), HEAD);
    }

    #[test]
    fn simple_commands_are_byte_exact() {
        assert_eq!(body(|r| r.align(Align::Left)), [0x1B, 0x61, 0]);
        assert_eq!(body(|r| r.align(Align::Center)), [0x1B, 0x61, 1]);
        assert_eq!(body(|r| r.align(Align::Right)), [0x1B, 0x61, 2]);
        assert_eq!(body(|r| r.size(2, 3)), [0x1D, 0x21, 0x12]);
        assert_eq!(body(|r| r.size(1, 1)), [0x1D, 0x21, 0x00]);
        assert_eq!(body(|r| r.size(9, 0)), [0x1D, 0x21, 0x70], "clamped to 8x1");
        assert_eq!(body(|r| r.bold(true)), [0x1B, 0x45, 1]);
        assert_eq!(body(|r| r.bold(false)), [0x1B, 0x45, 0]);
        assert_eq!(body(|r| r.feed(4)), [0x1B, 0x64, 4]);
        assert_eq!(body(|r| r.partial_cut(3)), [0x1D, 0x56, 0x42, 3]);
        assert_eq!(body(|r| r.full_cut(0)), [0x1D, 0x56, 0x41, 0]);
    }

    #[test]
    fn text_is_gb18030_and_line_ends_with_lf() {
        // 办 = B0 EC, 事 = CA C2 in GB2312/GBK/GB18030
        assert_eq!(
            body(|r| r.line("办事A1")),
            [0xB0, 0xEC, 0xCA, 0xC2, b'A', b'1', 0x0A]
        );
        // a character outside GBK takes GB18030's 4-byte form: U+20AC € is A2 E3; U+1F600 is 94 39 FC 36
        assert_eq!(body(|r| r.text("😀")), [0x94, 0x39, 0xFC, 0x36]);
    }

    #[test]
    fn text_cannot_inject_commands() {
        assert_eq!(body(|r| r.text("a\x1b@b\x1dV\x00")), b"a @b V ");
    }

    #[test]
    fn qr_is_model_2_size_m_store_print() {
        let b = body(|r| r.qr("AB", 6));
        let expect: Vec<u8> = [
            &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00][..],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31],
            &[0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, b'A', b'B'],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30],
        ]
        .concat();
        assert_eq!(b, expect);
    }

    #[test]
    fn qr_length_field_spans_two_bytes() {
        let data = "x".repeat(300);
        let b = body(|r| r.qr(&data, 0));
        assert_eq!(b[16], 1, "module size clamped up to 1");
        assert_eq!(
            &b[25..33],
            &[0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30]
        ); // 303 = 0x012F
    }

    #[test]
    fn raster_is_sent_in_bands_and_padded() {
        // 10 dots wide -> 2 bytes a row; 130 rows -> bands of 128 and 2
        let bits: Vec<u8> = (0..260).map(|i| i as u8).collect();
        let b = body(|r| r.raster(10, 130, &bits));
        assert_eq!(&b[..8], &[0x1D, 0x76, 0x30, 0x00, 2, 0, 128, 0]);
        assert_eq!(&b[8..264], &bits[..256]);
        assert_eq!(&b[264..272], &[0x1D, 0x76, 0x30, 0x00, 2, 0, 2, 0]);
        assert_eq!(&b[272..], &bits[256..]);
        // too few bytes: padded white
        let b = body(|r| r.raster(8, 2, &[0xFF]));
        assert_eq!(b, [0x1D, 0x76, 0x30, 0x00, 1, 0, 2, 0, 0xFF, 0x00]);
    }

    #[test]
    fn two_columns_pads_to_48_and_counts_cjk_as_two() {
        let b = body(|r| r.two_columns("合计", "12.50"));
        let text = &b[..b.len() - 1];
        let (s, _, _) = encoding_rs::GB18030.decode(text);
        assert_eq!(text_columns(&s), 48);
        assert!(s.starts_with("合计 "));
        assert!(s.ends_with(" 12.50"));
        assert_eq!(*b.last().unwrap(), 0x0A);
    }

    #[test]
    fn two_columns_honours_width_multiplier_and_truncates_left() {
        let b = body(|r| {
            r.size(2, 1)
                .two_columns("申请事项名称非常非常长的一个事项", "A012")
        });
        let text = &b[3..b.len() - 1];
        let (s, _, _) = encoding_rs::GB18030.decode(text);
        assert_eq!(s, "申请事项名称非常…  A012"); // 18 + 2 + 4 = 24 columns at double width
        assert_eq!(text_columns(&s), 24);
    }

    #[test]
    fn two_columns_with_a_huge_right_part_keeps_the_line() {
        let b = body(|r| r.two_columns("left", &"9".repeat(60)));
        let (s, _, _) = encoding_rs::GB18030.decode(&b[..b.len() - 1]);
        assert_eq!(text_columns(&s), 48);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn rule_fills_the_line() {
        assert_eq!(body(|r| r.rule()), [&[b'-'; 48][..], &[0x0A]].concat());
        assert_eq!(
            body(|r| r.size(3, 1).rule())[3..],
            [&[b'-'; 16][..], &[0x0A]].concat()
        );
    }
}
