//! Rendering an ESC/POS job to an image, as an 80 mm, 203 dpi thermal printer would print it.
//!
//! No open-source emulator renders GB18030 Chinese, so this is the project's reference for what a receipt looks
//! like: Font A 12×24 dots for ASCII and 24×24 for Chinese (glyphs rasterised from the caller's font, then
//! thresholded to 1 bit and scaled by pixel replication like the printer's own `GS !` scaling), native QR codes
//! drawn as real QR symbols, raster images, and cuts drawn as a grey dashed line with a label. Annotations
//! (cut lines) are grey; everything the printer would burn is black. Any byte sequence renders without panic.
//!
//! The same interpreter, with drawing off, is the paper model: how many dots of paper a job feeds
//! ([`paper_dots`]), which the driver turns into a print-time estimate and the simulator into real print time.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::command::{command_extent, DLE, ESC, FS, GS};
use super::coverage::PrinterFont;
use super::glyph::{
    box_cell, RasterFont, ASCII_CELL as ASCII_W, CELL_HEIGHT as CELL_H, CJK_CELL as CJK_W,
};

/// Dots across 80 mm paper at 203 dpi.
pub const PAPER_DOTS: u32 = 576;
/// Tallest image rendered (about 2 m of paper); anything below is cut off, so hostile input stays bounded.
pub const MAX_HEIGHT: u32 = 16_000;
/// Grey level of annotations that are not printed (the cut line and its label).
pub const ANNOTATION_GREY: u8 = 140;
/// Dots per millimetre at 203 dpi.
pub const DOTS_PER_MM: u32 = 8;
/// Paper a cut moves past the head before the knife falls, in the paper model: the head-to-cutter distance of a
/// typical 80 mm mechanism (about 12 mm).
pub const CUT_FEED_DOTS: u32 = 96;

/// Line spacing after `ESC @` / `ESC 2` (vendor default; jobs from [`super::Receipt`] set it explicitly).
const DEFAULT_SPACING: u32 = 30;
const MAX_GLYPHS: usize = 8192;

/// A rendered receipt: 8-bit grey, 0 = black, 255 = white, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReceipt {
    /// Always [`PAPER_DOTS`] (576).
    pub width: u32,
    /// Dots of paper used, at least 1.
    pub height: u32,
    /// `width * height` grey levels.
    pub pixels: Vec<u8>,
}

/// Why rendering or saving failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The font bytes are not a TrueType/OpenType font (an empty slice is fine: box glyphs are drawn).
    #[error("font could not be parsed: {0}")]
    Font(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
    /// The simulator has no job with this index.
    #[error("no print job #{0}")]
    NoSuchJob(usize),
    /// Writing the file failed.
    #[error("writing the PNG failed: {0}")]
    Io(#[from] std::io::Error),
}

impl RenderedReceipt {
    /// The grey level at (x, y); white outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> u8 {
        if x >= self.width || y >= self.height {
            return 255;
        }
        self.pixels[(y * self.width + x) as usize]
    }

    fn encode_png(&self) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, self.width, self.height);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| RenderError::Png(e.to_string()))?;
        w.write_image_data(&self.pixels)
            .map_err(|e| RenderError::Png(e.to_string()))?;
        w.finish().map_err(|e| RenderError::Png(e.to_string()))?;
        Ok(out)
    }

    /// The image as PNG bytes (8-bit greyscale). Empty only if encoding failed, which a receipt made by
    /// [`render`] cannot cause.
    pub fn to_png(&self) -> Vec<u8> {
        self.encode_png().unwrap_or_else(|e| {
            tracing::error!("{e}");
            Vec::new()
        })
    }

    /// Save as a PNG file.
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<(), RenderError> {
        std::fs::write(path, self.encode_png()?)?;
        Ok(())
    }
}

/// Render `job` with glyphs from `font_ttf` (TrueType/OpenType bytes, e.g. the kiosk's CJK font; an empty
/// slice draws a box for every character, enough for layout checks). Every character is drawn from `font_ttf`,
/// as if the printer's own font had them all. Never panics on any `job`.
pub fn render(job: &[u8], font_ttf: &[u8]) -> Result<RenderedReceipt, RenderError> {
    Ok(render_with(job, load(font_ttf)?.as_ref(), None))
}

/// Render `job` as a printer whose own font is `printer_font` prints it: characters that font lacks come out as
/// boxes (raster images still print whatever they hold). Never panics on any `job`.
pub fn render_for(
    job: &[u8],
    font_ttf: &[u8],
    printer_font: PrinterFont,
) -> Result<RenderedReceipt, RenderError> {
    Ok(render_with(
        job,
        load(font_ttf)?.as_ref(),
        Some(printer_font),
    ))
}

/// [`render`] (`printer_font` `None`) or [`render_for`] with a font already loaded, for callers that render
/// often: parsing a CJK font costs far more than rendering a receipt.
pub fn render_with(
    job: &[u8],
    font: Option<&RasterFont>,
    printer_font: Option<PrinterFont>,
) -> RenderedReceipt {
    let mut r = Renderer::new(font, printer_font, true);
    r.run(job);
    r.finish()
}

/// Dots of paper `job` feeds from its first line to the end of its last cut (see [`CUT_FEED_DOTS`]).
pub fn paper_dots(job: &[u8]) -> u32 {
    let mut m = PaperModel::new();
    m.run(job);
    m.fed()
}

fn load(font_ttf: &[u8]) -> Result<Option<RasterFont>, RenderError> {
    if font_ttf.is_empty() {
        return Ok(None);
    }
    RasterFont::from_bytes(font_ttf)
        .map(Some)
        .map_err(|e| RenderError::Font(e.0))
}

/// The printer's paper transport, command by command: the renderer with drawing off. The simulator feeds it one
/// unit (a command or a character) at a time and turns the dots each unit feeds into print time.
pub(crate) struct PaperModel(Renderer<'static>);

impl PaperModel {
    pub(crate) fn new() -> Self {
        PaperModel(Renderer::new(None, None, false))
    }

    /// Length of the unit (command or character) at the start of `buf`; `None` while it is incomplete.
    pub(crate) fn unit_len(&self, buf: &[u8]) -> Option<usize> {
        self.0.unit_len(buf)
    }

    /// Process one whole unit (as measured by [`PaperModel::unit_len`]).
    pub(crate) fn step(&mut self, unit: &[u8]) {
        self.0.step(unit);
    }

    /// Process every complete unit of `job`.
    pub(crate) fn run(&mut self, job: &[u8]) {
        self.0.run(job);
    }

    /// Dots of paper fed so far.
    pub(crate) fn fed(&self) -> u32 {
        self.0.y
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Justify {
    Left,
    Center,
    Right,
}

/// A 1-bit glyph in its unscaled cell (12×24 or 24×24).
struct Glyph {
    w: u32,
    bits: Vec<bool>,
}

struct Item {
    glyph: Arc<Glyph>,
    w_mul: u32,
    h_mul: u32,
    bold: bool,
}

struct Renderer<'f> {
    font: Option<&'f RasterFont>,
    /// The printer's own font, when characters it lacks must print as boxes; `None`: every character prints.
    coverage: Option<PrinterFont>,
    /// Off: the paper model (no pixels, real cut feed, no height limit).
    draw: bool,
    glyphs: HashMap<(char, u32), Arc<Glyph>>,
    pixels: Vec<u8>,
    /// Next dot row to print on.
    y: u32,
    line: Vec<Item>,
    line_w: u32,
    line_justify: Justify,
    justify: Justify,
    w_mul: u32,
    h_mul: u32,
    bold: bool,
    spacing: u32,
    chinese: bool,
    qr_module: u32,
    qr_ec: qrcode::EcLevel,
    qr_data: Vec<u8>,
}

impl<'f> Renderer<'f> {
    fn new(font: Option<&'f RasterFont>, coverage: Option<PrinterFont>, draw: bool) -> Self {
        let mut r = Renderer {
            font,
            coverage,
            draw,
            glyphs: HashMap::new(),
            pixels: Vec::new(),
            y: 0,
            line: Vec::new(),
            line_w: 0,
            line_justify: Justify::Left,
            justify: Justify::Left,
            w_mul: 1,
            h_mul: 1,
            bold: false,
            spacing: DEFAULT_SPACING,
            chinese: true, // most Chinese firmware powers on in Chinese mode
            qr_module: 3,
            qr_ec: qrcode::EcLevel::L,
            qr_data: Vec::new(),
        };
        r.init();
        r
    }

    /// `ESC @`: back to power-on settings (the buffer is kept; Chinese firmware stays in Chinese mode).
    fn init(&mut self) {
        self.justify = Justify::Left;
        self.w_mul = 1;
        self.h_mul = 1;
        self.bold = false;
        self.spacing = DEFAULT_SPACING;
        self.chinese = true;
    }

    fn finish(mut self) -> RenderedReceipt {
        if !self.line.is_empty() {
            self.flush_line(true); // text with no LF at the end: the printer prints it at the next feed
        }
        let height = self.y.clamp(1, MAX_HEIGHT);
        self.pixels.resize((PAPER_DOTS * height) as usize, 255);
        RenderedReceipt {
            width: PAPER_DOTS,
            height,
            pixels: self.pixels,
        }
    }

    fn advance(&mut self, dots: u32) {
        self.y = self.y.saturating_add(dots);
        if self.draw {
            self.y = self.y.min(MAX_HEIGHT);
        }
    }

    /// Paint one dot (`grey` 0 = black); outside the paper or below the limit is clipped.
    fn dot(&mut self, x: i64, y: i64, grey: u8) {
        if !self.draw || x < 0 || y < 0 || x >= PAPER_DOTS as i64 || y >= MAX_HEIGHT as i64 {
            return;
        }
        let idx = (y as usize) * PAPER_DOTS as usize + x as usize;
        if idx >= self.pixels.len() {
            self.pixels
                .resize((y as usize + 1) * PAPER_DOTS as usize, 255);
        }
        self.pixels[idx] = self.pixels[idx].min(grey);
    }

    fn x_for(&self, justify: Justify, width: u32) -> i64 {
        let free = PAPER_DOTS.saturating_sub(width) as i64;
        match justify {
            Justify::Left => 0,
            Justify::Center => free / 2,
            Justify::Right => free,
        }
    }

    fn run(&mut self, job: &[u8]) {
        let mut i = 0;
        while i < job.len() {
            // A command or character cut short at the end of the job: the printer would wait for the rest.
            let Some(n) = self.unit_len(&job[i..]) else {
                return;
            };
            self.step(&job[i..i + n]);
            i += n;
        }
    }

    /// Length of the command or character at the start of `rest` (not empty); `None` while incomplete.
    fn unit_len(&self, rest: &[u8]) -> Option<usize> {
        match *rest.first()? {
            DLE | ESC | FS | GS => command_extent(rest).filter(|&n| n <= rest.len()),
            0x80..=0xFF if self.chinese => gb18030_len(rest),
            _ => Some(1),
        }
    }

    /// Process one whole unit (see [`Renderer::unit_len`]).
    fn step(&mut self, unit: &[u8]) {
        match unit.first() {
            Some(&(DLE | ESC | FS | GS)) => self.command(unit),
            Some(_) => self.text(unit),
            None => {}
        }
    }

    /// Print one character unit (or act on LF, HT).
    fn text(&mut self, unit: &[u8]) {
        let b = unit[0];
        match b {
            0x0A => self.flush_line(true),
            0x09 => {
                // Tab stops every 8 columns; a fixed count of spaces, so wide characters cannot loop forever.
                let col = self.line_w / ASCII_W;
                for _ in 0..8 - col % 8 {
                    self.push_char(' ', ASCII_W);
                }
            }
            0x20..=0x7E => self.push_char(b as char, ASCII_W),
            0x80..=0xFF if self.chinese => {
                let (_, c) = gb18030_char(unit);
                self.push_char(c, CJK_W);
            }
            0x80..=0xFF => self.push_char(char::REPLACEMENT_CHARACTER, ASCII_W),
            _ => {} // CR and other controls: nothing to print
        }
    }

    fn push_char(&mut self, c: char, cell_w: u32) {
        let w = cell_w * self.w_mul;
        if self.line_w + w > PAPER_DOTS {
            self.flush_line(true); // automatic wrap, as the printer does
        }
        if self.line.is_empty() {
            self.line_justify = self.justify;
        }
        let glyph = self.glyph(c, cell_w);
        self.line.push(Item {
            glyph,
            w_mul: self.w_mul,
            h_mul: self.h_mul,
            bold: self.bold,
        });
        self.line_w += w;
    }

    /// Print the line buffer. `feed`: advance the paper by the line (a LF or a wrap); otherwise the line is
    /// printed and the paper moved just enough to clear it.
    fn flush_line(&mut self, feed: bool) {
        if self.line.is_empty() {
            if feed {
                self.advance(self.spacing);
            }
            return;
        }
        let line = std::mem::take(&mut self.line);
        let line_h = line
            .iter()
            .map(|it| CELL_H * it.h_mul)
            .max()
            .unwrap_or(CELL_H);
        let mut x = self.x_for(self.line_justify, self.line_w);
        let top = self.y as i64;
        for it in &line {
            let g = &it.glyph;
            let y0 = top + (line_h - CELL_H * it.h_mul) as i64; // characters stand on a common bottom line
            for gy in 0..CELL_H {
                for gx in 0..g.w {
                    if !g.bits[(gy * g.w + gx) as usize] {
                        continue;
                    }
                    for sy in 0..it.h_mul {
                        for sx in 0..it.w_mul + u32::from(it.bold) {
                            let px = x + (gx * it.w_mul + sx) as i64;
                            self.dot(px, y0 + (gy * it.h_mul + sy) as i64, 0);
                        }
                    }
                }
            }
            x += (g.w * it.w_mul) as i64;
        }
        self.line_w = 0;
        self.advance(if feed {
            line_h.max(self.spacing)
        } else {
            line_h
        });
    }

    fn glyph(&mut self, c: char, cell_w: u32) -> Arc<Glyph> {
        if let Some(g) = self.glyphs.get(&(c, cell_w)) {
            return g.clone();
        }
        let g = Arc::new(self.rasterize(c, cell_w));
        if self.glyphs.len() < MAX_GLYPHS {
            self.glyphs.insert((c, cell_w), g.clone());
        }
        g
    }

    fn rasterize(&self, c: char, cell_w: u32) -> Glyph {
        let missing = self
            .coverage
            .is_some_and(|f| !c.is_whitespace() && !f.covers(c));
        let bits = match self.font {
            _ if missing => box_cell(cell_w, CELL_H),
            Some(font) => font.cell(c, cell_w, CELL_H),
            None if c.is_whitespace() => vec![false; (cell_w * CELL_H) as usize],
            None => box_cell(cell_w, CELL_H),
        };
        Glyph { w: cell_w, bits }
    }

    fn command(&mut self, cmd: &[u8]) {
        let arg = |i: usize| cmd.get(i).copied().unwrap_or(0);
        match (cmd[0], arg(1)) {
            (ESC, b'@') => self.init(),
            (ESC, b'2') => self.spacing = DEFAULT_SPACING,
            (ESC, b'3') => self.spacing = u32::from(arg(2)),
            (ESC, b'a') => {
                self.justify = match arg(2) {
                    1 | b'1' => Justify::Center,
                    2 | b'2' => Justify::Right,
                    _ => Justify::Left,
                }
            }
            (ESC, b'E') => self.bold = arg(2) & 1 == 1,
            (ESC, b'!') => {
                let n = arg(2);
                self.bold = n & 0x08 != 0;
                self.h_mul = if n & 0x10 != 0 { 2 } else { 1 };
                self.w_mul = if n & 0x20 != 0 { 2 } else { 1 };
            }
            (GS, b'!') => {
                let n = arg(2);
                self.w_mul = u32::from((n >> 4) & 7) + 1;
                self.h_mul = u32::from(n & 7) + 1;
            }
            (ESC, b'd') => {
                // Print the buffer and feed n lines; printing a pending line is the first of them.
                let n = u32::from(arg(2));
                if self.line.is_empty() {
                    self.advance(n.saturating_mul(self.spacing));
                } else if n == 0 {
                    self.flush_line(false);
                } else {
                    self.flush_line(true);
                    self.advance((n - 1).saturating_mul(self.spacing));
                }
            }
            (ESC, b'J') => {
                self.flush_line(false);
                self.advance(u32::from(arg(2)));
            }
            (FS, b'&') => self.chinese = true,
            (FS, b'.') => self.chinese = false,
            (GS, b'(') if arg(2) == b'k' => self.qr_command(cmd),
            (GS, b'v') if arg(2) == b'0' => self.raster(cmd),
            (GS, b'V') => self.cut(cmd),
            (ESC, b'i') => self.cut_line(false),
            (ESC, b'm') => self.cut_line(true),
            _ => {} // DLE EOT and the rest: nothing printed
        }
    }

    /// `GS ( k pL pH cn fn …` with cn = 49 (QR code).
    fn qr_command(&mut self, cmd: &[u8]) {
        if cmd.get(5) != Some(&0x31) {
            return;
        }
        let param = cmd.get(7).copied();
        match cmd.get(6) {
            Some(0x43) => {
                if let Some(n @ 1..=16) = param {
                    self.qr_module = u32::from(n);
                }
            }
            Some(0x45) => {
                self.qr_ec = match param {
                    Some(0x31) => qrcode::EcLevel::M,
                    Some(0x32) => qrcode::EcLevel::Q,
                    Some(0x33) => qrcode::EcLevel::H,
                    _ => qrcode::EcLevel::L,
                }
            }
            Some(0x50) => self.qr_data = cmd.get(8..).unwrap_or(&[]).to_vec(),
            Some(0x51) => self.print_qr(),
            _ => {} // model (0x41): the qrcode crate draws model 2, which is what jobs select
        }
    }

    fn print_qr(&mut self) {
        self.flush_line(true);
        let Ok(code) = qrcode::QrCode::with_error_correction_level(&self.qr_data, self.qr_ec)
        else {
            return; // too much data for a QR symbol: the printer prints nothing
        };
        let n = code.width() as u32;
        let m = self.qr_module;
        let colors = code.to_colors();
        let x0 = self.x_for(self.justify, n * m);
        let y0 = self.y as i64;
        for (i, c) in colors.iter().enumerate() {
            if *c != qrcode::Color::Dark {
                continue;
            }
            let (mx, my) = (i as u32 % n, i as u32 / n);
            for dy in 0..m {
                for dx in 0..m {
                    self.dot(x0 + (mx * m + dx) as i64, y0 + (my * m + dy) as i64, 0);
                }
            }
        }
        self.advance(n * m);
    }

    /// `GS v 0 m xL xH yL yH d…`: x bytes across, y rows, MSB leftmost, 1 = black; m doubles width/height.
    fn raster(&mut self, cmd: &[u8]) {
        if cmd.len() < 8 {
            return;
        }
        self.flush_line(false);
        let m = cmd[3];
        let (sx, sy) = (1 + u32::from(m & 1), 1 + u32::from((m >> 1) & 1));
        let xb = u32::from(u16::from_le_bytes([cmd[4], cmd[5]]));
        let rows = u32::from(u16::from_le_bytes([cmd[6], cmd[7]]));
        let data = &cmd[8..];
        let x0 = self.x_for(self.justify, xb * 8 * sx);
        let y0 = self.y as i64;
        let visible_bytes = xb.min(PAPER_DOTS.div_ceil(8));
        for row in 0..rows {
            if y0 + (row * sy) as i64 >= MAX_HEIGHT as i64 {
                break;
            }
            for bx in 0..visible_bytes {
                let byte = data.get((row * xb + bx) as usize).copied().unwrap_or(0);
                for bit in 0..8 {
                    if byte & (0x80 >> bit) == 0 {
                        continue;
                    }
                    for dy in 0..sy {
                        for dx in 0..sx {
                            let px = x0 + ((bx * 8 + bit) * sx + dx) as i64;
                            self.dot(px, y0 + (row * sy + dy) as i64, 0);
                        }
                    }
                }
            }
        }
        self.advance(rows.saturating_mul(sy));
    }

    /// `GS V m [n]`: 65/66 (and 97/98, 103/104) feed n dots first; 1/49/66/98/104 are partial cuts.
    fn cut(&mut self, cmd: &[u8]) {
        let m = cmd.get(2).copied().unwrap_or(0);
        self.flush_line(true);
        if cmd.len() >= 4 {
            self.advance(u32::from(cmd[3]));
        }
        let partial = matches!(m, 1 | 49 | 66 | 98 | 104);
        self.cut_line(partial);
    }

    /// A grey dashed line across the paper with a label under it: where the knife cut.
    fn cut_line(&mut self, partial: bool) {
        self.flush_line(false);
        if !self.draw {
            self.advance(CUT_FEED_DOTS);
            return;
        }
        self.advance(8);
        let y = self.y as i64;
        for x in 0..PAPER_DOTS as i64 {
            if (x / 8) % 2 == 0 {
                self.dot(x, y, ANNOTATION_GREY);
                self.dot(x, y + 1, ANNOTATION_GREY);
            }
        }
        let label = if partial { "partial cut" } else { "full cut" };
        let mut x = 4i64;
        for c in label.chars() {
            let g = self.glyph(c, ASCII_W);
            for gy in 0..CELL_H {
                for gx in 0..g.w {
                    if g.bits[(gy * g.w + gx) as usize] {
                        self.dot(x + gx as i64, y + 4 + gy as i64, ANNOTATION_GREY);
                    }
                }
            }
            x += ASCII_W as i64;
        }
        self.advance(4 + CELL_H + 16);
    }
}

/// Length of the Chinese-mode character at the start of `rest` (first byte >= 0x80): 2 or 4 bytes, 1 for an
/// invalid byte (printed as a replacement box); `None` while a valid sequence is still incomplete.
fn gb18030_len(rest: &[u8]) -> Option<usize> {
    match rest {
        [0x81..=0xFE] | [0x81..=0xFE, 0x30..=0x39] | [0x81..=0xFE, 0x30..=0x39, 0x81..=0xFE] => {
            None
        }
        [0x81..=0xFE, 0x30..=0x39, 0x81..=0xFE, 0x30..=0x39, ..] => Some(4),
        [0x81..=0xFE, 0x40..=0x7E | 0x80..=0xFE, ..] => Some(2),
        _ => Some(1),
    }
}

/// One character in Chinese mode at the start of `rest` (whose first byte is >= 0x80): GB18030 two-byte
/// (`81..FE` + `40..FE` except 7F) or four-byte (`81..FE 30..39 81..FE 30..39`). Invalid sequences take one
/// byte and print as a replacement box.
fn gb18030_char(rest: &[u8]) -> (usize, char) {
    let len = match rest {
        [0x81..=0xFE, 0x30..=0x39, 0x81..=0xFE, 0x30..=0x39, ..] => 4,
        [0x81..=0xFE, 0x40..=0x7E | 0x80..=0xFE, ..] => 2,
        _ => return (1, char::REPLACEMENT_CHARACTER),
    };
    let (s, _, _) = encoding_rs::GB18030.decode(&rest[..len]);
    (len, s.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_with_ink(r: &RenderedReceipt) -> Vec<u32> {
        (0..r.height)
            .filter(|&y| (0..r.width).any(|x| r.pixel(x, y) == 0))
            .collect()
    }

    #[test]
    fn gb18030_chars_decode_by_length() {
        assert_eq!(gb18030_char(&[0xB0, 0xEC]), (2, '办'));
        assert_eq!(gb18030_char(&[0x94, 0x39, 0xFC, 0x36]), (4, '😀'));
        assert_eq!(gb18030_char(&[0xB0]), (1, char::REPLACEMENT_CHARACTER));
        assert_eq!(
            gb18030_char(&[0x80, 0x41]),
            (1, char::REPLACEMENT_CHARACTER)
        );
    }

    #[test]
    fn each_line_adds_the_line_spacing() {
        let one = render(b"\x1b@\x1b3\x20A\n", &[]).unwrap();
        let two = render(b"\x1b@\x1b3\x20A\nB\n", &[]).unwrap();
        assert_eq!(one.width, 576);
        assert_eq!(one.height, 32);
        assert_eq!(two.height, 64);
        // double height: the line is 48 dots tall, taller than the spacing
        let tall = render(b"\x1b3\x20\x1d!\x01A\n", &[]).unwrap();
        assert_eq!(tall.height, 48);
    }

    #[test]
    fn alignment_moves_the_ink() {
        let ink_x = |job: &[u8]| {
            let r = render(job, &[]).unwrap();
            (0..r.width)
                .find(|&x| (0..r.height).any(|y| r.pixel(x, y) == 0))
                .unwrap()
        };
        assert!(ink_x(b"AB\n") < 12);
        let centre = ink_x(b"\x1ba\x01AB\n");
        assert!((276..=290).contains(&centre), "{centre}");
        assert!(ink_x(b"\x1ba\x02AB\n") >= 576 - 24);
    }

    #[test]
    fn cjk_cells_are_24_wide_and_lines_wrap_at_576() {
        // 25 CJK characters: 24 fit on the first line, one wraps
        let job: Vec<u8> = b"\x1b3\x20"
            .iter()
            .copied()
            .chain([0xB0, 0xEC].repeat(25))
            .chain([0x0A])
            .collect();
        let r = render(&job, &[]).unwrap();
        assert_eq!(r.height, 64);
        // without Chinese mode the same bytes are single-byte code-page characters (12 wide each)
        let job: Vec<u8> = b"\x1c.\x1b3\x20"
            .iter()
            .copied()
            .chain([0xB0, 0xEC].repeat(24))
            .chain([0x0A])
            .collect();
        assert_eq!(render(&job, &[]).unwrap().height, 32);
    }

    #[test]
    fn cut_draws_a_grey_dashed_line() {
        let r = render(b"A\n\x1dVB\x00", &[]).unwrap();
        let dashed = (0..r.height).find(|&y| {
            (0..r.width)
                .filter(|&x| r.pixel(x, y) == ANNOTATION_GREY)
                .count()
                == (r.width / 2) as usize
        });
        assert!(dashed.is_some());
        assert!(
            rows_with_ink(&r).iter().all(|&y| y < dashed.unwrap()),
            "no black below the cut"
        );
    }

    #[test]
    fn raster_lands_where_sent() {
        // 16 dots wide, 2 rows: first row all black, second row only the leftmost dot
        let r = render(b"\x1dv0\x00\x02\x00\x02\x00\xff\xff\x80\x00", &[]).unwrap();
        assert_eq!(r.height, 2);
        assert!((0..16).all(|x| r.pixel(x, 0) == 0));
        assert_eq!(r.pixel(16, 0), 255);
        assert_eq!(r.pixel(0, 1), 0);
        assert_eq!(r.pixel(1, 1), 255);
    }

    #[test]
    fn truncated_or_hostile_input_is_bounded() {
        // a raster header declaring 65535×65535 bytes with no data: nothing drawn, no huge allocation
        let r = render(b"A\n\x1dv0\x00\xff\xff\xff\xff", &[]).unwrap();
        assert_eq!(r.height, DEFAULT_SPACING);
        // a thousand 255-line feeds stop at the height limit
        let r = render(&b"\x1b3\xff\x1bd\xff".repeat(1000), &[]).unwrap();
        assert_eq!(r.height, MAX_HEIGHT);
        let empty = render(b"", &[]).unwrap();
        assert_eq!(
            (empty.width, empty.height, empty.pixels.len()),
            (576, 1, 576)
        );
    }

    #[test]
    fn the_paper_model_counts_lines_images_and_the_way_to_the_knife() {
        assert_eq!(paper_dots(b"\x1b3\x20A\nB\n"), 64);
        assert_eq!(paper_dots(b"\x1dv0\x00\x01\x00\x0a\x000123456789"), 10);
        // a cut: the pending line's feed, its own n dots, then the head-to-knife distance
        assert_eq!(paper_dots(b"\x1b3\x20\x1dVB\x05"), 32 + 5 + CUT_FEED_DOTS);
        // no height limit: a long job is long
        assert!(paper_dots(&b"\x1b3\xff\x1bd\xff".repeat(100)) > MAX_HEIGHT);
    }

    #[test]
    fn bad_font_is_an_error() {
        assert!(matches!(
            render(b"A", b"not a font"),
            Err(RenderError::Font(_))
        ));
    }

    #[test]
    fn png_round_trips() {
        let r = render(b"A\n", &[]).unwrap();
        let png = r.to_png();
        assert_eq!(&png[1..4], b"PNG");
        let dec = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (576, r.height));
        assert_eq!(&buf[..info.buffer_size()], &r.pixels[..]);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn any_bytes_render(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
                let r = render(&bytes, &[]).unwrap();
                prop_assert_eq!(r.pixels.len() as u32, r.width * r.height);
                prop_assert!(r.height >= 1 && r.height <= MAX_HEIGHT);
                // the paper model agrees with the drawing, give or take a last line waiting for its feed
                let fed = paper_dots(&bytes);
                prop_assert!(r.height == 1 || r.height == MAX_HEIGHT || fed + 256 >= r.height);
            }
        }
    }
}
