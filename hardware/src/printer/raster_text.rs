//! A line of text drawn as a 1-bit raster image, cell by cell as the printer would draw it from its own font: for
//! text the printer's font does not cover (see [`super::PrinterFont`]).

use super::glyph::{cell_width, RasterFont, CELL_HEIGHT};
use super::render::PAPER_DOTS;

/// A packed 1-bit image: rows of `row_bytes()` bytes, MSB leftmost, 1 = black (the `GS v 0` layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width in dots (the last byte of a row may be partly padding).
    pub width: u32,
    /// Height in dots.
    pub height: u32,
    /// `row_bytes() * height` bytes.
    pub bits: Vec<u8>,
}

impl Bitmap {
    fn blank(width: u32, height: u32) -> Bitmap {
        Bitmap {
            width,
            height,
            bits: vec![0; (width.div_ceil(8) * height) as usize],
        }
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> u32 {
        self.width.div_ceil(8)
    }

    /// Whether dot (x, y) is black; `false` outside.
    #[cfg(test)]
    pub(crate) fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        self.bits[(y * self.row_bytes() + x / 8) as usize] & (0x80 >> (x % 8)) != 0
    }

    fn set(&mut self, x: u32, y: u32) {
        if x < self.width && y < self.height {
            let i = (y * self.row_bytes() + x / 8) as usize;
            self.bits[i] |= 0x80 >> (x % 8);
        }
    }
}

/// Width of `text` in dots at width multiplier `w_mul`.
pub(crate) fn text_dots(text: &str, w_mul: u32) -> u32 {
    text.chars().map(|c| cell_width(c) * w_mul).sum()
}

/// Split `text` where the printer would wrap it: each piece fits across the paper at `w_mul`.
pub(crate) fn wrap(text: &str, w_mul: u32) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = cell_width(c) * w_mul;
        if used + w > PAPER_DOTS && used > 0 {
            lines.push(String::new());
            used = 0;
        }
        lines.last_mut().expect("never empty").push(c);
        used += w;
    }
    lines
}

/// `text` (one printed line: it must fit across the paper, see [`wrap`]) at size `w_mul` × `h_mul` (1..=8), in
/// emphasis if `bold`. Each character gets the cell the printer would give it (12 or 24 dots wide, times
/// `w_mul`; 24 × `h_mul` high); its glyph is rasterised at the cell's height, so large sizes are sharp rather
/// than pixel-doubled. Emphasis thickens strokes by one dot to the right, as the printer's does.
pub(crate) fn line_bitmap(
    font: &RasterFont,
    text: &str,
    w_mul: u32,
    h_mul: u32,
    bold: bool,
) -> Bitmap {
    let (w_mul, h_mul) = (w_mul.clamp(1, 8), h_mul.clamp(1, 8));
    let height = CELL_HEIGHT * h_mul;
    let width = text_dots(text, w_mul).min(PAPER_DOTS);
    let mut img = Bitmap::blank(width.max(1), height);
    let mut x0 = 0;
    for c in text.chars() {
        let base_w = cell_width(c);
        let (glyph_w, out_w) = (base_w * h_mul, base_w * w_mul);
        let glyph = font.cell(c, glyph_w, height);
        for y in 0..height {
            for ox in 0..out_w {
                // a width multiplier other than the height's stretches the glyph across its cell
                let gx = ox * glyph_w / out_w;
                if glyph[(y * glyph_w + gx) as usize] {
                    img.set(x0 + ox, y);
                    if bold {
                        img.set(x0 + ox + 1, y);
                    }
                }
            }
        }
        x0 += out_w;
        if x0 >= width {
            break;
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_where_the_printer_would() {
        let long = "字".repeat(30);
        let lines = wrap(&long, 1);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].chars().count(), 24);
        assert_eq!(wrap("ab", 2), vec!["ab".to_string()]);
        assert_eq!(wrap("", 1), vec![String::new()]);
        assert_eq!(text_dots("a字", 2), 72);
    }

    #[test]
    fn bitmap_bits_are_msb_first() {
        let mut b = Bitmap::blank(10, 2);
        b.set(0, 0);
        b.set(9, 1);
        assert_eq!(b.bits, vec![0x80, 0, 0, 0x40]);
        assert!(b.get(0, 0) && b.get(9, 1) && !b.get(1, 0) && !b.get(20, 0));
    }
}
