//! Glyphs as a thermal head burns them: a character from a TrueType/OpenType font rasterised into a printer cell
//! (12 or 24 dots wide, 24 high at normal size) and thresholded to 1 bit.
//!
//! Shared by the receipt renderer (what the paper looks like) and the receipt builder (text the printer's own font
//! lacks, sent as a raster image), so both draw a character the same way.

use ab_glyph::{point, Font, FontArc, PxScale};

/// Height of a character cell at normal size, in dots.
pub const CELL_HEIGHT: u32 = 24;
/// Width of an ASCII (Font A) cell at normal size.
pub(crate) const ASCII_CELL: u32 = 12;
/// Width of a double-byte (Chinese) cell at normal size.
pub(crate) const CJK_CELL: u32 = 24;
/// Where the baseline sits in a cell, as a share of its height from the top: CJK fonts (Source Han / Noto CJK
/// and the GB fonts alike) draw ideographs in an em box from 0.12 em below the baseline to 0.88 em above it, so
/// with one em per cell height the box fills the cell exactly, as a printer's 24×24 font does. (The hhea ascent
/// and descent of these fonts span 1.45 em, which would push ideographs out of the top of the cell.)
const EM_BOX_ASCENT: f32 = 0.88;
/// Coverage (0-255) from which a dot is burned. Below half, so the thin strokes of a 24-dot CJK glyph survive.
pub const INK_THRESHOLD: u8 = 110;

/// Why a font could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("font could not be parsed: {0}")]
pub struct FontError(pub String);

/// A font ready to rasterise printer cells (the kiosk's bundled CJK font).
///
/// Loading parses only the font's table directory; each glyph's outline is read when it is first drawn. (A
/// parser that prepares every outline up front, such as fontdue, takes about 2 s and 70 MB for the bundled
/// 16,000-glyph font: too slow for a tap-to-print path and too big for the kiosk's memory budget.) Cheap to
/// clone and share.
#[derive(Clone)]
pub struct RasterFont {
    font: FontArc,
    /// Font units per em: cells are drawn at `cell_h` pixels per em.
    units_per_em: f32,
}

impl std::fmt::Debug for RasterFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RasterFont")
            .field("glyphs", &self.font.glyph_count())
            .finish()
    }
}

impl RasterFont {
    /// Load TrueType/OpenType bytes (copied).
    pub fn from_bytes(ttf: &[u8]) -> Result<RasterFont, FontError> {
        Self::new(FontArc::try_from_vec(ttf.to_vec()).map_err(|e| FontError(e.to_string()))?)
    }

    /// Load a font compiled into the program (not copied).
    pub fn from_static(ttf: &'static [u8]) -> Result<RasterFont, FontError> {
        Self::new(FontArc::try_from_slice(ttf).map_err(|e| FontError(e.to_string()))?)
    }

    fn new(font: FontArc) -> Result<RasterFont, FontError> {
        let units_per_em = font
            .units_per_em()
            .ok_or_else(|| FontError("the font has no units per em".into()))?;
        Ok(RasterFont { font, units_per_em })
    }

    /// Whether the font has a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.font.glyph_id(c).0 != 0
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
        // ab_glyph scales by the font's height (ascent - descent); this many pixels of it make one em of cell_h
        let scale = PxScale::from(cell_h as f32 * self.font.height_unscaled() / self.units_per_em);
        let glyph = self
            .font
            .glyph_id(c)
            .with_scale_and_position(scale, point(0.0, 0.0));
        let Some(outline) = self.font.outline_glyph(glyph) else {
            return bits;
        };
        let bounds = outline.px_bounds();
        let (gw, gh) = (bounds.width() as u32, bounds.height() as u32);
        if gw == 0 || gh == 0 {
            return bits;
        }
        let mut ink = vec![false; (gw * gh) as usize];
        let threshold = f32::from(INK_THRESHOLD) / 255.0;
        outline.draw(|x, y, coverage| {
            if x < gw && y < gh && coverage >= threshold {
                ink[(y * gw + x) as usize] = true;
            }
        });
        let out_w = gw.min(cell_w);
        let x_off = (cell_w - out_w) / 2;
        let baseline = EM_BOX_ASCENT * cell_h as f32;
        // bounds.min.y is the glyph's top relative to the baseline (negative: above it)
        let mut top = (baseline + bounds.min.y).round() as i64;
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
                if ink[(gy * gw + sx) as usize] {
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
