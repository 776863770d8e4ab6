//! Glyphs as a thermal head burns them: a character from a TrueType/OpenType font rasterised into a printer cell
//! (12 or 24 dots wide, 24 high at normal size) and thresholded to 1 bit.
//!
//! Shared by the receipt renderer (what the paper looks like) and the receipt builder (text the printer's own font
//! lacks, sent as a raster image), so both draw a character the same way.

/// Height of a character cell at normal size, in dots.
pub const CELL_HEIGHT: u32 = 24;
/// Width of an ASCII (Font A) cell at normal size.
pub(crate) const ASCII_CELL: u32 = 12;
/// Width of a double-byte (Chinese) cell at normal size.
pub(crate) const CJK_CELL: u32 = 24;
/// Coverage (0-255) from which a dot is burned. Below half, so the thin strokes of a 24-dot CJK glyph survive.
pub const INK_THRESHOLD: u8 = 110;

/// Why a font could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("font could not be parsed: {0}")]
pub struct FontError(pub String);

/// A font ready to rasterise printer cells (the kiosk's bundled CJK font).
///
/// Parsing a CJK font takes time and memory (every glyph's outline is prepared up front), so load it once and
/// share it (`Arc<RasterFont>`).
pub struct RasterFont {
    font: fontdue::Font,
    /// Baseline row in a 24-dot cell: ascent's share of ascent + descent, so the glyph box fills the cell.
    baseline_24: f32,
}

impl std::fmt::Debug for RasterFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RasterFont")
            .field("glyphs", &self.font.glyph_count())
            .finish()
    }
}

impl RasterFont {
    /// Load TrueType/OpenType bytes.
    pub fn from_bytes(ttf: &[u8]) -> Result<RasterFont, FontError> {
        let settings = fontdue::FontSettings {
            scale: CELL_HEIGHT as f32,
            ..Default::default()
        };
        let font =
            fontdue::Font::from_bytes(ttf, settings).map_err(|e| FontError(e.to_string()))?;
        let baseline_24 = font
            .horizontal_line_metrics(CELL_HEIGHT as f32)
            .map(|m| {
                let total = m.ascent - m.descent;
                if total > 0.0 {
                    CELL_HEIGHT as f32 * m.ascent / total
                } else {
                    20.0
                }
            })
            .unwrap_or(20.0);
        Ok(RasterFont { font, baseline_24 })
    }

    /// Whether the font has a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.font.lookup_glyph_index(c) != 0
    }

    /// `c` in a `cell_w` × `cell_h` cell, row-major, `true` = burned. The glyph is rasterised at `cell_h` pixels
    /// per em, stands on the baseline (moved up or down just enough to fit whole in the cell), is centred across
    /// the cell and squeezed if wider. Whitespace is blank; a character the font lacks is a box, like a
    /// printer's missing-character cell.
    pub fn cell(&self, c: char, cell_w: u32, cell_h: u32) -> Vec<bool> {
        let mut bits = vec![false; (cell_w * cell_h) as usize];
        if c.is_whitespace() || cell_w == 0 || cell_h == 0 {
            return bits;
        }
        if !self.has_glyph(c) {
            return box_cell(cell_w, cell_h);
        }
        let (m, coverage) = self.font.rasterize(c, cell_h as f32);
        if m.width == 0 || m.height == 0 {
            return bits;
        }
        let (gw, gh) = (m.width as u32, m.height as u32);
        let out_w = gw.min(cell_w);
        let x_off = (cell_w - out_w) / 2;
        let baseline = self.baseline_24 * cell_h as f32 / CELL_HEIGHT as f32;
        let mut top = (baseline - m.ymin as f32 - gh as f32).round() as i64;
        if gh <= cell_h {
            // A glyph a dot taller than its place above the baseline (many CJK glyphs at 24 px) is nudged into
            // the cell rather than losing its top stroke.
            top = top.clamp(0, i64::from(cell_h - gh));
        }
        for gy in 0..gh {
            let cy = top + gy as i64;
            if !(0..cell_h as i64).contains(&cy) {
                continue;
            }
            for ox in 0..out_w {
                let sx = ox * gw / out_w;
                if coverage[(gy * gw + sx) as usize] >= INK_THRESHOLD {
                    bits[(cy as u32 * cell_w + x_off + ox) as usize] = true;
                }
            }
        }
        bits
    }
}

/// An outlined box: what a printer prints for a character its font lacks (and what the renderer draws with no
/// font at all).
pub(crate) fn box_cell(cell_w: u32, cell_h: u32) -> Vec<bool> {
    let mut bits = vec![false; (cell_w * cell_h) as usize];
    if cell_w < 6 || cell_h < 7 {
        return bits;
    }
    let (x0, x1, y0, y1) = (2, cell_w - 3, 3, cell_h - 3);
    for y in y0..=y1 {
        for x in x0..=x1 {
            if y == y0 || y == y1 || x == x0 || x == x1 {
                bits[(y * cell_w + x) as usize] = true;
            }
        }
    }
    bits
}

/// Printed width of `c` at normal size, in dots: 12 for ASCII, 24 for anything else (the double-byte font).
pub(crate) fn cell_width(c: char) -> u32 {
    if c.is_ascii() {
        ASCII_CELL
    } else {
        CJK_CELL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_fits_small_cells() {
        assert_eq!(
            box_cell(12, 24).iter().filter(|&&b| b).count(),
            2 * 8 + 2 * 17
        );
        assert!(box_cell(3, 3).iter().all(|&b| !b));
    }

    #[test]
    fn a_bad_font_is_an_error() {
        assert!(RasterFont::from_bytes(b"not a font").is_err());
    }
}
